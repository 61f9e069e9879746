// link-follow's parts against made-up clocks: the byte parser, the tempo
// estimator and the follower, with fake time stamps and detached session
// states (Link's own beat arithmetic, no network).
#include <doctest/doctest.h>

#include "midi/ClockEstimator.hpp"
#include "midi/ClockFollower.hpp"
#include "midi/InputParser.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <random>
#include <string>
#include <vector>

using linktools::HostTime;
using linktools::SessionState;
namespace midi = linktools::midi;
using Kind = midi::ClockMessage::Kind;

namespace {

using Bytes = std::vector<std::uint8_t>;

std::vector<midi::ClockMessage> parse(midi::InputParser& p, const Bytes& bytes, std::int64_t t = 0) {
  std::vector<midi::ClockMessage> out;
  p.feed(bytes, HostTime(t), out);
  return out;
}

double interval_of(double bpm) { return 60e6 / (bpm * 24.0); }

// A clock's tick times: tempo `bpm(t)` (t in seconds from the first tick),
// each tick moved by `jitter()` microseconds.
struct Clock {
  std::function<double(double)> bpm = [](double) { return 120.0; };
  std::function<double()> jitter = [] { return 0.0; };
  double start_us = 1e6;
  // The ideal time of each tick, then the stamped one.
  std::vector<double> ideal;
  std::vector<double> stamped;
  void run(double seconds) {
    double t = start_us;
    while (t < start_us + seconds * 1e6) {
      ideal.push_back(t);
      stamped.push_back(t + jitter());
      t += interval_of(bpm((t - start_us) / 1e6));
    }
  }
};

std::function<double()> uniform_jitter(std::mt19937& rng, double half_width_us) {
  return [&rng, half_width_us] {
    return std::uniform_real_distribution<double>(-half_width_us, half_width_us)(rng);
  };
}

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[static_cast<std::size_t>(p * static_cast<double>(v.size() - 1))];
}

} // namespace

// --- the byte parser ---------------------------------------------------------

TEST_CASE("input parser: clock, transport and song position") {
  midi::InputParser p;
  const auto m = parse(p, {0xF8, 0xFA, 0xFB, 0xFC, 0xF2, 0x10, 0x02});
  REQUIRE(m.size() == 5);
  CHECK(m[0].kind == Kind::tick);
  CHECK(m[1].kind == Kind::start);
  CHECK(m[2].kind == Kind::continue_);
  CHECK(m[3].kind == Kind::stop);
  CHECK(m[4].kind == Kind::song_position);
  CHECK(m[4].sixteenths == 0x10 + (0x02 << 7));
  CHECK(p.counts().clock_messages == 5);
  CHECK(p.counts().stray_bytes == 0);
}

TEST_CASE("input parser: a message split across chunks is read whole; times are the completing chunk's") {
  midi::InputParser p;
  CHECK(parse(p, {0xF2, 0x05}, 10).empty());
  const auto m = parse(p, {0x00, 0xF8}, 20);
  REQUIRE(m.size() == 2);
  CHECK(m[0].kind == Kind::song_position);
  CHECK(m[0].sixteenths == 5);
  CHECK(m[0].time == HostTime(20));
}

TEST_CASE("input parser: SysEx is skipped and counted, real-time bytes inside it are taken") {
  midi::InputParser p;
  const auto m = parse(p, {0xF0, 0x7E, 0x01, 0xF8, 0x02, 0x03, 0xF7, 0xF8});
  REQUIRE(m.size() == 2);
  CHECK(m[0].kind == Kind::tick);
  CHECK(p.counts().sysex == 1);
  CHECK(p.counts().stray_bytes == 0);
  // An unterminated SysEx ends at the next status byte.
  const auto n = parse(p, {0xF0, 0x01, 0x02, 0xFA});
  REQUIRE(n.size() == 1);
  CHECK(n[0].kind == Kind::start);
  CHECK(p.counts().sysex == 2);
}

