#include "sequence/NoteName.hpp"

namespace linktools::sequence {

std::optional<int> parse_note_name(std::string_view name) noexcept {
  if (name.empty()) return std::nullopt;
  // Semitones above C of each letter A..G.
  static constexpr int kLetter[] = {9, 11, 0, 2, 4, 5, 7};
  char letter = name.front();
  if (letter >= 'a' && letter <= 'g') letter = static_cast<char>(letter - 'a' + 'A');
  if (letter < 'A' || letter > 'G') return std::nullopt;
  int semitone = kLetter[letter - 'A'];
  std::size_t i = 1;
  for (; i < name.size() && (name[i] == '#' || name[i] == 'b'); ++i)
    semitone += name[i] == '#' ? 1 : -1;
  // The octave: -1 or a single digit 0..9.
  const std::string_view octave = name.substr(i);
  int number = 0;
  if (octave == "-1")
    number = -1;
  else if (octave.size() == 1 && octave[0] >= '0' && octave[0] <= '9')
    number = octave[0] - '0';
  else
    return std::nullopt;
  return (number + 1) * 12 + semitone;
}

} // namespace linktools::sequence
