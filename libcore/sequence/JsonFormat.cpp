#include "sequence/JsonFormat.hpp"

#include "sequence/JsonReader.hpp"
#include "sequence/NoteName.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

namespace linktools::sequence {

namespace {

constexpr std::string_view kFormatName = "link-seq/1";
constexpr double kMaxBeat = 1e9; // far beyond any song; keeps sub-microsecond precision

// ---------------------------------------------------------------------------
// What the parser is inside of, and the keys each object may have.

enum class Ctx : std::uint8_t { root, tracks, track, events, event, raw, skip };

enum class Key : std::uint8_t {
  // document
  schema, format, quantum, loop_beats, tracks,
  // track
  name, channel, events,
  // event
  beat, note, velocity, duration, cc, value, program, pitch_bend, raw,
  unknown
};

struct KeyName {
  std::string_view text;
  Key key;
};
constexpr std::array kRootKeys{KeyName{"$schema", Key::schema}, KeyName{"format", Key::format},
                               KeyName{"quantum", Key::quantum},
                               KeyName{"loop_beats", Key::loop_beats},
                               KeyName{"tracks", Key::tracks}};
constexpr std::array kTrackKeys{KeyName{"name", Key::name}, KeyName{"channel", Key::channel},
                                KeyName{"events", Key::events}};
constexpr std::array kEventKeys{
    KeyName{"beat", Key::beat},         KeyName{"note", Key::note},
    KeyName{"velocity", Key::velocity}, KeyName{"duration", Key::duration},
    KeyName{"cc", Key::cc},             KeyName{"value", Key::value},
    KeyName{"program", Key::program},   KeyName{"pitch_bend", Key::pitch_bend},
    KeyName{"raw", Key::raw}};

template <std::size_t N>
Key find_key(const std::array<KeyName, N>& keys, std::string_view text) noexcept {
  for (const auto& k : keys)
    if (k.text == text) return k.key;
  return Key::unknown;
}

template <std::size_t N>
std::string key_list(const std::array<KeyName, N>& keys) {
  std::string out;
  for (std::size_t i = 0; i < N; ++i) {
    if (keys[i].key == Key::schema) continue; // allowed, but not worth advertising
    if (!out.empty()) out += ", ";
    out += keys[i].text;
  }
  return out;
}

// Edit distance, for "did you mean".
std::size_t distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

template <std::size_t N>
std::optional<std::string_view> closest_key(const std::array<KeyName, N>& keys,
                                            std::string_view text) {
  std::optional<std::string_view> best;
  std::size_t best_distance = 3; // further than two edits is not a typo
  for (const auto& k : keys) {
    const auto d = distance(text, k.text);
    if (d < best_distance) {
      best_distance = d;
      best = k.text;
    }
  }
  return best;
}

// The event kinds, by the key that names them.
enum KindBit : unsigned {
  kNoteBit = 1u << 0, kCcBit = 1u << 1, kProgramBit = 1u << 2,
  kBendBit = 1u << 3, kRawBit = 1u << 4,
};

// One whole MIDI message of at most three bytes: a status byte we can send
// alone (not SysEx, not an undefined one) and its number of data bytes.
bool complete_message(const std::array<std::uint8_t, 3>& bytes, std::size_t size) {
  const std::uint8_t s = bytes[0];
  std::size_t length = 0;
  if (s >= 0x80 && s < 0xF0)
    length = (s & 0xF0) == 0xC0 || (s & 0xF0) == 0xD0 ? 2 : 3;
  else if (s == 0xF1 || s == 0xF3)
    length = 2; // MTC quarter frame, song select
  else if (s == 0xF2)
    length = 3; // song position
  else if (s == 0xF6 || (s >= 0xF8 && s != 0xF9 && s != 0xFD))
    length = 1; // tune request, real-time
  if (length == 0 || size != length) return false;
  for (std::size_t i = 1; i < size; ++i)
    if (bytes[i] >= 0x80) return false;
  return true;
}

// `text` as a JSON string literal. Strings come from checked UTF-8, so only
// quotes, backslashes and control characters need escapes.
std::string quoted(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
    } else {
      out += c;
    }
  }
  return out + "\"";
}

// ---------------------------------------------------------------------------
// A scalar (or the start of a container) as the parser met it.

struct Value {
  enum class Type : std::uint8_t { null, boolean, integer, number, string, object, array };
  explicit Value(Type t) noexcept : type(t) {}

