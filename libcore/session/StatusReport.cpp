#include "session/StatusReport.hpp"

#include "session/AnnouncedTransport.hpp"
#include "timeline/TimelineMath.hpp"

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <cmath>

namespace linktools {

StatusReport capture_status(const Session& session, double quantum,
                            const AnnouncedTransport* transport) {
  const auto state = session.capture_app_state();
  const auto now = session.now();
  StatusReport report;
  // Link carries tempo as whole microseconds per beat, so 135 BPM comes back
  // as 134.99994...; a thousandth of a BPM is finer than that resolution.
  report.tempo = std::round(state.tempo() * 1000.0) / 1000.0;
  report.beat = state.beat_at_time(now, quantum);
  report.phase = state.phase_at_time(now, quantum);
  report.quantum = quantum;
  report.peers = session.peer_count();
  // Alone, our own transport is the session's; the announcements we hear then
  // belong to sessions we are not in.
  const auto announced =
      transport && report.peers > 0 ? transport->state() : std::nullopt;
  report.is_playing = announced ? announced->is_playing : state.is_playing();
  report.transport_known = !announced || announced->shared;
  report.start_stop_sync = session.is_start_stop_sync_enabled();
  report.time_us = now.count();
  return report;
}

void to_json(nlohmann::json& j, const StatusReport& r) {
  j = nlohmann::json{{"tempo", r.tempo},       {"beat", r.beat},
                     {"phase", r.phase},       {"quantum", r.quantum},
                     {"is_playing", r.is_playing}, {"peers", r.peers},
                     {"start_stop_sync", r.start_stop_sync}, {"time_us", r.time_us}};
}

void from_json(const nlohmann::json& j, StatusReport& r) {
  j.at("tempo").get_to(r.tempo);
  j.at("beat").get_to(r.beat);
  j.at("phase").get_to(r.phase);
  j.at("quantum").get_to(r.quantum);
  j.at("is_playing").get_to(r.is_playing);
  j.at("peers").get_to(r.peers);
  j.at("start_stop_sync").get_to(r.start_stop_sync);
  j.at("time_us").get_to(r.time_us);
}

std::string beat_indicator(double phase, double quantum) {
  constexpr int kMaxDots = 16;
  const int beats = static_cast<int>(std::ceil(quantum - 1e-9));
  const int current = timeline::beat_in_bar(phase, quantum);
  if (beats > kMaxDots || beats < 1) return fmt::format("beat {} of {}", current + 1, beats);
  std::string out;
  for (int i = 0; i < beats; ++i) {
    if (i > 0) out += ' ';
    out += (i == current) ? "\u25CF" : "\u25CB"; // ● and ○
  }
  return out;
}

std::string peers_text(std::size_t peers) {
  return fmt::format("{} peer{}", peers, peers == 1 ? "" : "s");
}

std::string transport_text(const StatusReport& r) {
  if (!r.transport_known) return "session transport unknown: stopped";
  return r.is_playing ? "playing" : "stopped";
}

std::string format_summary(const StatusReport& r) {
  const int bar = static_cast<int>(std::floor(r.beat / r.quantum)) + 1;
  const int beat_of_bar = timeline::beat_in_bar(r.phase, r.quantum) + 1;
  std::string out;
  out += fmt::format("tempo      {:.2f} BPM\n", r.tempo);
  out += fmt::format("beat       {:.3f} (bar {}, beat {} of {:g})\n", r.beat, bar, beat_of_bar,
                     r.quantum);
  out += fmt::format("phase      {:.3f} / {:g}\n", r.phase, r.quantum);
  out += fmt::format("transport  {}\n", transport_text(r));
  out += fmt::format("peers      {}", r.peers);
  return out;
}

std::string format_live_line(const StatusReport& r) {
  return fmt::format("{:7.2f} BPM | {} | {} | {} | {:.2f}/{:g}", r.tempo, peers_text(r.peers),
                     transport_text(r), beat_indicator(r.phase, r.quantum),
                     r.phase, r.quantum);
}

} // namespace linktools
