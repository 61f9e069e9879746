#include "commands/link-play/PlayCommand.hpp"

#include "audio/AudioFile.hpp"
#include "audio/AudioOutput.hpp"
#include "audio/Player.hpp"
#include "audio/Stretch.hpp"
#include "cli/LineOutput.hpp"
#include "cli/Signals.hpp"
#include "playback/Playback.hpp"
#include "session/StatusReport.hpp"
#include "timeline/TimelineMath.hpp"

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <charconv>
#include <cmath>
#include <filesystem>
#include <unistd.h>

namespace linktools {

namespace {

constexpr double kMinDb = -120.0, kMaxDb = 24.0;

std::optional<double> parse_number(std::string_view text) {
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  double value = 0.0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value)) return std::nullopt;
  return value;
}

// "FILE=VALUE": the file (as given on the command line, or its name when
// that is unique) and the value's text.
std::pair<std::size_t, std::string> file_and_value(const std::vector<std::string>& files,
                                                   const std::string& flag, const std::string& arg) {
  const auto eq = arg.rfind('=');
  if (eq == std::string::npos || eq == 0)
    throw bad_input(flag + " " + arg, "expected FILE=VALUE, FILE one of the files to play");
  const std::string name = arg.substr(0, eq);
  std::optional<std::size_t> found;
  for (std::size_t i = 0; i < files.size(); ++i)
    if (files[i] == name) found = i;
  if (!found) {
    std::size_t matches = 0;
    for (std::size_t i = 0; i < files.size(); ++i) {
      if (std::filesystem::path(files[i]).filename() == name) {
        found = i;
        ++matches;
      }
    }
    if (matches > 1)
      throw bad_input(flag + " " + arg, fmt::format("{} names more than one file; give the path as on the "
                                                    "command line", name));
  }
  if (!found) throw bad_input(flag + " " + arg, fmt::format("{} is not one of the files to play", name));
  return {*found, arg.substr(eq + 1)};
}

} // namespace

std::optional<double> parse_gain_db(const std::string& text) {
  std::string_view t = text;
  if (t.size() > 2 && (t.substr(t.size() - 2) == "dB" || t.substr(t.size() - 2) == "db"))
    t.remove_suffix(2);
  const auto db = parse_number(t);
  if (!db || *db < kMinDb || *db > kMaxDb) return std::nullopt;
  return std::pow(10.0, *db / 20.0);
}

std::unique_ptr<CLI::App> make_play_app(PlayCommandOptions& options) {
  auto app = make_app("link-play",
                      "Play audio files (loops, stems) through JACK, started together on the next bar\n"
                      "of the Ableton Link session and kept in time with it.");
  app->add_option("files", options.files,
                  "Audio files: WAV, AIFF, FLAC, Ogg or any format libsndfile reads (see --formats)");
  add_common_options(*app, options.common, kQuantumFlag | kJsonFlag | kTimeoutFlag | kPeersFlag);
  app->get_option("--quantum")->description("Beats in a bar: playing starts on a bar line (default 4)");
  app->get_option("--json")
      ->description("Print progress as JSON Lines (one object a beat, and on start and stop)");
  app->add_flag("--loop", options.loop,
                "Repeat each file on its length rounded to whole beats, in phase with the session");
  app->add_option("--gain", options.gain,
                  "Gain in dB: overall (-6), or for one file (drums.wav=-3); repeat as needed")
      ->type_name("[FILE=]DB")
      ->allow_extra_args(false);
  app->add_option("--bpm-of", options.bpm_of,
                  "A file's own tempo (drums.wav=96): its loop length is counted at that tempo")
      ->type_name("FILE=BPM")
      ->allow_extra_args(false);
  app->add_option("--beats-of", options.beats_of,
                  "A file's length in beats (drums.wav=8), the same as giving its tempo")
      ->type_name("FILE=BEATS")
      ->allow_extra_args(false);
  app->add_flag("--follow-tempo", options.follow_tempo,
                "Stretch each file to the session's tempo, keeping its pitch (Rubber Band);\n"
                "every file needs --bpm-of or --beats-of");
  app->add_flag("--click", options.click, "Play a metronome click on every beat, accented on the bar");
  app->add_option("--click-gain", options.click_gain, "The click's gain in dB (default -6)")->type_name("DB");
  app->add_flag("--sync", options.sync,
                "Follow the session's start/stop: play while it plays, from the first bar of each start");
  add_length_options(*app, options.length);
  app->add_flag("--stop-at-bar", options.stop_at_bar,
                "On Ctrl-C, play on to the next bar line, then stop (a second Ctrl-C stops at once)");
  app->add_option("-c,--connect", options.connect,
                  "JACK port to connect to: give it twice for left and right, once for both "
                  "(default: the system's playback ports)")
      ->allow_extra_args(false);
  app->add_flag("--no-connect", options.no_connect, "Connect the ports to nothing");
  app->add_option("-n,--name", options.name, "JACK client name (default link-play)");
  app->add_flag("-l,--list", options.list, "List the JACK audio inputs --connect can name, then exit");
  app->add_flag("--formats", options.formats, "List the audio formats this build reads, then exit");
  app->add_flag("--quiet", options.quiet, "No progress line on a terminal");
  return app;
}

