// The JACK MIDI input: one input port; every message stamped with the Link
// time of its frame.
//
// Each cycle the process callback reads the cycle's JACK times
// (jack_get_cycle_times, mended by CycleClock after an xrun notice) and
// turns them into Link time with the measured ClockOffset, exactly as the
// MIDI output does (jack_client::cycle_times); a message on frame i arrived
// at start + i frames, less the port's capture latency (what lay between the
// device and our port). The stamped messages go through a lock-free ring to
// the main thread. Nothing in the callback allocates, locks or prints; what
// does not fit in the ring is counted (lost()).
#include "cli/Errors.hpp"
#include "jack/JackClient.hpp"
#include "jack/SpscRing.hpp"
#include "midi/Backends.hpp"
#include "session/Session.hpp"

#include <fmt/core.h>
#include <jack/jack.h>
#include <jack/midiport.h>

#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <thread>

namespace linktools::midi::jack {

using jack_client::ClientPtr;
using jack_client::open_client;

namespace {

constexpr std::string_view kOtherwise = "or use --backend alsa or --backend jsonl";

bool is_midi_output(jack_port_t* port) {
  const char* type = jack_port_type(port);
  return type && std::strcmp(type, JACK_DEFAULT_MIDI_TYPE) == 0 && (jack_port_flags(port) & JackPortIsOutput);
}

// One message as the ring carries it. A SysEx (or anything longer than
// three bytes) travels as an empty SysEx, F0 F7: the follower only counts it.
struct Stamped {
  double time_us = 0.0;
  std::uint8_t size = 0;
  std::uint8_t bytes[3] = {};
};

class JackInput final : public MidiInput {
public:
  explicit JackInput(const InputOptions& options) : client_(open_client(options.client_name, kOtherwise)) {
    if (auto renamed = jack_client::renamed_warning(client_.get(), options.client_name))
      warnings_.push_back(std::move(*renamed));
    if (options.connect) {
      jack_port_t* source = jack_port_by_name(client_.get(), options.connect->c_str());
      if (!source)
        throw bad_input("--connect " + *options.connect, "no such JACK port (see the MIDI outputs with --list)");
      if (!is_midi_output(source)) throw bad_input("--connect " + *options.connect, "not a JACK MIDI output port");
      connect_ = *options.connect;
    }
    port_ = jack_port_register(client_.get(), options.port_name.c_str(), JACK_DEFAULT_MIDI_TYPE, JackPortIsInput, 0);
    if (!port_) throw linktools::failure("JACK", "cannot register a MIDI input port");
    jack_set_process_callback(client_.get(), &JackInput::process_thunk, this);
    jack_set_latency_callback(client_.get(), &JackInput::latency_thunk, this);
    shutdown_.watch(client_.get());
    // Active and connected at once, so --connect fails before we join the
    // session; the callback takes nothing until start().
    if (jack_activate(client_.get()) != 0) throw linktools::failure("JACK", "cannot activate the client");
    active_ = true;
    if (connect_) {
      const int rc = jack_connect(client_.get(), connect_->c_str(), jack_port_name(port_));
      if (rc != 0 && rc != EEXIST) throw linktools::failure("--connect " + *connect_, "JACK refused the connection");
    }
  }

  ~JackInput() override {
    if (active_) jack_deactivate(client_.get());
  }

  void start(Session& session) override {
    session_.store(&session, std::memory_order_release);
  }

  bool read(std::vector<Received>& out, std::chrono::milliseconds wait) override {
    if (!drain(out)) {
      std::this_thread::sleep_for(wait);
      drain(out);
    }
    return true;
  }

  std::optional<std::string> failure() const override { return shutdown_.failure(); }
  std::uint64_t lost() const override { return lost_.load(std::memory_order_relaxed); }

  std::string description() const override {
    std::string d = fmt::format("JACK port {}", jack_port_name(port_));
    if (connect_) d += " <- " + *connect_;
    return d;
  }
  std::vector<std::string> warnings() const override { return warnings_; }

private:
  bool drain(std::vector<Received>& out) {
    bool any = false;
    Stamped s;
    while (ring_.pop(s)) {
      Received r;
      r.time = HostTime(std::llround(s.time_us));
      r.bytes.assign(s.bytes, s.bytes + s.size);
      out.push_back(std::move(r));
      any = true;
    }
    return any;
  }

  static int process_thunk(jack_nframes_t n, void* self) { return static_cast<JackInput*>(self)->process(n); }
  static void latency_thunk(jack_latency_callback_mode_t mode, void* self) {
    auto* me = static_cast<JackInput*>(self);
    if (mode != JackCaptureLatency) return;
    jack_latency_range_t range{};
    jack_port_get_latency_range(me->port_, JackCaptureLatency, &range);
    me->capture_latency_.store(range.max, std::memory_order_relaxed);
  }

  int process(jack_nframes_t nframes) {
    Session* session = session_.load(std::memory_order_acquire);
    if (!session) return 0;
    // Every cycle, messages or not, so the offset is settled before the first one.
    jack_client::CycleTimes times;
    const bool timed = jack_client::cycle_times(client_.get(), *session, offset_, cycle_clock_, nframes, 0, times);
    void* buffer = jack_port_get_buffer(port_, nframes);
    const jack_nframes_t count = jack_midi_get_event_count(buffer);
    if (count == 0) return 0;
    if (!timed) {
      lost_.fetch_add(count, std::memory_order_relaxed);
      return 0;
    }
    const double latency_us = capture_latency_.load(std::memory_order_relaxed) * times.us_per_frame;
    for (jack_nframes_t i = 0; i < count; ++i) {
      jack_midi_event_t event{};
      if (jack_midi_event_get(&event, buffer, i) != 0 || event.size == 0) continue;
      Stamped s;
      s.time_us = times.start_us + event.time * times.us_per_frame - latency_us;
      if (event.size <= 3) {
        s.size = static_cast<std::uint8_t>(event.size);
        std::memcpy(s.bytes, event.buffer, event.size);
      } else {
        s.size = 2;
        s.bytes[0] = event.buffer[0] == 0xF0 ? 0xF0 : event.buffer[0];
        s.bytes[1] = event.buffer[0] == 0xF0 ? 0xF7 : event.buffer[1];
      }
      if (!ring_.push(s)) lost_.fetch_add(1, std::memory_order_relaxed);
    }
    return 0;
  }

  ClientPtr client_;
  jack_port_t* port_ = nullptr;
  std::optional<std::string> connect_;
  std::vector<std::string> warnings_;
  bool active_ = false;
  std::atomic<Session*> session_{nullptr};
  std::atomic<jack_nframes_t> capture_latency_{0};
  jack_client::ShutdownWatch shutdown_;
  std::atomic<std::uint64_t> lost_{0};
  // 8192 messages: almost three minutes of clock at 120 BPM, should the main thread stall.
  jack_client::SpscRing<Stamped, 8192> ring_;
  // Process thread only.
  ClockOffset offset_;
  jack_client::CycleClock cycle_clock_;
};

} // namespace

std::vector<PortInfo> list_sources(const InputOptions& options) {
  ClientPtr client = open_client(options.client_name + "-list", kOtherwise);
  std::vector<PortInfo> out;
  for (const auto& p : jack_client::midi_ports(client.get(), JackPortIsOutput))
    out.push_back({p.name, p.physical ? "JACK MIDI output (hardware)" : "JACK MIDI output"});
  return out;
}

std::unique_ptr<MidiInput> open_input(const InputOptions& options) { return std::make_unique<JackInput>(options); }

} // namespace linktools::midi::jack
