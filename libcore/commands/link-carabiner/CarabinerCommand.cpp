#include "commands/link-carabiner/CarabinerCommand.hpp"

#include "cli/LineOutput.hpp"
#include "session/Session.hpp"

#include <fmt/format.h>

#include <array>
#include <cerrno>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string_view>
#include <fnmatch.h>
#include <unistd.h>

namespace linktools {

std::unique_ptr<CLI::App> make_carabiner_app(CarabinerOptions& options) {
  auto app = make_app(
      "link-carabiner",
      "A drop-in Carabiner daemon: bridges the Ableton Link session to Carabiner's line\n"
      "protocol on TCP, so Beat Link Trigger, beat-carabiner, lib-carabiner and other\n"
      "Carabiner clients work unchanged. man link-carabiner has the whole protocol.");
  app->add_option("--port", options.port, "TCP port to listen on (0: any free one)")
      ->capture_default_str();
  app->add_option("--poll", options.poll_ms,
                  "Milliseconds: the most status broadcasts are delayed to merge changes")
      ->capture_default_str();
  app->add_flag("--daemon", options.daemon, "No live status line on a terminal");
  app->add_option("--listen", options.listen,
                  "Address to listen on (clients must share this machine's clock)")
      ->capture_default_str();
  app->add_option("--clock", options.clock,
                  "The clients' clock: link (CLOCK_MONOTONIC_RAW, as Carabiner) or monotonic "
                  "(CLOCK_MONOTONIC: the JVM's System.nanoTime, Python's time.monotonic)")
      ->capture_default_str();
  app->add_flag("--json", options.json,
                "Reply in JSON Lines from the start (a client can also send `json`)");
  return app;
}

void validate(const CarabinerOptions& options) {
  if (options.port < 0 || options.port > 65535)
    throw bad_input("--port", fmt::format("expected 0..65535, got {}", options.port));
  if (options.poll_ms < 1 || options.poll_ms > 1000)
    throw bad_input("--poll", fmt::format("expected milliseconds in 1..1000, got {}", options.poll_ms));
  if (options.clock != "link" && options.clock != "monotonic")
    throw bad_input("--clock", fmt::format("expected link or monotonic, got '{}'", options.clock));
}

ExitCode run_carabiner(const CarabinerOptions& options) {
  validate(options);
  carabiner::ServerOptions server;
  server.listen = options.listen;
  server.port = static_cast<std::uint16_t>(options.port);
  server.poll = std::chrono::milliseconds(options.poll_ms);
  server.format = options.json ? carabiner::Format::json : carabiner::Format::edn;
  server.clock = options.clock == "monotonic" ? carabiner::ClientClock::monotonic
                                              : carabiner::ClientClock::link;

  // Carabiner's own start: 120 BPM until a peer or a client says otherwise,
  // start/stop sync off until a client turns it on.
  Session session(120.0);
  LineOutput out(stdout);
  const bool live = !options.daemon && is_terminal(STDOUT_FILENO);
  std::string last_line;
  carabiner::serve(
      session, server,
      [&](const std::string& url) {
        // The port is open and the broadcasts wired before Link starts, so
        // a client that connects on seeing this line finds it, and no change
        // of the session goes unannounced.
        out.write_line(fmt::format("link-carabiner {}: Carabiner {} protocol on {}", version(),
                                   carabiner::kProtocolVersion, url));
        session.enable(true);
      },
      [&](std::size_t connections) {
        if (!live) return;
        const auto state = session.capture_app_state();
        std::string line = fmt::format("Link bpm: {:.2f} Peers: {} Connections: {}", state.tempo(),
                                       session.peer_count(), connections);
        if (line != last_line) out.redraw(line);
        last_line = std::move(line);
      });
  if (live) out.finish_live();
  session.enable(false);
  return ExitCode::ok;
}

namespace {

// Carabiner's flags, gflags' own and ours, by their gflags names.
enum class FlagKind : std::uint8_t {
  integer,    // --port, --poll: int32, decimal or 0x hexadecimal
  text,       // --listen, --clock
  boolean,    // --daemon, --json
  help,       // --help and its kin (bools)
  help_topic, // --helpon, --helpmatch (strings)
  version,
  flagfile,
  fromenv,
  tryfromenv,
  undefok,
};

struct FlagSpec {
  std::string_view name;
  FlagKind kind;
};

constexpr std::array<FlagSpec, 18> kFlags{{
    {"port", FlagKind::integer},       {"poll", FlagKind::integer},
    {"listen", FlagKind::text},        {"clock", FlagKind::text},
    {"daemon", FlagKind::boolean},     {"json", FlagKind::boolean},
    {"help", FlagKind::help},          {"helpfull", FlagKind::help},
    {"helpshort", FlagKind::help},     {"helppackage", FlagKind::help},
    {"helpxml", FlagKind::help},       {"helpon", FlagKind::help_topic},
    {"helpmatch", FlagKind::help_topic}, {"version", FlagKind::version},
    {"flagfile", FlagKind::flagfile},  {"fromenv", FlagKind::fromenv},
    {"tryfromenv", FlagKind::tryfromenv}, {"undefok", FlagKind::undefok},
}};

const FlagSpec* find_flag(std::string_view name) noexcept {
  for (const FlagSpec& f : kFlags)
    if (f.name == name) return &f;
  return nullptr;
}

bool is_bool(FlagKind kind) noexcept {
  return kind == FlagKind::boolean || kind == FlagKind::help || kind == FlagKind::version;
}

bool takes_value(FlagKind kind) noexcept { return !is_bool(kind); }

std::vector<std::string> split_commas(std::string_view list) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= list.size()) {
    const std::size_t comma = std::min(list.find(',', start), list.size());
    if (comma > start) out.emplace_back(list.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

// gflags' bool words, any case.
std::optional<bool> gflags_bool(std::string_view value) {
  std::string lower(value);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (std::string_view yes : {"1", "t", "true", "y", "yes"})
    if (lower == yes) return true;
  for (std::string_view no : {"0", "f", "false", "n", "no"})
    if (lower == no) return false;
  return std::nullopt;
}

// gflags' int32: the whole value, decimal, or hexadecimal after 0x.
std::optional<long long> gflags_int32(const std::string& value) {
  if (value.empty()) return std::nullopt;
  const int base = value.size() > 1 && value[0] == '0' && (value[1] == 'x' || value[1] == 'X') ? 16 : 10;
  errno = 0;
  char* end = nullptr;
  const long long n = std::strtoll(value.c_str(), &end, base);
  if (errno != 0 || end != value.c_str() + value.size() || n < INT32_MIN || n > INT32_MAX)
    return std::nullopt;
  return n;
}

// Reads argv as gflags would and keeps what it means: the last value of
// each flag wins, as in gflags.
class GflagsReader {
public:
  explicit GflagsReader(std::string program) : program_(std::move(program)) {}

  void read(const std::vector<std::string>& args, int depth) {
    if (depth > 8) throw bad_input("--flagfile", "flag files nested more than 8 deep");
    for (std::size_t i = 0; i < args.size(); ++i) {
      const std::string& arg = args[i];
      // Ours, untouched: -h and -V, and whatever is not a flag.
      if (arg == "-h" || arg == "-V" || arg.size() < 2 || arg[0] != '-') {
        passed_.push_back(arg);
        continue;
      }
      if (arg == "--") { // the end of the flags, as in gflags and CLI11
        passed_.insert(passed_.end(), args.begin() + static_cast<std::ptrdiff_t>(i), args.end());
        return;
      }
      const std::string_view body = std::string_view(arg).substr(arg[1] == '-' ? 2 : 1);
      const std::size_t equals = body.find('=');
      std::string name(body.substr(0, equals));
      std::optional<std::string> value;
      if (equals != std::string_view::npos) value = std::string(body.substr(equals + 1));
      const FlagSpec* flag = find_flag(name);
      if (!flag && name.rfind("no", 0) == 0) {
        // --noX sets the bool flag X false, whatever follows an `=`.
        const FlagSpec* negated = find_flag(std::string_view(name).substr(2));
        if (negated && is_bool(negated->kind)) {
          flag = negated;
          name = std::string(flag->name);
          value = "false";
        }
      }
      if (!flag) {
        unknown_.push_back({name, arg});
        continue;
      }
      if (!value && takes_value(flag->kind)) {
        if (i + 1 >= args.size()) throw bad_input(arg, "expected a value after it");
        value = args[++i]; // taken even when it begins with a dash, as gflags does
      }
      set(*flag, arg, value.value_or("true"), depth);
    }
  }

  std::vector<std::string> ours() const {
    std::vector<std::string> out{program_};
    if (help_) out.emplace_back("--help");
    else if (version_) out.emplace_back("--version");
    for (const FlagSpec& f : kFlags) {
      const auto it = values_.find(std::string(f.name));
      if (it == values_.end()) continue;
      if (f.kind == FlagKind::boolean) {
        if (it->second == "true") out.push_back(fmt::format("--{}", f.name));
      } else {
        out.push_back(fmt::format("--{}={}", f.name, it->second));
      }
    }
    // Unknown flags go to CLI11, which refuses them, unless --undefok
    // names them (as X or noX).
    for (const auto& [name, arg] : unknown_)
      if (undefok_.count(name) == 0 && (name.rfind("no", 0) != 0 || undefok_.count(name.substr(2)) == 0))
        out.push_back(arg);
    out.insert(out.end(), passed_.begin(), passed_.end());
    return out;
  }

private:
  void set(const FlagSpec& flag, const std::string& arg, const std::string& value, int depth) {
    const std::string name(flag.name);
    switch (flag.kind) {
    case FlagKind::integer: {
      const auto n = gflags_int32(value);
      if (!n) throw bad_input(arg, fmt::format("expected an integer, got '{}'", value));
      values_[name] = std::to_string(*n);
      break;
    }
    case FlagKind::text: values_[name] = value; break;
    case FlagKind::boolean:
    case FlagKind::help:
    case FlagKind::version: {
      const auto b = gflags_bool(value);
      if (!b) throw bad_input(arg, fmt::format("expected true or false, got '{}'", value));
      if (flag.kind == FlagKind::help) help_ = help_ || *b;
      else if (flag.kind == FlagKind::version) version_ = *b;
      else values_[name] = *b ? "true" : "false";
      break;
    }
    case FlagKind::help_topic: help_ = help_ || !value.empty(); break;
    case FlagKind::flagfile: read(flagfile_args(value), depth + 1); break;
    case FlagKind::fromenv:
    case FlagKind::tryfromenv:
      for (const std::string& wanted : split_commas(value)) {
        const FlagSpec* target = find_flag(wanted);
        if (!target || target->kind == FlagKind::fromenv || target->kind == FlagKind::tryfromenv)
          throw bad_input(arg, fmt::format("'{}' is not a flag that can come from the environment", wanted));
        const char* env = std::getenv(("FLAGS_" + wanted).c_str());
        if (!env) {
          if (flag.kind == FlagKind::fromenv)
            throw bad_input(arg, fmt::format("FLAGS_{} is not in the environment", wanted));
          continue;
        }
        read({fmt::format("--{}={}", wanted, env)}, depth + 1);
      }
      break;
    case FlagKind::undefok:
      for (std::string& n : split_commas(value)) undefok_.insert(std::move(n));
      break;
    }
  }

  // A flag file as gflags reads it: a flag a line; `#` starts a comment; a
  // line that is not a flag lists program names (globs), and the flags after
  // it count only when one of them is this program's.
  std::vector<std::string> flagfile_args(const std::string& path) const {
    std::ifstream in(path);
    if (!in) throw bad_input("--flagfile " + path, std::strerror(errno));
    std::vector<std::string> args;
    bool relevant = true;
    std::string line;
    const std::string short_name = program_.substr(program_.rfind('/') + 1);
    while (std::getline(in, line)) {
      const std::size_t first = line.find_first_not_of(" \t\r");
      if (first == std::string::npos || line[first] == '#') continue;
      const std::size_t last = line.find_last_not_of(" \t\r");
      const std::string text = line.substr(first, last - first + 1);
      if (text[0] == '-') {
        if (relevant) args.push_back(text);
        continue;
      }
      relevant = false;
      std::istringstream globs(text);
      for (std::string glob; globs >> glob;)
        if (::fnmatch(glob.c_str(), program_.c_str(), 0) == 0 ||
            ::fnmatch(glob.c_str(), short_name.c_str(), 0) == 0)
          relevant = true;
    }
    return args;
  }

  std::string program_;
  std::map<std::string, std::string> values_;
  std::set<std::string> undefok_;
  std::vector<std::pair<std::string, std::string>> unknown_; // name, argument
  std::vector<std::string> passed_;
  bool help_ = false;
  bool version_ = false;
};

} // namespace

std::vector<std::string> gflags_to_ours(int argc, char** argv) {
  GflagsReader reader(argc > 0 ? argv[0] : "link-carabiner");
  reader.read(std::vector<std::string>(argv + std::min(argc, 1), argv + argc), 0);
  return reader.ours();
}

int carabiner_main(CLI::App& app, CarabinerOptions& options, int argc, char** argv) {
  std::vector<std::string> args;
  std::optional<ToolError> flag_error;
  try {
    args = gflags_to_ours(argc, argv);
  } catch (const ToolError& e) {
    // Reported by run_tool, like every error: nothing else is parsed.
    flag_error = e;
    args = {argc > 0 ? argv[0] : "link-carabiner"};
  }
  std::vector<char*> pointers;
  for (auto& arg : args) pointers.push_back(arg.data());
  pointers.push_back(nullptr);
  return run_tool("link-carabiner", app, static_cast<int>(args.size()), pointers.data(), [&] {
    if (flag_error) throw *flag_error;
    return run_carabiner(options);
  });
}

} // namespace linktools
