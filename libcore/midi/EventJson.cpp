#include "midi/EventJson.hpp"

#include <fmt/format.h>

#include <iterator>

#include <cmath>

namespace linktools::midi {

void append_event_json(fmt::memory_buffer& out, const Event& e, std::optional<HostTime> sent) {
  auto it = std::back_inserter(out);
  it = fmt::format_to(it, "{{\"time_us\":{}", e.time.count());
  if (sent) it = fmt::format_to(it, ",\"sent_us\":{}", sent->count());
  if (std::isfinite(e.beat))
    it = fmt::format_to(it, ",\"beat\":{:.6f}", e.beat);
  else
    it = fmt::format_to(it, ",\"beat\":null");
  const auto decoded = decode(e.message.view());
  it = fmt::format_to(it, ",\"message\":\"{}\",\"bytes\":[", kind_name(decoded ? decoded->kind : Kind::other));
  for (std::size_t i = 0; i < e.message.size; ++i) it = fmt::format_to(it, "{}{}", i ? "," : "", e.message.bytes[i]);
  fmt::format_to(it, "]}}");
}

std::string event_json(const Event& e, std::optional<HostTime> sent) {
  fmt::memory_buffer out;
  append_event_json(out, e, sent);
  return fmt::to_string(out);
}

} // namespace linktools::midi
