// The ALSA sequencer input: a sequencer client with one port that others can
// subscribe to (a virtual port), connected at start-up from --connect's port.
// The kernel stamps each event on the real-time clock of a queue of ours as
// it arrives (the port's timestamping), so an event's time is when it came,
// not when our thread woke to read it. The queue's clock is tied to Link's
// as JACK's is: its time read between two readings of Link's clock, fed to
// a ClockOffset tracker (offset and rate) every kOffsetSampleEvery.
// A thread waits on the sequencer, turns events into bytes and hands them to
// read() under a lock; nothing here is realtime.
//
// Not run on the machine it was written on, which has no kernel sequencer;
// the event decoding and the time stamps (received_time, with the offset
// sampled as run() does) are unit-tested (tests/unit/test_alsa_seq_event.cpp).
#include "cli/Errors.hpp"
#include "midi/Backends.hpp"
#include "midi/alsa/SeqEvent.hpp"
#include "midi/alsa/Sequencer.hpp"
#include "session/ClockOffset.hpp"
#include "session/Session.hpp"

#include <fmt/core.h>

#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <new>
#include <poll.h>
#include <thread>

namespace linktools::midi::alsa {

namespace {

struct QueueStatusFree {
  void operator()(snd_seq_queue_status_t* s) const { snd_seq_queue_status_free(s); }
};

class AlsaInput final : public MidiInput {
public:
  AlsaInput(SeqPtr seq, const InputOptions& options, const std::optional<Address>& source) : seq_(std::move(seq)) {
    constexpr unsigned int caps = SND_SEQ_PORT_CAP_WRITE | SND_SEQ_PORT_CAP_SUBS_WRITE;
    constexpr unsigned int type = SND_SEQ_PORT_TYPE_MIDI_GENERIC | SND_SEQ_PORT_TYPE_APPLICATION;
    port_ = snd_seq_create_simple_port(seq_.get(), options.port_name.c_str(), caps, type);
    if (port_ < 0) throw linktools::failure("ALSA sequencer", fmt::format("cannot create a port ({})", snd_strerror(port_)));
    queue_ = snd_seq_alloc_named_queue(seq_.get(), options.client_name.c_str());
    if (queue_ < 0) throw linktools::failure("ALSA sequencer", fmt::format("cannot make a queue ({})", snd_strerror(queue_)));
    // Every event that reaches the port gets the queue's real time.
    const auto info = new_port_info();
    check(snd_seq_get_port_info(seq_.get(), port_, info.get()), "read our port's settings");
    snd_seq_port_info_set_timestamping(info.get(), 1);
    snd_seq_port_info_set_timestamp_real(info.get(), 1);
    snd_seq_port_info_set_timestamp_queue(info.get(), queue_);
    check(snd_seq_set_port_info(seq_.get(), port_, info.get()), "have our port stamp events");
    check(snd_seq_start_queue(seq_.get(), queue_, nullptr), "start the queue");
    check(snd_seq_drain_output(seq_.get()), "start the queue");
    snd_seq_queue_status_t* status = nullptr;
    if (snd_seq_queue_status_malloc(&status) < 0) throw std::bad_alloc();
    status_.reset(status);
    description_ = fmt::format("ALSA sequencer port {}:{} ({})", snd_seq_client_id(seq_.get()), port_, options.port_name);
    if (source) {
      const int rc = snd_seq_connect_from(seq_.get(), port_, source->address.client, source->address.port);
      if (rc < 0)
        throw linktools::failure("--connect " + options.connect.value_or(source->label),
                                 fmt::format("the ALSA sequencer refused the connection ({})", snd_strerror(rc)));
      description_ += " <- " + source->label;
    }
    snd_seq_nonblock(seq_.get(), 1);
  }

  ~AlsaInput() override {
    stopping_.store(true);
    if (thread_.joinable()) thread_.join();
  }

  void start(Session& session) override {
    session_ = &session;
    thread_ = std::thread([this] { run(); });
  }

  bool read(std::vector<Received>& out, std::chrono::milliseconds wait) override {
    std::unique_lock lock(mutex_);
    arrived_.wait_for(lock, wait, [&] { return !received_.empty() || failure_; });
    for (auto& r : received_) out.push_back(std::move(r));
    received_.clear();
    return true;
  }

