#include "carabiner/Commands.hpp"

namespace linktools::carabiner {

namespace {
// Carabiner's status always speaks of a four-beat bar.
constexpr double kStatusQuantum = 4.0;
} // namespace

StatusFacts status_now(const SessionAccess& session, const ClockMap& clock) {
  const SessionState state = session.capture();
  StatusFacts s;
  s.peers = session.peers();
  s.bpm = state.tempo();
  s.start = clock.to_client(state.time_at_beat(0.0, kStatusQuantum));
  s.beat = state.beat_at_time(session.now(), kStatusQuantum);
  s.start_stop_sync = session.start_stop_sync();
  s.playing = state.is_playing();
  return s;
}

std::string format_status(const StatusFacts& facts, Format format) {
  return format == Format::json ? json_status(facts) : edn_status(facts);
}

Outcome execute(const Command& c, SessionAccess& session, const ClockMap& clock, Format& format,
                std::string_view server) {
  const bool json = format == Format::json;
  Outcome out;
  auto status = [&] { out.reply = format_status(status_now(session, clock), format); };
  switch (c.verb) {
  case Verb::status: status(); break;
  case Verb::bpm: {
    // No reply: when the tempo changes, every client hears the status.
    SessionState state = session.capture();
    state.set_tempo(c.bpm, session.now());
    session.commit(state);
    break;
  }
  case Verb::beat_at_time: {
    const double beat = session.capture().beat_at_time(clock.to_link(c.when), c.quantum);
    out.reply = json ? json_beat_at_time(c.when, c.quantum, beat) : edn_beat_at_time(c.when, c.quantum, beat);
    break;
  }
  case Verb::phase_at_time: {
    const double phase = session.capture().phase_at_time(clock.to_link(c.when), c.quantum);
    out.reply =
        json ? json_phase_at_time(c.when, c.quantum, phase) : edn_phase_at_time(c.when, c.quantum, phase);
    break;
  }
  case Verb::time_at_beat: {
    const std::int64_t when = clock.to_client(session.capture().time_at_beat(c.beat, c.quantum));
    out.reply = json ? json_time_at_beat(c.beat, c.quantum, when) : edn_time_at_beat(c.beat, c.quantum, when);
    break;
  }
  case Verb::force_beat_at_time:
  case Verb::request_beat_at_time: {
    SessionState state = session.capture();
    if (c.verb == Verb::force_beat_at_time)
      state.force_beat_at_time(c.beat, clock.to_link(c.when), c.quantum);
    else
      state.request_beat_at_time(c.beat, clock.to_link(c.when), c.quantum);
    session.commit(state);
    out.moved_timeline = true;
    status();
    break;
  }
  case Verb::enable_start_stop_sync:
  case Verb::disable_start_stop_sync:
    session.enable_start_stop_sync(c.verb == Verb::enable_start_stop_sync);
    status();
    break;
  case Verb::start_playing:
  case Verb::stop_playing: {
    SessionState state = session.capture();
    state.set_is_playing(c.verb == Verb::start_playing, clock.to_link(c.when));
    session.commit(state);
    status();
    break;
  }
  case Verb::version:
    out.reply = json ? json_version(kProtocolVersion, server) : edn_version(kProtocolVersion);
    break;
  case Verb::json:
  case Verb::edn:
    format = c.verb == Verb::json ? Format::json : Format::edn;
    status();
    break;
  case Verb::unsupported:
    out.reply = json ? json_unsupported(c.word) : edn_unsupported(c.word);
    break;
  case Verb::bad_argument:
    out.reply = json ? json_bad_argument(c.bad) : edn_bad_argument(c.bad);
    break;
  }
  return out;
}

} // namespace linktools::carabiner
