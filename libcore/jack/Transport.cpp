#include "jack/Transport.hpp"

#include "cli/Errors.hpp"
#include "jack/JackClient.hpp"
#include "jack/SpscRing.hpp"
#include "session/SyncedTransport.hpp"
#include "timeline/Bbt.hpp"

#include <fmt/core.h>
#include <jack/jack.h>
#include <jack/transport.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cmath>
#include <limits>

namespace linktools::jack_client {

namespace {

constexpr std::int64_t kNoTime = std::numeric_limits<std::int64_t>::min();
// A start or stop the session got from us comes back as its own time,
// give or take Link's conversions through its ghost clock.
constexpr std::int64_t kSameChangeUs = 100;
// Cycles to wait for JACK to act on our start or stop before counting the
// next change as someone else's.
constexpr int kPendingCycles = 400;
// Rolling cycles without a timebase call: another client is the master.
constexpr std::int64_t kLostAfterCycles = 16;
// Cycles from our request to the first cycle in the new state.
constexpr double kStartCycles = 3.0;
constexpr double kStopCycles = 1.0;

} // namespace

struct TransportSync::Impl {
  Impl(Session& s, const TransportOptions& o)
      : session(s), options(o), state(SessionState::detached(120.0, HostTime(0))) {}

  Session& session;
  TransportOptions options;
  ClientPtr client;
  ShutdownWatch shutdown;
  std::vector<std::string> warnings;
  bool active = false;
  bool master = false;

  // Shared with the process thread.
  std::atomic<bool> following{false};
  std::atomic<int> hint{-1};
  std::atomic<std::int64_t> own_change_us{kNoTime};
  std::atomic<std::uint32_t> latency_frames{0};
  std::atomic<std::uint64_t> rolling_cycles{0};
  std::atomic<std::uint64_t> timebase_rolling{0};
  std::atomic<double> jack_bpm{0.0}; // jack_leads: the master's tempo, 0 for none
  // Events from the process thread to the main thread. A full ring drops the
  // newest (the main thread reads it every 10 ms; a transport does not
  // change 64 times in that).
  SpscRing<TransportEvent, 64> events;
  jack_port_t* speaker = nullptr; // a physical playback port, for its latency

  // The main thread's baseline for the lost-timebase check.
  mutable std::optional<std::int64_t> missed_baseline;

  // Process thread only.
  CycleClock cycle_clock;
  ClockOffset offset;
  SessionState state;
  bool have_cycle = false;
  double heard_now_us = 0.0;  // Link time this cycle's first frame is heard
  double heard_next_us = 0.0; // ... and the next cycle's
  double period_us = 0.0;
  double rate = 48000.0;
  bool link_seen = false;
  bool link_playing = false;
  std::optional<HostTime> last_start;
  double origin_beat = 0.0;
  enum class Want { nothing, start, stop } want = Want::nothing;
  double want_at_us = 0.0;
  double acted_at_us = 0.0; // the session time of our last start or stop
  int pending_ours = 0; // 1: we asked JACK to start, -1: to stop
  int pending_cycles = 0;
  std::optional<jack_nframes_t> own_locate;
  bool have_published = false;
  double published_beat = 0.0;   // the session beat of the last position we gave
  double published_origin = 0.0;
  bool jack_seen = false;
  bool jack_moving = false;
  jack_nframes_t expected_frame = 0;

  static int process_thunk(jack_nframes_t n, void* self) { return static_cast<Impl*>(self)->process(n); }
  static void timebase_thunk(jack_transport_state_t s, jack_nframes_t n, jack_position_t* pos, int new_pos,
                             void* self) {
    static_cast<Impl*>(self)->timebase(s, n, pos, new_pos);
  }
  static void latency_thunk(jack_latency_callback_mode_t mode, void* self) {
    if (mode == JackPlaybackLatency) static_cast<Impl*>(self)->read_latency();
  }

