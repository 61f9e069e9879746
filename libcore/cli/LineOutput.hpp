#pragma once
// Line output that notices when its reader has gone away (`| head -n 3`),
// so a streaming tool can end cleanly instead of dying of SIGPIPE.

#include <cstdio>
#include <string_view>

namespace linktools {

class LineOutput {
public:
  explicit LineOutput(std::FILE* stream) : stream_(stream) {}
  // Writes `line` and a newline, then flushes. False once the reader is gone
  // or the stream failed; after that, every call returns false.
  bool write_line(std::string_view line);
  // Overwrites the current terminal line (live displays).
  bool redraw(std::string_view line);
  // Ends a live display with a newline.
  void finish_live();
  // True when the reading end of a pipe on this stream has closed, without writing.
  bool reader_gone();
  bool ok() const { return ok_; }

private:
  bool put(std::string_view text);
  bool flush();
  std::FILE* stream_;
  bool ok_ = true;
  bool live_ = false;
};

} // namespace linktools
