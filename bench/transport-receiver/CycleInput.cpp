// The JACK side of the transport receiver. The process callback does the
// work, because only there are the cycle's times and JACK's position those of
// one and the same cycle: it updates the Link/JACK clock offset, reads the
// transport, captures the session state and pushes one sample into a
// lock-free ring the main thread empties. Nothing in it allocates, locks or
// prints.
#include "CycleInput.hpp"

#include "cli/Errors.hpp"
#include "jack/JackClient.hpp"
#include "jack/SpscRing.hpp"
#include "measure/GridTiming.hpp"
#include "session/ClockOffset.hpp"

#include <jack/jack.h>
#include <jack/transport.h>

#include <array>
#include <atomic>
#include <cmath>
#include <thread>

namespace linktools::bench {

namespace {

constexpr std::size_t kMaxXrunTimes = 16384;
constexpr std::uint8_t kClock[1] = {0xF8};

class JackCycles final : public CycleInput {
public:
  JackCycles(Session& session, double quantum, bool with_latency)
      : session_(session), quantum_(quantum), with_latency_(with_latency), probe_(quantum) {
    client_ = jack_client::open_client("transport-receiver", "and try again");
    if (const auto speakers = jack_client::audio_inputs(client_.get(), JackPortIsPhysical); !speakers.empty())
      speaker_ = jack_port_by_name(client_.get(), speakers.front().c_str());
    read_latency();
    jack_set_process_callback(client_.get(), &JackCycles::process_thunk, this);
    jack_set_latency_callback(client_.get(), &JackCycles::latency_thunk, this);
    jack_set_xrun_callback(client_.get(), &JackCycles::xrun_thunk, this);
    shutdown_.watch(client_.get());
    facts_.sample_rate = jack_get_sample_rate(client_.get());
    facts_.period = jack_get_buffer_size(client_.get());
    // Active at once, so the clock offset is settled before the first sample.
    if (jack_activate(client_.get()) != 0) throw failure("JACK", "cannot activate the client");
    active_ = true;
  }

  ~JackCycles() override {
    if (active_ && !shutdown_.happened()) jack_deactivate(client_.get());
  }

  void start() override { receiving_.store(true, std::memory_order_release); }

  void collect(std::vector<CycleSample>& out, std::chrono::milliseconds wait) override {
    if (!drain(out)) {
      std::this_thread::sleep_for(wait);
      drain(out);
    }
    if (auto why = shutdown_.failure()) throw failure("JACK", *why);
  }

  CycleFacts facts() const override {
    CycleFacts f = facts_;
    f.latency_frames = with_latency_ ? latency_frames_.load(std::memory_order_relaxed) : 0;
    f.lost = lost_.load(std::memory_order_relaxed);
    f.tick_double = tick_double_.load(std::memory_order_relaxed);
    f.xruns = xruns_.load(std::memory_order_relaxed);
    const std::size_t n = xruns_recorded_.load(std::memory_order_acquire);
    f.xrun_times_us.assign(xrun_times_us_.begin(), xrun_times_us_.begin() + static_cast<std::ptrdiff_t>(n));
    return f;
  }

private:
  bool drain(std::vector<CycleSample>& out) {
    bool any = false;
    CycleSample s;
    while (ring_.pop(s)) {
      out.push_back(s);
      any = true;
    }
    return any;
  }

  static int process_thunk(jack_nframes_t n, void* self) { return static_cast<JackCycles*>(self)->process(n); }
  static void latency_thunk(jack_latency_callback_mode_t mode, void* self) {
    if (mode == JackPlaybackLatency) static_cast<JackCycles*>(self)->read_latency();
  }
  static int xrun_thunk(void* self) {
    static_cast<JackCycles*>(self)->on_xrun();
    return 0;
  }

  void read_latency() {
    if (!speaker_) return;
    jack_latency_range_t range{};
    jack_port_get_latency_range(speaker_, JackPlaybackLatency, &range);
    latency_frames_.store(range.max, std::memory_order_relaxed);
  }

