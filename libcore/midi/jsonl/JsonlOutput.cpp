// The jsonl backend: every message as one JSON object per line, written when
// its time comes, for scripts, debugging and tests.
//   {"time_us":123,"sent_us":125,"beat":4.0,"message":"clock","bytes":[248]}
// time_us is the Link host time the message was meant for, sent_us the Link
// host time it was written.
#include "cli/Errors.hpp"
#include "cli/LineOutput.hpp"
#include "midi/Backends.hpp"
#include "midi/DeadlineThread.hpp"
#include "midi/EventJson.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <mutex>

namespace linktools::midi::jsonl {

namespace {

class JsonlOutput final : public MidiOutput {
public:
  JsonlOutput(std::FILE* file, std::string name, bool owned)
      : file_(file), out_(file), name_(std::move(name)), owned_(owned),
        thread_([this](const Event& e, HostTime sent) { return write(e, sent); }) {}

  ~JsonlOutput() override {
    JsonlOutput::stop();
    if (owned_) std::fclose(file_);
  }

  void start(Session& session, EventSource& source) override { thread_.start(session, source); }
  void stop() override { thread_.stop(); }

  std::optional<std::string> failure() const override {
    std::lock_guard lock(mutex_);
    return failure_;
  }
  bool reader_gone() const override {
    std::lock_guard lock(mutex_);
    return reader_gone_;
  }
  std::string description() const override { return "JSON Lines to " + name_; }

private:
  bool write(const Event& e, HostTime sent) {
    line_.clear();
    append_event_json(line_, e, sent);
    if (out_.write_line(std::string_view(line_.data(), line_.size()))) return true;
    std::lock_guard lock(mutex_);
    reader_gone_ = errno == EPIPE;
    failure_ = fmt::format("cannot write to {}: {}", name_, std::strerror(errno));
    return false;
  }

  std::FILE* file_;
  LineOutput out_;
  fmt::memory_buffer line_; // only the deadline thread's
  std::string name_;
  bool owned_;
  mutable std::mutex mutex_;
  std::optional<std::string> failure_;
  bool reader_gone_ = false;
  DeadlineThread thread_; // last: its thread stops before the members it uses go
};

} // namespace

std::unique_ptr<MidiOutput> open(const OutputOptions& options) {
  if (options.path == "-") return std::make_unique<JsonlOutput>(stdout, "stdout", false);
  std::FILE* file = std::fopen(options.path.c_str(), "w");
  if (!file)
    throw bad_input("--output " + options.path,
                    fmt::format("cannot open for writing: {}", std::strerror(errno)));
  return std::make_unique<JsonlOutput>(file, options.path, true);
}

} // namespace linktools::midi::jsonl
