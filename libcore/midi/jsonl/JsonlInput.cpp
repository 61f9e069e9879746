// The jsonl input: MIDI as JSON Lines on standard input, for scripts and
// tests, one message (or any bytes) a line:
//   {"time_us":123456789,"bytes":[248]}
// time_us is the Link host time the bytes arrived (CLOCK_MONOTONIC_RAW in
// microseconds on Linux); without it, the time the line was read. Other
// keys are ignored, so link-midiclock's own jsonl lines can be fed back.
// A line that is not such an object is counted and reported (the first
// few, with their line numbers), never the end of the run.
#include "cli/Errors.hpp"
#include "midi/Backends.hpp"
#include "session/Session.hpp"

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <poll.h>
#include <string_view>
#include <unistd.h>

namespace linktools::midi::jsonl {

namespace {

// Lines reported one by one; after that only counted.
constexpr std::uint64_t kReportedLines = 5;

class JsonlInput final : public MidiInput {
public:
  void start(Session& session) override { session_ = &session; }

  bool read(std::vector<Received>& out, std::chrono::milliseconds wait) override {
    if (ended_) return false;
    pollfd fd{STDIN_FILENO, POLLIN, 0};
    const int ready = ::poll(&fd, 1, static_cast<int>(wait.count()));
    if (ready < 0) {
      if (errno == EINTR) return true; // a stop signal; the caller checks it
      throw linktools::failure("standard input", std::strerror(errno));
    }
    if (ready == 0) return true;
    char chunk[65536];
    const ssize_t got = ::read(STDIN_FILENO, chunk, sizeof chunk);
    const HostTime arrived = session_->now();
    if (got < 0) {
      if (errno == EINTR || errno == EAGAIN) return true;
      throw linktools::failure("standard input", std::strerror(errno));
    }
    if (got == 0) { // a last line without its newline is complete now
      take(pending_, arrived, out);
      pending_.clear();
      ended_ = true;
      return false;
    }
    pending_.append(chunk, static_cast<std::size_t>(got));
    std::size_t begin = 0;
    for (std::size_t end = 0; (end = pending_.find('\n', begin)) != std::string::npos; begin = end + 1)
      take(std::string_view(pending_).substr(begin, end - begin), arrived, out);
    pending_.erase(0, begin);
    return true;
  }

  std::optional<std::string> failure() const override { return std::nullopt; }
  std::uint64_t unreadable() const override { return unreadable_.load(std::memory_order_relaxed); }
  std::string description() const override { return "JSON Lines from standard input"; }

private:
  void take(std::string_view line, HostTime arrived, std::vector<Received>& out) {
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) {
      ++line_;
      return;
    }
    ++line_;
    std::string why;
    if (auto r = parse(line, arrived, why))
      out.push_back(std::move(*r));
    else if (unreadable_.fetch_add(1, std::memory_order_relaxed) < kReportedLines)
      problems_.push_back(fmt::format("standard input line {}: {}; line ignored", line_, why));
  }

  static std::optional<Received> parse(std::string_view line, HostTime arrived, std::string& why) {
    const auto json = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (json.is_discarded() || !json.is_object()) {
      why = "expected a JSON object such as {\"time_us\":123,\"bytes\":[248]}";
      return std::nullopt;
    }
    Received r;
    r.time = arrived;
    if (const auto t = json.find("time_us"); t != json.end()) {
      if (!t->is_number_integer() || t->get<std::int64_t>() < 0) {
        why = fmt::format("time_us: expected a whole number of microseconds, got {}", t->dump());
        return std::nullopt;
      }
      r.time = HostTime(t->get<std::int64_t>());
    }
    const auto bytes = json.find("bytes");
    if (bytes == json.end() || !bytes->is_array() || bytes->empty()) {
      why = "bytes: expected an array of byte values 0..255";
      return std::nullopt;
    }
    for (const auto& b : *bytes) {
      if (!b.is_number_unsigned() || b.get<std::uint64_t>() > 0xFF) {
        why = fmt::format("bytes: expected values 0..255, got {}", b.dump());
        return std::nullopt;
      }
      r.bytes.push_back(static_cast<std::uint8_t>(b.get<unsigned>()));
    }
    return r;
  }

public:
  std::vector<std::string> take_problems() override {
    std::vector<std::string> out;
    out.swap(problems_);
    return out;
  }

private:
  Session* session_ = nullptr;
  std::string pending_; // an incomplete last line, until its newline comes
  bool ended_ = false;
  std::uint64_t line_ = 0;
  std::atomic<std::uint64_t> unreadable_{0};
  std::vector<std::string> problems_; // not yet handed out
};

} // namespace

std::unique_ptr<MidiInput> open_input(const InputOptions&) { return std::make_unique<JsonlInput>(); }

} // namespace linktools::midi::jsonl
