#pragma once
// A sequence in memory: what a link-seq/1 JSON file or a Standard MIDI File
// holds once it is read and checked. Positions and lengths are in beats
// (quarter notes) from the start of the sequence; nothing here knows about
// tempo or host time (the player maps beats to time from the session).

#include "midi/Message.hpp"
#include "timeline/TimelineMath.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace linktools::sequence {

enum class EventKind : std::uint8_t {
  note,           // a note-on now and its note-off `duration` beats later
  control_change,
  program_change,
  pitch_bend,
  raw,            // bytes as given in the file (one complete message)
};

struct Event {
  double beat = 0.0;     // position, >= 0 (and < loop_beats when the sequence loops)
  double duration = 0.0; // notes: > 0 beats; 0 for the others
  midi::Message message; // notes: the note-on; the others: the message as sent
  EventKind kind = EventKind::raw;
  std::uint32_t track = 0; // index into Sequence::tracks
  std::uint32_t index = 0; // the event's index in its track, as in the file
};

struct Track {
  std::string name;  // may be empty
  int channel = 1;   // 1..16 as musicians count
  // Set live (link-seq --control's mute), never read from or written to a
  // file: the track's note-ons are left out; its other messages still go,
  // so a note-off still ends its note and controllers keep the synth's state.
  bool muted = false;
};

// The shortest pass of a loop, as short as the shortest bar: a loop of
// almost no beats would repeat without end within one realtime cycle.
inline constexpr double kMinLoopBeats = timeline::kMinQuantum;

struct Sequence {
  double quantum = 4.0;              // beats per bar, timeline::is_valid_quantum
  std::optional<double> loop_beats;  // set: the sequence repeats with this length (>= kMinLoopBeats)
  std::vector<Track> tracks;
  // Every event of every track, sorted by beat; events on the same beat keep
  // track order, then file order (std::stable_sort by beat after appending
  // track by track). The player finds events by position with a binary search.
  std::vector<Event> events;
};

// Sorts `events` as Sequence::events requires. Call after filling it.
void sort_events(Sequence& sequence);

// The mutes of `from` carried over to `to`: a track of `to` is muted when a
// track of `from` with the same name (not empty) was. A new version of a
// file keeps what the player muted.
void keep_mutes(const Sequence& from, Sequence& to);

// Where the sequence ends when played once: the latest note end or event
// position (0 for no events).
double natural_end(const Sequence& sequence) noexcept;

// The length of one pass when looping: loop_beats if set, else the shortest
// whole number of bars (of `quantum`) that holds every event's position
// (an event exactly on a bar line needs the next bar). At least one bar.
double loop_length(const Sequence& sequence, double quantum) noexcept;

} // namespace linktools::sequence
