#pragma once
// link-play: options, their checks, and the program itself.

#include "cli/Tool.hpp"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace linktools {

struct PlayCommandOptions {
  CommonOptions common;
  std::vector<std::string> files;
  std::vector<std::string> gain;     // "DB" (overall) or "FILE=DB"
  std::vector<std::string> bpm_of;   // "FILE=BPM"
  std::vector<std::string> beats_of; // "FILE=BEATS"
  bool loop = false;
  bool follow_tempo = false;
  bool click = false;
  std::string click_gain = "-6"; // dB
  bool sync = false;
  bool stop_at_bar = false;
  LengthOptions length; // --bars, --beats
  std::vector<std::string> connect;
  bool no_connect = false;
  std::string name = "link-play";
  bool list = false;
  bool formats = false;
  bool quiet = false;
};

// What the options ask for, checked: per-file gains and tempos resolved to
// file indexes. Throws ToolError(bad_input) naming the flag.
struct PlayPlan {
  double gain = 1.0;                        // linear, overall
  double click_gain = 0.5;                  // linear
  std::vector<double> file_gain;            // linear, per file
  std::vector<std::optional<double>> bpm;   // per file, from --bpm-of
  std::vector<std::optional<double>> beats; // per file, from --beats-of
  std::optional<double> length;             // beats
};

std::unique_ptr<CLI::App> make_play_app(PlayCommandOptions& options);
PlayPlan plan(const PlayCommandOptions& options);
ExitCode run_play(const PlayCommandOptions& options);

// "-6", "+3.5", "0" dB as a linear factor; nullopt when not a number in
// [-120, +24].
std::optional<double> parse_gain_db(const std::string& text);

} // namespace linktools
