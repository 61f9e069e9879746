// link-status: show the Link session. All logic lives in libcore/status.
#include "commands/link-status/StatusCommand.hpp"

int main(int argc, char** argv) {
  linktools::StatusOptions options;
  auto app = linktools::make_status_app(options);
  return linktools::run_tool("link-status", *app, argc, argv,
                             [&] { return linktools::run_status(options); });
}
