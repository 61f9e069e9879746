#include "commands/link-tempo/ChangeConfirmation.hpp"

#include "cli/Errors.hpp"
#include "cli/Signals.hpp"

#include <cstdlib>

namespace linktools {

bool ConfirmationTally::matches(const discovery::Announcement& a) const {
  if (a.kind == discovery::MessageKind::bye_bye) return false;
  if (bpm_) {
    if (!a.timeline) return false;
    // Link sends whole microseconds per beat; allow its rounding.
    if (std::llabs(a.timeline->micros_per_beat - discovery::micros_per_beat(*bpm_)) > 1) return false;
  }
  if (playing_) {
    if (!a.start_stop || a.start_stop->is_playing != *playing_) return false;
  }
  return true;
}

void ConfirmationTally::add(const discovery::Announcement& a) {
  if (matches(a)) nodes_.insert(a.node_id);
}

ChangeConfirmation::ChangeConfirmation() : listener_(discovery::open_listener_for("confirm the change")) {}

void ChangeConfirmation::expect(std::optional<double> bpm, std::optional<bool> playing) {
  listener_.receive(std::chrono::milliseconds(0)); // drop what was said before the change
  tally_.emplace(bpm, playing);
}

std::size_t ChangeConfirmation::wait(std::size_t peers, std::chrono::milliseconds timeout) {
  using namespace std::chrono;
  const auto deadline = steady_clock::now() + timeout;
  // We hear our own announcement too, so peers + 1 nodes confirm a change.
  while (tally_->nodes() < peers + 1 && steady_clock::now() < deadline && !stop_requested()) {
    for (const auto& announcement : listener_.receive(milliseconds(10))) tally_->add(announcement);
  }
  const auto nodes = tally_->nodes();
  return nodes > 0 ? nodes - 1 : 0;
}

} // namespace linktools
