#include "session/Session.hpp"

// Link picks its platform types in ableton/platforms/Config.hpp from a
// LINK_PLATFORM_* macro. We make that choice here instead, with one change:
// node ids that sort after any ordinary peer's. Link founds a session per
// peer and, when two sessions are less than 0.5 s apart in age, the one with
// the smaller session id (= founder's node id) wins. A tool that joins to
// look or to make one change must never win that tie and impose its default
// tempo and beat grid on the apps already playing.
#ifndef LINK_PLATFORM_LINUX
#error "Session.cpp expects Link's Linux platform (LINK_PLATFORM_LINUX)"
#endif
#include <ableton/link/Controller.hpp>
#include <ableton/platforms/asio/Context.hpp>
#include <ableton/platforms/linux/Clock.hpp>
#include <ableton/platforms/linux/ThreadFactory.hpp>
#include <ableton/platforms/posix/ScanIpIfAddrs.hpp>
#include <ableton/util/Log.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <span>
#include <random>

namespace linktools::detail {
// Link draws a node id as 8 printable bytes (33..126), each from a fresh
// generator (a new session takes its founder's node id as its id). Ours are
//   2 bytes '~' (126, the largest): ordinary peers sort before us and win ties;
//   4 bytes: this process's start time in 10 ms steps (base 94, wrapping after
//     about 9 days): among link-tools peers the one running longest wins ties,
//     so a link-tempo run never takes over from a running link-status --watch;
//   2 random bytes, so processes started in the same 10 ms still differ.
// The 8th byte publishes the id, so our own announcements on the network can
// be told apart from the peers' (see Session::node_id).
std::atomic<std::uint64_t> g_last_node_id{0};

std::uint64_t process_start_steps() {
  static const std::uint64_t steps = [] {
    const auto since_epoch = std::chrono::system_clock::now().time_since_epoch();
    return static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch).count() / 10);
  }();
  return steps;
}

class DeferringNodeIdBytes {
public:
  std::uint8_t operator()() {
    constexpr std::uint64_t kSymbols = 94; // printable bytes 33..126
    std::uint8_t byte = 126;
    if (drawn_ >= 2 && drawn_ < 6) {
      std::uint64_t digit = process_start_steps();
      for (int i = drawn_; i < 5; ++i) digit /= kSymbols;
      byte = static_cast<std::uint8_t>(33 + digit % kSymbols);
    } else if (drawn_ >= 6) {
      byte = static_cast<std::uint8_t>(dist_(gen_));
    }
    id_ = (id_ << 8) | byte;
    if (++drawn_ == 8) g_last_node_id.store(id_, std::memory_order_release);
    return byte;
  }

private:
  int drawn_ = 0;
  std::uint64_t id_ = 0;
  std::random_device device_;
  std::mt19937 gen_{device_()};
  std::uniform_int_distribution<unsigned> dist_{33, 126};
};
} // namespace linktools::detail

namespace linktools::detail {
// Datagrams that reach our Link sockets are also shown to one observer
// (Session::on_datagram), on Link's thread. Link answers a newcomer's first
// announcement by unicast; that answer carries the peer's whole state, which
// Link itself does not pass on (the start/stop state in particular).
std::mutex g_datagram_mutex;
std::function<void(std::span<const std::uint8_t>)> g_datagram_observer;

void show_datagram(const std::uint8_t* begin, const std::uint8_t* end) {
  std::lock_guard lock(g_datagram_mutex);
  if (g_datagram_observer) g_datagram_observer({begin, end});
}

// Link's asio socket, with every received datagram shown to the observer first.
template <std::size_t MaxPacketSize>
struct ObservedSocket {
  using Inner = ableton::platforms::asio::Socket<MaxPacketSize>;
  explicit ObservedSocket(Inner inner) : inner_(std::move(inner)) {}
  ObservedSocket(ObservedSocket&&) = default;