TEST_CASE("input parser: running status, stray bytes and undefined status bytes are counted, not taken") {
  midi::InputParser p;
  // Note-on, two more by running status, a tick in the middle of one.
  auto m = parse(p, {0x90, 60, 100, 62, 0xF8, 100, 64, 100});
  REQUIRE(m.size() == 1);
  CHECK(p.counts().other_messages == 3);
  CHECK(p.counts().running_status == 2);
  // Data bytes with no status (after a system common message cancels running status).
  m = parse(p, {0xF6, 0x40, 0x41, 0xF7});
  CHECK(m.empty());
  CHECK(p.counts().other_messages == 4); // the tune request
  CHECK(p.counts().stray_bytes == 3);    // two data bytes and an F7 outside SysEx
  // A message cut off by another status byte: its bytes are stray.
  m = parse(p, {0xB0, 7, 0xF8});
  CHECK(m.size() == 1);                  // the tick does not cut it off
  m = parse(p, {0xC0, 5});
  CHECK(p.counts().stray_bytes == 5);    // B0 07
  CHECK(p.counts().other_messages == 5); // the program change
  m = parse(p, {0xF4, 0xF5, 0xF9, 0xFD, 0xFE});
  CHECK(m.empty());
  CHECK(p.counts().undefined == 4);
  CHECK(p.counts().other_messages == 6); // active sensing
}

// --- the estimator -----------------------------------------------------------

TEST_CASE("estimator: a steady clock gives its tempo exactly") {
  for (double bpm : {20.5, 60.0, 120.0, 133.33, 300.0, 990.0}) {
    midi::ClockEstimator e;
    for (int i = 0; i < 200; ++i) e.add(1e6 + i * interval_of(bpm));
    CHECK(e.bpm() == doctest::Approx(bpm).epsilon(1e-9));
    CHECK(e.counts().taken == 200);
    CHECK(e.counts().outliers == 0);
    CHECK(e.counts().restarts == 0);
  }
}

// The naive estimate, beside ours: 60 / (24 * the last interval).
TEST_CASE("estimator: +-1 ms uniform jitter at 120 BPM, within +-0.02 BPM from 2 s on (p99 over 50 clocks)") {
  std::vector<double> ours, naive, at_two_s;
  for (unsigned seed = 1; seed <= 50; ++seed) {
    std::mt19937 rng(seed);
    Clock c;
    c.jitter = uniform_jitter(rng, 1000.0);
    c.run(20.0);
    midi::ClockEstimator e;
    for (std::size_t i = 0; i < c.stamped.size(); ++i) {
      e.add(c.stamped[i]);
      const double since = (c.ideal[i] - c.start_us) / 1e6;
      if (since < 2.0) continue;
      if (at_two_s.size() < seed) at_two_s.push_back(std::abs(e.bpm() - 120.0));
      ours.push_back(std::abs(e.bpm() - 120.0));
      naive.push_back(std::abs(60e6 / (24.0 * (c.stamped[i] - c.stamped[i - 1])) - 120.0));
    }
  }
  const double p99 = percentile(ours, 0.99);
  MESSAGE("uniform +-1 ms, 2..20 s: ours p50 " << percentile(ours, 0.5) << " p99 " << p99 << " max "
          << percentile(ours, 1.0) << " BPM; naive p50 " << percentile(naive, 0.5) << " p99 "
          << percentile(naive, 0.99) << "; ours at 2 s: p50 " << percentile(at_two_s, 0.5) << " max "
          << percentile(at_two_s, 1.0));
  CHECK(p99 <= 0.02);
  CHECK(percentile(naive, 0.99) > 5.0); // what a last-interval estimate would commit
}

