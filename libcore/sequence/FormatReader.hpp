#pragma once
// The insides of the link-seq/1 reader, shared by its source files:
// FormatReader.cpp (the document, containers, keys, pointers and problems)
// and FormatReaderEvents.cpp (tracks and events); JsonFormat.cpp runs it and
// writes sequences. Not an interface: include sequence/JsonFormat.hpp.

#include "midi/Message.hpp"
#include "sequence/JsonFormat.hpp"
#include "sequence/JsonReader.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace linktools::sequence::format_reader {

inline constexpr std::string_view kFormatName = "link-seq/1";
inline constexpr double kMaxBeat = 1e9; // far beyond any song; keeps sub-microsecond precision

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
inline constexpr std::array kRootKeys{KeyName{"$schema", Key::schema}, KeyName{"format", Key::format},
                               KeyName{"quantum", Key::quantum},
                               KeyName{"loop_beats", Key::loop_beats},
                               KeyName{"tracks", Key::tracks}};
inline constexpr std::array kTrackKeys{KeyName{"name", Key::name}, KeyName{"channel", Key::channel},
                                KeyName{"events", Key::events}};
inline constexpr std::array kEventKeys{
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
inline std::size_t distance(std::string_view a, std::string_view b) {
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

// One whole MIDI message of at most three bytes that can be sent alone:
// whatever MIDI 1.0 decodes, but a SysEx.
inline bool complete_message(const std::array<std::uint8_t, 3>& bytes, std::size_t size) {
  if (size > bytes.size()) return false;
  const auto decoded = midi::decode(std::span<const std::uint8_t>(bytes.data(), size));
  return decoded && decoded->kind != midi::Kind::sysex;
}

// `text` as a JSON string literal. Strings come from checked UTF-8, so only
// quotes, backslashes and control characters need escapes.
inline std::string quoted(std::string_view text) {
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
  void boolean(bool b) override;
  void number(const json::Number& n) override;
  void string(std::string_view s) override;
  void start_object() override;
  void key(std::string_view k) override;
  void end_object() override;
  void start_array() override;
  void end_array() override;

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

  void push(Ctx ctx, bool array);

  // Where the value now arriving goes: advances the array index and says
  // whether to ignore it. False: ignore (already reported, or inside a skip).
  bool arrive();

  // An object or array begins: what it is, or skip after saying why.
  Ctx container(const Value& v);

  // --- scalars ----------------------------------------------------------------

  void scalar(const Value& v);
  void not_a_document(const Value& v);

  // A value (or a container that does not belong) in the current place.
  void scalar_in_place(const Value& v);
  void root_value(Key key, const Value& v);
  void begin_track();
  void track_value(Key key, const Value& v);
  void end_track(const Frame& f);
  void begin_event() { event_ = EventFields{}; }

  void event_value(Key key, const Value& v);
  void raw_value(const Value& v);
  void end_raw(const Frame& f);
  void end_event(const Frame& f);

  // The keys each kind takes besides beat; anything else of the event's
  // keys is refused. Missing required keys are reported where they belong.
  void check_kind_keys(const Frame& f, unsigned kind);
  static std::string kinds_shown(unsigned kinds);
  void end_root(const Frame& f);

  // --- keys -----------------------------------------------------------------

  static unsigned bit(Key k) noexcept { return 1u << static_cast<unsigned>(k); }

  static Key identify(Ctx ctx, std::string_view k);
  void unknown_key(Ctx ctx, std::string_view k);

  // --- pointers and problems ------------------------------------------------

  static std::string escape(std::string_view key);

  // The pointer of the value now being read: the current key or element of
  // every open container (but the innermost `skip_last` ones).
  std::string pointer(std::size_t skip_last = 0) const;
  // The pointer of the innermost open container itself.
  std::string container_pointer() const { return pointer(1); }

  void problem(std::string where, std::string message);

  ParseResult& result_;
  Sequence& seq_;
  std::vector<Frame> stack_;
};

} // namespace linktools::sequence::format_reader
