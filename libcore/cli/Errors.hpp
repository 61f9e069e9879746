#pragma once
// The project's exception type and the documented exit codes. Lower layers
// throw ToolError; only the error boundary (cli/Tool.hpp) prints it.

#include <stdexcept>
#include <string>

namespace linktools {

enum class ExitCode : int {
  ok = 0,
  failure = 1,     // runtime failure (network, server, I/O)
  bad_input = 2,   // bad usage or bad input; nothing was changed or sent
  no_peers = 3,    // --peers N not reached before --timeout
};

class ToolError : public std::runtime_error {
public:
  // Printed as "TOOL: error: WHAT: WHY".
  ToolError(ExitCode code, std::string what, std::string why)
      : std::runtime_error(what + ": " + why), code_(code) {}
  ExitCode code() const noexcept { return code_; }

private:
  ExitCode code_;
};

inline ToolError bad_input(std::string what, std::string why) {
  return {ExitCode::bad_input, std::move(what), std::move(why)};
}
inline ToolError failure(std::string what, std::string why) {
  return {ExitCode::failure, std::move(what), std::move(why)};
}

} // namespace linktools
