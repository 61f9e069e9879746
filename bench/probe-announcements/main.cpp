// probe_announcements: print Link discovery announcements for manual checks.
//
//   probe_announcements [SECONDS]    (default 10)
//
// One line per announcement, e.g.
//   +1234 ms alive node=4a2f... session=4a2f... bpm=120.000 playing=false ss_time=0 ttl=5
// (ss_time: the start/stop state's timestamp, session time in us; 0 for Link's default)
// Run it only inside a private network namespace together with the peers.

#include "discovery/AnnouncementListener.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

namespace {

using linktools::discovery::Announcement;
using linktools::discovery::MessageKind;
using linktools::discovery::NodeId;

const char* kind_name(MessageKind kind) {
  switch (kind) {
    case MessageKind::alive:
      return "alive";
    case MessageKind::response:
      return "response";
    case MessageKind::bye_bye:
      return "bye-bye";
  }
  return "?";
}

std::string hex(const NodeId& id) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string text;
  for (const auto byte : id) {
    text += digits[byte >> 4];
    text += digits[byte & 0x0f];
  }
  return text;
}

void print(const Announcement& announcement, std::chrono::milliseconds elapsed) {
  std::printf("+%lld ms %s node=%s session=%s", static_cast<long long>(elapsed.count()),
              kind_name(announcement.kind), hex(announcement.node_id).c_str(),
              announcement.session_id ? hex(*announcement.session_id).c_str() : "-");
  if (announcement.timeline) {
    std::printf(" bpm=%.3f", linktools::discovery::bpm_from_micros_per_beat(
                                 announcement.timeline->micros_per_beat));
  } else {
    std::printf(" bpm=-");
  }
  if (announcement.start_stop) {
    std::printf(" playing=%s ss_time=%lld", announcement.start_stop->is_playing ? "true" : "false",
                static_cast<long long>(announcement.start_stop->timestamp_us));
  } else {
    std::printf(" playing=-");
  }
  std::printf(" ttl=%u\n", static_cast<unsigned>(announcement.ttl));
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const long seconds = argc > 1 ? std::strtol(argv[1], nullptr, 10) : 10;
    if (argc > 2 || seconds <= 0) {
      std::fprintf(stderr, "usage: probe_announcements [SECONDS]\n");
      return 2;
    }
    linktools::discovery::AnnouncementListener listener;
    std::fprintf(stderr, "probe_announcements: listening on %zu interface(s) for %ld s\n",
                 listener.joined_interface_count(), seconds);

    using clock = std::chrono::steady_clock;
    const auto start = clock::now();
    const auto end = start + std::chrono::seconds(seconds);
    while (clock::now() < end) {
      // Short slices, so each line is printed close to when it arrived.
      for (const auto& announcement : listener.receive(std::chrono::milliseconds(20))) {
        print(announcement,
              std::chrono::duration_cast<std::chrono::milliseconds>(clock::now() - start));
      }
    }
    return 0;
  } catch (const std::exception& error) {
    std::fprintf(stderr, "probe_announcements: error: %s\n", error.what());
    return 1;
  }
}
