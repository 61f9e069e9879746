#include "commands/link-seq/SeqControl.hpp"

#include "cli/Errors.hpp"
#include "sequence/JsonFormat.hpp"
#include "sequence/Load.hpp"

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <optional>
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

std::string offered(sequence::SequenceVersions& versions, sequence::Sequence next,
                    std::optional<bool> stopped = std::nullopt, json extra = json::object()) {
  const std::uint64_t version = versions.offer(std::move(next), stopped);
  json reply = {{"ok", true}, {"version", version}};
  reply.update(extra);
  return reply.dump();
}

// The problems of a document the reader refused, each with its pointer
// moved into the command: a pointer beginning with `from` begins with `to`
// instead (replace: "" -> "/sequence"; add: "/tracks/0" -> "").
std::string refused_problems(const sequence::ParseResult& result, const std::string& from,
                             const std::string& to) {
  std::vector<std::string> problems;
  for (const auto& p : result.problems) {
    if (!p.pointer.empty() && p.pointer.front() != '/') { // "line L, column C"
      problems.push_back(fmt::format("{}: {}: {}", to.empty() ? "/" : to, p.pointer, p.message));
      continue;
    }
    const std::string pointer =
        p.pointer.rfind(from, 0) == 0 ? to + p.pointer.substr(from.size()) : to + p.pointer;
    problems.push_back(fmt::format("{}: {}", pointer.empty() ? "/" : pointer, p.message));
  }
  const std::size_t total = problems.size() + result.problems_dropped;
  return refused(total == 1 ? "1 problem" : fmt::format("{} problems", total), problems);
}

// The track a command names (by name or index), or nullopt with `error` set.
std::optional<std::size_t> find_track(const sequence::Sequence& seq, const json& command, std::string& error) {
  const auto track = command.find("track");
  std::size_t index = seq.tracks.size();
  if (track != command.end() && track->is_number_unsigned()) {
    index = track->get<std::size_t>();
  } else if (track != command.end() && track->is_string()) {
    const auto named = std::find_if(seq.tracks.begin(), seq.tracks.end(),
                                    [&](const sequence::Track& t) { return t.name == track->get<std::string>(); });
    index = static_cast<std::size_t>(named - seq.tracks.begin());
  }
  if (index < seq.tracks.size()) return index;
  error = fmt::format("/track: expected a track's name or index (0..{}), got {}",
                      seq.tracks.size() == 0 ? 0 : seq.tracks.size() - 1,
                      track == command.end() ? "nothing" : track->dump());
  return std::nullopt;
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
  if (!result.ok()) return refused_problems(result, "", "/sequence");
  sequence::keep_mutes(versions.newest(), result.sequence);
  return offered(versions, std::move(result.sequence));
}

