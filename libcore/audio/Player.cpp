#include "audio/Player.hpp"

#include "audio/TempoFollower.hpp"
#include "session/SyncedTransport.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace linktools::audio {

namespace {

// Beats computed from host times carry rounding noise; a boundary this close
// counts as reached.
constexpr double kBeatSlack = 1e-6;
// A change of the beat grid by more than this between two periods is a jump
// (a forced beat, a session merge), not a tempo change heard a little late.
constexpr double kJumpBeats = 1.0;
// A voice more than this many frames from where the clock says it should be
// (a stalled period, a grid jump) is put back in place.
constexpr double kResyncFrames = 48.0;
// --follow-tempo: a new rendering takes over from the one before in this
// long, and so does a read put back where the grid says after a jump.
constexpr double kCrossfadeSeconds = 0.02;
// --follow-tempo, between renderings' tempos: a read this far (in frames)
// from where the grid says at a period's start is put there through a
// crossfade (the grid moved: a tempo change heard late, a nudge); closer,
// directly (the rounding of the clocks' estimates).
constexpr double kSlipFrames = 4.0;

// The beat at host time `us` (with fractions of a microsecond, which Link's
// integer host times leave out: added at the state's tempo).
double beat_at(const SessionState& state, double us, double quantum) noexcept {
  const double whole = std::floor(us);
  return state.beat_at_time(HostTime(static_cast<HostTime::rep>(whole)), quantum) +
         (us - whole) * state.tempo() / 60e6;
}

double boundary_at_or_after(double beat, double quantum) noexcept {
  return std::ceil(beat / quantum - kBeatSlack) * quantum;
}

} // namespace

struct Player::Voice {
  const Buffer* sound[2] = {nullptr, nullptr}; // the click: normal, accent on bar lines
  float gain = 1.0f;
  bool loop = false;
  double loop_beats = 0.0;  // pass length; set when playing starts
  std::int64_t pass = -1;   // -1: not started
  double anchor_us = 0.0;   // host time of the pass's first sample
  std::int64_t index = 0;   // the sample the next period's first frame plays
  bool finished = false;    // not looping, and played to its end
  const Buffer* current = nullptr;
  double pass_beat = 0.0;   // the beat the pass starts on
  // --follow-tempo: the clip's number in the follower (-1: not stretched),
  // the rendering it plays, where in it the next frame reads (in its
  // frames, with fractions) and how far the read moves a frame.
  int follow = -1;
  const Rendering* rendering = nullptr;
  double read = 0.0;
  double step = 1.0;
  // A crossfade under way: the read it fades out of, going on from where it
  // was at the speed it had, for fade_left more frames.
  const Rendering* fade_from = nullptr;
  double fade_read = 0.0;
  double fade_step = 1.0;
  std::uint32_t fade_left = 0;
};

double loop_beats(double seconds, double bpm) noexcept {
  const double beats = std::round(seconds * bpm / 60.0);
  return std::max(1.0, beats);
}

Buffer click_sound(int rate, bool accent) {
  // 40 ms of a tone, 1.5 kHz on the bar (1 kHz otherwise), at full level on
  // its first sample and decaying fast.
  Buffer b;
  b.rate = rate;
  const auto frames = static_cast<std::size_t>(rate * 0.04);
  const double freq = accent ? 1500.0 : 1000.0;
  const double amp = accent ? 1.0 : 0.7;
  b.left.resize(frames);
  for (std::size_t i = 0; i < frames; ++i) {
    const double t = static_cast<double>(i) / rate;
    b.left[i] = static_cast<float>(amp * std::cos(2.0 * std::numbers::pi * freq * t) * std::exp(-t / 0.008));
  }
  b.right = b.left;
  return b;
}