PlayPlan plan(const PlayCommandOptions& options) {
  validate(options.common);
  PlayPlan p;
  if (options.list || options.formats) return p;
  if (options.files.empty() && !options.click)
    throw bad_input("FILE", "expected audio files to play, or --click for a metronome");
  p.file_gain.assign(options.files.size(), 1.0);
  p.bpm.assign(options.files.size(), std::nullopt);
  p.beats.assign(options.files.size(), std::nullopt);
  for (const auto& g : options.gain) {
    const bool per_file = g.find('=') != std::string::npos;
    const auto [index, text] = per_file ? file_and_value(options.files, "--gain", g)
                                        : std::pair<std::size_t, std::string>{0, g};
    const auto linear = parse_gain_db(text);
    if (!linear)
      throw bad_input("--gain " + g, fmt::format("expected a gain in dB from {:g} to +{:g}, got {}", kMinDb,
                                                 kMaxDb, text));
    (per_file ? p.file_gain[index] : p.gain) = *linear;
  }
  for (const auto& b : options.bpm_of) {
    const auto [index, text] = file_and_value(options.files, "--bpm-of", b);
    const auto bpm = parse_number(text);
    if (!bpm || *bpm < timeline::kMinTempo || *bpm > timeline::kMaxTempo)
      throw bad_input("--bpm-of " + b, fmt::format("expected a tempo in BPM from {:g} to {:g}, got {}", timeline::kMinTempo,
                                                   timeline::kMaxTempo, text));
    p.bpm[index] = *bpm;
  }
  for (const auto& b : options.beats_of) {
    const auto [index, text] = file_and_value(options.files, "--beats-of", b);
    const auto beats = parse_number(text);
    if (!beats || *beats <= 0.0 || *beats > kMaxLengthBeats)
      throw bad_input("--beats-of " + b, fmt::format("expected a number of beats above 0, got {}", text));
    if (p.bpm[index])
      throw bad_input("--beats-of " + b, "that file's tempo is already given with --bpm-of");
    p.beats[index] = *beats;
  }
  const auto click_gain = parse_gain_db(options.click_gain);
  if (!click_gain)
    throw bad_input("--click-gain " + options.click_gain,
                    fmt::format("expected a gain in dB from {:g} to +{:g}", kMinDb, kMaxDb));
  p.click_gain = *click_gain;
  validate(options.length);
  if (options.follow_tempo) {
    if (!audio::stretch_available())
      throw bad_input("--follow-tempo", "this build has no Rubber Band (install librubberband-dev and rebuild)");
    for (std::size_t i = 0; i < options.files.size(); ++i)
      if (!p.bpm[i] && !p.beats[i])
        throw bad_input("--follow-tempo", fmt::format("{} has no tempo: give --bpm-of {}=BPM or --beats-of "
                                                      "{}=BEATS", options.files[i], options.files[i],
                                                      options.files[i]));
  }
  p.length = options.length.in_beats(options.common.quantum);
  if (options.connect.size() > 2)
    throw bad_input("--connect", fmt::format("expected at most two ports (left, right), got {}",
                                             options.connect.size()));
  if (options.no_connect && !options.connect.empty())
    throw bad_input("--connect, --no-connect", "expected one of them, not both");
  return p;
}

