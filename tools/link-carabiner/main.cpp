// link-carabiner: a drop-in Carabiner daemon. All logic lives in libcore/carabiner.
#include "commands/link-carabiner/CarabinerCommand.hpp"

int main(int argc, char** argv) {
  linktools::CarabinerOptions options;
  auto app = linktools::make_carabiner_app(options);
  return linktools::carabiner_main(*app, options, argc, argv);
}
