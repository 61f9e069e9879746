// The JACK backend: one MIDI output port; every event written at its exact
// frame in the process callback.
//
// Each cycle: read the period's JACK times (jack_get_cycle_times), turn them
// into Link host time with the measured ClockOffset, shift by the port's
// playback latency (what lies between our port and the sound), capture the
// session state on this audio thread, and ask the source for exactly this
// window's events. An event at host time t lands on frame
// round((t - window start) / frame length): within half a frame.
//
// A cycle's port buffer holds a few thousand messages (32 KiB in JACK 2).
// What does not fit waits in a backlog and goes out first in the next
// cycles, late but in order; only what overflows the backlog too is lost,
// and counted (dropped()).
#include "cli/Errors.hpp"
#include "midi/Backends.hpp"
#include "session/ClockOffset.hpp"
#include "jack/JackClient.hpp"
#include "session/Session.hpp"

#include <fmt/core.h>
#include <jack/jack.h>
#include <jack/midiport.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <thread>
#include <utility>
#include <vector>

namespace linktools::midi::jack {

using jack_client::ClientPtr;
using jack_client::open_client;
using jack_client::try_open_client;

namespace {

constexpr std::string_view kOtherwise = "or use --backend alsa or --backend jsonl";

// A MIDI input port another client offers: what we can connect to.
bool is_midi_input(jack_port_t* port) {
  const char* type = jack_port_type(port);
  return type && std::string(type) == JACK_DEFAULT_MIDI_TYPE &&
         (jack_port_flags(port) & JackPortIsInput);
}

class JackOutput final : public MidiOutput {
public:
  explicit JackOutput(const OutputOptions& options) : client_(open_client(options.client_name, kOtherwise)) {
    if (auto renamed = jack_client::renamed_warning(client_.get(), options.client_name))
      warnings_.push_back(std::move(*renamed));
    if (options.connect) {
      jack_port_t* target = jack_port_by_name(client_.get(), options.connect->c_str());
      if (!target)
        throw bad_input("--connect " + *options.connect,
                        "no such JACK port (see the MIDI inputs with --list)");
      if (!is_midi_input(target))
        throw bad_input("--connect " + *options.connect, "not a JACK MIDI input port");
      connect_ = *options.connect;
    }
    port_ = jack_port_register(client_.get(), options.port_name.c_str(), JACK_DEFAULT_MIDI_TYPE,
                               JackPortIsOutput, 0);
    if (!port_) throw linktools::failure("JACK", "cannot register a MIDI output port");
    jack_set_process_callback(client_.get(), &JackOutput::process_thunk, this);
    jack_set_latency_callback(client_.get(), &JackOutput::latency_thunk, this);
    shutdown_.watch(client_.get());
    // Active and connected at once, so the port works for others (and
    // --connect fails) before we spend time joining the session; the
    // callback sends nothing until start() gives it a source.
    if (jack_activate(client_.get()) != 0) throw linktools::failure("JACK", "cannot activate the client");
    active_ = true;
    if (connect_) {
      const int rc = jack_connect(client_.get(), jack_port_name(port_), connect_->c_str());
      if (rc != 0 && rc != EEXIST)
        throw linktools::failure("--connect " + *connect_, "JACK refused the connection");
    }
  }

  ~JackOutput() override {
    JackOutput::stop();
    if (active_) jack_deactivate(client_.get());
  }

  void start(Session& session, EventSource& source) override {
    session_ = &session; // published to the callback by the release store below
    source_.store(&source, std::memory_order_release);
  }

