#include "sequence/SequencePlayer.hpp"

#include "session/SyncedTransport.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace linktools {

namespace {

constexpr double kForever = std::numeric_limits<double>::infinity();
// Beats computed from microsecond host times carry rounding noise; a
// boundary or event this close counts as reached.
constexpr double kBeatSlack = 1e-6;
// A change of the beat grid by more than this many beats between two
// windows is a jump (a peer forcing the beat, a session merge), not a tempo
// change heard a little late.
constexpr double kJumpBeats = 1.0;

double boundary_at_or_after(double beat, double quantum) noexcept {
  return std::ceil(beat / quantum - kBeatSlack) * quantum;
}

// The next boundary strictly after `position`: every `step` beats, where
// the step is a beat, the quantum or the loop's length.
double swap_boundary(SequencePlayerOptions::SwapAt swap_at, double quantum, bool loop, double pass,
                     bool has_loop_beats, double position) noexcept {
  using SwapAt = SequencePlayerOptions::SwapAt;
  if (swap_at == SwapAt::automatic) swap_at = has_loop_beats ? SwapAt::loop : SwapAt::bar;
  double step = quantum;
  if (swap_at == SwapAt::beat) step = 1.0;
  if (swap_at == SwapAt::loop && loop && pass > 0.0) step = pass;
  // Strictly after: what is due on a boundary already reached may be out.
  return (std::floor(std::max(position, 0.0) / step + kBeatSlack) + 1.0) * step;
}

} // namespace

SequencePlayer::SequencePlayer(const sequence::Sequence& sequence,
                               const SequencePlayerOptions& options)
    : sequence_(&sequence), options_(options), loop_asked_(options.loop) {
  configure(sequence::natural_end(sequence));
}

SequencePlayer::SequencePlayer(sequence::SequenceVersions& versions,
                               const SequencePlayerOptions& options)
    : sequence_(&versions.latest()->sequence), versions_(&versions), options_(options),
      loop_asked_(options.loop) {
  taken_gen_ = versions.latest()->generation;
  stopped_ = versions.latest()->stopped;
  playing_gen_.store(taken_gen_, std::memory_order_relaxed);
  versions.holding(taken_gen_, 0);
  configure(versions.latest()->natural_end);
}

void SequencePlayer::configure(double natural_end) noexcept {
  const auto& sequence = *sequence_;
  options_.loop = loop_asked_ || sequence.loop_beats.has_value();
  end_is_limit_ = false;
  if (options_.loop) {
    pass_ = sequence::loop_length(sequence, options_.quantum);
    end_ = kForever;
  } else {
    pass_ = natural_end;
    end_ = pass_;
  }
  if (options_.length && *options_.length < end_) {
    end_ = *options_.length;
    end_is_limit_ = true;
  }
  pass_shown_.store(pass_, std::memory_order_relaxed);
}

double SequencePlayer::next_swap_position(double position) const noexcept {
  return swap_boundary(options_.swap_at, options_.quantum, options_.loop, pass_,
                       sequence_->loop_beats.has_value(), position);
}

double SequencePlayer::boundary_after(double position, const sequence::Sequence& playing) const noexcept {
  const bool loop = loop_asked_ || playing.loop_beats.has_value();
  const double pass = loop ? sequence::loop_length(playing, options_.quantum) : sequence::natural_end(playing);
  return swap_boundary(options_.swap_at, options_.quantum, loop, pass, playing.loop_beats.has_value(), position);
}

void SequencePlayer::take_offer(double b0) noexcept {
  if (!versions_) return;
  const sequence::SequenceVersion* offered = versions_->latest();
  if (offered->generation > taken_gen_) {
    taken_gen_ = offered->generation;
    // A version still waiting is replaced (and may go); the boundary it
    // waits for stays.
    waiting_ = offered;
    versions_->holding(playing_gen_.load(std::memory_order_relaxed), taken_gen_);
    pending_gen_.store(taken_gen_, std::memory_order_relaxed);
  }
  if (!waiting_) return;
  if (!playing_ || b0 < origin_ - kBeatSlack) {
    // Nothing sounds from the sequence yet (or any more): no seam to keep.
    take_over();
    if (playing_) seek(0.0);
  } else if (!swap_position_) {
    swap_position_ = next_swap_position(b0 - origin_);
  }
  pending_at_.store(swap_position_ ? *swap_position_ : std::nan(""), std::memory_order_relaxed);
}

void SequencePlayer::swap(HostTime at, double beat, midi::EventSink& sink) noexcept {
  // A stopped version ends every note on its boundary, as a stop does.
  if (options_.cut_at_swap || waiting_->stopped) {
    notes_.release_all(
        [&](int channel, int note) { send(sink, at, beat, midi::note_off(channel, note)); },
        [&](int channel, int controller) {
          send(sink, at, beat, midi::control_change(channel, controller, 0));
        });
  }
  const double position = *swap_position_;
  take_over();
  seek(position); // the new version's events on the boundary play
}