  Type type;
  double number = 0.0;      // integer and number
  bool whole = false;       // number with no fraction part (integers too)
  bool flag = false;        // boolean
  std::string_view text;    // string contents, or a number's literal

  // How the value reads in "got ...".
  std::string shown() const {
    switch (type) {
    case Type::null: return "null";
    case Type::boolean: return flag ? "true" : "false";
    case Type::integer:
    case Type::number: return std::string(text);
    case Type::string: {
      // Long strings are cut, on a character boundary.
      constexpr std::size_t kMax = 40;
      if (text.size() <= kMax) return quoted(text);
      std::size_t cut = kMax;
      while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
      return quoted(std::string(text.substr(0, cut)) + "...");
    }
    case Type::object: return "an object";
    case Type::array: return "an array";
    }
    return "?";
  }
  bool is_number() const noexcept { return type == Type::integer || type == Type::number; }
  // A whole number within [lo, hi].
  bool is_int_in(double lo, double hi) const noexcept {
    return is_number() && whole && number >= lo && number <= hi;
  }
  bool is_number_in(double lo, double hi) const noexcept {
    return is_number() && std::isfinite(number) && number >= lo && number <= hi;
  }
};

// ---------------------------------------------------------------------------
// The SAX handler: follows the document, checks every value where it stands
// and builds the Sequence on the way.

class Reader final : public json::Handler {
public:
  explicit Reader(ParseResult& result) : result_(result), seq_(result.sequence) {}

  // json::Handler ------------------------------------------------------------
  void null() override { scalar(Value(Value::Type::null)); }
  void boolean(bool b) override {
    Value v(Value::Type::boolean);
    v.flag = b;
    scalar(v);
  }
  void number(const json::Number& n) override {
    Value v(n.integer ? Value::Type::integer : Value::Type::number);
    v.number = n.value;
    v.whole = std::isfinite(n.value) && std::floor(n.value) == n.value;
    v.text = n.literal;
    scalar(v);
  }
  void string(std::string_view s) override {
    Value v(Value::Type::string);
    v.text = s;
    scalar(v);
  }
  void start_object() override {
    const Ctx ctx = container(Value(Value::Type::object));
    push(ctx, false);
    if (ctx == Ctx::track) begin_track();
    if (ctx == Ctx::event) begin_event();
  }
  void key(std::string_view k) override {
    Frame& f = stack_.back();
    f.key = k;
    f.has_key = true;
    f.skip_value = false;
    if (f.ctx == Ctx::skip) return;
    const Key id = identify(f.ctx, k);
    f.key_id = id;
    if (id == Key::unknown) {
      unknown_key(f.ctx, k);
      f.skip_value = true;
      return;
    }
    const auto bit = 1u << static_cast<unsigned>(id);
    if (f.seen & bit) {
      problem(pointer(), fmt::format("expected each key once, got a second \"{}\"", k));
      f.skip_value = true;
      if (f.ctx == Ctx::event) event_.bad = true;
    }
    f.seen |= bit;
  }
  void end_object() override {
    const Frame& f = stack_.back();
    if (f.ctx == Ctx::root) end_root(f);
    if (f.ctx == Ctx::track) end_track(f);
    if (f.ctx == Ctx::event) end_event(f);
    stack_.pop_back();
  }
  void start_array() override {
    const Ctx ctx = container(Value(Value::Type::array));
    push(ctx, true);
    if (ctx == Ctx::raw) {
      event_.kinds |= kRawBit;
      event_.raw_size = 0;
      event_.raw_bad = false;
    }
  }
  void end_array() override {
    const Frame f = stack_.back();
    stack_.pop_back();
    if (f.ctx == Ctx::raw) end_raw(f);
  }

private:
  struct Frame {
    Ctx ctx = Ctx::skip;
    bool array = false;
    bool has_key = false;    // object: a key was read (key may be "")
    bool skip_value = false; // the current key's value is to be ignored
    Key key_id = Key::unknown;
    unsigned seen = 0;       // object: bit per Key seen
    std::size_t count = 0;   // array: elements so far
    std::string key;         // object: the current key
  };

  // Per-event fields, reset at each event object.
  struct EventFields {
    unsigned kinds = 0;
    bool bad = false; // a field had a bad value (already reported)
    bool beat_ok = false; // beat was given and is a good beat
    double beat = 0.0;
    int note = 60;
    int velocity = 100;
    double duration = 0.0;
    int cc = 0;
    int value = 0;
    int program = 0;
    double bend = 0.0;
    std::array<std::uint8_t, 3> raw{};
    std::size_t raw_size = 0;
    bool raw_bad = false;
  };

