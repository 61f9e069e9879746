// link-seq: sequences played in time with the Link session. All logic lives in libcore/seq.
#include "commands/link-seq/SeqCommand.hpp"

int main(int argc, char** argv) {
  linktools::SeqCommandOptions options;
  auto app = linktools::make_seq_app(options);
  return linktools::run_tool("link-seq", *app, argc, argv,
                             [&] { return linktools::run_seq(options); });
}