void SequencePlayer::take_over() noexcept {
  sequence_ = &waiting_->sequence;
  stopped_ = waiting_->stopped;
  playing_gen_.store(waiting_->generation, std::memory_order_relaxed);
  configure(waiting_->natural_end);
  // The old version is no longer read from here on: its memory may go.
  versions_->holding(waiting_->generation, 0);
  waiting_ = nullptr;
  swap_position_.reset();
  pending_gen_.store(0, std::memory_order_relaxed);
  pending_at_.store(std::nan(""), std::memory_order_relaxed);
  swaps_.fetch_add(1, std::memory_order_relaxed);
}

double SequencePlayer::sequence_beat(double position, const sequence::Sequence& playing) const noexcept {
  if (!loop_asked_ && !playing.loop_beats) return position;
  const double pass = sequence::loop_length(playing, options_.quantum);
  return pass > 0.0 ? std::max(0.0, position - std::floor(position / pass + kBeatSlack) * pass) : position;
}

double SequencePlayer::next_event_position() const noexcept {
  const auto& events = sequence_->events;
  if (next_ >= events.size()) return kForever;
  return static_cast<double>(pass_index_) * pass_ + events[next_].beat;
}

void SequencePlayer::seek(double position) noexcept {
  const auto& events = sequence_->events;
  position = std::max(position, 0.0);
  double within = position;
  pass_index_ = 0;
  if (options_.loop && pass_ > 0.0) {
    pass_index_ = static_cast<std::int64_t>(std::floor(position / pass_));
    within = position - static_cast<double>(pass_index_) * pass_;
  }
  const auto it = std::lower_bound(
      events.begin(), events.end(), within - kBeatSlack,
      [](const sequence::Event& e, double beat) { return e.beat < beat; });
  next_ = static_cast<std::size_t>(it - events.begin());
  if (next_ >= events.size() && options_.loop && !events.empty()) {
    next_ = 0;
    ++pass_index_;
  }
}

void SequencePlayer::begin(const SessionState& state, double b0, bool link_rules) noexcept {
  const double q = options_.quantum;
  double start = boundary_at_or_after(b0, q);
  if (options_.start_stop_sync && link_rules) {
    // The first bar line from the session's start, if we are in time for it.
    const double from_start =
        boundary_at_or_after(state.beat_at_time(state.time_for_is_playing(), q), q);
    if (from_start >= b0 - kBeatSlack) start = from_start;
  }
  origin_ = start;
  last_start_ = state.time_at_beat(start, q);
  pass_index_ = 0;
  next_ = 0;
  playing_ = true;
  launched_ = true;
}

void SequencePlayer::send(midi::EventSink& sink, HostTime at, double beat,
                          const midi::Message& m) noexcept {
  sink.emit(midi::Event{at, beat, m});
  sent_.fetch_add(1, std::memory_order_relaxed);
  last_time_.store(at.count(), std::memory_order_relaxed);
}

void SequencePlayer::send_event(midi::EventSink& sink, HostTime at, double beat,
                                const sequence::Event& e) noexcept {
  if (stopped_) return;
  const auto decoded = midi::decode(e.message.view());
  if (!decoded) return; // the reader lets only whole messages through
  const int ch = decoded->channel;
  switch (decoded->kind) {
  case midi::Kind::note_on: {
    if (e.track < sequence_->tracks.size() && sequence_->tracks[e.track].muted) return;
    const double end = e.kind == sequence::EventKind::note ? beat + e.duration : kForever;
    // The same pitch still sounding on this channel: end it first, so the
    // synth sees a fresh note and every note-on keeps exactly one note-off.
    if (notes_.start(ch, decoded->data1, end)) send(sink, at, beat, midi::note_off(ch, decoded->data1));
    break;
  }
  case midi::Kind::note_off:
    if (!notes_.is_sounding(ch, decoded->data1)) return; // nothing to end: would unbalance
    notes_.stop(ch, decoded->data1);
    break;
  case midi::Kind::all_notes_off: notes_.stop_channel(ch); break;
  case midi::Kind::control_change: notes_.controller(ch, decoded->data1, decoded->data2); break;
  default: break;
  }
  send(sink, at, beat, e.message);
}

void SequencePlayer::cut(HostTime at, double beat, midi::EventSink& sink) noexcept {
  notes_.release_all(
      [&](int channel, int note) { send(sink, at, beat, midi::note_off(channel, note)); },
      [&](int channel, int controller) {
        send(sink, at, beat, midi::control_change(channel, controller, 0));
      });
  playing_ = false;
}

