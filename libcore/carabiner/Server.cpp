#include "carabiner/Server.hpp"

#include "cli/Errors.hpp"
#include "cli/Signals.hpp"
#include "cli/Tool.hpp"
#include "session/ClockOffset.hpp"
#include "session/Session.hpp"

#include <asio.hpp>
#include <fmt/format.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <array>
#include <atomic>
#include <cmath>
#include <ctime>
#include <deque>
#include <memory>
#include <unordered_set>
#include <vector>

namespace linktools::carabiner {

namespace {

using asio::ip::tcp;
using Clock = std::chrono::steady_clock;

// How often a stop signal is looked for, whatever --poll says.
constexpr std::chrono::milliseconds kStopCheck{20};
// How often clients are looked at for writes that do not move.
constexpr std::chrono::milliseconds kStallCheck{250};
// After running out of file descriptors, accepting waits this long.
constexpr std::chrono::milliseconds kAcceptBackoff{100};

// The commands' view of the real session (on the server's thread).
class LinkAccess final : public SessionAccess {
public:
  explicit LinkAccess(Session& session) : session_(session) {}
  SessionState capture() const override { return session_.capture_app_state(); }
  void commit(const SessionState& state) override { session_.commit_app_state(state); }
  HostTime now() const override { return session_.now(); }
  std::size_t peers() const override { return session_.peer_count(); }
  bool start_stop_sync() const override { return session_.is_start_stop_sync_enabled(); }
  void enable_start_stop_sync(bool on) override { session_.enable_start_stop_sync(on); }

private:
  Session& session_;
};

std::int64_t monotonic_us() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000 + ts.tv_nsec / 1000;
}

// One file descriptor per client: take all the system allows us.
void raise_descriptor_limit() noexcept {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= limit.rlim_max) return;
  limit.rlim_cur = limit.rlim_max;
  setrlimit(RLIMIT_NOFILE, &limit);
}

class Hub;

class Connection : public std::enable_shared_from_this<Connection> {
public:
  Connection(tcp::socket socket, Hub& hub, Format format)
      : socket_(std::move(socket)), idle_(socket_.get_executor()), hub_(hub), format_(format) {}

  void start();
  Format format() const noexcept { return format_; }
  // A reply to this client.
  void send(std::string line) {
    queue(std::make_shared<const std::string>(std::move(line)), false);
  }
  // A status: one not written yet is replaced, so a slow reader gets the
  // newest, not a backlog.
  void send_status(const std::shared_ptr<const std::string>& line) { queue(line, true); }
  // A client that has taken nothing of a write for kStalledWriteTimeout does
  // not read: it is dropped.
  void drop_if_stalled(Clock::time_point now) {
    if (writing_ && now - write_started_ > kStalledWriteTimeout) close();
  }
  void close();

private:
  struct Unsent {
    std::shared_ptr<const std::string> line;
    bool status;
  };

  void read();
  void on_read(const asio::error_code& ec, std::size_t n);
  void execute();
  bool all_run() const noexcept { return next_ == commands_.size() && input_used_ == input_len_; }
  void queue(const std::shared_ptr<const std::string>& line, bool status);
  void write_next();

  tcp::socket socket_;
  asio::steady_timer idle_;
  Hub& hub_;
  Format format_;
  Parser parser_;
  // The last read, and how much of it the parser has had. The parser gets
  // it a slice at a time, so at most one slice's commands wait while the
  // output is full.
  std::array<char, 4096> input_{};
  std::size_t input_len_ = 0;
  std::size_t input_used_ = 0;
  std::vector<Command> commands_; // parsed; those from next_ on have not run
  std::size_t next_ = 0;
  std::deque<Unsent> unsent_; // the front is being written while writing_
  std::size_t unsent_bytes_ = 0;
  Clock::time_point write_started_{};
  unsigned quiet_armed_ = 0; // which arming of idle_ may still flush
  bool reading_ = false;
  bool waiting_for_room_ = false; // commands wait until the client takes its replies
  bool writing_ = false;
  bool finished_ = false; // the client sent end of file
  bool closed_ = false;
};

class Hub {
public:
  Hub(asio::io_context& io, Session& session, const ServerOptions& options,
      std::function<void(std::size_t)> on_poll)
      : io_(io), session_(session), link_(session), options_(options), acceptor_(io),
        accept_backoff_(io), poll_timer_(io), stop_timer_(io), broadcast_timer_(io),
        on_poll_(std::move(on_poll)) {}

