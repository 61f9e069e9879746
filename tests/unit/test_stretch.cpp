// Rubber Band offline stretching (audio/Stretch.hpp) and the follower that
// hands renderings to the audio thread (audio/TempoFollower.hpp), on test
// signals made here: click trains, sines.
#include <doctest/doctest.h>

#include "audio/Stretch.hpp"
#include "audio/TempoFollower.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <numbers>
#include <thread>
#include <vector>

using linktools::audio::Buffer;
using linktools::audio::FollowSource;
using linktools::audio::Rendering;
using linktools::audio::stretch;
using linktools::audio::stretch_available;
using linktools::audio::TempoFollower;

namespace {

constexpr int kRate = 48000;

// `seconds` of silence with a click every `every` seconds from 0: a decaying
// 1 kHz tone, full level on its second sample.
Buffer clicks(double seconds, double every) {
  Buffer b;
  b.rate = kRate;
  b.left.assign(static_cast<std::size_t>(seconds * kRate), 0.0f);
  for (double t = 0.0; t < seconds - 0.05; t += every) {
    const auto at = static_cast<std::size_t>(std::llround(t * kRate));
    for (std::size_t i = 0; i < static_cast<std::size_t>(0.03 * kRate); ++i) {
      const double s = static_cast<double>(i) / kRate;
      b.left[at + i] = static_cast<float>(std::sin(2.0 * std::numbers::pi * 1000.0 * s) * std::exp(-s / 0.006));
    }
  }
  b.right = b.left;
  return b;
}

Buffer sine(double seconds, double freq) {
  Buffer b;
  b.rate = kRate;
  b.left.resize(static_cast<std::size_t>(seconds * kRate));
  for (std::size_t i = 0; i < b.left.size(); ++i)
    b.left[i] = static_cast<float>(0.5 * std::sin(2.0 * std::numbers::pi * freq * static_cast<double>(i) / kRate));
  b.right = b.left;
  return b;
}

// The frames where a sound starts: the first above `level` after 50 ms
// below it.
std::vector<double> onsets(const std::vector<float>& s, float level = 0.2f) {
  std::vector<double> out;
  std::size_t quiet = static_cast<std::size_t>(0.05 * kRate);
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (std::abs(s[i]) >= level) {
      if (quiet >= static_cast<std::size_t>(0.05 * kRate)) out.push_back(static_cast<double>(i));
      quiet = 0;
    } else {
      ++quiet;
    }
  }
  return out;
}

double rms(const std::vector<float>& s, std::size_t from, std::size_t count) {
  double sum = 0.0;
  for (std::size_t i = from; i < from + count; ++i) sum += static_cast<double>(s[i]) * s[i];
  return std::sqrt(sum / static_cast<double>(count));
}

const auto never = [] { return false; };

} // namespace

TEST_CASE("stretch: the length is the input's times the ratio; the first click stays put, the others move with it") {
  if (!stretch_available()) return;
  const Buffer in = clicks(4.0, 0.5);
  for (const bool loop : {false, true}) {
    for (const double ratio : {0.5, 0.75, 4.0 / 3.0, 2.0}) {
      CAPTURE(loop);
      CAPTURE(ratio);
      const auto out = stretch(in, ratio, loop, never);
      REQUIRE(out);
      CHECK(out->rate == kRate);
      REQUIRE(out->frames() == static_cast<std::size_t>(std::llround(4.0 * kRate * ratio)));
      const auto found = onsets(out->left);
      REQUIRE(found.size() == 8);
      // The first where it was, within 8 frames: nothing smears into the
      // start of a pass, looping or not.
      CHECK(found[0] <= 8.0);
      // The others: the stretcher moves a transient by up to a few
      // milliseconds (R3 moves them earlier, the most when slowing down).
      for (std::size_t k = 1; k < found.size(); ++k) {
        CAPTURE(k);
        CHECK(std::abs(found[k] - 0.5 * kRate * ratio * static_cast<double>(k)) <= 480.0);
      }
      // Every frame of the output is there: its end is the end of a
      // decayed click, not zeros the stretcher never wrote.
      CHECK(rms(out->left, 0, out->frames()) > 0.01);
    }
  }
}

TEST_CASE("stretch: a loop's end does not smear the next pass's onset before the bar line") {
  if (!stretch_available()) return;
  const Buffer in = clicks(2.0, 0.5);
  for (const double ratio : {0.5, 4.0 / 3.0, 2.0}) {
    CAPTURE(ratio);
    const auto out = stretch(in, ratio, true, never);
    REQUIRE(out);
    // The last 20 ms before the seam: the previous click's tail at most.
    float peak = 0.0f;
    for (std::size_t i = out->frames() - 960; i < out->frames(); ++i) peak = std::max(peak, std::abs(out->left[i]));
    CHECK(peak < 0.05f);
  }
}