TEST_CASE("estimator: Gaussian jitter (sd 1 ms) at 120 BPM: no false tempo change in 60 s") {
  std::mt19937 rng(7);
  std::normal_distribution<double> gauss(0.0, 1000.0);
  Clock c;
  c.jitter = [&] { return gauss(rng); };
  c.run(60.0);
  midi::ClockEstimator e;
  std::vector<double> err;
  for (std::size_t i = 0; i < c.stamped.size(); ++i) {
    e.add(c.stamped[i]);
    if (c.ideal[i] - c.start_us >= 2e6) err.push_back(std::abs(e.bpm() - 120.0));
  }
  MESSAGE("gaussian sd 1 ms, 2..60 s: p50 " << percentile(err, 0.5) << " p99 " << percentile(err, 0.99)
          << " BPM, restarts " << e.counts().restarts << ", outliers " << e.counts().outliers);
  CHECK(e.counts().restarts == 0);
  CHECK(percentile(err, 0.99) < 0.03);
}

TEST_CASE("estimator: a step from 120 to 130 BPM settles within 0.1 BPM in 1 s") {
  for (unsigned seed = 1; seed <= 20; ++seed) {
    std::mt19937 rng(seed);
    Clock c;
    c.bpm = [](double t) { return t < 5.0 ? 120.0 : 130.0; };
    c.jitter = uniform_jitter(rng, 1000.0);
    c.run(10.0);
    midi::ClockEstimator e;
    double worst_after = 0.0;
    for (std::size_t i = 0; i < c.stamped.size(); ++i) {
      e.add(c.stamped[i]);
      if (c.ideal[i] - c.start_us >= 6e6) worst_after = std::max(worst_after, std::abs(e.bpm() - 130.0));
    }
    CHECK(worst_after < 0.1);
    CHECK(e.counts().restarts == 1);
  }
}

TEST_CASE("estimator: large steps both ways and a slow ramp are followed") {
  for (auto [from, to] : {std::pair{120.0, 240.0}, {240.0, 120.0}, {90.0, 60.0}, {60.0, 174.0}}) {
    Clock c;
    c.bpm = [from = from, to = to](double t) { return t < 3.0 ? from : to; };
    c.run(6.0);
    midi::ClockEstimator e;
    for (double t : c.stamped) e.add(t);
    CHECK(e.bpm() == doctest::Approx(to).epsilon(1e-6));
    CHECK(e.counts().missing <= 4); // ticks of the new tempo on the old line, until it is seen
  }
  Clock ramp; // 100 to 140 BPM over 20 s
  ramp.bpm = [](double t) { return 100.0 + 2.0 * std::min(t, 20.0); };
  ramp.run(22.0);
  midi::ClockEstimator e;
  for (double t : ramp.stamped) e.add(t);
  CHECK(e.bpm() == doctest::Approx(140.0).epsilon(1e-3));
}

TEST_CASE("estimator: dropped ticks are counted and leave the tempo alone") {
  Clock c;
  c.run(10.0);
  midi::ClockEstimator e;
  for (std::size_t i = 0; i < c.stamped.size(); ++i)
    if (i % 10 != 5 && !(i >= 100 && i <= 102)) e.add(c.stamped[i]); // one in ten, and three in a row
  CHECK(e.bpm() == doctest::Approx(120.0).epsilon(1e-9));
  CHECK(e.counts().missing == c.stamped.size() / 10 + 3);
  CHECK(e.last_index() == static_cast<std::int64_t>(c.stamped.size() - 1));
  CHECK(e.counts().restarts == 0);
}

TEST_CASE("estimator: ticks faster than 999 or slower than 20 BPM are ignored and counted") {
  midi::ClockEstimator fast;
  for (int i = 0; i < 100; ++i) fast.add(1e6 + i * interval_of(1200.0));
  CHECK(fast.counts().too_fast == 99);
  CHECK(fast.ticks_in_fit() == 1);

  midi::ClockEstimator slow;
  for (int i = 0; i < 20; ++i) slow.add(1e6 + i * interval_of(15.0));
  CHECK(slow.counts().too_slow == 19);
  CHECK(slow.ticks_in_fit() == 1);

  // A doubled tick in a steady clock, and a stray one halfway: left out.
  midi::ClockEstimator e;
  for (int i = 0; i < 100; ++i) {
    e.add(1e6 + i * interval_of(120.0));
    if (i == 50) e.add(1e6 + i * interval_of(120.0) + 100.0);
    if (i == 70) e.add(1e6 + (i + 0.5) * interval_of(120.0));
  }
  CHECK(e.bpm() == doctest::Approx(120.0).epsilon(1e-9));
  CHECK(e.counts().too_fast == 1);
  CHECK(e.counts().outliers == 1);
  CHECK(e.counts().restarts == 0);
}

