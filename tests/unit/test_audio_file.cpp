// Audio files: libsndfile's formats decoded to two channels of floats,
// converted to the output rate, and the files refused with what was wrong.
// Every file is written by the test itself with libsndfile's write API.
#include <doctest/doctest.h>

#include "TestSupport.hpp"

#include "audio/AudioFile.hpp"

#include <sndfile.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <numbers>
#include <string>
#include <vector>

using namespace linktools;
using namespace linktools::audio;
using linktools::testing::tool_error_of;

namespace {

constexpr double kTwoPi = 2.0 * std::numbers::pi;

// A directory for one test's files, removed with everything in it after.
class TempDir {
public:
  TempDir() {
    char name[] = "/tmp/test_audio_file_XXXXXX";
    REQUIRE(::mkdtemp(name) != nullptr);
    path_ = name;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

private:
  std::string path_;
};

// --- Signals ----------------------------------------------------------------

std::vector<float> sine(int rate, std::size_t frames, double hz, double level) {
  std::vector<float> out(frames);
  for (std::size_t i = 0; i < frames; ++i)
    out[i] = static_cast<float>(level * std::sin(kTwoPi * hz * static_cast<double>(i) / rate));
  return out;
}

// Silence with one loud sample at `at`.
std::vector<float> click(std::size_t frames, std::size_t at, float level = 0.9f) {
  std::vector<float> out(frames, 0.0f);
  out[at] = level;
  return out;
}

std::vector<float> interleave(const std::vector<float>& left, const std::vector<float>& right) {
  std::vector<float> out(left.size() * 2);
  for (std::size_t i = 0; i < left.size(); ++i) {
    out[2 * i] = left[i];
    out[2 * i + 1] = right[i];
  }
  return out;
}

// Writes `samples` (interleaved, `channels` a frame) as `format`; false when
// this libsndfile cannot write it (sf_format_check can say yes and sf_open no).
bool try_write(const std::string& path, int format, int rate, int channels,
               const std::vector<float>& samples) {
  SF_INFO info{};
  info.samplerate = rate;
  info.channels = channels;
  info.format = format;
  if (!sf_format_check(&info)) return false;
  SNDFILE* file = sf_open(path.c_str(), SFM_WRITE, &info);
  if (!file) return false;
  const auto frames = static_cast<sf_count_t>(samples.size() / static_cast<std::size_t>(channels));
  const sf_count_t written = frames > 0 ? sf_writef_float(file, samples.data(), frames) : 0;
  sf_close(file);
  CHECK(written == frames);
  return true;
}

void write_file(const std::string& path, int format, int rate, int channels, const std::vector<float>& samples) {
  REQUIRE(try_write(path, format, rate, channels, samples));
}

void write_mono(const std::string& path, int rate, const std::vector<float>& samples,
                int format = SF_FORMAT_WAV | SF_FORMAT_FLOAT) {
  write_file(path, format, rate, 1, samples);
}

// --- Measurements -----------------------------------------------------------

double rms(const std::vector<float>& x, std::size_t from, std::size_t to) {
  REQUIRE(from < to);
  REQUIRE(to <= x.size());
  double sum = 0.0;
  for (std::size_t i = from; i < to; ++i) sum += static_cast<double>(x[i]) * x[i];
  return std::sqrt(sum / static_cast<double>(to - from));
}

double peak(const std::vector<float>& x, std::size_t from, std::size_t to) {
  double most = 0.0;
  for (std::size_t i = from; i < std::min(to, x.size()); ++i) most = std::max(most, std::fabs(static_cast<double>(x[i])));
  return most;
}

// Where the loudest sample is.
std::size_t loudest(const std::vector<float>& x) {
  REQUIRE_FALSE(x.empty());
  const auto it = std::max_element(x.begin(), x.end(), [](float a, float b) { return std::fabs(a) < std::fabs(b); });
  return static_cast<std::size_t>(it - x.begin());
}

// How often the signal changes sign in [from, to): twice a period.
int zero_crossings(const std::vector<float>& x, std::size_t from, std::size_t to) {
  REQUIRE(from < to);
  REQUIRE(to <= x.size());
  int count = 0;
  for (std::size_t i = from + 1; i < to; ++i)
    if ((x[i - 1] >= 0.0f) != (x[i] >= 0.0f)) ++count;
  return count;
}

double max_difference(const std::vector<float>& a, const std::vector<float>& b) {
  REQUIRE(a.size() == b.size());
  double most = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i)
    most = std::max(most, std::fabs(static_cast<double>(a[i]) - static_cast<double>(b[i])));
  return most;
}

long long distance(std::size_t a, std::size_t b) {
  return std::llabs(static_cast<long long>(a) - static_cast<long long>(b));
}

// What `action` throws about `path`, as "WHY" (the part after "PATH: ").
std::string refusal(const std::string& path, const std::function<void()>& action) {
  const auto error = tool_error_of(action);
  REQUIRE(error);
  CHECK(error->code() == ExitCode::bad_input);
  const std::string what = error->what();
  REQUIRE(what.rfind(path + ": ", 0) == 0);
  return what.substr(path.size() + 2);
}

// The reason both probe_file and load_file give for `path`; they must agree.
std::string refusal(const std::string& path) {
  const std::string probed = refusal(path, [&] { probe_file(path); });
  const std::string loaded = refusal(path, [&] { load_file(path, 48000); });
  CHECK(probed == loaded);
  return probed;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// --- One file per format ----------------------------------------------------

// A quarter second of stereo: a 1 kHz sine on the left, silence with a
// click half way on the right.
struct StereoTestSignal {
  int rate;
  std::size_t frames;
  std::size_t click_at;
  std::vector<float> left;
  std::vector<float> right;
  explicit StereoTestSignal(int r)
      : rate(r), frames(static_cast<std::size_t>(r / 4)), click_at(frames / 2),
        left(sine(r, frames, 1000.0, 0.5)), right(click(frames, click_at)) {}
};

// Writes the test signal as `format`, loads it at its own rate and checks
// it comes back within `tolerance` a sample.
void check_lossless(int format, const std::string& name, const std::string& format_name, double tolerance) {
  const TempDir dir;
  const StereoTestSignal s(44100);
  const std::string path = dir.file(name);
  write_file(path, format, s.rate, 2, interleave(s.left, s.right));

  const FileInfo info = probe_file(path);
  CHECK(info.path == path);
  CHECK(info.format == format_name);
  CHECK(info.channels == 2);
  CHECK(info.rate == 44100);
  CHECK(info.frames == static_cast<std::int64_t>(s.frames));

  const Buffer b = load_file(path, 44100);
  CHECK(b.rate == 44100);
  REQUIRE(b.frames() == s.frames);
  REQUIRE(b.right.size() == s.frames);
  CHECK(max_difference(b.left, s.left) <= tolerance);
  CHECK(max_difference(b.right, s.right) <= tolerance);
  CHECK(loudest(b.right) == s.click_at);
}

// Writes the test signal with a lossy codec and checks what survives one:
// the length, the sine's level, the click's place, and the silence around it.
void check_lossy(const std::string& path, int rate, const std::string& format_name) {
  const StereoTestSignal s(rate);
  const FileInfo info = probe_file(path);
  CHECK(info.format == format_name);
  CHECK(info.channels == 2);
  CHECK(info.rate == rate);
  // Encoder delay and padding may change the length a little.
  CHECK(std::llabs(info.frames - static_cast<std::int64_t>(s.frames)) <= 1024);

  const Buffer b = load_file(path, rate);
  CHECK(b.rate == rate);
  CHECK(static_cast<std::int64_t>(b.frames()) == info.frames);
  REQUIRE(b.frames() >= s.frames * 9 / 10);
  const std::size_t from = s.frames / 10;
  const std::size_t to = s.frames * 8 / 10;
  CHECK(rms(b.left, from, to) == doctest::Approx(0.5 / std::sqrt(2.0)).epsilon(0.1));
  CHECK(zero_crossings(b.left, from, to) == doctest::Approx(2.0 * 1000.0 * static_cast<double>(to - from) / rate).epsilon(0.02));
  CHECK(distance(loudest(b.right), s.click_at) <= 8);
  CHECK(peak(b.right, s.click_at - 8, s.click_at + 9) > 0.3);
  CHECK(rms(b.right, from, s.click_at - 100) < 0.01); // no sine leaked into the right
}

} // namespace

// --- Formats ----------------------------------------------------------------

TEST_CASE("audio file: 16-bit WAV within quantisation") {
  check_lossless(SF_FORMAT_WAV | SF_FORMAT_PCM_16, "pcm16.wav", "WAV (Microsoft)", 2.0 / 32768);
}

TEST_CASE("audio file: float WAV exactly") {
  check_lossless(SF_FORMAT_WAV | SF_FORMAT_FLOAT, "float.wav", "WAV (Microsoft)", 0.0);
}

TEST_CASE("audio file: AIFF within quantisation") {
  check_lossless(SF_FORMAT_AIFF | SF_FORMAT_PCM_16, "pcm16.aiff", "AIFF (Apple/SGI)", 2.0 / 32768);
}

TEST_CASE("audio file: FLAC within quantisation") {
  check_lossless(SF_FORMAT_FLAC | SF_FORMAT_PCM_24, "pcm24.flac", "FLAC (Free Lossless Audio Codec)", 2.0 / 8388608);
}

TEST_CASE("audio file: Ogg Vorbis keeps length, level and onset") {
  const TempDir dir;
  const StereoTestSignal s(44100);
  const std::string path = dir.file("vorbis.ogg");
  write_file(path, SF_FORMAT_OGG | SF_FORMAT_VORBIS, s.rate, 2, interleave(s.left, s.right));
  check_lossy(path, 44100, "OGG (OGG Container format)");
}

TEST_CASE("audio file: Ogg Opus keeps length, level and onset") {
  const TempDir dir;
  const StereoTestSignal s(48000); // Opus takes 8, 12, 16, 24 or 48 kHz only
  const std::string path = dir.file("opus.opus");
  if (!try_write(path, SF_FORMAT_OGG | SF_FORMAT_OPUS, s.rate, 2, interleave(s.left, s.right))) {
    MESSAGE("skipped: this libsndfile cannot write Ogg Opus");
    return;
  }
  check_lossy(path, 48000, "OGG (OGG Container format)");
}

// --- Channels ---------------------------------------------------------------

TEST_CASE("audio file: mono is copied to both channels") {
  const TempDir dir;
  const auto samples = sine(44100, 4410, 1000.0, 0.5);
  const std::string path = dir.file("mono.wav");
  write_mono(path, 44100, samples);

  const FileInfo info = probe_file(path);
  CHECK(info.channels == 1);
  CHECK(info.frames == 4410);
  const Buffer b = load_file(path, 44100);
  REQUIRE(b.frames() == samples.size());
  REQUIRE(b.right.size() == samples.size());
  CHECK(max_difference(b.left, samples) == 0.0);
  CHECK(max_difference(b.right, samples) == 0.0);
}

TEST_CASE("audio file: stereo keeps left and right apart") {
  const TempDir dir;
  const auto left = sine(44100, 4410, 1000.0, 0.5);
  const auto right = sine(44100, 4410, 250.0, -0.25);
  const std::string path = dir.file("stereo.wav");
  write_file(path, SF_FORMAT_WAV | SF_FORMAT_FLOAT, 44100, 2, interleave(left, right));

  const Buffer b = load_file(path, 44100);
  REQUIRE(b.frames() == left.size());
  REQUIRE(b.right.size() == right.size());
  CHECK(max_difference(b.left, left) == 0.0);
  CHECK(max_difference(b.right, right) == 0.0);
  CHECK(max_difference(b.left, b.right) > 0.5); // not swapped, not mixed
}

// --- Conversion -------------------------------------------------------------

TEST_CASE("audio file: 44100 Hz loaded at 48000 Hz keeps pitch, level and length") {
  const TempDir dir;
  const std::size_t frames = 22050; // half a second
  const std::string path = dir.file("44100.wav");
  write_mono(path, 44100, sine(44100, frames, 1000.0, 0.5));

  const Buffer b = load_file(path, 48000);
  CHECK(b.rate == 48000);
  CHECK(distance(b.frames(), 24000) <= 3);
  CHECK(b.right.size() == b.frames());
  REQUIRE(b.frames() >= 22000);
  // 0.4 s from 50 ms in: 400 periods of 1 kHz, 800 sign changes (870 if
  // the samples were only relabelled 48000 Hz).
  CHECK(std::abs(zero_crossings(b.left, 2400, 21600) - 800) <= 2);
  CHECK(rms(b.left, 2400, 21600) == doctest::Approx(0.5 / std::sqrt(2.0)).epsilon(0.01));
  CHECK(peak(b.left, 2400, 21600) == doctest::Approx(0.5).epsilon(0.01));
  CHECK(max_difference(b.left, b.right) == 0.0);
}

TEST_CASE("audio file: 96000 Hz loaded at 48000 Hz keeps pitch, level and length") {
  const TempDir dir;
  const std::size_t frames = 48000; // half a second
  const std::string path = dir.file("96000.flac");
  write_file(path, SF_FORMAT_FLAC | SF_FORMAT_PCM_24, 96000, 2,
        interleave(sine(96000, frames, 1000.0, 0.5), sine(96000, frames, 3000.0, 0.25)));

  const FileInfo info = probe_file(path);
  CHECK(info.rate == 96000);
  const Buffer b = load_file(path, 48000);
  CHECK(b.rate == 48000);
  CHECK(distance(b.frames(), 24000) <= 3);
  REQUIRE(b.frames() >= 22000);
  CHECK(std::abs(zero_crossings(b.left, 2400, 21600) - 800) <= 2);
  CHECK(std::abs(zero_crossings(b.right, 2400, 21600) - 2400) <= 2);
  CHECK(rms(b.left, 2400, 21600) == doctest::Approx(0.5 / std::sqrt(2.0)).epsilon(0.01));
  CHECK(rms(b.right, 2400, 21600) == doctest::Approx(0.25 / std::sqrt(2.0)).epsilon(0.01));
}

TEST_CASE("audio file: an onset stays in time through conversion") {
  const TempDir dir;
  struct Case {
    int from;
    int to;
  };
  for (const Case c : {Case{44100, 48000}, Case{96000, 48000}, Case{48000, 44100}, Case{22050, 48000}}) {
    CAPTURE(c.from);
    CAPTURE(c.to);
    const auto frames = static_cast<std::size_t>(c.from / 2);
    const std::size_t at = static_cast<std::size_t>(c.from) * 3 / 10; // 0.3 s
    const std::string path = dir.file("onset" + std::to_string(c.from) + ".wav");
    write_mono(path, c.from, click(frames, at));

    const Buffer b = load_file(path, c.to);
    REQUIRE(b.rate == c.to);
    const auto expected = static_cast<std::size_t>(c.to) * 3 / 10;
    CHECK(distance(loudest(b.left), expected) <= 1);
    CHECK(peak(b.left, 0, expected - 200) < 0.01); // silence before stays silent
    CHECK(peak(b.left, expected - 2, expected + 3) > 0.3);
  }
}

TEST_CASE("audio file: resample converts a buffer and keeps the channels apart") {
  Buffer in;
  in.rate = 44100;
  in.left = sine(44100, 44100 / 4, 1000.0, 0.5);
  in.right = click(in.left.size(), 4410);

  const Buffer out = resample(in, 48000);
  CHECK(out.rate == 48000);
  CHECK(distance(out.frames(), 12000) <= 3);
  REQUIRE(out.right.size() == out.frames());
  CHECK(std::abs(zero_crossings(out.left, 1200, 10800) - 400) <= 2);
  CHECK(rms(out.left, 1200, 10800) == doctest::Approx(0.5 / std::sqrt(2.0)).epsilon(0.01));
  CHECK(distance(loudest(out.right), 4800) <= 1);
  CHECK(rms(out.right, 1200, 4000) < 0.001); // no sine leaked into the right
  // The input is left alone.
  CHECK(in.rate == 44100);
  CHECK(in.frames() == 44100 / 4);

  SUBCASE("the same rate is a copy") {
    const Buffer same = resample(in, 44100);
    CHECK(same.rate == 44100);
    CHECK(same.left == in.left);
    CHECK(same.right == in.right);
  }
  SUBCASE("an empty buffer stays empty, at the new rate") {
    const Buffer empty = resample(Buffer{44100, {}, {}}, 48000);
    CHECK(empty.rate == 48000);
    CHECK(empty.frames() == 0);
    CHECK(empty.right.empty());
  }
}

TEST_CASE("audio file: resample refuses a ratio libsamplerate cannot do") {
  Buffer in;
  in.rate = 100;
  in.left = sine(100, 10, 10.0, 0.5);
  in.right = in.left;
  const auto error = tool_error_of([&] { resample(in, 48000); }); // 480 times
  REQUIRE(error);
  CHECK(error->code() == ExitCode::failure);
  CHECK(contains(error->what(), "100 Hz to 48000 Hz"));
}

// --- Refusals ---------------------------------------------------------------

TEST_CASE("audio file: a missing file is refused") {
  const TempDir dir;
  const std::string why = refusal(dir.file("missing.wav"));
  CHECK(contains(why, "cannot open it"));
  CHECK(contains(why, "No such file"));
}

TEST_CASE("audio file: a directory is refused") {
  const TempDir dir;
  CHECK(refusal(dir.path()) == "expected an audio file, got a directory");
}

TEST_CASE("audio file: an empty file is refused") {
  const TempDir dir;
  const std::string path = dir.file("empty.wav");
  { const std::ofstream created(path); }
  REQUIRE(std::filesystem::file_size(path) == 0);
  CHECK(refusal(path) == "the file is empty (0 bytes)");
}

TEST_CASE("audio file: a text file is refused with the formats expected") {
  const TempDir dir;
  for (const std::string name : {"notes.txt", "notes.wav"}) {
    CAPTURE(name);
    const std::string path = dir.file(name);
    std::ofstream{path} << "These are not the samples you are looking for.\n";
    const std::string why = refusal(path);
    CHECK(why.rfind("not an audio file link-play can read (", 0) == 0);
    CHECK(contains(why, "expected WAV, AIFF, FLAC or Ogg"));
  }
}

TEST_CASE("audio file: a truncated WAV header is refused") {
  const TempDir dir;
  const std::string path = dir.file("truncated.wav");
  std::ofstream{path, std::ios::binary} << std::string("RIFF\x24\0\0\0WAVEfmt ", 16);
  CHECK(contains(refusal(path), "not an audio file link-play can read"));
}

TEST_CASE("audio file: three channels are refused") {
  const TempDir dir;
  const std::string path = dir.file("three.wav");
  const auto one = sine(44100, 100, 1000.0, 0.5);
  std::vector<float> samples;
  for (const float x : one) samples.insert(samples.end(), {x, x, x});
  write_file(path, SF_FORMAT_WAV | SF_FORMAT_PCM_16, 44100, 3, samples);
  CHECK(refusal(path) == "expected mono or stereo audio, got 3 channels");
}

TEST_CASE("audio file: a WAV header without audio is refused") {
  const TempDir dir;
  const std::string path = dir.file("silent.wav");
  write_file(path, SF_FORMAT_WAV | SF_FORMAT_PCM_16, 44100, 1, {});
  REQUIRE(std::filesystem::file_size(path) > 0);
  CHECK(refusal(path) == "the file holds no audio (0 frames)");
}

TEST_CASE("audio file: a file too short for the output rate is refused") {
  const TempDir dir;
  const std::string path = dir.file("one-frame.wav");
  write_mono(path, 96000, {0.5f});
  CHECK(probe_file(path).frames == 1);
  CHECK(load_file(path, 96000).frames() == 1);
  // Half a frame at 48 kHz: libsamplerate makes none.
  CHECK(refusal(path, [&] { load_file(path, 48000); }) == "too short to play at 48000 Hz (it holds 1 frame at 96000 Hz)");
}

TEST_CASE("audio file: a header claiming more frames than the file holds loads what it holds") {
  const TempDir dir;
  const std::string path = dir.file("liar.flac");
  const auto samples = sine(44100, 4410, 1000.0, 0.5);
  write_mono(path, 44100, samples, SF_FORMAT_FLAC | SF_FORMAT_PCM_24);
  // STREAMINFO comes first: "fLaC", a 4-byte block header, then 10 bytes of
  // block and frame sizes; the 36-bit frame count ends the next 8 bytes.
  std::string bytes;
  {
    std::ifstream in(path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  REQUIRE(bytes.size() > 26);
  REQUIRE(bytes.compare(0, 4, "fLaC") == 0);
  REQUIRE((bytes[4] & 0x7F) == 0);
  bytes[21] = static_cast<char>(bytes[21] | 0x0F);
  for (std::size_t i = 22; i < 26; ++i) bytes[i] = '\xFF';
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;

  CHECK(probe_file(path).frames == (std::int64_t{1} << 36) - 1); // what the header says
  const Buffer b = load_file(path, 44100);
  REQUIRE(b.frames() == samples.size());
  CHECK(max_difference(b.left, samples) <= 2.0 / 8388608);
}

// --- Listing and durations --------------------------------------------------

TEST_CASE("audio file: readable_formats lists WAV, AIFF, FLAC and OGG") {
  const auto formats = readable_formats();
  REQUIRE_FALSE(formats.empty());
  const auto has = [&](const std::string& name) {
    return std::find(formats.begin(), formats.end(), name) != formats.end();
  };
  CHECK(has("WAV (Microsoft)"));
  CHECK(has("AIFF (Apple/SGI)"));
  CHECK(has("FLAC (Free Lossless Audio Codec)"));
  CHECK(has("OGG (OGG Container format)"));
  for (const auto& name : formats) CHECK_FALSE(name.empty());
  CHECK(contains(formats_summary(), "--formats"));
}

TEST_CASE("audio file: seconds of a buffer and of a file") {
  Buffer b;
  CHECK(b.seconds() == 0.0); // no rate yet
  b.rate = 48000;
  CHECK(b.seconds() == 0.0);
  b.left.assign(12000, 0.0f);
  b.right.assign(12000, 0.0f);
  CHECK(b.seconds() == doctest::Approx(0.25));
  b.rate = 0;
  CHECK(b.seconds() == 0.0);

  FileInfo empty;
  CHECK(empty.seconds() == 0.0);
  const TempDir dir;
  const std::string path = dir.file("one-and-a-half.wav");
  write_mono(path, 8000, std::vector<float>(12000, 0.25f));
  const FileInfo info = probe_file(path);
  CHECK(info.frames == 12000);
  CHECK(info.seconds() == doctest::Approx(1.5));
  CHECK(load_file(path, 16000).seconds() == doctest::Approx(1.5).epsilon(0.001));
}
