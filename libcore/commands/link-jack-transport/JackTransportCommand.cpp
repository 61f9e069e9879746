#include "commands/link-jack-transport/JackTransportCommand.hpp"

#include "cli/LineOutput.hpp"
#include "cli/Signals.hpp"
#include "jack/Transport.hpp"
#include "playback/Playback.hpp"
#include "session/StatusReport.hpp"
#include "session/SyncedTransport.hpp"
#include "timeline/TimelineMath.hpp"

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <unistd.h>

namespace linktools {

namespace {

constexpr double kMaxTicksPerBeat = 1e6;

using jack_client::TransportEvent;

bool session_plays(const SessionState& state, std::optional<bool> hint) {
  return SyncedTransport(state, encode_hint(hint), std::nullopt).playing();
}

// What one transport change did, for the log: a JSON Lines object or a line of text.
struct Change {
  std::string event;  // start, stop, locate, tempo
  std::string source; // link: the session moved JACK; jack: a JACK client moved it
  HostTime time{0};   // when JACK's transport changed (Link time its first frame is heard)
  std::uint32_t frame = 0;
  double beat = 0.0;  // the session's beat then
  double tempo = 0.0;
  std::optional<HostTime> session_time; // source jack: when the session starts or stops
  bool session_changed = false;
};

std::string format_change(const Change& c, bool json) {
  if (json) {
    nlohmann::json j = {{"event", c.event}, {"source", c.source}, {"time_us", c.time.count()},
                        {"frame", c.frame}, {"beat", c.beat}, {"tempo", c.tempo}};
    if (c.source == "jack" && (c.event == "start" || c.event == "stop")) j["session_changed"] = c.session_changed;
    if (c.session_time) j["session_time_us"] = c.session_time->count();
    return j.dump();
  }
  if (c.event == "tempo")
    return fmt::format("JACK's timebase master at {:.3f} BPM: session tempo set", c.tempo);
  if (c.event == "locate")
    return fmt::format("JACK transport located to frame {} (the session's beat grid stays)", c.frame);
  const char* verb = c.event == "start" ? "started" : "stopped";
  if (c.source == "link")
    return fmt::format("session {}: JACK transport {} at frame {}, beat {:.2f}", verb, verb, c.frame, c.beat);
  return fmt::format("JACK transport {} at frame {}, beat {:.2f}: {}", verb, c.frame, c.beat,
                     c.session_changed ? fmt::format("session {}", verb)
                                       : fmt::format("session already {}", c.event == "start" ? "playing" : "stopped"));
}

// JACK's transport changes as they came, each logged; one a JACK client made
// (not we) reaches the session, at once or (--quantized) on the next bar.
// False when the log's reader left.
bool relay_transport_events(jack_client::TransportSync& jack, Session& session,
                            const JackTransportCommandOptions& options, std::optional<bool> hint,
                            LineOutput& out) {
  const double quantum = options.common.quantum;
  TransportEvent e;
  while (jack.pop_event(e)) {
    SessionState state = session.capture_app_state();
    Change c;
    c.time = e.time;
    c.frame = e.frame;
    c.beat = state.beat_at_time(e.time, quantum);
    c.tempo = state.tempo();
    c.event = e.kind == TransportEvent::Kind::rolled    ? "start"
              : e.kind == TransportEvent::Kind::stopped ? "stop"
                                                        : "locate";
    c.source = e.ours ? "link" : "jack";
    if (e.ours) c.session_time = e.session_time;
    if (!e.ours && e.kind != TransportEvent::Kind::located) {
      const bool start = e.kind == TransportEvent::Kind::rolled;
      if (session_plays(state, hint) != start) {
        HostTime at = e.time;
        if (options.quantized)
          at = state.time_at_beat(timeline::next_quantum_boundary(c.beat, quantum), quantum);
        jack.mark_own_session_change(at);
        state.set_is_playing(start, at);
        session.commit_app_state(state);
        c.session_changed = true;
        c.session_time = at;
      }
    }
    if (!out.write_line(format_change(c, options.common.json))) return false;
  }
  return true;
}

// The timebase master's tempo (--jack-leads), as soon as it differs from the
// session's by more than Link's own rounding; one outside Link's range is
// not taken, and said once. False when the log's reader left.
bool follow_jack_tempo(jack_client::TransportSync& jack, Session& session, double quantum, bool json,
                       bool& warned_range, LineOutput& out) {
  const auto bpm = jack.jack_tempo();
  if (!bpm) return true;
  SessionState state = session.capture_app_state();
  const bool in_range = *bpm >= timeline::kMinTempo && *bpm <= timeline::kMaxTempo;
  if (!in_range && !warned_range) {
    warn("link-jack-transport", fmt::format("JACK's timebase master says {} BPM, outside Link's {:g} to {:g}: "
                                            "the session keeps its tempo", *bpm, timeline::kMinTempo, timeline::kMaxTempo));
    warned_range = true;
  }
  if (in_range && std::abs(state.tempo() - *bpm) > 1e-3) {
    const HostTime now = session.now();
    state.set_tempo(*bpm, now);
    session.commit_app_state(state);
    Change c;
    c.event = "tempo";
    c.source = "jack";
    c.time = now;
    c.frame = jack.position().frame;
    c.beat = state.beat_at_time(now, quantum);
    c.tempo = *bpm;
    if (!out.write_line(format_change(c, json))) return false;
  }
  if (in_range) warned_range = false;
  return true;
}

} // namespace

std::unique_ptr<CLI::App> make_jack_transport_app(JackTransportCommandOptions& options) {
  auto app = make_app("link-jack-transport",
                      "Lock JACK's transport and timebase to the Ableton Link session: bar, beat,\n"
                      "tick and tempo of every cycle from the session's beat grid, and start/stop\n"
                      "both ways.");
  add_common_options(*app, options.common, kQuantumFlag | kJsonFlag | kTimeoutFlag | kPeersFlag);
  app->add_option("-n,--name", options.name, "The JACK client's name");
  auto* force = app->add_flag("--force", options.force, "Become timebase master even if another client is");
  auto* jack_leads = app->add_flag("--jack-leads", options.jack_leads,
                                   "Another client is timebase master: the session follows its tempo");
  jack_leads->excludes(force);
  app->add_flag("--never-back", options.never_back,
                "Never step the position back: hold it until the grid catches up")
      ->excludes(jack_leads);
  app->add_flag("--quantized", options.quantized,
                "A start or stop by a JACK client reaches the session on the next bar");
  app->add_option("--beat-type", options.beat_type, "The note a beat is (JACK's beat_type): 1..64");
  app->add_option("--ticks-per-beat", options.ticks_per_beat, "Ticks in a beat (JACK's ticks_per_beat)");
  app->add_flag("--quiet", options.quiet, "No live status line on a terminal");
  return app;
}

void validate(const JackTransportCommandOptions& options) {
  validate(options.common);
  bool power_of_two = false;
  for (double v = 1.0; v <= 64.0; v *= 2.0) power_of_two = power_of_two || options.beat_type == v;
  if (!power_of_two)
    throw bad_input("--beat-type", fmt::format("expected 1, 2, 4, 8, 16, 32 or 64, got {}", options.beat_type));
  if (!std::isfinite(options.ticks_per_beat) || options.ticks_per_beat < 1.0 ||
      options.ticks_per_beat > kMaxTicksPerBeat || options.ticks_per_beat != std::floor(options.ticks_per_beat))
    throw bad_input("--ticks-per-beat", fmt::format("expected a whole number from 1 to {:.0f}, got {}",
                                                    kMaxTicksPerBeat, options.ticks_per_beat));
  if (options.name.empty() || options.name.size() > kMaxJackClientName)
    throw bad_input("--name", fmt::format("expected 1 to {} characters, got {}", kMaxJackClientName,
                                          options.name.size()));
}

ExitCode run_jack_transport(const JackTransportCommandOptions& options) {
  validate(options);
  const double quantum = options.common.quantum;

  // JACK first: no server, or another timebase master, ends the run
  // before we show ourselves in the session.
  PlayingSession playing(true);
  Session& session = playing.session();
  jack_client::TransportOptions jack_options;
  jack_options.client_name = options.name;
  jack_options.quantum = quantum;
  jack_options.beat_type = options.beat_type;
  jack_options.ticks_per_beat = options.ticks_per_beat;
  jack_options.force = options.force;
  jack_options.jack_leads = options.jack_leads;
  jack_options.never_back = options.never_back;
  jack_client::TransportSync jack(session, jack_options);
  for (const auto& line : jack.warnings()) warn("link-jack-transport", line);

  if (!playing.join(options.common)) return ExitCode::ok;
  jack.set_transport_hint(playing.transport_hint());
  jack.follow();

  const bool live = !options.quiet && is_terminal(STDERR_FILENO);
  LineOutput out(stdout);
  LineOutput status(stderr);
  auto seen = session.change_count();
  auto next_draw = std::chrono::steady_clock::now();
  bool warned_range = false;
  while (!stop_requested()) {
    seen = session.wait_for_change(seen, std::chrono::milliseconds(10));
    if (out.reader_gone()) break; // `| head -n 1`: the log's reader left
    const std::optional<bool> hint = playing.transport_hint();
    jack.set_transport_hint(hint);
    if (auto broke = jack.failure()) throw failure(fmt::format("JACK client {}", jack.client_name()), *broke);

    if (!relay_transport_events(jack, session, options, hint, out)) return ExitCode::ok; // the reader left
    if (!follow_jack_tempo(jack, session, quantum, options.common.json, warned_range, out)) return ExitCode::ok;

    if (live && std::chrono::steady_clock::now() >= next_draw) {
      next_draw += std::chrono::milliseconds(50);
      const auto p = jack.position();
      std::string line = format_live_line(capture_status(session, quantum, &playing.transport()));
      line += fmt::format(" | JACK {}", p.rolling ? "rolling" : "stopped");
      if (p.has_bbt) line += fmt::format(" {}|{}|{:04}", p.bar, p.beat, p.tick);
      status.redraw(line);
    }
  }
  if (live) status.finish_live();
  return ExitCode::ok;
}

} // namespace linktools
