// The audio player against a fake clock: detached session states (Link's own
// beat arithmetic, no network) rendered period by period into one long tape,
// with synthetic clips whose every sample says which sample it is.
#include <doctest/doctest.h>

#include "audio/Player.hpp"
#include "audio/Stretch.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <vector>

using linktools::HostTime;
using linktools::SessionState;
using linktools::audio::Buffer;
using linktools::audio::click_sound;
using linktools::audio::Clip;
using linktools::audio::loop_beats;
using linktools::audio::Period;
using linktools::audio::Player;
using linktools::audio::PlayerOptions;

namespace {

using namespace std::chrono_literals;

constexpr int kRate = 48000;
constexpr double kUsPerFrame = 1e6 / kRate;
constexpr HostTime kT0 = 10s; // beat 0 of the fake session; 120 BPM: a beat is 500 ms, 24000 frames
constexpr double kT0us = 10e6;
// Half a frame, give or take Link's resolution: it counts beats in
// millionths (0.024 frames at 120 BPM).
constexpr double kHalfFrame = 0.5 + 0.03;
// A ramp's sample i is (i + 1) * kStep on the left and its negative on the
// right: exact in a float, so every frame tells which sample it played.
constexpr float kStep = 1.0f / 131072.0f;
constexpr double kFadeFrames = 480.0; // PlayerOptions::fade_us, 10 ms

// Host time of `beat` at a constant `bpm` from kT0; Link counts a beat in
// whole microseconds.
double beat_us(double beat, double bpm = 120.0) {
  return kT0us + beat * static_cast<double>(std::llround(60e6 / bpm));
}
HostTime host(double us) { return HostTime(std::llround(us)); }

Buffer ramp(double seconds) {
  Buffer b;
  b.rate = kRate;
  const auto n = static_cast<std::size_t>(std::llround(seconds * kRate));
  b.left.resize(n);
  b.right.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    b.left[i] = static_cast<float>(i + 1) * kStep;
    b.right[i] = -b.left[i];
  }
  return b;
}

Clip clip(double seconds, float gain = 1.0f, std::optional<double> bpm = std::nullopt) {
  return Clip{"ramp.wav", ramp(seconds), gain, bpm};
}

PlayerOptions looping(double quantum = 4.0) {
  PlayerOptions o;
  o.quantum = quantum;
  o.loop = true;
  return o;
}

// What the output heard: frame j at host time start_us + j * kUsPerFrame.
struct Tape {
  explicit Tape(double start) : start_us(start) {}
  double start_us;
  std::vector<float> left, right;

  std::size_t size() const { return left.size(); }
  double time(std::size_t frame) const { return start_us + static_cast<double>(frame) * kUsPerFrame; }
  double end_us() const { return time(size()); }
  // The frame heard at host time `us`, with fractions.
  double frame_at(double us) const { return (us - start_us) / kUsPerFrame; }
  bool silent_from(std::size_t frame) const {
    for (std::size_t j = frame; j < size(); ++j)
      if (left[j] != 0.0f || right[j] != 0.0f) return false;
    return true;
  }
};

// Renders back-to-back periods of `period` frames (zeroed first, as the
// output does) until the tape reaches `until_us`.
void play(Player& player, const SessionState& state, Tape& tape, double until_us, std::uint32_t period = 256) {
  std::vector<float> left(period), right(period);
  while (tape.end_us() < until_us) {
    std::fill(left.begin(), left.end(), 0.0f);
    std::fill(right.begin(), right.end(), 0.0f);
    player.render(state, Period{left.data(), right.data(), period, tape.end_us(), kUsPerFrame});
    tape.left.insert(tape.left.end(), left.begin(), left.end());
    tape.right.insert(tape.right.end(), right.begin(), right.end());
  }
}

// What a looping player of `clips` plays from `start_us` to `until_us` when
// nothing stops it: the reference a stop is checked against.
Tape unstopped(std::span<const Clip> clips, const SessionState& state, double start_us, double until_us) {
  Player reference(clips, kRate, looping());
  Tape ref{start_us};
  play(reference, state, ref, until_us);
  return ref;
}

// A stretch of frames that play consecutive samples of a ramp.
struct Run {
  std::size_t frame = 0;  // where it starts on the tape
  long long first = 0;    // the sample it starts with
  std::size_t length = 0; // frames
};

// The runs of the tape's frames [from, to) (a ramp heard at unity gain).
// Every frame must be silence or a ramp sample, the right channel the
// left's negative.
std::vector<Run> runs(const Tape& tape, std::size_t from = 0,
                      std::size_t to = std::numeric_limits<std::size_t>::max()) {
  std::vector<Run> out;
  std::size_t bad = 0;
  long long last = -1;
  for (std::size_t j = from; j < std::min(to, tape.size()); ++j) {
    const float v = tape.left[j];
    if (tape.right[j] != -v) ++bad;
    if (v == 0.0f) {
      last = -1;
      continue;
    }
    const long long sample = std::llround(v / kStep) - 1;
    if (sample < 0 || static_cast<float>(sample + 1) * kStep != v) ++bad;
    if (last >= 0 && sample == last + 1) ++out.back().length;
    else out.push_back(Run{j, sample, 1});
    last = sample;
  }
  CHECK(bad == 0);
  return out;
}

// The tape, from `from` on, against a reference rendered the same way
// without a stop: equal before `fade_from`; from there the reference times
// a gain that never rises, from 1 to exactly 0 within `fade_frames`, then
// silence. Returns the first silent frame.
std::size_t check_fade(const Tape& tape, const Tape& ref, std::size_t fade_from, double fade_frames) {
  REQUIRE(ref.size() >= tape.size());
  std::size_t differ = 0;
  for (std::size_t j = 0; j < fade_from && j < tape.size(); ++j)
    if (tape.left[j] != ref.left[j] || tape.right[j] != ref.right[j]) ++differ;
  CHECK(differ == 0);
  double gain = 1.0;
  std::size_t rises = 0, over = 0;
  std::size_t j = fade_from;
  for (; j < tape.size() && (tape.left[j] != 0.0f || ref.left[j] == 0.0f); ++j) {
    if (ref.left[j] == 0.0f) continue;
    const double g = static_cast<double>(tape.left[j]) / ref.left[j];
    if (g > gain + 1e-6) ++rises;
    if (g < -1e-9 || g > 1.0 + 1e-6) ++over;
    gain = g;
  }
  CHECK(rises == 0);
  CHECK(over == 0);
  CHECK(static_cast<double>(j) <= static_cast<double>(fade_from) + fade_frames + 1.0);
  CHECK(tape.silent_from(j));
  return j;
}

