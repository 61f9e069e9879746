#pragma once
// Standard MIDI File import: a type 0 or type 1 file with ticks per quarter
// note becomes a Sequence. Beats are ticks / ticks per quarter note; the
// file's tempo map is ignored (a Link app plays at the session's tempo).
// Built with libsmf when configure finds it (smf/MidiFile.cpp), otherwise
// from smf/SmfUnavailable.cpp, whose read_midi_file says so.
//
// What becomes what:
// - each (file track, MIDI channel) with events becomes one Track, in file
//   track order, then channel order; its name is the file track's Track Name,
//   with " (ch N)" appended when that file track uses several channels;
// - a note-on is paired with the next note-off of its channel and pitch
//   (first in, first out); a note left on ends at the end of its track; a
//   note of no length lasts one tick;
// - control change, program change and pitch bend keep their kinds; poly and
//   channel pressure become raw; SysEx, meta and system messages are dropped;
// - the first Time Signature sets the quantum (6/8 -> 3 beats), if it is a
//   quantum every tool takes (timeline::is_valid_quantum); loop_beats stays
//   unset.

#include "sequence/Sequence.hpp"

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace linktools::sequence {

// Reads a whole file's `bytes`; `name` is the file's name for messages.
// Throws ToolError (bad_input, "NAME: expected ..., got ...") when it is not
// a file we accept, and failure when this build has no libsmf. Thread-safe:
// yes (calls are serialized while libsmf runs, because its messages are
// caught per log domain).
Sequence read_midi_file(std::span<const std::uint8_t> bytes, const std::string& name);

// True when `first_bytes` (the start of a file) begins like a Standard MIDI
// File ("MThd"). Lets a caller choose the reader without trusting the name.
inline bool looks_like_midi_file(std::string_view first_bytes) noexcept {
  return first_bytes.substr(0, 4) == "MThd";
}

} // namespace linktools::sequence
