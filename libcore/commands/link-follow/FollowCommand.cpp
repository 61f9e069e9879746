#include "commands/link-follow/FollowCommand.hpp"

#include "cli/LineOutput.hpp"
#include "cli/Signals.hpp"
#include "playback/Playback.hpp"
#include "session/StatusReport.hpp"

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <unistd.h>

namespace linktools {

namespace {

constexpr double kMaxOffsetMs = 1000.0;
constexpr double kMinResolution = 0.001, kMaxResolution = 10.0;
constexpr double kMinCommits = 0.1, kMaxCommits = 100.0;
constexpr const char* kTool = "link-follow";

std::string event_line(const midi::FollowEvent& e, bool json) {
  using Kind = midi::FollowEvent::Kind;
  if (json) {
    nlohmann::json j = {{"event", midi::kind_name(e.kind)}, {"time_us", e.time.count()},
                        {"tempo", e.tempo}, {"beat", e.beat}};
    if (e.kind == Kind::tempo || e.kind == Kind::phase) {
      j["estimate_error"] = e.estimate_error;
      j["phase_error_us"] = e.phase_error_us;
    }
    return j.dump();
  }
  switch (e.kind) {
  case Kind::tempo: return fmt::format("tempo {:.3f} BPM (estimate +-{:.3f})", e.tempo, e.estimate_error);
  case Kind::phase: return fmt::format("beat grid moved {:.0f} us to the clock's beats", -e.phase_error_us);
  case Kind::start: return fmt::format("start: the session plays, beat {:.2f} at the first tick", e.beat);
  case Kind::continue_: return fmt::format("continue: the session plays from beat {:.2f}", e.beat);
  case Kind::stop: return fmt::format("stop: the session stops at beat {:.2f}", e.beat);
  case Kind::lost: return fmt::format("clock lost: the session keeps {:.3f} BPM", e.tempo);
  case Kind::back: return "clock back: following it again";
  }
  return {};
}

nlohmann::json counts_json(const midi::FollowCounts& c, std::uint64_t lost, std::uint64_t unreadable) {
  return {{"ticks", c.ticks.taken},
          {"commits", c.commits},
          {"ignored",
           {{"too_fast", c.ticks.too_fast},
            {"too_slow", c.ticks.too_slow},
            {"outliers", c.ticks.outliers},
            {"sysex", c.input.sysex},
            {"running_status", c.input.running_status},
            {"other_messages", c.input.other_messages},
            {"stray_bytes", c.input.stray_bytes},
            {"undefined", c.input.undefined},
            {"unreadable_lines", unreadable}}},
          {"missing_ticks", c.ticks.missing},
          {"tempo_changes_seen", c.ticks.restarts},
          {"lost_before_reading", lost}};
}

std::string counts_text(const nlohmann::json& j) {
  std::string ignored;
  for (const auto& [key, value] : j["ignored"].items())
    if (value.get<std::uint64_t>() > 0) ignored += fmt::format("{}{} {}", ignored.empty() ? "" : ", ", value.get<std::uint64_t>(), key);
  return fmt::format("{} ticks, {} commits, {} missing ticks; ignored: {}", j["ticks"].get<std::uint64_t>(),
                     j["commits"].get<std::uint64_t>(), j["missing_ticks"].get<std::uint64_t>(),
                     ignored.empty() ? "nothing" : ignored);
}

} // namespace

std::unique_ptr<CLI::App> make_follow_app(FollowCommandOptions& options) {
  auto app = make_app(kTool,
                      "Let an external MIDI clock lead the Ableton Link session: its tempo, its beats\n"
                      "and bars, and its Start/Stop/Continue become the session's.");
  add_common_options(*app, options.common, kQuantumFlag | kJsonFlag | kTimeoutFlag | kPeersFlag);
  app->add_option("-b,--backend", options.backend,
                  "MIDI input: auto (JACK if a server runs, else ALSA), jack, alsa or jsonl (standard input)");
  app->add_flag("-l,--list", options.list, "List the MIDI ports --connect can name, then exit");
  app->add_option("-c,--connect", options.connect,
                  "Take MIDI from this port (JACK: client:port name; ALSA: client:port or name)");
  app->add_option("-n,--name", options.name, "Client name for JACK or ALSA");
  app->add_option("-p,--port", options.port, "Name of our MIDI input port (JACK or ALSA)");
  app->add_option("--offset-ms", options.offset_ms,
                  "The device's clock comes this late: its beats are taken this much earlier "
                  "(negative: later), -1000..1000");
  app->add_option("--tempo-resolution", options.tempo_resolution,
                  "Change the session's tempo only when the estimate moves by more than this (BPM), "
                  "0.001..10");
  app->add_option("--max-commits", options.max_commits,
                  "Change the session's tempo or beat grid at most this often a second, 0.1..100");
  app->add_flag("--quiet", options.quiet, "No live status line on a terminal");
  return app;
}

void validate(const FollowCommandOptions& options) {
  validate(options.common);
  const auto backend = midi::parse_backend(options.backend);
  if (!backend)
    throw bad_input("--backend", fmt::format("expected auto, jack, alsa or jsonl, got '{}'", options.backend));
  if (options.name.empty()) throw bad_input("--name", "expected a non-empty client name");
  if (options.port.empty() || options.port.find(':') != std::string::npos)
    throw bad_input("--port", fmt::format("expected a port name without ':', got '{}'", options.port));
  if (options.connect && *backend == midi::Backend::jsonl)
    throw bad_input("--connect", "the jsonl backend reads standard input and has no ports to connect");
  if (!std::isfinite(options.offset_ms) || std::abs(options.offset_ms) > kMaxOffsetMs)
    throw bad_input("--offset-ms", fmt::format("expected milliseconds in -1000..1000, got {}", options.offset_ms));
  if (!(options.tempo_resolution >= kMinResolution && options.tempo_resolution <= kMaxResolution))
    throw bad_input("--tempo-resolution",
                    fmt::format("expected BPM in {}..{}, got {}", kMinResolution, kMaxResolution, options.tempo_resolution));
  if (!(options.max_commits >= kMinCommits && options.max_commits <= kMaxCommits))
    throw bad_input("--max-commits",
                    fmt::format("expected a rate in {}..{} a second, got {}", kMinCommits, kMaxCommits, options.max_commits));
}

midi::InputOptions input_options(const FollowCommandOptions& options) {
  midi::InputOptions in;
  in.backend = *midi::parse_backend(options.backend);
  in.client_name = options.name;
  in.port_name = options.port;
  in.connect = options.connect;
  return in;
}

midi::FollowOptions follow_options(const FollowCommandOptions& options) {
  midi::FollowOptions f;
  f.quantum = options.common.quantum;
  f.tempo_resolution = options.tempo_resolution;
  f.max_commits_per_s = options.max_commits;
  f.offset = HostTime(std::llround(options.offset_ms * 1000.0));
  return f;
}

ExitCode run_follow(const FollowCommandOptions& options) {
  validate(options);
  const auto in_options = input_options(options);
  if (options.list) {
    if (in_options.backend == midi::Backend::jsonl) {
      fmt::print(stderr, "{}: the jsonl backend has no ports; it reads standard input\n", kTool);
      return ExitCode::ok;
    }
    for (const auto& port : midi::list_sources(in_options)) fmt::print("{}\t{}\n", port.name, port.description);
    return ExitCode::ok;
  }

  // The input first: a port that does not exist ends the run before we join.
  auto input = midi::open_input(in_options);
  for (const auto& line : input->warnings()) warn(kTool, line);

  PlayingSession playing(true);
  if (!playing.join(options.common)) return ExitCode::ok;
  Session& session = playing.session();
  midi::ClockFollower follower(follow_options(options));
  input->start(session);

  const bool live = !options.quiet && is_terminal(STDERR_FILENO);
  LineOutput out(stdout);
  LineOutput status(stderr);
  std::vector<midi::Received> batch;
  auto next_draw = std::chrono::steady_clock::now();
  bool more = true;
  while (more && !stop_requested()) {
    batch.clear();
    more = input->read(batch, std::chrono::milliseconds(5));
    for (const auto& r : batch) follower.receive(r.bytes, r.time);
    for (const auto& line : input->take_problems()) warn(kTool, line);
    if (auto broke = input->failure()) throw failure(input->description(), *broke);

    SessionState state = session.capture_app_state();
    if (follower.update(state, session.now())) session.commit_app_state(state);
    for (const auto& e : follower.take_events())
      if (!out.write_line(event_line(e, options.common.json))) return ExitCode::ok; // the reader left
    if (out.reader_gone()) return ExitCode::ok;

    if (live && std::chrono::steady_clock::now() >= next_draw) {
      next_draw += std::chrono::milliseconds(50);
      std::string line = format_live_line(capture_status(session, options.common.quantum, &playing.transport()));
      if (follower.lost())
        line += " | clock lost";
      else if (const auto bpm = follower.tempo())
        line += fmt::format(" | clock {:.3f} BPM, {} ticks", *bpm, follower.counts().ticks.taken);
      else
        line += " | waiting for clock";
      status.redraw(line);
    }
  }
  if (live) status.finish_live();
  // The session stays as the clock left it: nothing is undone on the way out.
  const auto summary = counts_json(follower.counts(), input->lost(), input->unreadable());
  if (options.common.json) {
    nlohmann::json j = {{"event", "end"}, {"time_us", session.now().count()}};
    j.update(summary);
    out.write_line(j.dump());
  } else {
    out.write_line(counts_text(summary));
  }
  return ExitCode::ok;
}

} // namespace linktools
