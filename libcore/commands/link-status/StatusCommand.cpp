#include "commands/link-status/StatusCommand.hpp"

#include "cli/LineOutput.hpp"
#include "cli/Signals.hpp"
#include "session/AnnouncedTransport.hpp"
#include "session/Join.hpp"
#include "session/StatusReport.hpp"

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <unistd.h>

namespace linktools {

std::unique_ptr<CLI::App> make_status_app(StatusOptions& options) {
  auto app = make_app("link-status",
                      "Show the Ableton Link session: tempo, beat, phase, peers and transport.\n"
                      "Joins the session without changing it.");
  add_common_options(*app, options.common, kQuantumFlag | kJsonFlag | kTimeoutFlag | kPeersFlag);
  app->add_flag("-w,--watch", options.watch,
                "Keep printing: one JSON object per line on every change (a live line on a terminal)");
  app->add_option("--interval", options.interval_ms,
                  "With --watch: print at least every this many milliseconds");
  return app;
}

void validate(const StatusOptions& options) {
  validate(options.common);
  if (options.interval_ms < 10 || options.interval_ms > 3'600'000)
    throw bad_input("--interval", fmt::format("expected milliseconds in 10..3600000, got {}",
                                              options.interval_ms));
}

namespace {

bool differs(const StatusReport& a, const StatusReport& b) {
  return std::abs(a.tempo - b.tempo) > 1e-6 || a.peers != b.peers || a.is_playing != b.is_playing;
}

ExitCode watch(Session& session, const AnnouncedTransport& transport, const StatusOptions& options,
               LineOutput& out) {
  using namespace std::chrono;
  const bool live = !options.common.json && is_terminal(STDOUT_FILENO);
  // A live display redraws often for its beat indicator; JSON Lines wake up
  // often only to notice signals and a closed reader.
  constexpr auto kSlice = milliseconds(25);
  const auto interval = milliseconds(options.interval_ms);

  auto last = capture_status(session, options.common.quantum, &transport);
  auto last_emit = steady_clock::now();
  auto seen = session.change_count();
  bool ok = live ? out.redraw(format_live_line(last))
                 : out.write_line(nlohmann::json(last).dump());
  while (ok && !stop_requested()) {
    seen = session.wait_for_change(seen, kSlice);
    const auto report = capture_status(session, options.common.quantum, &transport);
    const auto now = steady_clock::now();
    if (live) {
      ok = out.redraw(format_live_line(report));
    } else if (differs(report, last) || now - last_emit >= interval) {
      ok = out.write_line(nlohmann::json(report).dump());
      last = report;
      last_emit = now;
    } else {
      ok = !out.reader_gone();
    }
  }
  out.finish_live();
  // A reader that went away ended the watch as intended, like a signal.
  return ExitCode::ok;
}

} // namespace

ExitCode run_status(const StatusOptions& options) {
  validate(options);
  Session session;
  // Start/stop sync only lets us see the shared transport; it proposes nothing.
  session.enable_start_stop_sync(true);
  const AnnouncedTransport transport(session);
  join_as_asked(session, options.common.required_peers(), options.common.timeout());
  if (stop_requested()) return ExitCode::ok;

  transport.settle();

  LineOutput out(stdout);
  if (options.watch) return watch(session, transport, options, out);
  const auto report = capture_status(session, options.common.quantum, &transport);
  if (options.common.json)
    out.write_line(nlohmann::json(report).dump());
  else
    out.write_line(format_summary(report));
  return ExitCode::ok;
}

} // namespace linktools
