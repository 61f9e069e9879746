#pragma once
// --follow-tempo: every file with a tempo of its own, stretched to the
// session's tempo on a worker thread and handed to the audio thread without
// locks.
//
// A rendering is a clip's pass (or the whole clip, when it does not loop)
// stretched to one tempo. The audio thread says which tempo the session has
// (want); the worker stretches every clip to it, gives up a stretch as soon
// as the tempo changes again, and offers each result (take). Until a
// rendering at the session's tempo arrives (shortest clips are stretched
// first) the player goes on with the one
// it has, read faster or slower so its beats stay on the grid (only its pitch
// is off for that while). Renderings the audio thread has let go of
// (release_before) are freed by the worker, never on the audio thread.

#include "audio/AudioFile.hpp"

#include <atomic>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

namespace linktools::audio {

struct Rendering {
  Buffer audio;                 // the pass (or the whole clip) at `tempo`
  double tempo = 0.0;
  double frames_per_beat = 0.0; // at `tempo`
  std::uint64_t generation = 0; // 0: the clip at its own tempo; then counting up
};

struct FollowSource {
  const Buffer* audio = nullptr; // the whole clip; must outlive the follower
  double bpm = 0.0;              // its own tempo
  bool loop = false;             // looping: stretched one pass at a time
  double pass_beats = 0.0;       // looping: the pass length in beats
};

class TempoFollower {
public:
  // With `background`, a worker thread does the stretching; without, work()
  // does it on the caller's thread (tests).
  TempoFollower(const std::vector<FollowSource>& sources, bool background);
  ~TempoFollower();
  TempoFollower(const TempoFollower&) = delete;
  TempoFollower& operator=(const TempoFollower&) = delete;

  std::size_t size() const noexcept { return clips_.size(); }
  // Clip i's pass at its own tempo, not stretched: it plays until a
  // stretched rendering is there.
  const Rendering& unstretched(std::size_t i) const noexcept { return *clips_[i].unstretched; }

  // Audio thread: no locks, no allocation.
  void want(double tempo) noexcept { wanted_.store(tempo, std::memory_order_relaxed); }
  // A rendering newer than any taken before for clip i, or null.
  const Rendering* take(std::size_t i) noexcept {
    return clips_[i].pending->exchange(nullptr, std::memory_order_acq_rel);
  }
  // Clip i's renderings older than `generation` are no longer played.
  void release_before(std::size_t i, std::uint64_t generation) noexcept {
    clips_[i].in_use->store(generation, std::memory_order_release);
  }

  // Stretches what the wanted tempo still needs and frees what was
  // released. Returns when all is done, or the wanted tempo changed.
  void work();

  // Stretches finished so far (for tests and benchmarks). Thread-safe.
  std::uint64_t stretches() const noexcept { return stretches_.load(std::memory_order_relaxed); }

private:
  struct Clip {
    FollowSource source;
    std::unique_ptr<Rendering> unstretched;
    std::vector<std::unique_ptr<Rendering>> owned; // worker only
    double done_tempo = 0.0;                       // worker only: the newest rendering's tempo
    std::uint64_t next_generation = 1;             // worker only
    std::unique_ptr<std::atomic<const Rendering*>> pending;
    std::unique_ptr<std::atomic<std::uint64_t>> in_use;
  };

  void run();

  std::vector<Clip> clips_;
  std::vector<std::size_t> order_; // the order clips are stretched in
  std::atomic<double> wanted_{0.0};
  std::atomic<bool> quit_{false};
  std::atomic<std::uint64_t> stretches_{0};
  std::thread worker_;
};

} // namespace linktools::audio
