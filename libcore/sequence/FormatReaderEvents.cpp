// The link-seq/1 reader: tracks and events, each checked where it stands.
#include "sequence/FormatReader.hpp"

#include "sequence/NoteName.hpp"

namespace linktools::sequence::format_reader {

void Reader::begin_track() {
  seq_.tracks.emplace_back();
  track_first_event_ = seq_.events.size();
  track_channel_ = 0;
}

void Reader::track_value(Key key, const Value& v) {
  switch (key) {
  case Key::name:
    if (v.type == Value::Type::string)
      seq_.tracks.back().name = std::string(v.text);
    else
      problem(pointer(), fmt::format("expected a track name (a string), got {}", v.shown()));
    break;
  case Key::channel:
    if (v.is_int_in(1, 16))
      track_channel_ = static_cast<int>(v.number);
    else
      problem(pointer(), fmt::format("expected a channel 1..16, got {}", v.shown()));
    break;
  case Key::events:
    problem(pointer(), fmt::format("expected an array of events, got {}", v.shown()));
    break;
  default: break;
  }
}

void Reader::end_track(const Frame& f) {
  if (!(f.seen & bit(Key::channel)))
    problem(container_pointer() + "/channel", "expected a channel 1..16, got nothing");
  if (!(f.seen & bit(Key::events)))
    problem(container_pointer() + "/events", "expected an array of events, got nothing");
  const int channel = track_channel_ ? track_channel_ : 1;
  seq_.tracks.back().channel = channel;
  // The events were read before the channel may have been: set it now.
  for (std::size_t i = track_first_event_; i < seq_.events.size(); ++i) {
    auto& e = seq_.events[i];
    if (e.kind != EventKind::raw)
      e.message.bytes[0] = static_cast<std::uint8_t>((e.message.bytes[0] & 0xF0) | (channel - 1));
  }
}

void Reader::event_value(Key key, const Value& v) {
  auto bad = [&](std::string_view expected) {
    problem(pointer(), fmt::format("expected {}, got {}", expected, v.shown()));
    event_.bad = true;
  };
  switch (key) {
  case Key::beat:
    if (v.is_number_in(0.0, kMaxBeat)) {
      event_.beat = v.number;
      event_.beat_ok = true;
    } else
      bad(v.is_number() && v.number < 0.0 ? "a beat >= 0" : "a beat (a number >= 0)");
    break;
  case Key::note:
    event_.kinds |= kNoteBit;
    if (v.type == Value::Type::string) {
      const auto number = parse_note_name(v.text);
      if (!number)
        bad("a note 0..127 or a name like C4, F#3, Bb2");
      else if (*number < 0 || *number > 127)
        bad(fmt::format("a note name within C-1..G9 (0..127; this one is {})", *number));
      else
        event_.note = *number;
    } else if (v.is_int_in(0, 127)) {
      event_.note = static_cast<int>(v.number);
    } else {
      bad("a note 0..127 or a name like C4, F#3, Bb2");
    }
    break;
  case Key::velocity:
    if (v.is_int_in(1, 127))
      event_.velocity = static_cast<int>(v.number);
    else
      bad(v.is_number() && v.number == 0.0 ? "a velocity 1..127 (0 would be a note-off)"
                                            : "a velocity 1..127");
    break;
  case Key::duration:
    if (v.is_number_in(0.0, kMaxBeat) && v.number > 0.0)
      event_.duration = v.number;
    else
      bad("a duration in beats above 0");
    break;
  case Key::cc:
    event_.kinds |= kCcBit;
    if (v.is_int_in(0, 127))
      event_.cc = static_cast<int>(v.number);
    else
      bad("a controller number 0..127");
    break;
  case Key::value:
    if (v.is_int_in(0, 127))
      event_.value = static_cast<int>(v.number);
    else
      bad("a controller value 0..127");
    break;
  case Key::program:
    event_.kinds |= kProgramBit;
    if (v.is_int_in(0, 127))
      event_.program = static_cast<int>(v.number);
    else
      bad("a program 0..127");
    break;
  case Key::pitch_bend:
    event_.kinds |= kBendBit;
    if (v.is_number_in(-1.0, 1.0))
      event_.bend = v.number;
    else
      bad("a pitch bend in -1..1");
    break;
  case Key::raw:
    event_.kinds |= kRawBit;
    bad("an array of 1 to 3 bytes (one MIDI message)");
    break;
  default: break;
  }
}

void Reader::raw_value(const Value& v) {
  if (!v.is_int_in(0, 255)) {
    problem(pointer(), fmt::format("expected a byte 0..255, got {}", v.shown()));
    event_.raw_bad = true;
    return;
  }
  if (event_.raw_size < event_.raw.size())
    event_.raw[event_.raw_size] = static_cast<std::uint8_t>(v.number);
  ++event_.raw_size;
}

void Reader::end_raw(const Frame& f) {
  // Called with the raw array popped: pointer() names the "raw" key.
  // The count is wrong whatever the bytes are; whether they make a whole
  // message can only be told from good bytes.
  if (f.count < 1 || f.count > 3) {
    problem(pointer(), fmt::format("expected one MIDI message of 1 to 3 bytes, got {} bytes",
                                   f.count));
    event_.bad = true;
    return;
  }
  if (event_.raw_bad) {
    event_.bad = true;
    return;
  }
  const auto shown = [&] {
    std::string out = "[";
    for (std::size_t i = 0; i < std::min(f.count, event_.raw.size()); ++i)
      out += fmt::format("{}{}", i ? ", " : "", event_.raw[i]);
    return out + (f.count > event_.raw.size() ? ", ...]" : "]");
  };
  if (!complete_message(event_.raw, f.count)) {
    problem(pointer(), fmt::format("expected one complete MIDI message (status byte first, "
                                   "the right number of data bytes, no SysEx), got {}",
                                   shown()));
    event_.bad = true;
  }
}

void Reader::end_event(const Frame& f) {
  // (The pointer is built only for a problem: this runs for every event.)
  if (!(f.seen & bit(Key::beat))) {
    problem(container_pointer() + "/beat", "expected a beat (a number >= 0), got nothing");
    event_.bad = true;
  }
  const unsigned kinds = event_.kinds;
  if (kinds == 0 || (kinds & (kinds - 1)) != 0) {
    problem(container_pointer(),
            fmt::format("expected one of note, cc, program, pitch_bend or raw, got {}",
                        kinds == 0 ? "none" : kinds_shown(kinds)));
    event_.bad = true;
  } else {
    check_kind_keys(f, kinds);
  }
  const auto track = static_cast<std::uint32_t>(seq_.tracks.size() - 1);
  const auto index = static_cast<std::uint32_t>(stack_[stack_.size() - 2].count - 1);
  if (event_.bad) {
    if (event_.beat_ok) refused_beats_.push_back(RefusedBeat{track, index, event_.beat});
    return;
  }

  Event e;
  e.beat = event_.beat;
  e.track = track;
  e.index = index;
  // Channel 1 for now; end_track sets the track's.
  switch (kinds) {
  case kNoteBit:
    e.kind = EventKind::note;
    e.duration = event_.duration;
    e.message = midi::note_on(1, event_.note, event_.velocity);
    break;
  case kCcBit:
    e.kind = EventKind::control_change;
    e.message = midi::control_change(1, event_.cc, event_.value);
    break;
  case kProgramBit:
    e.kind = EventKind::program_change;
    e.message = midi::program_change(1, event_.program);
    break;
  case kBendBit:
    e.kind = EventKind::pitch_bend;
    e.message = midi::pitch_bend(1, static_cast<int>(std::lround(
                                        event_.bend * (event_.bend < 0.0 ? 8192.0 : 8191.0))));
    break;
  default:
    e.kind = EventKind::raw;
    e.message.bytes = event_.raw;
    e.message.size = static_cast<std::uint8_t>(event_.raw_size);
    break;
  }
  seq_.events.push_back(e);
}

void Reader::check_kind_keys(const Frame& f, unsigned kind) {
  unsigned allowed = bit(Key::beat);
  std::string_view name;
  std::string_view takes;
  switch (kind) {
  case kNoteBit:
    allowed |= bit(Key::note) | bit(Key::velocity) | bit(Key::duration);
    name = "note";
    takes = "beat, note, velocity and duration";
    if (!(f.seen & bit(Key::duration))) {
      problem(container_pointer() + "/duration", "expected a duration in beats above 0, got nothing");
      event_.bad = true;
    }
    break;
  case kCcBit:
    allowed |= bit(Key::cc) | bit(Key::value);
    name = "cc";
    takes = "beat, cc and value";
    if (!(f.seen & bit(Key::value))) {
      problem(container_pointer() + "/value", "expected a controller value 0..127, got nothing");
      event_.bad = true;
    }
    break;
  case kProgramBit:
    allowed |= bit(Key::program);
    name = "program";
    takes = "beat and program";
    break;
  case kBendBit:
    allowed |= bit(Key::pitch_bend);
    name = "pitch_bend";
    takes = "beat and pitch_bend";
    break;
  default:
    allowed |= bit(Key::raw);
    name = "raw";
    takes = "beat and raw";
    break;
  }
  for (const auto& k : kEventKeys) {
    if ((f.seen & bit(k.key)) && !(allowed & bit(k.key))) {
      problem(container_pointer() + "/" + escape(k.text),
              fmt::format("expected only {} in a {} event, got {}", takes, name, k.text));
      event_.bad = true;
    }
  }
}

std::string Reader::kinds_shown(unsigned kinds) {
  static constexpr std::array<std::string_view, 5> kNames{"note", "cc", "program",
                                                          "pitch_bend", "raw"};
  std::vector<std::string_view> present;
  for (std::size_t i = 0; i < kNames.size(); ++i)
    if (kinds & (1u << i)) present.push_back(kNames[i]);
  std::string out;
  for (std::size_t i = 0; i < present.size(); ++i) {
    if (i) out += i + 1 == present.size() ? " and " : ", ";
    out += present[i];
  }
  return out;
}

} // namespace linktools::sequence::format_reader
