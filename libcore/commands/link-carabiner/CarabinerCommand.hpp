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

// Carabiner parses its flags with gflags, and scripts start it that way.
// This reads argv as gflags would (-flag, --flag, -flag=value, -flag value,
// -noflag for bools, 0x integers, the last value winning, and gflags' own
// --help and kin, --version, --flagfile, --fromenv, --tryfromenv, --undefok)
// and writes it in our spelling for CLI11: argv[0] first. -h, -V, `--` and
// what follows it, arguments and unknown flags pass unchanged (CLI11 refuses
// the last two). Throws ToolError(bad_input) for a value gflags would refuse.
std::vector<std::string> gflags_to_ours(int argc, char** argv);

// The program: gflags' spellings, then run_tool with run_carabiner.
int carabiner_main(CLI::App& app, CarabinerOptions& options, int argc, char** argv);

} // namespace linktools