  // Opens the port; throws ToolError when it cannot.
  std::string listen() {
    asio::error_code ec;
    const auto address = asio::ip::make_address(options_.listen, ec);
    if (ec) throw bad_input("--listen " + options_.listen, "expected an IPv4 or IPv6 address");
    const tcp::endpoint endpoint(address, options_.port);
    const std::string where = fmt::format("{}:{}", options_.listen, options_.port);
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) throw failure("cannot listen on " + where, ec.message());
    const tcp::endpoint bound = acceptor_.local_endpoint();
    return address.is_v6() ? fmt::format("tcp://[{}]:{}", bound.address().to_string(), bound.port())
                           : fmt::format("tcp://{}:{}", bound.address().to_string(), bound.port());
  }

  ~Hub() { forget_session(); }

  void start() {
    update_clock();
    const SessionState state = link_.capture();
    last_tempo_ = state.tempo();
    last_start_ = state.time_at_beat(0.0, 4.0).count();
    // Link calls these on its own thread: they only post to ours, once
    // until we have looked.
    auto changed = [this] {
      if (!change_posted_.exchange(true)) asio::post(io_, [this] { on_change(); });
    };
    session_.on_tempo([changed](double) { changed(); });
    session_.on_peers([changed](std::size_t) { changed(); });
    session_.on_transport([changed](bool) { changed(); });
    accept();
    poll();
    check_stop();
  }

  Outcome execute(const Command& command, Format& format) {
    return carabiner::execute(command, link_, clock_, format, server_name_);
  }

  std::string status(Format format) const { return format_status(status_now(link_, clock_), format); }

  // A client forced or requested a beat: the others hear of it at once (the
  // client itself has its status already).
  void timeline_moved(const Connection* by) { broadcast(by); }

  void remove(const std::shared_ptr<Connection>& connection) { connections_.erase(connection); }

