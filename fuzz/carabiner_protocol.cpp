// libFuzzer target: Carabiner's protocol reader and reply formats, fed bytes
// as a socket would give them (reads of any size, a quiet client now and
// then). Checks what the server relies on: memory stays bounded, an echoed
// word is short printable ASCII, every reply is exactly one line, and the
// JSON replies are valid JSON.
#include "timeline/TimelineMath.hpp"
#include "carabiner/Protocol.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

using namespace linktools::carabiner;

namespace {

void check(bool ok) {
  if (!ok) __builtin_trap();
}

void check_line(const std::string& line) {
  check(!line.empty() && line.back() == '\n');
  check(line.find('\n') == line.size() - 1);
}

void check_replies(const Command& c) {
  StatusFacts s;
  s.bpm = c.bpm;
  s.beat = c.beat;
  s.start = c.when;
  std::vector<std::string> lines;
  switch (c.verb) {
  case Verb::unsupported:
    check(c.word.size() <= kMaxEchoedWord + 3);
    for (char ch : c.word) check(ch > 0x20 && ch < 0x7F);
    lines = {edn_unsupported(c.word), json_unsupported(c.word)};
    break;
  case Verb::bad_argument: lines = {edn_bad_argument(c.bad), json_bad_argument(c.bad)}; break;
  case Verb::bpm: check(c.bpm >= linktools::timeline::kMinTempo && c.bpm <= linktools::timeline::kMaxTempo); break;
  case Verb::beat_at_time:
  case Verb::phase_at_time:
  case Verb::time_at_beat:
    check(c.quantum >= kMinQuantum && c.quantum <= kMaxQuantum);
    lines = {edn_beat_at_time(c.when, c.quantum, c.beat), json_beat_at_time(c.when, c.quantum, c.beat),
             edn_time_at_beat(c.beat, c.quantum, c.when), json_time_at_beat(c.beat, c.quantum, c.when)};
    break;
  default: lines = {edn_status(s), json_status(s)}; break;
  }
  for (const auto& line : lines) {
    check_line(line);
    if (line.front() == '{') check(nlohmann::json::accept(line));
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Parser parser;
  std::vector<Command> commands;
  std::size_t at = 0;
  // Each read: one byte says how long it is (1..64) and whether the client
  // then goes quiet; the bytes after it are the read.
  while (at < size) {
    const std::uint8_t control = data[at++];
    const std::size_t length = std::min<std::size_t>(1 + (control & 0x3F), size - at);
    parser.feed(std::string_view(reinterpret_cast<const char*>(data + at), length), commands);
    at += length;
    check(parser.buffered() <= kMaxPendingCommand + kMaxWord + 64);
    if ((control & 0x40) && parser.quiet_flush_due()) parser.flush(commands);
    if (control & 0x80) parser.flush(commands);
  }
  parser.flush(commands);
  check(!parser.waiting());
  for (const Command& c : commands) check_replies(c);
  return 0;
}