// --- the follower ------------------------------------------------------------

namespace {

const std::uint8_t kTick[] = {0xF8};

// The session a follower leads: detached (no network); each change is
// "committed" by keeping the changed state.
struct Run {
  midi::FollowOptions options;
  midi::ClockFollower follower{options};
  SessionState session = SessionState::detached(100.0, HostTime(0));
  std::vector<midi::FollowEvent> events;
  int commits = 0;
  explicit Run(midi::FollowOptions o = {}) : options(o), follower(o) {}

  void bytes(std::vector<std::uint8_t> b, double t) {
    follower.receive(b, HostTime(std::llround(t)));
    update(t + 1000.0); // processed a millisecond after it came
  }
  void tick(double t) {
    follower.receive(kTick, HostTime(std::llround(t)));
    update(t + 1000.0);
  }
  void update(double now) {
    if (follower.update(session, HostTime(std::llround(now)))) ++commits;
    for (auto& e : follower.take_events()) events.push_back(e);
  }
  int count(midi::FollowEvent::Kind k) const {
    return static_cast<int>(std::count_if(events.begin(), events.end(), [k](auto& e) { return e.kind == k; }));
  }
  // Start 2 ms before the clock's first tick, then every tick; from 2 s on,
  // each tick's distance from the session's beat grid (us) goes to
  // `phase_us` and `judged` is called after it.
  template <typename Judged>
  void play(const Clock& c, std::vector<double>& phase_us, Judged judged) {
    bytes({0xFA}, c.stamped[0] - 2000.0);
    for (std::size_t i = 0; i < c.stamped.size(); ++i) {
      tick(c.stamped[i]);
      if (c.ideal[i] - c.start_us < 2e6) continue;
      const double beat = session.beat_at_time(HostTime(std::llround(c.ideal[i])), 4.0);
      phase_us.push_back(std::abs(beat - static_cast<double>(i) / 24.0) * 60e6 / session.tempo());
      judged();
    }
  }
};

} // namespace

TEST_CASE("follower: a steady clock sets the session's tempo once, then leaves it alone") {
  Run run;
  Clock c;
  c.run(30.0);
  for (double t : c.stamped) run.tick(t);
  // Within the resolution: the first estimate, from a few ticks stamped to
  // the microsecond, is off by about 1e-5; closer than 0.01 BPM it stays.
  CHECK(std::abs(run.session.tempo() - 120.0) < 0.01);
  CHECK(run.commits == 1);
  CHECK(run.count(midi::FollowEvent::Kind::tempo) == 1);
  CHECK(!run.session.is_playing()); // no Start: the transport is left alone
}

TEST_CASE("follower: with +-1 ms jitter, a handful of commits while settling, then none") {
  std::mt19937 rng(3);
  Run run;
  Clock c;
  c.jitter = uniform_jitter(rng, 1000.0);
  c.run(60.0);
  int commits_after_10s = 0;
  for (std::size_t i = 0; i < c.stamped.size(); ++i) {
    const int before = run.commits;
    run.tick(c.stamped[i]);
    if (c.ideal[i] - c.start_us > 10e6) commits_after_10s += run.commits - before;
  }
  MESSAGE("commits in 60 s: " << run.commits << ", after 10 s: " << commits_after_10s);
  // 6 before an estimate twice as sure as the committed one could replace it
  // (the tempo then closer to the clock's from 2 s on): 8 since, all in the
  // first 10 s.
  CHECK(run.commits <= 8);
  CHECK(commits_after_10s == 0);
  CHECK(std::abs(run.session.tempo() - 120.0) < 0.02);
}

