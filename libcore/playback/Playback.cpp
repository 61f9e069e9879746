#include "playback/Playback.hpp"

#include "cli/LineOutput.hpp"
#include "cli/Signals.hpp"
#include "session/AnnouncedTransport.hpp"
#include "session/Join.hpp"
#include "session/StatusReport.hpp"

#include <fmt/core.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace linktools {

PlayingSession::PlayingSession(bool start_stop_sync) : transport_(session_) {
  session_.enable_start_stop_sync(start_stop_sync);
  session_.on_transport([this](bool) { link_reported_transport_.store(true); });
}

bool PlayingSession::join(const CommonOptions& common) {
  join_as_asked(session_, common.required_peers(), common.timeout());
  if (stop_requested()) return false;
  transport_.settle();
  return true;
}

std::optional<bool> PlayingSession::transport_hint() const {
  if (link_reported_transport_.load()) return std::nullopt;
  return transport_.is_playing();
}

namespace {

// Pokes the session whenever a stop is asked for, from a thread that sleeps
// until then, so the loop below can sleep long between looks and still end
// at once on Ctrl-C.
class StopPoker {
public:
  explicit StopPoker(Session& session)
      : thread_([this, &session] {
          while (!done_.load() && wait_for_stop_or_interrupt()) session.poke();
        }) {}
  ~StopPoker() {
    done_.store(true);
    interrupt_stop_wait();
    thread_.join();
  }
  StopPoker(const StopPoker&) = delete;
  StopPoker& operator=(const StopPoker&) = delete;

private:
  std::atomic<bool> done_{false};
  std::thread thread_;
};

// The loop itself; `start` starts the output on its source.
void play(SessionOutput& output, const std::function<void(Session&)>& start,
          const PlaybackOptions& options, const PlaybackHooks& hooks) {
  PlayingSession playing(options.start_stop_sync);
  if (!playing.join(options.common)) return;
  Session& session = playing.session();
  const AnnouncedTransport& transport = playing.transport();
  const auto update_hint = [&] { hooks.transport_hint(playing.transport_hint()); };
  update_hint();

  start(session);
  LineOutput status(stderr);
  const auto redraw = [&] {
    status.redraw(format_live_line(capture_status(session, options.common.quantum, &transport)) +
                  hooks.live_suffix());
  };
  const auto look_every =
      options.look_every.value_or(std::chrono::milliseconds(options.live ? 50 : 500));
  StopPoker poker(session);
  auto seen = session.change_count();
  std::optional<HostTime> last;
  int signals_told = -1;
  while (!output.failure() && !(last = hooks.finished())) {
    if (stop_requested() && stop_signal_count() != signals_told) {
      signals_told = stop_signal_count();
      if (hooks.stop_signal(signals_told)) break;
    }
    seen = session.wait_for_change(seen, look_every);
    update_hint();
    hooks.look(playing);
    if (options.live) redraw();
  }
  // Finished: outputs render a little ahead; let the last event's time come
  // before the output stops (stopping sends what is left at once).
  if (last) {
    while (!stop_requested() && !output.failure() &&
           session.now() < *last + std::chrono::milliseconds(50))
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  hooks.ended(playing);
  output.stop();
  if (options.live) {
    redraw(); // the line says how it ended, not what it was doing before
    status.finish_live();
  }
  if (const auto broke = output.failure(); broke && !output.reader_gone())
    throw failure(output.description(), *broke);
  // Lost messages may be note-offs or clock ticks: the run did not do what
  // it promised, though it played to the end.
  if (const std::uint64_t lost = output.dropped(); lost > 0)
    throw failure(output.description(),
                  fmt::format("{} MIDI message{} could not be sent: more came at once than the "
                              "port's buffer and the backlog behind it hold",
                              lost, lost == 1 ? "" : "s"));
}

} // namespace

void play_in_session(midi::MidiOutput& output, midi::EventSource& source,
                     const PlaybackOptions& options, const PlaybackHooks& hooks) {
  play(output, [&](Session& session) { output.start(session, source); }, options, hooks);
}

void play_in_session(audio::AudioOutput& output, audio::AudioSource& source,
                     const PlaybackOptions& options, const PlaybackHooks& hooks) {
  play(output, [&](Session& session) { output.start(session, source); }, options, hooks);
}

} // namespace linktools
