#pragma once
// Which notes are sounding and when each is due to end, so that every
// note-on gets exactly one note-off: at its end, or at once when playing
// stops for any reason. Also remembers held pedals (sustain, sostenuto),
// which would otherwise keep notes ringing after their note-offs.
//
// Fixed storage (16 channels x 128 notes); no allocation, so it is safe in
// JACK's realtime callback. Not thread-safe: the timing thread owns it.

#include <array>
#include <cstdint>
#include <limits>

namespace linktools {

class NoteTracker {
public:
  static constexpr double kForever = std::numeric_limits<double>::infinity();

  // A note starts; it is due to end at session beat `end` (kForever: only a
  // note-off or release_all ends it). Returns true when the pitch was
  // already sounding on that channel: the caller sends a note-off before
  // the new note-on (a retrigger), and the note now ends at the later of
  // the two ends.
  bool start(int channel, int note, double end) noexcept;
  // A note-off went out: the note is no longer sounding.
  void stop(int channel, int note) noexcept;
  // All notes of a channel were silenced (All Notes Off).
  void stop_channel(int channel) noexcept;
  // A controller change went out: tracks pedals (64 sustain, 66 sostenuto).
  void controller(int channel, int controller, int value) noexcept;

  // The earliest end of a sounding note; kForever when none is due.
  double next_end() const noexcept { return next_end_; }
  // The note due at next_end(); call only when next_end() is finite. The
  // caller sends its note-off and calls stop().
  void next_due(int& channel, int& note) const noexcept;

  // Moves every end by `beats` (the session's beat grid jumped).
  void shift(double beats) noexcept;

  // Calls note_off(channel, note) for every sounding note and
  // pedal_up(channel, controller) for every held pedal, then forgets them.
  template <class NoteOff, class PedalUp>
  void release_all(NoteOff&& note_off, PedalUp&& pedal_up) noexcept {
    for (std::size_t i = 0; i < active_count_; ++i) {
      note_off(active_[i] / 128 + 1, active_[i] % 128);
      sounding_[active_[i]] = false;
    }
    active_count_ = 0;
    next_end_ = kForever;
    for (int ch = 0; ch < 16; ++ch) {
      if (pedals_[ch] & kSustainBit) pedal_up(ch + 1, 64);
      if (pedals_[ch] & kSostenutoBit) pedal_up(ch + 1, 66);
      pedals_[ch] = 0;
    }
  }

  std::size_t sounding() const noexcept { return active_count_; }
  bool is_sounding(int channel, int note) const noexcept { return sounding_[slot(channel, note)]; }

private:
  static constexpr std::uint8_t kSustainBit = 1;
  static constexpr std::uint8_t kSostenutoBit = 2;
  static constexpr std::size_t kSlots = 16 * 128;

  static std::size_t slot(int channel, int note) noexcept {
    return static_cast<std::size_t>((channel - 1) & 15) * 128 + static_cast<std::size_t>(note & 127);
  }
  void remove(std::size_t slot) noexcept;
  void update_next_end() noexcept;

  std::array<double, kSlots> end_{};      // due end of each sounding slot
  std::array<bool, kSlots> sounding_{};
  std::array<std::uint16_t, kSlots> active_{};   // the sounding slots, unordered
  std::array<std::uint16_t, kSlots> position_{}; // each slot's index in active_
  std::size_t active_count_ = 0;
  double next_end_ = kForever;
  std::uint16_t next_slot_ = 0;
  std::array<std::uint8_t, 16> pedals_{};
};

} // namespace linktools
