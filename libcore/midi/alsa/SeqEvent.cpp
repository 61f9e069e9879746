#include "midi/alsa/SeqEvent.hpp"

#include <algorithm>
#include <cmath>
#include <charconv>

namespace linktools::midi::alsa {

namespace {

// Decoded channels are 1..16; the sequencer counts from 0.
unsigned char channel_of(const Decoded& d) noexcept {
  return static_cast<unsigned char>(d.channel - 1);
}

unsigned char byte_of(int value) noexcept { return static_cast<unsigned char>(value); }

// Real-time and song-position events carry no channel; only the type and the
// fixed-length flag matter (the event was cleared before).
void set_system(snd_seq_event_t& event, snd_seq_event_type_t type) noexcept {
  event.type = type;
  snd_seq_ev_set_fixed(&event);
}

bool is_number(std::string_view text) noexcept {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// A sequencer address holds client and port in one byte each.
std::optional<int> address_byte(std::string_view text) noexcept {
  if (!is_number(text)) return std::nullopt;
  int value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value > 255) return std::nullopt;
  return value;
}

} // namespace

bool to_seq_event(const Message& message, snd_seq_event_t& event) noexcept {
  snd_seq_ev_clear(&event);
  const auto decoded = decode(message.view());
  if (!decoded) return false;
  const Decoded& d = *decoded;
  switch (d.kind) {
  case Kind::clock: set_system(event, SND_SEQ_EVENT_CLOCK); return true;
  case Kind::start: set_system(event, SND_SEQ_EVENT_START); return true;
  case Kind::continue_: set_system(event, SND_SEQ_EVENT_CONTINUE); return true;
  case Kind::stop: set_system(event, SND_SEQ_EVENT_STOP); return true;
  case Kind::song_position:
    // ALSA's MIDI encoder splits the value into the two 7-bit data bytes.
    set_system(event, SND_SEQ_EVENT_SONGPOS);
    event.data.control.value = d.data1;
    return true;
  case Kind::note_on:
    snd_seq_ev_set_noteon(&event, channel_of(d), byte_of(d.data1), byte_of(d.data2));
    return true;
  case Kind::note_off:
    snd_seq_ev_set_noteoff(&event, channel_of(d), byte_of(d.data1), byte_of(d.data2));
    return true;
  case Kind::control_change:
  case Kind::all_notes_off:
    // All-notes-off is controller 123 on the wire; ALSA has no event of its own.
    snd_seq_ev_set_controller(&event, channel_of(d), static_cast<unsigned int>(d.data1), d.data2);
    return true;
  case Kind::program_change:
    snd_seq_ev_set_pgmchange(&event, channel_of(d), d.data1);
    return true;
  case Kind::pitch_bend:
    // Both ALSA and Decoded centre the bend on 0 (-8192..8191).
    snd_seq_ev_set_pitchbend(&event, channel_of(d), d.data1);
    return true;
  case Kind::poly_pressure:
  case Kind::channel_pressure:
  case Kind::sysex:
  case Kind::mtc_quarter_frame:
  case Kind::song_select:
  case Kind::tune_request:
  case Kind::active_sensing:
  case Kind::reset:
  case Kind::other: break;
  }
  snd_seq_ev_clear(&event);
  return false;
}

namespace {

Message bytes(std::initializer_list<int> values) noexcept {
  Message m;
  for (const int v : values) m.bytes[m.size++] = static_cast<std::uint8_t>(v);
  return m;
}

int data(int value) noexcept { return value & 0x7F; }

} // namespace

std::optional<Message> from_seq_event(const snd_seq_event_t& e) noexcept {
  switch (e.type) {
  case SND_SEQ_EVENT_CLOCK: return bytes({kClock});
  case SND_SEQ_EVENT_START: return bytes({kStart});
  case SND_SEQ_EVENT_CONTINUE: return bytes({kContinue});
  case SND_SEQ_EVENT_STOP: return bytes({kStop});
  case SND_SEQ_EVENT_SENSING: return bytes({0xFE});
  case SND_SEQ_EVENT_RESET: return bytes({0xFF});
  case SND_SEQ_EVENT_TUNE_REQUEST: return bytes({0xF6});
  case SND_SEQ_EVENT_SONGPOS:
    return bytes({kSongPosition, data(e.data.control.value), data(e.data.control.value >> 7)});
  case SND_SEQ_EVENT_SONGSEL: return bytes({0xF3, data(e.data.control.value)});
  case SND_SEQ_EVENT_QFRAME: return bytes({0xF1, data(e.data.control.value)});
  case SND_SEQ_EVENT_SYSEX: return bytes({0xF0, 0xF7});
  case SND_SEQ_EVENT_NOTEON:
    return bytes({0x90 | (e.data.note.channel & 0x0F), data(e.data.note.note), data(e.data.note.velocity)});
  case SND_SEQ_EVENT_NOTEOFF:
    return bytes({0x80 | (e.data.note.channel & 0x0F), data(e.data.note.note), data(e.data.note.velocity)});
  case SND_SEQ_EVENT_KEYPRESS:
    return bytes({0xA0 | (e.data.note.channel & 0x0F), data(e.data.note.note), data(e.data.note.velocity)});
  case SND_SEQ_EVENT_CONTROLLER:
    return bytes({0xB0 | (e.data.control.channel & 0x0F), data(static_cast<int>(e.data.control.param)),
                  data(e.data.control.value)});
  case SND_SEQ_EVENT_PGMCHANGE: return bytes({0xC0 | (e.data.control.channel & 0x0F), data(e.data.control.value)});
  case SND_SEQ_EVENT_CHANPRESS: return bytes({0xD0 | (e.data.control.channel & 0x0F), data(e.data.control.value)});
  case SND_SEQ_EVENT_PITCHBEND: {
    const int v = e.data.control.value + 8192;
    return bytes({0xE0 | (e.data.control.channel & 0x0F), data(v), data(v >> 7)});
  }
  default: return std::nullopt;
  }
}

std::optional<std::int64_t> queue_time_us(const snd_seq_event_t& e) noexcept {
  if ((e.flags & SND_SEQ_TIME_STAMP_MASK) != SND_SEQ_TIME_STAMP_REAL) return std::nullopt;
  return static_cast<std::int64_t>(e.time.time.tv_sec) * 1'000'000 + e.time.time.tv_nsec / 1000;
}

HostTime received_time(const snd_seq_event_t& event, const ClockOffset& offset, HostTime now) noexcept {
  const auto stamped = queue_time_us(event);
  if (!stamped || !offset.valid()) return now;
  return HostTime(*stamped + std::llround(offset.offset()));
}

std::optional<PortSpec> parse_port_spec(std::string_view text) {
  PortSpec spec;
  std::string_view client = text;
  if (const auto colon = text.rfind(':'); colon != std::string_view::npos) {
    const auto port = address_byte(text.substr(colon + 1));
    if (!port) return std::nullopt;
    spec.port = *port;
    client = text.substr(0, colon);
  }
  if (client.empty()) return std::nullopt;
  const char first = client.front();
  if ((first >= '0' && first <= '9') || first == '-' || first == '+') {
    // Something that looks like a number is never taken for a client name:
    // "-1" is a mistyped number, not a client called "-1".
    spec.client = address_byte(client);
    if (!spec.client) return std::nullopt;
  } else {
    spec.client_name = std::string(client);
  }
  return spec;
}

} // namespace linktools::midi::alsa