namespace {

struct Progress {
  std::string event; // "waiting", "start", "beat", "stop", "end"
  StatusReport status;
  bool playing = false;
  double position = 0.0;
};

nlohmann::json progress_json(const Progress& p, const audio::Player& player,
                             const std::vector<audio::Clip>& clips) {
  nlohmann::json j;
  j["event"] = p.event;
  j["time_us"] = p.status.time_us;
  j["beat"] = p.status.beat;
  j["phase"] = p.status.phase;
  j["quantum"] = p.status.quantum;
  j["tempo"] = p.status.tempo;
  j["peers"] = p.status.peers;
  j["is_playing"] = p.status.is_playing;
  j["playing"] = p.playing;
  j["position"] = p.position;
  j["start_beat"] = player.has_started() ? nlohmann::json(player.start_beat()) : nlohmann::json(nullptr);
  nlohmann::json files = nlohmann::json::array();
  for (std::size_t i = 0; i < clips.size(); ++i) {
    const double at = player.clip_seconds(i);
    nlohmann::json f;
    f["file"] = clips[i].name;
    f["seconds"] = clips[i].audio.seconds();
    f["position_s"] = at >= 0.0 ? nlohmann::json(at) : nlohmann::json(nullptr);
    f["pass"] = player.clip_pass(i);
    f["loop_beats"] = player.clip_loop_beats(i);
    const double plays_at = player.clip_tempo(i);
    f["plays_at"] = plays_at > 0.0 ? nlohmann::json(plays_at) : nlohmann::json(nullptr);
    files.push_back(std::move(f));
  }
  j["files"] = std::move(files);
  return j;
}

// Where playing stopped, as a musician counts: bar 1 is the start bar.
std::string stopped_at(double position, double quantum) {
  const double bars = std::floor(position / quantum + 1e-3);
  const double beat = position - bars * quantum;
  if (beat < 0.05 || beat > quantum - 0.05) {
    const double whole = std::round(position / quantum);
    return fmt::format("stopped at bar {:g} ({:g} bar{} played)", whole + 1, whole, whole == 1 ? "" : "s");
  }
  return fmt::format("stopped at bar {:g} beat {:g}", bars + 1, std::floor(beat) + 1);
}

std::string live_suffix(const audio::Player& player, const std::vector<audio::Clip>& clips, double quantum,
                        bool sync) {
  if (!player.playing()) {
    if (!player.has_started()) return " | waiting for the bar";
    const std::string stopped = " | " + stopped_at(player.position(), quantum);
    return sync && !player.done() ? stopped + "; waiting for the session's start" : stopped;
  }
  std::string s = fmt::format(" | beat {:.1f}", player.position());
  for (std::size_t i = 0; i < clips.size() && i < 4; ++i) {
    const double at = player.clip_seconds(i);
    const std::string name = std::filesystem::path(clips[i].name).filename().string();
    s += at >= 0.0 ? fmt::format(" | {} {:.1f}/{:.1f}s", name, at, clips[i].audio.seconds())
                   : fmt::format(" | {} -", name);
  }
  if (clips.size() > 4) s += fmt::format(" | +{} files", clips.size() - 4);
  return s;
}

void print_formats() {
  LineOutput out(stdout);
  for (const auto& name : audio::readable_formats())
    if (!out.write_line(name)) return;
}

// Every file decoded at the output's rate, with its gain and tempo.
std::vector<audio::Clip> load_clips(const PlayCommandOptions& options, const PlayPlan& p, int rate) {
  std::vector<audio::Clip> clips;
  for (std::size_t i = 0; i < options.files.size(); ++i) {
    if (stop_requested()) break;
    audio::Clip clip;
    clip.name = options.files[i];
    clip.audio = audio::load_file(options.files[i], rate);
    clip.gain = static_cast<float>(p.file_gain[i]);
    clip.bpm = p.bpm[i];
    if (p.beats[i]) clip.bpm = *p.beats[i] * 60.0 / clip.audio.seconds();
    clips.push_back(std::move(clip));
  }
  return clips;
}

audio::PlayerOptions player_options(const PlayCommandOptions& options, const PlayPlan& p) {
  audio::PlayerOptions play;
  play.quantum = options.common.quantum;
  play.loop = options.loop;
  play.follow_tempo = options.follow_tempo;
  play.start_stop_sync = options.sync;
  play.length = p.length;
  play.click = options.click;
  play.click_gain = static_cast<float>(p.click_gain);
  play.gain = static_cast<float>(p.gain);
  return play;
}

// link-play's part of the play loop (playback/): the player's transport
// hint, its end, --stop-at-bar, the live line's suffix and the JSON Lines
// progress (a line at each start, stop and beat).
class PlayHooks {
public:
  PlayHooks(const PlayCommandOptions& options, audio::Player& player, const std::vector<audio::Clip>& clips)
      : options_(options), player_(player), clips_(clips) {}