  // Where a refused event stands, when its beat itself was good: checked
  // against loop_beats with the others, so that one problem of an event
  // does not hide that its beat is past the loop.
  struct RefusedBeat {
    std::uint32_t track;
    std::uint32_t index;
    double beat;
  };
  std::vector<RefusedBeat> refused_beats_;

  // The track being read.
  std::size_t track_first_event_ = 0;
  int track_channel_ = 0; // 0: missing or bad
  EventFields event_;

  // --- containers -----------------------------------------------------------

  void push(Ctx ctx, bool array) {
    Frame f;
    f.ctx = ctx;
    f.array = array;
    stack_.push_back(std::move(f));
  }

  // Where the value now arriving goes: advances the array index and says
  // whether to ignore it. False: ignore (already reported, or inside a skip).
  bool arrive() {
    if (stack_.empty()) return true;
    Frame& f = stack_.back();
    if (f.array) {
      ++f.count;
      return f.ctx != Ctx::skip;
    }
    return f.ctx != Ctx::skip && !f.skip_value;
  }

  // An object or array begins: what it is, or skip after saying why.
  Ctx container(const Value& v) {
    const bool object = v.type == Value::Type::object;
    if (stack_.empty()) {
      if (object) return Ctx::root;
      not_a_document(v);
      return Ctx::skip;
    }
    if (!arrive()) return Ctx::skip;
    const Frame& f = stack_.back();
    switch (f.ctx) {
    case Ctx::tracks:
      if (object) return Ctx::track;
      break;
    case Ctx::events:
      if (object) return Ctx::event;
      break;
    case Ctx::root:
      if (f.key_id == Key::tracks && !object) return Ctx::tracks;
      break;
    case Ctx::track:
      if (f.key_id == Key::events && !object) return Ctx::events;
      break;
    case Ctx::event:
      if (f.key_id == Key::raw && !object) return Ctx::raw;
      break;
    case Ctx::raw: break;
    case Ctx::skip: return Ctx::skip;
    }
    // Not a container that belongs here: the check of a value in this place
    // says what was expected.
    scalar_in_place(v);
    return Ctx::skip;
  }

  // --- scalars ----------------------------------------------------------------

  void scalar(const Value& v) {
    if (stack_.empty()) {
      not_a_document(v);
      return;
    }
    if (!arrive()) return;
    scalar_in_place(v);
  }

  void not_a_document(const Value& v) {
    problem("", fmt::format("expected a link-seq/1 document (a JSON object), got {}", v.shown()));
  }

  // A value (or a container that does not belong) in the current place.
  void scalar_in_place(const Value& v) {
    const Frame& f = stack_.back();
    switch (f.ctx) {
    case Ctx::root: root_value(f.key_id, v); break;
    case Ctx::tracks:
      problem(pointer(), fmt::format("expected a track (an object), got {}", v.shown()));
      break;
    case Ctx::events:
      problem(pointer(), fmt::format("expected an event (an object), got {}", v.shown()));
      break;
    case Ctx::track: track_value(f.key_id, v); break;
    case Ctx::event: event_value(f.key_id, v); break;
    case Ctx::raw: raw_value(v); break;
    case Ctx::skip: break;
    }
  }

  void root_value(Key key, const Value& v) {
    switch (key) {
    case Key::schema:
      if (v.type != Value::Type::string)
        problem(pointer(), fmt::format("expected a string (the schema's address), got {}", v.shown()));
      break;
    case Key::format:
      if (v.type != Value::Type::string || v.text != kFormatName)
        problem(pointer(), fmt::format("expected \"{}\", got {}", kFormatName, v.shown()));
      break;
    case Key::quantum:
      if (v.is_number_in(timeline::kMinQuantum, timeline::kMaxQuantum))
        seq_.quantum = v.number;
      else
        problem(pointer(), fmt::format("expected beats per bar from {:g} to {:g}, got {}",
                                       timeline::kMinQuantum, timeline::kMaxQuantum, v.shown()));
      break;
    case Key::loop_beats:
      if (v.is_number_in(kMinLoopBeats, kMaxBeat))
        seq_.loop_beats = v.number;
      else
        problem(pointer(), fmt::format("expected a loop length of at least {:g} beats (a sixty-fourth note), got {}",
                                       kMinLoopBeats, v.shown()));
      break;
    case Key::tracks:
      problem(pointer(), fmt::format("expected an array of tracks, got {}", v.shown()));
      break;
    default: break;
    }
  }

