#include "commands/link-seq/SeqControl.hpp"

#include "cli/Errors.hpp"
#include "sequence/JsonFormat.hpp"
#include "sequence/Load.hpp"

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <poll.h>
#include <unistd.h>

namespace linktools {

namespace {

using nlohmann::json;

std::string refused(const std::string& error, const std::vector<std::string>& problems = {}) {
  json reply = {{"ok", false}, {"error", error}};
  if (!problems.empty()) reply["problems"] = problems;
  return reply.dump();
}

std::string offered(sequence::SequenceVersions& versions, sequence::Sequence next) {
  const std::uint64_t version = versions.offer(std::move(next));
  return json{{"ok", true}, {"version", version}}.dump();
}

// The version waiting is the newest offered once the player plays an older
// one, even before the player has seen it (it looks every window).
std::string status(const SequencePlayer& player, const sequence::SequenceVersions& versions) {
  json reply = {{"ok", true},
                {"playing", player.playing()},
                {"position", player.position()},
                {"version", player.playing_generation()},
                {"swaps", player.swaps()}};
  const std::uint64_t newest = versions.newest_generation();
  const std::uint64_t pending = newest > player.playing_generation() ? newest : 0;
  reply["pending"] = pending ? json(pending) : json();
  // Where it takes over, once the player has seen it.
  const double at = player.pending_position();
  reply["pending_at"] = pending && player.pending_generation() == pending && std::isfinite(at) ? json(at) : json();
  return reply.dump();
}

std::string replace(sequence::SequenceVersions& versions, const json& command) {
  if (!command.contains("sequence"))
    return refused("/sequence: expected a link-seq/1 document, got nothing");
  auto result = sequence::parse_json_sequence(command["sequence"].dump());
  if (result.ok()) return offered(versions, std::move(result.sequence));
  std::vector<std::string> problems;
  for (const auto& p : result.problems)
    problems.push_back(p.pointer.empty() || p.pointer.front() == '/'
                           ? fmt::format("/sequence{}: {}", p.pointer, p.message)
                           : fmt::format("/sequence: {}: {}", p.pointer, p.message));
  const std::size_t total = problems.size() + result.problems_dropped;
  return refused(total == 1 ? "1 problem" : fmt::format("{} problems", total), problems);
}

std::string load(sequence::SequenceVersions& versions, const json& command) {
  const auto path = command.find("path");
  if (path == command.end() || !path->is_string() || path->get<std::string>().empty() ||
      path->get<std::string>() == "-")
    return refused("/path: expected the name of a sequence file");
  try {
    return offered(versions, sequence::load_sequence(path->get<std::string>()));
  } catch (const ToolError& e) {
    return refused(e.what(), e.details());
  }
}

std::string clear(sequence::SequenceVersions& versions, const json& command) {
  sequence::Sequence next = versions.newest();
  const auto track = command.find("track");
  if (track == command.end()) {
    next.events.clear();
    return offered(versions, std::move(next));
  }
  std::size_t index = next.tracks.size();
  if (track->is_number_unsigned()) {
    index = track->get<std::size_t>();
  } else if (track->is_string()) {
    const auto named = std::find_if(next.tracks.begin(), next.tracks.end(),
                                    [&](const sequence::Track& t) { return t.name == track->get<std::string>(); });
    index = static_cast<std::size_t>(named - next.tracks.begin());
  }
  if (index >= next.tracks.size())
    return refused(fmt::format("/track: expected a track's name or index (0..{}), got {}",
                               next.tracks.size() == 0 ? 0 : next.tracks.size() - 1, track->dump()));
  // Removing keeps the order Sequence::events requires.
  next.events.erase(std::remove_if(next.events.begin(), next.events.end(),
                                   [&](const sequence::Event& e) { return e.track == index; }),
                    next.events.end());
  return offered(versions, std::move(next));
}

} // namespace

std::string SeqControl::handle(std::string_view line) {
  const json command = json::parse(line, nullptr, false);
  if (command.is_discarded() || !command.is_object())
    return refused("expected a JSON object on one line, such as {\"op\":\"status\"}");
  const auto op = command.find("op");
  const std::string name = op != command.end() && op->is_string() ? op->get<std::string>() : "";
  if (name == "status") return status(player_, versions_);
  if (name == "replace") return replace(versions_, command);
  if (name == "load") return load(versions_, command);
  if (name == "clear") return clear(versions_, command);
  return refused(fmt::format("/op: expected status, replace, load or clear, got {}",
                             op == command.end() ? "nothing" : op->dump()));
}

std::vector<std::string> LineReader::take() {
  std::vector<std::string> lines;
  pollfd p{fd_, POLLIN, 0};
  if (!ended_ && ::poll(&p, 1, 0) > 0) {
    char buffer[1 << 16];
    const ssize_t n = ::read(fd_, buffer, sizeof buffer);
    if (n <= 0) ended_ = true; // end of input, or an error: no more commands
    else pending_.append(buffer, static_cast<std::size_t>(n));
  }
  for (std::size_t newline; (newline = pending_.find('\n')) != std::string::npos;) {
    lines.push_back(pending_.substr(0, newline));
    pending_.erase(0, newline + 1);
  }
  if (ended_ && !pending_.empty()) lines.push_back(std::move(pending_)), pending_.clear();
  return lines;
}

} // namespace linktools
