#pragma once
// link-status: options, their parsing, and the program itself.

#include "cli/Tool.hpp"

#include <memory>

namespace linktools {

struct StatusOptions {
  CommonOptions common;
  bool watch = false;
  int interval_ms = 1000; // --watch: at least one line this often
};

std::unique_ptr<CLI::App> make_status_app(StatusOptions& options);
void validate(const StatusOptions& options);
ExitCode run_status(const StatusOptions& options);

} // namespace linktools
