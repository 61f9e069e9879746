// transport-receiver: joins the Link session as one more peer, reads JACK's
// transport in every process cycle and reports how far each rolling cycle's
// bar, beat and tick lie from its own view of the session's beat grid, the
// bar jumps, the steps back and how late the transport started
// (bench/jack-transport-timing/run; measure/TransportTiming.hpp says how).
#include "TransportReceiver.hpp"

#include "CycleInput.hpp"
#include "cli/Signals.hpp"
#include "session/Join.hpp"
#include "session/Session.hpp"

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <thread>

namespace linktools::bench {

namespace {

constexpr std::chrono::milliseconds kCollectWait(10);

double tidy(double v) { return std::round(v * 100.0) / 100.0; }

struct Report {
  TransportSummary s;
  CycleFacts facts;
  double measured_s = 0.0;
  const TransportOptions* options = nullptr;
  std::size_t peers = 0;
  double frames_per_us() const { return facts.sample_rate / 1e6; }
};

nlohmann::json figures_json(const ErrorFigures& f, double frames_per_us) {
  if (f.count == 0) return {{"count", 0}};
  return {{"count", f.count},
          {"p50_us", tidy(f.p50_us)},
          {"p99_us", tidy(f.p99_us)},
          {"max_us", tidy(f.max_us)},
          {"mean_us", tidy(f.mean_us)},
          {"p50_frames", tidy(f.p50_us * frames_per_us)},
          {"p99_frames", tidy(f.p99_us * frames_per_us)},
          {"max_frames", tidy(f.max_us * frames_per_us)}};
}

nlohmann::json to_json(const Report& r) {
  const TransportSummary& s = r.s;
  const double fpu = r.frames_per_us();
  nlohmann::json j = figures_json(s.all, fpu);
  j["cycles"] = s.cycles;
  j["sample_rate"] = r.facts.sample_rate;
  j["period"] = r.facts.period;
  j["latency_frames"] = r.facts.latency_frames;
  j["peers"] = r.peers;
  j["measured_s"] = std::round(r.measured_s * 1000.0) / 1000.0;
  j["tick_double_cycles"] = r.facts.tick_double;
  j["runs"] = s.runs;
  j["offset_bars"] = s.offset_bars;
  j["without_bbt"] = s.without_bbt;
  j["lost"] = r.facts.lost;
  j["tempo_changes"] = s.tempo_changes;
  j["change_window_ms"] = r.options->change_window_ms;
  j["cycles_after_changes"] = s.cycles_after_changes;
  j["outside_changes"] = figures_json(s.outside_changes, fpu);
  j["xruns"] = r.facts.xruns;
  j["xrun_window_ms"] = r.options->xrun_window_ms;
  j["near_xruns"] = s.near_xruns;
  j["away_from_xruns"] = figures_json(s.away_from_xruns, fpu);
  j["bar_jumps"] = s.bar_jumps;
  auto jumps = nlohmann::json::array();
  for (const BarJump& b : s.bar_jump_list)
    jumps.push_back({{"time_us", b.time_us}, {"from_bar", b.from_bar}, {"to_bar", b.to_bar},
                     {"from_beats", b.from_beats}, {"to_beats", b.to_beats}});
  j["bar_jump_list"] = jumps;
  j["steps_back"] = s.steps_back;
  auto backs = nlohmann::json::array();
  for (const StepBack& b : s.step_back_list)
    backs.push_back({{"time_us", b.time_us}, {"beats", b.beats},
                     {"since_change_ms", std::isfinite(b.since_change_us) ? nlohmann::json(tidy(b.since_change_us / 1000.0))
                                                                         : nlohmann::json(nullptr)}});
  j["step_back_list"] = backs;
  auto starts = nlohmann::json::array();
  for (const TransportStart& st : s.starts)
    starts.push_back({{"session_start_us", st.session_start_us}, {"late_us", tidy(st.late_us)},
                      {"late_cycles", tidy(st.late_cycles)}, {"frame", st.frame},
                      {"heard_after_us", tidy(st.heard_us - st.session_start_us)},
                      {"frame_error", tidy(st.frame_error)}});
  j["starts"] = starts;
  return j;
}

std::string figures_text(const ErrorFigures& f, double fpu) {
  if (f.count == 0) return "-";
  return fmt::format("p50 {:.1f} us ({:.2f} frames)   p99 {:.1f} us ({:.2f} frames)   max {:.1f} us ({:.2f} "
                     "frames)   mean {:+.1f} us",
                     f.p50_us, f.p50_us * fpu, f.p99_us, f.p99_us * fpu, f.max_us, f.max_us * fpu, f.mean_us);
}

std::string to_text(const Report& r) {
  const TransportSummary& s = r.s;
  const double fpu = r.frames_per_us();
  std::string out = fmt::format(
      "{} rolling cycles in {:.1f} s ({} runs); JACK at {} Hz, period {} frames, latency {} frames; {} peers\n",
      s.cycles, r.measured_s, s.runs, r.facts.sample_rate, r.facts.period, r.facts.latency_frames, r.peers);
  out += fmt::format("positions with tick_double: {} cycles; bar 1 is {:+g} bars from the grid's beat 0\n",
                     r.facts.tick_double, s.offset_bars);
  out += fmt::format("|error|  {}\n", figures_text(s.all, fpu));
  out += fmt::format("outside the {:g} ms after a change ({} changes, {} cycles inside): {}\n",
                     r.options->change_window_ms, s.tempo_changes, s.cycles_after_changes,
                     figures_text(s.outside_changes, fpu));
  out += fmt::format("away from xruns ({} xruns, {} cycles within {:g} ms): {}\n", r.facts.xruns, s.near_xruns,
                     r.options->xrun_window_ms, figures_text(s.away_from_xruns, fpu));
  out += fmt::format("bar jumps {}   steps back {}   rolling cycles without BBT {}   lost {}\n", s.bar_jumps,
                     s.steps_back, s.without_bbt, r.facts.lost);
  for (const BarJump& b : s.bar_jump_list)
    out += fmt::format("  bar jump at {:.0f} us: bar {} -> {} ({:.4f} -> {:.4f} beats)\n", b.time_us, b.from_bar,
                       b.to_bar, b.from_beats, b.to_beats);
  for (const StepBack& b : s.step_back_list)
    out += fmt::format("  step back at {:.0f} us: {:.5f} beats, {:.1f} ms after a change\n", b.time_us, b.beats,
                       b.since_change_us / 1000.0);
  for (const TransportStart& st : s.starts)
    out += fmt::format("start: first rolling cycle {:.1f} us ({:.2f} cycles) after the session's start time; "
                       "frame {} ({:+.1f} frames from the frame rule); this receiver heard of the start {:.1f} us after its time\n",
                       st.late_us, st.late_cycles, st.frame, st.frame_error, st.heard_us - st.session_start_us);
  return out;
}

void write_log(const std::string& path, const std::vector<CycleSample>& samples) {
  std::FILE* f = std::fopen(path.c_str(), "w");
  if (!f) throw bad_input("--log " + path, std::strerror(errno));
  for (const CycleSample& s : samples)
    fmt::print(f,
               "{{\"cycle\":{},\"time_us\":{:.1f},\"rolling\":{},\"bbt\":{},\"bar\":{},\"beat\":{},\"tick\":{:.3f},"
               "\"bpm\":{:.4f},\"frame\":{},\"grid_beat\":{:.6f},\"count\":{:.6f},\"tempo\":{:.4f},"
               "\"tempo_since_us\":{},\"session_playing\":{},\"session_start_us\":{:.0f}}}\n",
               s.cycle, s.time_us, s.rolling, s.has_bbt, s.bar, s.beat, s.tick, s.jack_bpm, s.frame, s.grid_beat,
               bbt_beats(s), s.tempo,
               std::isfinite(s.tempo_since_us) ? fmt::format("{:.1f}", s.tempo_since_us) : std::string("null"),
               s.session_playing, s.session_start_us);
  const bool ok = std::ferror(f) == 0;
  if (std::fclose(f) != 0 || !ok) throw failure("--log " + path, "cannot write the file");
}

double now_us(const Session& session) { return static_cast<double>(session.now().count()); }

} // namespace

std::unique_ptr<CLI::App> make_transport_receiver_app(TransportOptions& options) {
  auto app = make_app("transport-receiver",
                      "Join the Link session, read JACK's transport every process cycle and report how\n"
                      "far each rolling cycle's bar, beat and tick lie from the session's beat grid (a\n"
                      "benchmark receiver).");
  options.common.timeout_s = 5.0;
  add_common_options(*app, options.common, kQuantumFlag | kJsonFlag | kTimeoutFlag);
  app->add_option("--seconds", options.seconds, "Length of the run, warm-up included");
  app->add_option("--warmup", options.warmup_s, "Seconds at the start that are not measured (starts count)");
  app->add_option("--change-window-ms", options.change_window_ms,
                  "Report cycles this long after a tempo change apart (default 300)");
  app->add_option("--xrun-window-ms", options.xrun_window_ms,
                  "Report cycles this close to an xrun apart (default 50)");
  app->add_flag("--no-latency", options.no_latency,
                "Time a cycle at JACK's time of its first frame, without the playback latency\n"
                "of the first physical playback port (link-jack-transport's positions include it)");
  app->add_option("--log", options.log_path, "Also write every cycle to FILE as JSON Lines");
  return app;
}

void validate(const TransportOptions& options) {
  validate(options.common);
  if (!std::isfinite(options.seconds) || options.seconds <= 0.0 || options.seconds > 86400.0)
    throw bad_input("--seconds", fmt::format("expected seconds in (0, 86400], got {}", options.seconds));
  if (!std::isfinite(options.warmup_s) || options.warmup_s < 0.0 || options.warmup_s >= options.seconds)
    throw bad_input("--warmup", fmt::format("expected seconds in [0, --seconds), got {}", options.warmup_s));
  for (const auto& [flag, ms] : {std::pair{"--change-window-ms", options.change_window_ms},
                                 std::pair{"--xrun-window-ms", options.xrun_window_ms}})
    if (!std::isfinite(ms) || ms < 0.0 || ms > 10'000.0)
      throw bad_input(flag, fmt::format("expected milliseconds in [0, 10000], got {}", ms));
}

ExitCode run_transport_receiver(const TransportOptions& options) {
  validate(options);
  Session session;
  // The session's start and stop, to time the transport's start against.
  session.enable_start_stop_sync(true);
  auto input = open_cycle_input(session, options.common.quantum, !options.no_latency);
  const auto joined = join_session(session, 1, options.common.timeout());
  if (stop_requested()) return ExitCode::ok;
  if (!joined.reached)
    fmt::print(stderr, "transport-receiver: warning: no peer joined within {:g} s\n", options.common.timeout_s);
  input->start();
  // A script waits for this line before it starts the transport.
  fmt::print(stderr, "transport-receiver: measuring ({} peer{})\n", joined.peers, joined.peers == 1 ? "" : "s");
  std::fflush(stderr);
  const double start = now_us(session);
  const double end = start + options.seconds * 1e6;
  std::vector<CycleSample> samples;
  samples.reserve(static_cast<std::size_t>(options.seconds * 200.0) + 64);
  while (!stop_requested() && now_us(session) < end) input->collect(samples, kCollectWait);
  const double stopped = std::min(now_us(session), end);
  std::erase_if(samples, [end](const CycleSample& s) { return s.time_us >= end; });
  // An xrun is reported after the cycle that stalled.
  std::this_thread::sleep_for(std::chrono::duration<double, std::milli>(std::min(options.xrun_window_ms, 1000.0)));

  Report r;
  r.facts = input->facts();
  r.options = &options;
  r.peers = session.peer_count();
  CycleJudging j;
  j.measure_from_us = start + options.warmup_s * 1e6;
  j.change_window_us = options.change_window_ms * 1000.0;
  j.xrun_window_us = options.xrun_window_ms * 1000.0;
  j.sample_rate = r.facts.sample_rate;
  j.period_frames = r.facts.period;
  r.s = summarize_cycles(samples, r.facts.xrun_times_us, j);
  r.measured_s = std::max(0.0, stopped - j.measure_from_us) / 1e6;
  if (options.log_path) write_log(*options.log_path, samples);
  if (options.common.json)
    std::puts(to_json(r).dump().c_str());
  else
    std::fputs(to_text(r).c_str(), stdout);
  std::fflush(stdout);
  if (r.s.cycles == 0)
    throw ToolError(kNoCycles, "no rolling cycles", fmt::format("none with bar, beat and tick in the {:.1f} s after "
                                                                "the warm-up", r.measured_s));
  return ExitCode::ok;
}

} // namespace linktools::bench
