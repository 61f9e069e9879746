// Built when configure found no libsmf development files.
#include "cli/Errors.hpp"
#include "sequence/MidiFile.hpp"

namespace linktools::sequence {

Sequence read_midi_file(std::span<const std::uint8_t>, const std::string& name) {
  throw failure(name, "link-seq was built without libsmf (libsmf-dev): MIDI files cannot be read");
}

} // namespace linktools::sequence
