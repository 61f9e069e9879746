#include "audio/AudioFile.hpp"

#include "cli/Errors.hpp"

#include <fmt/core.h>
#include <samplerate.h>
#include <sndfile.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <memory>
#include <sys/stat.h>

namespace linktools::audio {

namespace {

struct FileCloser {
  void operator()(SNDFILE* f) const { sf_close(f); }
};
using SndFilePtr = std::unique_ptr<SNDFILE, FileCloser>;

std::string major_format_name(int format) {
  SF_FORMAT_INFO info{};
  info.format = format & SF_FORMAT_TYPEMASK;
  if (sf_command(nullptr, SFC_GET_FORMAT_INFO, &info, sizeof info) == 0 && info.name)
    return info.name;
  return fmt::format("format 0x{:x}", format & SF_FORMAT_TYPEMASK);
}

// Opens `path` for reading, or throws the reason in words a user can act on.
SndFilePtr open_file(const std::string& path, SF_INFO& info) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    throw bad_input(path, fmt::format("cannot open it: {}", std::strerror(errno)));
  if (S_ISDIR(st.st_mode)) throw bad_input(path, "expected an audio file, got a directory");
  if (S_ISREG(st.st_mode) && st.st_size == 0) throw bad_input(path, "the file is empty (0 bytes)");
  info = SF_INFO{};
  SndFilePtr file(sf_open(path.c_str(), SFM_READ, &info));
  if (file) return file;
  // libsndfile reports a system error for a file it could not open at all,
  // and anything else for contents it does not know.
  if (FILE* f = std::fopen(path.c_str(), "rb")) {
    std::fclose(f);
  } else {
    throw bad_input(path, fmt::format("cannot open it: {}", std::strerror(errno)));
  }
  throw bad_input(path, fmt::format("not an audio file link-play can read ({}); expected {}",
                                    sf_strerror(nullptr), formats_summary()));
}

void check_info(const std::string& path, const SF_INFO& info) {
  if (info.channels < 1 || info.channels > kMaxChannels)
    throw bad_input(path, fmt::format("expected mono or stereo audio, got {} channels", info.channels));
  if (info.samplerate <= 0)
    throw bad_input(path, fmt::format("expected a sample rate above 0, got {}", info.samplerate));
  if (info.frames <= 0) throw bad_input(path, "the file holds no audio (0 frames)");
}

} // namespace

FileInfo probe_file(const std::string& path) {
  SF_INFO info{};
  const SndFilePtr file = open_file(path, info);
  check_info(path, info);
  return FileInfo{path, major_format_name(info.format), info.channels, info.samplerate,
                  static_cast<std::int64_t>(info.frames)};
}

Buffer load_file(const std::string& path, int rate) {
  SF_INFO info{};
  const SndFilePtr file = open_file(path, info);
  check_info(path, info);
  // Ask libsndfile for floats in -1..1 whatever the file stores, and let
  // integer files that were written clipped stay as they are.
  sf_command(file.get(), SFC_SET_NORM_FLOAT, nullptr, SF_TRUE);

  Buffer decoded;
  decoded.rate = info.samplerate;
  // The header's count only sizes the first allocation, and not past a
  // bound: a damaged header can claim far more frames than the file holds
  // (a FLAC's 36-bit count all ones asks for 256 GiB), and the vectors grow
  // as they need to.
  constexpr std::size_t kMaxReserved = std::size_t{1} << 22; // 87 s at 48 kHz
  const auto expected = std::min(static_cast<std::size_t>(info.frames), kMaxReserved);
  decoded.left.reserve(expected);
  decoded.right.reserve(expected);
  constexpr sf_count_t kChunk = 16384;
  std::vector<float> chunk(static_cast<std::size_t>(kChunk * info.channels));
  for (;;) {
    const sf_count_t got = sf_readf_float(file.get(), chunk.data(), kChunk);
    if (got <= 0) break;
    for (sf_count_t i = 0; i < got; ++i) {
      const float l = chunk[static_cast<std::size_t>(i * info.channels)];
      const float r = info.channels > 1 ? chunk[static_cast<std::size_t>(i * info.channels + 1)] : l;
      decoded.left.push_back(l);
      decoded.right.push_back(r);
    }
  }
  if (sf_error(file.get()) != SF_ERR_NO_ERROR)
    throw bad_input(path, fmt::format("cannot decode it: {}", sf_strerror(file.get())));
  if (decoded.frames() == 0) throw bad_input(path, "the file holds no audio (no frame could be decoded)");
  if (decoded.rate == rate) return decoded;
  // A file of a frame or two can convert to none at a lower rate; callers
  // count on a buffer with audio in it (link-play divides by its length).
  Buffer converted = resample(decoded, rate);
  if (converted.frames() == 0)
    throw bad_input(path, fmt::format("too short to play at {} Hz (it holds {} frame{} at {} Hz)", rate,
                                      decoded.frames(), decoded.frames() == 1 ? "" : "s", decoded.rate));
  return converted;
}

Buffer resample(const Buffer& in, int rate) {
  Buffer out;
  out.rate = rate;
  if (in.rate == rate || in.frames() == 0) {
    out.left = in.left;
    out.right = in.right;
    return out;
  }
  const double ratio = static_cast<double>(rate) / in.rate;
  const auto frames_out = static_cast<std::size_t>(std::ceil(static_cast<double>(in.frames()) * ratio));
  std::vector<float> interleaved(in.frames() * 2);
  for (std::size_t i = 0; i < in.frames(); ++i) {
    interleaved[2 * i] = in.left[i];
    interleaved[2 * i + 1] = in.right[i];
  }
  std::vector<float> converted((frames_out + 16) * 2);
  SRC_DATA data{};
  data.data_in = interleaved.data();
  data.input_frames = static_cast<long>(in.frames());
  data.data_out = converted.data();
  data.output_frames = static_cast<long>(frames_out + 16);
  data.src_ratio = ratio;
  data.end_of_input = 1;
  if (const int rc = src_simple(&data, SRC_SINC_MEDIUM_QUALITY, 2); rc != 0)
    throw failure(fmt::format("converting {} Hz to {} Hz", in.rate, rate), src_strerror(rc));
  const auto got = static_cast<std::size_t>(data.output_frames_gen);
  out.left.resize(got);
  out.right.resize(got);
  for (std::size_t i = 0; i < got; ++i) {
    out.left[i] = converted[2 * i];
    out.right[i] = converted[2 * i + 1];
  }
  return out;
}

std::vector<std::string> readable_formats() {
  int count = 0;
  sf_command(nullptr, SFC_GET_FORMAT_MAJOR_COUNT, &count, sizeof count);
  std::vector<std::string> names;
  for (int i = 0; i < count; ++i) {
    SF_FORMAT_INFO info{};
    info.format = i;
    if (sf_command(nullptr, SFC_GET_FORMAT_MAJOR, &info, sizeof info) == 0 && info.name)
      names.emplace_back(info.name);
  }
  return names;
}

std::string formats_summary() {
  return "WAV, AIFF, FLAC or Ogg (Vorbis, Opus), or another format libsndfile reads "
         "(link-play --formats lists them)";
}

} // namespace linktools::audio
