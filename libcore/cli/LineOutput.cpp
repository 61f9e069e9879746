#include "cli/LineOutput.hpp"

#include <poll.h>

namespace linktools {

bool LineOutput::put(std::string_view text) {
  if (!ok_) return false;
  if (std::fwrite(text.data(), 1, text.size(), stream_) != text.size()) ok_ = false;
  return ok_;
}

// One flush per line, so a reader gets whole lines in one write.
bool LineOutput::flush() {
  if (ok_ && std::fflush(stream_) != 0) ok_ = false;
  return ok_;
}

bool LineOutput::write_line(std::string_view line) {
  return put(line) && put("\n") && flush();
}

bool LineOutput::redraw(std::string_view line) {
  live_ = true;
  // Carriage return, the line, then erase whatever was left of a longer one.
  return put("\r") && put(line) && put("\x1b[K") && flush();
}

void LineOutput::finish_live() {
  if (live_ && put("\n")) flush();
  live_ = false;
}

bool LineOutput::reader_gone() {
  if (!ok_) return true;
  pollfd fd{::fileno(stream_), 0, 0};
  if (::poll(&fd, 1, 0) == 1 && (fd.revents & (POLLERR | POLLHUP | POLLNVAL))) ok_ = false;
  return !ok_;
}

} // namespace linktools