  void stop() override {
    if (!active_ || stopped_) return;
    stopped_ = true;
    if (source_.load(std::memory_order_acquire) == nullptr) { // never started: nothing to finish
      jack_deactivate(client_.get());
      active_ = false;
      return;
    }
    finishing_.store(true, std::memory_order_release);
    // The process callback sends the final events and clears finishing_.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
    while (finishing_.load(std::memory_order_acquire) && !shutdown_.happened() &&
           std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    // Then the backlog, if the last events did not fit in one cycle.
    while (backlog_size_.load(std::memory_order_acquire) > 0 && !shutdown_.happened() &&
           std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    // Two more periods, so the buffer holding them is delivered.
    jack_client::wait_periods(client_.get(), 2);
    jack_deactivate(client_.get());
    active_ = false;
  }

  std::optional<std::string> failure() const override { return shutdown_.failure(); }
  std::uint64_t dropped() const override { return dropped_.load(std::memory_order_relaxed); }

  std::string description() const override {
    std::string d = fmt::format("JACK port {}", jack_port_name(port_));
    if (connect_) d += " -> " + *connect_;
    return d;
  }
  std::vector<std::string> warnings() const override { return warnings_; }

private:
  // Messages waiting for room in a port buffer, oldest first. Fixed
  // capacity: the process thread never allocates.
  class Backlog {
  public:
    bool empty() const noexcept { return size_ == 0; }
    std::size_t size() const noexcept { return size_; }
    const Message& front() const noexcept { return ring_[head_]; }
    void pop() noexcept {
      head_ = (head_ + 1) % ring_.size();
      --size_;
    }
    bool push(const Message& m) noexcept {
      if (size_ == ring_.size()) return false;
      ring_[(head_ + size_) % ring_.size()] = m;
      ++size_;
      return true;
    }

  private:
    // Six cycles' worth of full buffers: a chord on every key of every
    // channel, with room to spare.
    std::array<Message, 16384> ring_{};
    std::size_t head_ = 0;
    std::size_t size_ = 0;
  };

  // Writes events into this cycle's port buffer at their frames; behind a
  // backlog, or when the buffer is full, into the backlog (keeping order).
  struct FrameSink final : EventSink {
    void* buffer = nullptr;
    Backlog* backlog = nullptr;
    double start_us = 0.0;    // Link time of frame 0
    double us_per_frame = 0.0;
    jack_nframes_t frames = 0;
    jack_nframes_t last = 0;
    std::uint64_t dropped = 0;
    void emit(const Event& e) noexcept override {
      const double at = std::round((static_cast<double>(e.time.count()) - start_us) / us_per_frame);
      auto frame = static_cast<jack_nframes_t>(std::clamp(at, 0.0, static_cast<double>(frames - 1)));
      frame = std::max(frame, last); // JACK wants frames in order
      if (backlog->empty() &&
          jack_midi_event_write(buffer, frame, e.message.bytes.data(), e.message.size) == 0) {
        last = frame;
        return;
      }
      if (!backlog->push(e.message)) ++dropped;
    }
  };

  // The backlog's messages at the start of this cycle, as many as fit.
  void send_backlog(void* buffer) noexcept {
    while (!backlog_.empty()) {
      const Message& m = backlog_.front();
      if (jack_midi_event_write(buffer, 0, m.bytes.data(), m.size) != 0) break;
      backlog_.pop();
    }
  }

  static int process_thunk(jack_nframes_t n, void* self) {
    return static_cast<JackOutput*>(self)->process(n);
  }
  static void latency_thunk(jack_latency_callback_mode_t mode, void* self) {
    static_cast<JackOutput*>(self)->latency(mode);
  }

  void latency(jack_latency_callback_mode_t mode) {
    if (mode != JackPlaybackLatency) return;
    jack_latency_range_t range{};
    jack_port_get_latency_range(port_, JackPlaybackLatency, &range);
    latency_frames_.store(range.max, std::memory_order_relaxed);
  }

  int process(jack_nframes_t nframes) {
    void* buffer = jack_port_get_buffer(port_, nframes);
    jack_midi_clear_buffer(buffer);
    send_backlog(buffer);
    const struct Publish { // the backlog's size, for stop(), however this returns
      JackOutput& self;
      ~Publish() { self.backlog_size_.store(self.backlog_.size(), std::memory_order_release); }
    } publish{*this};
    EventSource* source = source_.load(std::memory_order_acquire);
    if (!source || nframes == 0) return 0;

    jack_client::CycleTimes times;
    if (!jack_client::cycle_times(client_.get(), *session_, offset_, cycle_clock_, nframes,
                                  latency_frames_.load(std::memory_order_relaxed), times))
      return 0;
    FrameSink sink;
    sink.buffer = buffer;
    sink.backlog = &backlog_;
    sink.frames = nframes;
    sink.us_per_frame = times.us_per_frame;
    sink.start_us = times.start_us;
    const double end_us = sink.start_us + nframes * sink.us_per_frame;

    if (finishing_.load(std::memory_order_acquire)) {
      source->finish(HostTime(std::llround(sink.start_us)), sink);
      dropped_.fetch_add(sink.dropped, std::memory_order_relaxed);
      source_.store(nullptr, std::memory_order_release);
      // Before finishing_ is cleared: stop() reads it next.
      backlog_size_.store(backlog_.size(), std::memory_order_release);
      finishing_.store(false, std::memory_order_release);
      return 0;
    }

    // Windows follow each other exactly, so no event is sent twice or
    // skipped when JACK's time estimate wobbles or a cycle comes late: what
    // fell between two cycles goes out late, at this cycle's first frame.
    // A device counting clock ticks stays on the right beat that way; a
    // dropped tick would shift it for good. Only a gap longer than
    // kMaxCatchUp (a suspended machine, a stalled server) starts afresh.
    const auto window_start = HostTime(std::llround(sink.start_us));
    const auto to = HostTime(std::llround(end_us));
    HostTime from = have_cursor_ ? cursor_ : window_start;
    if (from > to || window_start - from > kMaxCatchUp) from = window_start;
    if (from < to) source->render(session_->capture_audio_state(), from, to, sink);
    cursor_ = std::max(from, to);
    have_cursor_ = true;
    dropped_.fetch_add(sink.dropped, std::memory_order_relaxed);
    return 0;
  }

  static constexpr HostTime kMaxCatchUp{100'000};

  ClientPtr client_;
  std::vector<std::string> warnings_;
  jack_port_t* port_ = nullptr;
  std::optional<std::string> connect_;
  Session* session_ = nullptr;
  std::atomic<EventSource*> source_{nullptr};
  std::atomic<bool> finishing_{false};
  jack_client::ShutdownWatch shutdown_;
  std::atomic<jack_nframes_t> latency_frames_{0};
  std::atomic<std::uint64_t> dropped_{0};
  std::atomic<std::size_t> backlog_size_{0};
  bool active_ = false;
  bool stopped_ = false;
  // Process thread only.
  ClockOffset offset_;
  jack_client::CycleClock cycle_clock_;
  HostTime cursor_{0};
  bool have_cursor_ = false;
  Backlog backlog_;
};

} // namespace

bool built() { return true; }

bool server_running() { return try_open_client("link-tools-probe") != nullptr; }

std::vector<PortInfo> list_ports(const OutputOptions& options) {
  ClientPtr client = open_client(options.client_name + "-list", kOtherwise);
  std::vector<PortInfo> out;
  for (const auto& p : jack_client::midi_ports(client.get(), JackPortIsInput))
    out.push_back({p.name, p.physical ? "JACK MIDI input (hardware)" : "JACK MIDI input"});
  return out;
}

std::unique_ptr<MidiOutput> open(const OutputOptions& options) {
  return std::make_unique<JackOutput>(options);
}

} // namespace linktools::midi::jack
