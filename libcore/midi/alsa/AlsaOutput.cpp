// The ALSA sequencer backend: a sequencer client with one output port that
// any other client may subscribe to, connected at start-up to one
// destination when --connect names it. Each message leaves directly (no ALSA
// queue) to all subscribers when the DeadlineThread reaches its time, so the
// timing is that thread's, as for jsonl.
#include "cli/Errors.hpp"
#include "midi/Backends.hpp"
#include "midi/DeadlineThread.hpp"
#include "midi/alsa/SeqEvent.hpp"

#include <fmt/core.h>

#include <cerrno>
#include <mutex>
#include <new>

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

// Output only: we never read events, so the kernel keeps no input pool for us.
int open_raw(snd_seq_t** seq) {
  silence_alsa();
  return snd_seq_open(seq, "default", SND_SEQ_OPEN_OUTPUT, 0);
}

SeqPtr open_sequencer(const std::string& client_name) {
  snd_seq_t* seq = nullptr;
  if (const int rc = open_raw(&seq); rc < 0)
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

// Something we may subscribe to and write MIDI events into.
bool accepts_midi(const snd_seq_port_info_t* port) {
  constexpr unsigned int needed = SND_SEQ_PORT_CAP_WRITE | SND_SEQ_PORT_CAP_SUBS_WRITE;
  return (snd_seq_port_info_get_capability(port) & needed) == needed;
}

std::string port_label(snd_seq_client_info_t* client, const snd_seq_port_info_t* port) {
  return fmt::format("{}: {}", snd_seq_client_info_get_name(client), snd_seq_port_info_get_name(port));
}

template <typename Visit>
void for_each_client(snd_seq_t* seq, Visit&& visit) {
  const auto client = new_client_info();
  snd_seq_client_info_set_client(client.get(), -1);
  while (snd_seq_query_next_client(seq, client.get()) >= 0) visit(client.get());
}

// The client a name stands for. An exact name wins; otherwise, as
// snd_seq_parse_address (and so aconnect) has it, the first client whose name
// begins with the text.
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

struct Destination {
  snd_seq_addr_t address{};
  std::string label; // "14:0 (Midi Through: Midi Through Port-0)"
};

// nullopt when no such port exists or it does not take subscriptions for
// input; never touches the port.
std::optional<Destination> find_destination(snd_seq_t* seq, const PortSpec& spec) {
  const auto client_id = spec.client ? spec.client : find_client(seq, spec.client_name);
  if (!client_id || *client_id == snd_seq_client_id(seq)) return std::nullopt;
  const auto client = new_client_info();
  const auto port = new_port_info();
  if (snd_seq_get_any_client_info(seq, *client_id, client.get()) < 0) return std::nullopt;
  if (snd_seq_get_any_port_info(seq, *client_id, spec.port, port.get()) < 0) return std::nullopt;
  if (!accepts_midi(port.get())) return std::nullopt;
  Destination d;
  d.address.client = static_cast<unsigned char>(*client_id);
  d.address.port = static_cast<unsigned char>(spec.port);
  d.label = fmt::format("{}:{} ({})", *client_id, spec.port, port_label(client.get(), port.get()));
  return d;
}

class AlsaOutput final : public MidiOutput {
public:
  AlsaOutput(SeqPtr seq, const OutputOptions& options, const std::optional<Destination>& destination)
      : seq_(std::move(seq)),
        thread_([this](const Event& e, HostTime) { return write(e); }) {
    constexpr unsigned int caps = SND_SEQ_PORT_CAP_READ | SND_SEQ_PORT_CAP_SUBS_READ;
    constexpr unsigned int type = SND_SEQ_PORT_TYPE_MIDI_GENERIC | SND_SEQ_PORT_TYPE_APPLICATION;
    const std::string& name = options.port_name;
    port_ = snd_seq_create_simple_port(seq_.get(), name.c_str(), caps, type);
    if (port_ < 0)
      throw linktools::failure("ALSA sequencer",
                               fmt::format("cannot create a port ({})", snd_strerror(port_)));
    description_ = fmt::format("ALSA sequencer port {}:{} ({})", snd_seq_client_id(seq_.get()), port_, name);
    if (destination) {
      const int rc = snd_seq_connect_to(seq_.get(), port_, destination->address.client,
                                        destination->address.port);
      if (rc < 0)
        throw linktools::failure(
            "--connect " + options.connect.value_or(destination->label),
            fmt::format("the ALSA sequencer refused the connection ({})", snd_strerror(rc)));
      description_ += " -> " + destination->label;
    }
  }

  ~AlsaOutput() override { AlsaOutput::stop(); }

  void start(Session& session, EventSource& source) override { thread_.start(session, source); }
  void stop() override { thread_.stop(); }

  std::optional<std::string> failure() const override {
    std::lock_guard lock(mutex_);
    return failure_;
  }
  std::string description() const override { return description_; }

private:
  bool write(const Event& e) {
    snd_seq_event_t event;
    // The sources only send what to_seq_event maps; anything else is not a
    // broken output, just nothing the sequencer carries.
    if (!to_seq_event(e.message, event)) return true;
    snd_seq_ev_set_source(&event, static_cast<unsigned char>(port_));
    snd_seq_ev_set_subs(&event);
    snd_seq_ev_set_direct(&event);
    const int rc = snd_seq_event_output_direct(seq_.get(), &event);
    // The kernel reports a subscriber whose input is full (an application
    // that stopped reading) as -EAGAIN or -ENOMEM, after delivering to the
    // others: that subscriber misses the event, our output still works.
    if (rc >= 0 || rc == -EAGAIN || rc == -ENOMEM) return true;
    std::lock_guard lock(mutex_);
    failure_ = fmt::format("cannot send to the ALSA sequencer: {}", snd_strerror(rc));
    return false;
  }

  SeqPtr seq_; // closed last, after the thread that writes to it has stopped
  int port_ = -1;
  std::string description_;
  mutable std::mutex mutex_;
  std::optional<std::string> failure_;
  DeadlineThread thread_; // last: its thread stops before the members it uses go
};

} // namespace