  void read_latency() {
    if (!speaker) return;
    jack_latency_range_t range{};
    jack_port_get_latency_range(speaker, JackPlaybackLatency, &range);
    latency_frames.store(range.max, std::memory_order_relaxed);
  }

  void push(TransportEvent::Kind kind, bool ours, double time_us, jack_nframes_t frame) noexcept {
    TransportEvent e;
    if (ours) e.session_time = HostTime(std::llround(acted_at_us));
    e.kind = kind;
    e.ours = ours;
    e.time = HostTime(std::llround(time_us));
    e.frame = frame;
    events.push(e);
  }

  int process(jack_nframes_t nframes) noexcept {
    jack_position_t pos;
    const jack_transport_state_t jack_state = jack_transport_query(client.get(), &pos);
    if (jack_state == JackTransportRolling) rolling_cycles.fetch_add(1, std::memory_order_relaxed);
    if (options.jack_leads)
      jack_bpm.store((pos.valid & JackPositionBBT) ? pos.beats_per_minute : 0.0, std::memory_order_relaxed);
    // Starting (JACK waits for slow-sync clients, and passes through it on
    // every locate, even while rolling) is neither a start nor a stop: a
    // start counts from the first cycle that rolls.
    const bool moving = jack_state == JackTransportStarting ? jack_moving : jack_state == JackTransportRolling;

    CycleTimes times;
    have_cycle = cycle_times(client.get(), session, offset, cycle_clock, nframes,
                             latency_frames.load(std::memory_order_relaxed), times);
    if (!have_cycle) return 0;
    rate = static_cast<double>(jack_get_sample_rate(client.get()));
    heard_now_us = times.start_us;
    heard_next_us = times.start_us + nframes * times.us_per_frame;
    period_us = nframes * times.us_per_frame;
    state = session.capture_audio_state();
    if (!following.load(std::memory_order_acquire)) return 0;

    follow_jack(jack_state, moving, pos.frame, nframes);
    follow_session();
    act();
    return 0;
  }

  // What other clients did to JACK's transport (or JACK did for us).
  void follow_jack(jack_transport_state_t jack_state, bool moving, jack_nframes_t frame,
                   jack_nframes_t nframes) noexcept {
    if (!jack_seen) {
      jack_seen = true;
      jack_moving = moving;
    } else if (moving != jack_moving) {
      jack_moving = moving;
      const bool ours = pending_ours == (moving ? 1 : -1);
      if (ours) pending_ours = 0;
      push(moving ? TransportEvent::Kind::rolled : TransportEvent::Kind::stopped, ours, heard_now_us, frame);
      if (own_locate && frame == *own_locate) own_locate.reset();
    } else if (frame != expected_frame) {
      const bool ours = own_locate && frame == *own_locate;
      if (ours) own_locate.reset();
      else push(TransportEvent::Kind::located, false, heard_now_us, frame);
    }
    expected_frame = jack_state == JackTransportRolling ? frame + nframes : frame;
    if (pending_ours != 0 && ++pending_cycles > kPendingCycles) {
      pending_ours = 0;
      own_locate.reset();
    }
  }

  // What the session did: its starts and stops become what JACK should do.
  void follow_session() noexcept {
    const SyncedTransport transport(state, hint.load(std::memory_order_relaxed), last_start);
    const bool playing = transport.playing();
    if (link_seen && playing == link_playing) return;
    const bool first = !link_seen;
    link_seen = true;
    link_playing = playing;
    const auto now = HostTime(std::llround(heard_now_us));
    HostTime when = now;
    if (playing) {
      // An undated start (joining a playing session before Link itself
      // reports one): bar 1 at session beat 0, where most apps start.
      when = transport.start_dated() ? state.time_for_is_playing() : now;
      origin_beat = transport.start_dated()
                        ? timeline::start_bar_origin(state.beat_at_time(when, options.quantum), options.quantum)
                        : 0.0;
      last_start = when;
    } else {
      when = transport.stop_time().value_or(now);
    }
    const std::int64_t own = own_change_us.load(std::memory_order_acquire);
    if (own != kNoTime && std::llabs(when.count() - own) <= kSameChangeUs) return; // JACK's own change
    // At launch a stopped session says nothing: Link's state is "stopped"
    // until somebody starts it. Only a playing one moves JACK.
    if (first && !playing) return;
    want = playing ? Want::start : Want::stop;
    want_at_us = static_cast<double>(when.count());
  }

