#pragma once
// A walk over a Standard MIDI File's bytes before libsmf sees them.
//
// libsmf 1.3 (Debian's libsmf0) trusts its input. On a damaged file it reads
// past its buffer (a track chunk longer than the file) or stops the whole
// process with a failed assert (a track without End Of Track, a 0xF7 event,
// a data byte after a SysEx); when the header promises more tracks than
// there are, it writes to a track it has just freed; and it reads a meta
// event's length as one byte, so a longer one throws it out of step.
// check_layout() refuses every file that would lead libsmf there, with a
// message saying what it expected and what it found, and counts the events
// libsmf is to find, so the caller can tell whether libsmf read what is there.

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace linktools::sequence::smf {

struct Layout {
  int format = 0;             // 0 or 1
  int ticks_per_quarter = 0;  // > 0
  // One entry per track chunk the header declares: the events in it up to
  // and including its End Of Track. Empty for a file of no tracks.
  std::vector<int> events_per_track;
};

// Throws ToolError (bad_input, what = `path`) for a file that is not a type 0
// or 1 Standard MIDI File with ticks per quarter note, is damaged, or holds
// something libsmf cannot read.
Layout check_layout(std::span<const std::uint8_t> file, const std::string& path);

} // namespace linktools::sequence::smf
