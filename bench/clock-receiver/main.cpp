// clock-receiver: measures a MIDI clock against the Link beat grid (bench/).
#include "Receiver.hpp"

int main(int argc, char** argv) {
  linktools::bench::ReceiverOptions options;
  auto app = linktools::bench::make_receiver_app(options);
  return linktools::run_tool("clock-receiver", *app, argc, argv,
                             [&] { return linktools::bench::run_receiver(options); });
}
