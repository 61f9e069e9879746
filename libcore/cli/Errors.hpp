#pragma once
// The project's exception type and the documented exit codes. Lower layers
// throw ToolError; only the error boundary (cli/Tool.hpp) prints it.

#include <stdexcept>
#include <string>
#include <vector>

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

  // Lines printed before the error line, each on its own: every problem
  // found in a bad file, when the error line only sums them up.
  ToolError& with_details(std::vector<std::string> lines) {
    details_ = std::move(lines);
    return *this;
  }
  const std::vector<std::string>& details() const noexcept { return details_; }

private:
  ExitCode code_;
  std::vector<std::string> details_;
};

inline ToolError bad_input(std::string what, std::string why) {
  return {ExitCode::bad_input, std::move(what), std::move(why)};
}
inline ToolError failure(std::string what, std::string why) {
  return {ExitCode::failure, std::move(what), std::move(why)};
}

} // namespace linktools
