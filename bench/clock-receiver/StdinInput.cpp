// The stdin input: JSON Lines as link-midiclock's jsonl backend writes them,
//   {"time_us":123,"sent_us":125,"beat":4.000000,"message":"clock","bytes":[248]}
// Only "bytes" is used. The sender's own times are what it meant and what it
// believed; the benchmark measures when a line actually reached us, so each
// read() is stamped with Link's clock as soon as it returns, and every line
// it completes gets that stamp.
#include "ClockInput.hpp"

#include "cli/Errors.hpp"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstring>
#include <optional>
#include <poll.h>
#include <unistd.h>

namespace linktools::bench {

namespace {

// The status byte of a line; nullopt when the line is not a MIDI message.
std::optional<std::uint8_t> status_byte(std::string_view line) {
  const auto json = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) return std::nullopt;
  const auto bytes = json.find("bytes");
  if (bytes == json.end() || !bytes->is_array() || bytes->empty() ||
      !bytes->front().is_number_unsigned() || bytes->front().get<unsigned>() > 0xFF)
    return std::nullopt;
  return static_cast<std::uint8_t>(bytes->front().get<unsigned>());
}

class StdinInput final : public ClockInput {
public:
  StdinInput(Session& session, double quantum) : session_(session), probe_(quantum) {
    facts_.source = "stdin";
  }

  void start() override {}

  bool collect(std::vector<Observation>& out, std::chrono::milliseconds wait) override {
    pollfd fd{STDIN_FILENO, POLLIN, 0};
    const int ready = ::poll(&fd, 1, static_cast<int>(wait.count()));
    if (ready < 0) {
      if (errno == EINTR) return true; // a stop signal; the caller checks it
      throw failure("stdin", std::strerror(errno));
    }
    if (ready == 0) return true;
    char chunk[65536];
    const ssize_t got = ::read(STDIN_FILENO, chunk, sizeof chunk);
    const auto arrived = static_cast<double>(session_.now().count());
    if (got < 0) {
      if (errno == EINTR || errno == EAGAIN) return true;
      throw failure("stdin", std::strerror(errno));
    }
    const SessionState state = session_.capture_app_state();
    if (got == 0) {
      // A last line without its newline is complete now.
      take(pending_, state, arrived, out);
      pending_.clear();
      return false;
    }
    pending_.append(chunk, static_cast<std::size_t>(got));
    std::size_t begin = 0;
    for (std::size_t end = 0; (end = pending_.find('\n', begin)) != std::string::npos;
         begin = end + 1)
      take(std::string_view(pending_).substr(begin, end - begin), state, arrived, out);
    pending_.erase(0, begin);
    return true;
  }

  InputFacts facts() const override { return facts_; }

private:
  void take(std::string_view line, const SessionState& state, double arrived,
            std::vector<Observation>& out) {
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) return;
    const auto status = status_byte(line);
    if (!status)
      ++facts_.unreadable;
    else if (is_measured(*status))
      out.push_back(probe_.observe(state, *status, arrived));
  }

  Session& session_;
  GridProbe probe_;
  std::string pending_; // an incomplete last line, until its newline comes
  InputFacts facts_;
};

} // namespace

std::unique_ptr<ClockInput> open_stdin_input(Session& session, double quantum) {
  return std::make_unique<StdinInput>(session, quantum);
}

} // namespace linktools::bench