TEST_CASE("follower: commits obey --tempo-resolution and the commit rate") {
  midi::FollowOptions o;
  o.tempo_resolution = 0.5;
  o.max_commits_per_s = 2.0;
  Run run(o);
  Clock c; // 120, then 120.3 (under the resolution), then a ramp to 140 over 4 s
  c.bpm = [](double t) { return t < 4.0 ? 120.0 : t < 8.0 ? 120.3 : 120.3 + 5.0 * std::min(t - 8.0, 4.0); };
  c.run(14.0);
  std::vector<double> commit_times;
  for (double t : c.stamped) {
    const int before = run.commits;
    run.tick(t);
    if (run.commits != before) commit_times.push_back(t);
  }
  // The 0.3 BPM change is not committed.
  const auto in_4_to_8 = std::count_if(commit_times.begin(), commit_times.end(),
                                       [&](double t) { return t > c.start_us + 4.5e6 && t < c.start_us + 8e6; });
  CHECK(in_4_to_8 == 0);
  for (std::size_t i = 1; i < commit_times.size(); ++i) CHECK(commit_times[i] - commit_times[i - 1] >= 0.5e6 - 1e3);
  REQUIRE(run.follower.tempo());
  CHECK(*run.follower.tempo() == doctest::Approx(140.3).epsilon(0.2 / 140.0));
  CHECK(std::abs(run.session.tempo() - *run.follower.tempo()) <= 0.5);
  CHECK(commit_times.size() >= 5); // the ramp is followed in steps
}

TEST_CASE("follower: Start plays the session with the next tick on beat 0 of a bar; Stop stops it") {
  Run run;
  const double dt = interval_of(120.0);
  double t = 1e6;
  for (int i = 0; i < 48; ++i, t += dt) run.tick(t); // idle clock: the tempo only
  CHECK(!run.session.is_playing());
  run.bytes({0xFA}, t - dt / 2); // Start, half a tick before the next tick
  REQUIRE(run.count(midi::FollowEvent::Kind::start) == 1);
  CHECK(run.session.is_playing());
  CHECK(run.session.time_for_is_playing().count() == doctest::Approx(t).epsilon(1e-9));
  CHECK(run.session.beat_at_time(HostTime(std::llround(t)), 4.0) == doctest::Approx(0.0).epsilon(1e-6));
  for (int i = 0; i < 96; ++i, t += dt) run.tick(t); // a bar: tick 96 is beat 4
  // Within 0.5 ms (the phase tolerance) of the bar line.
  CHECK(std::abs(run.session.beat_at_time(HostTime(std::llround(t)), 4.0) - 4.0) < 0.001);
  const double stop_at = t - dt / 3;
  run.bytes({0xFC}, stop_at);
  CHECK(!run.session.is_playing());
  CHECK(run.session.time_for_is_playing().count() == std::llround(stop_at));
}

TEST_CASE("follower: a clock that only ticks while playing starts the session on its first tick") {
  Run run;
  const double dt = interval_of(140.0);
  double t = 5e6;
  run.bytes({0xFA}, t - 300.0);
  CHECK(!run.session.is_playing()); // no tick yet: no time to start at
  run.tick(t);
  CHECK(run.session.is_playing());
  CHECK(run.session.beat_at_time(HostTime(std::llround(t)), 4.0) == doctest::Approx(0.0).epsilon(1e-6));
  for (int i = 0; i < 24 * 8; ++i) run.tick(t += dt);
  CHECK(std::abs(run.session.tempo() - 140.0) < 0.01);
  CHECK(std::abs(run.session.beat_at_time(HostTime(std::llround(t)), 4.0) - 8.0) < 0.0012); // 0.5 ms
}

