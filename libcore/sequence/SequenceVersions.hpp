#pragma once
// Versions of a sequence handed from a control thread (a file reloaded, a
// script's commands) to the realtime thread that plays them, without locks
// and without the realtime thread ever freeing memory.
//
// The control thread builds each version off the realtime path and offers
// it; it owns every version and frees one only when the player can no
// longer reach it. Two atomics, each written by one side:
//   latest_   (control -> player)  the newest version offered; never cleared
//   held_     (player -> control)  the generations of the two versions the
//                                  player still reads: the one it plays and
//                                  the one waiting for its boundary (0: none),
//                                  in one word, so they are read together
// The player takes `latest()` when its generation is newer than the last it
// took, and reports `holding(playing, waiting)` whenever either changes.
// It takes versions only from latest_, in increasing generations, so once
// it holds (p, w) it can reach no version older than p, none between p and
// w, and of those newer than w only the latest (or one that was latest when
// it last looked, which collect() does not free: it keeps everything newer
// than w). Such versions are freed by `collect()`, on the control thread:
// at most the two held, the latest, and those offered since the player
// last looked stay alive, however many edits come before one boundary.
#include "sequence/Sequence.hpp"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

namespace linktools::sequence {

struct SequenceVersion {
  Sequence sequence;
  std::uint64_t generation = 0; // 1 for the first version, then one more for each
  // sequence::natural_end, worked out on the control thread: it reads every
  // event, which the realtime thread must not do at a swap.
  double natural_end = 0.0;
  // Stopped (link-seq --control's stop): from its boundary on, nothing of
  // this version is sent and the notes sounding there end there; the
  // position goes on counting, so a version that is not stopped resumes on
  // a later boundary where it would have been.
  bool stopped = false;
};

class SequenceVersions {
public:
  explicit SequenceVersions(Sequence first);
  SequenceVersions(const SequenceVersions&) = delete;
  SequenceVersions& operator=(const SequenceVersions&) = delete;

  // Control thread. Publishes a new version (the player swaps to it at its
  // next boundary) and frees what the player let go of. Returns its
  // generation. `stopped`: whether it is stopped; nullopt: as the newest
  // (an edit to a stopped sequence stays stopped). Thread-safe: one control
  // thread. Realtime-safe: no.
  std::uint64_t offer(Sequence next, std::optional<bool> stopped = std::nullopt);
  // Control thread: frees every version the player can no longer reach.
  void collect();
  // Versions alive (held by this object), for tests and the status line.
  std::size_t alive() const noexcept { return owned_.size(); }
  // The newest version offered. Control thread only (the sequence as the
  // next edit starts from).
  const Sequence& newest() const noexcept { return owned_.back()->sequence; }
  std::uint64_t newest_generation() const noexcept { return owned_.back()->generation; }
  bool newest_stopped() const noexcept { return owned_.back()->stopped; }

  // Player (realtime thread). Realtime-safe: yes, both.
  const SequenceVersion* latest() const noexcept { return latest_.load(std::memory_order_acquire); }
  // From now on the player reads only these versions (waiting 0: none).
  // Generations fit in 32 bits (four billion edits).
  void holding(std::uint64_t playing, std::uint64_t waiting) noexcept {
    held_.store((playing << 32) | (waiting & 0xffffffffu), std::memory_order_release);
  }

private:
  std::vector<std::unique_ptr<SequenceVersion>> owned_; // oldest first
  std::atomic<const SequenceVersion*> latest_{nullptr};
  std::atomic<std::uint64_t> held_{std::uint64_t{1} << 32}; // playing << 32 | waiting
};

} // namespace linktools::sequence
