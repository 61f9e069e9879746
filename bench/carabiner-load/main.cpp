// carabiner-load: many Carabiner clients at once against link-carabiner
// (bench/carabiner-load/run runs it). Plain sockets and epoll, no Link: the
// figures are what clients see on their side of the sockets.
//
//   carabiner-load broadcast PORT CLIENTS CHANGES [SERVER_PID]
//     connects CLIENTS clients, then CHANGES times has the first one set a new
//     tempo and times until every client has the status with it: the time to
//     the last client, p50/p99 over the changes. With SERVER_PID, the
//     server's resident memory before the clients and with them all idle.
//   carabiner-load roundtrip PORT BUSY REQUESTS
//     BUSY clients keep a beat-at-time request in flight all the time, while
//     one more sends REQUESTS of them one after the other: its round trips.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void die(const std::string& why) {
  std::fprintf(stderr, "carabiner-load: error: %s\n", why.c_str());
  std::exit(1);
}

double us_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
}

struct Client {
  int fd = -1;
  std::string input;
  // Takes the next whole line off the input; false when there is none.
  bool next_line(std::string& line) {
    const auto newline = input.find('\n');
    if (newline == std::string::npos) return false;
    line.assign(input, 0, newline);
    input.erase(0, newline + 1);
    return true;
  }
};

int connect_to(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) die(std::string("socket: ") + std::strerror(errno));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0)
    die(std::string("connect: ") + std::strerror(errno));
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

void send_all(int fd, const std::string& text) {
  std::size_t sent = 0;
  while (sent < text.size()) {
    const ssize_t n = send(fd, text.data() + sent, text.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) die(std::string("send: ") + std::strerror(errno));
    sent += static_cast<std::size_t>(n);
  }
}

// Reads what the socket has; false when the server closed it.
bool read_some(Client& c) {
  char buffer[65536];
  for (;;) {
    const ssize_t n = recv(c.fd, buffer, sizeof buffer, MSG_DONTWAIT);
    if (n > 0) {
      c.input.append(buffer, static_cast<std::size_t>(n));
      continue;
    }
    if (n == 0) return false;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return true;
    if (errno == EINTR) continue;
    return false;
  }
}

class Poller {
public:
  Poller() : fd_(epoll_create1(0)) {
    if (fd_ < 0) die("epoll_create1");
  }
  ~Poller() { close(fd_); }
  void add(int fd, std::size_t index) {
    epoll_event e{};
    e.events = EPOLLIN;
    e.data.u64 = index;
    if (epoll_ctl(fd_, EPOLL_CTL_ADD, fd, &e) != 0) die("epoll_ctl");
  }
  // The indices of the clients with something to read, waiting up to `ms`.
  std::vector<std::size_t> wait(int ms) {
    epoll_event events[256];
    const int n = epoll_wait(fd_, events, 256, ms);
    std::vector<std::size_t> ready;
    for (int i = 0; i < n; ++i) ready.push_back(events[i].data.u64);
    return ready;
  }

private:
  int fd_;
};

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0.0;
  std::sort(v.begin(), v.end());
  const auto i = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

long rss_kib(long pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string word;
  while (status >> word)
    if (word == "VmRSS:") {
      long kib = 0;
      status >> kib;
      return kib;
    }
  return -1;
}

void raise_descriptor_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
}

std::vector<Client> connect_all(int port, std::size_t count, Poller& poller) {
  std::vector<Client> clients(count);
  for (std::size_t i = 0; i < count; ++i) {
    clients[i].fd = connect_to(port);
    poller.add(clients[i].fd, i);
  }
  // Every client's first status.
  std::size_t greeted = 0;
  std::vector<bool> got(count, false);
  const auto give_up = Clock::now() + std::chrono::seconds(30);
  while (greeted < count) {
    if (Clock::now() > give_up) die(std::to_string(count - greeted) + " clients got no first status");
    for (std::size_t i : poller.wait(100)) {
      if (!read_some(clients[i])) die("the server closed a connection");
      std::string line;
      while (clients[i].next_line(line))
        if (!got[i] && line.rfind("status {", 0) == 0) {
          got[i] = true;
          ++greeted;
        }
    }
  }
  return clients;
}

