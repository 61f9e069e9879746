// libFuzzer target: each tool's command line, parsed and checked exactly as
// the tool does before it does anything. The input's first byte picks the
// tool (its value modulo 8: '0' link-status, '1' link-tempo, '2'
// link-midiclock, '3' link-seq, '4' link-play, '5' link-carabiner, '6'
// link-jack-transport, '7' link-follow); the rest
// are the arguments, separated by newlines or NUL bytes (an empty first one
// is dropped, so a seed reads "3\n--check\nsong.json").
//
// What runs is each tool's own make_*_app, CLI11's parse (after
// gflags_to_ours for link-carabiner), the tool's validation, and the pure
// values its run function works out first (timeouts, the MIDI output's
// options, link-play's plan). No run function: nothing opens Link, JACK,
// ALSA or a file. run_tool catches CLI11's CallForHelp, CallForVersion and
// ParseError around the parse and ToolError around the rest; anything else
// escaping, a validation that fails with another code than bad_input, or a
// sanitizer report, is a finding.
#include "commands/link-carabiner/CarabinerCommand.hpp"
#include "commands/link-follow/FollowCommand.hpp"
#include "commands/link-jack-transport/JackTransportCommand.hpp"
#include "commands/link-midiclock/MidiClockCommand.hpp"
#include "commands/link-play/PlayCommand.hpp"
#include "commands/link-seq/SeqCommand.hpp"
#include "commands/link-status/StatusCommand.hpp"
#include "commands/link-tempo/TempoCommand.hpp"
#include "commands/link-tempo/TempoRequest.hpp"
#include "timeline/TimelineMath.hpp"

#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

using namespace linktools;

