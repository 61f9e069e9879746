#include "commands/link-seq/SeqEditor.hpp"

#include "cli/Errors.hpp"
#include "cli/Tool.hpp"
#include "commands/link-seq/SeqControl.hpp"
#include "sequence/Load.hpp"

#include <fmt/core.h>

#include <cstdio>
#include <poll.h>
#include <unistd.h>

namespace linktools {

namespace {

// How long the thread sleeps in poll with nothing to do: the watcher's
// quiet time is judged by the clock, so it must look again now and then.
constexpr int kPollMs = 10;

// Reads the file again after it changed and offers the new version to the
// player (with the mutes of its tracks, and stopped if it was); a version
// that fails the check is reported as --check reports it (each problem with
// its file and JSON pointer, then the summary) and the version before plays on.
void reload(const std::string& file, sequence::SequenceVersions& versions) {
  try {
    sequence::Sequence next = sequence::load_sequence(file);
    sequence::keep_mutes(versions.newest(), next);
    versions.offer(std::move(next));
  } catch (const ToolError& e) {
    for (const auto& line : e.details()) fmt::print(stderr, "{}\n", line);
    fmt::print(stderr, "link-seq: error: {}\n", e.what());
    warn("link-seq", fmt::format("{}: not reloaded; the version before plays on", file));
  }
  std::fflush(stderr);
}

// Answers the commands that came on standard input, a line each.
void answer(LineReader& commands, SeqControl& control) {
  bool answered = false;
  for (const auto& line : commands.take()) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    fmt::print(stdout, "{}\n", control.handle(line));
    answered = true;
  }
  if (answered) std::fflush(stdout);
}

} // namespace

SeqEditor::SeqEditor(std::string file, std::unique_ptr<FileWatcher> watcher, bool control,
                     sequence::SequenceVersions& versions, const SequencePlayer& player)
    : file_(std::move(file)), watcher_(std::move(watcher)), control_(control), versions_(versions),
      player_(player), thread_([this] { run(); }) {}

SeqEditor::~SeqEditor() {
  stop_.store(true, std::memory_order_relaxed);
  thread_.join();
}

void SeqEditor::run() {
  SeqControl control(versions_, player_);
  LineReader commands(STDIN_FILENO);
  while (!stop_.load(std::memory_order_relaxed)) {
    pollfd fds[2];
    nfds_t n = 0;
    if (watcher_) fds[n++] = pollfd{watcher_->fd(), POLLIN, 0};
    if (control_ && !commands.ended()) fds[n++] = pollfd{STDIN_FILENO, POLLIN, 0};
    ::poll(fds, n, kPollMs); // woken early by a change or a command; EINTR: look anyway
    if (watcher_ && watcher_->changed(FileWatcher::Clock::now())) reload(file_, versions_);
    if (control_) answer(commands, control);
    versions_.collect(); // versions the player let go of are freed here, never on its thread
  }
}

} // namespace linktools