// The session `before` (120 BPM from kT0) changed to `bpm` where the tape
// ends now, its grid continuous there.
struct TempoChange {
  HostTime when;
  double beat = 0.0; // the beat the change is on
  double bpm = 0.0;
  SessionState after;
  // Host time of `b` on the new grid.
  double at(double b) const { return static_cast<double>(when.count()) + (b - beat) * 60e6 / bpm; }
};
TempoChange change_tempo(const SessionState& before, const Tape& tape, double bpm) {
  const HostTime when = host(tape.end_us());
  auto after = before;
  after.set_tempo(bpm, when);
  return TempoChange{when, static_cast<double>((when - kT0).count()) / 500000.0, bpm, after};
}

} // namespace

TEST_CASE("audio player: loop_beats rounds to whole beats, at least one") {
  CHECK(loop_beats(2.1, 120.0) == 4.0);
  CHECK(loop_beats(1.9, 120.0) == 4.0);
  CHECK(loop_beats(0.1, 120.0) == 1.0);
  CHECK(loop_beats(0.0, 120.0) == 1.0);
  CHECK(loop_beats(4.0, 90.0) == 6.0);
  CHECK(loop_beats(2.4, 100.0) == 4.0);
}

TEST_CASE("audio player: a clip starts on the next quantum boundary, silent before") {
  for (const double quantum : {4.0, 2.0, 3.0}) {
    CAPTURE(quantum);
    std::vector<Clip> clips{clip(1.0)};
    PlayerOptions o;
    o.quantum = quantum;
    Player player(clips, kRate, o);
    const auto state = SessionState::detached(120.0, kT0);
    Tape tape{beat_us(1.3) + 0.37};
    play(player, state, tape, beat_us(8));
    const double start = std::ceil(1.3 / quantum) * quantum; // 4, 2, 3
    const auto r = runs(tape);
    REQUIRE(r.size() == 1);
    CHECK(r[0].first == 0);
    CHECK(std::abs(static_cast<double>(r[0].frame) - tape.frame_at(beat_us(start))) <= kHalfFrame);
    CHECK(r[0].length == 48000); // all of it, once
    CHECK(player.done());
  }
}

TEST_CASE("audio player: onsets within half a frame whatever the periods and where they fall") {
  // 97 BPM: a beat is 29690.72 frames, so each pass starts at another
  // fraction of a frame. 1.9 s is 3.07 beats: passes of 3 beats, each cut.
  std::vector<Clip> clips{clip(1.9)};
  const auto state = SessionState::detached(97.0, kT0);
  for (const double offset : {0.0, 0.37, 0.5 * kUsPerFrame, 0.77 * kUsPerFrame, 13.0}) {
    for (const std::uint32_t period : {64u, 256u, 1000u, 1024u}) {
      CAPTURE(offset);
      CAPTURE(period);
      Player player(clips, kRate, looping());
      Tape tape{beat_us(1.3, 97.0) + offset};
      play(player, state, tape, beat_us(21.5, 97.0), period);
      CHECK(player.clip_loop_beats(0) == 3.0);
      const auto r = runs(tape);
      REQUIRE(r.size() == 6); // beats 4, 7, 10, 13, 16, 19
      for (std::size_t k = 0; k < r.size(); ++k) {
        CAPTURE(k);
        CHECK(r[k].first == 0);
        const double ideal = tape.frame_at(beat_us(4.0 + 3.0 * static_cast<double>(k), 97.0));
        CHECK(std::abs(static_cast<double>(r[k].frame) - ideal) <= kHalfFrame);
        if (k + 1 < r.size()) CHECK(r[k].frame + r[k].length == r[k + 1].frame); // cut by the next
      }
      CHECK(r[0].frame > 0);
    }
  }
}

TEST_CASE("audio player: a pass boundary near a period's first frame: no frame lost, silenced or doubled") {
  // Beat 0 (the start bar) and every pass after it fall `fraction` of a
  // frame from a period's first frame: the passes (4 beats, 2 s; 42 beats,
  // 21 s) are whole numbers of periods of 1000. Each clip is a little longer
  // than its pass, so every pass is cut by the next one.
  for (const double seconds : {2.1, 21.1}) {
    for (const double fraction : {-0.7, -0.5, 0.0, 0.5, 0.55, 0.7, 1.0}) {
      CAPTURE(seconds);
      CAPTURE(fraction);
      std::vector<Clip> clips{clip(seconds)};
      Player player(clips, kRate, looping());
      const double pass = loop_beats(seconds, 120.0);
      Tape tape{beat_us(0) - (2000.0 + fraction) * kUsPerFrame};
      play(player, SessionState::detached(120.0, kT0), tape, beat_us(2.0 * pass + 0.1), 1000);
      const auto r = runs(tape);
      REQUIRE(r.size() == 3);
      for (std::size_t k = 0; k < r.size(); ++k) {
        CAPTURE(k);
        CHECK(r[k].first == 0);
        CHECK(std::abs(static_cast<double>(r[k].frame) - tape.frame_at(beat_us(pass * static_cast<double>(k)))) <=
              kHalfFrame);
        if (k + 1 < r.size()) CHECK(r[k].frame + r[k].length == r[k + 1].frame);
      }
    }
  }
}

TEST_CASE("audio player: a loop longer than its pass is cut by the next pass, 20 passes without drift") {
  std::vector<Clip> clips{clip(2.1)}; // 4.2 beats at 120: passes of 4 beats
  Player player(clips, kRate, looping());
  const auto state = SessionState::detached(120.0, kT0);
  Tape tape{beat_us(-0.7) + 0.37};
  play(player, state, tape, beat_us(79.9));
  CHECK(player.clip_loop_beats(0) == 4.0);
  const auto r = runs(tape);
  REQUIRE(r.size() == 20);
  for (std::size_t k = 0; k < r.size(); ++k) {
    CAPTURE(k);
    CHECK(r[k].first == 0);
    CHECK(std::abs(static_cast<double>(r[k].frame) - tape.frame_at(beat_us(4.0 * static_cast<double>(k)))) <=
          kHalfFrame);
    if (k + 1 < r.size()) {
      CHECK(r[k].frame + r[k].length == r[k + 1].frame); // the tail never plays
      CHECK(r[k].length == 96000);
    }
  }
  CHECK_FALSE(player.done());
}

TEST_CASE("audio player: a loop shorter than its pass leaves a gap, 20 passes without drift") {
  std::vector<Clip> clips{clip(1.9)}; // 3.8 beats at 120: passes of 4 beats
  Player player(clips, kRate, looping());
  const auto state = SessionState::detached(120.0, kT0);
  Tape tape{beat_us(-0.7) + 0.37};
  play(player, state, tape, beat_us(79.9), 1000);
  CHECK(player.clip_loop_beats(0) == 4.0);
  const auto r = runs(tape);
  REQUIRE(r.size() == 20);
  for (std::size_t k = 0; k < r.size(); ++k) {
    CAPTURE(k);
    CHECK(r[k].first == 0);
    CHECK(std::abs(static_cast<double>(r[k].frame) - tape.frame_at(beat_us(4.0 * static_cast<double>(k)))) <=
          kHalfFrame);
    CHECK(r[k].length == 91200); // the whole clip, then silence until the next pass
  }
}