std::string load(sequence::SequenceVersions& versions, const json& command) {
  const auto path = command.find("path");
  if (path == command.end() || !path->is_string() || path->get<std::string>().empty() ||
      path->get<std::string>() == "-")
    return refused("/path: expected the name of a sequence file");
  try {
    sequence::Sequence next = sequence::load_sequence(path->get<std::string>());
    sequence::keep_mutes(versions.newest(), next);
    return offered(versions, std::move(next));
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
  std::string error;
  const auto index = find_track(next, command, error);
  if (!index) return refused(error);
  // Removing keeps the order Sequence::events requires.
  next.events.erase(std::remove_if(next.events.begin(), next.events.end(),
                                   [&](const sequence::Event& e) { return e.track == *index; }),
                    next.events.end());
  return offered(versions, std::move(next));
}

// Where an edit offered now takes over, as a position (beats since playing
// started): the boundary a version waiting has already, else the next one
// after where playing is; 0 before playing starts (a version then takes
// over at once).
double edit_position(const SequencePlayer& player, const sequence::SequenceVersions& versions) {
  if (!player.playing()) return 0.0;
  const double pending = player.pending_position();
  if (player.pending_generation() != 0 && std::isfinite(pending)) return pending;
  return player.boundary_after(player.position(), versions.newest());
}

// The events of an add command, read and checked as a track of a file
// would be (with the track's channel, and the sequence's loop_beats when
// their beats are absolute), on track `index` of `next`.
sequence::ParseResult read_events(const json& command, const sequence::Sequence& next, std::size_t index,
                                  bool absolute) {
  json doc = {{"format", "link-seq/1"}};
  if (absolute && next.loop_beats) doc["loop_beats"] = *next.loop_beats;
  json track = {{"events", command["events"]}};
  if (index < next.tracks.size()) track["channel"] = next.tracks[index].channel;
  else track["channel"] = command.contains("channel") ? command["channel"] : json(1);
  doc["tracks"] = json::array({track});
  return sequence::parse_json_sequence(doc.dump());
}

// {"op":"add","track":T,"events":[...]}: beats from the boundary the edit
// takes over on (wrapped into a loop_beats loop), or absolute with
// "at":"beat". A track name not yet in the sequence is a new track
// ("channel", default 1).
std::string add(sequence::SequenceVersions& versions, const SequencePlayer& player, const json& command) {
  const auto events = command.find("events");
  if (events == command.end() || !events->is_array())
    return refused("/events: expected an array of link-seq/1 events");
  const auto at = command.find("at");
  const bool absolute = at != command.end() && *at == "beat";
  if (at != command.end() && !absolute)
    return refused(fmt::format(
        "/at: expected \"beat\" (absolute beats) or nothing (beats from the next boundary), got {}", at->dump()));
  sequence::Sequence next = versions.newest();
  std::string error;
  auto index = find_track(next, command, error);
  const auto track = command.find("track");
  const bool new_track = !index && track != command.end() && track->is_string() && !track->get<std::string>().empty();
  if (!index && !new_track) return refused(error);
  const std::size_t t = index ? *index : next.tracks.size();
  auto result = read_events(command, next, t, absolute);
  if (!result.ok()) return refused_problems(result, "/tracks/0", "");
  if (new_track) next.tracks.push_back(sequence::Track{track->get<std::string>(), result.sequence.tracks[0].channel});
  const double start = absolute ? 0.0 : player.sequence_beat(edit_position(player, versions), next);
  std::uint32_t in_track = static_cast<std::uint32_t>(
      std::count_if(next.events.begin(), next.events.end(), [&](const sequence::Event& e) { return e.track == t; }));
  for (auto e : result.sequence.events) {
    e.track = static_cast<std::uint32_t>(t);
    e.index = in_track++;
    e.beat += start;
    if (!absolute && next.loop_beats) e.beat = std::fmod(e.beat, *next.loop_beats);
    next.events.push_back(e);
  }
  // Sequence::events' order: by beat, then track, then file order (the new
  // events come after a track's own on the same beat).
  std::stable_sort(next.events.begin(), next.events.end(), [](const sequence::Event& a, const sequence::Event& b) {
    return a.beat < b.beat || (a.beat == b.beat && a.track < b.track);
  });
  return offered(versions, std::move(next), std::nullopt, {{"track", t}, {"beat", start}});
}

std::string mute(sequence::SequenceVersions& versions, const json& command, bool muted) {
  sequence::Sequence next = versions.newest();
  std::string error;
  const auto index = find_track(next, command, error);
  if (!index) return refused(error);
  next.tracks[*index].muted = muted;
  return offered(versions, std::move(next));
}

// The keys each command takes besides "op": a key of another command, or a
// misspelt one, is refused rather than ignored, as a file's would be.
std::string stray_key(const std::string& op, const json& command) {
  static const std::vector<std::pair<std::string, std::vector<std::string>>> kKeys = {
      {"status", {}},          {"add", {"track", "channel", "at", "events"}},
      {"clear", {"track"}},    {"mute", {"track"}},
      {"unmute", {"track"}},   {"start", {}},
      {"stop", {}},            {"replace", {"sequence"}},
      {"load", {"path"}}};
  for (const auto& [name, keys] : kKeys) {
    if (name != op) continue;
    for (const auto& item : command.items()) {
      if (item.key() == "op" || std::find(keys.begin(), keys.end(), item.key()) != keys.end()) continue;
      std::string known = "op";
      for (const auto& k : keys) known += ", " + k;
      return refused(fmt::format("/{}: expected a key of {} ({}), got \"{}\"", item.key(), op, known, item.key()));
    }
  }
  return {};
}

} // namespace

std::string SeqControl::handle(std::string_view line) {
  const json command = json::parse(line, nullptr, false);
  if (command.is_discarded() || !command.is_object())
    return refused("expected a JSON object on one line, such as {\"op\":\"status\"}");
  const auto op = command.find("op");
  const std::string name = op != command.end() && op->is_string() ? op->get<std::string>() : "";
  if (auto stray = stray_key(name, command); !stray.empty()) return stray;
  if (name == "status") return status(player_, versions_);
  if (name == "replace") return replace(versions_, command);
  if (name == "load") return load(versions_, command);
  if (name == "clear") return clear(versions_, command);
  if (name == "add") return add(versions_, player_, command);
  if (name == "mute" || name == "unmute") return mute(versions_, command, name == "mute");
  if (name == "stop" || name == "start") return offered(versions_, versions_.newest(), name == "stop");
  return refused(fmt::format("/op: expected status, add, clear, mute, unmute, start, stop, replace or load, got {}",
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
