// libFuzzer target: the Standard MIDI File import (sequence/MidiFile.hpp:
// the layout walk in smf/Layout.cpp, then libsmf, then the mapping to a
// Sequence), fed any bytes as a file's contents. read_midi_file takes the
// bytes themselves, as load_sequence passes them, so no file is written.
// Checks:
// - a file it refuses is refused with ToolError(bad_input), "NAME: why" in
//   valid UTF-8, never anything else: libsmf must never see a file that
//   makes it assert, read past its buffer or free twice;
// - a file it reads gives a Sequence that keeps every rule of Sequence.hpp
//   (fuzz/sequence_invariants.hpp), with no more events than the file has
//   bytes for;
// - `link-seq --to-json` of it is a link-seq/1 document that reads back to
//   the same sequence.
#include "sequence_invariants.hpp"

#include "cli/Errors.hpp"
#include "sequence/MidiFile.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

using namespace linktools;
using fuzzing::check;

namespace {

const std::string kName = "fuzz.mid";

// Every event takes at least a delta time and a status or data byte.
constexpr std::size_t kFewestBytesPerEvent = 2;

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  sequence::Sequence s;
  try {
    s = sequence::read_midi_file(std::span(data, size), kName);
  } catch (const ToolError& e) {
    const std::string what = e.what();
    check(e.code() == ExitCode::bad_input);
    check(what.rfind(kName + ": ", 0) == 0 && what.size() > kName.size() + 2);
    check(fuzzing::is_utf8(what));
    return 0;
  }
  check(sequence::looks_like_midi_file(
      std::string_view(reinterpret_cast<const char*>(data), size)));
  check(s.events.size() * kFewestBytesPerEvent <= size);
  fuzzing::check_sequence(s);
  fuzzing::check_round_trip(s);
  return 0;
}
