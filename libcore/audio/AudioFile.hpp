#pragma once
// Audio files through libsndfile, decoded whole before playback and
// converted to the output's sample rate with libsamplerate, so the realtime
// thread only reads memory.

#include <cstdint>
#include <string>
#include <vector>

namespace linktools::audio {

// Two channels of float samples at one rate; mono files are copied to both.
struct Buffer {
  int rate = 0;
  std::vector<float> left;
  std::vector<float> right;
  std::size_t frames() const noexcept { return left.size(); }
  double seconds() const noexcept { return rate > 0 ? static_cast<double>(frames()) / rate : 0.0; }
};

// What the header says, read without decoding.
struct FileInfo {
  std::string path;
  std::string format;   // libsndfile's name of the container, e.g. "WAV (Microsoft)"
  int channels = 0;
  int rate = 0;
  std::int64_t frames = 0;
  double seconds() const noexcept { return rate > 0 ? static_cast<double>(frames) / rate : 0.0; }
};

// Files with more channels are refused (link-play mixes to two).
inline constexpr int kMaxChannels = 2;

// Opens the file's header and checks it is audio we can play: a readable
// file in a format libsndfile knows, mono or stereo, not empty. Throws
// ToolError(bad_input) naming the file and what was expected.
FileInfo probe_file(const std::string& path);

// Decodes the whole file and converts it to `rate` frames a second. Throws
// ToolError(bad_input) as probe_file, and when decoding fails part way.
Buffer load_file(const std::string& path, int rate);

// Converts `in` to `rate` (a copy when the rates agree). Throws
// ToolError(failure) if libsamplerate refuses.
Buffer resample(const Buffer& in, int rate);

// The major formats this libsndfile reads, one per entry ("WAV (Microsoft)").
std::vector<std::string> readable_formats();

// For messages: the formats people look for first, then "and the other
// formats libsndfile reads (link-play --formats lists them)".
std::string formats_summary();

} // namespace linktools::audio