void SequencePlayer::play(const SessionState& state, HostTime from, HostTime until,
                          midi::EventSink& sink) noexcept {
  const double q = options_.quantum;
  enum class Next { note_off, swap, event, end };
  while (playing_) {
    // The earliest of: a note's end, a swap, the next event, the end of
    // playing. On the same beat a note-off goes first (so a note ending
    // where the same pitch starts again is not a retrigger), then the swap
    // (so that beat's events are the new version's), then events; the end
    // comes after events that belong to the sequence's natural end, before
    // those a --beats limit leaves out.
    const double off_beat = notes_.next_end();
    const double swap_beat = swap_position_ ? origin_ + *swap_position_ : kForever;
    const double event_position = next_event_position();
    const bool event_playable =
        event_position < end_ - kBeatSlack || (!end_is_limit_ && event_position <= end_ + kBeatSlack);
    const double event_beat = event_playable ? origin_ + event_position : kForever;
    const double end_beat = origin_ + end_;
    Next next;
    double beat;
    if (off_beat <= std::min({event_beat, end_beat, swap_beat}) + kBeatSlack) {
      next = Next::note_off;
      beat = off_beat;
    } else if (swap_beat <= std::min(event_beat, end_beat) + kBeatSlack) {
      next = Next::swap;
      beat = swap_beat;
    } else if (event_playable) {
      next = Next::event;
      beat = event_beat;
    } else {
      next = Next::end;
      beat = end_beat;
    }
    if (!std::isfinite(beat)) return;
    HostTime t = state.time_at_beat(beat, q) + options_.offset;
    if (t >= until) return;
    t = std::max(t, from); // overdue (a late window, a jump forward): now
    switch (next) {
    case Next::note_off: {
      int channel = 0, note = 0;
      notes_.next_due(channel, note);
      notes_.stop(channel, note);
      send(sink, t, beat, midi::note_off(channel, note));
      break;
    }
    case Next::swap: swap(t, beat, sink); break;
    case Next::event:
      send_event(sink, t, beat, sequence_->events[next_]);
      if (++next_ >= sequence_->events.size() && options_.loop) {
        next_ = 0;
        ++pass_index_;
      }
      break;
    case Next::end:
      cut(t, beat, sink);
      done_ = true;
      return;
    }
  }
}

void SequencePlayer::render(const SessionState& state, HostTime from, HostTime to,
                            midi::EventSink& sink) noexcept {
  if (to <= from || done_) return;
  const double q = options_.quantum;
  const HostTime off = options_.offset;
  const double b0 = state.beat_at_time(from - off, q);
  const double b1 = state.beat_at_time(to - off, q);

  // Did the beat grid jump since the last window? Compare the same moment
  // under the old and the new state. Follow a jump by whole bars, so the
  // sequence goes on where it was and stays on the session's bar lines.
  if (have_last_ && playing_) {
    const double jump = state.beat_at_time(last_to_ - off, q) - last_beat_;
    if (std::abs(jump) > kJumpBeats) {
      const double shift = std::round(jump / q) * q;
      origin_ += shift;
      notes_.shift(shift);
    }
  }
  have_last_ = true;
  last_to_ = to;
  last_beat_ = b1;

  const SyncedTransport session(state, hint_.load(std::memory_order_relaxed), last_start_);
  const bool want = !options_.start_stop_sync || session.playing();

  if (playing_ && !want) {
    HostTime stop_at = from;
    if (const auto dated = session.stop_time()) stop_at = std::max(from, *dated + off);
    if (stop_at < to) {
      play(state, from, stop_at, sink);
      if (playing_) cut(stop_at, state.beat_at_time(stop_at - off, q), sink);
    }
  } else if (!playing_ && want && (!launched_ || options_.start_stop_sync)) {
    begin(state, b0, session.start_dated());
  }
  take_offer(b0);
  if (playing_) {
    // Far behind (the output stalled, or the grid moved less than a bar
    // but more than a beat): skip to now rather than send a burst.
    if (origin_ + next_event_position() < b0 - kJumpBeats) {
      seek(b0 - origin_);
      // A swap left behind too takes over now, not back where it was due.
      if (swap_position_ && origin_ + *swap_position_ < b0) swap_position_ = b0 - origin_;
    }
    play(state, from, to, sink);
  }

  publish(b1);
}

void SequencePlayer::publish(double b1) noexcept {
  playing_flag_.store(playing_, std::memory_order_relaxed);
  position_.store(playing_ ? b1 - origin_ : 0.0, std::memory_order_relaxed);
  if (done_) done_flag_.store(true, std::memory_order_release);
}

void SequencePlayer::finish(HostTime now, midi::EventSink& sink) noexcept {
  cut(now, std::nan(""), sink);
  playing_flag_.store(false, std::memory_order_relaxed);
}

} // namespace linktools
