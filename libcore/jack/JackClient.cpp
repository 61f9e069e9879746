#include "jack/JackClient.hpp"

#include "cli/Errors.hpp"
#include "session/Session.hpp"

#include <fmt/core.h>

#include <chrono>
#include <thread>

namespace linktools::jack_client {

namespace {
void quiet(const char*) {}
} // namespace

ClientPtr try_open_client(const std::string& name) {
  // JACK prints its own errors to stderr; ours say what to do instead.
  static const bool silenced = [] {
    jack_set_error_function(quiet);
    jack_set_info_function(quiet);
    return true;
  }();
  (void)silenced;
  jack_status_t status{};
  return ClientPtr(jack_client_open(name.c_str(), JackNoStartServer, &status));
}

ClientPtr open_client(const std::string& name, std::string_view otherwise) {
  ClientPtr client = try_open_client(name);
  if (!client)
    throw failure("JACK", fmt::format("no JACK server is running (start one, e.g. jackd -d dummy "
                                      "-r 48000, {})",
                                      otherwise));
  return client;
}

void sample_offset(const Session& session, midi::ClockOffset& offset) noexcept {
  const auto before = session.now().count();
  const auto jack_now = static_cast<std::int64_t>(jack_get_time());
  const auto after = session.now().count();
  offset.add(before, jack_now, after);
}

void wait_periods(jack_client_t* client, int periods) {
  const double period_us = 1e6 * jack_get_buffer_size(client) / jack_get_sample_rate(client);
  std::this_thread::sleep_for(std::chrono::microseconds(static_cast<long long>(periods * period_us)));
}

bool cycle_times(jack_client_t* client, const Session& session, midi::ClockOffset& offset,
                 jack_nframes_t nframes, jack_nframes_t latency_frames, CycleTimes& out) noexcept {
  jack_nframes_t current_frames = 0;
  jack_time_t current_usecs = 0, next_usecs = 0;
  float period_usecs = 0.0f;
  if (nframes == 0 ||
      jack_get_cycle_times(client, &current_frames, &current_usecs, &next_usecs, &period_usecs) != 0)
    return false;
  sample_offset(session, offset);
  if (!offset.valid()) return false;
  out.us_per_frame = static_cast<double>(next_usecs - current_usecs) / nframes;
  out.start_us = static_cast<double>(current_usecs) + offset.offset() + latency_frames * out.us_per_frame;
  return true;
}

} // namespace linktools::jack_client
