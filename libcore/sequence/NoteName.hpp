#pragma once
// Note names as musicians write them: "C4" (middle C, 60), "F#3", "Bb2",
// "c-1" (0), "G9" (127). Scientific pitch notation with MIDI's numbering.

#include <optional>
#include <string_view>

namespace linktools::sequence {

// The MIDI note number the name stands for, which may lie outside 0..127
// ("G#9" is 128; callers check the range). nullopt when `name` is not a note
// name: a letter A-G (either case), any number of '#' or 'b', then an
// octave -1..9, nothing else.
std::optional<int> parse_note_name(std::string_view name) noexcept;

} // namespace linktools::sequence
