#include "commands/link-midiclock/MidiClockCommand.hpp"

#include "midi/MidiOutput.hpp"
#include "midi/MidiClock.hpp"
#include "playback/Playback.hpp"

#include <fmt/core.h>

#include <cmath>
#include <unistd.h>

namespace linktools {

std::unique_ptr<CLI::App> make_midiclock_app(MidiClockCommandOptions& options) {
  auto app = make_app("link-midiclock",
                      "Send MIDI clock (24 per beat), Start/Stop and Song Position, locked to the\n"
                      "Ableton Link session's tempo, beat and transport.");
  add_common_options(*app, options.common, kQuantumFlag | kTimeoutFlag | kPeersFlag);
  midi::add_output_flags(*app, options.output);
  app->add_flag("--no-sync", options.no_sync,
                "Ignore the session's start/stop: Start on the next bar after launch");
  app->add_flag("--spp", options.spp,
                "Joining a playing session: Song Position Pointer + Continue on the next "
                "sixteenth (instead of Start on the next bar)");
  app->add_flag("--no-idle-clock", options.no_idle_clock, "Send no clock while stopped");
  app->add_flag("--quiet", options.quiet, "No live status line on a terminal");
  return app;
}

void validate(const MidiClockCommandOptions& options) {
  validate(options.common);
  midi::validate(options.output);
}

ExitCode run_midiclock(const MidiClockCommandOptions& options) {
  validate(options);
  if (options.output.list) {
    midi::print_ports(options.output, "link-midiclock");
    return ExitCode::ok;
  }

  // The output first: a port that does not exist ends the run before we
  // join the session or send anything.
  auto output = midi::open_output(midi::output_options(options.output));
  for (const auto& line : output->warnings()) warn("link-midiclock", line);

  MidiClockOptions clock_options;
  clock_options.quantum = options.common.quantum;
  clock_options.start_stop_sync = !options.no_sync;
  clock_options.song_position = options.spp;
  clock_options.idle_clock = !options.no_idle_clock;
  clock_options.offset = options.output.offset();
  MidiClock clock(clock_options);

  PlaybackOptions playback;
  playback.common = options.common;
  playback.start_stop_sync = !options.no_sync;
  playback.live = !options.quiet && is_terminal(STDERR_FILENO);
  PlaybackHooks hooks;
  hooks.transport_hint = [&](std::optional<bool> playing) { clock.set_transport_hint(playing); };
  hooks.live_suffix = [&] { return fmt::format(" | {} ticks", clock.ticks_sent()); };
  play_in_session(*output, clock, playback, hooks);
  return ExitCode::ok;
}

} // namespace linktools
