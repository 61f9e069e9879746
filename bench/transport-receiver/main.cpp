// transport-receiver: measures JACK's transport position against the Link beat grid (bench/).
#include "TransportReceiver.hpp"

int main(int argc, char** argv) {
  linktools::bench::TransportOptions options;
  auto app = linktools::bench::make_transport_receiver_app(options);
  return linktools::run_tool("transport-receiver", *app, argc, argv,
                             [&] { return linktools::bench::run_transport_receiver(options); });
}
