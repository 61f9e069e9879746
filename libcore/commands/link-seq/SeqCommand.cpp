#include "commands/link-seq/SeqCommand.hpp"

#include "cli/LineOutput.hpp"
#include "cli/Signals.hpp"
#include "commands/link-seq/FileWatcher.hpp"
#include "commands/link-seq/SeqEditor.hpp"
#include "midi/EventJson.hpp"
#include "midi/MidiOutput.hpp"
#include "playback/Playback.hpp"
#include "sequence/SequencePlayer.hpp"
#include "sequence/JsonFormat.hpp"
#include "sequence/Load.hpp"
#include "sequence/SequenceVersions.hpp"
#include "session/Join.hpp"

#include <fmt/core.h>

#include <cmath>
#include <unistd.h>
#include <vector>

namespace linktools {

std::unique_ptr<CLI::App> make_seq_app(SeqCommandOptions& options) {
  auto app = make_app("link-seq",
                      "Play note and controller sequences (link-seq/1 JSON files, or MIDI files) on\n"
                      "a MIDI port, locked to the Ableton Link session's beat grid.");
  app->add_option("file", options.file,
                  "The sequence: a link-seq/1 JSON file (- for standard input) or a MIDI file");
  add_common_options(*app, options.common, kQuantumFlag | kTimeoutFlag | kPeersFlag);
  app->get_option("--quantum")
      ->description("Beats in a bar: where playing starts and --bars counts (default: the file's)")
      ->each([&options](const std::string&) { options.quantum_given = true; });
  midi::add_output_flags(*app, options.output);
  app->add_flag("--loop", options.loop,
                "Repeat the sequence (files with loop_beats always loop); without loop_beats a "
                "pass is the whole bars that hold every event");
  add_length_options(*app, options.length);
  app->add_flag("--sync", options.sync,
                "Follow the session's start/stop: play while it plays, from the first bar of "
                "each start");
  app->add_flag("--dry-run", options.dry_run,
                "Print the schedule as JSON Lines (time_us, beat, message, bytes) without a MIDI "
                "port, then exit");
  app->add_flag("--check", options.check, "Only check the file, then exit");
  app->add_flag("--to-json", options.to_json, "Print the sequence as a link-seq/1 document, then exit");
  app->add_flag("--quiet", options.quiet, "No live status line on a terminal");
  app->add_flag("--reload", options.reload,
                "Watch the file while playing: each saved version that passes the check takes "
                "over at the next boundary (--swap-at); one that fails is reported and the "
                "version before plays on");
  app->add_option("--swap-at", options.swap_at,
                  "With --reload or --control, where a new version takes over: bar, loop or beat "
                  "(default: the "
                  "loop's end for a file with loop_beats, else the next bar)");
  app->add_flag("--cut", options.cut,
                "With --reload or --control, notes sounding at a swap end there (default: at "
                "their own end)");
  app->add_flag("--control", options.control,
                "Edit live from standard input: JSON Lines commands (status, add, clear, mute, "
                "unmute, start, stop, replace, load), one reply line each on standard output; "
                "FILE may be left out");
  return app;
}

void validate(const SeqCommandOptions& options) {
  validate(options.common);
  midi::validate(options.output);
  if (options.output.list) return;
  if (options.file.empty() && !options.control)
    throw bad_input("FILE", "expected a sequence file (link-seq/1 JSON or MIDI), or - for standard input");
  if (options.control && (options.check || options.to_json || options.dry_run))
    throw bad_input("--control", "expected without --check, --to-json and --dry-run: it plays");
  if (options.control && options.file == "-")
    throw bad_input("--control", "expected a file, or none: standard input holds the commands");
  if (options.control && options.output.backend == "jsonl" && options.output.output == "-")
    throw bad_input("--control", "expected --output FILE with the jsonl backend: the replies go to standard output");
  if (static_cast<int>(options.check) + static_cast<int>(options.to_json) +
          static_cast<int>(options.dry_run) > 1)
    throw bad_input("--check, --to-json, --dry-run", "expected at most one of them");
  validate(options.length);
  if (options.reload && (options.check || options.to_json || options.dry_run))
    throw bad_input("--reload", "expected without --check, --to-json and --dry-run: it plays");
  if (options.reload && options.file == "-")
    throw bad_input("--reload", "expected a file to watch, got standard input");
  if (!options.reload && !options.control && (!options.swap_at.empty() || options.cut))
    throw bad_input(options.cut ? "--cut" : "--swap-at", "expected only with --reload or --control");
  if (!options.swap_at.empty() && options.swap_at != "bar" && options.swap_at != "loop" &&
      options.swap_at != "beat")
    throw bad_input("--swap-at", fmt::format("expected bar, loop or beat, got \"{}\"", options.swap_at));
}

namespace {

// Prints each event as a line when the player emits it, so that a long
// schedule never piles up in memory.
struct LinePrinter final : midi::EventSink {
  explicit LinePrinter(LineOutput& out) : out_(out) {}
  void emit(const midi::Event& e) noexcept override {
    if (reader_left) return;
    try {
      if (!out_.write_line(midi::event_json(e))) reader_left = true;
    } catch (...) {
      reader_left = true; // out of memory for one line: stop printing
    }
  }
  bool reader_left = false;

private:
  LineOutput& out_;
};

// The schedule as it would play if started now, computed at once from the
// session state of this moment: one pass of a loop unless a length is given.
// Rendered in short windows of session time, so that a stop signal or a
// closed pipe ends it soon however dense the sequence.
ExitCode dry_run(Session& session, const sequence::Sequence& seq, SequencePlayerOptions options) {
  options.start_stop_sync = false;
  if (!options.length && (options.loop || seq.loop_beats))
    options.length = sequence::loop_length(seq, options.quantum);
  SequencePlayer player(seq, options);
  const SessionState state = session.capture_app_state();
  LineOutput out(stdout);
  LinePrinter sink(out);
  constexpr HostTime kWindow = std::chrono::milliseconds(100);
  for (HostTime from = session.now(); !player.done() && !sink.reader_left && !stop_requested();
       from += kWindow)
    player.render(state, from, from + kWindow, sink);
  return ExitCode::ok;
}

SequencePlayerOptions::SwapAt swap_at(const std::string& name) {
  using SwapAt = SequencePlayerOptions::SwapAt;
  if (name == "bar") return SwapAt::bar;
  if (name == "loop") return SwapAt::loop;
  if (name == "beat") return SwapAt::beat;
  return SwapAt::automatic;
}

// Where playing is and what was sent, after link-status's live line.
std::string live_suffix(const SequencePlayer& player) {
  const double pass = player.pass_length();
  std::string where = "waiting";
  if (player.playing()) {
    const double position = player.position();
    where = pass > 0.0 && std::isfinite(pass)
                ? fmt::format("beat {:.1f} of {:g}", std::fmod(position, pass), pass)
                : fmt::format("beat {:.1f}", position);
  }
  std::string version;
  if (player.playing_generation() > 1 || player.pending_generation() > 0)
    version = fmt::format(" | version {}", player.playing_generation());
  if (player.pending_generation() > 0 && std::isfinite(player.pending_position()))
    version += fmt::format(", {} at beat {:g}", player.pending_generation(), player.pending_position());
  return fmt::format(" | {} | {} sent{}", where, player.events_sent(), version);
}

// Plays `seq` until a stop signal or its end; with a watcher, each new
// version of the file takes over on its boundary, and with --control each
// edit from standard input, both read on the editing thread (SeqEditor).
ExitCode play_sequence(const SeqCommandOptions& options, sequence::Sequence seq,
                       const SequencePlayerOptions& play, std::unique_ptr<FileWatcher> watcher) {
  // The output before the session: a port that does not exist ends the run
  // before we join or send anything.
  auto output = midi::open_output(midi::output_options(options.output));
  for (const auto& line : output->warnings()) warn("link-seq", line);
  sequence::SequenceVersions versions(std::move(seq));
  SequencePlayer player(versions, play);

  PlaybackOptions playback;
  playback.common = options.common;
  playback.common.quantum = play.quantum;
  playback.start_stop_sync = options.sync;
  playback.live = !options.quiet && is_terminal(STDERR_FILENO);
  std::unique_ptr<SeqEditor> editor;
  if (watcher || options.control)
    editor = std::make_unique<SeqEditor>(options.file, std::move(watcher), options.control, versions, player);
  PlaybackHooks hooks;
  hooks.transport_hint = [&](std::optional<bool> playing) { player.set_transport_hint(playing); };
  hooks.finished = [&]() -> std::optional<HostTime> {
    if (!player.done()) return std::nullopt;
    return player.last_time();
  };
  hooks.live_suffix = [&] { return live_suffix(player); };
  play_in_session(*output, player, playback, hooks);
  return ExitCode::ok;
}

} // namespace

ExitCode run_seq(const SeqCommandOptions& options) {
  validate(options);
  if (options.output.list) {
    midi::print_ports(options.output, "link-seq");
    return ExitCode::ok;
  }

  // Watching begins before the first read, so no save in between is missed.
  std::unique_ptr<FileWatcher> watcher;
  if (options.reload) watcher = std::make_unique<FileWatcher>(options.file);
  // The whole file is read and checked before any port opens.
  sequence::Sequence seq = options.file.empty() ? sequence::Sequence{} : sequence::load_sequence(options.file);
  if (options.check) {
    std::size_t notes = 0;
    for (const auto& e : seq.events) notes += e.kind == sequence::EventKind::note;
    const auto count = [](std::size_t n, const char* what) {
      return fmt::format("{} {}{}", n, what, n == 1 ? "" : "s");
    };
    fmt::print("{}: ok: {}, {} ({}), {}\n", options.file == "-" ? "standard input" : options.file,
               count(seq.tracks.size(), "track"), count(seq.events.size(), "event"),
               count(notes, "note"),
               seq.loop_beats ? fmt::format("a loop of {:g} beats", *seq.loop_beats)
                              : fmt::format("{:g} beats long", sequence::natural_end(seq)));
    return ExitCode::ok;
  }
  if (options.to_json) {
    LineOutput out(stdout);
    std::string text = sequence::to_json(seq);
    if (!text.empty() && text.back() == '\n') text.pop_back();
    out.write_line(text);
    return ExitCode::ok;
  }

  const double quantum = options.quantum_given ? options.common.quantum : seq.quantum;
  SequencePlayerOptions play;
  play.swap_at = swap_at(options.swap_at);
  play.cut_at_swap = options.cut;
  play.quantum = quantum;
  play.loop = options.loop || options.file.empty(); // --control alone: an empty loop to fill
  play.length = options.length.in_beats(quantum);
  play.start_stop_sync = options.sync;
  play.offset = options.output.offset();

  if (options.dry_run) {
    Session session;
    join_as_asked(session, options.common.required_peers(), options.common.timeout());
    if (stop_requested()) return ExitCode::ok;
    return dry_run(session, seq, play);
  }

  return play_sequence(options, std::move(seq), play, std::move(watcher));
}

} // namespace linktools
