// What one output window costs the sequence player, for sequences of
// different lengths: the player should find events by position, so the cost
// of a window must not grow with the file.
//
// For each length it builds a sequence in memory (four tracks, a note or a
// controller every sixteenth), then renders 256-frame windows (5.333 ms at
// 48 kHz, what the JACK backend asks for) at 120 BPM through a sink that
// only counts, starting at the sequence's start, its middle and near its end
// (a start far into the sequence needs a seek). Prints the time per window:
// p50, p99 and max in nanoseconds. Runs no network: a detached session state.
//   build/bin/seq-render [WINDOWS]     (default 20000 windows per run)
#include "sequence/SequencePlayer.hpp"
#include "sequence/Sequence.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <vector>

using namespace linktools;

namespace {

struct Counter final : midi::EventSink {
  std::uint64_t count = 0;
  void emit(const midi::Event&) noexcept override { ++count; }
};

sequence::Sequence make_sequence(std::size_t events) {
  sequence::Sequence s;
  for (int t = 0; t < 4; ++t) s.tracks.push_back(sequence::Track{"", t + 1});
  s.events.reserve(events);
  for (std::size_t i = 0; i < events; ++i) {
    sequence::Event e;
    const auto track = static_cast<std::uint32_t>(i % 4);
    e.beat = static_cast<double>(i / 4) * 0.25;
    e.track = track;
    e.index = static_cast<std::uint32_t>(i / 4);
    if (i % 7 == 3) {
      e.kind = sequence::EventKind::control_change;
      e.message = midi::control_change(static_cast<int>(track) + 1, 74, static_cast<int>(i % 128));
    } else {
      e.kind = sequence::EventKind::note;
      e.duration = 0.2;
      e.message = midi::note_on(static_cast<int>(track) + 1, 36 + static_cast<int>(i % 48), 100);
    }
    s.events.push_back(e);
  }
  sequence::sort_events(s);
  return s;
}

// Renders `windows` windows from `start_beat` of the session; returns the
// nanoseconds each took.
std::vector<double> run(const sequence::Sequence& s, double start_beat, int windows,
                        std::uint64_t& sent) {
  using Clock = std::chrono::steady_clock;
  constexpr HostTime kT0{std::chrono::seconds(1000)};
  constexpr double kBpm = 120.0;
  const auto state = SessionState::detached(kBpm, kT0);
  SequencePlayerOptions options;
  options.loop = true;
  SequencePlayer player(s, options);
  Counter sink;
  const HostTime window{5333};
  std::vector<double> ns;
  ns.reserve(static_cast<std::size_t>(windows));
  // The first window starts playing on beat 0. The next ones begin
  // `start_beat` later: the player finds itself far behind and seeks, as
  // after a stalled output, so the run plays from the middle of the file.
  player.render(state, kT0, kT0 + window, sink);
  HostTime t = kT0 + HostTime(static_cast<HostTime::rep>(start_beat * 60e6 / kBpm));
  for (int i = 0; i < windows; ++i, t += window) {
    const auto a = Clock::now();
    player.render(state, t, t + window, sink);
    const auto b = Clock::now();
    ns.push_back(std::chrono::duration<double, std::nano>(b - a).count());
  }
  sent = sink.count;
  return ns;
}

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  const auto rank = static_cast<std::size_t>(std::max(1.0, p * static_cast<double>(v.size()) + 0.999999));
  return v[std::min(rank, v.size()) - 1];
}

} // namespace

int main(int argc, char** argv) {
  const int windows = argc > 1 ? std::atoi(argv[1]) : 20000;
  fmt::print("{:>9} {:>8} {:>8} {:>9} {:>9} {:>9} {:>8}\n", "events", "start", "windows",
             "p50 ns", "p99 ns", "max ns", "sent");
  for (const std::size_t n : {std::size_t{1000}, std::size_t{100000}, std::size_t{1000000}}) {
    const auto s = make_sequence(n);
    const double length = sequence::loop_length(s, 4.0);
    for (const double where : {0.0, 0.5, 0.9}) {
      // Start on a bar line inside the sequence.
      const double start = std::floor(length * where / 4.0) * 4.0;
      std::uint64_t sent = 0;
      const auto ns = run(s, start, windows, sent);
      fmt::print("{:>9} {:>8g} {:>8} {:>9.0f} {:>9.0f} {:>9.0f} {:>8}\n", n, start, windows,
                 percentile(ns, 0.5), percentile(ns, 0.99), percentile(ns, 1.0), sent);
    }
  }
}
