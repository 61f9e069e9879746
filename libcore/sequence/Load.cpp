#include "sequence/Load.hpp"

#include "cli/Errors.hpp"
#include "sequence/JsonFormat.hpp"
#include "sequence/MidiFile.hpp"

#include <fmt/core.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <sys/stat.h>

namespace linktools::sequence {

namespace {

struct FileCloser {
  void operator()(std::FILE* f) const noexcept { std::fclose(f); }
};
using FilePtr = std::unique_ptr<std::FILE, FileCloser>;

std::string mib(std::size_t bytes) { return fmt::format("{:.0f} MiB", static_cast<double>(bytes) / (1 << 20)); }

// The whole of `file` (at most kMaxFileBytes), for messages named `name`.
std::string read_all(std::FILE* file, const std::string& name) {
  std::string text;
  struct stat info {};
  if (::fstat(::fileno(file), &info) == 0 && S_ISREG(info.st_mode)) {
    const auto size = static_cast<std::size_t>(info.st_size);
    if (size > kMaxFileBytes)
      throw bad_input(name, fmt::format("expected a file of at most {}, got {}", mib(kMaxFileBytes),
                                        mib(size)));
    text.reserve(size);
  }
  char buffer[1 << 16];
  for (;;) {
    const std::size_t n = std::fread(buffer, 1, sizeof buffer, file);
    text.append(buffer, n);
    if (text.size() > kMaxFileBytes)
      throw bad_input(name, fmt::format("expected at most {}, got more", mib(kMaxFileBytes)));
    if (n < sizeof buffer) break;
  }
  if (std::ferror(file))
    throw bad_input(name, fmt::format("cannot read it: {}", std::strerror(errno)));
  return text;
}

// A pointer as a message shows it: a key may hold any character, and a
// newline or an escape sequence must not reach the terminal as such, so
// control characters are written as JSON writes them (\u000a).
std::string shown_pointer(std::string_view pointer) {
  std::string out;
  for (const char c : pointer) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7F)
      out += fmt::format("\\u{:04x}", static_cast<unsigned>(byte));
    else
      out += c;
  }
  return out;
}

} // namespace

Sequence load_sequence(const std::string& path) {
  const bool from_stdin = path == "-";
  const std::string name = from_stdin ? "standard input" : path;
  std::string text;
  if (from_stdin) {
    text = read_all(stdin, name);
  } else {
    struct stat info {};
    if (::stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode))
      throw bad_input(path, "expected a sequence file, got a directory");
    const FilePtr file(std::fopen(path.c_str(), "rb"));
    if (!file) throw bad_input(path, fmt::format("cannot open it: {}", std::strerror(errno)));
    text = read_all(file.get(), path);
  }

  if (looks_like_midi_file(text)) {
    const auto* data = reinterpret_cast<const std::uint8_t*>(text.data());
    return read_midi_file({data, text.size()}, name);
  }

  auto result = parse_json_sequence(text);
  if (result.ok()) return std::move(result.sequence);
  std::vector<std::string> lines;
  for (const auto& p : result.problems)
    lines.push_back(p.pointer.empty() ? fmt::format("{}: {}", name, p.message)
                                      : fmt::format("{}: {}: {}", name, shown_pointer(p.pointer), p.message));
  if (result.problems_dropped)
    lines.push_back(fmt::format("{}: ... and {} more problems", name, result.problems_dropped));
  const std::size_t total = result.problems.size() + result.problems_dropped;
  throw bad_input(name, total == 1 ? "1 problem"
                                   : fmt::format("{} problems", total))
      .with_details(std::move(lines));
}

} // namespace linktools::sequence
