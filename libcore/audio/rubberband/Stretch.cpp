#include "audio/Stretch.hpp"

#include <rubberband/RubberBandStretcher.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace linktools::audio {

namespace {
constexpr std::size_t kBlock = 1024;       // at most this many frames a process() call
constexpr double kMaxBend = 0.02;          // the ratio bends by at most 2%
constexpr double kBendSeconds = 0.5;       // a gap this long bends it fully
constexpr double kRestartSeconds = 0.05;   // a wider gap restarts in place
} // namespace

struct Stretch::Impl {
  const Buffer& audio;
  double pass_frames;
  bool loop;
  RubberBand::RubberBandStretcher stretcher;
  std::vector<float> in[2];
  std::vector<float> out[2];
  std::int64_t feed_pos = 0; // the next stream frame to feed
  std::size_t to_discard = 0;

  Impl(const Buffer& a, double pass, bool l)
      : audio(a), pass_frames(pass), loop(l),
        stretcher(static_cast<std::size_t>(a.rate), 2,
                  RubberBand::RubberBandStretcher::OptionProcessRealTime |
                      RubberBand::RubberBandStretcher::OptionEngineFaster |
                      RubberBand::RubberBandStretcher::OptionThreadingNever |
                      RubberBand::RubberBandStretcher::OptionTransientsCrisp |
                      RubberBand::RubberBandStretcher::OptionPitchHighConsistency) {
    stretcher.setMaxProcessSize(kBlock);
    for (auto& v : in) v.assign(kBlock, 0.0f);
    for (auto& v : out) v.assign(kBlock, 0.0f);
  }

  // Stream frame j: the sample of its pass, or silence past the file's end.
  float sample(int channel, std::int64_t j) const noexcept {
    if (j < 0) return 0.0f;
    std::int64_t within = j;
    if (loop && pass_frames > 0.0) {
      const double k = std::floor((static_cast<double>(j) + 0.5) / pass_frames);
      within = j - std::llround(k * pass_frames);
    } else if (static_cast<double>(j) >= pass_frames) {
      return 0.0f;
    }
    if (within < 0 || within >= static_cast<std::int64_t>(audio.frames())) return 0.0f;
    const auto i = static_cast<std::size_t>(within);
    return channel == 0 ? audio.left[i] : audio.right[i];
  }

  void feed(std::size_t count, bool silence) noexcept {
    for (std::size_t i = 0; i < count; ++i) {
      in[0][i] = silence ? 0.0f : sample(0, feed_pos + static_cast<std::int64_t>(i));
      in[1][i] = silence ? 0.0f : sample(1, feed_pos + static_cast<std::int64_t>(i));
    }
    const float* ptrs[2] = {in[0].data(), in[1].data()};
    stretcher.process(ptrs, count, false);
    if (!silence) feed_pos += static_cast<std::int64_t>(count);
  }
};

Stretch::Stretch(const Buffer& audio, double pass_frames, bool loop)
    : impl_(std::make_unique<Impl>(audio, pass_frames, loop)) {}

Stretch::~Stretch() = default;

bool Stretch::available() noexcept { return true; }

void Stretch::restart(double position) noexcept {
  Impl& s = *impl_;
  s.stretcher.reset();
  // The library asks for some silence first, and its first output frames
  // belong to that silence: then the stream's first frame comes out first.
  std::size_t pad = s.stretcher.getPreferredStartPad();
  while (pad > 0) {
    const std::size_t n = std::min(pad, kBlock);
    s.feed(n, true);
    pad -= n;
  }
  s.to_discard = s.stretcher.getStartDelay();
  s.feed_pos = std::llround(position);
  out_pos_ = static_cast<double>(s.feed_pos);
  have_next_ = false;
}

void Stretch::render(double ideal, double ratio, float* left, float* right, std::uint32_t frames) noexcept {
  Impl& s = *impl_;
  const double rate = s.audio.rate;
  // A period the output skipped (a stalled cycle) moves the grid on without
  // us: throw away the output that would have filled it, as a tape would
  // have played on. (The ratio bend below cannot do this: the stretcher
  // keeps whole hops and follows a bend of a few percent only slowly.)
  const double skipped = have_next_ ? ideal - next_ideal_ : 0.0; // stream frames
  if (skipped > 0.5 && skipped < kRestartSeconds * rate) {
    std::size_t drop = static_cast<std::size_t>(std::llround(skipped * ratio));
    while (drop > 0) {
      while (s.stretcher.available() <= 0) s.feed(std::max<std::size_t>(256, std::min(s.stretcher.getSamplesRequired(), kBlock)), false);
      float* ptrs[2] = {s.out[0].data(), s.out[1].data()};
      const std::size_t n = std::min({drop, kBlock, static_cast<std::size_t>(s.stretcher.available())});
      drop -= s.stretcher.retrieve(ptrs, n);
    }
    out_pos_ += skipped;
  }
  double gap = out_pos_ - ideal; // positive: ahead of the grid
  if (std::abs(gap) > kRestartSeconds * rate) {
    restart(ideal);
    gap = 0.0;
  }
  // Ahead: stretch a little more (play the stream slower), behind: less.
  const double bend = std::clamp(gap / (kBendSeconds * rate), -1.0, 1.0) * kMaxBend;
  const double effective = ratio * (1.0 + bend);
  s.stretcher.setTimeRatio(effective);

  std::uint32_t done = 0;
  while (done < frames) {
    // Enough output for what is left (and the start delay to throw away)?
    const std::size_t want = std::min<std::size_t>(frames - done, kBlock);
    while (static_cast<std::size_t>(std::max(0, s.stretcher.available())) < want + s.to_discard) {
      std::size_t need = s.stretcher.getSamplesRequired();
      if (need == 0) need = 256;
      s.feed(std::min(need, kBlock), false);
    }
    while (s.to_discard > 0) {
      float* ptrs[2] = {s.out[0].data(), s.out[1].data()};
      const std::size_t n = std::min(s.to_discard, kBlock);
      s.to_discard -= s.stretcher.retrieve(ptrs, n);
    }
    float* ptrs[2] = {left + done, right + done};
    const std::size_t got = s.stretcher.retrieve(ptrs, want);
    if (got == 0) break;
    done += static_cast<std::uint32_t>(got);
  }
  for (std::uint32_t i = done; i < frames; ++i) left[i] = right[i] = 0.0f;
  out_pos_ += frames / effective;
  next_ideal_ = ideal + frames / ratio;
  have_next_ = true;
}

} // namespace linktools::audio
