#include "midi/jack/JackClient.hpp"

#include "cli/Errors.hpp"
#include "session/Session.hpp"

#include <fmt/core.h>

namespace linktools::midi::jack {

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

void sample_offset(const Session& session, ClockOffset& offset) noexcept {
  const auto before = session.now().count();
  const auto jack_now = static_cast<std::int64_t>(jack_get_time());
  const auto after = session.now().count();
  offset.add(before, jack_now, after);
}

} // namespace linktools::midi::jack
