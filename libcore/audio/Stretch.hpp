#pragma once
// Time stretching that keeps the pitch (Rubber Band, offline): how
// --follow-tempo makes a file fit the session's tempo. A whole pass is
// stretched at a time, away from the audio thread (audio/TempoFollower.hpp).

#include "audio/AudioFile.hpp"

#include <functional>
#include <optional>

namespace linktools::audio {

// `in` made `ratio` times as long (output duration over input duration) at
// the same pitch. The result has round(in.frames() * ratio) frames and starts
// where `in` starts (the stretcher's delay is taken out).
//
// With `loop`, `in` is one pass of a loop and is stretched as it plays round:
// its end goes before its start and its start after its end, so the seam
// joins up without the stretcher's fade-in and fade-out.
//
// `cancelled` is asked between blocks; once it says yes, returns nothing.
// Throws ToolError(failure) if Rubber Band is not there (stretch_available).
std::optional<Buffer> stretch(const Buffer& in, double ratio, bool loop, const std::function<bool()>& cancelled);

// Whether this build has Rubber Band (without it, --follow-tempo is refused).
bool stretch_available() noexcept;

} // namespace linktools::audio
