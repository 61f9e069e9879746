#include "Receiver.hpp"

#include "ClockInput.hpp"
#include "measure/GridTiming.hpp"

#include "cli/Signals.hpp"
#include "midi/Message.hpp"
#include "session/Join.hpp"
#include "session/Session.hpp"

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <thread>

namespace linktools::bench {

namespace {

// How long the main thread may sleep between looks at the input: short
// enough to notice the end of the run and a stop signal at once.
constexpr std::chrono::milliseconds kCollectWait(10);

std::string message_name(std::uint8_t status) {
  // Only the status byte is kept, so the name is the one it announces.
  return std::string(midi::kind_name(midi::status_kind(status)));
}

const char* plural(std::uint64_t n) { return n == 1 ? "" : "s"; }

// Hundredths of a microsecond are already below what either clock resolves.
double tidy(double us) { return std::round(us * 100.0) / 100.0; }

struct RunFacts {
  InputFacts input;
  std::size_t peers = 0;
  double measured_s = 0.0; // after the warm-up, until the end of the run
  double warmup_s = 0.0;
  double quantum = 0.0;
  double change_window_ms = 0.0;
  double xrun_window_ms = 0.0;
  Measure measure;
};

bool timing_note_ons(const RunFacts& f) { return f.measure.what == Measure::What::note_ons; }

// What the timed messages are called in the text report.
std::string timed_noun(const RunFacts& f, std::uint64_t n) {
  return timing_note_ons(f) ? fmt::format("note-on{}", plural(n))
                            : fmt::format("tick{}", plural(n));
}

nlohmann::json to_json(const TimingSummary& s, const RunFacts& f) {
  const bool any = s.all.count > 0;
  auto us = [any](double v) { return any ? nlohmann::json(tidy(v)) : nlohmann::json(nullptr); };
  nlohmann::json j = {
      {"source", f.input.source},
      {"peers", f.peers},
      {"quantum", f.quantum},
      {"warmup_s", f.warmup_s},
      {"measured_s", std::round(f.measured_s * 1000.0) / 1000.0},
      {"p50_us", us(s.all.p50_us)},
      {"p99_us", us(s.all.p99_us)},
      {"max_us", us(s.all.max_us)},
      {"mean_us", us(s.all.mean_us)},
      {"missing", s.missing},
      {"extra", s.extra},
      {"missing_after_changes", s.missing_after_changes},
      {"extra_after_changes", s.extra_after_changes},
      {"count_offset", s.count_offset},
      {"slips", s.slips},
      {"slips_away_from_changes", s.slips_away_from_changes},
      {"longest_slip_ms", std::round(s.longest_slip_us) / 1000.0},
      {"drift_us", us(s.all.drift_us)},
      {"tempo_changes", s.tempo_changes},
      {"grid_renumberings", s.grid_renumberings},
      {"ticks_after_changes", s.ticks_after_changes},
      {"max_outside_changes_us", us(s.max_outside_changes_us)},
  };
  if (timing_note_ons(f)) {
    j["note_ons"] = s.all.count;
    j["step_ticks"] = f.measure.step_ticks;
  } else {
    j["ticks"] = s.all.count;
  }
  j["max_after_changes_us"] = s.ticks_after_changes > 0
                                  ? nlohmann::json(tidy(s.max_after_changes_us))
                                  : nlohmann::json(nullptr);
  auto slips = nlohmann::json::array();
  for (const Slip& slip : s.slip_list)
    slips.push_back({{"began_us", std::round(slip.began_us * 10.0) / 10.0},
                     {"ms", std::round(slip.length_us) / 1000.0},
                     {"peak", slip.peak},
                     {"since_change_ms", std::isfinite(slip.since_change_us)
                                             ? nlohmann::json(std::round(slip.since_change_us) / 1000.0)
                                             : nlohmann::json(nullptr)},
                     {"open", slip.open}});
  j["slip_list"] = slips;
  auto transport = nlohmann::json::array();
  for (const TransportMessage& m : s.transport)
    transport.push_back({{"message", message_name(m.status)}, {"tick", m.tick},
                         {"error_us", tidy(m.error_us)}});
  j["transport"] = transport;
  if (f.input.source == "jack") {
    j["sample_rate"] = f.input.sample_rate;
    j["period"] = f.input.period;
    j["lost"] = f.input.lost;
    j["xruns"] = f.input.xruns;
    j["xruns_unrecorded"] = f.input.xruns_unrecorded;
    const ErrorFigures& away = s.away_from_xruns;
    const bool any_away = away.count > 0;
    auto away_us = [any_away](double v) {
      return any_away ? nlohmann::json(tidy(v)) : nlohmann::json(nullptr);
    };
    j["away_from_xruns"] = {
        {"window_ms", f.xrun_window_ms},
        {"count", away.count},
        {"near", s.near_xruns},
        {"unknown", s.xrun_unknown},
        {"p50_us", away_us(away.p50_us)},
        {"p99_us", away_us(away.p99_us)},
        {"max_us", away_us(away.max_us)},
        {"mean_us", away_us(away.mean_us)},
        {"drift_us", away_us(away.drift_us)},
    };
  } else {
    j["unreadable_lines"] = f.input.unreadable;
  }
  return j;
}

// The figures again without the timed messages near an xrun, so a run on a
// machine that stalls still says how clean cycles went.
std::string away_from_xruns_text(const TimingSummary& s, const RunFacts& f) {
  const ErrorFigures& away = s.away_from_xruns;
  std::string out =
      fmt::format("away from xruns ({} of {} {}, {:g} ms either side): ", away.count, s.all.count,
                  timed_noun(f, s.all.count), f.xrun_window_ms);
  if (away.count > 0)
    out += fmt::format("p50 {:.1f} us   p99 {:.1f} us   max {:.1f} us   mean {:+.1f} us   "
                       "drift {:+.1f} us\n",
                       away.p50_us, away.p99_us, away.max_us, away.mean_us, away.drift_us);
  else
    out += "-\n";
  if (f.input.xruns_unrecorded > 0)
    out += fmt::format("{} xrun{} after the first {} not recorded: {} {} that may lie near one "
                       "left out too\n",
                       f.input.xruns_unrecorded, plural(f.input.xruns_unrecorded),
                       f.input.xrun_times_us.size(), s.xrun_unknown,
                       timed_noun(f, s.xrun_unknown));
  return out;
}

std::string to_text(const TimingSummary& s, const RunFacts& f) {
  std::string out;
  std::string source = "JSON Lines on stdin";
  if (f.input.source == "jack")
    source = fmt::format("JACK at {} Hz, period {} frames ({:.2f} ms)", f.input.sample_rate,
                         f.input.period, 1000.0 * f.input.period / f.input.sample_rate);
  const std::string what =
      timing_note_ons(f)
          ? fmt::format("note-on{} (one expected every {} grid tick{})", plural(s.all.count),
                        f.measure.step_ticks, plural(f.measure.step_ticks))
          : fmt::format("clock tick{}", plural(s.all.count));
  out += fmt::format("{} {} in {:.1f} s after a {:g} s warm-up; {}; {} peer{}\n", s.all.count, what,
                     f.measured_s, f.warmup_s, source, f.peers, plural(f.peers));
  if (s.all.count > 0) {
    out += fmt::format("|error|     p50 {:.1f} us   p99 {:.1f} us   max {:.1f} us\n", s.all.p50_us,
                       s.all.p99_us, s.all.max_us);
    out += fmt::format("mean error  {:+.1f} us (negative: early)   drift {:+.1f} us "
                       "(last tenth minus first tenth)\n",
                       s.all.mean_us, s.all.drift_us);
  }
  const std::string within = fmt::format("   ({} and {} within {:g} ms of a change)", s.missing_after_changes,
                                         s.extra_after_changes, f.change_window_ms);
  if (timing_note_ons(f))
    out += fmt::format("missing {}   extra {}{}   (in steps of {} grid tick{})\n", s.missing, s.extra,
                       within, f.measure.step_ticks, plural(f.measure.step_ticks));
  else
    out += fmt::format("missing {}   extra {}{}\n", s.missing, s.extra, within);
  out += fmt::format("count offset {:+d} at the end (received minus grid: 0 is nothing lost or "
                     "doubled)   slips {} ({} away from changes), the longest {:.0f} ms\n",
                     s.count_offset, s.slips, s.slips_away_from_changes, s.longest_slip_us / 1000.0);
  out += fmt::format("tempo changes {}   max |error| {} outside the {:g} ms after a change, {} "
                     "inside ({} {})\n",
                     s.tempo_changes,
                     s.all.count > s.ticks_after_changes
                         ? fmt::format("{:.1f} us", s.max_outside_changes_us)
                         : std::string("-"),
                     f.change_window_ms,
                     s.ticks_after_changes > 0 ? fmt::format("{:.1f} us", s.max_after_changes_us)
                                               : std::string("-"),
                     s.ticks_after_changes, timed_noun(f, s.ticks_after_changes));
  if (s.grid_renumberings > 0)
    out += fmt::format("the receiver's own beat numbers moved by whole bars {} time{}; counted on "
                       "from where they were\n",
                       s.grid_renumberings, plural(s.grid_renumberings));
  for (const TransportMessage& m : s.transport)
    out += fmt::format("{} at tick {}: error {:+.1f} us\n", message_name(m.status), m.tick,
                       m.error_us);
  if (f.input.source == "jack") {
    out += fmt::format("JACK xruns {}{}\n", f.input.xruns,
                       f.input.xruns > 0 ? " (messages near an xrun can be mistimed)" : "");
    out += away_from_xruns_text(s, f);
  }
  if (f.input.lost > 0)
    out += fmt::format("lost {} message{} (hand-over ring full, or before the clock offset "
                       "was known)\n",
                       f.input.lost, plural(f.input.lost));
  if (f.input.unreadable > 0)
    out += fmt::format("{} line{} on stdin not a MIDI message\n", f.input.unreadable,
                       plural(f.input.unreadable));
  return out;
}

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using FilePtr = std::unique_ptr<std::FILE, FileCloser>;

// null: the record of xrun times was full, so nobody knows.
const char* near_xrun_json(XrunProximity p) {
  switch (p) {
  case XrunProximity::away: return "false";
  case XrunProximity::near: return "true";
  case XrunProximity::unknown: return "null";
  }
  return "null";
}

// One line per observation, so an outlier in the summary can be found and
// looked at next to its neighbours.
void write_log(FilePtr file, const std::string& path, std::span<const Observation> observations,
               double measure_from) {
  for (const Observation& o : observations) {
    const std::string since =
        std::isfinite(o.tempo_since_us) ? fmt::format("{:.1f}", o.tempo_since_us) : "null";
    // Note-ons also name their note, so a loop's seam can be found.
    const std::string note =
        (o.status & 0xF0) == 0x90 ? fmt::format(",\"note\":{}", o.note) : std::string();
    const std::string cycle =
        std::isfinite(o.cycle_us) ? fmt::format("{:.1f}", o.cycle_us) : "null";
    const std::string sent = std::isfinite(o.sent_us) ? fmt::format("{:.0f}", o.sent_us) : "null";
    const std::string meant = std::isfinite(o.meant_us) ? fmt::format("{:.0f}", o.meant_us) : "null";
    fmt::print(file.get(),
               "{{\"time_us\":{:.1f},\"message\":\"{}\"{},\"tick\":{},\"error_us\":{:.2f},"
               "\"tempo\":{:.6f},\"tempo_since_us\":{},\"warmup\":{},\"near_xrun\":{},"
               "\"cycle_us\":{},\"renumbered_beats\":{:g},\"sent_us\":{},\"meant_us\":{}}}\n",
               o.time_us, message_name(o.status), note, o.tick, o.error_us, o.tempo, since,
               o.time_us < measure_from, near_xrun_json(o.xrun), cycle, o.renumbered_beats, sent,
               meant);
  }
  const bool ok = std::ferror(file.get()) == 0;
  if (std::fclose(file.release()) != 0 || !ok)
    throw failure("--log " + path, "cannot write the file");
}

double now_us(const Session& session) { return static_cast<double>(session.now().count()); }

} // namespace

std::unique_ptr<CLI::App> make_receiver_app(ReceiverOptions& options) {
  auto app = make_app("clock-receiver",
                      "Join the Link session, receive a MIDI clock and report how far its ticks\n"
                      "arrive from the session's beat grid (a benchmark receiver). With\n"
                      "--note-ons, time note-ons on the grid instead of the clock.");
  options.common.timeout_s = 5.0;
  add_common_options(*app, options.common, kQuantumFlag | kJsonFlag | kTimeoutFlag);
  auto* jack = app->add_flag("--jack", options.jack,
                             "Receive on the JACK MIDI input clock-receiver:in (the default)");
  auto* from_stdin = app->add_flag("--stdin", options.from_stdin,
                                   "Read JSON Lines (--backend jsonl of link-midiclock or link-seq) from stdin");
  auto* connect = app->add_option("-c,--connect", options.connect,
                                  "JACK: connect this MIDI output port to our input");
  auto* busy = app->add_flag("--busy-read", options.busy_read,
                             "--stdin: keep one core trying to read instead of sleeping until a\n"
                             "line comes, so a line's time is when it reached the pipe, not when\n"
                             "this program woke up to it");
  busy->needs(from_stdin);
  jack->excludes(from_stdin);
  connect->excludes(from_stdin);
  app->add_option(
      "--note-ons", options.note_on_step,
      "Time note-ons (velocity > 0) instead of the clock, one expected every STEP_TICKS\n"
      "grid ticks (24 a beat; 6: sixteenths), each against the nearest tick that is a\n"
      "multiple of STEP_TICKS; missing/extra count steps; all other messages ignored")
      ->type_name("STEP_TICKS");
  auto* audio = app->add_flag("--audio", options.audio,
                              "Time the onsets of sound on the JACK audio input clock-receiver:in instead\n"
                              "of MIDI, each as a note-on (use with --note-ons: 24 for every beat, 96 for\n"
                              "every 4/4 bar)");
  audio->excludes(from_stdin);
  app->add_option("--threshold", options.threshold,
                  "--audio: the level an onset rises to, after 2 ms below half of it (default 0.1)");
  app->add_option("--latency-frames", options.latency_frames,
                  "--audio: announce this playback latency on our input, like a sound card, and\n"
                  "count the sound as heard that many frames after it arrives");
  app->add_option("--seconds", options.seconds, "Length of the run, warm-up included");
  app->add_option("--change-window-ms", options.change_window_ms,
                  "Report ticks this long after a tempo change apart (default 100)");
  app->add_option("--xrun-window-ms", options.xrun_window_ms,
                  "JACK: also report the figures without the ticks (note-ons) within MS of an\n"
                  "xrun, before or after it (default 50): the line \"away from xruns\"; in --json\n"
                  "the object away_from_xruns (window_ms, count, near, unknown, p50_us, p99_us,\n"
                  "max_us, mean_us, drift_us; the figures null when count is 0), there with JACK\n"
                  "input whether or not xruns came. --log adds near_xrun to every line (null: the\n"
                  "record of xrun times was full)")
      ->type_name("MS");
  app->add_option("--warmup", options.warmup_s, "Seconds at the start that are not measured");
  app->add_option("--log", options.log_path,
                  "Also write every message received, placed on the grid, to FILE as JSON Lines\n"
                  "(with --stdin, sent_us is the sender's own stamp of its write and meant_us the\n"
                  "time it meant the message for, its time_us, where the line has them; null\n"
                  "otherwise)");
  return app;
}

void validate(const ReceiverOptions& options) {
  validate(options.common);
  if (!std::isfinite(options.seconds) || options.seconds <= 0.0 || options.seconds > 86400.0)
    throw bad_input("--seconds", fmt::format("expected seconds in (0, 86400], got {}",
                                             options.seconds));
  if (!std::isfinite(options.warmup_s) || options.warmup_s < 0.0 ||
      options.warmup_s >= options.seconds)
    throw bad_input("--warmup", fmt::format("expected seconds in [0, --seconds), got {}",
                                            options.warmup_s));
  if (options.note_on_step &&
      (*options.note_on_step < 1 || *options.note_on_step > kMaxNoteOnStep))
    throw bad_input("--note-ons", fmt::format("expected grid ticks in [1, {}], got {}",
                                              kMaxNoteOnStep, *options.note_on_step));
  if (!std::isfinite(options.change_window_ms) || options.change_window_ms < 0.0 ||
      options.change_window_ms > 10'000.0)
    throw bad_input("--change-window-ms", fmt::format("expected milliseconds in [0, 10000], got {}",
                                                      options.change_window_ms));
  if (!std::isfinite(options.xrun_window_ms) || options.xrun_window_ms < 0.0 ||
      options.xrun_window_ms > 10'000.0)
    throw bad_input("--xrun-window-ms", fmt::format("expected milliseconds in [0, 10000], got {}",
                                                    options.xrun_window_ms));
  if (options.audio && !options.note_on_step)
    throw bad_input("--audio", "expected --note-ons STEP_TICKS too: how far apart the onsets are");
  if (!(options.threshold > 0.0f && options.threshold <= 1.0f))
    throw bad_input("--threshold", fmt::format("expected a level in (0, 1], got {}", options.threshold));
  if (options.latency_frames > 96000)
    throw bad_input("--latency-frames", fmt::format("expected at most 96000, got {}", options.latency_frames));
}

ExitCode run_receiver(const ReceiverOptions& options) {
  validate(options);
  const double quantum = options.common.quantum;
  const Measure measure =
      options.note_on_step ? Measure::note_ons(*options.note_on_step) : Measure::clock();
  // Opened now, so a bad path fails before the run rather than after it.
  FilePtr log;
  if (options.log_path) {
    log.reset(std::fopen(options.log_path->c_str(), "w"));
    if (!log) throw bad_input("--log " + *options.log_path, std::strerror(errno));
  }
  Session session;
  // The input first: without a JACK server there is nothing to join for.
  auto input = options.from_stdin ? open_stdin_input(session, quantum, measure, options.busy_read)
                                  : open_jack_input(session, quantum, measure, options.connect,
                                                    options.audio ? std::optional<AudioOnsets>(AudioOnsets{
                                                                        options.threshold, options.latency_frames})
                                                                  : std::nullopt);
  // Until we share the sender's session, our grid is not the one it follows.
  const auto joined = join_session(session, 1, options.common.timeout());
  if (stop_requested()) return ExitCode::ok;
  if (!joined.reached)
    fmt::print(stderr, "clock-receiver: warning: no peer joined within {:g} s; measuring "
                       "against our own session's grid\n",
               options.common.timeout_s);
  input->start();

  const double start = now_us(session);
  const double measure_from = start + options.warmup_s * 1e6;
  const double end = start + options.seconds * 1e6;
  std::vector<Observation> observations;
  observations.reserve(static_cast<std::size_t>(options.seconds * 100.0) + 64);
  bool open = true;
  while (open && !stop_requested() && now_us(session) < end)
    open = input->collect(observations, kCollectWait);
  const double stopped = std::min(now_us(session), end);
  std::erase_if(observations, [end](const Observation& o) { return o.time_us >= end; });
  // JACK reports an xrun after the cycle that stalled: give one that hit the
  // last messages the time to be reported (the window, at most a second).
  if (!options.from_stdin)
    std::this_thread::sleep_for(std::chrono::duration<double, std::milli>(
        std::min(options.xrun_window_ms, 1000.0)));

  RunFacts facts;
  facts.input = input->facts();
  mark_near_xruns(observations, facts.input.xrun_times_us, facts.input.xruns_unrecorded > 0,
                  options.xrun_window_ms * 1000.0);
  const TimingSummary summary =
      summarize(observations, measure_from, options.change_window_ms * 1000.0, measure);
  if (log) write_log(std::move(log), *options.log_path, observations, measure_from);
  facts.peers = session.peer_count();
  facts.measured_s = std::max(0.0, stopped - measure_from) / 1e6;
  facts.warmup_s = options.warmup_s;
  facts.quantum = quantum;
  facts.change_window_ms = options.change_window_ms;
  facts.xrun_window_ms = options.xrun_window_ms;
  facts.measure = measure;
  if (options.common.json)
    std::puts(to_json(summary, facts).dump().c_str());
  else
    std::fputs(to_text(summary, facts).c_str(), stdout);
  std::fflush(stdout);
  if (summary.all.count == 0)
    throw ToolError(kNoTicks, timing_note_ons(facts) ? "no note-ons" : "no clock ticks",
                    fmt::format("none arrived in the {:.1f} s after the warm-up",
                                facts.measured_s));
  return ExitCode::ok;
}

} // namespace linktools::bench
