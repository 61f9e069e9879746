#pragma once
// What every Sequence that a reader hands out must be, whatever file it came
// from (sequence/Sequence.hpp, JsonFormat.hpp, MidiFile.hpp): the player
// binary-searches the events, indexes tracks by event.track and sends the
// messages as they are, so a reader that lets anything else through is a bug
// even when nothing crashes yet. Shared by the sequence_json and midi_file
// targets; a broken rule stops the process so libFuzzer keeps the input.

#include "sequence/JsonFormat.hpp"
#include "sequence/JsonReader.hpp"
#include "sequence/Sequence.hpp"

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace fuzzing {

inline void check(bool ok) {
  if (!ok) __builtin_trap();
}

// Well-formed UTF-8 (RFC 3629), as the JSON reader takes it: what JSON text
// and a terminal expect. The reader's rule is itself checked against
// nlohmann's by the sequence_json target.
using linktools::json::is_utf8;

// The largest beat or length either reader accepts (JsonFormat.cpp's limit).
inline constexpr double kMaxBeat = 1e9;

inline void check_event_message(const linktools::sequence::Event& e, int channel) {
  using linktools::sequence::EventKind;
  const auto& m = e.message;
  check(m.size >= 1 && m.size <= 3);
  check(m.bytes[0] >= 0x80);
  for (std::size_t i = 1; i < m.size; ++i) check(m.bytes[i] < 0x80);
  const int status = m.bytes[0] & 0xF0;
  const bool on_track_channel = (m.bytes[0] & 0x0F) == channel - 1;
  switch (e.kind) {
  case EventKind::note:
    // A note-on (never velocity 0, which would be a note-off) and its length.
    check(status == 0x90 && m.size == 3 && m.bytes[2] > 0 && on_track_channel);
    check(std::isfinite(e.duration) && e.duration > 0.0 && e.duration <= kMaxBeat);
    return;
  case EventKind::control_change: check(status == 0xB0 && m.size == 3 && on_track_channel); break;
  case EventKind::program_change: check(status == 0xC0 && m.size == 2 && on_track_channel); break;
  case EventKind::pitch_bend: check(status == 0xE0 && m.size == 3 && on_track_channel); break;
  case EventKind::raw: break;
  default: check(false);
  }
  check(e.duration == 0.0);
}

// The rules of Sequence.hpp, and the one the readers add: within each track
// the events are numbered 0..n-1 in file order.
inline void check_sequence(const linktools::sequence::Sequence& s) {
  check(linktools::timeline::is_valid_quantum(s.quantum));
  if (s.loop_beats)
    check(*s.loop_beats >= linktools::sequence::kMinLoopBeats && *s.loop_beats <= kMaxBeat);
  for (const auto& t : s.tracks) {
    check(t.channel >= 1 && t.channel <= 16);
    check(is_utf8(t.name));
  }
  std::vector<std::vector<bool>> seen(s.tracks.size());
  for (const auto& e : s.events) {
    check(e.track < s.tracks.size() && e.index < s.events.size());
    auto& indexes = seen[e.track];
    if (indexes.size() <= e.index) indexes.resize(e.index + 1);
    check(!indexes[e.index]);
    indexes[e.index] = true;
  }
  for (const auto& indexes : seen)
    for (const bool present : indexes) check(present);
  for (std::size_t i = 0; i < s.events.size(); ++i) {
    const auto& e = s.events[i];
    check(std::isfinite(e.beat) && e.beat >= 0.0 && e.beat <= kMaxBeat);
    if (s.loop_beats) check(e.beat < *s.loop_beats);
    check_event_message(e, s.tracks[e.track].channel);
    if (i > 0) {
      // Sorted by beat; on one beat, in track order, then file order.
      const auto& before = s.events[i - 1];
      check(before.beat <= e.beat);
      if (before.beat == e.beat)
        check(before.track < e.track || (before.track == e.track && before.index < e.index));
    }
  }
  const double end = linktools::sequence::natural_end(s);
  const double pass = linktools::sequence::loop_length(s, s.quantum);
  check(std::isfinite(end) && end >= 0.0);
  // A pass is never shorter than the shortest bar (a loop of 1e-300 beats
  // once passed the reader and hung link-seq), and reaches at least the last
  // event. That it ends after the last event is true of the real numbers
  // only: rounding can put the end of the last bar on the event itself.
  check(std::isfinite(pass) && pass >= linktools::sequence::kMinLoopBeats);
  if (!s.events.empty()) check(pass >= s.events.back().beat);
}

// JsonFormat.hpp promises that to_json's text reads back to an equal
// Sequence, and that writing that one gives the same text again: what
// `link-seq --to-json` prints must be a file link-seq plays.
inline void check_round_trip(const linktools::sequence::Sequence& s) {
  using namespace linktools::sequence;
  const std::string text = to_json(s);
  check(is_utf8(text));
  const ParseResult again = parse_json_sequence(text);
  check(again.ok());
  const Sequence& r = again.sequence;
  check(r.quantum == s.quantum && r.loop_beats == s.loop_beats);
  check(r.tracks.size() == s.tracks.size());
  for (std::size_t t = 0; t < s.tracks.size(); ++t)
    check(r.tracks[t].name == s.tracks[t].name && r.tracks[t].channel == s.tracks[t].channel);
  check(r.events.size() == s.events.size());
  for (std::size_t i = 0; i < s.events.size(); ++i) {
    const auto& a = s.events[i];
    const auto& b = r.events[i];
    check(a.beat == b.beat && a.duration == b.duration && a.message == b.message &&
          a.kind == b.kind && a.track == b.track && a.index == b.index);
  }
  check(to_json(r) == text);
}

} // namespace fuzzing