TEST_CASE("audio player: a clip's own tempo sets its pass length") {
  // 2.4 s is 4 beats at the file's 100 BPM (4.8, so 5, at the session's 120).
  std::vector<Clip> clips{clip(2.4, 1.0f, 100.0), clip(2.4, 0.0f)};
  Player player(clips, kRate, looping());
  CHECK(player.clip_count() == 2);
  CHECK(player.clip_loop_beats(0) == 0.0); // not playing yet
  const auto state = SessionState::detached(120.0, kT0);
  Tape tape{beat_us(-0.7)};
  play(player, state, tape, beat_us(11.9));
  CHECK(player.clip_loop_beats(0) == 4.0);
  CHECK(player.clip_loop_beats(1) == 5.0);
  const auto r = runs(tape); // the silent clip adds nothing
  REQUIRE(r.size() == 3);
  for (std::size_t k = 0; k < r.size(); ++k) {
    CAPTURE(k);
    CHECK(r[k].first == 0);
    CHECK(std::abs(static_cast<double>(r[k].frame) - tape.frame_at(beat_us(4.0 * static_cast<double>(k)))) <=
          kHalfFrame);
  }
  CHECK(r[0].length == 96000); // 2 s of the 2.4: cut
  CHECK(r[1].length == 96000);
}

TEST_CASE("audio player: without --loop a clip plays once, then the player is done") {
  std::vector<Clip> clips{clip(1.0)};
  Player player(clips, kRate, PlayerOptions{});
  const auto state = SessionState::detached(120.0, kT0);
  Tape tape{beat_us(-0.3)};
  std::size_t done_at = 0; // the tape's length when done() first held
  bool played = false;
  while (tape.end_us() < beat_us(6)) {
    play(player, state, tape, tape.end_us() + 1.0);
    played = played || player.playing();
    if (player.done() && done_at == 0) {
      done_at = tape.size();
      CHECK_FALSE(player.playing());
    }
  }
  CHECK(played);
  const auto r = runs(tape);
  REQUIRE(r.size() == 1);
  CHECK(std::abs(static_cast<double>(r[0].frame) - tape.frame_at(beat_us(0))) <= kHalfFrame);
  CHECK(r[0].length == 48000);
  const std::size_t end = r[0].frame + r[0].length;
  CHECK(done_at >= end);       // not before the last sample
  CHECK(done_at < end + 256);  // in the period that played it
  CHECK(player.done());
  CHECK(player.clip_seconds(0) < 0.0);
}

TEST_CASE("audio player: a tempo change moves the next pass, never the pitch") {
  for (const double bpm : {100.0, 150.0}) {
    CAPTURE(bpm);
    std::vector<Clip> clips{clip(2.1)}; // passes of 4 beats
    Player player(clips, kRate, looping());
    const auto before = SessionState::detached(120.0, kT0);
    Tape tape{beat_us(-0.7) + 0.37};
    play(player, before, tape, beat_us(2.0));
    // From here on (beat ~2), `bpm`.
    const TempoChange c = change_tempo(before, tape, bpm);
    const HostTime change = c.when;
    const auto& after = c.after;
    const auto at = [&](double beat) { return c.at(beat); };
    play(player, after, tape, at(11.9));
    CHECK(player.clip_loop_beats(0) == 4.0); // the pass length stays in beats
    const auto r = runs(tape);
    REQUIRE(r.size() == 3);
    CHECK(std::abs(static_cast<double>(r[0].frame) - tape.frame_at(beat_us(0))) <= kHalfFrame);
    CHECK(std::abs(static_cast<double>(r[1].frame) - tape.frame_at(at(4))) <= kHalfFrame);
    CHECK(std::abs(static_cast<double>(r[2].frame) - tape.frame_at(at(8))) <= kHalfFrame);
    for (const auto& run : r) CHECK(run.first == 0);
    // Pass 0 played on through the change sample by sample: one run.
    CHECK(r[0].frame < tape.frame_at(static_cast<double>(change.count())));
    if (bpm < 120.0) {
      CHECK(r[0].length == 100800); // 2.2 s to beat 4 now: all of it, then a gap
      CHECK(r[1].length == 100800);
    } else {
      CHECK(r[0].frame + r[0].length == r[1].frame); // ~1.8 s to beat 4 now: cut
      CHECK(r[0].length < 87000);
    }
  }
}

TEST_CASE("audio player: a stop at once fades out within fade_us") {
  std::vector<Clip> clips{clip(2.1)};
  const auto state = SessionState::detached(120.0, kT0);
  const double start = beat_us(-0.7) + 0.37;
  const Tape ref = unstopped(clips, state, start, beat_us(8));

  Player player(clips, kRate, looping());
  Tape tape{start};
  play(player, state, tape, beat_us(5.3));
  CHECK(player.playing());
  player.request_stop(false);
  const std::size_t from = tape.size(); // the next period's first frame
  play(player, state, tape, beat_us(8));
  const std::size_t silent = check_fade(tape, ref, from, kFadeFrames);
  CHECK(silent >= from + 479); // a fade, not a cut
  // Linear: half way down at half the fade.
  CHECK(static_cast<double>(tape.left[from + 240]) / ref.left[from + 240] == doctest::Approx(0.5).epsilon(0.01));
  CHECK(player.done());
  CHECK_FALSE(player.playing());
  CHECK(player.clip_seconds(0) < 0.0);
}

TEST_CASE("audio player: a stop at the bar plays on to the bar line, the fade ending on it") {
  std::vector<Clip> clips{clip(2.1)};
  const auto state = SessionState::detached(120.0, kT0);
  const double start = beat_us(-0.7) + 0.37;
  const Tape ref = unstopped(clips, state, start, beat_us(10));

  Player player(clips, kRate, looping());
  Tape tape{start};
  play(player, state, tape, beat_us(5.3));
  player.request_stop(true);
  play(player, state, tape, beat_us(7.9));
  CHECK_FALSE(player.done());
  CHECK(player.playing());
  play(player, state, tape, beat_us(10));
  CHECK(player.done());
  const double bar = tape.frame_at(beat_us(8));
  const auto fade_from = static_cast<std::size_t>(std::floor(bar - kFadeFrames));
  const std::size_t silent = check_fade(tape, ref, fade_from, kFadeFrames);
  CHECK(static_cast<double>(silent) <= bar + 0.5); // silence from the bar line on
  CHECK(static_cast<double>(silent) >= bar - 1.0);
  // The next pass, due on the bar line, never sounds.
  CHECK(ref.left[static_cast<std::size_t>(std::llround(bar))] != 0.0f);
}

