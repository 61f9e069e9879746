#pragma once
// Audio files (and a metronome click) played on the Link beat grid, as an
// AudioSource: the output asks for each period's frames.
//
// Every sound is a voice that starts on the start bar (`origin`, a quantum
// boundary of the session). A looping voice restarts on its own grid of
// passes, every `loop_beats` beats from the origin, so it stays in phase
// with the session whatever the rounding of its length: a file shorter than
// its pass leaves a gap, a longer one is cut. Within a pass a file plays at
// its own speed (sample by sample), so a tempo change moves where the next
// pass starts, never the pitch. (With --follow-tempo a clip with a tempo of
// its own plays a rendering stretched to the session's tempo instead, its
// position within the pass taken from the beat.) A period's frames are turned into beats with
// that period's session state: frame i is at beat b0 + i * beats_per_frame.
// A frame belongs to a pass when the middle of the frame is at or after the
// pass's first beat, so every onset is within half a frame of its beat.

#include "audio/AudioFile.hpp"
#include "audio/AudioOutput.hpp"
#include "session/SyncedTransport.hpp"

#include <atomic>
#include <cmath>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace linktools::audio {

class TempoFollower;

struct Clip {
  std::string name;          // as the user gave it
  Buffer audio;              // at the output's rate
  float gain = 1.0f;         // linear
  std::optional<double> bpm; // the file's own tempo (--bpm-of, --beats-of)
};

struct PlayerOptions {
  double quantum = 4.0;
  // Each clip repeats on passes of loop_beats() beats.
  bool loop = false;
  // Clips with a tempo of their own (Clip::bpm) are stretched to the
  // session's tempo, keeping their pitch (audio/TempoFollower.hpp): on a
  // worker thread, or with stretch_in_background off, by stretch_now().
  bool follow_tempo = false;
  bool stretch_in_background = true;
  // Follow the session's transport: start with it (on the first bar line of
  // the session's start), stop with it (a short fade from the stop time;
  // the next start plays from the beginning). Off: start on the next
  // quantum boundary, once.
  bool start_stop_sync = false;
  // Stop after this many beats of playing (a fade that ends on that beat).
  std::optional<double> length;
  // A metronome: a click on every beat, accented on the session's bar lines.
  bool click = false;
  float click_gain = 0.5f; // linear
  float gain = 1.0f;       // linear, over everything
  double fade_us = 10'000; // how long a stop fades out
};

// A file of `seconds` at `bpm` loops on its length in beats, rounded to whole
// beats, at least one.
double loop_beats(double seconds, double bpm) noexcept;

// The metronome's two sounds at `rate`: a short decaying tone, higher on the
// bar line. Sharp onsets, so a recording shows where each beat was heard.
Buffer click_sound(int rate, bool accent);

class Player final : public AudioSource {
public:
  // `clips` must outlive the player; their audio is at the output rate `rate`.
  Player(std::span<const Clip> clips, int rate, const PlayerOptions& options);
  ~Player() override;

  void render(const SessionState& state, const Period& period) noexcept override;

  // The transport the peers announce, until Link reports a change itself
  // (as SequencePlayer). Thread-safe and realtime-safe.
  void set_transport_hint(std::optional<bool> playing) noexcept {
    hint_.store(encode_hint(playing), std::memory_order_relaxed);
  }
  // Stops playing: at once with a short fade, or on the next bar line (a
  // fade that ends on it). Before playing started, stops at once.
  // Thread-safe.
  void request_stop(bool at_bar) noexcept;

  // True once nothing more will sound: every file played to its end (not
  // looping, no click, no length), a length reached, or a requested stop
  // faded out. Thread-safe.
  bool done() const noexcept { return done_flag_.load(std::memory_order_acquire); }

