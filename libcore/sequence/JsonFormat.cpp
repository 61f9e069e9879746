#include "sequence/JsonFormat.hpp"

#include "sequence/FormatReader.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <string>
#include <vector>

namespace linktools::sequence {

namespace {

using format_reader::kFormatName;
using format_reader::quoted;

// "line 3, column 14" of a byte offset (columns count bytes).
std::string line_and_column(std::string_view text, std::size_t offset) {
  const std::size_t at = std::min(offset, text.size());
  std::size_t line = 1;
  std::size_t line_start = 0;
  for (std::size_t i = 0; i < at; ++i) {
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  return fmt::format("line {}, column {}", line, at - line_start + 1);
}

bool blank(std::string_view text) {
  return text.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

} // namespace

ParseResult parse_json_sequence(std::string_view text) {
  ParseResult result;
  // A byte order mark, as some editors write: not part of the document.
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  if (blank(text)) {
    result.problems.push_back(
        Problem{"", "expected a link-seq/1 document (a JSON object), got an empty file"});
    return result;
  }
  format_reader::Reader reader(result);
  json::SyntaxError error;
  if (!json::read(text, reader, error)) {
    // Whatever was found before the syntax error describes a broken document:
    // the syntax error alone says what to fix first.
    result.problems.clear();
    result.problems_dropped = 0;
    result.problems.push_back(
        Problem{line_and_column(text, error.offset), "invalid JSON: " + error.message});
    return result;
  }
  if (result.ok()) sort_events(result.sequence);
  return result;
}

// ---------------------------------------------------------------------------

namespace {

std::string number(double value) { return fmt::format("{}", value); }

std::string event_json(const Event& e) {
  std::string out = fmt::format("{{\"beat\": {}", number(e.beat));
  const auto& b = e.message.bytes;
  switch (e.kind) {
  case EventKind::note:
    out += fmt::format(", \"note\": {}, \"velocity\": {}, \"duration\": {}", b[1], b[2],
                       number(e.duration));
    break;
  case EventKind::control_change: out += fmt::format(", \"cc\": {}, \"value\": {}", b[1], b[2]); break;
  case EventKind::program_change: out += fmt::format(", \"program\": {}", b[1]); break;
  case EventKind::pitch_bend: {
    const int value = (b[1] | (b[2] << 7)) - 8192;
    out += fmt::format(", \"pitch_bend\": {}", number(value / (value < 0 ? 8192.0 : 8191.0)));
    break;
  }
  case EventKind::raw: {
    out += ", \"raw\": [";
    for (std::size_t i = 0; i < e.message.size; ++i) out += fmt::format("{}{}", i ? ", " : "", b[i]);
    out += "]";
    break;
  }
  }
  return out + "}";
}

} // namespace

std::string to_json(const Sequence& sequence) {
  std::vector<std::vector<const Event*>> by_track(sequence.tracks.size());
  for (const auto& e : sequence.events)
    if (e.track < by_track.size()) by_track[e.track].push_back(&e);
  std::string out = fmt::format("{{\n  \"format\": \"{}\",\n  \"quantum\": {},\n", kFormatName,
                                number(sequence.quantum));
  if (sequence.loop_beats) out += fmt::format("  \"loop_beats\": {},\n", number(*sequence.loop_beats));
  out += "  \"tracks\": [";
  for (std::size_t t = 0; t < sequence.tracks.size(); ++t) {
    auto& events = by_track[t];
    std::stable_sort(events.begin(), events.end(),
                     [](const Event* a, const Event* b) { return a->index < b->index; });
    const auto& track = sequence.tracks[t];
    out += fmt::format("{}\n    {{{}\"channel\": {}, \"events\": [", t ? "," : "",
                       track.name.empty() ? "" : fmt::format("\"name\": {}, ", quoted(track.name)),
                       track.channel);
    for (std::size_t i = 0; i < events.size(); ++i)
      out += fmt::format("{}\n      {}", i ? "," : "", event_json(*events[i]));
    out += events.empty() ? "]}" : "\n    ]}";
  }
  out += sequence.tracks.empty() ? "]\n}\n" : "\n  ]\n}\n";
  return out;
}

} // namespace linktools::sequence