TEST_CASE("follower: Song Position + Continue places the session on that sixteenth") {
  Run run;
  const double dt = interval_of(120.0);
  double t = 1e6;
  for (int i = 0; i < 48; ++i, t += dt) run.tick(t);
  run.bytes({0xF2, 37, 0}, t - dt * 0.7); // sixteenth 37: beat 9.25
  run.bytes({0xFB}, t - dt * 0.5);
  REQUIRE(run.count(midi::FollowEvent::Kind::continue_) == 1);
  CHECK(run.session.is_playing());
  CHECK(run.session.beat_at_time(HostTime(std::llround(t)), 4.0) == doctest::Approx(9.25).epsilon(1e-6));
  for (int i = 0; i < 30; ++i, t += dt) run.tick(t);
  // Stop, then Continue without a new position: on from the tick after the last one.
  run.bytes({0xFC}, t - dt * 0.5);
  const double resume_beat = 9.25 + 30.0 / 24.0;
  for (int i = 0; i < 10; ++i, t += dt) run.tick(t); // idle ticks do not move the song
  run.bytes({0xFB}, t - dt * 0.5);
  CHECK(run.session.is_playing());
  CHECK(run.session.beat_at_time(HostTime(std::llround(t)), 4.0) == doctest::Approx(resume_beat).epsilon(1e-6));
}

TEST_CASE("follower: the phase stays locked under jitter and a tempo step") {
  std::mt19937 rng(11);
  Run run;
  Clock c;
  c.bpm = [](double t) { return t < 10.0 ? 120.0 : 130.0; };
  c.jitter = uniform_jitter(rng, 1000.0);
  c.run(20.0);
  run.bytes({0xFA}, c.stamped[0] - 2000.0);
  std::vector<double> phase_us;
  for (std::size_t i = 0; i < c.stamped.size(); ++i) {
    run.tick(c.stamped[i]);
    const double since = (c.ideal[i] - c.start_us) / 1e6;
    if ((since > 3.0 && since < 10.0) || since > 12.0) {
      // The clock's true beat i / 24 against the session's at the ideal time.
      const double beat = run.session.beat_at_time(HostTime(std::llround(c.ideal[i])), 4.0);
      phase_us.push_back(std::abs(beat - static_cast<double>(i) / 24.0) * 60e6 / run.session.tempo());
    }
  }
  MESSAGE("phase error, settled: p50 " << percentile(phase_us, 0.5) << " p99 " << percentile(phase_us, 0.99)
          << " max " << percentile(phase_us, 1.0) << " us; commits " << run.commits);
  CHECK(percentile(phase_us, 0.99) < 1000.0);
}

TEST_CASE("follower: a clock that stops ticking is lost, the tempo held; it is followed again when back") {
  Run run;
  double t = 1e6;
  for (int i = 0; i < 96; ++i, t += interval_of(120.0)) run.tick(t);
  run.update(t + 400e3);
  CHECK(run.follower.lost());
  CHECK(run.count(midi::FollowEvent::Kind::lost) == 1);
  CHECK(run.session.tempo() == doctest::Approx(120.0));
  t += 2e6;
  for (int i = 0; i < 96; ++i, t += interval_of(90.0)) run.tick(t);
  CHECK(!run.follower.lost());
  CHECK(run.count(midi::FollowEvent::Kind::back) == 1);
  CHECK(std::abs(run.session.tempo() - 90.0) < 0.01);
  const auto counts = run.follower.counts();
  CHECK(counts.ticks.too_slow == 0); // a pause is not a slow clock
}

