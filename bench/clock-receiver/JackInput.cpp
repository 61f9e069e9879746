// The JACK input. The process callback does all the timing work, because only
// there are the event's frame and JACK's cycle times current: it updates the
// Link/JACK clock offset, captures the session state, places each measured
// message on the grid and pushes the result into a lock-free ring that the
// main thread empties. Nothing in the callback allocates, locks or prints.
// The xrun callback (JACK's notification thread, not the realtime one) notes
// when each xrun was reported, so the report can tell which messages were
// near one.
#include "ClockInput.hpp"

#include "cli/Errors.hpp"
#include "cli/Signals.hpp"
#include "jack/JackClient.hpp"
#include "jack/SpscRing.hpp"
#include "session/ClockOffset.hpp"

#include <jack/jack.h>
#include <jack/midiport.h>

#include <array>
#include <atomic>
#include <cmath>
#include <cerrno>
#include <cstring>
#include <limits>
#include <span>
#include <thread>

namespace linktools::bench {

namespace {

constexpr std::chrono::seconds kConnectPatience(3);
// Xrun times kept: almost three hours on a VM that stalls every 0.6 s.
constexpr std::size_t kMaxXrunTimes = 16384;

using jack_client::ClientPtr;

class JackInput final : public ClockInput {
public:
  JackInput(Session& session, double quantum, const Measure& measure,
            const std::optional<std::string>& connect, const std::optional<AudioOnsets>& audio)
      : session_(session), audio_(audio), measure_(measure), probe_(quantum, measure.step_ticks) {
    const char* port_type = audio ? JACK_DEFAULT_AUDIO_TYPE : JACK_DEFAULT_MIDI_TYPE;
    client_ = jack_client::open_client("clock-receiver", "or feed JSON Lines with --stdin");
    if (connect) {
      jack_port_t* source = jack_port_by_name(client_.get(), connect->c_str());
      if (!source)
        throw bad_input("--connect " + *connect, "no such JACK port (jack_lsp lists them)");
      const char* type = jack_port_type(source);
      if (!type || std::strcmp(type, port_type) != 0 || !(jack_port_flags(source) & JackPortIsOutput))
        throw bad_input("--connect " + *connect,
                        audio ? "not a JACK audio output port" : "not a JACK MIDI output port");
      connect_ = *connect;
    }
    jack_set_process_callback(client_.get(), &JackInput::process_thunk, this);
    shutdown_.watch(client_.get());
    jack_set_xrun_callback(client_.get(), &JackInput::xrun_thunk, this);
    if (audio) jack_set_latency_callback(client_.get(), &JackInput::latency_thunk, this);
    facts_.source = "jack";
    facts_.sample_rate = jack_get_sample_rate(client_.get());
    facts_.period = jack_get_buffer_size(client_.get());
    // Active at once, though nothing is taken before start(): JACK connects
    // no port of an inactive client, and a sender told to connect to us
    // (link-seq --connect clock-receiver:in) tries that before it joins the
    // session we are waiting for. The port comes after, so whoever sees it
    // can connect to it. The offset tracker gets a head start too.
    if (jack_activate(client_.get()) != 0) throw failure("JACK", "cannot activate the client");
    active_ = true;
    // The process callback reads port_ only after start() (receiving_).
    port_ = jack_port_register(client_.get(), "in", port_type, JackPortIsInput, 0);
    if (!port_) throw failure("JACK", "cannot register an input port");
    if (audio) jack_recompute_total_latencies(client_.get());
  }

  ~JackInput() override {
    if (active_) jack_deactivate(client_.get());
  }

