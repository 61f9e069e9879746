#include "sequence/SequenceVersions.hpp"

#include <algorithm>

namespace linktools::sequence {

SequenceVersions::SequenceVersions(Sequence first) {
  const double end = natural_end(first);
  owned_.push_back(std::make_unique<SequenceVersion>(SequenceVersion{std::move(first), 1, end}));
  latest_.store(owned_.back().get(), std::memory_order_release);
}

std::uint64_t SequenceVersions::offer(Sequence next) {
  const std::uint64_t generation = owned_.back()->generation + 1;
  const double end = natural_end(next);
  owned_.push_back(std::make_unique<SequenceVersion>(SequenceVersion{std::move(next), generation, end}));
  // Release: the player that sees the pointer sees the whole version.
  latest_.store(owned_.back().get(), std::memory_order_release);
  collect();
  return generation;
}

void SequenceVersions::collect() {
  // Acquire: the player finished reading a version before it said so.
  const std::uint64_t in_use = in_use_.load(std::memory_order_acquire);
  const SequenceVersion* latest = owned_.back().get();
  owned_.erase(std::remove_if(owned_.begin(), owned_.end(),
                              [&](const std::unique_ptr<SequenceVersion>& v) {
                                return v.get() != latest && v->generation < in_use;
                              }),
               owned_.end());
}

} // namespace linktools::sequence
