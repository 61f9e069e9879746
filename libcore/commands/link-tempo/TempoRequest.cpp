#include "commands/link-tempo/TempoRequest.hpp"

#include "cli/Errors.hpp"
#include "timeline/TimelineMath.hpp"

#include <fmt/core.h>

#include <charconv>
#include <cmath>
#include <string>

namespace linktools {

namespace {
std::string expected() {
  return fmt::format("expected a tempo in BPM ({:g}..{:g}), or +N / -N to nudge", timeline::kMinTempo,
                     timeline::kMaxTempo);
}

double parse_number(std::string_view word, std::string_view digits) {
  double value = 0.0;
  const auto* begin = digits.data();
  const auto* end = digits.data() + digits.size();
  // One sign at most, and it was taken off already: from_chars would accept
  // a second one ("+-2", "--2").
  if (digits.empty() || digits.front() == '-' || digits.front() == '+')
    throw bad_input(fmt::format("tempo '{}'", word), expected());
  const auto [stop, error] = std::from_chars(begin, end, value, std::chars_format::fixed);
  if (error != std::errc{} || stop != end)
    throw bad_input(fmt::format("tempo '{}'", word), expected());
  // from_chars reads "nan" and "inf" even in fixed format.
  if (!std::isfinite(value)) throw bad_input(fmt::format("tempo '{}'", word), expected());
  return value;
}

std::string range_text(double bpm) { return fmt::format("{:g}", bpm); }
} // namespace

TempoRequest parse_tempo_request(std::string_view word) {
  TempoRequest request;
  if (!word.empty() && (word.front() == '+' || word.front() == '-')) {
    request.kind = TempoRequest::Kind::nudge;
    const double magnitude = parse_number(word, word.substr(1));
    request.value = word.front() == '-' ? -magnitude : magnitude;
    // Before joining there is no session tempo to add it to, but a nudge
    // wider than the whole range leaves it from any tempo.
    if (std::abs(request.value) > timeline::kMaxTempo - timeline::kMinTempo)
      throw bad_input(fmt::format("tempo '{}'", word),
                      fmt::format("the tempo after a nudge must stay within {:g}..{:g} BPM, so a "
                                  "nudge can be at most {:g} BPM either way",
                                  timeline::kMinTempo, timeline::kMaxTempo, timeline::kMaxTempo - timeline::kMinTempo));
    return request;
  }
  request.value = parse_number(word, word);
  if (request.value < timeline::kMinTempo || request.value > timeline::kMaxTempo)
    throw bad_input(fmt::format("tempo '{}'", word),
                    fmt::format("expected {:g}..{:g} BPM, got {}", timeline::kMinTempo, timeline::kMaxTempo,
                                range_text(request.value)));
  return request;
}

double TempoRequest::target(double current_bpm) const {
  if (kind == Kind::set) return value;
  const double bpm = current_bpm + value;
  if (bpm < timeline::kMinTempo || bpm > timeline::kMaxTempo)
    throw bad_input(fmt::format("nudge {:+g}", value),
                    fmt::format("the session tempo {:.2f} would become {:.2f}, outside {:g}..{:g} BPM",
                                current_bpm, bpm, timeline::kMinTempo, timeline::kMaxTempo));
  return bpm;
}

} // namespace linktools
