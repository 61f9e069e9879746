#pragma once
// Helpers shared by the unit tests.

#include "cli/Errors.hpp"
#include "midi/Event.hpp"
#include "midi/Message.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <functional>
#include <map>
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

// Checks that every run of an event source (the same span rendered in
// windows of different lengths) gave the first run's events, at the same
// times: where the windows fall must not matter.
inline void check_same_events(const std::vector<std::vector<midi::Event>>& runs) {
  for (std::size_t r = 1; r < runs.size(); ++r) {
    CAPTURE(r);
    REQUIRE(runs[r].size() == runs[0].size());
    for (std::size_t i = 0; i < runs[0].size(); ++i) {
      CHECK(runs[r][i].time == runs[0][i].time);
      CHECK(runs[r][i].message == runs[0][i].message);
    }
  }
}

// Every note-on has exactly one note-off after it, per channel and pitch.
inline void check_balanced(const std::vector<midi::Event>& events) {
  std::map<int, int> sounding;
  for (const auto& e : events) {
    const auto d = midi::decode(e.message.view());
    REQUIRE(d);
    const int key = d->channel * 128 + d->data1;
    if (d->kind == midi::Kind::note_on) {
      CHECK(sounding[key] == 0);
      ++sounding[key];
    } else if (d->kind == midi::Kind::note_off) {
      CHECK(sounding[key] == 1);
      --sounding[key];
    }
  }
  for (const auto& [key, count] : sounding) CHECK(count == 0);
}

} // namespace linktools::testing
