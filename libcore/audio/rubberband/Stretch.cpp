#include "audio/Stretch.hpp"

#include <rubberband/RubberBandStretcher.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace linktools::audio {

namespace {

constexpr std::size_t kBlock = 16384; // frames a study() or process() call

// A loop is stretched with this much of itself on either side (the pass
// repeated, if it is shorter).
constexpr double kWrapSeconds = 1.0;

// A looping pass plays the file itself this close to its seam, and fades
// between the two over the next few milliseconds (splice_seam).
constexpr double kSpliceSeconds = 0.01;
constexpr double kSpliceFadeSeconds = 0.004;

// The stretcher moves a transient by up to several milliseconds, mostly
// earlier: reading ahead into the next pass, it would sound the next bar's
// first hit before the bar line. So the last and first few milliseconds of
// a looping pass are the file itself, at its own speed (aligned on the
// seam), crossfaded with the stretched audio around them: the bar line's
// onset is exactly where it is in the file.
void splice_seam(const Buffer& in, Buffer& out) {
  const auto edge = static_cast<std::size_t>(kSpliceSeconds * in.rate);
  const auto fade = static_cast<std::size_t>(kSpliceFadeSeconds * in.rate);
  const std::size_t n = in.frames(), frames = out.frames();
  if (2 * (edge + fade) > std::min(n, frames)) return;
  const auto mix = [](float stretched, float file, double w) {
    return static_cast<float>((1.0 - w) * stretched + w * file);
  };
  for (std::size_t j = 0; j < edge + fade; ++j) {
    // The file's weight: 1 up to `edge` frames from the seam, then down to 0.
    const double w = j < edge ? 1.0 : 1.0 - static_cast<double>(j - edge) / static_cast<double>(fade);
    out.left[j] = mix(out.left[j], in.left[j], w);
    out.right[j] = mix(out.right[j], in.right[j], w);
    const std::size_t o = frames - 1 - j, i = n - 1 - j;
    out.left[o] = mix(out.left[o], in.left[i], w);
    out.right[o] = mix(out.right[o], in.right[i], w);
  }
}

} // namespace

bool stretch_available() noexcept { return true; }

std::optional<Buffer> stretch(const Buffer& in, double ratio, bool loop, const std::function<bool()>& cancelled) {
  using RB = RubberBand::RubberBandStretcher;
  const std::size_t n = in.frames();
  Buffer out;
  out.rate = in.rate;
  const auto frames = static_cast<std::size_t>(std::llround(static_cast<double>(n) * ratio));
  out.left.assign(frames, 0.0f);
  out.right.assign(frames, 0.0f);
  if (n == 0 || frames == 0) return out;

  // The stretcher's input: the pass, between (when looping) the end of the
  // pass before it and the start of the one after, so the loop goes on
  // without a fade at either end.
  const std::size_t wrap = loop ? static_cast<std::size_t>(kWrapSeconds * in.rate) : 0;
  const std::size_t total = n + 2 * wrap;
  const auto source = [&](std::size_t k) { return loop ? (k + n - wrap % n) % n : k; };
  // Output frames before the pass's first, to be dropped.
  const auto skip = static_cast<std::size_t>(std::llround(static_cast<double>(wrap) * ratio));

  // Offline, the finer (R3) engine: the whole input is known, and the work is
  // off the audio thread, so quality comes before speed.
  RB stretcher(static_cast<std::size_t>(in.rate), 2,
               RB::OptionProcessOffline | RB::OptionEngineFiner | RB::OptionThreadingNever, ratio, 1.0);
  stretcher.setExpectedInputDuration(total);
  stretcher.setMaxProcessSize(kBlock);

  std::vector<float> block[2] = {std::vector<float>(kBlock), std::vector<float>(kBlock)};
  float* channels[2] = {block[0].data(), block[1].data()};
  const auto fill = [&](std::size_t from, std::size_t count) {
    for (std::size_t k = 0; k < count; ++k) {
      const std::size_t s = source(from + k);
      block[0][k] = in.left[s];
      block[1][k] = in.right[s];
    }
  };
  for (std::size_t at = 0; at < total; at += kBlock) {
    if (cancelled()) return std::nullopt;
    const std::size_t count = std::min(kBlock, total - at);
    fill(at, count);
    stretcher.study(channels, count, at + count == total);
  }

  std::size_t produced = 0; // output frames retrieved so far
  const auto drain = [&] {
    while (true) {
      const int ready = stretcher.available();
      if (ready <= 0) return;
      const std::size_t count = std::min<std::size_t>(kBlock, static_cast<std::size_t>(ready));
      stretcher.retrieve(channels, count);
      for (std::size_t k = 0; k < count; ++k, ++produced) {
        if (produced < skip || produced - skip >= frames) continue;
        out.left[produced - skip] = block[0][k];
        out.right[produced - skip] = block[1][k];
      }
    }
  };
  for (std::size_t at = 0; at < total; at += kBlock) {
    if (cancelled()) return std::nullopt;
    const std::size_t count = std::min(kBlock, total - at);
    fill(at, count);
    stretcher.process(channels, count, at + count == total);
    drain();
  }
  drain();
  if (loop) splice_seam(in, out);
  return out;
}

} // namespace linktools::audio
