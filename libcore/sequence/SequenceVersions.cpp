#include "sequence/SequenceVersions.hpp"

#include <algorithm>

namespace linktools::sequence {

SequenceVersions::SequenceVersions(Sequence first) {
  const double end = natural_end(first);
  owned_.push_back(std::make_unique<SequenceVersion>(SequenceVersion{std::move(first), 1, end}));
  latest_.store(owned_.back().get(), std::memory_order_release);
}

std::uint64_t SequenceVersions::offer(Sequence next, std::optional<bool> stopped) {
  const std::uint64_t generation = owned_.back()->generation + 1;
  const double end = natural_end(next);
  const bool is_stopped = stopped.value_or(owned_.back()->stopped);
  owned_.push_back(
      std::make_unique<SequenceVersion>(SequenceVersion{std::move(next), generation, end, is_stopped}));
  // Release: the player that sees the pointer sees the whole version.
  latest_.store(owned_.back().get(), std::memory_order_release);
  collect();
  return generation;
}

void SequenceVersions::collect() {
  // Acquire: the player finished reading a version before it let it go.
  const std::uint64_t held = held_.load(std::memory_order_acquire);
  const std::uint64_t playing = held >> 32;
  const std::uint64_t waiting = held & 0xffffffffu;
  const SequenceVersion* latest = owned_.back().get();
  const auto unreachable = [&](const std::unique_ptr<SequenceVersion>& v) {
    if (v.get() == latest) return false;
    return v->generation < playing || (waiting != 0 && v->generation > playing && v->generation < waiting);
  };
  owned_.erase(std::remove_if(owned_.begin(), owned_.end(), unreachable), owned_.end());
}

} // namespace linktools::sequence