namespace {

void check(bool ok) {
  if (!ok) __builtin_trap();
}

std::vector<std::string> split_words(const std::uint8_t* data, std::size_t size) {
  std::vector<std::string> words(1);
  for (std::size_t i = 0; i < size; ++i) {
    const char c = static_cast<char>(data[i]);
    if (c == '\n' || c == '\0')
      words.emplace_back();
    else
      words.back() += c;
  }
  if (words.front().empty()) words.erase(words.begin());
  return words;
}

// CLI11's parse as run_tool calls it: true when the tool would go on.
bool parse(CLI::App& app, const std::string& tool, const std::vector<std::string>& arguments) {
  std::vector<std::string> args{tool};
  args.insert(args.end(), arguments.begin(), arguments.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  try {
    app.parse(static_cast<int>(args.size()), argv.data());
    return true;
  } catch (const CLI::CallForHelp&) {
    check(!app.help().empty());
  } catch (const CLI::CallForVersion& v) {
    check(std::string(v.what()).rfind(tool + " ", 0) == 0);
  } catch (const CLI::ParseError& e) {
    check(e.get_exit_code() != 0);
  }
  return false;
}

// Runs `checks` as run_tool would: a ToolError is the tool refusing its
// options, and it must be for bad usage (exit 2), before anything ran.
template <typename Checks>
void validated(Checks checks) {
  try {
    checks();
  } catch (const ToolError& e) {
    check(e.code() == ExitCode::bad_input);
    check(std::string(e.what()).find(": ") != std::string::npos);
  }
}

void link_status(const std::vector<std::string>& words) {
  StatusOptions options;
  auto app = make_status_app(options);
  if (!parse(*app, "link-status", words)) return;
  validated([&] {
    validate(options);
    check(options.common.timeout().count() >= 0);
  });
}

void link_tempo(const std::vector<std::string>& words) {
  TempoOptions options;
  auto app = make_tempo_app(options);
  if (!parse(*app, "link-tempo", words)) return;
  validated([&] {
    validate(options);
    check(options.common.timeout().count() >= 0);
    if (!options.word) return;
    const TempoRequest request = parse_tempo_request(*options.word);
    // What run_tempo commits, against a session at Link's default tempo.
    const double bpm = request.target(120.0);
    check(bpm >= timeline::kMinTempo && bpm <= timeline::kMaxTempo);
  });
}

void link_midiclock(const std::vector<std::string>& words) {
  MidiClockCommandOptions options;
  auto app = make_midiclock_app(options);
  if (!parse(*app, "link-midiclock", words)) return;
  validated([&] {
    validate(options);
    check(options.common.timeout().count() >= 0);
    const auto output = midi::output_options(options.output);
    check(!output.client_name.empty() && !output.port_name.empty());
    check(std::chrono::abs(options.output.offset()) <= std::chrono::seconds(1));
  });
}

void link_seq(const std::vector<std::string>& words) {
  SeqCommandOptions options;
  auto app = make_seq_app(options);
  if (!parse(*app, "link-seq", words)) return;
  validated([&] {
    validate(options);
    check(options.common.timeout().count() >= 0);
    // With --loop and no loop_beats a pass is whole bars of this: a bar of
    // 1e-300 beats once made link-seq hang.
    check(timeline::is_valid_quantum(options.common.quantum));
    if (options.output.list) return;
    check(!options.file.empty());
    midi::output_options(options.output);
    check(std::chrono::abs(options.output.offset()) <= std::chrono::seconds(1));
    const auto length = options.length.in_beats(options.common.quantum);
    if (length) check(std::isfinite(*length) && *length > 0.0);
  });
}

void link_play(const std::vector<std::string>& words) {
  PlayCommandOptions options;
  auto app = make_play_app(options);
  if (!parse(*app, "link-play", words)) return;
  validated([&] {
    const PlayPlan p = plan(options);
    check(options.common.timeout().count() >= 0);
    if (options.list || options.formats) return;
    check(p.file_gain.size() == options.files.size() && p.bpm.size() == options.files.size() &&
          p.beats.size() == options.files.size());
    check(std::isfinite(p.gain) && p.gain > 0.0 && std::isfinite(p.click_gain) && p.click_gain > 0.0);
    for (const double g : p.file_gain) check(std::isfinite(g) && g > 0.0);
    if (p.length) check(std::isfinite(*p.length) && *p.length > 0.0);
  });
}

void link_carabiner(const std::vector<std::string>& words) {
  CarabinerOptions options;
  auto app = make_carabiner_app(options);
  std::vector<std::string> argv_words{"link-carabiner"};
  argv_words.insert(argv_words.end(), words.begin(), words.end());
  std::vector<char*> argv;
  for (auto& w : argv_words) argv.push_back(w.data());
  argv.push_back(nullptr);
  // --flagfile reads files: a fuzzer must not open /dev/zero with it.
  for (const auto& w : words)
    if (w.find("flagfile") != std::string::npos) return;
  std::vector<std::string> ours;
  try {
    ours = gflags_to_ours(static_cast<int>(argv_words.size()), argv.data());
  } catch (const ToolError& e) {
    check(e.code() == ExitCode::bad_input);
    return;
  }
  check(!ours.empty() && ours.front() == "link-carabiner");
  ours.erase(ours.begin());
  if (!parse(*app, "link-carabiner", ours)) return;
  validated([&] {
    validate(options);
    check(options.port >= 0 && options.port <= 65535);
    check(options.poll_ms >= 1 && options.poll_ms <= 1000);
  });
}

void link_jack_transport(const std::vector<std::string>& words) {
  JackTransportCommandOptions options;
  auto app = make_jack_transport_app(options);
  if (!parse(*app, "link-jack-transport", words)) return;
  validated([&] {
    validate(options);
    check(options.common.timeout().count() >= 0);
    check(timeline::is_valid_quantum(options.common.quantum));
    check(std::isfinite(options.ticks_per_beat) && options.ticks_per_beat >= 1.0);
    check(!options.name.empty());
    check(!(options.force && options.jack_leads));
  });
}

void link_follow(const std::vector<std::string>& words) {
  FollowCommandOptions options;
  auto app = make_follow_app(options);
  if (!parse(*app, "link-follow", words)) return;
  validated([&] {
    validate(options);
    check(options.common.timeout().count() >= 0);
    const auto input = input_options(options);
    check(!input.client_name.empty() && !input.port_name.empty());
    const auto follow = follow_options(options);
    check(timeline::is_valid_quantum(follow.quantum));
    check(std::isfinite(follow.tempo_resolution) && follow.tempo_resolution > 0.0);
    check(std::isfinite(follow.max_commits_per_s) && follow.max_commits_per_s > 0.0);
    check(std::chrono::abs(follow.offset) <= std::chrono::seconds(1));
  });
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const auto words = split_words(data + 1, size - 1);
  switch (data[0] % 8) {
  case 0: link_status(words); break;
  case 1: link_tempo(words); break;
  case 2: link_midiclock(words); break;
  case 3: link_seq(words); break;
  case 4: link_play(words); break;
  case 5: link_carabiner(words); break;
  case 6: link_jack_transport(words); break;
  default: link_follow(words); break;
  }
  return 0;
}
