#pragma once
// clock-receiver: joins the Link session as one more peer, receives a MIDI
// clock (JACK or JSON Lines on stdin) and reports how far each tick arrived
// from the ideal beat grid of the receiver's own session state. With
// --note-ons it times note-ons on every STEP_TICKS-th tick instead (link-seq).

#include "cli/Tool.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace linktools::bench {

struct ReceiverOptions {
  CommonOptions common;           // --quantum, --json, --timeout (the wait for a peer)
  bool jack = false;              // --jack: only says the default out loud
  bool from_stdin = false;        // --stdin instead of JACK
  bool busy_read = false;         // --busy-read: poll stdin without sleeping
  std::optional<std::string> connect;
  double seconds = 10.0;          // the whole run, warm-up included
  double warmup_s = 1.0;
  std::optional<std::string> log_path; // --log FILE: every observation, for finding outliers
  // Ticks this long after a tempo change are reported apart: the peers hear
  // of a change tens of milliseconds after the moment it is dated.
  double change_window_ms = 100.0;
  // JACK: messages this close to an xrun (before or after it) are left out
  // of the figures away from xruns; a stalled cycle mistimes them.
  double xrun_window_ms = 50.0;
  // --note-ons STEP_TICKS: time note-ons, one expected every STEP_TICKS grid
  // ticks, instead of the clock.
  std::optional<int> note_on_step;
  // --audio: time the onsets of sound on a JACK audio input (as note-ons).
  bool audio = false;
  float threshold = 0.1f;
  std::uint32_t latency_frames = 0;
};

// Where --note-ons stops: four bars of 4/4.
inline constexpr int kMaxNoteOnStep = 384;

// Not one clock tick (or note-on) arrived after the warm-up.
inline constexpr auto kNoTicks = static_cast<ExitCode>(3);

std::unique_ptr<CLI::App> make_receiver_app(ReceiverOptions& options);
// Throws ToolError(bad_input) naming the flag.
void validate(const ReceiverOptions& options);
ExitCode run_receiver(const ReceiverOptions& options);

} // namespace linktools::bench