Player::Player(std::span<const Clip> clips, int rate, const PlayerOptions& options)
    : clips_(clips), rate_(rate), options_(options),
      clip_seconds_(new std::atomic<double>[clips.size()]),
      clip_pass_(new std::atomic<std::int64_t>[clips.size()]),
      clip_loop_(new std::atomic<double>[clips.size()]),
      clip_tempo_(new std::atomic<double>[clips.size()]),
      crossfade_frames_(static_cast<std::uint32_t>(rate * kCrossfadeSeconds)) {
  click_[0] = click_sound(rate, false);
  click_[1] = click_sound(rate, true);
  voices_.resize(clips.size() + (options.click ? 1 : 0));
  for (std::size_t i = 0; i < clips.size(); ++i) {
    voices_[i].sound[0] = voices_[i].sound[1] = &clips[i].audio;
    voices_[i].gain = clips[i].gain;
    voices_[i].loop = options.loop;
    clip_seconds_[i].store(-1.0);
    clip_pass_[i].store(0);
    clip_loop_[i].store(0.0);
    clip_tempo_[i].store(clips[i].bpm.value_or(0.0));
  }
  std::vector<FollowSource> follow;
  for (std::size_t i = 0; i < clips.size() && options.follow_tempo; ++i) {
    if (!clips[i].bpm) continue;
    const double bpm = *clips[i].bpm;
    voices_[i].follow = static_cast<int>(follow.size());
    follow.push_back(FollowSource{&clips[i].audio, bpm, options.loop, loop_beats(clips[i].audio.seconds(), bpm)});
  }
  if (!follow.empty()) {
    follower_ = std::make_unique<TempoFollower>(follow, options.stretch_in_background);
    for (Voice& v : voices_)
      if (v.follow >= 0) v.rendering = &follower_->unstretched(static_cast<std::size_t>(v.follow));
  }
  if (options.click) {
    Voice& click = voices_.back();
    click.sound[0] = &click_[0];
    click.sound[1] = &click_[1];
    click.gain = options.click_gain;
    click.loop = true;
  }
}

Player::~Player() = default;

void Player::stretch_now() {
  if (follower_) follower_->work();
}

double Player::clip_seconds(std::size_t i) const noexcept {
  return clip_seconds_[i].load(std::memory_order_relaxed);
}
std::int64_t Player::clip_pass(std::size_t i) const noexcept {
  return clip_pass_[i].load(std::memory_order_relaxed);
}
double Player::clip_loop_beats(std::size_t i) const noexcept {
  return clip_loop_[i].load(std::memory_order_relaxed);
}

void Player::request_stop(bool at_bar) noexcept {
  stop_request_.store(at_bar ? 2 : 1, std::memory_order_release);
}

void Player::begin(const SessionState& state, double b0, bool link_rules) noexcept {
  const double q = options_.quantum;
  double start = boundary_at_or_after(b0, q);
  if (options_.start_stop_sync && link_rules) {
    // The first bar line from the session's start, if we are in time for it.
    const double from_start = boundary_at_or_after(state.beat_at_time(state.time_for_is_playing(), q), q);
    if (from_start >= b0 - kBeatSlack) start = from_start;
  }
  origin_ = start;
  last_start_ = state.time_at_beat(start, q);
  start_beat_.store(origin_, std::memory_order_relaxed);
  const double tempo = state.tempo();
  for (std::size_t i = 0; i < voices_.size(); ++i) {
    Voice& v = voices_[i];
    const bool is_click = i >= clips_.size();
    v.loop_beats = is_click ? 1.0 : loop_beats(clips_[i].audio.seconds(), clips_[i].bpm.value_or(tempo));
    v.pass = -1;
    v.index = 0;
    v.finished = false;
    v.current = nullptr;
    if (!is_click) clip_loop_[i].store(v.loop_beats, std::memory_order_relaxed);
  }
  if (options_.length) {
    // Ends the run when reached (as every stop on a beat does), but a
    // transport stop before it only ends this start.
    stop_ = Stop::at_beat;
    stop_beat_ = origin_ + *options_.length;
  }
  playing_ = true;
  launched_ = true;
}