TEST_CASE("audio player: a stop before anything sounded: done, silent") {
  std::vector<Clip> clips{clip(1.0)};
  const auto state = SessionState::detached(120.0, kT0);
  SUBCASE("before the first period") {
    Player player(clips, kRate, PlayerOptions{});
    player.request_stop(false);
    Tape tape{beat_us(1.3)};
    play(player, state, tape, tape.end_us() + 1.0);
    CHECK(player.done());
    play(player, state, tape, beat_us(8));
    CHECK(tape.silent_from(0));
  }
  SUBCASE("waiting for the start bar (beat 4)") {
    for (const bool at_bar : {false, true}) {
      CAPTURE(at_bar);
      Player player(clips, kRate, PlayerOptions{});
      Tape tape{beat_us(1.3)};
      play(player, state, tape, beat_us(2));
      CHECK_FALSE(player.playing());
      player.request_stop(at_bar);
      play(player, state, tape, beat_us(4.1));
      CHECK(player.done());
      play(player, state, tape, beat_us(8));
      CHECK(tape.silent_from(0));
    }
  }
  SUBCASE("start/stop sync, the session stopped") {
    PlayerOptions o;
    o.start_stop_sync = true;
    Player player(clips, kRate, o);
    Tape tape{beat_us(1.3)};
    play(player, state, tape, beat_us(2));
    player.request_stop(true);
    play(player, state, tape, tape.end_us() + 1.0);
    CHECK(player.done());
    auto playing = state;
    playing.set_is_playing(true, host(beat_us(2)));
    play(player, playing, tape, beat_us(8));
    CHECK(tape.silent_from(0));
  }
}

TEST_CASE("audio player: a length stops with a fade that ends on it") {
  std::vector<Clip> clips{clip(2.1)};
  const auto state = SessionState::detached(120.0, kT0);
  const double start = beat_us(1.3) + 0.37; // the start bar is beat 4
  const Tape ref = unstopped(clips, state, start, beat_us(12));

  auto o = looping();
  o.length = 6.0;
  Player player(clips, kRate, o);
  Tape tape{start};
  play(player, state, tape, beat_us(9.9));
  CHECK_FALSE(player.done());
  CHECK(player.position() == doctest::Approx((tape.end_us() - kT0us) / 500000.0 - 4.0));
  play(player, state, tape, beat_us(12));
  CHECK(player.done());
  const double end = tape.frame_at(beat_us(10));
  const std::size_t silent =
      check_fade(tape, ref, static_cast<std::size_t>(std::floor(end - kFadeFrames)), kFadeFrames);
  CHECK(static_cast<double>(silent) <= end + 0.5);
  CHECK(static_cast<double>(silent) >= end - 1.0);
}

TEST_CASE("audio player: a length longer than a clip played once ends with the clip") {
  std::vector<Clip> clips{clip(1.0)};
  PlayerOptions o;
  o.length = 16.0;
  Player player(clips, kRate, o);
  Tape tape{beat_us(-0.3)};
  play(player, SessionState::detached(120.0, kT0), tape, beat_us(2.2));
  CHECK(player.done());
}

TEST_CASE("audio player: a stop at the bar comes before a length further on") {
  std::vector<Clip> clips{clip(2.1)};
  const auto state = SessionState::detached(120.0, kT0);
  auto o = looping();
  o.length = 32.0;
  Player player(clips, kRate, o);
  Tape tape{beat_us(-0.7)};
  play(player, state, tape, beat_us(5.3));
  player.request_stop(true);
  play(player, state, tape, beat_us(8.1));
  CHECK(player.done());
  CHECK(tape.left[static_cast<std::size_t>(tape.frame_at(beat_us(7.9)))] != 0.0f); // played on
  CHECK(tape.silent_from(static_cast<std::size_t>(std::ceil(tape.frame_at(beat_us(8) + 1)))));
}

TEST_CASE("audio player: start/stop sync plays while the session plays, from its first bar") {
  std::vector<Clip> clips{clip(2.1)};
  PlayerOptions o = looping();
  o.start_stop_sync = true;
  Player player(clips, kRate, o);
  const auto stopped = SessionState::detached(120.0, kT0);
  const double start = beat_us(0.1) + 0.37;
  Tape tape{start};
  play(player, stopped, tape, beat_us(2.3));
  CHECK(tape.silent_from(0));
  CHECK_FALSE(player.playing());
  CHECK(player.position() == 0.0);

  auto started = stopped;
  started.set_is_playing(true, host(beat_us(2.5))); // mid-bar: the music starts on bar 4
  play(player, started, tape, beat_us(5.0));
  CHECK(player.playing());
  auto halted = started;
  halted.set_is_playing(false, host(beat_us(5.25)));
  play(player, halted, tape, beat_us(7.5));
  CHECK_FALSE(player.playing());
  CHECK_FALSE(player.done());
  const std::size_t second = tape.size();
  auto again = halted;
  again.set_is_playing(true, host(beat_us(8)));
  play(player, again, tape, beat_us(13.9));
  CHECK(player.playing());

  // Until the stop, as a player started on beat 4 without sync; from the
  // stop, a fade.
  const Tape ref = unstopped(clips, stopped, start, beat_us(7.5));
  const auto stop = static_cast<std::size_t>(std::ceil(tape.frame_at(beat_us(5.25))));
  Tape first_part = tape;
  first_part.left.resize(second);
  first_part.right.resize(second);
  check_fade(first_part, ref, stop, kFadeFrames);
  const auto r = runs(ref);
  REQUIRE_FALSE(r.empty());
  CHECK(std::abs(static_cast<double>(r[0].frame) - ref.frame_at(beat_us(4))) <= kHalfFrame);
}

TEST_CASE("audio player: start/stop sync, a second start plays from the beginning on its bar") {
  std::vector<Clip> clips{clip(2.1)};
  PlayerOptions o = looping();
  o.start_stop_sync = true;
  Player player(clips, kRate, o);
  auto state = SessionState::detached(120.0, kT0);
  state.set_is_playing(true, host(beat_us(2.5)));
  Tape tape{beat_us(0.1) + 0.37};
  play(player, state, tape, beat_us(5.0));
  state.set_is_playing(false, host(beat_us(5.25)));
  play(player, state, tape, beat_us(7.5));
  const std::size_t second = tape.size();
  state.set_is_playing(true, host(beat_us(8)));
  play(player, state, tape, beat_us(13.9));
  const auto r = runs(tape, second);
  REQUIRE(r.size() == 2); // beats 8 and 12
  CHECK(r[0].first == 0);
  CHECK(std::abs(static_cast<double>(r[0].frame) - tape.frame_at(beat_us(8))) <= kHalfFrame);
  CHECK(r[1].first == 0);
  CHECK(std::abs(static_cast<double>(r[1].frame) - tape.frame_at(beat_us(12))) <= kHalfFrame);
  CHECK(tape.left[second] == 0.0f);
  CHECK(player.position() == doctest::Approx((tape.end_us() - kT0us) / 500000.0 - 8.0));
}

