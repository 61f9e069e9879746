#pragma once
// Helpers shared by the unit tests.

#include "cli/Errors.hpp"

#include <functional>
#include <optional>

namespace linktools::testing {

// The ToolError `action` throws, or nullopt when it throws nothing.
inline std::optional<ToolError> tool_error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const ToolError& e) {
    return e;
  }
  return std::nullopt;
}

} // namespace linktools::testing