bool built() { return true; }

bool sequencer_present() {
  snd_seq_t* seq = nullptr;
  if (open_raw(&seq) < 0) return false;
  snd_seq_close(seq);
  return true;
}

std::vector<PortInfo> list_ports(const OutputOptions& options) {
  const SeqPtr seq = open_sequencer(options.client_name + "-list");
  const int self = snd_seq_client_id(seq.get());
  std::vector<PortInfo> out;
  const auto port = new_port_info();
  for_each_client(seq.get(), [&](snd_seq_client_info_t* client) {
    const int id = snd_seq_client_info_get_client(client);
    if (id == self) return;
    snd_seq_port_info_set_client(port.get(), id);
    snd_seq_port_info_set_port(port.get(), -1);
    while (snd_seq_query_next_port(seq.get(), port.get()) >= 0) {
      if (!accepts_midi(port.get())) continue;
      out.push_back({fmt::format("{}:{}", id, snd_seq_port_info_get_port(port.get())),
                     port_label(client, port.get())});
    }
  });
  return out;
}

std::unique_ptr<MidiOutput> open(const OutputOptions& options) {
  // The address is checked before anything is opened: a typo is the user's
  // error whether or not this machine has a sequencer.
  std::optional<PortSpec> spec;
  if (options.connect) {
    spec = parse_port_spec(*options.connect);
    if (!spec)
      throw bad_input("--connect " + *options.connect,
                      "not an ALSA sequencer port: give client:port, a client name, or "
                      "name:port (see --list)");
  }
  SeqPtr seq = open_sequencer(options.client_name);
  std::optional<Destination> destination;
  if (spec) {
    destination = find_destination(seq.get(), *spec);
    if (!destination)
      throw bad_input("--connect " + *options.connect, "no such ALSA sequencer port (see --list)");
  }
  return std::make_unique<AlsaOutput>(std::move(seq), options, destination);
}

} // namespace linktools::midi::alsa