  PlaybackHooks hooks() {
    PlaybackHooks h;
    h.transport_hint = [this](std::optional<bool> playing) { player_.set_transport_hint(playing); };
    // The player ends when its last frame is rendered: nothing to wait for.
    h.finished = [this]() -> std::optional<HostTime> {
      if (!player_.done()) return std::nullopt;
      return HostTime{};
    };
    h.live_suffix = [this] { return live_suffix(player_, clips_, options_.common.quantum, options_.sync); };
    h.stop_signal = [this](int count) {
      // A first Ctrl-C with --stop-at-bar plays on to the bar; a second one,
      // or a reader that went away, stops at once.
      player_.request_stop(options_.stop_at_bar && first_signal_ && count == 1);
      first_signal_ = false;
      return false;
    };
    h.look = [this](PlayingSession& playing) { look(playing); };
    h.ended = [this](PlayingSession& playing) {
      // Playing can end between two looks (a stop and the end in one
      // period): the stop line is written all the same.
      if (was_playing_) emit("stop", playing);
      emit("end", playing);
    };
    return h;
  }

private:
  void look(PlayingSession& playing) {
    const bool now_playing = player_.playing();
    const auto beat = static_cast<long>(std::floor(player_.position()));
    // Joining can take until the start bar: the first look may find it
    // playing already, and then says both.
    if (first_look_) emit("waiting", playing);
    if (now_playing && !was_playing_) emit("start", playing);
    else if (!now_playing && was_playing_) emit("stop", playing);
    else if (now_playing && beat != last_beat_) emit("beat", playing);
    first_look_ = false;
    was_playing_ = now_playing;
    last_beat_ = beat;
  }

  void emit(const char* event, PlayingSession& playing) {
    if (!options_.common.json) return;
    Progress pr{event, capture_status(playing.session(), options_.common.quantum, &playing.transport()),
                player_.playing(), player_.position()};
    if (!json_.write_line(progress_json(pr, player_, clips_).dump())) request_stop();
  }

  const PlayCommandOptions& options_;
  audio::Player& player_;
  const std::vector<audio::Clip>& clips_;
  LineOutput json_{stdout};
  bool first_signal_ = true;
  bool first_look_ = true;
  bool was_playing_ = false;
  long last_beat_ = -1;
};

} // namespace

ExitCode run_play(const PlayCommandOptions& options) {
  const PlayPlan p = plan(options);
  audio::OutputOptions output_options;
  output_options.client_name = options.name;
  output_options.connect = options.connect;
  output_options.auto_connect = !options.no_connect;
  if (options.formats) {
    print_formats();
    return ExitCode::ok;
  }
  if (options.list) {
    LineOutput out(stdout);
    for (const auto& name : audio::list_ports(output_options))
      if (!out.write_line(name)) break;
    return ExitCode::ok;
  }

  // Every file's header is checked before JACK is touched, then the output
  // opens (it decides the rate), then everything is decoded before playing.
  std::vector<audio::FileInfo> infos;
  for (const auto& file : options.files) infos.push_back(audio::probe_file(file));
  auto output = audio::open_output(output_options);
  for (const auto& line : output->warnings()) warn("link-play", line);
  const int rate = output->sample_rate();
  const std::vector<audio::Clip> clips = load_clips(options, p, rate);
  if (stop_requested()) return ExitCode::ok;
  audio::Player player(clips, rate, player_options(options, p));

  PlaybackOptions playback;
  playback.common = options.common;
  playback.start_stop_sync = options.sync;
  playback.live = !options.quiet && !options.common.json && is_terminal(STDERR_FILENO);
  // The JSON Lines progress and the live line want a look every 20 ms (a
  // beat line within 20 ms of the beat); without them the loop's default
  // 100 ms does: looking costs (bench/RESULTS.md, CPU against JACK's clients).
  if (options.common.json || playback.live) playback.look_every = std::chrono::milliseconds(20);
  PlayHooks hooks(options, player, clips);
  play_in_session(*output, player, playback, hooks.hooks());
  return ExitCode::ok;
}

} // namespace linktools
