// bench/follow-timing's clock source: MIDI clock on a JACK MIDI port with
// the faults a real device has, scheduled in Link's clock (real time), each
// tick written at the frame where that cycle's JACK times put it, and a log
// of where every tick should have been and where it went, in Link's time.
//   follow-clock-gen --connect PORT --log FILE [--bpm B] [--seconds S]
//     [--jitter-us J] [--gauss] [--drift-ppm P] [--step-at S --step-bpm B]
//     [--drop-every N] [--start-after S]
// Jitter: uniform in [-J, J] us, or Gaussian with sd J (--gauss). Drift: the
// device's crystal runs P ppm fast (every interval shorter). A step changes
// the tempo at S seconds. --drop-every N leaves out every Nth tick. Start
// goes out with the first tick after --start-after seconds.
// Why Link's clock and not JACK's frames: the dummy driver's frames do not
// come at 48 kHz of real time; a schedule in frames wandered with them
// (bench/RESULTS.md, 2026-12-07 04:12), so the "true" tempo the session was
// judged against moved with JACK. Here tick i is due at ORIGIN + its ideal
// time in microseconds, ORIGIN a Link time fixed at the first cycle, and
// each cycle turns the ticks due within it into frames through the cycle's
// own times (jack_client::cycle_times), as any JACK client that plays to
// Link's clock does. What link-follow sees is then the source's true tempo
// in real time, read through its own stamps of JACK's frames.
// The log: a line per tick, "INDEX IDEAL_US SENT_US BEAT DROPPED", INDEX
// from the first tick, BEAT the tick's beat from Start (-1 before it), times
// in Link's clock (IDEAL_US exact; SENT_US where its frame lies by the
// cycle's times: the jitter, a frame's rounding, and lateness if the cycle
// that should have carried it came too late).
// Run it only inside scripts/netns: it opens a Link session to read the clock.
#include "cli/Errors.hpp"
#include "cli/Signals.hpp"
#include "jack/JackClient.hpp"
#include "jack/SpscRing.hpp"
#include "session/Session.hpp"

#include <CLI/CLI.hpp>
#include <fmt/core.h>
#include <jack/jack.h>
#include <jack/midiport.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <random>
#include <thread>
#include <vector>

using namespace linktools;

namespace {

struct Tick {
  double ideal_us = 0.0; // from the schedule's origin, in Link's clock
  double sent_us = 0.0;  // with jitter
  bool start = false;       // MIDI Start goes out just before it
  bool dropped = false;
  double beat = -1.0;
};

struct Logged {
  std::int64_t index;
  double ideal_us;
  double sent_us;
  double beat;
  bool dropped;
};

struct Generator {
  jack_client::ClientPtr client;
  jack_port_t* port = nullptr;
  Session* session = nullptr;
  std::vector<Tick> ticks;
  std::size_t next = 0;
  std::atomic<bool> running{false};
  bool have_origin = false;
  double origin_us = 0.0; // Link time of the schedule's 0
  ClockOffset offset;
  jack_client::CycleClock cycle_clock;
  jack_client::SpscRing<Logged, 65536> ring;
  std::atomic<std::uint64_t> lost{0};

  int process(jack_nframes_t nframes) {
    void* buffer = jack_port_get_buffer(port, nframes);
    jack_midi_clear_buffer(buffer);
    jack_client::CycleTimes times;
    const bool timed = jack_client::cycle_times(client.get(), *session, offset, cycle_clock, nframes, 0, times);
    if (!running.load(std::memory_order_acquire) || !timed) return 0;
    const double end_us = times.start_us + nframes * times.us_per_frame;
    if (!have_origin) {
      origin_us = end_us + times.us_per_frame * nframes; // a cycle ahead: nothing is due before it
      have_origin = true;
      return 0;
    }
    jack_nframes_t last_frame = 0;
    while (next < ticks.size()) {
      const Tick& t = ticks[next];
      const double due = origin_us + t.sent_us;
      if (due >= end_us) break;
      // A tick due before this cycle (the cycle came late: an xrun) goes
      // out on its first frame, late, as a device's would.
      const double at = std::round((due - times.start_us) / times.us_per_frame);
      const auto frame = std::max(last_frame, static_cast<jack_nframes_t>(std::clamp(at, 0.0, nframes - 1.0)));
      if (!t.dropped) {
        if (t.start) {
          const std::uint8_t start = 0xFA;
          jack_midi_event_write(buffer, frame, &start, 1);
        }
        const std::uint8_t tick = 0xF8;
        jack_midi_event_write(buffer, frame, &tick, 1);
      }
      last_frame = frame;
      Logged l{static_cast<std::int64_t>(next), origin_us + t.ideal_us, times.start_us + frame * times.us_per_frame,
               t.beat, t.dropped};
      if (!ring.push(l)) lost.fetch_add(1);
      ++next;
    }
    return 0;
  }
};

} // namespace

