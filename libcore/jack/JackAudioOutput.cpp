// The JACK audio backend: two output ports (out_1 left, out_2 right),
// filled in the process callback by the source from the session state
// captured on this audio thread, for the Link time at which this period's
// frames will be heard (JACK's cycle times, the measured clock offset and
// the ports' playback latency).
#include "audio/AudioOutput.hpp"
#include "cli/Errors.hpp"
#include "jack/JackClient.hpp"
#include "session/Session.hpp"

#include <fmt/core.h>
#include <jack/jack.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <utility>
#include <vector>

namespace linktools::audio {

namespace {

constexpr std::string_view kOtherwise = "then run link-play again";

class JackOutput final : public AudioOutput {
public:
  explicit JackOutput(const OutputOptions& options)
      : client_(jack_client::open_client(options.client_name, kOtherwise)) {
    if (auto renamed = jack_client::renamed_warning(client_.get(), options.client_name))
      warnings_.push_back(std::move(*renamed));
    // Where to connect, checked before anything is registered.
    if (!options.connect.empty()) {
      if (options.connect.size() > 2)
        throw bad_input("--connect", fmt::format("expected at most two ports (left, right), got {}",
                                                 options.connect.size()));
      for (const auto& name : options.connect) {
        jack_port_t* target = jack_port_by_name(client_.get(), name.c_str());
        if (!target)
          throw bad_input("--connect " + name, "no such JACK port (see the audio inputs with --list)");
        const char* type = jack_port_type(target);
        if (!type || std::string(type) != JACK_DEFAULT_AUDIO_TYPE ||
            !(jack_port_flags(target) & JackPortIsInput))
          throw bad_input("--connect " + name, "not a JACK audio input port");
      }
      targets_ = options.connect;
    } else if (options.auto_connect) {
      targets_ = jack_client::audio_inputs(client_.get(), JackPortIsPhysical);
      if (targets_.size() > 2) targets_.resize(2);
    }
    for (int i = 0; i < 2; ++i) {
      ports_[i] = jack_port_register(client_.get(), fmt::format("out_{}", i + 1).c_str(),
                                     JACK_DEFAULT_AUDIO_TYPE, JackPortIsOutput, 0);
      if (!ports_[i]) throw linktools::failure("JACK", "cannot register an audio output port");
    }
    rate_ = static_cast<int>(jack_get_sample_rate(client_.get()));
    jack_set_process_callback(client_.get(), &JackOutput::process_thunk, this);
    jack_set_latency_callback(client_.get(), &JackOutput::latency_thunk, this);
    shutdown_.watch(client_.get());
    if (jack_activate(client_.get()) != 0) throw linktools::failure("JACK", "cannot activate the client");
    active_ = true;
    // Left to the first target, right to the second (or the first again).
    for (int i = 0; i < 2 && !targets_.empty(); ++i) {
      const std::string& target = targets_[std::min<std::size_t>(i, targets_.size() - 1)];
      const int rc = jack_connect(client_.get(), jack_port_name(ports_[i]), target.c_str());
      if (rc != 0 && rc != EEXIST)
        throw linktools::failure("--connect " + target, "JACK refused the connection");
    }
    update_latency();
  }

  ~JackOutput() override { JackOutput::stop(); }

  int sample_rate() const override { return rate_; }

  void start(Session& session, AudioSource& source) override {
    session_ = &session; // published to the callback by the release store below
    source_.store(&source, std::memory_order_release);
  }

  void stop() override {
    if (!active_) return;
    // Two more periods, so the last one the source filled (a fade's end) is
    // delivered before the ports go.
    if (source_.load(std::memory_order_acquire) && !shutdown_.happened()) jack_client::wait_periods(client_.get(), 2);
    source_.store(nullptr, std::memory_order_release);
    jack_deactivate(client_.get());
    active_ = false;
  }

  std::optional<std::string> failure() const override { return shutdown_.failure(); }

  std::string description() const override {
    std::string d = fmt::format("JACK {},{}", jack_port_name(ports_[0]), jack_port_short_name(ports_[1]));
    if (!targets_.empty()) {
      d += " -> " + targets_.front();
      if (targets_.size() > 1) d += "," + targets_[1];
    }
    return d;
  }
  std::vector<std::string> warnings() const override { return warnings_; }

private:
  static int process_thunk(jack_nframes_t n, void* self) { return static_cast<JackOutput*>(self)->process(n); }
  static void latency_thunk(jack_latency_callback_mode_t mode, void* self) {
    if (mode == JackPlaybackLatency) static_cast<JackOutput*>(self)->update_latency();
  }

  // The longer of the two ports' playback latencies: the frames between
  // writing a sample and hearing it.
  void update_latency() {
    jack_nframes_t most = 0;
    for (jack_port_t* port : ports_) {
      jack_latency_range_t range{};
      jack_port_get_latency_range(port, JackPlaybackLatency, &range);
      most = std::max(most, range.max);
    }
    latency_frames_.store(most, std::memory_order_relaxed);
  }

  int process(jack_nframes_t nframes) {
    auto* left = static_cast<float*>(jack_port_get_buffer(ports_[0], nframes));
    auto* right = static_cast<float*>(jack_port_get_buffer(ports_[1], nframes));
    std::memset(left, 0, nframes * sizeof(float));
    std::memset(right, 0, nframes * sizeof(float));
    AudioSource* source = source_.load(std::memory_order_acquire);
    if (!source) return 0;
    jack_client::CycleTimes times;
    if (!jack_client::cycle_times(client_.get(), *session_, offset_, cycle_clock_, nframes,
                                  latency_frames_.load(std::memory_order_relaxed), times))
      return 0;
    const Period period{left, right, nframes, times.start_us, times.us_per_frame};
    source->render(session_->capture_audio_state(), period);
    return 0;
  }

  jack_client::ClientPtr client_;
  std::vector<std::string> warnings_;
  jack_port_t* ports_[2] = {nullptr, nullptr};
  std::vector<std::string> targets_;
  int rate_ = 0;
  Session* session_ = nullptr;
  std::atomic<AudioSource*> source_{nullptr};
  jack_client::ShutdownWatch shutdown_;
  std::atomic<jack_nframes_t> latency_frames_{0};
  bool active_ = false;
  // Process thread only.
  ClockOffset offset_;
  jack_client::CycleClock cycle_clock_;
};

} // namespace

std::unique_ptr<AudioOutput> open_output(const OutputOptions& options) {
  return std::make_unique<JackOutput>(options);
}

std::vector<std::string> list_ports(const OutputOptions& options) {
  const jack_client::ClientPtr client = jack_client::open_client(options.client_name + "-list", kOtherwise);
  return jack_client::audio_inputs(client.get(), 0);
}

} // namespace linktools::audio
