// link-tempo: read or set the Link tempo and transport. Logic in libcore/tempo.
#include "commands/link-tempo/TempoCommand.hpp"

int main(int argc, char** argv) {
  linktools::TempoOptions options;
  auto app = linktools::make_tempo_app(options);
  return linktools::run_tool("link-tempo", *app, argc, argv,
                             [&] { return linktools::run_tempo(options); });
}