private:
  void accept() {
    acceptor_.async_accept([this](const asio::error_code& ec, tcp::socket socket) {
      if (stopping_) return;
      if (ec == asio::error::no_descriptors) {
        // Out of file descriptors: the clients we have keep being served.
        accept_backoff_.expires_after(kAcceptBackoff);
        accept_backoff_.async_wait([this](const asio::error_code& e) {
          if (!e && !stopping_) accept();
        });
        return;
      }
      if (!ec) {
        asio::error_code ignored;
        socket.set_option(tcp::no_delay(true), ignored);
        // The kernel holds megabytes of replies for a client that does not
        // read, and a shut window can stall a connection with nothing of
        // ours pending: the kernel ends a connection whose data waits this
        // long unread, so such a client is dropped too.
        const unsigned stalled_ms = static_cast<unsigned>(
            std::chrono::duration_cast<std::chrono::milliseconds>(kStalledWriteTimeout).count());
        ::setsockopt(socket.native_handle(), IPPROTO_TCP, TCP_USER_TIMEOUT, &stalled_ms,
                     sizeof stalled_ms);
        auto connection = std::make_shared<Connection>(std::move(socket), *this, options_.format);
        connections_.insert(connection);
        connection->start();
      }
      accept();
    });
  }

  void on_change() {
    change_posted_.store(false);
    const auto now = Clock::now();
    if (now - last_broadcast_ >= options_.poll) {
      broadcast(nullptr);
      return;
    }
    // Several changes within one poll period make one status, as Carabiner's.
    if (broadcast_armed_) return;
    broadcast_armed_ = true;
    broadcast_timer_.expires_at(last_broadcast_ + options_.poll);
    broadcast_timer_.async_wait([this](const asio::error_code& e) {
      broadcast_armed_ = false;
      if (!e && !stopping_) broadcast(nullptr);
    });
  }

  void broadcast(const Connection* except) {
    last_broadcast_ = Clock::now();
    const StatusFacts facts = status_now(link_, clock_);
    last_tempo_ = facts.bpm;
    last_start_ = facts.start + clock_.link_minus_client;
    std::shared_ptr<const std::string> edn, json;
    // Copied: a client dropped for not reading leaves the set meanwhile.
    const std::vector<std::shared_ptr<Connection>> everyone(connections_.begin(), connections_.end());
    for (const auto& c : everyone) {
      if (c.get() == except) continue;
      auto& line = c->format() == Format::json ? json : edn;
      if (!line) line = std::make_shared<const std::string>(format_status(facts, c->format()));
      c->send_status(line);
    }
  }

  void poll() {
    poll_timer_.expires_after(options_.poll);
    poll_timer_.async_wait([this](const asio::error_code& e) {
      if (e || stopping_) return;
      update_clock();
      // Link has no callback for a moved beat grid (Carabiner's issue 9).
      const SessionState state = link_.capture();
      const std::int64_t start = state.time_at_beat(0.0, 4.0).count();
      if (state.tempo() == last_tempo_ && std::llabs(start - last_start_) > kTimelineShiftUs)
        on_change();
      const auto now = Clock::now();
      if (now - last_stall_check_ >= kStallCheck) {
        last_stall_check_ = now;
        const std::vector<std::shared_ptr<Connection>> everyone(connections_.begin(), connections_.end());
        for (const auto& c : everyone) c->drop_if_stalled(now);
      }
      if (on_poll_) on_poll_(connections_.size());
      poll();
    });
  }

  void check_stop() {
    stop_timer_.expires_after(kStopCheck);
    stop_timer_.async_wait([this](const asio::error_code& e) {
      if (e) return;
      if (stop_requested()) {
        stop();
        return;
      }
      check_stop();
    });
  }

  void stop() {
    stopping_ = true;
    asio::error_code ignored;
    acceptor_.close(ignored);
    accept_backoff_.cancel();
    poll_timer_.cancel();
    broadcast_timer_.cancel();
    const std::vector<std::shared_ptr<Connection>> everyone(connections_.begin(), connections_.end());
    for (const auto& c : everyone) c->close();
    connections_.clear();
    forget_session();
    io_.stop();
  }

  // After this, Link calls nothing of ours (the Session waits for a
  // callback that is running).
  void forget_session() {
    session_.on_tempo(nullptr);
    session_.on_peers(nullptr);
    session_.on_transport(nullptr);
  }

  // --clock monotonic: the offset from CLOCK_MONOTONIC to Link's clock,
  // measured every poll (NTP slews CLOCK_MONOTONIC; Link's clock is raw).
  void update_clock() {
    if (options_.clock != ClientClock::monotonic) return;
    for (int tries = 0; tries < 3; ++tries) {
      const auto before = session_.now().count();
      const auto other = monotonic_us();
      const auto after = session_.now().count();
      offset_.add(before, other, after);
      if (offset_.valid()) break;
    }
    if (offset_.valid()) clock_.link_minus_client = std::llround(offset_.offset());
  }

  asio::io_context& io_;
  Session& session_;
  LinkAccess link_;
  ServerOptions options_;
  std::string server_name_ = std::string("link-carabiner ") + version();
  ClockMap clock_;
  ClockOffset offset_;
  tcp::acceptor acceptor_;
  asio::steady_timer accept_backoff_;
  asio::steady_timer poll_timer_;
  asio::steady_timer stop_timer_;
  asio::steady_timer broadcast_timer_;
  std::function<void(std::size_t)> on_poll_;
  std::unordered_set<std::shared_ptr<Connection>> connections_;
  std::atomic<bool> change_posted_{false};
  Clock::time_point last_broadcast_{};
  Clock::time_point last_stall_check_{};
  bool broadcast_armed_ = false;
  double last_tempo_ = 0.0;
  std::int64_t last_start_ = 0; // Link time of beat 0 in the last status
  bool stopping_ = false;
};

void Connection::start() {
  // Clients wait for a status before they speak (beat-carabiner gives up
  // after a second): it goes out at once.
  send(hub_.status(format_));
  read();
}

