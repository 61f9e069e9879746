#pragma once
// What every output a tool plays the session through promises, MIDI
// (midi/MidiOutput.hpp) and audio (audio/AudioOutput.hpp) alike, so that one loop
// (playback/Playback.hpp) runs them all. Starting differs only in what the
// output pulls from (MIDI events or audio periods): each kind adds its own
// start(Session&, Source&).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace linktools {

class SessionOutput {
public:
  virtual ~SessionOutput() = default;
  // Stops pulling from the source and closes the output; whatever the source
  // still has to say when it ends (MIDI Stop, note-offs) goes out first, at
  // once. Safe to call twice.
  virtual void stop() = 0;
  // Set when the output broke while running (the JACK server went away, a
  // file not writable, a pipe's reader gone); the tool then stops.
  virtual std::optional<std::string> failure() const = 0;
  // True when the failure is only that a pipe's reader went away: the tool
  // stops without an error, as `cmd | head` expects.
  virtual bool reader_gone() const { return false; }
  // Messages that could not be sent although the output works (JACK's port
  // buffer had no room left in a cycle), counted from start; thread-safe.
  virtual std::uint64_t dropped() const { return 0; }
  // One line for people: "JACK port link-midiclock:out -> synth:midi_in".
  virtual std::string description() const = 0;
  // What the user should know about how the output was opened, a line each
  // (JACK gave the client another name: --name was taken).
  virtual std::vector<std::string> warnings() const { return {}; }
};

} // namespace linktools
