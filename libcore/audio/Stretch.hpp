#pragma once
// A file played at the session's tempo rather than its own, without changing
// its pitch: Rubber Band's real-time time stretcher, kept in phase with the
// beat grid.
//
// The stretcher reads a stream: the file's passes one after another, each
// `pass_frames` long (the file cut or padded with silence to its loop length
// at its own tempo). The player says, for each period, which stream position
// the period's first frame should play (from the beat) and the time ratio
// (the file's tempo over the session's). The stretcher keeps its own account
// of the stream position it is playing and bends the ratio by up to 2% to
// close any gap (the stretcher's latency makes a ratio change land late);
// a gap over 50 ms (a grid jump, a stall) restarts it in place.

#include "audio/AudioFile.hpp"

#include <cstdint>
#include <memory>

namespace linktools::audio {

class Stretch {
public:
  // `audio` must outlive the stretch. Allocates everything it will use.
  Stretch(const Buffer& audio, double pass_frames, bool loop);
  ~Stretch();
  Stretch(const Stretch&) = delete;
  Stretch& operator=(const Stretch&) = delete;

  // Starts over at stream position `position` (the next render plays it).
  void restart(double position) noexcept;

  // Renders `frames` frames into left/right (overwriting), the first of
  // which should play stream position `ideal`, at time ratio `ratio`.
  // Audio thread: no allocation, no locks.
  void render(double ideal, double ratio, float* left, float* right, std::uint32_t frames) noexcept;

  // Where it plays now, in stream frames.
  double position() const noexcept { return out_pos_; }

  // Whether the library is there (a build without Rubber Band says no and
  // --follow-tempo is refused).
  static bool available() noexcept;

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  double out_pos_ = 0.0;
  double next_ideal_ = 0.0; // where the next period should start if none is skipped
  bool have_next_ = false;
};

} // namespace linktools::audio