  void begin_track() {
    seq_.tracks.emplace_back();
    track_first_event_ = seq_.events.size();
    track_channel_ = 0;
  }

  void track_value(Key key, const Value& v) {
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

  void end_track(const Frame& f) {
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

  void begin_event() { event_ = EventFields{}; }

  void event_value(Key key, const Value& v) {
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

  void raw_value(const Value& v) {
    if (!v.is_int_in(0, 255)) {
      problem(pointer(), fmt::format("expected a byte 0..255, got {}", v.shown()));
      event_.raw_bad = true;
      return;
    }
    if (event_.raw_size < event_.raw.size())
      event_.raw[event_.raw_size] = static_cast<std::uint8_t>(v.number);
    ++event_.raw_size;
  }

  void end_raw(const Frame& f) {
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

  void end_event(const Frame& f) {
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

  // The keys each kind takes besides beat; anything else of the event's
  // keys is refused. Missing required keys are reported where they belong.
  void check_kind_keys(const Frame& f, unsigned kind) {
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

  static std::string kinds_shown(unsigned kinds) {
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

  void end_root(const Frame& f) {
    if (!(f.seen & bit(Key::format)))
      problem("/format", fmt::format("expected \"{}\", got nothing", kFormatName));
    if (!(f.seen & bit(Key::tracks)))
      problem("/tracks", "expected an array of tracks, got nothing");
    // loop_beats may come after the tracks: check the events now, the
    // refused ones too. Both lists are in file order; merged, so are the
    // problems.
    if (!seq_.loop_beats) return;
    const double loop = *seq_.loop_beats;
    const auto check = [&](std::uint32_t track, std::uint32_t index, double beat) {
      if (beat >= loop)
        problem(fmt::format("/tracks/{}/events/{}/beat", track, index),
                fmt::format("expected a beat below loop_beats ({}), got {}", loop, beat));
    };
    std::size_t r = 0;
    for (const auto& e : seq_.events) {
      for (; r < refused_beats_.size() &&
             std::pair(refused_beats_[r].track, refused_beats_[r].index) < std::pair(e.track, e.index);
           ++r)
        check(refused_beats_[r].track, refused_beats_[r].index, refused_beats_[r].beat);
      check(e.track, e.index, e.beat);
    }
    for (; r < refused_beats_.size(); ++r)
      check(refused_beats_[r].track, refused_beats_[r].index, refused_beats_[r].beat);
  }

  // --- keys -----------------------------------------------------------------

  static unsigned bit(Key k) noexcept { return 1u << static_cast<unsigned>(k); }

  static Key identify(Ctx ctx, std::string_view k) {
    switch (ctx) {
    case Ctx::root: return find_key(kRootKeys, k);
    case Ctx::track: return find_key(kTrackKeys, k);
    case Ctx::event: return find_key(kEventKeys, k);
    default: return Key::unknown;
    }
  }

  void unknown_key(Ctx ctx, std::string_view k) {
    std::string known;
    std::optional<std::string_view> guess;
    std::string_view what;
    switch (ctx) {
    case Ctx::root:
      known = key_list(kRootKeys), guess = closest_key(kRootKeys, k), what = "the document";
      break;
    case Ctx::track:
      known = key_list(kTrackKeys), guess = closest_key(kTrackKeys, k), what = "a track";
      break;
    default:
      known = key_list(kEventKeys), guess = closest_key(kEventKeys, k), what = "an event";
      event_.bad = true;
      break;
    }
    Value name{Value::Type::string};
    name.text = k;
    problem(pointer(), fmt::format("expected a key of {} ({}), got {}{}", what, known, name.shown(),
                                   guess ? fmt::format(" (did you mean \"{}\"?)", *guess) : ""));
  }

  // --- pointers and problems ------------------------------------------------

  static std::string escape(std::string_view key) {
    std::string out;
    for (char c : key) {
      if (c == '~')
        out += "~0";
      else if (c == '/')
        out += "~1";
      else
        out += c;
    }
    return out;
  }

  // The pointer of the value now being read: the current key or element of
  // every open container (but the innermost `skip_last` ones).
  std::string pointer(std::size_t skip_last = 0) const {
    std::string out;
    for (std::size_t i = 0; i + skip_last < stack_.size(); ++i) {
      const Frame& f = stack_[i];
      if (f.array) {
        if (f.count > 0) out += fmt::format("/{}", f.count - 1);
      } else if (f.has_key) {
        out += "/" + escape(f.key);
      }
    }
    return out;
  }
  // The pointer of the innermost open container itself.
  std::string container_pointer() const { return pointer(1); }

  void problem(std::string where, std::string message) {
    if (result_.problems.size() >= kMaxProblems) {
      ++result_.problems_dropped;
      return;
    }
    result_.problems.push_back(Problem{std::move(where), std::move(message)});
  }

  ParseResult& result_;
  Sequence& seq_;
  std::vector<Frame> stack_;
};

// "line 3, column 14" of a byte offset (columns count bytes).
std::string line_and_column(std::string_view text, std::size_t offset) {
  const std::size_t at = std::min(offset, text.size());
  std::size_t line = 1;
  std::size_t line_start = 0;
  for (std::size_t i = 0; i < at; ++i) {
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  return fmt::format("line {}, column {}", line, at - line_start + 1);
}

bool blank(std::string_view text) {
  return text.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

} // namespace

ParseResult parse_json_sequence(std::string_view text) {
  ParseResult result;
  // A byte order mark, as some editors write: not part of the document.
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  if (blank(text)) {
    result.problems.push_back(
        Problem{"", "expected a link-seq/1 document (a JSON object), got an empty file"});
    return result;
  }
  Reader reader(result);
  json::SyntaxError error;
  if (!json::read(text, reader, error)) {
    // Whatever was found before the syntax error describes a broken document:
    // the syntax error alone says what to fix first.
    result.problems.clear();
    result.problems_dropped = 0;
    result.problems.push_back(
        Problem{line_and_column(text, error.offset), "invalid JSON: " + error.message});
    return result;
  }
  if (result.ok()) sort_events(result.sequence);
  return result;
}

// ---------------------------------------------------------------------------

namespace {

std::string number(double value) { return fmt::format("{}", value); }

std::string event_json(const Event& e) {
  std::string out = fmt::format("{{\"beat\": {}", number(e.beat));
  const auto& b = e.message.bytes;
  switch (e.kind) {
  case EventKind::note:
    out += fmt::format(", \"note\": {}, \"velocity\": {}, \"duration\": {}", b[1], b[2],
                       number(e.duration));
    break;
  case EventKind::control_change: out += fmt::format(", \"cc\": {}, \"value\": {}", b[1], b[2]); break;
  case EventKind::program_change: out += fmt::format(", \"program\": {}", b[1]); break;
  case EventKind::pitch_bend: {
    const int value = (b[1] | (b[2] << 7)) - 8192;
    out += fmt::format(", \"pitch_bend\": {}", number(value / (value < 0 ? 8192.0 : 8191.0)));
    break;
  }
  case EventKind::raw: {
    out += ", \"raw\": [";
    for (std::size_t i = 0; i < e.message.size; ++i) out += fmt::format("{}{}", i ? ", " : "", b[i]);
    out += "]";
    break;
  }
  }
  return out + "}";
}

} // namespace

std::string to_json(const Sequence& sequence) {
  std::vector<std::vector<const Event*>> by_track(sequence.tracks.size());
  for (const auto& e : sequence.events)
    if (e.track < by_track.size()) by_track[e.track].push_back(&e);
  std::string out = fmt::format("{{\n  \"format\": \"{}\",\n  \"quantum\": {},\n", kFormatName,
                                number(sequence.quantum));
  if (sequence.loop_beats) out += fmt::format("  \"loop_beats\": {},\n", number(*sequence.loop_beats));
  out += "  \"tracks\": [";
  for (std::size_t t = 0; t < sequence.tracks.size(); ++t) {
    auto& events = by_track[t];
    std::stable_sort(events.begin(), events.end(),
                     [](const Event* a, const Event* b) { return a->index < b->index; });
    const auto& track = sequence.tracks[t];
    out += fmt::format("{}\n    {{{}\"channel\": {}, \"events\": [", t ? "," : "",
                       track.name.empty() ? "" : fmt::format("\"name\": {}, ", quoted(track.name)),
                       track.channel);
    for (std::size_t i = 0; i < events.size(); ++i)
      out += fmt::format("{}\n      {}", i ? "," : "", event_json(*events[i]));
    out += events.empty() ? "]}" : "\n    ]}";
  }
  out += sequence.tracks.empty() ? "]\n}\n" : "\n  ]\n}\n";
  return out;
}

} // namespace linktools::sequence