TEST_CASE("audio player: start/stop sync, joining a session that already plays: its next bar") {
  std::vector<Clip> clips{clip(1.0)};
  PlayerOptions o;
  o.start_stop_sync = true;
  Player player(clips, kRate, o);
  auto state = SessionState::detached(120.0, kT0);
  state.set_is_playing(true, kT0);
  Tape tape{beat_us(9.3)};
  play(player, state, tape, beat_us(14.5));
  const auto r = runs(tape);
  REQUIRE(r.size() == 1);
  CHECK(r[0].first == 0);
  CHECK(std::abs(static_cast<double>(r[0].frame) - tape.frame_at(beat_us(12))) <= kHalfFrame);
  CHECK(r[0].length == 48000);
}

TEST_CASE("audio player: start/stop sync, a start announced ahead: the first bar line from it") {
  std::vector<Clip> clips{clip(1.0)};
  PlayerOptions o;
  o.start_stop_sync = true;
  Player player(clips, kRate, o);
  auto state = SessionState::detached(120.0, kT0);
  state.set_is_playing(true, host(beat_us(4.5))); // known at beat 2.3: bar 8, not bar 4
  Tape tape{beat_us(2.3)};
  play(player, state, tape, beat_us(10.5));
  const auto r = runs(tape);
  REQUIRE(r.size() == 1);
  CHECK(r[0].first == 0);
  CHECK(std::abs(static_cast<double>(r[0].frame) - tape.frame_at(beat_us(8))) <= kHalfFrame);
}

TEST_CASE("audio player: start/stop sync follows the peers' transport hint") {
  std::vector<Clip> clips{clip(2.1)};
  PlayerOptions o = looping();
  o.start_stop_sync = true;
  Player player(clips, kRate, o);
  const auto state = SessionState::detached(120.0, kT0); // Link says: not playing
  Tape tape{beat_us(0.3)};
  play(player, state, tape, beat_us(1.0));
  player.set_transport_hint(true);
  play(player, state, tape, beat_us(5.0));
  CHECK(player.playing());
  const auto r = runs(tape);
  REQUIRE(r.size() == 1);
  CHECK(r[0].first == 0);
  CHECK(std::abs(static_cast<double>(r[0].frame) - tape.frame_at(beat_us(4))) <= kHalfFrame);
  player.set_transport_hint(false);
  const std::size_t stop = tape.size();
  play(player, state, tape, beat_us(6.0));
  CHECK_FALSE(player.playing());
  CHECK_FALSE(player.done());
  CHECK(tape.silent_from(stop + 481));
  CHECK(tape.left[stop] != 0.0f);
}

