#pragma once
// Reading a sequence file, whatever it holds: a link-seq/1 JSON document or
// a Standard MIDI File, told apart by their first bytes, not by the name.

#include "sequence/Sequence.hpp"

#include <cstddef>
#include <string>

namespace linktools::sequence {

// Files larger than this are refused before they are read: a link-seq/1
// file of a million events is about 60 MB.
inline constexpr std::size_t kMaxFileBytes = std::size_t{512} << 20;

// Reads and checks `path` ("-": standard input). Throws
// ToolError: bad_input when the file cannot be read or is not a valid
// sequence, with every problem found as a detail line
// "PATH: /json/pointer: expected ..., got ..."; nothing is half-read. A file
// named as MIDI (.mid, .midi, .smf, .kar) with no MIDI header, or one that
// cannot be JSON from its first byte, is refused as "not a MIDI file (WHY)
// and not link-seq JSON (WHY)".
Sequence load_sequence(const std::string& path);

} // namespace linktools::sequence
