// link-follow: an external MIDI clock leads the Link session. All logic lives in libcore/commands/link-follow.
#include "commands/link-follow/FollowCommand.hpp"

int main(int argc, char** argv) {
  linktools::FollowCommandOptions options;
  auto app = linktools::make_follow_app(options);
  return linktools::run_tool("link-follow", *app, argc, argv, [&] { return linktools::run_follow(options); });
}
