// The ALSA sequencer backend: a sequencer client with one output port that
// any other client may subscribe to, connected at start-up to one
// destination when --connect names it. Each message leaves directly (no ALSA
// queue) to all subscribers when the DeadlineThread reaches its time, so the
// timing is that thread's, as for jsonl.
#include "cli/Errors.hpp"
#include "midi/Backends.hpp"
#include "midi/DeadlineThread.hpp"
#include "midi/alsa/SeqEvent.hpp"
#include "midi/alsa/Sequencer.hpp"

#include <fmt/core.h>

#include <cerrno>
#include <mutex>

namespace linktools::midi::alsa {

namespace {

class AlsaOutput final : public MidiOutput {
public:
  AlsaOutput(SeqPtr seq, const OutputOptions& options, const std::optional<Address>& destination)
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
  if (open_raw(&seq, SND_SEQ_OPEN_OUTPUT) < 0) return false;
  snd_seq_close(seq);
  return true;
}

std::vector<PortInfo> list_ports(const OutputOptions& options) {
  return usable_ports(options.client_name, accepts_midi);
}

std::unique_ptr<MidiOutput> open(const OutputOptions& options) {
  const std::optional<PortSpec> spec = connect_spec(options.connect);
  // Output only: we never read events, so the kernel keeps no input pool for us.
  SeqPtr seq = open_sequencer(options.client_name, SND_SEQ_OPEN_OUTPUT);
  const std::optional<Address> destination = connect_port(seq.get(), options.connect, spec, accepts_midi);
  return std::make_unique<AlsaOutput>(std::move(seq), options, destination);
}

} // namespace linktools::midi::alsa
