#pragma once
// Versions of a sequence handed from a control thread (a file reloaded, a
// script's commands) to the realtime thread that plays them, without locks
// and without the realtime thread ever freeing memory.
//
// The control thread builds each version off the realtime path and offers
// it; it owns every version and frees one only when the player has said it
// will not touch it again. Two atomics, each written by one side:
//   latest_   (control -> player)  the newest version offered; never cleared
//   in_use_   (player -> control)  the generation of the oldest version the
//                                  player may still read (the one it plays)
// The player takes `latest()` when its generation is newer than the last it
// took, and reports `let_go_before(g)` once it plays generation g. A version
// older than in_use_ and not the latest can no longer be reached by the
// player: it took its versions only from latest_, in increasing
// generations, so any pointer it holds is at least as new as the one it
// plays. Such versions are freed by `collect()`, on the control thread.

#include "sequence/Sequence.hpp"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace linktools::sequence {

struct SequenceVersion {
  Sequence sequence;
  std::uint64_t generation = 0; // 1 for the first version, then one more for each
  // sequence::natural_end, worked out on the control thread: it reads every
  // event, which the realtime thread must not do at a swap.
  double natural_end = 0.0;
};

class SequenceVersions {
public:
  explicit SequenceVersions(Sequence first);
  SequenceVersions(const SequenceVersions&) = delete;
  SequenceVersions& operator=(const SequenceVersions&) = delete;

  // Control thread. Publishes a new version (the player swaps to it at its
  // next boundary) and frees what the player let go of. Returns its
  // generation. Thread-safe: one control thread. Realtime-safe: no.
  std::uint64_t offer(Sequence next);
  // Control thread: frees every version the player can no longer reach.
  void collect();
  // Versions alive (held by this object), for tests and the status line.
  std::size_t alive() const noexcept { return owned_.size(); }
  // The newest version offered. Control thread only (the sequence as the
  // next edit starts from).
  const Sequence& newest() const noexcept { return owned_.back()->sequence; }

  // Player (realtime thread). Realtime-safe: yes, both.
  const SequenceVersion* latest() const noexcept { return latest_.load(std::memory_order_acquire); }
  void let_go_before(std::uint64_t generation) noexcept {
    in_use_.store(generation, std::memory_order_release);
  }

private:
  std::vector<std::unique_ptr<SequenceVersion>> owned_; // oldest first
  std::atomic<const SequenceVersion*> latest_{nullptr};
  std::atomic<std::uint64_t> in_use_{1};
};

} // namespace linktools::sequence