  // Asks JACK to start or stop so that the change falls on the first cycle
  // heard at or after the session's time. JACK stops on the next cycle; a
  // start with a locate passes two cycles in the Starting state (the locate
  // lands in the second) and rolls on the third (JACK 2, measured).
  void act() noexcept {
    if (want == Want::nothing) return;
    const bool start = want == Want::start;
    if (start == jack_moving && pending_ours == 0) {
      want = Want::nothing; // JACK is there already
      return;
    }
    const double lands_us = heard_now_us + (start ? kStartCycles : kStopCycles) * period_us;
    if (want_at_us > lands_us) return;
    if (start) {
      // Frame 0 is heard at the session's start time: the first rolling
      // cycle begins that many frames after it (0 when it is on time).
      // Another timebase master's frames are its own: no locate then.
      const double late_frames = (lands_us - want_at_us) * rate / 1e6;
      const auto frame = static_cast<jack_nframes_t>(std::llround(std::max(0.0, late_frames)));
      if (!options.jack_leads && jack_transport_locate(client.get(), frame) == 0) own_locate = frame;
      jack_transport_start(client.get());
      pending_ours = 1;
    } else {
      jack_transport_stop(client.get());
      pending_ours = -1;
    }
    pending_cycles = 0;
    acted_at_us = want_at_us;
    want = Want::nothing;
  }

