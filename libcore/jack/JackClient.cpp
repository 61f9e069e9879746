#include "jack/JackClient.hpp"

#include "cli/Errors.hpp"
#include "session/Session.hpp"

#include <fmt/core.h>

#include <chrono>
#include <cstring>
#include <mutex>
#include <thread>

namespace linktools::jack_client {

namespace {
// JACK calls its message functions from any of its threads, the realtime one
// included, but only on its error paths, where a short lock is harmless.
std::mutex g_message_mutex;
char g_last_message[256] = {};

void keep_message(const char* message) {
  if (!message) return;
  std::lock_guard<std::mutex> lock(g_message_mutex);
  std::strncpy(g_last_message, message, sizeof g_last_message - 1);
}
} // namespace

std::string last_jack_message() {
  std::lock_guard<std::mutex> lock(g_message_mutex);
  return g_last_message;
}

void ShutdownWatch::watch(jack_client_t* client) {
  {
    // What JACK said before (a server that was not found) is not news.
    std::lock_guard<std::mutex> lock(g_message_mutex);
    g_last_message[0] = '\0';
  }
  jack_on_info_shutdown(client, &ShutdownWatch::on_shutdown, this);
}

void ShutdownWatch::on_shutdown(jack_status_t, const char* reason, void* self) {
  auto* watch = static_cast<ShutdownWatch*>(self);
  if (reason) std::strncpy(watch->reason_, reason, sizeof watch->reason_ - 1);
  watch->happened_.store(true, std::memory_order_release);
}

std::optional<std::string> ShutdownWatch::failure() const {
  if (!happened()) return std::nullopt;
  std::string text = "the JACK server went away";
  std::string details;
  if (reason_[0]) details = fmt::format("JACK: {}", reason_);
  const std::string last = last_jack_message();
  if (!last.empty() && last != reason_)
    details += fmt::format("{}its last message: {}", details.empty() ? "" : "; ", last);
  if (!details.empty()) text += " (" + details + ")";
  return text;
}

ClientPtr try_open_client(const std::string& name, jack_status_t* status_out) {
  // JACK prints its own errors to stderr; ours say what to do instead.
  static const bool silenced = [] {
    jack_set_error_function(keep_message);
    jack_set_info_function([](const char*) {});
    return true;
  }();
  (void)silenced;
  jack_status_t status{};
  ClientPtr client(jack_client_open(name.c_str(), JackNoStartServer, &status));
  if (status_out) *status_out = status;
  return client;
}

ClientPtr open_client(const std::string& name, std::string_view otherwise) {
  // A server that runs but is held up (a stalled machine stops it for tens
  // of ms) can turn a client away for a moment: JACK 2 logs "Cannot create
  // new client", and the client gets no answer. Seen in about 1 run in 100
  // of cli.play_runs, whose server is stopped at random. Two more tries,
  // 200 ms apart, before giving up.
  jack_status_t status{};
  for (int attempt = 0; attempt < 3; ++attempt) {
    if (attempt > 0) std::this_thread::sleep_for(std::chrono::milliseconds(200));
    if (ClientPtr client = try_open_client(name, &status)) return client;
  }
  if (status & JackServerFailed)
    throw failure("JACK", fmt::format("no JACK server is running (start one, e.g. jackd -d dummy "
                                      "-r 48000, {})",
                                      otherwise));
  const std::string said = last_jack_message();
  throw failure("JACK", fmt::format("the JACK server runs but turned the client away three times (JACK status "
                                    "{:#x}{})",
                                    static_cast<unsigned>(status), said.empty() ? "" : ": " + said));
}

std::vector<std::string> audio_inputs(jack_client_t* client, unsigned long extra_flags) {
  std::vector<std::string> out;
  const char** names =
      jack_get_ports(client, nullptr, JACK_DEFAULT_AUDIO_TYPE, JackPortIsInput | extra_flags);
  if (!names) return out;
  for (const char** n = names; *n; ++n) out.emplace_back(*n);
  jack_free(names);
  return out;
}

std::vector<PortName> midi_ports(jack_client_t* client, unsigned long direction) {
  std::vector<PortName> out;
  const char** names = jack_get_ports(client, nullptr, JACK_DEFAULT_MIDI_TYPE, direction);
  if (!names) return out;
  for (const char** n = names; *n; ++n) {
    jack_port_t* port = jack_port_by_name(client, *n);
    out.push_back({*n, port && (jack_port_flags(port) & JackPortIsPhysical)});
  }
  jack_free(names);
  return out;
}

std::optional<std::string> renamed_warning(jack_client_t* client, const std::string& asked) {
  const char* given = jack_get_client_name(client);
  if (!given || asked == given) return std::nullopt;
  return fmt::format("JACK client name \"{}\" is taken; using \"{}\"", asked, given);
}

void sample_offset(const Session& session, ClockOffset& offset) noexcept {
  const auto before = session.now().count();
  const auto jack_now = static_cast<std::int64_t>(jack_get_time());
  const auto after = session.now().count();
  offset.add(before, jack_now, after);
}

void wait_periods(jack_client_t* client, int periods) {
  const double period_us = 1e6 * jack_get_buffer_size(client) / jack_get_sample_rate(client);
  std::this_thread::sleep_for(std::chrono::microseconds(static_cast<long long>(periods * period_us)));
}

bool jack_cycle(jack_client_t* client, CycleClock& clock, jack_nframes_t nframes, CycleSpan& out) noexcept {
  CycleReading r;
  jack_time_t current = 0, next = 0;
  if (nframes == 0 || jack_get_cycle_times(client, &r.frames, &current, &next, &r.period_usecs) != 0) return false;
  r.current_usecs = current;
  r.next_usecs = next;
  out = clock.span(r, nframes, static_cast<double>(jack_get_sample_rate(client)));
  return true;
}

bool cycle_times(jack_client_t* client, const Session& session, ClockOffset& offset, CycleClock& clock,
                 jack_nframes_t nframes, jack_nframes_t latency_frames, CycleTimes& out) noexcept {
  CycleSpan span;
  if (!jack_cycle(client, clock, nframes, span)) return false;
  sample_offset(session, offset);
  if (!offset.valid()) return false;
  out.us_per_frame = span.us_per_frame;
  out.start_us = span.start_usecs + offset.offset() + latency_frames * out.us_per_frame;
  return true;
}

} // namespace linktools::jack_client
