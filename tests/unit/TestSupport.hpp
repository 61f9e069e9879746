#pragma once
// Helpers shared by the unit tests.

#include "cli/Errors.hpp"
#include "midi/Event.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

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

// An EventSink that keeps every event, for tests of event sources.
struct Recorder final : midi::EventSink {
  std::vector<midi::Event> events;
  void emit(const midi::Event& e) noexcept override { events.push_back(e); }

  // The events whose status byte is `status`.
  std::vector<midi::Event> of(std::uint8_t status) const {
    std::vector<midi::Event> out;
    for (const auto& e : events)
      if (e.message.bytes[0] == status) out.push_back(e);
    return out;
  }
};

} // namespace linktools::testing
