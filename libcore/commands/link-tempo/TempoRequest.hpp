#pragma once
// The word link-tempo takes: "128" sets, "+2" and "-2.5" nudge. Parsed and
// range-checked before anything joins or commits.

#include <optional>
#include <string_view>

namespace linktools {

struct TempoRequest {
  enum class Kind { set, nudge };
  Kind kind = Kind::set;
  double value = 0.0; // bpm for set, delta for nudge

  // The tempo to commit given the session's current one. Throws
  // ToolError(bad_input) when a nudge leaves 20..999.
  double target(double current_bpm) const;
};

// Throws ToolError(bad_input) naming the word and what was expected:
// empty, not a number, trailing characters, NaN, inf, or a tempo outside 20..999.
TempoRequest parse_tempo_request(std::string_view word);

} // namespace linktools