TEST_CASE("follower: --offset-ms takes every time earlier") {
  midi::FollowOptions o;
  o.offset = HostTime(12'000);
  Run run(o);
  double t = 1e6;
  run.bytes({0xFA}, t - 500.0);
  run.tick(t);
  CHECK(run.session.time_for_is_playing().count() == std::llround(t) - 12'000);
}

TEST_CASE("follower: ticks that only arrive late (a stalled JACK server) continue the line; no realignment") {
  Run run;
  const double dt = interval_of(120.0);
  double t = 1e6;
  run.bytes({0xFA}, t - dt / 2);
  for (int i = 0; i < 96; ++i, t += dt) run.tick(t);
  // 400 ms pass with nothing handed over, then the ticks of that time come at
  // once, each with its own stamp.
  run.update(t + 400e3);
  CHECK(run.follower.lost());
  for (int i = 0; i < 20; ++i, t += dt) {
    run.follower.receive(kTick, HostTime(std::llround(t)));
  }
  run.update(t);
  CHECK(!run.follower.lost());
  CHECK(run.count(midi::FollowEvent::Kind::back) == 1);
  CHECK(run.follower.counts().ticks.restarts == 0);
  for (int i = 0; i < 48; ++i, t += dt) run.tick(t);
  // Tick 164 after Start is beat 164 / 24: the count went on through the stall.
  CHECK(std::abs(run.session.beat_at_time(HostTime(std::llround(t)), 4.0) - (96 + 20 + 48) / 24.0) < 0.001);
}

TEST_CASE("follower: a steady jittered clock, playing: no commit its jitter alone explains") {
  // 20 clocks of 60 s, +-1 ms uniform or 1 ms sd Gaussian jitter, the
  // session playing from Start. Once the window is full (8 s), the tempo is
  // not committed again, and the grid is moved only when it has really
  // drifted a whole tolerance (0.5 ms) from the clock's beats: a tempo
  // committed 0.001 BPM off does that in a minute, and no rule can keep the
  // beats within it and not commit. Before, the commits after 10 s were 82:
  // 4 standard errors of the line's newest point were crossed by the line's
  // own wobble.
  int late_tempo = 0, late_phase = 0, small_phase = 0;
  std::vector<double> phase_us, tempo_err;
  for (unsigned seed = 1; seed <= 20; ++seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<double> gauss(0.0, 1000.0);
    Run run;
    Clock c;
    if (seed % 2 == 0) c.jitter = uniform_jitter(rng, 1000.0);
    else c.jitter = [&] { return gauss(rng); };
    c.run(60.0);
    run.play(c, phase_us, [&] { tempo_err.push_back(std::abs(run.session.tempo() - 120.0)); });
    for (auto& e : run.events) {
      if (static_cast<double>(e.time.count()) < c.start_us + 10e6) continue;
      late_tempo += e.kind == midi::FollowEvent::Kind::tempo ? 1 : 0;
      if (e.kind != midi::FollowEvent::Kind::phase) continue;
      ++late_phase;
      small_phase += std::abs(e.phase_error_us) < 500.0 ? 1 : 0;
    }
  }
  MESSAGE("after 10 s, in 20 clocks: tempo commits " << late_tempo << ", phase commits " << late_phase << " ("
          << small_phase << " under 0.5 ms); from 2 s: beats p50 " << percentile(phase_us, 0.5) << " p99 "
          << percentile(phase_us, 0.99) << " us, session tempo p99 " << percentile(tempo_err, 0.99) << " BPM");
  CHECK(late_tempo == 0);
  CHECK(small_phase == 0);
  CHECK(late_phase <= 30); // one a run for half of them, a few twice
  CHECK(percentile(phase_us, 0.99) < 1000.0);
  CHECK(percentile(tempo_err, 0.99) < 0.02);
}
// The first ticks, on a line through a handful: before, 37 of 200 clocks saw
// a tempo change that was not there within their first beat.
TEST_CASE("estimator: Gaussian jitter (sd 1 ms) from the first tick: no false restart in 200 clocks") {
  int restarts = 0;
  for (unsigned seed = 1; seed <= 200; ++seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<double> gauss(0.0, 1000.0);
    Clock c;
    c.jitter = [&] { return gauss(rng); };
    c.run(5.0);
    midi::ClockEstimator e;
    for (double t : c.stamped)
      if (e.add(t).verdict == midi::ClockEstimator::Verdict::restarted)
        MESSAGE("seed " << seed << ": restart at tick " << e.last_index() << ", fit " << e.ticks_in_fit()
                << ", outliers " << e.counts().outliers << ", missing " << e.counts().missing);
    restarts += static_cast<int>(e.counts().restarts);
  }
  MESSAGE("false restarts in 200 clocks of 5 s: " << restarts);
  CHECK(restarts == 0);
}

// A clean clock as JACK hands it over: each tick on a frame at 48 kHz (a
// frame is 20.8 us), at a tempo whose beat is not a whole number of
// microseconds (Link keeps a tempo as whole microseconds a beat, so such a
// clock drifts from any grid Link can hold by up to 0.5 us a beat). The
// issue's goal: the clock's beats within 2 frames (41.7 us) of the session's.
TEST_CASE("follower: a clean clock on JACK's frames, playing: beats within 2 frames, few commits") {
  constexpr double kFrameUs = 1e6 / 48000.0;
  std::vector<double> phase_us;
  int late_commits = 0;
  // 120 BPM a few ppm fast or slow: 499996.5, 500000.45, 500002.7 us a beat...
  for (const double ppm : {7.0, -0.9, -5.4, 2.3, 11.1}) {
    Run run;
    Clock c;
    c.bpm = [ppm](double) { return 120.0 * (1.0 + ppm * 1e-6); };
    c.run(60.0);
    for (double& t : c.stamped) t = std::round(t / kFrameUs) * kFrameUs;
    run.play(c, phase_us, [] {});
    for (auto& e : run.events)
      if (static_cast<double>(e.time.count()) >= c.start_us + 10e6) ++late_commits;
  }
  MESSAGE("clean clocks on frames, from 2 s: beats p50 " << percentile(phase_us, 0.5) << " p99 "
          << percentile(phase_us, 0.99) << " max " << percentile(phase_us, 1.0) << " us; commits after 10 s in 5 clocks of 60 s: "
          << late_commits);
  CHECK(percentile(phase_us, 0.99) < 2.0 * kFrameUs);
  // Link's whole microseconds a beat: at most 0.5 us a beat of drift, so a
  // phase commit no more often than every 40 beats (20 s) once settled.
  CHECK(late_commits <= 2 * 5);
}

// The bench's stretch (bench/follow-timing: 30 s, judged from 2 s), the
// session starting elsewhere (100 BPM) so the tempo must be committed: a
// tempo committed early, from a short line, stayed until the estimate had
// left it by three of its (then smaller) standard errors, and 2-4 s after
// the first tick the session was 0.02 BPM off in some clocks (the bench:
// 0.0206 in two runs of 2026-12-07).
TEST_CASE("follower: +-1 ms uniform jitter, playing: the session's tempo within 0.02 BPM from 2 s (p99 over 50 clocks of 30 s)") {
  std::vector<double> tempo_err;
  int commits_after_10s = 0;
  for (unsigned seed = 1; seed <= 50; ++seed) {
    std::mt19937 rng(seed);
    Run run;
    Clock c;
    c.jitter = uniform_jitter(rng, 1000.0);
    c.run(30.0);
    for (std::size_t i = 0; i < c.stamped.size(); ++i) {
      if (i == 48) run.bytes({0xFA}, c.stamped[i] - 2000.0); // Start a second in, as the bench's source
      run.tick(c.stamped[i]);
      if (c.ideal[i] - c.start_us >= 2e6) tempo_err.push_back(std::abs(run.session.tempo() - 120.0));
    }
    for (auto& e : run.events)
      if (static_cast<double>(e.time.count()) >= c.start_us + 10e6 &&
          (e.kind == midi::FollowEvent::Kind::tempo || e.kind == midi::FollowEvent::Kind::phase))
        ++commits_after_10s;
  }
  MESSAGE("session tempo from 2 s: p50 " << percentile(tempo_err, 0.5) << " p99 " << percentile(tempo_err, 0.99)
          << " max " << percentile(tempo_err, 1.0) << " BPM; commits after 10 s in 50 clocks: " << commits_after_10s);
  CHECK(percentile(tempo_err, 0.99) < 0.02);
}
