#pragma once
// What the ALSA sequencer output and input share: opening a named client
// with alsa-lib's own messages silenced, and finding the ports --connect
// names. Not pure: these talk to the kernel's sequencer.

#include "midi/MidiOutput.hpp"
#include "midi/alsa/SeqEvent.hpp"

#include <alsa/asoundlib.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace linktools::midi::alsa {

struct SeqCloser {
  void operator()(snd_seq_t* seq) const { snd_seq_close(seq); }
};
using SeqPtr = std::unique_ptr<snd_seq_t, SeqCloser>;

struct ClientInfoFree {
  void operator()(snd_seq_client_info_t* info) const { snd_seq_client_info_free(info); }
};
struct PortInfoFree {
  void operator()(snd_seq_port_info_t* info) const { snd_seq_port_info_free(info); }
};
using ClientInfoPtr = std::unique_ptr<snd_seq_client_info_t, ClientInfoFree>;
using PortInfoPtr = std::unique_ptr<snd_seq_port_info_t, PortInfoFree>;

ClientInfoPtr new_client_info();
PortInfoPtr new_port_info();

// `streams`: SND_SEQ_OPEN_OUTPUT, SND_SEQ_OPEN_INPUT or both. A negative
// alsa-lib error code on failure, printed by nobody.
int open_raw(snd_seq_t** seq, int streams);
// Throws ToolError(failure) naming the way out when there is no sequencer.
SeqPtr open_sequencer(const std::string& client_name, int streams);

// Ports we may subscribe to and write MIDI into (an output's destinations),
// and ports we may subscribe to and read MIDI from (an input's sources).
bool accepts_midi(const snd_seq_port_info_t* port);
bool sends_midi(const snd_seq_port_info_t* port);
std::string port_label(snd_seq_client_info_t* client, const snd_seq_port_info_t* port);

template <typename Visit>
void for_each_client(snd_seq_t* seq, Visit&& visit) {
  const auto client = new_client_info();
  snd_seq_client_info_set_client(client.get(), -1);
  while (snd_seq_query_next_client(seq, client.get()) >= 0) visit(client.get());
}

// Every other client's port that `usable` accepts: "client:port" and a label.
template <typename Usable, typename Visit>
void for_each_port(snd_seq_t* seq, Usable&& usable, Visit&& visit) {
  const int self = snd_seq_client_id(seq);
  const auto port = new_port_info();
  for_each_client(seq, [&](snd_seq_client_info_t* client) {
    const int id = snd_seq_client_info_get_client(client);
    if (id == self) return;
    snd_seq_port_info_set_client(port.get(), id);
    snd_seq_port_info_set_port(port.get(), -1);
    while (snd_seq_query_next_port(seq, port.get()) >= 0)
      if (usable(port.get())) visit(client, port.get());
  });
}

// The client a name stands for: an exact name, else the first that begins
// with it (as aconnect has it).
std::optional<int> find_client(snd_seq_t* seq, const std::string& name);

struct Address {
  snd_seq_addr_t address{};
  std::string label; // "14:0 (Midi Through: Midi Through Port-0)"
};

// The port `spec` names when `usable` accepts it; never touches the port.
std::optional<Address> find_port(snd_seq_t* seq, const PortSpec& spec,
                                 bool (*usable)(const snd_seq_port_info_t*));

// --connect read as a port address (nullopt without one), before anything is
// opened: a typo is the user's error whether or not this machine has a
// sequencer. Throws ToolError(bad_input).
std::optional<PortSpec> connect_spec(const std::optional<std::string>& connect);
// The port --connect named (nullopt without one), when `usable` accepts it;
// throws ToolError(bad_input) when there is none such.
std::optional<Address> connect_port(snd_seq_t* seq, const std::optional<std::string>& connect,
                                    const std::optional<PortSpec>& spec,
                                    bool (*usable)(const snd_seq_port_info_t*));
// What --list shows: every other client's port `usable` accepts, as
// "client:port" and a label, through a client of its own.
std::vector<PortInfo> usable_ports(const std::string& client_name, bool (*usable)(const snd_seq_port_info_t*));

} // namespace linktools::midi::alsa
