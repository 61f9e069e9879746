// link-jack-transport: JACK transport and timebase locked to the Link session.
// All logic lives in libcore/commands/link-jack-transport.
#include "commands/link-jack-transport/JackTransportCommand.hpp"

int main(int argc, char** argv) {
  linktools::JackTransportCommandOptions options;
  auto app = linktools::make_jack_transport_app(options);
  return linktools::run_tool("link-jack-transport", *app, argc, argv,
                             [&] { return linktools::run_jack_transport(options); });
}