float Player::envelope(double t_us) const noexcept {
  if (stop_ == Stop::none || t_us < fade_start_us_) return 1.0f;
  if (t_us >= fade_end_us_) return 0.0f;
  return static_cast<float>((fade_end_us_ - t_us) / (fade_end_us_ - fade_start_us_));
}

std::uint32_t Player::enter_pass(Voice& v, const Period& p, double b0, double bpf, std::uint32_t i) noexcept {
  // The pass of frame i (by the middle of the frame, with the millionth of
  // a frame of slack `end` below gives), and where the next begins.
  const double rel = b0 + (i + 0.5 + 1e-6) * bpf - origin_;
  const std::int64_t pass =
      v.loop ? std::max<std::int64_t>(0, static_cast<std::int64_t>(std::floor(rel / v.loop_beats))) : 0;
  if (pass > v.pass) {
    // A new pass: its first sample on the frame nearest its first beat.
    const double beat = origin_ + static_cast<double>(pass) * v.loop_beats;
    const double at_frame = (beat - b0) / bpf; // fractional frame of the beat
    v.anchor_us = p.start_us + at_frame * p.us_per_frame;
    // Frames since the pass's first frame (the first whose middle is at or
    // after the beat, as for `pass`): never negative, or frame i would
    // belong to the pass and play nothing.
    v.index = std::max<std::int64_t>(
        0, static_cast<std::int64_t>(std::floor(static_cast<double>(i) - at_frame + 0.5 + 1e-6)));
    v.pass = pass;
    v.pass_beat = beat;
    const double q = options_.quantum;
    const double in_bar = beat - std::floor(beat / q + kBeatSlack) * q;
    v.current = v.sound[std::abs(in_bar) < kBeatSlack ? 1 : 0];
    v.finished = false;
  }
  // This pass lasts until the frame whose middle reaches the next one.
  std::uint32_t end = p.frames;
  if (v.loop) {
    const double next_beat = origin_ + static_cast<double>(v.pass + 1) * v.loop_beats;
    const double next_frame = std::ceil((next_beat - b0) / bpf - 0.5 - 1e-6);
    if (next_frame < static_cast<double>(end)) end = static_cast<std::uint32_t>(std::max(next_frame, i + 1.0));
  }
  return end;
}

void Player::render_voice(Voice& v, const Period& p, double b0, double bpf, std::uint32_t first,
                          float gain_scale) noexcept {
  const float gain = v.gain * gain_scale;
  const double frame_us = 1e6 / rate_;
  std::uint32_t i = first;
  // Back in place after a stall or a jump: where the pass's anchor says.
  if (v.pass >= 0) {
    const double expected = (p.start_us + i * p.us_per_frame - v.anchor_us) / frame_us;
    if (std::abs(static_cast<double>(v.index) - expected) > kResyncFrames) v.index = std::llround(expected);
  }
  while (i < p.frames) {
    const std::uint32_t end = enter_pass(v, p, b0, bpf, i);
    const Buffer& sound = *v.current;
    const auto frames = static_cast<std::int64_t>(sound.frames());
    for (; i < end; ++i, ++v.index) {
      if (v.index < 0 || v.index >= frames) continue;
      const float g = gain * envelope(p.start_us + i * p.us_per_frame);
      p.left[i] += g * sound.left[static_cast<std::size_t>(v.index)];
      p.right[i] += g * sound.right[static_cast<std::size_t>(v.index)];
    }
    if (!v.loop && v.index >= frames) v.finished = true;
  }
}

namespace {

// A sample between samples (Catmull-Rom, four points); silence outside.
float between(const std::vector<float>& s, double pos) noexcept {
  const double whole = std::floor(pos);
  const auto k = static_cast<std::int64_t>(whole);
  const auto n = static_cast<std::int64_t>(s.size());
  const auto at = [&](std::int64_t j) { return j >= 0 && j < n ? s[static_cast<std::size_t>(j)] : 0.0f; };
  const float y0 = at(k - 1), y1 = at(k), y2 = at(k + 1), y3 = at(k + 2);
  const auto t = static_cast<float>(pos - whole);
  return y1 + 0.5f * t * (y2 - y0 + t * (2.0f * y0 - 5.0f * y1 + 4.0f * y2 - y3 + t * (3.0f * (y1 - y2) + y3 - y0)));
}

} // namespace

