// Built when configure found no JACK development files.
#include "cli/Errors.hpp"
#include "jack/Transport.hpp"

namespace linktools::jack_client {

struct TransportSync::Impl {};

TransportSync::TransportSync(Session&, const TransportOptions&) {
  throw failure("JACK", "this build has no JACK support (install libjack-jackd2-dev and rebuild)");
}
TransportSync::~TransportSync() = default;
void TransportSync::follow() {}
void TransportSync::set_transport_hint(std::optional<bool>) {}
void TransportSync::mark_own_session_change(HostTime) {}
bool TransportSync::pop_event(TransportEvent&) { return false; }
TransportPosition TransportSync::position() const { return {}; }
std::optional<double> TransportSync::jack_tempo() const { return std::nullopt; }
double TransportSync::sample_rate() const { return 0.0; }
std::optional<std::string> TransportSync::failure() const { return std::nullopt; }
std::vector<std::string> TransportSync::warnings() const { return {}; }
std::string TransportSync::client_name() const { return {}; }

} // namespace linktools::jack_client
