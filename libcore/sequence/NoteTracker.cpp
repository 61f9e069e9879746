#include "sequence/NoteTracker.hpp"

#include <algorithm>

namespace linktools {

bool NoteTracker::start(int channel, int note, double end) noexcept {
  const auto s = slot(channel, note);
  if (sounding_[s]) {
    end_[s] = std::max(end_[s], end);
    update_next_end();
    return true;
  }
  sounding_[s] = true;
  end_[s] = end;
  position_[s] = static_cast<std::uint16_t>(active_count_);
  active_[active_count_++] = static_cast<std::uint16_t>(s);
  if (end < next_end_) {
    next_end_ = end;
    next_slot_ = static_cast<std::uint16_t>(s);
  }
  return false;
}

void NoteTracker::stop(int channel, int note) noexcept {
  const auto s = slot(channel, note);
  if (!sounding_[s]) return;
  remove(s);
  if (s == next_slot_) update_next_end();
}

void NoteTracker::stop_channel(int channel) noexcept {
  for (int note = 0; note < 128; ++note) {
    const auto s = slot(channel, note);
    if (sounding_[s]) remove(s);
  }
  update_next_end();
}

void NoteTracker::controller(int channel, int controller, int value) noexcept {
  const std::uint8_t bit = controller == 64 ? kSustainBit : controller == 66 ? kSostenutoBit : 0;
  if (!bit) return;
  auto& held = pedals_[static_cast<std::size_t>((channel - 1) & 15)];
  held = static_cast<std::uint8_t>(value >= 64 ? held | bit : held & ~bit);
}

void NoteTracker::next_due(int& channel, int& note) const noexcept {
  channel = next_slot_ / 128 + 1;
  note = next_slot_ % 128;
}

void NoteTracker::shift(double beats) noexcept {
  for (std::size_t i = 0; i < active_count_; ++i) end_[active_[i]] += beats;
  next_end_ += beats;
}

void NoteTracker::remove(std::size_t s) noexcept {
  sounding_[s] = false;
  const auto at = position_[s];
  const auto last = active_[--active_count_];
  active_[at] = last;
  position_[last] = at;
}

void NoteTracker::update_next_end() noexcept {
  next_end_ = kForever;
  for (std::size_t i = 0; i < active_count_; ++i) {
    const auto s = active_[i];
    if (end_[s] < next_end_) {
      next_end_ = end_[s];
      next_slot_ = s;
    }
  }
}

} // namespace linktools
