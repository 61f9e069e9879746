// libFuzzer target: the link-seq/1 reader (sequence/JsonFormat.hpp) and the
// strict JSON reader under it (sequence/JsonReader.hpp), fed any bytes as a
// file's contents. load_sequence hands the text to parse_json_sequence and
// turns its problems into the ToolError link-seq prints, so this is the path
// every file takes. Checks:
// - the JSON reader accepts exactly what nlohmann's strict parser accepts,
//   except numbers a double cannot hold, which it refuses saying so, and
//   text with a NUL byte, which nlohmann reads only up to;
// - text that is not JSON gives one problem, "invalid JSON", at a line and
//   column; problems are at most kMaxProblems, the rest counted, each with a
//   JSON pointer and a message in valid UTF-8 (link-seq prints them);
// - a sequence read without problems keeps every rule of Sequence.hpp
//   (fuzz/sequence_invariants.hpp), holds no more events or tracks than the
//   text could spell, and to_json writes it back to text that reads to the
//   same sequence.
// Hangs, unbounded allocation and sanitizer reports are libFuzzer's to catch.
#include "sequence_invariants.hpp"

#include "sequence/JsonFormat.hpp"
#include "sequence/JsonReader.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

using namespace linktools::sequence;
using fuzzing::check;

namespace {

struct IgnoreEverything final : linktools::json::Handler {
  void null() override {}
  void boolean(bool) override {}
  void number(const linktools::json::Number&) override {}
  void string(std::string_view) override {}
  void start_object() override {}
  void key(std::string_view) override {}
  void end_object() override {}
  void start_array() override {}
  void end_array() override {}
};

bool blank(std::string_view text) { return text.find_first_not_of(" \t\r\n") == std::string_view::npos; }

// The smallest track and event link-seq/1 accepts take more than this many
// bytes ({"channel":1,"events":[]} and {"beat":0,"program":0}): a reader
// that builds more from less is making things up.
constexpr std::size_t kFewestBytesPerItem = 16;

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  const ParseResult result = parse_json_sequence(text);

  // parse_json_sequence skips one byte order mark before reading the JSON;
  // nlohmann does the same by itself.
  std::string_view document = text;
  if (document.substr(0, 3) == "\xEF\xBB\xBF") document.remove_prefix(3);
  IgnoreEverything ignore;
  linktools::json::SyntaxError syntax;
  const bool syntax_ok = linktools::json::read(document, ignore, syntax);
  if (document.find('\0') != std::string_view::npos) {
    // No JSON text holds a NUL byte; nlohmann takes one for the end of the
    // input, so it is not asked.
    check(!syntax_ok);
  } else {
    const bool nlohmann_ok = nlohmann::json::accept(text);
    if (syntax_ok) check(nlohmann_ok);
    if (!syntax_ok && nlohmann_ok)
      check(syntax.message.rfind("expected a number a double can hold", 0) == 0);
  }
  if (!syntax_ok) check(syntax.offset <= document.size() && !syntax.message.empty());

  check(result.problems.size() <= kMaxProblems);
  if (result.problems_dropped > 0) check(result.problems.size() == kMaxProblems);
  for (const auto& p : result.problems) {
    check(!p.message.empty() && fuzzing::is_utf8(p.message) && fuzzing::is_utf8(p.pointer));
    check(p.pointer.empty() || p.pointer.front() == '/' || p.pointer.rfind("line ", 0) == 0);
  }
  if (!syntax_ok && !blank(document)) {
    check(result.problems.size() == 1 && result.problems_dropped == 0);
    check(result.problems[0].pointer.rfind("line ", 0) == 0);
    check(result.problems[0].message.rfind("invalid JSON: ", 0) == 0);
  }
  if (syntax_ok)
    for (const auto& p : result.problems) check(p.message.rfind("invalid JSON: ", 0) != 0);

  if (!result.ok()) return 0;
  check(syntax_ok && result.problems_dropped == 0);
  const Sequence& s = result.sequence;
  check(s.events.size() * kFewestBytesPerItem <= size && s.tracks.size() * kFewestBytesPerItem <= size);
  fuzzing::check_sequence(s);
  fuzzing::check_round_trip(s);
  return 0;
}
