#pragma once
// Carabiner's line protocol, without sockets: the commands a client sends,
// read incrementally from a byte stream, and the text of every reply.
// docs/carabiner-protocol.md is the reference for what the original daemon
// does and what its clients parse; man/link-carabiner.1 says what we do.
//
// Reading follows the original: a command is a word followed by its
// arguments, all separated by any whitespace (newlines included), so several
// commands may share a line and `bpm\n120` is one command. A bad argument or
// an unknown word answers with an error and skips the rest of its line.
// The original reads each packet on its own: its end ends a command, which
// old clients that send no newline rely on, but a command split across TCP
// segments fails. We read the stream whole, and decide by what a client can
// see: a client that stops sending waits for its replies, so when it has
// been quiet for a moment what it sent is complete (a missing argument is
// bad, an error's line ends), whatever it sent before: the server asks
// quiet_flush_due() and calls flush(). Only a command word cut in the middle
// (`beat-at` of `beat-at-time`) is never taken as a word: it waits for its
// rest. Memory is bounded: an over-long word is answered and thrown away as
// it streams in.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace linktools::carabiner {

enum class Verb : std::uint8_t {
  status,
  bpm,
  beat_at_time,
  phase_at_time,
  time_at_beat,
  force_beat_at_time,
  request_beat_at_time,
  enable_start_stop_sync,
  disable_start_stop_sync,
  start_playing,
  stop_playing,
  version,
  // Ours: switch this connection's replies to JSON Lines, or back to EDN.
  json,
  edn,
  // Not commands: an unknown word, or a known one with a bad argument.
  unsupported,
  bad_argument,
};

// Which argument was bad; the reply is its code (`bad-bpm`, ...).
enum class BadArgument : std::uint8_t { bpm, time, quantum, beat };

struct Command {
  Verb verb = Verb::status;
  double bpm = 0.0;
  double beat = 0.0;
  double quantum = 0.0;
  std::int64_t when = 0; // microseconds, as the client wrote them
  BadArgument bad = BadArgument::bpm;
  std::string word; // unsupported: the word, made printable and cut short
};

// Limits. Tempo and quantum are the original's ranges. Times and beats are
// bounded where Link's integer arithmetic would overflow: 2^53 us is 285
// years, 2^31 beats at 20 BPM are 200 years.
inline constexpr double kMinQuantum = 2.0;
inline constexpr double kMaxQuantum = 16.0;
inline constexpr std::int64_t kMaxAbsTime = std::int64_t{1} << 53;
inline constexpr double kMaxAbsBeat = 2147483648.0;
// The longest word a command can have is a number; anything longer is
// garbage. An unknown word is echoed back cut to kMaxEchoedWord bytes.
inline constexpr std::size_t kMaxWord = 64;
inline constexpr std::size_t kMaxEchoedWord = 32;
// Whitespace kept while a command waits for its arguments.
inline constexpr std::size_t kMaxPendingCommand = 256;

class Parser {
public:
  // Reads `bytes` and appends every command they complete to `out`.
  void feed(std::string_view bytes, std::vector<Command>& out);
  // The client went quiet: whatever is buffered is taken as complete, so a
  // final command without a newline runs now (a missing argument is bad).
  void flush(std::vector<Command>& out);
  // True while something waits for more bytes or a flush().
  bool waiting() const noexcept { return !pending_.empty() || skipping_line_ || discarding_word_; }
  // True when the last read left something that flush() would complete: a
  // command, its start, an unknown word or the rest of a bad line. If the
  // client stays quiet it is flushed, as the original would have run that
  // read at once. False when nothing is left, or only a command word cut in
  // the middle.
  bool quiet_flush_due() const noexcept {
    return skipping_line_ || discarding_word_ || (!pending_.empty() && !cut_verb_);
  }
  // Bytes held: never more than kMaxPendingCommand plus one word.
  std::size_t buffered() const noexcept { return pending_.size(); }

private:
  void drain(bool at_end, std::vector<Command>& out);

  std::string pending_;         // the start of a command not complete yet
  bool skipping_line_ = false;  // after an error: drop bytes up to the newline
  bool discarding_word_ = false; // an over-long word: drop bytes up to whitespace
  bool cut_verb_ = false;         // pending_ is a command word cut in the middle
};

// The reply formats of Carabiner 1.2 (one line each, with its newline).
// Doubles are printed as printf's %f (six decimals), integers plainly.
struct StatusFacts {
  std::size_t peers = 0;
  double bpm = 0.0;
  std::int64_t start = 0; // host time of beat 0 at quantum 4
  double beat = 0.0;      // the beat now, at quantum 4
  bool start_stop_sync = false;
  bool playing = false;   // shown only with start_stop_sync
};

std::string edn_status(const StatusFacts& s);
std::string edn_beat_at_time(std::int64_t when, double quantum, double beat);
std::string edn_phase_at_time(std::int64_t when, double quantum, double phase);
std::string edn_time_at_beat(double beat, double quantum, std::int64_t when);
std::string edn_version(std::string_view version);
std::string edn_unsupported(std::string_view word);
std::string edn_bad_argument(BadArgument bad);

// The same replies as JSON Lines objects, for clients that asked for them.
std::string json_status(const StatusFacts& s);
std::string json_beat_at_time(std::int64_t when, double quantum, double beat);
std::string json_phase_at_time(std::int64_t when, double quantum, double phase);
std::string json_time_at_beat(double beat, double quantum, std::int64_t when);
std::string json_version(std::string_view version, std::string_view server);
std::string json_unsupported(std::string_view word);
std::string json_bad_argument(BadArgument bad);

// `bad-bpm`, `bad-time`, `bad-quantum`, `bad-beat`.
std::string_view bad_argument_code(BadArgument bad);

} // namespace linktools::carabiner