TEST_CASE("stretch: the pitch stays") {
  if (!stretch_available()) return;
  const Buffer in = sine(2.0, 440.0);
  for (const double ratio : {0.6, 1.5}) {
    CAPTURE(ratio);
    const auto out = stretch(in, ratio, false, never);
    REQUIRE(out);
    // Upward zero crossings over the middle half: 440 a second.
    const std::size_t from = out->frames() / 4, to = 3 * out->frames() / 4;
    std::size_t crossings = 0;
    for (std::size_t i = from + 1; i < to; ++i)
      if (out->left[i - 1] < 0.0f && out->left[i] >= 0.0f) ++crossings;
    const double hz = static_cast<double>(crossings) / (static_cast<double>(to - from) / kRate);
    CHECK(hz == doctest::Approx(440.0).epsilon(0.01));
  }
}

TEST_CASE("stretch: a loop is stretched round its seam, without fading in or out") {
  if (!stretch_available()) return;
  // 500 Hz over one second: whole cycles, so the loop itself joins up.
  const Buffer in = sine(1.0, 500.0);
  const auto out = stretch(in, 1.25, true, never);
  REQUIRE(out);
  REQUIRE(out->frames() == 60000);
  const double middle = rms(out->left, 25000, 4800);
  CHECK(middle == doctest::Approx(0.5 / std::sqrt(2.0)).epsilon(0.05));
  CHECK(rms(out->left, 0, 480) == doctest::Approx(middle).epsilon(0.1));
  CHECK(rms(out->left, 60000 - 480, 480) == doctest::Approx(middle).epsilon(0.1));
  // Across the seam (the end, then the start again) no step bigger than
  // the sine's own between two samples.
  const double biggest_step = 0.5 * 2.0 * std::numbers::pi * 500.0 / kRate * 1.1;
  CHECK(std::abs(out->left.front() - out->left.back()) <= biggest_step);
}

TEST_CASE("stretch: gives up when cancelled") {
  if (!stretch_available()) return;
  const Buffer in = sine(2.0, 440.0);
  int asked = 0;
  CHECK_FALSE(stretch(in, 1.5, false, [&] { return ++asked > 2; }));
  CHECK(asked == 3);
}

TEST_CASE("tempo follower: renderings at the wanted tempo, only the newest offered") {
  if (!stretch_available()) return;
  const Buffer in = clicks(2.1, 0.5);
  // A looping clip at 120 BPM: passes of 4 beats, 2 s.
  TempoFollower follower({FollowSource{&in, 120.0, true, 4.0}}, false);
  REQUIRE(follower.size() == 1);
  const auto& own = follower.unstretched(0);
  CHECK(own.generation == 0);
  CHECK(own.tempo == 120.0);
  CHECK(own.frames_per_beat == 24000.0);
  CHECK(own.audio.frames() == 96000); // cut to the pass
  CHECK(follower.take(0) == nullptr);
  follower.work(); // no tempo wanted yet: nothing to do
  CHECK(follower.take(0) == nullptr);
  CHECK(follower.stretches() == 0);

  follower.want(100.0);
  follower.work();
  follower.want(150.0);
  follower.work();
  CHECK(follower.stretches() == 2);
  const auto* r = follower.take(0);
  REQUIRE(r != nullptr);
  CHECK(r->tempo == 150.0);
  CHECK(r->frames_per_beat == 19200.0);
  CHECK(r->audio.frames() == 76800); // the pass, 4 beats at 150
  CHECK(r->generation == 2);
  CHECK(follower.take(0) == nullptr); // taken once
  follower.work(); // already at 150: nothing new
  CHECK(follower.stretches() == 2);
  // The clicks are on the beats at 150.
  const auto found = onsets(r->audio.left);
  REQUIRE(found.size() == 4);
  CHECK(found[0] <= 8.0);
  for (std::size_t k = 1; k < 4; ++k) CHECK(std::abs(found[k] - 19200.0 * static_cast<double>(k)) <= 480.0);

  // Back at its own tempo: the pass as it is.
  follower.release_before(0, r->generation);
  follower.want(120.0);
  follower.work();
  const auto* same = follower.take(0);
  REQUIRE(same != nullptr);
  CHECK(same->generation == 3);
  CHECK(same->audio.left == own.audio.left);
}

TEST_CASE("tempo follower: the worker thread stretches on its own") {
  if (!stretch_available()) return;
  const Buffer in = clicks(1.0, 0.5);
  TempoFollower follower({FollowSource{&in, 120.0, false, 2.0}}, true);
  follower.want(90.0);
  const Rendering* r = nullptr;
  for (int i = 0; i < 2000 && !r; ++i) {
    r = follower.take(0);
    if (!r) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  REQUIRE(r != nullptr);
  CHECK(r->tempo == 90.0);
  CHECK(r->audio.frames() == 64000); // not looping: the whole clip, 4/3 as long
}
