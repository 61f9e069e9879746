// Built instead of JackInput.cpp when CMake found no JACK: --stdin still works.
#include "ClockInput.hpp"

#include "cli/Errors.hpp"

namespace linktools::bench {

std::unique_ptr<ClockInput> open_jack_input(Session&, double, const Measure&,
                                            const std::optional<std::string>&,
                                            const std::optional<AudioOnsets>&) {
  throw failure("JACK", "clock-receiver was built without JACK (install libjack-jackd2-dev "
                        "and rebuild, or use --stdin)");
}

} // namespace linktools::bench