int main(int argc, char** argv) {
  CLI::App app{"bench/follow-timing's MIDI clock source"};
  std::string connect, log_path;
  double bpm = 120, seconds = 30, jitter_us = 0, drift_ppm = 0, step_at = -1, step_bpm = 0, start_after = 1;
  bool gauss = false;
  int drop_every = 0;
  unsigned seed = 1;
  app.add_option("--connect", connect)->required();
  app.add_option("--log", log_path)->required();
  app.add_option("--bpm", bpm);
  app.add_option("--seconds", seconds);
  app.add_option("--jitter-us", jitter_us);
  app.add_flag("--gauss", gauss);
  app.add_option("--drift-ppm", drift_ppm);
  app.add_option("--step-at", step_at);
  app.add_option("--step-bpm", step_bpm);
  app.add_option("--drop-every", drop_every);
  app.add_option("--start-after", start_after);
  app.add_option("--seed", seed);
  CLI11_PARSE(app, argc, argv);
  install_stop_signals();
  try {
    Session session;
    Generator g;
    g.session = &session;
    g.client = jack_client::open_client("follow-clock-gen", "");
    // The schedule, in microseconds of real time: the device's crystal
    // `drift_ppm` fast.
    std::mt19937 rng(seed);
    std::uniform_real_distribution<double> uniform(-jitter_us, jitter_us);
    std::normal_distribution<double> normal(0.0, jitter_us > 0 ? jitter_us : 1.0);
    double t_us = 0.0;
    std::int64_t since_start = -1;
    while (t_us < seconds * 1e6) {
      const double t_s = t_us / 1e6;
      const double tempo = step_at >= 0 && t_s >= step_at ? step_bpm : bpm;
      Tick t;
      t.ideal_us = t_us;
      const double jitter = jitter_us == 0 ? 0.0 : gauss ? normal(rng) : uniform(rng);
      // Sent times never go back (Gaussian jitter near a neighbour).
      t.sent_us = std::max(0.0, t_us + jitter);
      if (!g.ticks.empty()) t.sent_us = std::max(t.sent_us, g.ticks.back().sent_us);
      if (since_start < 0 && t_s >= start_after) {
        t.start = true;
        since_start = 0;
      }
      if (since_start >= 0) t.beat = static_cast<double>(since_start++) / 24.0;
      t.dropped = drop_every > 0 && g.ticks.size() % static_cast<std::size_t>(drop_every) == static_cast<std::size_t>(drop_every - 1) && !t.start;
      g.ticks.push_back(t);
      t_us += 60e6 / (tempo * 24.0) / (1.0 + drift_ppm * 1e-6);
    }
    g.port = jack_port_register(g.client.get(), "out", JACK_DEFAULT_MIDI_TYPE, JackPortIsOutput, 0);
    jack_set_process_callback(g.client.get(), [](jack_nframes_t n, void* self) { return static_cast<Generator*>(self)->process(n); }, &g);
    if (jack_activate(g.client.get()) != 0) throw failure("JACK", "cannot activate");
    if (jack_connect(g.client.get(), jack_port_name(g.port), connect.c_str()) != 0)
      throw failure("--connect " + connect, "JACK refused the connection");
    // A second for the clock offset to settle before the first tick.
    std::this_thread::sleep_for(std::chrono::seconds(1));
    g.running.store(true, std::memory_order_release);
    std::FILE* log = std::fopen(log_path.c_str(), "w");
    if (!log) throw failure("--log " + log_path, "cannot open");
    std::size_t written = 0;
    while (!stop_requested() && written < g.ticks.size()) {
      Logged l;
      while (g.ring.pop(l)) {
        fmt::print(log, "{} {:.1f} {:.1f} {:.6f} {}\n", l.index, l.ideal_us, l.sent_us, l.beat, l.dropped ? 1 : 0);
        ++written;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    std::fclose(log);
    jack_deactivate(g.client.get());
    if (g.lost.load() > 0) fmt::print(stderr, "follow-clock-gen: {} ticks not logged\n", g.lost.load());
    return 0;
  } catch (const ToolError& e) {
    fmt::print(stderr, "follow-clock-gen: error: {}\n", e.what());
    return 1;
  }
}