void Player::render_follow(Voice& v, const Period& p, double b0, double bpf, double tempo, std::uint32_t first,
                           float gain_scale) noexcept {
  // Where in a rendering frame j of this period is: its beat in the pass.
  const auto position = [&](const Rendering& of, std::uint32_t j) {
    return (b0 + j * bpf - v.pass_beat) * of.frames_per_beat;
  };
  // From here the read fades out of where it was going (an older fade
  // still under way is dropped) and in where it is put next.
  const auto fade_out_of = [&](const Rendering& from) {
    v.fade_from = &from;
    v.fade_read = v.read;
    v.fade_step = v.step;
    v.fade_left = crossfade_frames_;
  };
  const auto clip = static_cast<std::size_t>(v.follow);
  if (const Rendering* next = follower_->take(clip)) {
    // Playing: a crossfade from the one before, and on in the new one where
    // the beat says. Not yet: nothing to fade from.
    if (v.pass >= 0) {
      fade_out_of(*v.rendering);
      v.read = position(*next, first);
    }
    v.rendering = next;
    follower_->release_before(clip, (v.fade_from ? v.fade_from : next)->generation);
  }
  const Rendering& r = *v.rendering;
  // At the rendering's own tempo it plays sample by sample, as a file that
  // is not stretched; at another tempo (a new rendering is on its way) it is
  // read at the speed that keeps its beats on the session's.
  const bool exact = std::abs(tempo - r.tempo) <= 1e-9 * tempo;
  if (exact) v.read = std::round(v.read);
  if (v.pass >= 0) {
    // Where the last period left off against where the grid says now.
    const double target = position(r, first);
    if (std::abs(v.read - target) > (exact ? kResyncFrames : kSlipFrames)) {
      if (v.fade_left == 0) fade_out_of(r);
      v.read = exact ? std::round(target) : target;
    }
  }
  const float gain = v.gain * gain_scale;
  std::uint32_t i = first;
  const auto frames = static_cast<double>(r.audio.frames());
  while (i < p.frames) {
    const std::int64_t pass = v.pass;
    const std::uint32_t end = enter_pass(v, p, b0, bpf, i);
    // A pass begins on its first sample (enter_pass counts the frames into
    // it for a file that is not stretched, as a rendering at its tempo is).
    if (v.pass != pass) v.read = exact ? static_cast<double>(v.index) : position(r, i);
    for (; i < end; ++i) {
      float left = 0.0f, right = 0.0f;
      if (exact) {
        if (v.read >= 0.0 && v.read < frames) {
          left = r.audio.left[static_cast<std::size_t>(v.read)];
          right = r.audio.right[static_cast<std::size_t>(v.read)];
        }
        v.step = 1.0;
      } else {
        v.read = position(r, i);
        left = between(r.audio.left, v.read);
        right = between(r.audio.right, v.read);
        v.step = bpf * r.frames_per_beat;
      }
      v.read += v.step;
      if (v.fade_left > 0) {
        const float w = static_cast<float>(v.fade_left--) / static_cast<float>(crossfade_frames_);
        left = (1.0f - w) * left + w * between(v.fade_from->audio.left, v.fade_read);
        right = (1.0f - w) * right + w * between(v.fade_from->audio.right, v.fade_read);
        v.fade_read += v.fade_step;
      }
      const float g = gain * envelope(p.start_us + i * p.us_per_frame);
      p.left[i] += g * left;
      p.right[i] += g * right;
    }
    if (!v.loop && v.read >= frames && v.fade_left == 0) v.finished = true;
  }
  v.index = std::llround(v.read);
  if (v.fade_from && v.fade_left == 0) {
    v.fade_from = nullptr;
    follower_->release_before(clip, r.generation);
  }
}