  // For the progress display; thread-safe.
  bool playing() const noexcept { return playing_flag_.load(std::memory_order_relaxed); }
  // Beats since the start bar (0 while waiting).
  double position() const noexcept { return position_.load(std::memory_order_relaxed); }
  // The session beat of the bar line playing started on (moved with the grid
  // when it jumps by whole bars); NaN until playing first starts, then kept
  // after a stop until the next start.
  double start_beat() const noexcept { return start_beat_.load(std::memory_order_relaxed); }
  // Whether playing started at least once.
  bool has_started() const noexcept { return !std::isnan(start_beat()); }
  // Where clip i is in its audio, in seconds (negative: silent, its pass is
  // over or it has not started).
  double clip_seconds(std::size_t i) const noexcept;
  // Clip i's pass (0 for the first), and its pass length in beats once
  // playing started (0 before).
  std::int64_t clip_pass(std::size_t i) const noexcept;
  double clip_loop_beats(std::size_t i) const noexcept;
  std::size_t clip_count() const noexcept { return clips_.size(); }
  // The tempo clip i plays at its own pitch: its own (Clip::bpm), or with
  // --follow-tempo the tempo of the rendering it plays (the session's,
  // unless a new stretch is on its way). 0 for a clip without a tempo.
  double clip_tempo(std::size_t i) const noexcept { return clip_tempo_[i].load(std::memory_order_relaxed); }

  // --follow-tempo without a background thread: stretches what the session's
  // tempo (as the last render saw it) still needs, on this thread.
  void stretch_now();

private:
  struct Voice;
  enum class Stop { none, at_time, at_beat };

  void begin(const SessionState& state, double b0, bool link_rules) noexcept;
  std::uint32_t enter_pass(Voice& v, const Period& p, double b0, double beats_per_frame,
                           std::uint32_t i) noexcept;
  void render_voice(Voice& v, const Period& p, double b0, double beats_per_frame, std::uint32_t first,
                    float gain_scale) noexcept;
  void render_follow(Voice& v, const Period& p, double b0, double beats_per_frame, double tempo,
                     std::uint32_t first, float gain_scale) noexcept;
  float envelope(double t_us) const noexcept;
  void end_playing() noexcept;
  // The parts of render, in order; b0: the period's first beat, bpf: beats a frame.
  void follow_grid_jump(const SessionState& state, const Period& p, double b0, double bpf) noexcept;
  // Stop requests and the session's transport; false when the run ended.
  bool follow_transport(const SessionState& state, const Period& p, double b0, double bpf) noexcept;
  void plan_fade(const Period& p, double b0, double bpf) noexcept;
  // True when every voice has finished.
  bool render_voices(const Period& p, double b0, double bpf, double tempo) noexcept;
  void end_period(const Period& p, double b0, double bpf, bool all_finished) noexcept;

  std::span<const Clip> clips_;
  int rate_;
  PlayerOptions options_;
  Buffer click_[2]; // normal, accent
  std::vector<Voice> voices_; // one per clip, then the click
  std::unique_ptr<TempoFollower> follower_; // --follow-tempo

  std::atomic<int> hint_{-1};
  std::atomic<int> stop_request_{0}; // 0 none, 1 now, 2 at the bar
  std::atomic<bool> done_flag_{false};
  std::atomic<bool> playing_flag_{false};
  std::atomic<double> position_{0.0};
  std::atomic<double> start_beat_{std::nan("")};
  std::unique_ptr<std::atomic<double>[]> clip_seconds_;
  std::unique_ptr<std::atomic<std::int64_t>[]> clip_pass_;
  std::unique_ptr<std::atomic<double>[]> clip_loop_;
  std::unique_ptr<std::atomic<double>[]> clip_tempo_;
  std::uint32_t crossfade_frames_;

  // Audio thread only.
  bool playing_ = false;
  bool launched_ = false;
  bool done_ = false;
  bool stop_ends_run_ = false; // the stop under way ends the run (not a transport stop)
  double origin_ = 0.0;
  std::optional<HostTime> last_start_; // the session time playing last started on
  Stop stop_ = Stop::none;
  double stop_time_us_ = 0.0; // Stop::at_time: the fade starts here
  double stop_beat_ = 0.0;    // Stop::at_beat: the fade ends on this beat
  double stop_asked_us_ = 0.0; // when a stop at the bar was asked (no fade starts before)
  double fade_start_us_ = 0.0, fade_end_us_ = 0.0; // this period's fade
  bool have_last_ = false;
  double last_end_us_ = 0.0;
  double last_beat_ = 0.0;
};

} // namespace linktools::audio
