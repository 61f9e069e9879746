#include "commands/link-tempo/TempoCommand.hpp"

#include "cli/Signals.hpp"
#include "session/AnnouncedTransport.hpp"
#include "session/Join.hpp"
#include "session/StatusReport.hpp"
#include "commands/link-tempo/ChangeConfirmation.hpp"
#include "commands/link-tempo/TempoRequest.hpp"
#include "timeline/TimelineMath.hpp"

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <thread>
#include <unistd.h>

namespace linktools {

std::unique_ptr<CLI::App> make_tempo_app(TempoOptions& options) {
  auto app = make_app("link-tempo",
                      "Print the Link session tempo, set it (128), nudge it (+2, -- -2.5),\n"
                      "or start and stop the session transport.");
  add_common_options(*app, options.common, kQuantumFlag | kJsonFlag | kTimeoutFlag | kPeersFlag);
  app->add_option("TEMPO", options.word,
                  fmt::format("New tempo in BPM ({:g}..{:g}), or +N / -N to nudge (write -- before a "
                              "negative nudge)",
                              timeline::kMinTempo, timeline::kMaxTempo));
  auto* play = app->add_flag("--play", options.play, "Start the session transport (start/stop sync)");
  auto* stop = app->add_flag("--stop", options.stop, "Stop the session transport (start/stop sync)");
  play->excludes(stop);
  app->add_flag("--at-next-bar", options.at_next_bar,
                "Apply the change on the next quantum boundary instead of now");
  return app;
}

void validate(const TempoOptions& options) {
  validate(options.common);
  if (options.word) parse_tempo_request(*options.word);
  if (options.play && options.stop)
    throw bad_input("--play and --stop", "choose one");
  if (options.at_next_bar && !options.changes_something())
    throw bad_input("--at-next-bar", "needs a tempo, --play or --stop to apply");
}

namespace {

// How long a change waits for a session merge to end. Merges took a few ms
// in bench/sync-start-runs/run; a peer re-announces within 50 ms of joining.
constexpr std::chrono::milliseconds kMergeLimit{1000};

// Sleeps until Link's clock reads `when`, waking early only for a stop signal.
void sleep_until_host_time(const Session& session, HostTime when) {
  using namespace std::chrono;
  for (;;) {
    const auto left = when - session.now();
    if (left <= HostTime::zero() || stop_requested()) return;
    std::this_thread::sleep_for(std::min<microseconds>(left, milliseconds(20)));
  }
}

// `changed_at`: the host time a change took (or takes) effect, for --json.
void print_tempo(const Session& session, const AnnouncedTransport& transport,
                 const TempoOptions& options, std::optional<HostTime> changed_at = std::nullopt) {
  if (options.common.json) transport.settle();
  const auto report = capture_status(session, options.common.quantum, &transport);
  if (options.common.json) {
    nlohmann::json j = report;
    if (changed_at) {
      // When the change takes effect, on the same clock and grid as time_us
      // and beat: a script can tell where a stop or start fell.
      j["change_time_us"] = changed_at->count();
      j["change_beat"] = session.capture_app_state().beat_at_time(*changed_at, options.common.quantum);
    }
    fmt::print("{}\n", j.dump());
  } else {
    fmt::print("{:.2f}\n", report.tempo);
  }
}

// After a commit: waits until the peers announce the change. Throws when
// none did in time, or a signal came first; says so when only some did.
void await_confirmation(ChangeConfirmation& confirmation, std::size_t peers, const TempoOptions& options) {
  if (peers == 0) {
    fmt::print(stderr, "link-tempo: no peers found within {:g} s; nothing else heard the change\n",
               options.common.timeout_s);
    return;
  }
  const auto confirmed =
      confirmation.wait(peers, std::max(options.common.timeout(), std::chrono::milliseconds(1000)));
  if (confirmed < peers && stop_requested())
    throw failure("interrupted", fmt::format("the change was committed, but only {} of {} peers had announced it",
                                             confirmed, peers));
  if (confirmed == 0)
    throw failure("change not confirmed", fmt::format("none of {} peers announced it in time", peers));
  // A peer that took the change passes it on: Link peers adopt a newer
  // timeline from any peer of their session. In a big session the last
  // peers can take seconds to announce (bench/RESULTS.md, many hosts).
  if (confirmed < peers)
    fmt::print(stderr, "link-tempo: {} of {} peers announced the change in time; they pass it on to the others\n",
               confirmed, peers);
}

} // namespace

ExitCode run_tempo(const TempoOptions& options) {
  validate(options);
  const auto request = options.word ? std::optional(parse_tempo_request(*options.word))
                                    : std::nullopt;
  Session session;
  // Transport changes only travel with start/stop sync on; it also lets
  // --json report the shared transport.
  session.enable_start_stop_sync(true);

  // Listen before joining so no peer's answer to our commit is missed.
  std::optional<ChangeConfirmation> confirmation;
  if (options.changes_something()) confirmation.emplace();
  const AnnouncedTransport transport(session);

  join_as_asked(session, options.common.required_peers(), options.common.timeout());
  if (stop_requested()) throw failure("interrupted", "nothing was changed");
  if (!options.changes_something()) {
    print_tempo(session, transport, options);
    return ExitCode::ok;
  }

  // A change committed while our session merges into another is lost (Link
  // clears the start/stop state of a session it leaves, and takes the other
  // session's timeline): when another peer joins at the same moment, we may
  // be in its brand-new session for a few ms. Wait for the peers to agree on
  // one session that Link counts us in; past the limit, commit all the same
  // and let the confirmation tell.
  if (session.peer_count() > 0) transport.wait_merge_settled(kMergeLimit);
  if (stop_requested()) throw failure("interrupted", "nothing was changed");

  auto state = session.capture_app_state();
  // A nudge that leaves the range throws here, before anything is committed.
  const std::optional<double> bpm =
      request ? std::optional(request->target(state.tempo())) : std::nullopt;
  const std::optional<bool> playing =
      options.play ? std::optional(true) : options.stop ? std::optional(false) : std::nullopt;

  auto when = session.now();
  if (options.at_next_bar) {
    const double boundary = timeline::next_quantum_boundary(
        state.beat_at_time(when, options.common.quantum), options.common.quantum);
    when = state.time_at_beat(boundary, options.common.quantum);
    // A tempo change pivots the beat grid at `when`; committing it early would
    // play the rest of this bar at the new tempo already. A transport change
    // is scheduled by Link itself, so it is committed now.
    if (bpm) {
      sleep_until_host_time(session, when);
      if (stop_requested()) throw failure("interrupted", "nothing was changed");
      state = session.capture_app_state();
    }
  }
  if (bpm) state.set_tempo(*bpm, when);
  if (playing) state.set_is_playing(*playing, when);
  confirmation->expect(bpm, playing);
  session.commit_app_state(state);

  const auto peers = session.peer_count();
  await_confirmation(*confirmation, peers, options);
  if (options.common.json) print_tempo(session, transport, options, when);
  else if (is_terminal(STDOUT_FILENO)) {
    const auto report = capture_status(session, options.common.quantum, &transport);
    fmt::print("{:.2f} BPM, {}, {}\n", report.tempo, report.is_playing ? "playing" : "stopped",
               peers_text(peers));
  }
  return ExitCode::ok;
}

} // namespace linktools
