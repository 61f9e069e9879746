#include "midi/InputParser.hpp"

#include "midi/Message.hpp"

namespace linktools::midi {

namespace {

// Data bytes after a status byte of a channel or system common message; -1
// for a status that starts no message of that kind.
int data_bytes(std::uint8_t status) noexcept {
  switch (status & 0xF0) {
  case 0x80: case 0x90: case 0xA0: case 0xB0: case 0xE0: return 2;
  case 0xC0: case 0xD0: return 1;
  default: break;
  }
  switch (status) {
  case 0xF1: case 0xF3: return 1; // MTC quarter frame, song select
  case kSongPosition: return 2;
  case 0xF6: return 0;             // tune request
  default: return -1;
  }
}

} // namespace

void InputParser::feed(std::span<const std::uint8_t> bytes, HostTime time, std::vector<ClockMessage>& out) {
  for (const std::uint8_t byte : bytes) {
    if (byte >= 0x80)
      status(byte, time, out);
    else
      data(byte, time, out);
  }
}

void InputParser::status(std::uint8_t byte, HostTime time, std::vector<ClockMessage>& out) {
  if (byte >= 0xF8) { // real-time: interrupts nothing
    ClockMessage m;
    m.time = time;
    switch (byte) {
    case kClock: m.kind = ClockMessage::Kind::tick; break;
    case kStart: m.kind = ClockMessage::Kind::start; break;
    case kContinue: m.kind = ClockMessage::Kind::continue_; break;
    case kStop: m.kind = ClockMessage::Kind::stop; break;
    case 0xF9: case 0xFD: ++counts_.undefined; return;
    default: ++counts_.other_messages; return; // active sensing, reset
    }
    ++counts_.clock_messages;
    out.push_back(m);
    return;
  }
  if (byte == 0xF7) { // end of SysEx
    if (!in_sysex_) ++counts_.stray_bytes;
    in_sysex_ = false;
    return;
  }
  in_sysex_ = false; // any other status ends a SysEx, terminated or not
  drop_partial();
  if (byte == 0xF0) {
    in_sysex_ = true;
    running_ = 0;
    ++counts_.sysex;
    return;
  }
  const int needed = data_bytes(byte);
  if (needed < 0) { // F4, F5
    ++counts_.undefined;
    running_ = 0;
    return;
  }
  // System common messages cancel running status; channel messages set it.
  running_ = byte < 0xF0 ? byte : 0;
  status_ = byte;
  needed_ = needed;
  have_ = 0;
  if (needed_ == 0) complete(time, out);
}

void InputParser::data(std::uint8_t byte, HostTime time, std::vector<ClockMessage>& out) {
  if (in_sysex_) return;
  if (status_ == 0) {
    if (running_ == 0) {
      ++counts_.stray_bytes;
      return;
    }
    status_ = running_;
    needed_ = data_bytes(running_);
    have_ = 0;
    ++counts_.running_status;
  }
  data_[have_++] = byte;
  if (have_ == needed_) complete(time, out);
}

void InputParser::complete(HostTime time, std::vector<ClockMessage>& out) {
  if (status_ == kSongPosition) {
    ClockMessage m;
    m.kind = ClockMessage::Kind::song_position;
    m.time = time;
    m.sixteenths = data_[0] | (data_[1] << 7);
    ++counts_.clock_messages;
    out.push_back(m);
  } else {
    ++counts_.other_messages; // running status was counted when the message began
  }
  status_ = 0;
  have_ = 0;
  needed_ = 0;
}

// A new status byte came before the message under way had its data bytes.
void InputParser::drop_partial() {
  if (status_ != 0) counts_.stray_bytes += static_cast<std::uint64_t>(have_) + 1;
  status_ = 0;
  have_ = 0;
  needed_ = 0;
}

} // namespace linktools::midi