int broadcast(int port, std::size_t count, int changes, long server_pid) {
  const long rss_before = server_pid > 0 ? rss_kib(server_pid) : -1;
  Poller poller;
  const auto t_connect = Clock::now();
  std::vector<Client> clients = connect_all(port, count, poller);
  const double connect_ms = us_since(t_connect) / 1000.0;
  long rss_idle = -1;
  if (server_pid > 0) {
    usleep(500'000); // all idle
    rss_idle = rss_kib(server_pid);
  }
  std::vector<double> to_last, each;
  for (int change = 0; change < changes; ++change) {
    // Alternate two tempos, 150 ms apart: more than --poll, so no merging.
    usleep(150'000);
    const double bpm = change % 2 == 0 ? 121.0 : 122.0;
    char wanted[32];
    std::snprintf(wanted, sizeof wanted, ":bpm %.6f ", bpm);
    std::vector<bool> got(count, false);
    std::size_t heard = 0;
    const auto t0 = Clock::now();
    send_all(clients[0].fd, "bpm " + std::to_string(bpm) + "\n");
    double last = 0.0;
    while (heard < count) {
      if (us_since(t0) > 10e6) die("not every client heard a tempo change within 10 s");
      for (std::size_t i : poller.wait(100)) {
        if (!read_some(clients[i])) die("the server closed a connection");
        std::string line;
        while (clients[i].next_line(line))
          if (!got[i] && line.rfind("status {", 0) == 0 && line.find(wanted) != std::string::npos) {
            got[i] = true;
            ++heard;
            last = us_since(t0);
            each.push_back(last);
          }
      }
    }
    to_last.push_back(last);
  }
  std::printf("clients %zu, connected in %.0f ms, %d tempo changes\n", count, connect_ms, changes);
  std::printf("tempo change to the last client's status: p50 %.0f us  p99 %.0f us  max %.0f us\n",
              percentile(to_last, 0.5), percentile(to_last, 0.99), percentile(to_last, 1.0));
  std::printf("tempo change to each client's status:     p50 %.0f us  p99 %.0f us\n",
              percentile(each, 0.5), percentile(each, 0.99));
  if (server_pid > 0)
    std::printf("server resident memory: %ld KiB alone, %ld KiB with %zu idle clients (%.1f KiB each)\n",
                rss_before, rss_idle, count,
                static_cast<double>(rss_idle - rss_before) / static_cast<double>(count));
  for (auto& c : clients) close(c.fd);
  return 0;
}

int roundtrip(int port, std::size_t busy, int requests) {
  Poller poller;
  std::vector<Client> clients = connect_all(port, busy + 1, poller);
  const std::string request = "beat-at-time 1000000 4.0\n";
  // The busy ones: a request in flight each, renewed on every reply.
  for (std::size_t i = 1; i <= busy; ++i) send_all(clients[i].fd, request);
  std::vector<double> trips;
  std::size_t busy_replies = 0;
  Client& probe = clients[0];
  bool waiting = false;
  Clock::time_point sent_at;
  const auto give_up = Clock::now() + std::chrono::seconds(120);
  while (static_cast<int>(trips.size()) < requests) {
    if (Clock::now() > give_up) die("the round trips took over 120 s");
    if (!waiting) {
      sent_at = Clock::now();
      send_all(probe.fd, request);
      waiting = true;
    }
    for (std::size_t i : poller.wait(100)) {
      if (!read_some(clients[i])) die("the server closed a connection");
      std::string line;
      while (clients[i].next_line(line)) {
        if (line.rfind("beat-at-time {", 0) != 0) continue;
        if (i == 0) {
          trips.push_back(us_since(sent_at));
          waiting = false;
        } else {
          ++busy_replies;
          send_all(clients[i].fd, request);
        }
      }
    }
  }
  std::printf("beat-at-time round trip with %zu busy clients (%zu busy replies meanwhile), %d requests:\n",
              busy, busy_replies, requests);
  std::printf("p50 %.0f us  p99 %.0f us  max %.0f us\n", percentile(trips, 0.5),
              percentile(trips, 0.99), percentile(trips, 1.0));
  for (auto& c : clients) close(c.fd);
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  raise_descriptor_limit();
  const std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "broadcast" && (argc == 5 || argc == 6))
    return broadcast(std::atoi(argv[2]), static_cast<std::size_t>(std::atol(argv[3])), std::atoi(argv[4]),
                     argc == 6 ? std::atol(argv[5]) : -1);
  if (mode == "roundtrip" && argc == 5)
    return roundtrip(std::atoi(argv[2]), static_cast<std::size_t>(std::atol(argv[3])), std::atoi(argv[4]));
  std::fprintf(stderr,
               "usage: carabiner-load broadcast PORT CLIENTS CHANGES [SERVER_PID]\n"
               "       carabiner-load roundtrip PORT BUSY REQUESTS\n");
  return 2;
}
