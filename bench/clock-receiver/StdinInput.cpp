// The stdin input: JSON Lines as the jsonl backend (link-midiclock, link-seq)
// writes them,
//   {"time_us":123,"sent_us":125,"beat":4.000000,"message":"clock","bytes":[248]}
// "bytes" is what is judged; "sent_us" is only passed on to the log (the
// sender's own belief of when it wrote). The benchmark measures when a line
// actually reached us, so each read() is stamped with Link's clock as soon
// as it returns, and every line it completes gets that stamp. A read that
// waits in poll() adds this program's own wake-up to the stamp; --busy-read
// keeps trying instead.
#include "ClockInput.hpp"

#include "cli/Errors.hpp"
#include "midi/Message.hpp"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <limits>
#include <optional>
#include <poll.h>
#include <unistd.h>

namespace linktools::bench {

namespace {

// The bytes of a line; nullopt when the line is not a MIDI message of one
// to three bytes. `sent_us` and `meant_us` get the line's sent_us and
// time_us when it has them.
std::optional<midi::Message> message_of(std::string_view line, double& sent_us, double& meant_us) {
  const auto json = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) return std::nullopt;
  if (const auto sent = json.find("sent_us"); sent != json.end() && sent->is_number())
    sent_us = sent->get<double>();
  if (const auto meant = json.find("time_us"); meant != json.end() && meant->is_number())
    meant_us = meant->get<double>();
  const auto bytes = json.find("bytes");
  if (bytes == json.end() || !bytes->is_array() || bytes->empty() || bytes->size() > 3)
    return std::nullopt;
  midi::Message m;
  for (const auto& byte : *bytes) {
    if (!byte.is_number_unsigned() || byte.get<unsigned>() > 0xFF) return std::nullopt;
    m.bytes[m.size++] = static_cast<std::uint8_t>(byte.get<unsigned>());
  }
  return m;
}

class StdinInput final : public ClockInput {
public:
  StdinInput(Session& session, double quantum, const Measure& measure, bool busy)
      : session_(session), measure_(measure), probe_(quantum, measure.step_ticks), busy_(busy) {
    facts_.source = "stdin";
  }

  void start() override {
    if (!busy_) return;
    const int flags = ::fcntl(STDIN_FILENO, F_GETFL);
    if (flags < 0 || ::fcntl(STDIN_FILENO, F_SETFL, flags | O_NONBLOCK) < 0)
      throw failure("stdin", std::string("cannot stop reads from waiting: ") + std::strerror(errno));
  }

  bool collect(std::vector<Observation>& out, std::chrono::milliseconds wait) override {
    char chunk[65536];
    ssize_t got = 0;
    double arrived = 0.0;
    if (busy_) {
      // Try again and again until something is there or the wait is over.
      const auto until = session_.now() + std::chrono::duration_cast<HostTime>(wait);
      for (;;) {
        got = ::read(STDIN_FILENO, chunk, sizeof chunk);
        const HostTime now = session_.now();
        arrived = static_cast<double>(now.count());
        if (got >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) break;
        if (now >= until) return true;
      }
    } else {
      pollfd fd{STDIN_FILENO, POLLIN, 0};
      const int ready = ::poll(&fd, 1, static_cast<int>(wait.count()));
      if (ready < 0) {
        if (errno == EINTR) return true; // a stop signal; the caller checks it
        throw failure("stdin", std::strerror(errno));
      }
      if (ready == 0) return true;
      got = ::read(STDIN_FILENO, chunk, sizeof chunk);
      arrived = static_cast<double>(session_.now().count());
    }
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
    double sent_us = std::numeric_limits<double>::quiet_NaN();
    double meant_us = std::numeric_limits<double>::quiet_NaN();
    const auto message = message_of(line, sent_us, meant_us);
    if (!message) {
      ++facts_.unreadable;
    } else if (is_measured(message->view(), measure_)) {
      out.push_back(probe_.observe(state, message->view(), arrived));
      out.back().sent_us = sent_us;
      out.back().meant_us = meant_us;
    }
  }

  Session& session_;
  Measure measure_;
  GridProbe probe_;
  bool busy_;
  std::string pending_; // an incomplete last line, until its newline comes
  InputFacts facts_;
};

} // namespace

std::unique_ptr<ClockInput> open_stdin_input(Session& session, double quantum,
                                             const Measure& measure, bool busy) {
  return std::make_unique<StdinInput>(session, quantum, measure, busy);
}

} // namespace linktools::bench
