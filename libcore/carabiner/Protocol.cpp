#include "carabiner/Protocol.hpp"

#include "timeline/TimelineMath.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <array>
#include <charconv>
#include <cmath>

namespace linktools::carabiner {

namespace {

// What the original's stream extraction skips between words (the C locale's isspace).
bool is_space(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

enum class Arg : std::uint8_t { bpm, time, quantum, beat };

struct VerbInfo {
  std::string_view word;
  Verb verb;
  std::array<Arg, 3> args;
  std::size_t arity;
};

constexpr std::array<VerbInfo, 14> kVerbs{{
    {"status", Verb::status, {}, 0},
    {"bpm", Verb::bpm, {Arg::bpm}, 1},
    {"beat-at-time", Verb::beat_at_time, {Arg::time, Arg::quantum}, 2},
    {"phase-at-time", Verb::phase_at_time, {Arg::time, Arg::quantum}, 2},
    {"time-at-beat", Verb::time_at_beat, {Arg::beat, Arg::quantum}, 2},
    {"force-beat-at-time", Verb::force_beat_at_time, {Arg::beat, Arg::time, Arg::quantum}, 3},
    {"request-beat-at-time", Verb::request_beat_at_time, {Arg::beat, Arg::time, Arg::quantum}, 3},
    {"enable-start-stop-sync", Verb::enable_start_stop_sync, {}, 0},
    {"disable-start-stop-sync", Verb::disable_start_stop_sync, {}, 0},
    {"start-playing", Verb::start_playing, {Arg::time}, 1},
    {"stop-playing", Verb::stop_playing, {Arg::time}, 1},
    {"version", Verb::version, {}, 0},
    {"json", Verb::json, {}, 0},
    {"edn", Verb::edn, {}, 0},
}};

const VerbInfo* find_verb(std::string_view word) noexcept {
  for (const VerbInfo& v : kVerbs)
    if (v.word == word) return &v;
  return nullptr;
}

// The start of a command word, not the whole of one: `beat-at`.
bool is_cut_verb(std::string_view word) noexcept {
  for (const VerbInfo& v : kVerbs)
    if (v.word.size() > word.size() && v.word.substr(0, word.size()) == word) return true;
  return false;
}

BadArgument bad_of(Arg a) noexcept {
  switch (a) {
  case Arg::bpm: return BadArgument::bpm;
  case Arg::time: return BadArgument::time;
  case Arg::quantum: return BadArgument::quantum;
  case Arg::beat: return BadArgument::beat;
  }
  return BadArgument::bpm;
}

// Numbers are read as Carabiner's `stream >> number` reads them (GCC's
// library): the longest start of the word that the grammar allows is the
// number, and the rest of the word is read next (`1.5` as a time is 1, then
// `.5`). Each span function returns how many bytes the grammar takes.
bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
bool is_sign(char c) noexcept { return c == '+' || c == '-'; }

// An integer: a sign, then decimal digits.
std::size_t integer_span(std::string_view word) noexcept {
  std::size_t i = word.empty() || !is_sign(word[0]) ? 0 : 1;
  while (i < word.size() && is_digit(word[i])) ++i;
  return i;
}

// A decimal: a sign, digits with at most one point, then an exponent (e or
// E, a sign, digits) once a digit has been seen.
std::size_t decimal_span(std::string_view word) noexcept {
  std::size_t i = word.empty() || !is_sign(word[0]) ? 0 : 1;
  bool digit = false;
  bool point = false;
  bool exponent = false;
  for (; i < word.size(); ++i) {
    const char c = word[i];
    if (is_digit(c)) {
      digit = true;
    } else if (c == '.' && !point && !exponent) {
      point = true;
    } else if ((c == 'e' || c == 'E') && digit && !exponent) {
      exponent = true;
      if (i + 1 < word.size() && is_sign(word[i + 1])) ++i;
    } else {
      break;
    }
  }
  return i;
}

struct Parsed {
  bool ok = false;
  std::size_t used = 0; // bytes of the word taken
};

// The span must be a number: `1e`, `+` and `.` are not. A value too large
// for a double is refused, one too small is 0 (as the stream has them).
Parsed parse_double(std::string_view word, double& value) noexcept {
  const std::size_t used = decimal_span(word);
  std::string_view text = word.substr(0, used);
  if (text.size() > 1 && text[0] == '+') text.remove_prefix(1);
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (end != text.data() + text.size() || text.empty()) return {false, used};
  if (ec == std::errc::result_out_of_range) {
    // from_chars says only that it is out of range: the exponent's sign
    // tells an underflow (taken as 0) from an overflow.
    const std::size_t e = text.find_first_of("eE");
    if (e == std::string_view::npos || e + 1 >= text.size() || text[e + 1] != '-') return {false, used};
    value = 0.0;
    return {true, used};
  }
  return {ec == std::errc() && std::isfinite(value), used};
}

Parsed parse_time(std::string_view word, std::int64_t& value) noexcept {
  const std::size_t used = integer_span(word);
  std::string_view text = word.substr(0, used);
  if (text.size() > 1 && text[0] == '+') text.remove_prefix(1);
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return {false, used};
  return {value >= -kMaxAbsTime && value <= kMaxAbsTime, used};
}

// Reads the argument at the start of `word` into `c`: how much of the word
// it took, and whether it is a valid one.
Parsed read_arg(Arg a, std::string_view word, Command& c) noexcept {
  if (a == Arg::time) return parse_time(word, c.when);
  double d = 0.0;
  Parsed p = parse_double(word, d);
  if (!p.ok) return p;
  switch (a) {
  case Arg::bpm:
    p.ok = d >= timeline::kMinTempo && d <= timeline::kMaxTempo;
    c.bpm = d;
    break;
  case Arg::quantum:
    p.ok = d >= kMinQuantum && d <= kMaxQuantum;
    c.quantum = d;
    break;
  case Arg::beat:
    p.ok = std::abs(d) <= kMaxAbsBeat;
    c.beat = d;
    break;
  case Arg::time: break;
  }
  return p;
}

// An unknown word as it is echoed: printable ASCII, cut short.
std::string echoed(std::string_view word) {
  std::string out;
  for (char ch : word.substr(0, kMaxEchoedWord)) {
    const auto u = static_cast<unsigned char>(ch);
    out += (u > 0x20 && u < 0x7F) ? ch : '?';
  }
  if (word.size() > kMaxEchoedWord) out += "...";
  return out;
}

struct Word {
  enum Kind : std::uint8_t { found, need_more, none, too_long } kind = none;
  std::string_view text;
  std::size_t end = 0; // where the word ends (or the buffer, if it is cut)
};

// The next word at or after `pos`. `at_end`: the buffer's end ends a word.
Word next_word(std::string_view buf, std::size_t pos, bool at_end) noexcept {
  while (pos < buf.size() && is_space(buf[pos])) ++pos;
  if (pos == buf.size()) return {at_end ? Word::none : Word::need_more, {}, pos};
  std::size_t end = pos;
  while (end < buf.size() && !is_space(buf[end])) ++end;
  const std::string_view text = buf.substr(pos, end - pos);
  if (text.size() > kMaxWord) return {Word::too_long, text, end};
  if (end == buf.size() && !at_end) return {Word::need_more, text, end};
  return {Word::found, text, end};
}

Command unsupported(std::string_view word) {
  Command c;
  c.verb = Verb::unsupported;
  c.word = echoed(word);
  return c;
}

Command bad_argument(BadArgument bad) {
  Command c;
  c.verb = Verb::bad_argument;
  c.bad = bad;
  return c;
}

} // namespace

void Parser::feed(std::string_view bytes, std::vector<Command>& out) {
  // Only what waits for more stays buffered: the bytes are appended and the
  // complete commands taken off the front. A word longer than kMaxWord is
  // found as soon as it is, so the buffer stays small.
  pending_.append(bytes);
  drain(false, out);
}

void Parser::flush(std::vector<Command>& out) {
  drain(true, out);
  pending_.clear();
  skipping_line_ = false;
  discarding_word_ = false;
}

void Parser::drain(bool at_end, std::vector<Command>& out) {
  const std::string_view buf = pending_;
  std::size_t pos = 0;
  cut_verb_ = false;
  // After an error, the rest of the line goes; a word the buffer's end cut
  // off is still coming, so it goes as it arrives, then its line.
  auto drop_rest_of_line = [&](const Word& word) {
    pos = word.end;
    if (word.kind == Word::too_long && pos == buf.size() && !at_end) discarding_word_ = true;
    else skipping_line_ = true;
  };
  for (;;) {
    if (discarding_word_) {
      while (pos < buf.size() && !is_space(buf[pos])) ++pos;
      if (pos == buf.size()) break;
      discarding_word_ = false;
      skipping_line_ = true;
    }
    if (skipping_line_) {
      const std::size_t newline = buf.find('\n', pos);
      if (newline == std::string_view::npos) {
        pos = buf.size();
        break;
      }
      pos = newline + 1;
      skipping_line_ = false;
    }

    const std::size_t start = pos;
    const Word verb_word = next_word(buf, pos, at_end);
    if (verb_word.kind == Word::none || verb_word.text.empty()) { // only whitespace
      pos = buf.size();
      break;
    }
    const VerbInfo* info = verb_word.kind == Word::too_long ? nullptr : find_verb(verb_word.text);
    if (verb_word.kind == Word::need_more) {
      cut_verb_ = !info && is_cut_verb(verb_word.text);
      pos = start;
      break;
    }
    if (!info) {
      out.push_back(unsupported(verb_word.text));
      drop_rest_of_line(verb_word);
      continue;
    }

    Command command;
    command.verb = info->verb;
    pos = verb_word.end;
    enum class Result : std::uint8_t { complete, waiting, bad } result = Result::complete;
    for (std::size_t i = 0; i < info->arity && result == Result::complete; ++i) {
      const Word arg = next_word(buf, pos, at_end);
      if (arg.kind == Word::need_more &&
          (!arg.text.empty() || arg.end - start <= kMaxPendingCommand)) {
        // Waiting for an argument, or the rest of one (a word is short).
        // Whitespace alone could keep a command waiting for ever, so past
        // kMaxPendingCommand the argument counts as missing.
        result = Result::waiting;
      } else if (const Parsed p = arg.kind == Word::found ? read_arg(info->args[i], arg.text, command)
                                                            : Parsed{};
                 p.ok) {
        // The rest of the word, if any, is read next.
        pos = static_cast<std::size_t>(arg.text.data() - buf.data()) + p.used;
      } else {
        // Missing (the input ended, or too much whitespace), not valid, or too long.
        out.push_back(bad_argument(bad_of(info->args[i])));
        if (arg.kind == Word::found || arg.kind == Word::too_long) drop_rest_of_line(arg);
        else pos = arg.end;
        result = Result::bad;
      }
    }
    if (result == Result::waiting) {
      pos = start;
      break;
    }
    if (result == Result::complete) out.push_back(std::move(command));
  }
  pending_.erase(0, pos);
}

std::string_view bad_argument_code(BadArgument bad) {
  switch (bad) {
  case BadArgument::bpm: return "bad-bpm";
  case BadArgument::time: return "bad-time";
  case BadArgument::quantum: return "bad-quantum";
  case BadArgument::beat: return "bad-beat";
  }
  return "bad-bpm";
}

std::string edn_status(const StatusFacts& s) {
  std::string line = fmt::format("status {{ :peers {} :bpm {:.6f} :start {} :beat {:.6f}", s.peers,
                                 s.bpm, s.start, s.beat);
  if (s.start_stop_sync) line += s.playing ? " :playing true" : " :playing false";
  line += " }\n";
  return line;
}

std::string edn_beat_at_time(std::int64_t when, double quantum, double beat) {
  return fmt::format("beat-at-time {{ :when {} :quantum {:.6f} :beat {:.6f} }}\n", when, quantum, beat);
}

std::string edn_phase_at_time(std::int64_t when, double quantum, double phase) {
  return fmt::format("phase-at-time {{ :when {} :quantum {:.6f} :phase {:.6f} }}\n", when, quantum,
                     phase);
}

std::string edn_time_at_beat(double beat, double quantum, std::int64_t when) {
  return fmt::format("time-at-beat {{ :beat {:.6f} :quantum {:.6f} :when {} }}\n", beat, quantum, when);
}

std::string edn_version(std::string_view version) { return fmt::format("version \"{}\"\n", version); }

std::string edn_unsupported(std::string_view word) { return fmt::format("unsupported {}\n", word); }

std::string edn_bad_argument(BadArgument bad) {
  return fmt::format("{}\n", bad_argument_code(bad));
}

namespace {
std::string json_line(const nlohmann::ordered_json& j) { return j.dump() + "\n"; }
} // namespace

std::string json_status(const StatusFacts& s) {
  return json_line({{"type", "status"},
                    {"peers", s.peers},
                    {"bpm", s.bpm},
                    {"start", s.start},
                    {"beat", s.beat},
                    {"playing", s.playing},
                    {"start_stop_sync", s.start_stop_sync}});
}

std::string json_beat_at_time(std::int64_t when, double quantum, double beat) {
  return json_line({{"type", "beat-at-time"}, {"when", when}, {"quantum", quantum}, {"beat", beat}});
}

std::string json_phase_at_time(std::int64_t when, double quantum, double phase) {
  return json_line({{"type", "phase-at-time"}, {"when", when}, {"quantum", quantum}, {"phase", phase}});
}

std::string json_time_at_beat(double beat, double quantum, std::int64_t when) {
  return json_line({{"type", "time-at-beat"}, {"beat", beat}, {"quantum", quantum}, {"when", when}});
}

std::string json_version(std::string_view version, std::string_view server) {
  return json_line({{"type", "version"}, {"version", version}, {"server", server}});
}

std::string json_unsupported(std::string_view word) {
  return json_line({{"type", "unsupported"}, {"word", word}});
}

std::string json_bad_argument(BadArgument bad) {
  return json_line({{"type", "error"}, {"error", bad_argument_code(bad)}});
}

} // namespace linktools::carabiner
