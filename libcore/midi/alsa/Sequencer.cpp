#include "midi/alsa/Sequencer.hpp"

#include "cli/Errors.hpp"

#include <fmt/core.h>

#include <new>
#include <string_view>

namespace linktools::midi::alsa {

namespace {

void quiet(const char*, int, const char*, int, const char*, ...) {}

// alsa-lib prints its own errors to stderr ("ALSA lib seq_hw.c:...: open
// /dev/snd/seq failed"); ours say what to do instead.
void silence_alsa() {
  static const bool once = [] {
    snd_lib_error_set_handler(quiet);
    return true;
  }();
  (void)once;
}

} // namespace

ClientInfoPtr new_client_info() {
  snd_seq_client_info_t* info = nullptr;
  if (snd_seq_client_info_malloc(&info) < 0) throw std::bad_alloc();
  return ClientInfoPtr(info);
}

PortInfoPtr new_port_info() {
  snd_seq_port_info_t* info = nullptr;
  if (snd_seq_port_info_malloc(&info) < 0) throw std::bad_alloc();
  return PortInfoPtr(info);
}

int open_raw(snd_seq_t** seq, int streams) {
  silence_alsa();
  return snd_seq_open(seq, "default", streams, 0);
}

SeqPtr open_sequencer(const std::string& client_name, int streams) {
  snd_seq_t* seq = nullptr;
  if (const int rc = open_raw(&seq, streams); rc < 0)
    throw linktools::failure(
        "ALSA sequencer",
        fmt::format("cannot open the ALSA sequencer ({}): is the snd-seq kernel module loaded? "
                    "Or use --backend jack or --backend jsonl",
                    snd_strerror(rc)));
  SeqPtr owned(seq);
  if (const int rc = snd_seq_set_client_name(seq, client_name.c_str()); rc < 0)
    throw linktools::failure("ALSA sequencer",
                             fmt::format("cannot name the client {} ({})", client_name, snd_strerror(rc)));
  return owned;
}

bool accepts_midi(const snd_seq_port_info_t* port) {
  constexpr unsigned int needed = SND_SEQ_PORT_CAP_WRITE | SND_SEQ_PORT_CAP_SUBS_WRITE;
  return (snd_seq_port_info_get_capability(port) & needed) == needed;
}

bool sends_midi(const snd_seq_port_info_t* port) {
  constexpr unsigned int needed = SND_SEQ_PORT_CAP_READ | SND_SEQ_PORT_CAP_SUBS_READ;
  return (snd_seq_port_info_get_capability(port) & needed) == needed;
}

std::string port_label(snd_seq_client_info_t* client, const snd_seq_port_info_t* port) {
  return fmt::format("{}: {}", snd_seq_client_info_get_name(client), snd_seq_port_info_get_name(port));
}

std::optional<int> find_client(snd_seq_t* seq, const std::string& name) {
  std::optional<int> exact;
  std::optional<int> prefix;
  for_each_client(seq, [&](snd_seq_client_info_t* client) {
    const std::string_view candidate = snd_seq_client_info_get_name(client);
    const int id = snd_seq_client_info_get_client(client);
    if (!exact && candidate == name) exact = id;
    if (!prefix && candidate.starts_with(name)) prefix = id;
  });
  return exact ? exact : prefix;
}

std::optional<Address> find_port(snd_seq_t* seq, const PortSpec& spec,
                                 bool (*usable)(const snd_seq_port_info_t*)) {
  const auto client_id = spec.client ? spec.client : find_client(seq, spec.client_name);
  if (!client_id || *client_id == snd_seq_client_id(seq)) return std::nullopt;
  const auto client = new_client_info();
  const auto port = new_port_info();
  if (snd_seq_get_any_client_info(seq, *client_id, client.get()) < 0) return std::nullopt;
  if (snd_seq_get_any_port_info(seq, *client_id, spec.port, port.get()) < 0) return std::nullopt;
  if (!usable(port.get())) return std::nullopt;
  Address a;
  a.address.client = static_cast<unsigned char>(*client_id);
  a.address.port = static_cast<unsigned char>(spec.port);
  a.label = fmt::format("{}:{} ({})", *client_id, spec.port, port_label(client.get(), port.get()));
  return a;
}

std::optional<PortSpec> connect_spec(const std::optional<std::string>& connect) {
  if (!connect) return std::nullopt;
  auto spec = parse_port_spec(*connect);
  if (!spec)
    throw bad_input("--connect " + *connect,
                    "not an ALSA sequencer port: give client:port, a client name, or name:port (see --list)");
  return spec;
}

std::optional<Address> connect_port(snd_seq_t* seq, const std::optional<std::string>& connect,
                                    const std::optional<PortSpec>& spec,
                                    bool (*usable)(const snd_seq_port_info_t*)) {
  if (!spec) return std::nullopt;
  auto port = find_port(seq, *spec, usable);
  if (!port) throw bad_input("--connect " + *connect, "no such ALSA sequencer port (see --list)");
  return port;
}

std::vector<PortInfo> usable_ports(const std::string& client_name, bool (*usable)(const snd_seq_port_info_t*)) {
  const SeqPtr seq = open_sequencer(client_name + "-list", SND_SEQ_OPEN_OUTPUT);
  std::vector<PortInfo> out;
  for_each_port(seq.get(), usable, [&](snd_seq_client_info_t* client, const snd_seq_port_info_t* port) {
    out.push_back({fmt::format("{}:{}", snd_seq_client_info_get_client(client), snd_seq_port_info_get_port(port)),
                   port_label(client, port)});
  });
  return out;
}

} // namespace linktools::midi::alsa
