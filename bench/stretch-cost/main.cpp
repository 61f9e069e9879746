// What --follow-tempo's stretching costs: the CPU time to stretch one second
// of stereo audio (Rubber Band R3, offline, as audio/Stretch does it for a
// looping pass), at the ratios a tempo change asks for. This is the work the
// follower thread does after each tempo change, so it says how long a file
// plays read at the wrong speed (and pitch) before its stretch is ready.
//
// The audio is made here: 8 s of a chord of sines with a decaying click on
// every beat at 120 BPM, stereo at 48 kHz. Prints, for each ratio, the CPU
// time (this thread's) per second of audio: p50 and max over the runs.
//   build/bin/stretch-cost [RUNS]     (default 3 runs per ratio)
#include "audio/Stretch.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <numbers>
#include <vector>

using linktools::audio::Buffer;

namespace {

constexpr int kRate = 48000;
constexpr double kSeconds = 8.0;

Buffer music() {
  Buffer b;
  b.rate = kRate;
  const auto n = static_cast<std::size_t>(kSeconds * kRate);
  b.left.resize(n);
  b.right.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    const double t = static_cast<double>(i) / kRate;
    const double beat = std::fmod(t, 0.5);
    const double chord = 0.1 * (std::sin(2 * std::numbers::pi * 220.0 * t) + std::sin(2 * std::numbers::pi * 277.2 * t) +
                                std::sin(2 * std::numbers::pi * 329.6 * t));
    const double click = 0.5 * std::sin(2 * std::numbers::pi * 1000.0 * beat) * std::exp(-beat / 0.008);
    b.left[i] = static_cast<float>(chord + click);
    b.right[i] = static_cast<float>(0.8 * chord + click);
  }
  return b;
}

double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

} // namespace

int main(int argc, char** argv) {
  const int runs = argc > 1 ? std::max(1, std::atoi(argv[1])) : 3;
  if (!linktools::audio::stretch_available()) {
    fmt::print(stderr, "stretch-cost: this build has no Rubber Band\n");
    return 1;
  }
  const Buffer in = music();
  fmt::print("CPU time to stretch one second of stereo 48 kHz audio (a looping pass of {} s, {} runs)\n", kSeconds,
             runs);
  for (const double ratio : {0.5, 2.0 / 3.0, 0.9, 1.1, 1.5, 2.0}) {
    std::vector<double> per_second;
    for (int r = 0; r < runs; ++r) {
      const double start = thread_cpu_seconds();
      const auto out = linktools::audio::stretch(in, ratio, true, [] { return false; });
      per_second.push_back((thread_cpu_seconds() - start) / kSeconds);
      if (!out) return 1;
    }
    std::sort(per_second.begin(), per_second.end());
    fmt::print("ratio {:.3f} (e.g. {:.0f} -> {:.0f} BPM): p50 {:.0f} ms, max {:.0f} ms per second of audio\n", ratio,
               120.0, 120.0 / ratio, 1e3 * per_second[per_second.size() / 2], 1e3 * per_second.back());
  }
  return 0;
}
