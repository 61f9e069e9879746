#pragma once
// What each backend folder provides to MidiOutput.cpp. A backend that was
// not found at configure time is built from its folder's *Unavailable.cpp
// (JackUnavailable.cpp, AlsaUnavailable.cpp), whose functions say so; no
// #ifdef anywhere else.

#include "midi/MidiInput.hpp"
#include "midi/MidiOutput.hpp"

namespace linktools::midi::jack {
bool built();            // false when built without JACK
bool server_running();   // a JACK server answers (never starts one)
std::vector<PortInfo> list_ports(const OutputOptions& options);
std::unique_ptr<MidiOutput> open(const OutputOptions& options);
std::vector<PortInfo> list_sources(const InputOptions& options);
std::unique_ptr<MidiInput> open_input(const InputOptions& options);
} // namespace linktools::midi::jack

namespace linktools::midi::alsa {
bool built();
bool sequencer_present(); // the kernel's sequencer can be opened
std::vector<PortInfo> list_ports(const OutputOptions& options);
std::unique_ptr<MidiOutput> open(const OutputOptions& options);
std::vector<PortInfo> list_sources(const InputOptions& options);
std::unique_ptr<MidiInput> open_input(const InputOptions& options);
} // namespace linktools::midi::alsa

namespace linktools::midi::jsonl {
std::unique_ptr<MidiOutput> open(const OutputOptions& options);
std::unique_ptr<MidiInput> open_input(const InputOptions& options);
} // namespace linktools::midi::jsonl

namespace linktools::midi {
// The backend `automatic` stands for here: JACK when a server runs, else the
// ALSA sequencer when the kernel has one; throws ToolError(failure) naming
// the choices when neither is there ("no MIDI `kind` found"; `jsonl`: what
// --backend jsonl does instead, "write JSON Lines"). Any other backend as it is.
Backend resolve(Backend backend, std::string_view kind, std::string_view jsonl);
} // namespace linktools::midi
