#include "sequence/Sequence.hpp"

#include <algorithm>
#include <cmath>

namespace linktools::sequence {

void sort_events(Sequence& sequence) {
  std::stable_sort(sequence.events.begin(), sequence.events.end(),
                   [](const Event& a, const Event& b) { return a.beat < b.beat; });
}

void keep_mutes(const Sequence& from, Sequence& to) {
  for (auto& track : to.tracks) {
    if (track.name.empty()) continue;
    for (const auto& was : from.tracks)
      if (was.muted && was.name == track.name) track.muted = true;
  }
}

double natural_end(const Sequence& sequence) noexcept {
  double end = 0.0;
  for (const auto& e : sequence.events) end = std::max(end, e.beat + e.duration);
  return end;
}

double loop_length(const Sequence& sequence, double quantum) noexcept {
  if (sequence.loop_beats) return *sequence.loop_beats;
  const double last = sequence.events.empty() ? 0.0 : sequence.events.back().beat;
  return (std::floor(last / quantum) + 1.0) * quantum;
}

} // namespace linktools::sequence