  std::size_t send(const std::uint8_t* data, std::size_t size, const ::asio::ip::udp::endpoint& to) {
    return inner_.send(data, size, to);
  }
  template <typename Handler> void receive(Handler handler) {
    inner_.receive([handler](const ::asio::ip::udp::endpoint& from, auto begin, auto end) mutable {
      show_datagram(&*begin, &*begin + (end - begin));
      handler(from, begin, end);
    });
  }
  ::asio::ip::udp::endpoint endpoint() const { return inner_.endpoint(); }

private:
  Inner inner_;
};

using BaseContext = ableton::platforms::asio::Context<ableton::platforms::posix::ScanIpIfAddrs,
                                                      ableton::util::NullLog,
                                                      ableton::platforms::linux::ThreadFactory>;

// Link's stock asio I/O context, but its sockets are ObservedSockets.
class ObservedContext : public BaseContext {
public:
  using BaseContext::BaseContext;
  ObservedContext(ObservedContext&&) = default;

  template <std::size_t BufferSize> using Socket = ObservedSocket<BufferSize>;

  template <std::size_t BufferSize>
  Socket<BufferSize> openUnicastSocket(const ::asio::ip::address_v4& addr) {
    return Socket<BufferSize>(BaseContext::template openUnicastSocket<BufferSize>(addr));
  }
  template <std::size_t BufferSize>
  Socket<BufferSize> openMulticastSocket(const ::asio::ip::address_v4& addr) {
    return Socket<BufferSize>(BaseContext::template openMulticastSocket<BufferSize>(addr));
  }
};
} // namespace linktools::detail

namespace ableton::link::platform {
using Clock = platforms::linux::ClockMonotonicRaw;
using Random = linktools::detail::DeferringNodeIdBytes;
using IoContext = linktools::detail::ObservedContext;
} // namespace ableton::link::platform

// With the macro gone, Config.hpp (included by Link.hpp) adds no aliases of its own.
#undef LINK_PLATFORM_LINUX
#include <ableton/Link.hpp>

#include <condition_variable>
#include <mutex>
#include <new>
#include <type_traits>
#include <utility>

namespace linktools {

namespace {
using LinkState = ableton::Link::SessionState;
static_assert(sizeof(LinkState) <= 96, "SessionState::kStorageSize too small");
static_assert(alignof(LinkState) <= alignof(std::max_align_t));
static_assert(std::is_nothrow_copy_constructible_v<LinkState>);

LinkState& link_state(unsigned char* storage) {
  return *std::launder(reinterpret_cast<LinkState*>(storage));
}
const LinkState& link_state(const unsigned char* storage) {
  return *std::launder(reinterpret_cast<const LinkState*>(storage));
}
} // namespace

#define LT_STATE link_state(storage_)

SessionState::SessionState(const SessionState& other) noexcept {
  new (storage_) LinkState(link_state(other.storage_));
}
SessionState& SessionState::operator=(const SessionState& other) noexcept {
  if (this != &other) LT_STATE = link_state(other.storage_);
  return *this;
}
SessionState::~SessionState() { LT_STATE.~LinkState(); }

SessionState SessionState::detached(double bpm, HostTime time, double beat) noexcept {
  namespace link = ableton::link;
  const link::ApiState api{link::Timeline{link::Tempo{bpm}, link::Beats{beat}, time},
                           link::ApiStartStopState{false, HostTime{0}}};
  SessionState out;
  new (out.storage_) LinkState(api, true);
  return out;
}

double SessionState::tempo() const noexcept { return LT_STATE.tempo(); }
bool SessionState::is_playing() const noexcept { return LT_STATE.isPlaying(); }
HostTime SessionState::time_for_is_playing() const noexcept { return LT_STATE.timeForIsPlaying(); }
double SessionState::beat_at_time(HostTime t, double q) const noexcept { return LT_STATE.beatAtTime(t, q); }
double SessionState::phase_at_time(HostTime t, double q) const noexcept { return LT_STATE.phaseAtTime(t, q); }
HostTime SessionState::time_at_beat(double b, double q) const noexcept { return LT_STATE.timeAtBeat(b, q); }
void SessionState::set_tempo(double bpm, HostTime t) noexcept { LT_STATE.setTempo(bpm, t); }
void SessionState::set_is_playing(bool p, HostTime t) noexcept { LT_STATE.setIsPlaying(p, t); }
void SessionState::request_beat_at_time(double b, HostTime t, double q) noexcept {
  LT_STATE.requestBeatAtTime(b, t, q);
}
void SessionState::force_beat_at_time(double b, HostTime t, double q) noexcept {
  LT_STATE.forceBeatAtTime(b, t, q);
}
void SessionState::set_is_playing_and_request_beat_at_time(bool p, HostTime t, double b,
                                                           double q) noexcept {
  LT_STATE.setIsPlayingAndRequestBeatAtTime(p, t, b, q);
}
#undef LT_STATE

struct Session::Impl {
  explicit Impl(double bpm) : link(bpm) {
    // Link calls these on its own thread.
    link.setNumPeersCallback([this](std::size_t peers) {
      notify([&] { if (peers_callback) peers_callback(peers); });
    });
    link.setTempoCallback([this](double bpm_now) {
      notify([&] { if (tempo_callback) tempo_callback(bpm_now); });
    });
    link.setStartStopCallback([this](bool playing) {
      notify([&] { if (transport_callback) transport_callback(playing); });
    });
  }

