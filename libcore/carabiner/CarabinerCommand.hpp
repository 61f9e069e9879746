#pragma once
// link-carabiner: options, their parsing, and the program itself.

#include "carabiner/Server.hpp"
#include "cli/Tool.hpp"

#include <memory>
#include <string>
#include <vector>

namespace linktools {

struct CarabinerOptions {
  int port = 17000;
  int poll_ms = 20;
  bool daemon = false;
  std::string listen = "127.0.0.1";
  std::string clock = "link";
  bool json = false;
};

std::unique_ptr<CLI::App> make_carabiner_app(CarabinerOptions& options);
void validate(const CarabinerOptions& options);
ExitCode run_carabiner(const CarabinerOptions& options);

// Carabiner parses its flags with gflags, and scripts start it that way:
// `-port 17000`, `--port=17000`, `--nodaemon`, `--daemon=true`. This
// rewrites those forms into ours; everything else passes unchanged.
std::vector<std::string> gflags_to_ours(int argc, char** argv);

} // namespace linktools
