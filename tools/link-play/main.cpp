// link-play: audio files played in time with the Link session. All logic lives in libcore/play.
#include "commands/link-play/PlayCommand.hpp"

int main(int argc, char** argv) {
  linktools::PlayCommandOptions options;
  auto app = linktools::make_play_app(options);
  return linktools::run_tool("link-play", *app, argc, argv,
                             [&] { return linktools::run_play(options); });
}