  template <typename F> void notify(F&& call_user) {
    {
      std::lock_guard lock(mutex);
      ++changes;
      call_user();
    }
    changed.notify_all();
  }

  mutable std::mutex mutex;
  mutable std::condition_variable changed;
  std::uint64_t changes = 0;
  std::function<void(std::size_t)> peers_callback;
  std::function<void(double)> tempo_callback;
  std::function<void(bool)> transport_callback;
  // Declared last so it is destroyed first: Link's threads, which call the
  // callbacks above, stop before the mutex and the callbacks go away.
  ableton::Link link;

  SessionState wrap(const LinkState& state) const noexcept {
    SessionState out;
    new (out.storage_) LinkState(state);
    return out;
  }
};

Session::Session(double bpm) : impl_(std::make_unique<Impl>(bpm)) {}
Session::~Session() {
  // Leave the session politely (Link sends a bye-bye) before the callbacks die.
  impl_->link.enable(false);
}

void Session::enable(bool on) { impl_->link.enable(on); }
bool Session::is_enabled() const { return impl_->link.isEnabled(); }
void Session::enable_start_stop_sync(bool on) { impl_->link.enableStartStopSync(on); }
bool Session::is_start_stop_sync_enabled() const { return impl_->link.isStartStopSyncEnabled(); }
std::size_t Session::peer_count() const { return impl_->link.numPeers(); }
void Session::on_datagram(std::function<void(std::span<const std::uint8_t>)> observer) {
  std::lock_guard lock(detail::g_datagram_mutex);
  detail::g_datagram_observer = std::move(observer);
}

std::array<std::uint8_t, 8> Session::node_id() const {
  const auto packed = detail::g_last_node_id.load(std::memory_order_acquire);
  std::array<std::uint8_t, 8> id{};
  for (std::size_t i = 0; i < id.size(); ++i)
    id[i] = static_cast<std::uint8_t>(packed >> (8 * (id.size() - 1 - i)));
  return id;
}

HostTime Session::now() const noexcept { return impl_->link.clock().micros(); }

SessionState Session::capture_app_state() const {
  return impl_->wrap(impl_->link.captureAppSessionState());
}
void Session::commit_app_state(const SessionState& state) {
  impl_->link.commitAppSessionState(link_state(state.storage_));
}
SessionState Session::capture_audio_state() const noexcept {
  return impl_->wrap(impl_->link.captureAudioSessionState());
}
void Session::commit_audio_state(const SessionState& state) noexcept {
  impl_->link.commitAudioSessionState(link_state(state.storage_));
}

void Session::on_peers(std::function<void(std::size_t)> callback) {
  std::lock_guard lock(impl_->mutex);
  impl_->peers_callback = std::move(callback);
}
void Session::on_tempo(std::function<void(double)> callback) {
  std::lock_guard lock(impl_->mutex);
  impl_->tempo_callback = std::move(callback);
}
void Session::on_transport(std::function<void(bool)> callback) {
  std::lock_guard lock(impl_->mutex);
  impl_->transport_callback = std::move(callback);
}

std::uint64_t Session::change_count() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->changes;
}

void Session::poke() {
  impl_->notify([] {});
}

std::uint64_t Session::wait_for_change(std::uint64_t seen, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(impl_->mutex);
  impl_->changed.wait_for(lock, timeout, [&] { return impl_->changes != seen; });
  return impl_->changes;
}

} // namespace linktools