  std::optional<std::string> failure() const override {
    std::lock_guard lock(mutex_);
    return failure_;
  }
  std::uint64_t lost() const override { return lost_.load(std::memory_order_relaxed); }
  std::string description() const override { return description_; }

private:
  void check(int rc, const char* what) const {
    if (rc < 0) throw linktools::failure("ALSA sequencer", fmt::format("cannot {} ({})", what, snd_strerror(rc)));
  }

  // Link's clock read just before and after the queue's.
  void sample_offset() {
    const auto before = session_->now().count();
    const int rc = snd_seq_get_queue_status(seq_.get(), queue_, status_.get());
    const auto after = session_->now().count();
    if (rc < 0) return;
    const snd_seq_real_time_t* t = snd_seq_queue_status_get_real_time(status_.get());
    offset_.add(before, static_cast<std::int64_t>(t->tv_sec) * 1'000'000 + t->tv_nsec / 1000, after);
  }

  void run() {
    const int count = snd_seq_poll_descriptors_count(seq_.get(), POLLIN);
    std::vector<pollfd> fds(static_cast<std::size_t>(std::max(count, 1)));
    snd_seq_poll_descriptors(seq_.get(), fds.data(), static_cast<unsigned int>(fds.size()), POLLIN);
    auto next_sample = std::chrono::steady_clock::now();
    std::vector<Received> batch;
    while (!stopping_.load()) {
      if (std::chrono::steady_clock::now() >= next_sample) {
        sample_offset();
        next_sample += kOffsetSampleEvery;
      }
      if (::poll(fds.data(), fds.size(), static_cast<int>(kOffsetSampleEvery.count())) < 0 && errno != EINTR) {
        fail(fmt::format("cannot wait for the ALSA sequencer: {}", std::strerror(errno)));
        return;
      }
      for (;;) {
        snd_seq_event_t* event = nullptr;
        const int rc = snd_seq_event_input(seq_.get(), &event);
        if (rc == -EAGAIN || rc == -EINTR) break;
        if (rc == -ENOSPC) { // the kernel's input pool overflowed: events were lost
          lost_.fetch_add(1, std::memory_order_relaxed);
          continue;
        }
        if (rc < 0) {
          fail(fmt::format("cannot read from the ALSA sequencer: {}", snd_strerror(rc)));
          return;
        }
        if (!event) continue;
        const auto message = from_seq_event(*event);
        if (!message) continue;
        Received r;
        r.time = received_time(*event, offset_, session_->now());
        r.bytes.assign(message->bytes.begin(), message->bytes.begin() + message->size);
        batch.push_back(std::move(r));
      }
      if (!batch.empty()) {
        {
          std::lock_guard lock(mutex_);
          for (auto& r : batch) received_.push_back(std::move(r));
        }
        batch.clear();
        arrived_.notify_one();
      }
    }
  }

  void fail(std::string why) {
    {
      std::lock_guard lock(mutex_);
      failure_ = std::move(why);
    }
    arrived_.notify_one();
  }

  SeqPtr seq_; // closed last, after the thread that reads it has stopped
  int port_ = -1;
  int queue_ = -1;
  std::unique_ptr<snd_seq_queue_status_t, QueueStatusFree> status_;
  std::string description_;
  Session* session_ = nullptr;
  ClockOffset offset_; // the reading thread's
  std::atomic<std::uint64_t> lost_{0};
  std::atomic<bool> stopping_{false};
  mutable std::mutex mutex_;
  std::condition_variable arrived_;
  std::vector<Received> received_;
  std::optional<std::string> failure_;
  std::thread thread_; // last: stops first
};

} // namespace

std::vector<PortInfo> list_sources(const InputOptions& options) {
  return usable_ports(options.client_name, sends_midi);
}

std::unique_ptr<MidiInput> open_input(const InputOptions& options) {
  const std::optional<PortSpec> spec = connect_spec(options.connect);
  SeqPtr seq = open_sequencer(options.client_name, SND_SEQ_OPEN_DUPLEX);
  const std::optional<Address> source = connect_port(seq.get(), options.connect, spec, sends_midi);
  return std::make_unique<AlsaInput>(std::move(seq), options, source);
}

} // namespace linktools::midi::alsa
