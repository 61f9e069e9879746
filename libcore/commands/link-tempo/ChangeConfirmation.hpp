#pragma once
// Proof that a committed change reached the peers: every Link peer
// re-announces its state on the discovery multicast right after it adopts a
// new tempo or transport state, so we listen for those announcements.

#include "discovery/Announcement.hpp"
#include "discovery/AnnouncementListener.hpp"

#include <chrono>
#include <cstddef>
#include <optional>
#include <set>

namespace linktools {

// Pure counting, unit-tested: which distinct nodes announced the expected state.
class ConfirmationTally {
public:
  ConfirmationTally(std::optional<double> bpm, std::optional<bool> playing)
      : bpm_(bpm), playing_(playing) {}
  // True when the announcement carries the expected tempo (to Link's
  // microsecond-per-beat resolution) and transport.
  bool matches(const discovery::Announcement& announcement) const;
  void add(const discovery::Announcement& announcement);
  // Distinct nodes that announced the expected state; our own node is one of them.
  std::size_t nodes() const { return nodes_.size(); }

private:
  std::optional<double> bpm_;
  std::optional<bool> playing_;
  std::set<discovery::NodeId> nodes_;
};

class ChangeConfirmation {
public:
  // Starts listening. Throws ToolError(failure) when it cannot.
  ChangeConfirmation();
  // Call right before committing: earlier announcements no longer count.
  void expect(std::optional<double> bpm, std::optional<bool> playing);
  // Waits until `peers` peers (besides us) announced the expected state or
  // `timeout` passes; returns how many did.
  std::size_t wait(std::size_t peers, std::chrono::milliseconds timeout);

private:
  discovery::AnnouncementListener listener_;
  std::optional<ConfirmationTally> tally_;
};

} // namespace linktools