  // JACK asks for the position of the next cycle (pos->frame is its frame).
  void timebase(jack_transport_state_t jack_state, jack_nframes_t, jack_position_t* pos, int) noexcept {
    if (jack_state == JackTransportRolling) timebase_rolling.fetch_add(1, std::memory_order_relaxed);
    if (!have_cycle || !following.load(std::memory_order_acquire)) {
      pos->valid = static_cast<jack_position_bits_t>(0);
      return;
    }
    timeline::BbtGrid grid;
    grid.quantum = options.quantum;
    grid.ticks_per_beat = options.ticks_per_beat;
    grid.origin_beat = origin_beat;
    double beat = state.beat_at_time(HostTime(std::llround(heard_next_us)), options.quantum);
    // A locate (new_pos) moves frames, not the grid, so it is no reason to step back.
    const bool rolling_on = jack_state == JackTransportRolling && have_published &&
                            published_origin == origin_beat;
    if (rolling_on) {
      timeline::StepBackRule rule;
      rule.never = options.never_back;
      rule.hold_under = state.tempo() / 60.0 / rate; // one frame
      beat = timeline::next_position_beat(beat, published_beat, grid, rule);
    }
    published_beat = beat;
    published_origin = origin_beat;
    have_published = true;
    const timeline::BbtPosition p = timeline::bbt_at_beat(beat, grid);
    // The whole tick is up to a tick behind (260 us at 120 BPM with 1920
    // ticks a beat); the double tick carries the rest for clients that read it.
    pos->valid = static_cast<jack_position_bits_t>(JackPositionBBT | JackTickDouble);
    pos->bar = p.bar;
    pos->beat = p.beat;
    pos->tick = p.tick;
    pos->tick_double = p.tick_double;
    pos->bar_start_tick = p.bar_start_tick;
    pos->beats_per_bar = static_cast<float>(options.quantum);
    pos->beat_type = static_cast<float>(options.beat_type);
    pos->ticks_per_beat = options.ticks_per_beat;
    pos->beats_per_minute = state.tempo();
  }
};

TransportSync::TransportSync(Session& session, const TransportOptions& options)
    : impl_(std::make_unique<Impl>(session, options)) {
  Impl& d = *impl_;
  d.client = open_client(options.client_name, "and try again");
  if (auto renamed = renamed_warning(d.client.get(), options.client_name))
    d.warnings.push_back(std::move(*renamed));
  if (const auto speakers = audio_inputs(d.client.get(), JackPortIsPhysical); !speakers.empty())
    d.speaker = jack_port_by_name(d.client.get(), speakers.front().c_str());
  d.read_latency();
  jack_set_process_callback(d.client.get(), &Impl::process_thunk, &d);
  jack_set_latency_callback(d.client.get(), &Impl::latency_thunk, &d);
  d.shutdown.watch(d.client.get());
  if (jack_activate(d.client.get()) != 0) throw linktools::failure("JACK", "cannot activate the client");
  d.active = true;
  if (options.jack_leads) return;
  const int rc = jack_set_timebase_callback(d.client.get(), options.force ? 0 : 1, &Impl::timebase_thunk, &d);
  if (rc == EBUSY)
    throw linktools::failure("JACK timebase", "another JACK client is the timebase master (JACK does not "
                                              "say which); --force takes over from it");
  if (rc != 0) throw linktools::failure("JACK timebase", "JACK refused to make us the timebase master");
  d.master = true;
}

TransportSync::~TransportSync() {
  Impl& d = *impl_;
  if (d.master && !d.shutdown.happened()) jack_release_timebase(d.client.get());
  if (d.active && !d.shutdown.happened()) jack_deactivate(d.client.get());
}

void TransportSync::follow() { impl_->following.store(true, std::memory_order_release); }

void TransportSync::set_transport_hint(std::optional<bool> playing) {
  impl_->hint.store(encode_hint(playing), std::memory_order_relaxed);
}

void TransportSync::mark_own_session_change(HostTime time) {
  impl_->own_change_us.store(time.count(), std::memory_order_release);
}

bool TransportSync::pop_event(TransportEvent& event) { return impl_->events.pop(event); }

TransportPosition TransportSync::position() const {
  jack_position_t pos;
  const jack_transport_state_t s = jack_transport_query(impl_->client.get(), &pos);
  TransportPosition p;
  p.rolling = s != JackTransportStopped;
  p.frame = pos.frame;
  p.has_bbt = (pos.valid & JackPositionBBT) != 0;
  if (p.has_bbt) {
    p.bar = pos.bar;
    p.beat = pos.beat;
    p.tick = pos.tick;
    p.beats_per_minute = pos.beats_per_minute;
  }
  return p;
}

std::optional<double> TransportSync::jack_tempo() const {
  const double bpm = impl_->jack_bpm.load(std::memory_order_relaxed);
  if (!impl_->options.jack_leads || !(bpm > 0.0)) return std::nullopt;
  return bpm;
}


std::optional<std::string> TransportSync::failure() const {
  if (auto gone = impl_->shutdown.failure()) return gone;
  if (!impl_->master) return std::nullopt;
  // Rolling cycles in which JACK did not ask us for the position: the
  // difference grows only while another client is the master.
  const auto missed = static_cast<std::int64_t>(impl_->rolling_cycles.load(std::memory_order_relaxed)) -
                      static_cast<std::int64_t>(impl_->timebase_rolling.load(std::memory_order_relaxed));
  if (!impl_->missed_baseline) impl_->missed_baseline = missed;
  if (missed > *impl_->missed_baseline + kLostAfterCycles)
    return std::string("another JACK client took over as timebase master");
  return std::nullopt;
}

std::vector<std::string> TransportSync::warnings() const { return impl_->warnings; }

std::string TransportSync::client_name() const { return jack_get_client_name(impl_->client.get()); }

} // namespace linktools::jack_client