TEST_CASE("audio player: with start/stop sync and a length, a transport stop still stops") {
  std::vector<Clip> clips{clip(2.1)};
  PlayerOptions o = looping();
  o.start_stop_sync = true;
  o.length = 8.0;
  Player player(clips, kRate, o);
  auto state = SessionState::detached(120.0, kT0);
  state.set_is_playing(true, kT0);
  Tape tape{beat_us(-0.7)};
  play(player, state, tape, beat_us(5.0));
  state.set_is_playing(false, host(beat_us(5.25)));
  play(player, state, tape, beat_us(7.5));
  CHECK_FALSE(player.playing());
  CHECK_FALSE(player.done()); // the next start plays again
  // Silent after the 10 ms fade (the frame on its very end may keep a gain
  // of 1e-13: rounding of the frame's time).
  CHECK(tape.silent_from(static_cast<std::size_t>(std::ceil(tape.frame_at(beat_us(5.25) + 10'000 + 1)))));
  const std::size_t second = tape.size();
  state.set_is_playing(true, host(beat_us(12)));
  play(player, state, tape, beat_us(21));
  CHECK(player.done()); // 8 beats from bar 12
  const auto r = runs(tape, second, static_cast<std::size_t>(tape.frame_at(beat_us(19.9))));
  REQUIRE(r.size() == 2); // beats 12 and 16
  CHECK(r[0].first == 0);
  CHECK(std::abs(static_cast<double>(r[0].frame) - tape.frame_at(beat_us(12))) <= kHalfFrame);
  CHECK(r[1].first == 0);
  CHECK(tape.silent_from(static_cast<std::size_t>(std::ceil(tape.frame_at(beat_us(20) + 1)))));
}

TEST_CASE("audio player: with start/stop sync, a stop on a beat and a transport stop: the sooner wins") {
  std::vector<Clip> clips{clip(2.1)};
  PlayerOptions o = looping();
  o.start_stop_sync = true;
  auto state = SessionState::detached(120.0, kT0);
  state.set_is_playing(true, kT0);
  SUBCASE("the length (beat 6) before a stop announced for beat 7: done on beat 6") {
    o.length = 6.0;
    Player player(clips, kRate, o);
    Tape tape{beat_us(-0.7)};
    play(player, state, tape, beat_us(5.0));
    state.set_is_playing(false, host(beat_us(7)));
    play(player, state, tape, beat_us(7.5));
    CHECK(player.done());
    CHECK(tape.silent_from(static_cast<std::size_t>(std::ceil(tape.frame_at(beat_us(6) + 1)))));
    CHECK(tape.left[static_cast<std::size_t>(tape.frame_at(beat_us(5.9)))] != 0.0f);
  }
  SUBCASE("a stop at the bar (beat 8) after the transport stops (beat 6): faded from 6, done") {
    Player player(clips, kRate, o);
    Tape tape{beat_us(-0.7)};
    play(player, state, tape, beat_us(5.3));
    player.request_stop(true);
    play(player, state, tape, beat_us(5.8));
    state.set_is_playing(false, host(beat_us(6)));
    play(player, state, tape, beat_us(7));
    CHECK(player.done());
    CHECK(tape.silent_from(static_cast<std::size_t>(std::ceil(tape.frame_at(beat_us(6) + 10'000 + 1)))));
  }
}

TEST_CASE("audio player: the click: every beat from the start bar, accented on bar lines") {
  const Buffer normal = click_sound(kRate, false);
  const Buffer accent = click_sound(kRate, true);
  REQUIRE(normal.frames() == 1920); // 40 ms
  REQUIRE(accent.frames() == 1920);
  CHECK(normal.left != accent.left);
  CHECK(normal.left == normal.right);
  for (const double quantum : {4.0, 3.0}) {
    CAPTURE(quantum);
    std::vector<Clip> none;
    PlayerOptions o;
    o.quantum = quantum;
    o.click = true;
    Player player(none, kRate, o);
    CHECK(player.clip_count() == 0);
    const auto state = SessionState::detached(120.0, kT0);
    Tape tape{beat_us(1.3) + 0.37};
    play(player, state, tape, beat_us(13.5));
    CHECK_FALSE(player.done());
    const double first = std::ceil(1.3 / quantum) * quantum;
    std::size_t expected_end = 0; // the frame after the last click
    for (double beat = first; beat <= 13.0; beat += 1.0) {
      CAPTURE(beat);
      // The click's first sample (a zero: a sine) on the frame nearest the
      // beat: the whole sound must be found right there.
      const auto at = static_cast<std::size_t>(std::llround(tape.frame_at(beat_us(beat))));
      // Silence since the last click.
      bool quiet = true;
      for (std::size_t j = expected_end; j < at; ++j)
        quiet = quiet && tape.left[j] == 0.0f && tape.right[j] == 0.0f;
      CHECK(quiet);
      const Buffer& sound = std::fmod(beat, quantum) == 0.0 ? accent : normal;
      std::size_t differ = 0;
      for (std::size_t n = 0; n < sound.frames(); ++n)
        if (tape.left[at + n] != 0.5f * sound.left[n] || tape.right[at + n] != 0.5f * sound.right[n]) ++differ;
      CHECK(differ == 0);
      expected_end = at + sound.frames();
    }
    CHECK(tape.silent_from(expected_end));
  }
}

TEST_CASE("audio player: clip gains and the overall gain multiply, clips mix by addition") {
  std::vector<Clip> clips{clip(1.0, 0.5f), clip(0.5, 2.0f)};
  std::reverse(clips[1].audio.left.begin(), clips[1].audio.left.end()); // another shape
  PlayerOptions o;
  o.gain = 0.5f;
  Player player(clips, kRate, o);
  Tape tape{beat_us(1.3) + 0.37};
  play(player, SessionState::detached(120.0, kT0), tape, beat_us(7));
  const auto onset = static_cast<std::size_t>(std::llround(tape.frame_at(beat_us(4))));
  std::size_t differ = 0;
  for (std::size_t j = 0; j < tape.size(); ++j) {
    float left = 0.0f, right = 0.0f;
    if (j >= onset) {
      for (const auto& c : clips) {
        const std::size_t i = j - onset;
        if (i >= c.audio.frames()) continue;
        left += c.gain * o.gain * c.audio.left[i];
        right += c.gain * o.gain * c.audio.right[i];
      }
    }
    if (tape.left[j] != left || tape.right[j] != right) ++differ;
  }
  CHECK(differ == 0);
  CHECK(tape.left[onset + 100] == (0.25f * 101.0f + 1.0f * 23900.0f) * kStep);
}

TEST_CASE("audio player: a jump of the grid by whole bars goes on seamlessly") {
  for (const double jump : {8.0, -8.0}) {
    CAPTURE(jump);
    std::vector<Clip> clips{clip(2.1)};
    const auto before = SessionState::detached(120.0, kT0);
    const double start = beat_us(-0.7) + 0.37;
    const Tape ref = unstopped(clips, before, start, beat_us(14));

    Player player(clips, kRate, looping());
    Tape tape{start};
    play(player, before, tape, beat_us(5.3));
    const HostTime now = host(tape.end_us());
    auto after = before;
    after.force_beat_at_time(before.beat_at_time(now, 4.0) + jump, now, 4.0);
    play(player, after, tape, beat_us(14));
    CHECK(tape.left == ref.left);
    CHECK(tape.right == ref.right);
    CHECK(player.position() == doctest::Approx((tape.end_us() - kT0us) / 500000.0)); // since beat 0
  }
}

TEST_CASE("audio player: a jump of the grid by a bar and a half: on to the new grid's bar lines") {
  // The start bar moves by whole bars (+4.5 beats: +4, -4.5: -4), so the
  // clip jumps by the half beat left and its next pass starts on a bar
  // line of the new grid.
  for (const double jump : {4.5, -4.5}) {
    CAPTURE(jump);
    std::vector<Clip> clips{clip(2.1)};
    const auto before = SessionState::detached(120.0, kT0);
    Player player(clips, kRate, looping());
    Tape tape{beat_us(-0.7) + 0.37};
    play(player, before, tape, beat_us(5.3));
    const std::size_t at = tape.size();
    const HostTime now = host(tape.end_us());
    const double old_beat = before.beat_at_time(now, 4.0);
    auto after = before;
    after.force_beat_at_time(old_beat + jump, now, 4.0);
    const double new_beat = after.beat_at_time(now, 4.0);
    CHECK(new_beat == doctest::Approx(old_beat + jump));
    // New beats from here on: the next bar line, and the one after.
    const double next_bar = std::ceil(new_beat / 4.0) * 4.0;
    const auto at_new = [&](double beat) {
      return static_cast<double>(now.count()) + (beat - new_beat) * 500000.0;
    };
    play(player, after, tape, at_new(next_bar + 7.9));
    const auto r = runs(tape, at);
    REQUIRE(r.size() == 3); // the rest of this pass, then two on the new bar lines
    // Where the clip is in its pass on the new grid: the pass started on the
    // last bar line of the shifted grid.
    const double in_pass = new_beat - (next_bar - 4.0);
    CHECK(r[0].frame == at);
    CHECK(std::abs(static_cast<double>(r[0].first) - in_pass * 24000.0) <= 1.0);
    CHECK(r[0].frame + r[0].length == r[1].frame);
    for (std::size_t k = 1; k < 3; ++k) {
      CAPTURE(k);
      CHECK(r[k].first == 0);
      const double ideal = tape.frame_at(at_new(next_bar + 4.0 * static_cast<double>(k - 1)));
      CHECK(std::abs(static_cast<double>(r[k].frame) - ideal) <= kHalfFrame);
    }
    CHECK(player.playing());
  }
}

TEST_CASE("audio player: progress: position, where each clip is, its pass") {
  std::vector<Clip> clips{clip(1.9)}; // 3.8 beats, passes of 4
  Player player(clips, kRate, looping());
  CHECK_FALSE(player.playing());
  CHECK(player.position() == 0.0);
  CHECK(player.clip_seconds(0) < 0.0);
  CHECK(player.clip_pass(0) == 0);
  CHECK(player.clip_loop_beats(0) == 0.0);

  const auto state = SessionState::detached(120.0, kT0);
  Tape tape{beat_us(1.3) + 0.37}; // the start bar is beat 4
  const auto beat_now = [&] { return (tape.end_us() - kT0us) / 500000.0; };
  play(player, state, tape, beat_us(3.0));
  CHECK_FALSE(player.playing()); // waiting
  CHECK(player.position() == 0.0);
  CHECK(player.clip_seconds(0) < 0.0);
  CHECK(player.clip_loop_beats(0) == 4.0);

  play(player, state, tape, beat_us(5.0));
  CHECK(player.playing());
  CHECK(player.position() == doctest::Approx(beat_now() - 4.0).epsilon(1e-6));
  CHECK(std::abs(player.clip_seconds(0) - (beat_now() - 4.0) * 0.5) <= 1.0 / kRate);
  CHECK(player.clip_pass(0) == 0);

  play(player, state, tape, beat_us(7.9)); // in the gap: 3.8 beats played
  CHECK(player.clip_seconds(0) < 0.0);
  CHECK(player.clip_pass(0) == 0);
  CHECK(player.playing());

  play(player, state, tape, beat_us(9.5));
  CHECK(player.clip_pass(0) == 1);
  CHECK(std::abs(player.clip_seconds(0) - (beat_now() - 8.0) * 0.5) <= 1.0 / kRate);
  CHECK(player.position() == doctest::Approx(beat_now() - 4.0).epsilon(1e-6));

  play(player, state, tape, beat_us(30.5));
  CHECK(player.clip_pass(0) == 6);
}

// --follow-tempo (the worker's stretching done by stretch_now(), so the test
// decides when a stretch arrives).

namespace {

PlayerOptions following(bool loop = true) {
  PlayerOptions o;
  o.loop = loop;
  o.follow_tempo = true;
  o.stretch_in_background = false;
  return o;
}

// Frames of the tape from beat `from` to `to` (at `bpm` from kT0) that read
// the ramp where the beat says, `frames_per_beat` ramp samples a beat from
// each pass start (`pass_beats` apart): Catmull-Rom gives a line back
// exactly, so every frame tells where it was read. Frames within two
// samples of a pass's ends are skipped (the ramp stops there).
std::size_t misread(const Tape& tape, double from, double to, double bpm, double pass_beats,
                    double frames_per_beat, double pass_frames) {
  std::size_t bad = 0, checked = 0;
  const double us_per_beat = static_cast<double>(std::llround(60e6 / bpm));
  for (auto j = static_cast<std::size_t>(std::ceil(tape.frame_at(beat_us(from, bpm))));
       static_cast<double>(j) < tape.frame_at(beat_us(to, bpm)); ++j) {
    const double beat = (tape.time(j) - kT0us) / us_per_beat;
    const double pos = (beat - std::floor(beat / pass_beats) * pass_beats) * frames_per_beat;
    if (pos < 2.0 || pos > pass_frames - 3.0) continue;
    ++checked;
    if (std::abs(static_cast<double>(tape.left[j]) / kStep - 1.0 - pos) > 0.05) ++bad;
  }
  CHECK(checked > 0);
  return bad;
}

} // namespace

TEST_CASE("audio player: --follow-tempo at the clip's own tempo plays it sample by sample") {
  std::vector<Clip> clips{clip(2.1, 1.0f, 120.0)}; // 4 beats at 120, cut to them
  Player player(clips, kRate, following());
  const auto state = SessionState::detached(120.0, kT0);
  Tape tape{beat_us(-0.7) + 0.37};
  play(player, state, tape, beat_us(12.0));
  CHECK(player.clip_tempo(0) == 120.0);
  const auto r = runs(tape);
  REQUIRE(r.size() == 4); // the last on beat 12, in the tape's last period
  for (std::size_t k = 0; k < 4; ++k) {
    CHECK(std::abs(static_cast<double>(r[k].frame) - tape.frame_at(beat_us(4.0 * static_cast<double>(k)))) <=
          kHalfFrame);
    CHECK(r[k].first == 0);
    if (k < 3) CHECK(r[k].length == 96000);
  }
}

TEST_CASE("audio player: --follow-tempo before its stretch is there: read at the session's speed, on the grid") {
  std::vector<Clip> clips{clip(2.0, 1.0f, 120.0)};
  Player player(clips, kRate, following());
  const auto state = SessionState::detached(150.0, kT0);
  Tape tape{beat_us(-0.7, 150.0) + 0.37};
  play(player, state, tape, beat_us(8.0, 150.0));
  CHECK(player.clip_tempo(0) == 120.0); // still the clip as it is
  CHECK(misread(tape, 0.0, 8.0, 150.0, 4.0, 24000.0, 96000.0) == 0);
}

TEST_CASE("audio player: --follow-tempo: once stretched, the rendering plays sample by sample on the grid") {
  if (!linktools::audio::stretch_available()) return;
  std::vector<Clip> clips{clip(2.1, 1.0f, 120.0)};
  Player player(clips, kRate, following());
  const auto state = SessionState::detached(150.0, kT0);
  Tape tape{beat_us(-0.7, 150.0) + 0.37};
  play(player, state, tape, beat_us(2.0, 150.0));
  player.stretch_now();
  const std::size_t swap = tape.size(); // the next period takes the rendering
  play(player, state, tape, beat_us(12.5, 150.0));
  CHECK(player.clip_tempo(0) == 150.0);
  // What the follower made: the pass (cut to 4 beats at 120) at 4/5 the length.
  Buffer pass = clips[0].audio;
  pass.left.resize(96000);
  pass.right.resize(96000);
  const auto want = linktools::audio::stretch(pass, 0.8, true, [] { return false; });
  REQUIRE(want);
  REQUIRE(want->frames() == 76800);
  // Read at the speed of the grid until the swap, then a 20 ms crossfade.
  CHECK(misread(tape, 0.0, (tape.time(swap) - kT0us) / 400000.0, 150.0, 4.0, 24000.0, 96000.0) == 0);
  for (const double bar : {4.0, 8.0}) {
    CAPTURE(bar);
    const auto at = static_cast<std::size_t>(std::ceil(tape.frame_at(beat_us(bar, 150.0)) - 0.5));
    std::size_t differ = 0;
    for (std::size_t k = 0; k < want->frames(); ++k)
      if (tape.left[at + k] != want->left[k] || tape.right[at + k] != want->right[k]) ++differ;
    CHECK(differ == 0);
  }
  // After the crossfade, the rest of pass 0 is the rendering, where the
  // beat says.
  {
    const auto at0 = static_cast<std::size_t>(std::ceil(tape.frame_at(beat_us(0.0, 150.0)) - 0.5));
    const auto at4 = static_cast<std::size_t>(std::ceil(tape.frame_at(beat_us(4.0, 150.0)) - 0.5));
    REQUIRE(swap + 960 < at4);
    std::size_t differ = 0;
    for (std::size_t j = swap + 960; j < at4; ++j)
      if (tape.left[j] != want->left[j - at0]) ++differ;
    CHECK(differ == 0);
  }
  // The crossfade stays within what the two renderings reach.
  float peak = 0.0f;
  for (std::size_t j = swap; j < swap + 960; ++j) peak = std::max(peak, std::abs(tape.left[j]));
  CHECK(peak <= 1.0f);
}

TEST_CASE("audio player: --follow-tempo: a tempo change is followed at once, then restretched") {
  if (!linktools::audio::stretch_available()) return;
  std::vector<Clip> clips{clip(2.0, 1.0f, 120.0)};
  Player player(clips, kRate, following());
  const auto before = SessionState::detached(120.0, kT0);
  Tape tape{beat_us(-0.7) + 0.37};
  play(player, before, tape, beat_us(2.0));
  // 150 BPM from here (beat ~2), the grid continuous.
  const TempoChange c = change_tempo(before, tape, 150.0);
  const HostTime change = c.when;
  const double change_beat = c.beat;
  const auto& after = c.after;
  const auto at = [&](double beat) { return c.at(beat); };
  const std::size_t changed = tape.size();
  play(player, after, tape, at(5.0));
  // Read where the beat says: pass 0 from its beat 2 on, faster, and pass 1 from beat 4.
  std::size_t bad = 0;
  for (std::size_t j = changed; j < tape.size(); ++j) {
    const double beat = change_beat + (tape.time(j) - static_cast<double>(change.count())) / 400000.0;
    const double pos = (beat - std::floor(beat / 4.0) * 4.0) * 24000.0;
    if (pos < 2.0 || pos > 96000.0 - 3.0) continue;
    if (std::abs(static_cast<double>(tape.left[j]) / kStep - 1.0 - pos) > 0.05) ++bad;
  }
  CHECK(bad == 0);
  CHECK(player.clip_tempo(0) == 120.0);
  player.stretch_now();
  play(player, after, tape, at(12.5));
  CHECK(player.clip_tempo(0) == 150.0);
  const auto want = linktools::audio::stretch(clips[0].audio, 0.8, true, [] { return false; });
  REQUIRE(want);
  const auto from = static_cast<std::size_t>(std::ceil(tape.frame_at(at(8.0)) - 0.5));
  std::size_t differ = 0;
  for (std::size_t k = 0; k < want->frames(); ++k)
    if (tape.left[from + k] != want->left[k]) ++differ;
  CHECK(differ == 0);
}

// The largest step between neighbouring frames of tape[from, to), in ramp
// samples: a read that jumps shows as one step of the jump's size.
double largest_step(const Tape& tape, std::size_t from, std::size_t to) {
  double most = 0.0;
  for (std::size_t j = from + 1; j < to; ++j)
    most = std::max(most, std::abs(static_cast<double>(tape.left[j] - tape.left[j - 1])) / kStep);
  return most;
}

TEST_CASE("audio player: --follow-tempo: a tempo change heard late crossfades onto the grid, no jump") {
  // The session goes from 120 to 80 BPM on the bar line at beat 4, but the
  // player hears of it 15 ms later (a peer's late commit, the network): it
  // played 15 ms of the pass at 120, where the new grid has 10 ms. Its read
  // is put back, through a crossfade, not by a jump (a click, and on a
  // percussive loop a second onset).
  std::vector<Clip> clips{clip(2.0, 1.0f, 120.0)};
  Player player(clips, kRate, following());
  const auto before = SessionState::detached(120.0, kT0);
  Tape tape{beat_us(-0.7) + 0.37};
  play(player, before, tape, beat_us(4.0) + 15000.0);
  auto after = before;
  after.set_tempo(80.0, host(beat_us(4.0)));
  const std::size_t heard = tape.size();
  const auto at = [&](double beat) { return beat_us(4.0) + (beat - 4.0) * 750000.0; };
  play(player, after, tape, at(5.0));
  // Ramp samples move by 1 a frame at 120 BPM and 2/3 at 80; the crossfade
  // adds at most (its 240 samples back + 320 frames of the difference of
  // speeds) / 960 a frame.
  CHECK(largest_step(tape, heard - 256, heard + 2000) < 2.0);
  // From the end of the crossfade, where the new grid says.
  std::size_t bad = 0, checked = 0;
  for (std::size_t j = heard + 960; j < tape.size(); ++j) {
    const double beat = 4.0 + (tape.time(j) - beat_us(4.0)) / 750000.0;
    const double pos = (beat - 4.0) * 24000.0;
    ++checked;
    if (std::abs(static_cast<double>(tape.left[j]) / kStep - 1.0 - pos) > 0.05) ++bad;
  }
  CHECK(checked > 10000);
  CHECK(bad == 0);
}

TEST_CASE("audio player: --follow-tempo: the grid moved at the same tempo: crossfaded to it, no jump") {
  // At the rendering's own tempo the read goes sample by sample; a grid 5 ms
  // later (240 frames, another peer's nudge) puts it back through a crossfade.
  std::vector<Clip> clips{clip(2.0, 1.0f, 120.0)};
  Player player(clips, kRate, following());
  const auto before = SessionState::detached(120.0, kT0);
  Tape tape{beat_us(-0.7) + 0.37};
  play(player, before, tape, beat_us(1.0));
  const auto after = SessionState::detached(120.0, kT0 + 5ms);
  const std::size_t moved = tape.size();
  play(player, after, tape, beat_us(3.0));
  CHECK(largest_step(tape, moved - 256, moved + 2000) < 1.5);
  std::size_t bad = 0;
  for (std::size_t j = moved + 960; j < tape.size(); ++j) {
    const double pos = (tape.time(j) - kT0us - 5000.0) / kUsPerFrame;
    if (std::abs(static_cast<double>(tape.left[j]) / kStep - 1.0 - pos) > 0.5 + 0.03) ++bad;
  }
  CHECK(bad == 0);
}

TEST_CASE("audio player: --follow-tempo without --loop: the stretched clip once, then done") {
  if (!linktools::audio::stretch_available()) return;
  std::vector<Clip> clips{clip(1.5, 1.0f, 120.0)};
  Player player(clips, kRate, following(false));
  const auto state = SessionState::detached(90.0, kT0);
  Tape tape{beat_us(-0.7, 90.0) + 0.37};
  play(player, state, tape, beat_us(-0.5, 90.0)); // the follower learns the tempo
  player.stretch_now();
  play(player, state, tape, beat_us(4.0, 90.0));
  CHECK(player.done());
  const auto want = linktools::audio::stretch(clips[0].audio, 120.0 / 90.0, false, [] { return false; });
  REQUIRE(want);
  REQUIRE(want->frames() == 96000);
  const auto from = static_cast<std::size_t>(std::ceil(tape.frame_at(beat_us(0.0, 90.0)) - 0.5));
  std::size_t differ = 0;
  for (std::size_t k = 0; k < want->frames(); ++k)
    if (tape.left[from + k] != want->left[k] || tape.right[from + k] != want->right[k]) ++differ;
  CHECK(differ == 0);
  CHECK(tape.silent_from(from + want->frames()));
  for (std::size_t j = 0; j < from; ++j) REQUIRE(tape.left[j] == 0.0f);
}
