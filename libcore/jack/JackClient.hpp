#pragma once
// What every JACK client of ours needs: opening a client of a running server
// (never starting one) with JACK's own messages silenced, the bracketed
// reading of Link's clock around JACK's that feeds a ClockOffset, and the
// Link time of a process cycle's frames. Shared by the MIDI and audio
// backends and bench/clock-receiver.

#include "jack/CycleClock.hpp"
#include "session/ClockOffset.hpp"

#include <jack/jack.h>

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace linktools {
class Session;
}

namespace linktools::jack_client {

struct ClientCloser {
  void operator()(jack_client_t* client) const { jack_client_close(client); }
};
using ClientPtr = std::unique_ptr<jack_client_t, ClientCloser>;

// nullptr when no server runs (or it refused the client); JACK's status in
// `status` when given.
ClientPtr try_open_client(const std::string& name, jack_status_t* status = nullptr);
// Throws ToolError(failure) when no server runs, or it refused the client
// three times over 400 ms; the message ends with `otherwise`, what the user
// can do instead ("or use --backend jsonl").
ClientPtr open_client(const std::string& name, std::string_view otherwise);

// The audio input ports of the server (`extra_flags`: JackPortIsPhysical
// for the sound card's), what an output connects to or takes latency from.
std::vector<std::string> audio_inputs(jack_client_t* client, unsigned long extra_flags);

// A port of the server, and whether it is a sound card's (JackPortIsPhysical).
struct PortName {
  std::string name;
  bool physical = false;
};
// The MIDI ports of the server that go `direction`: JackPortIsInput, those
// we can send to; JackPortIsOutput, those we can receive from.
std::vector<PortName> midi_ports(jack_client_t* client, unsigned long direction);

// When JACK gave `client` another name than `asked` (it renames a client
// whose name is taken, "NAME-01"), a warning that says so; else nullopt.
std::optional<std::string> renamed_warning(jack_client_t* client, const std::string& asked);

// Tells when JACK dropped the client, and why. JACK's own messages are
// silenced (ours say what to do instead), but the last one is kept: when the
// client is dropped it is usually the only account of the cause.
class ShutdownWatch {
public:
  // Before jack_activate.
  void watch(jack_client_t* client);
  bool happened() const noexcept { return happened_.load(std::memory_order_acquire); }
  // "the JACK server went away (JACK: REASON; its last message: ...)" once
  // it happened.
  std::optional<std::string> failure() const;

private:
  static void on_shutdown(jack_status_t code, const char* reason, void* self);
  std::atomic<bool> happened_{false};
  // Written once, by JACK's thread, before happened_ is set.
  char reason_[256] = {};
};

// The last message JACK printed (or would have) in this process; empty if none.
std::string last_jack_message();

// Reads Link's clock just before and after JACK's and adds the reading to
// `offset`. Realtime-safe: call it from the process callback every cycle.
void sample_offset(const Session& session, ClockOffset& offset) noexcept;

// Sleeps for `periods` of the server's process cycles, so the buffers the
// last cycles filled reach the ports' destinations before a client stops.
void wait_periods(jack_client_t* client, int periods);

// Where this process cycle's frames sit in Link's time: frame i of the
// period is heard at start_us + i * us_per_frame.
struct CycleTimes {
  double start_us = 0.0;
  double us_per_frame = 0.0;
};

// Samples the clock offset and computes the cycle's times, shifted by
// `latency_frames` (the port's playback latency, so times are when the
// frames are heard); `clock` mends the cycle after an xrun notice
// (jack/CycleClock.hpp). False when JACK gives no times or the offset is not
// known yet: send nothing in that cycle. Process callback only.
bool cycle_times(jack_client_t* client, const Session& session, ClockOffset& offset, CycleClock& clock,
                 jack_nframes_t nframes, jack_nframes_t latency_frames, CycleTimes& out) noexcept;

// JACK's times of the cycle under way, mended as cycle_times does; false
// when JACK gives none. Process callback only.
bool jack_cycle(jack_client_t* client, CycleClock& clock, jack_nframes_t nframes, CycleSpan& out) noexcept;

} // namespace linktools::jack_client