void Player::end_playing() noexcept {
  playing_ = false;
  playing_flag_.store(false, std::memory_order_relaxed);
  stop_ = Stop::none;
  for (std::size_t i = 0; i < clips_.size(); ++i) clip_seconds_[i].store(-1.0, std::memory_order_relaxed);
  if (stop_ends_run_) done_ = true;
  stop_ends_run_ = false;
}

void Player::render(const SessionState& state, const Period& p) noexcept {
  if (done_ || p.frames == 0) {
    if (done_) done_flag_.store(true, std::memory_order_release);
    return;
  }
  const double q = options_.quantum;
  const double tempo = state.tempo();
  const double bpf = p.us_per_frame * tempo / 60e6; // beats per frame
  const double b0 = beat_at(state, p.start_us, q); // the beat of the first frame
  if (follower_) follower_->want(tempo);

  follow_grid_jump(state, p, b0, bpf);
  if (!follow_transport(state, p, b0, bpf)) return;
  if (!playing_) {
    // After a stop the position stays where playing ended, until a start.
    playing_flag_.store(false, std::memory_order_relaxed);
    if (!launched_) position_.store(0.0, std::memory_order_relaxed);
    return;
  }
  plan_fade(p, b0, bpf);
  const bool all_finished = render_voices(p, b0, bpf, tempo);
  position_.store(std::max(0.0, b0 + p.frames * bpf - origin_), std::memory_order_relaxed);
  end_period(p, b0, bpf, all_finished);
  if (done_) done_flag_.store(true, std::memory_order_release);
}

void Player::follow_grid_jump(const SessionState& state, const Period& p, double b0, double bpf) noexcept {
  const double q = options_.quantum;
  // A jump of the grid moves the start bar by whole bars, so playing goes
  // on where it was, on the session's bar lines; the voices are put back on
  // their passes' new places.
  if (have_last_ && playing_) {
    const double jump = beat_at(state, last_end_us_, q) - last_beat_;
    if (std::abs(jump) > kJumpBeats) {
      const double shift = std::round(jump / q) * q;
      origin_ += shift;
      stop_beat_ += shift;
      start_beat_.store(origin_, std::memory_order_relaxed);
      for (Voice& v : voices_) {
        if (v.pass < 0) continue;
        const double beat = origin_ + static_cast<double>(v.pass) * v.loop_beats;
        v.anchor_us = p.start_us + (beat - b0) / bpf * p.us_per_frame;
        v.pass_beat = beat;
      }
    }
  }
  have_last_ = true;
  last_end_us_ = p.start_us + p.frames * p.us_per_frame;
  last_beat_ = b0 + p.frames * bpf;
}

bool Player::follow_transport(const SessionState& state, const Period& p, double b0, double bpf) noexcept {
  const double q = options_.quantum;
  const SyncedTransport session(state, hint_.load(std::memory_order_relaxed), last_start_);
  const bool want = !options_.start_stop_sync || session.playing();
  const int request = stop_request_.exchange(0, std::memory_order_acq_rel);

  if (request != 0 && !playing_) {
    // Nothing sounds yet: stop at once.
    done_ = true;
    done_flag_.store(true, std::memory_order_release);
    return false;
  }
  if (request == 1 && !(stop_ == Stop::at_time && stop_ends_run_)) {
    // At once: this overrides a stop planned for later.
    if (stop_ != Stop::at_time) stop_time_us_ = p.start_us;
    stop_ = Stop::at_time;
  } else if (request == 2 && stop_ != Stop::at_time) {
    // The next bar line, unless a length ends sooner.
    const double bar = boundary_at_or_after(b0, q);
    if (stop_ == Stop::none || bar < stop_beat_) stop_beat_ = bar;
    stop_ = Stop::at_beat;
    stop_asked_us_ = p.start_us;
  }
  if (request != 0) stop_ends_run_ = true;
  if (playing_ && !want && stop_ != Stop::at_time) {
    // A transport stop: a fade from the stop time, unless a stop on a beat
    // (a length, a stop at the bar) ends sooner.
    const auto dated = session.stop_time();
    const double at = dated ? std::max(p.start_us, static_cast<double>(dated->count())) : p.start_us;
    const double beat_stop_end_us = p.start_us + (stop_beat_ - b0) / bpf * p.us_per_frame;
    if (stop_ == Stop::none || at + options_.fade_us < beat_stop_end_us) {
      stop_ = Stop::at_time;
      stop_time_us_ = at;
    }
  } else if (!playing_ && want && (!launched_ || options_.start_stop_sync)) {
    begin(state, b0, session.start_dated());
  }
  return true;
}

