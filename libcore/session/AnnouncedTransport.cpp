#include "session/AnnouncedTransport.hpp"

#include "cli/Errors.hpp"
#include "cli/Signals.hpp"

#include <algorithm>
#include <system_error>

namespace linktools {

void AnnouncementBoard::add(const discovery::Announcement& a) {
  if (a.kind == discovery::MessageKind::bye_bye)
    latest_.erase(a.node_id);
  else
    latest_[a.node_id] = a;
}

std::optional<SessionTransport> AnnouncementBoard::session_transport(const discovery::NodeId& self) const {
  const auto members_besides_self = [&](const discovery::NodeId& session) {
    return std::count_if(latest_.begin(), latest_.end(), [&](const auto& entry) {
      return entry.first != self && entry.second.session_id == session;
    });
  };
  // Our session: the one our own node announces, once a peer is in it too.
  // Right after joining, our announcement still names the session we left
  // (Link spaces its announcements 50 ms apart); then the session every
  // peer agrees on is ours.
  std::optional<discovery::NodeId> ours;
  if (const auto mine = latest_.find(self);
      mine != latest_.end() && mine->second.session_id &&
      members_besides_self(*mine->second.session_id) > 0)
    ours = mine->second.session_id;
  for (const auto& [node, a] : latest_) {
    if (ours || node == self || !a.session_id) continue;
    const bool all_agree = std::all_of(latest_.begin(), latest_.end(), [&](const auto& entry) {
      return entry.first == self || entry.second.session_id == a.session_id;
    });
    if (!all_agree) return std::nullopt;
    ours = a.session_id;
  }
  if (!ours) return std::nullopt;
  std::optional<discovery::WireStartStop> newest;
  for (const auto& [node, a] : latest_) {
    if (a.session_id != ours) continue;
    // Timestamps are session (ghost) time, comparable within one session;
    // Link's default state, never played, has timestamp 0.
    if (a.start_stop && (!newest || a.start_stop->timestamp_us > newest->timestamp_us))
      newest = a.start_stop;
  }
  SessionTransport out;
  out.is_playing = newest && newest->is_playing;
  out.shared = newest && newest->timestamp_us > 0;
  return out;
}

bool AnnouncementBoard::merge_settled(const discovery::NodeId& self, std::size_t link_peers) const {
  std::optional<discovery::NodeId> session;
  std::size_t others = 0;
  for (const auto& [node, a] : latest_) {
    if (node == self) continue;
    if (!a.session_id || (session && *a.session_id != *session)) return false;
    session = a.session_id;
    ++others;
  }
  return others > 0 && others == link_peers;
}

AnnouncedTransport::AnnouncedTransport(const Session& session) : session_(session) {
  // Besides the multicast, Link's own sockets get each peer's unicast answer
  // to our first announcement, long before the peer's next multicast one.
  Session::on_datagram([this](std::span<const std::uint8_t> datagram) {
    if (const auto a = discovery::parse_announcement(datagram)) {
      {
        std::lock_guard lock(mutex_);
        board_.add(*a);
      }
      heard_.notify_all();
    }
  });
}

AnnouncedTransport::~AnnouncedTransport() {
  Session::on_datagram(nullptr);
}

std::optional<bool> AnnouncedTransport::is_playing() const {
  std::lock_guard lock(mutex_);
  return board_.session_is_playing(session_.node_id());
}

std::optional<SessionTransport> AnnouncedTransport::state() const {
  std::lock_guard lock(mutex_);
  return board_.session_transport(session_.node_id());
}

void AnnouncedTransport::settle() const {
  if (session_.peer_count() == 0) return;
  std::unique_lock lock(mutex_);
  heard_.wait_for(lock, std::chrono::milliseconds(400),
                  [&] { return board_.session_is_playing(session_.node_id()).has_value(); });
}

bool AnnouncedTransport::wait_merge_settled(std::chrono::milliseconds limit) const {
  using namespace std::chrono;
  const auto deadline = steady_clock::now() + limit;
  for (;;) {
    // Link's count is read outside our lock: Link's thread takes that lock
    // to show us a datagram. A new datagram wakes us; Link's count may move
    // a moment after the datagram that moved it, so we look again every 5 ms.
    const std::size_t peers = session_.peer_count();
    std::unique_lock lock(mutex_);
    if (board_.merge_settled(session_.node_id(), peers)) return true;
    const auto now = steady_clock::now();
    if (now >= deadline || stop_requested()) return false;
    heard_.wait_for(lock, std::min<steady_clock::duration>(milliseconds(5), deadline - now));
  }
}

} // namespace linktools