void Connection::close() {
  if (closed_) return;
  closed_ = true;
  asio::error_code ignored;
  idle_.cancel();
  socket_.shutdown(tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  hub_.remove(shared_from_this());
}

void Connection::read() {
  if (reading_ || closed_ || finished_) return;
  reading_ = true;
  // A command the last read left without its end runs if the client stays
  // quiet (Protocol.hpp); bytes already waiting are not quiet.
  asio::error_code ec;
  if (parser_.quiet_flush_due() && socket_.available(ec) == 0 && !ec) {
    const unsigned armed = ++quiet_armed_;
    idle_.expires_after(kQuietBeforeFlush);
    idle_.async_wait([weak = std::weak_ptr<Connection>(shared_from_this()),
                      armed](const asio::error_code& e) {
      auto me = weak.lock();
      if (e || !me || me->closed_ || armed != me->quiet_armed_ || !me->reading_) return;
      me->parser_.flush(me->commands_);
      me->execute();
    });
  }
  socket_.async_read_some(asio::buffer(input_),
                          [self = shared_from_this()](const asio::error_code& e, std::size_t n) {
                            self->on_read(e, n);
                          });
}

void Connection::on_read(const asio::error_code& ec, std::size_t n) {
  reading_ = false;
  ++quiet_armed_;
  if (closed_) return;
  idle_.cancel();
  if (ec == asio::error::eof) {
    // The client has sent all it will (it may still read): what it sent
    // without a final newline runs, and the connection closes once the
    // replies are out.
    finished_ = true;
    parser_.flush(commands_);
    execute();
    return;
  }
  if (ec) {
    close();
    return;
  }
  input_len_ = n;
  input_used_ = 0;
  execute();
}

// Runs what was read for as long as the replies fit. When they do not, the
// client is neither run nor read until it has taken half of them: a client
// that writes thousands of commands at once and then reads is served at the
// pace it reads, and TCP holds back the rest of its commands meanwhile.
void Connection::execute() {
  constexpr std::size_t kSlice = 256;
  while (!closed_) {
    if (next_ == commands_.size()) {
      commands_.clear();
      next_ = 0;
      if (input_used_ == input_len_) break;
      const std::size_t n = std::min(kSlice, input_len_ - input_used_);
      parser_.feed(std::string_view(input_.data() + input_used_, n), commands_);
      input_used_ += n;
      continue;
    }
    if (unsent_bytes_ >= kMaxUnsentBytes) {
      waiting_for_room_ = true;
      return;
    }
    const Command& command = commands_[next_++];
    Outcome outcome = hub_.execute(command, format_);
    if (!outcome.reply.empty()) send(std::move(outcome.reply));
    if (outcome.moved_timeline) hub_.timeline_moved(this);
  }
  if (closed_) return;
  if (unsent_bytes_ >= kMaxUnsentBytes) {
    waiting_for_room_ = true;
    return;
  }
  if (finished_) {
    if (!writing_) close();
    return;
  }
  read();
}

void Connection::queue(const std::shared_ptr<const std::string>& line, bool status) {
  if (closed_) return;
  if (status) {
    const std::size_t first_unsent = writing_ ? 1 : 0;
    for (std::size_t i = first_unsent; i < unsent_.size(); ++i)
      if (unsent_[i].status) {
        unsent_bytes_ -= unsent_[i].line->size();
        unsent_bytes_ += line->size();
        unsent_[i].line = line;
        return;
      }
  }
  unsent_.push_back({line, status});
  unsent_bytes_ += line->size();
  if (!writing_) write_next();
}

void Connection::write_next() {
  if (unsent_.empty() || closed_) {
    writing_ = false;
    if (finished_ && all_run()) close();
    return;
  }
  writing_ = true;
  write_started_ = Clock::now();
  // One line per write: some clients parse each read as whole lines.
  const auto line = unsent_.front().line;
  asio::async_write(socket_, asio::buffer(*line),
                    [self = shared_from_this(), line](const asio::error_code& ec, std::size_t) {
                      if (self->closed_) return;
                      if (ec) {
                        self->close();
                        return;
                      }
                      self->unsent_bytes_ -= line->size();
                      self->unsent_.pop_front();
                      if (self->waiting_for_room_ && self->unsent_bytes_ <= kMaxUnsentBytes / 2) {
                        self->waiting_for_room_ = false;
                        self->execute();
                        if (self->closed_) return;
                      }
                      self->write_next();
                    });
}

} // namespace

void serve(Session& session, const ServerOptions& options,
           const std::function<void(const std::string& url)>& on_listening,
           const std::function<void(std::size_t connections)>& on_poll) {
  raise_descriptor_limit();
  asio::io_context io(1);
  Hub hub(io, session, options, on_poll);
  const std::string url = hub.listen();
  // Link's callbacks are set before on_listening enables Link; no client is
  // served before io.run().
  hub.start();
  if (on_listening) on_listening(url);
  io.run();
}

} // namespace linktools::carabiner
