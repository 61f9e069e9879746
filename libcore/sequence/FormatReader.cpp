// The link-seq/1 reader: the document, its containers and keys, and where each problem is.
#include "sequence/FormatReader.hpp"

#include "sequence/NoteName.hpp"

namespace linktools::sequence::format_reader {

void Reader::boolean(bool b) {
  Value v(Value::Type::boolean);
  v.flag = b;
  scalar(v);
}

void Reader::number(const json::Number& n) {
  Value v(n.integer ? Value::Type::integer : Value::Type::number);
  v.number = n.value;
  v.whole = std::isfinite(n.value) && std::floor(n.value) == n.value;
  v.text = n.literal;
  scalar(v);
}

void Reader::string(std::string_view s) {
  Value v(Value::Type::string);
  v.text = s;
  scalar(v);
}

void Reader::start_object() {
  const Ctx ctx = container(Value(Value::Type::object));
  push(ctx, false);
  if (ctx == Ctx::track) begin_track();
  if (ctx == Ctx::event) begin_event();
}

void Reader::key(std::string_view k) {
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

void Reader::end_object() {
  const Frame& f = stack_.back();
  if (f.ctx == Ctx::root) end_root(f);
  if (f.ctx == Ctx::track) end_track(f);
  if (f.ctx == Ctx::event) end_event(f);
  stack_.pop_back();
}

void Reader::start_array() {
  const Ctx ctx = container(Value(Value::Type::array));
  push(ctx, true);
  if (ctx == Ctx::raw) {
    event_.kinds |= kRawBit;
    event_.raw_size = 0;
    event_.raw_bad = false;
  }
}

void Reader::end_array() {
  const Frame f = stack_.back();
  stack_.pop_back();
  if (f.ctx == Ctx::raw) end_raw(f);
}

void Reader::push(Ctx ctx, bool array) {
  Frame f;
  f.ctx = ctx;
  f.array = array;
  stack_.push_back(std::move(f));
}

bool Reader::arrive() {
  if (stack_.empty()) return true;
  Frame& f = stack_.back();
  if (f.array) {
    ++f.count;
    return f.ctx != Ctx::skip;
  }
  return f.ctx != Ctx::skip && !f.skip_value;
}

Ctx Reader::container(const Value& v) {
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

void Reader::scalar(const Value& v) {
  if (stack_.empty()) {
    not_a_document(v);
    return;
  }
  if (!arrive()) return;
  scalar_in_place(v);
}

void Reader::not_a_document(const Value& v) {
  problem("", fmt::format("expected a link-seq/1 document (a JSON object), got {}", v.shown()));
}

void Reader::scalar_in_place(const Value& v) {
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

void Reader::root_value(Key key, const Value& v) {
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

void Reader::end_root(const Frame& f) {
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

Key Reader::identify(Ctx ctx, std::string_view k) {
  switch (ctx) {
  case Ctx::root: return find_key(kRootKeys, k);
  case Ctx::track: return find_key(kTrackKeys, k);
  case Ctx::event: return find_key(kEventKeys, k);
  default: return Key::unknown;
  }
}

void Reader::unknown_key(Ctx ctx, std::string_view k) {
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

std::string Reader::escape(std::string_view key) {
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

std::string Reader::pointer(std::size_t skip_last) const {
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

void Reader::problem(std::string where, std::string message) {
  if (result_.problems.size() >= kMaxProblems) {
    ++result_.problems_dropped;
    return;
  }
  result_.problems.push_back(Problem{std::move(where), std::move(message)});
}

} // namespace linktools::sequence::format_reader