  void start() override {
    receiving_.store(true, std::memory_order_release);
    if (!connect_) return;
    // JACK refuses to connect a client that is not active yet, and a sender
    // that joins the session first (link-midiclock) registers its port well
    // before it activates: give it a moment.
    const auto give_up = std::chrono::steady_clock::now() + kConnectPatience;
    for (;;) {
      const int rc = jack_connect(client_.get(), connect_->c_str(), jack_port_name(port_));
      if (rc == 0 || rc == EEXIST || stop_requested()) return;
      if (std::chrono::steady_clock::now() >= give_up)
        throw failure("--connect " + *connect_, "JACK refused the connection");
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }

  bool collect(std::vector<Observation>& out, std::chrono::milliseconds wait) override {
    if (!drain(out)) {
      std::this_thread::sleep_for(wait);
      drain(out);
    }
    if (auto why = shutdown_.failure()) throw failure("JACK", *why);
    return true;
  }

  InputFacts facts() const override {
    InputFacts f = facts_;
    f.lost = lost_.load(std::memory_order_relaxed);
    f.xruns = xruns_.load(std::memory_order_relaxed);
    const std::size_t recorded = xrun_times_recorded_.load(std::memory_order_acquire);
    f.xrun_times_us.assign(xrun_times_us_.begin(), xrun_times_us_.begin() + recorded);
    f.xruns_unrecorded = xruns_unrecorded_.load(std::memory_order_relaxed);
    return f;
  }

private:
  bool drain(std::vector<Observation>& out) {
    bool any = false;
    Observation o;
    while (ring_.pop(o)) {
      out.push_back(o);
      any = true;
    }
    return any;
  }

  static int process_thunk(jack_nframes_t n, void* self) {
    return static_cast<JackInput*>(self)->process(n);
  }
  static int xrun_thunk(void* self) {
    static_cast<JackInput*>(self)->on_xrun();
    return 0;
  }

  // JACK calls this from its one notification thread, after the cycle that
  // ran late, so a slot is filled by one writer and published by the count.
  // Reading Link's clock here is fine; no lock, so facts() never waits on it.
  void on_xrun() {
    xruns_.fetch_add(1, std::memory_order_relaxed);
    const std::size_t recorded = xrun_times_recorded_.load(std::memory_order_relaxed);
    if (recorded == kMaxXrunTimes) {
      xruns_unrecorded_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    xrun_times_us_[recorded] = static_cast<double>(session_.now().count());
    xrun_times_recorded_.store(recorded + 1, std::memory_order_release);
  }
  static void latency_thunk(jack_latency_callback_mode_t mode, void* self) {
    auto* me = static_cast<JackInput*>(self);
    if (mode != JackPlaybackLatency || !me->port_) return;
    // We are the loudspeaker: the sound is heard this long after our input.
    jack_latency_range_t range{me->audio_->latency_frames, me->audio_->latency_frames};
    jack_port_set_latency_range(me->port_, JackPlaybackLatency, &range);
  }

  int process(jack_nframes_t nframes) {
    // Every cycle, messages or not, so the offset is settled before the first one.
    jack_client::sample_offset(session_, offset_);
    // Every cycle too, so the cycle after an xrun notice is mended from the
    // one before (jack/CycleClock.hpp).
    have_cycle_ = jack_client::jack_cycle(client_.get(), cycle_clock_, nframes, cycle_);
    cycle_start_ = jack_last_frame_time(client_.get());
    cycle_frames_ = nframes;

    // Until start(), our grid may not be the session's yet.
    if (!receiving_.load(std::memory_order_acquire)) return 0;
    const SessionState state = follow_session();
    if (audio_) return process_audio(nframes, state);
    void* buffer = jack_port_get_buffer(port_, nframes);
    const jack_nframes_t count = jack_midi_get_event_count(buffer);
    if (count == 0) return 0;
    if (!offset_.valid() || !have_cycle_) {
      lost_.fetch_add(count, std::memory_order_relaxed);
      return 0;
    }
    const double cycle = cycle_us();
    for (jack_nframes_t i = 0; i < count; ++i) {
      jack_midi_event_t event{};
      if (jack_midi_event_get(&event, buffer, i) != 0 || event.size == 0) continue;
      const std::span<const std::uint8_t> message(event.buffer, event.size);
      if (!is_measured(message, measure_)) continue;
      Observation o = probe_.observe(state, message, frame_us(cycle_start_ + event.time) + offset_.offset());
      o.cycle_us = cycle;
      if (!ring_.push(o)) lost_.fetch_add(1, std::memory_order_relaxed);
    }
    return 0;
  }

  // Audio: each onset is observed as a note-on (C4), at the frame where the
  // signal first reaches the threshold. It is heard latency_frames later, and
  // it is timed when that frame is the current cycle's: JACK's time of a
  // frame is surest then. Read now, latency frames ahead, the time would carry
  // the time filter's one-cycle correction after a late wake-up, which is
  // often as large as 10% of a cycle, all the way out.
  // The session as this cycle sees it, shown to the probe every cycle so it
  // notices a tempo change or a renumbering when we hear of it, however far
  // apart the messages are.
  SessionState follow_session() noexcept {
    const SessionState state = session_.capture_audio_state();
    if (offset_.valid() && have_cycle_) probe_.follow(state, frame_us(cycle_start_) + offset_.offset());
    return state;
  }

  int process_audio(jack_nframes_t nframes, const SessionState& state) {
    const auto* in = static_cast<const float*>(jack_port_get_buffer(port_, nframes));
    const float threshold = audio_->threshold;
    const jack_nframes_t quiet_needed = facts_.sample_rate / 500; // 2 ms
    const jack_nframes_t cycle_start = cycle_start_;
    for (jack_nframes_t i = 0; i < nframes; ++i) {
      // Quiet frames arm the detector; a level on its way up between the
      // two marks neither arms nor disarms it.
      const float level = std::abs(in[i]);
      if (level < threshold * 0.5f) {
        if (quiet_frames_ < quiet_needed) ++quiet_frames_;
        continue;
      }
      if (level < threshold) continue;
      const bool onset = quiet_frames_ >= quiet_needed;
      quiet_frames_ = 0;
      if (!onset) continue;
      if (heard_count_ == heard_.size()) {
        lost_.fetch_add(1, std::memory_order_relaxed);
        continue;
      }
      heard_[(heard_first_ + heard_count_++) % heard_.size()] =
          cycle_start + i + audio_->latency_frames;
    }
    time_heard_onsets(cycle_start, nframes, state);
    return 0;
  }

  // Observes, in order, the onsets heard by the end of this cycle.
  void time_heard_onsets(jack_nframes_t cycle_start, jack_nframes_t nframes,
                         const SessionState& state) {
    static constexpr std::uint8_t kOnset[3] = {0x90, 60, 100};
    if (heard_count_ == 0) return;
    const double cycle = cycle_us();
    while (heard_count_ > 0) {
      const jack_nframes_t frame = heard_[heard_first_];
      // Frame counts wrap (after a day at 48 kHz): compare differences.
      const auto ahead = static_cast<std::int32_t>(frame - cycle_start);
      if (ahead >= static_cast<std::int32_t>(nframes)) return;
      heard_first_ = (heard_first_ + 1) % heard_.size();
      --heard_count_;
      if (!offset_.valid() || !have_cycle_) {
        lost_.fetch_add(1, std::memory_order_relaxed);
        continue;
      }
      Observation o = probe_.observe(state, kOnset, frame_us(frame) + offset_.offset());
      o.cycle_us = cycle;
      if (!ring_.push(o)) lost_.fetch_add(1, std::memory_order_relaxed);
    }
  }

  // JACK's filtered length of this cycle; NaN if it gives no cycle times.
  double cycle_us() const noexcept {
    return have_cycle_ ? cycle_.us_per_frame * cycle_frames_ : std::numeric_limits<double>::quiet_NaN();
  }
  // JACK's time of a frame near this cycle, on the cycle's mended span (not
  // jack_frames_to_time, which after an xrun notice counts back from the
  // late wake-up).
  double frame_us(jack_nframes_t frame) const noexcept {
    return cycle_.start_usecs + static_cast<std::int32_t>(frame - cycle_start_) * cycle_.us_per_frame;
  }

  Session& session_;
  std::optional<AudioOnsets> audio_;
  jack_nframes_t quiet_frames_ = 0;
  // Onsets found but not heard yet: the frame at which each is heard, oldest
  // first. Onsets lie 2 ms apart at least, so 1024 cover the largest
  // --latency-frames (96000, two seconds at 48 kHz).
  std::array<jack_nframes_t, 1024> heard_{};
  std::size_t heard_first_ = 0;
  std::size_t heard_count_ = 0;
  ClientPtr client_;
  jack_port_t* port_ = nullptr;
  std::optional<std::string> connect_;
  InputFacts facts_;
  bool active_ = false;
  std::atomic<bool> receiving_{false};
  jack_client::ShutdownWatch shutdown_;
  std::atomic<std::uint64_t> lost_{0};
  std::atomic<std::uint64_t> xruns_{0};
  // Written by on_xrun only; the first xrun_times_recorded_ slots are final.
  // Inline like the ring (the input lives on the heap), so nothing is freed
  // before the client closes.
  std::array<double, kMaxXrunTimes> xrun_times_us_{};
  std::atomic<std::size_t> xrun_times_recorded_{0};
  std::atomic<std::uint64_t> xruns_unrecorded_{0};
  // 4096 messages: over 20 s of clock at 300 BPM, should the main thread stall.
  jack_client::SpscRing<Observation, 4096> ring_;
  // Process thread only.
  Measure measure_;
  ClockOffset offset_;
  jack_client::CycleClock cycle_clock_;
  jack_client::CycleSpan cycle_{};
  bool have_cycle_ = false;
  jack_nframes_t cycle_start_ = 0;
  jack_nframes_t cycle_frames_ = 0;
  GridProbe probe_;
};

} // namespace

std::unique_ptr<ClockInput> open_jack_input(Session& session, double quantum,
                                            const Measure& measure,
                                            const std::optional<std::string>& connect,
                                            const std::optional<AudioOnsets>& audio) {
  return std::make_unique<JackInput>(session, quantum, measure, connect, audio);
}

} // namespace linktools::bench