void Player::plan_fade(const Period& p, double b0, double bpf) noexcept {
  if (stop_ == Stop::at_time) {
    fade_start_us_ = stop_time_us_;
    fade_end_us_ = stop_time_us_ + options_.fade_us;
  } else if (stop_ == Stop::at_beat) {
    fade_end_us_ = p.start_us + (stop_beat_ - b0) / bpf * p.us_per_frame;
    // Asked less than a fade before the bar line: a shorter fade, from now.
    fade_start_us_ = std::min(fade_end_us_, std::max(fade_end_us_ - options_.fade_us, stop_asked_us_));
  }
}

bool Player::render_voices(const Period& p, double b0, double bpf, double tempo) noexcept {
  // The first frame at or after the start bar.
  const double start_frame = std::ceil((origin_ - b0) / bpf - 0.5 - kBeatSlack);
  const auto first = static_cast<std::uint32_t>(std::clamp(start_frame, 0.0, static_cast<double>(p.frames)));
  bool all_finished = !voices_.empty();
  for (std::size_t i = 0; i < voices_.size(); ++i) {
    Voice& v = voices_[i];
    if (first < p.frames && !v.finished) {
      if (v.follow >= 0)
        render_follow(v, p, b0, bpf, tempo, first, options_.gain);
      else
        render_voice(v, p, b0, bpf, first, options_.gain);
    }
    all_finished = all_finished && v.finished;
    if (i < clips_.size()) {
      // Where it is in the file: a rendering's frames are the file's at
      // another tempo.
      const Rendering* r = v.rendering;
      const auto length = static_cast<std::int64_t>(r ? r->audio.frames() : clips_[i].audio.frames());
      const double seconds = r ? static_cast<double>(v.index) / r->frames_per_beat * 60.0 / *clips_[i].bpm
                               : static_cast<double>(v.index) / rate_;
      const bool sounding = v.pass >= 0 && v.index >= 0 && v.index < length;
      clip_seconds_[i].store(sounding ? seconds : -1.0, std::memory_order_relaxed);
      if (r) clip_tempo_[i].store(r->tempo, std::memory_order_relaxed);
      clip_pass_[i].store(std::max<std::int64_t>(v.pass, 0), std::memory_order_relaxed);
    }
  }
  return all_finished;
}

void Player::end_period(const Period& p, double b0, double bpf, bool all_finished) noexcept {
  const double end_us = p.start_us + p.frames * p.us_per_frame;
  if ((stop_ != Stop::none && end_us >= fade_end_us_) || all_finished) {
    if (all_finished || stop_ == Stop::at_beat) stop_ends_run_ = true;
    // Where it stopped: the beat a stop on a beat ends on, the end of a
    // fade, not the end of this period (which a stall can put far past it).
    if (stop_ == Stop::at_beat)
      position_.store(std::max(0.0, stop_beat_ - origin_), std::memory_order_relaxed);
    else if (stop_ == Stop::at_time && fade_end_us_ < end_us)
      position_.store(std::max(0.0, b0 + (fade_end_us_ - p.start_us) / p.us_per_frame * bpf - origin_),
                      std::memory_order_relaxed);
    end_playing();
  } else {
    playing_flag_.store(b0 + p.frames * bpf > origin_, std::memory_order_relaxed);
  }
}

} // namespace linktools::audio
