#include "sequence/Load.hpp"

#include "cli/Errors.hpp"
#include "sequence/JsonFormat.hpp"
#include "sequence/MidiFile.hpp"

#include <fmt/core.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <sys/stat.h>
#include <vector>

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

// A name that says the file is a Standard MIDI File.
bool named_as_midi(std::string_view path) {
  const auto dot = path.rfind('.');
  if (dot == std::string_view::npos) return false;
  std::string extension;
  for (const char c : path.substr(dot + 1))
    extension += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return extension == "mid" || extension == "midi" || extension == "smf" || extension == "kar";
}

// True when `text` cannot be JSON from its first byte on: nothing a JSON
// value begins with (after a byte order mark and blanks).
bool not_json_at_all(std::string_view text) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return false; // blank: JSON's "empty file" says it
  return std::string_view("{[\"-0123456789tfn").find(text[first]) == std::string_view::npos;
}

// Why `text` is not a Standard MIDI File, shown by its first bytes.
std::string not_midi_reason(std::string_view text) {
  if (text.empty()) return "it is empty";
  const std::string_view head = text.substr(0, 4);
  bool printable = true;
  for (const char c : head) {
    const auto byte = static_cast<unsigned char>(c);
    printable = printable && byte >= 0x20 && byte < 0x7F && c != '"' && c != '\\';
  }
  std::string shown;
  if (printable) {
    shown = fmt::format("\"{}\"", head);
  } else {
    shown = "bytes";
    for (const char c : head) shown += fmt::format(" {:02x}", static_cast<unsigned char>(c));
  }
  return fmt::format("no MThd header; it begins with {}", shown);
}

// One of the JSON reader's problems: "POINTER: MESSAGE", or the message
// alone for the document as a whole.
std::string problem_text(const Problem& p) {
  return p.pointer.empty() ? p.message : fmt::format("{}: {}", shown_pointer(p.pointer), p.message);
}

// The JSON reader's problems as lines "NAME: POINTER: MESSAGE".
std::vector<std::string> problem_lines(const ParseResult& result, const std::string& name) {
  std::vector<std::string> lines;
  for (const auto& p : result.problems) lines.push_back(fmt::format("{}: {}", name, problem_text(p)));
  if (result.problems_dropped)
    lines.push_back(fmt::format("{}: ... and {} more problems", name, result.problems_dropped));
  return lines;
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

  // The content decides: a MIDI header is read as MIDI whatever the name,
  // and anything else as JSON, even when named .mid.
  if (looks_like_midi_file(text)) {
    const auto* data = reinterpret_cast<const std::uint8_t*>(text.data());
    return read_midi_file({data, text.size()}, name);
  }

  auto result = parse_json_sequence(text);
  if (result.ok()) return std::move(result.sequence);
  const std::size_t total = result.problems.size() + result.problems_dropped;
  auto lines = problem_lines(result, name);

  // A file its name calls MIDI, or one that is not JSON from its first byte,
  // was meant for the MIDI reader, or is neither: say both readers refused it.
  if (named_as_midi(path) || not_json_at_all(text)) {
    const std::string json_reason =
        total == 1 ? problem_text(result.problems.front()) : fmt::format("{} problems, above", total);
    auto error = bad_input(name, fmt::format("not a MIDI file ({}) and not link-seq JSON ({})",
                                             not_midi_reason(text), json_reason));
    if (total > 1) error.with_details(std::move(lines));
    throw error;
  }
  throw bad_input(name, total == 1 ? "1 problem"
                                   : fmt::format("{} problems", total))
      .with_details(std::move(lines));
}

} // namespace linktools::sequence