  // JACK's notification thread; one writer, published by the count.
  void on_xrun() {
    xruns_.fetch_add(1, std::memory_order_relaxed);
    const std::size_t n = xruns_recorded_.load(std::memory_order_relaxed);
    if (n == kMaxXrunTimes) return;
    xrun_times_us_[n] = static_cast<double>(session_.now().count());
    xruns_recorded_.store(n + 1, std::memory_order_release);
  }

  int process(jack_nframes_t nframes) noexcept {
    jack_client::sample_offset(session_, offset_);
    jack_client::CycleSpan span;
    const bool have_cycle = jack_client::jack_cycle(client_.get(), cycle_clock_, nframes, span);
    jack_position_t pos;
    const jack_transport_state_t jack_state = jack_transport_query(client_.get(), &pos);
    const std::uint64_t cycle = cycles_++;
    if (!receiving_.load(std::memory_order_acquire)) return 0;
    if (!have_cycle || !offset_.valid()) {
      lost_.fetch_add(1, std::memory_order_relaxed);
      return 0;
    }
    const std::uint32_t latency = with_latency_ ? latency_frames_.load(std::memory_order_relaxed) : 0;
    const double time_us = span.start_usecs + offset_.offset() + latency * span.us_per_frame;
    const SessionState state = session_.capture_audio_state();
    // The probe dates tempo changes and follows whole-bar renumberings of
    // our own beat numbers, as clock-receiver's does for MIDI.
    const Observation o = probe_.observe(state, kClock, time_us);
    CycleSample s;
    s.cycle = cycle;
    s.time_us = time_us;
    s.rolling = jack_state == JackTransportRolling;
    s.has_bbt = (pos.valid & JackPositionBBT) != 0;
    const bool fine_tick = (pos.valid & JackTickDouble) != 0;
    if (fine_tick) tick_double_.fetch_add(1, std::memory_order_relaxed);
    if (s.has_bbt) {
      s.bar = pos.bar;
      s.beat = pos.beat;
      s.tick = fine_tick ? pos.tick_double : pos.tick;
      s.beats_per_bar = pos.beats_per_bar;
      s.ticks_per_beat = pos.ticks_per_beat;
      s.jack_bpm = pos.beats_per_minute;
    }
    s.frame = pos.frame;
    s.grid_beat = beat_at(state, time_us) - o.renumbered_beats;
    s.tempo = state.tempo();
    s.tempo_since_us = o.tempo_since_us;
    s.session_playing = state.is_playing();
    s.session_start_us = static_cast<double>(state.time_for_is_playing().count());
    if (!ring_.push(s)) lost_.fetch_add(1, std::memory_order_relaxed);
    return 0;
  }

  // Link's beat at a time between whole microseconds, read off the two
  // whole microseconds around it.
  double beat_at(const SessionState& state, double time_us) const noexcept {
    const double whole = std::floor(time_us);
    const double a = state.beat_at_time(HostTime(static_cast<std::int64_t>(whole)), quantum_);
    const double b = state.beat_at_time(HostTime(static_cast<std::int64_t>(whole) + 1), quantum_);
    return a + (b - a) * (time_us - whole);
  }

  Session& session_;
  double quantum_;
  bool with_latency_;
  jack_client::ClientPtr client_;
  jack_port_t* speaker_ = nullptr;
  bool active_ = false;
  CycleFacts facts_;
  jack_client::ShutdownWatch shutdown_;
  std::atomic<bool> receiving_{false};
  std::atomic<std::uint32_t> latency_frames_{0};
  std::atomic<std::uint64_t> lost_{0};
  std::atomic<std::uint64_t> tick_double_{0};
  std::atomic<std::uint64_t> xruns_{0};
  std::array<double, kMaxXrunTimes> xrun_times_us_{};
  std::atomic<std::size_t> xruns_recorded_{0};
  // 8192 cycles: 44 s at 256 frames, should the main thread stall.
  jack_client::SpscRing<CycleSample, 8192> ring_;
  // Process thread only.
  ClockOffset offset_;
  jack_client::CycleClock cycle_clock_;
  GridProbe probe_;
  std::uint64_t cycles_ = 0;
};

} // namespace

std::unique_ptr<CycleInput> open_cycle_input(Session& session, double quantum, bool with_latency) {
  return std::make_unique<JackCycles>(session, quantum, with_latency);
}

} // namespace linktools::bench
