#include "midi/EventJson.hpp"

#include <fmt/core.h>

#include <cmath>

namespace linktools::midi {

std::string event_json(const Event& e, std::optional<HostTime> sent) {
  std::string bytes;
  for (std::size_t i = 0; i < e.message.size; ++i)
    bytes += fmt::format("{}{}", i ? "," : "", e.message.bytes[i]);
  const auto decoded = decode(e.message.view());
  const std::string beat = std::isfinite(e.beat) ? fmt::format("{:.6f}", e.beat) : "null";
  const std::string sent_part = sent ? fmt::format(",\"sent_us\":{}", sent->count()) : "";
  return fmt::format("{{\"time_us\":{}{},\"beat\":{},\"message\":\"{}\",\"bytes\":[{}]}}",
                     e.time.count(), sent_part, beat,
                     kind_name(decoded ? decoded->kind : Kind::other), bytes);
}

} // namespace linktools::midi
