// link-carabiner's command line as Carabiner's gflags reads it: every
// spelling of Carabiner's flags and of gflags' own, through gflags_to_ours
// and CLI11, to the options the daemon would run with.
#include "commands/link-carabiner/CarabinerCommand.hpp"

#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include <string>
#include <vector>

#include <unistd.h>

using linktools::CarabinerOptions;
using linktools::ExitCode;
using linktools::ToolError;

namespace {

enum class Outcome { runs, help, version, bad_usage };

struct Parsed {
  Outcome outcome = Outcome::bad_usage;
  CarabinerOptions options;
};

// What `link-carabiner WORDS...` would do: run with these options, print
// help or the version, or stop with bad usage (exit 2).
Parsed parse(std::initializer_list<const char*> words) {
  std::vector<std::string> argv_words{"link-carabiner"};
  for (const char* w : words) argv_words.emplace_back(w);
  std::vector<char*> argv;
  for (auto& w : argv_words) argv.push_back(w.data());
  argv.push_back(nullptr);
  Parsed p;
  auto app = linktools::make_carabiner_app(p.options);
  try {
    std::vector<std::string> ours = linktools::gflags_to_ours(static_cast<int>(argv_words.size()), argv.data());
    std::vector<char*> pointers;
    for (auto& w : ours) pointers.push_back(w.data());
    pointers.push_back(nullptr);
    app->parse(static_cast<int>(ours.size()), pointers.data());
    linktools::validate(p.options);
  } catch (const CLI::CallForHelp&) {
    p.outcome = Outcome::help;
    return p;
  } catch (const CLI::CallForVersion&) {
    p.outcome = Outcome::version;
    return p;
  } catch (const CLI::ParseError&) {
    return p;
  } catch (const ToolError& e) {
    CHECK(e.code() == ExitCode::bad_input);
    return p;
  }
  p.outcome = Outcome::runs;
  return p;
}

int port_of(std::initializer_list<const char*> words) {
  const Parsed p = parse(words);
  REQUIRE(p.outcome == Outcome::runs);
  return p.options.port;
}

bool daemon_of(std::initializer_list<const char*> words) {
  const Parsed p = parse(words);
  REQUIRE(p.outcome == Outcome::runs);
  return p.options.daemon;
}

Outcome outcome_of(std::initializer_list<const char*> words) { return parse(words).outcome; }

} // namespace

TEST_CASE("link-carabiner flags: Carabiner's int flags in every gflags spelling") {
  CHECK(port_of({}) == 17000);
  CHECK(port_of({"-port", "17001"}) == 17001);
  CHECK(port_of({"--port", "17001"}) == 17001);
  CHECK(port_of({"-port=17001"}) == 17001);
  CHECK(port_of({"--port=17001"}) == 17001);
  CHECK(port_of({"-port=0x4269"}) == 17001); // gflags reads 0x as hexadecimal
  CHECK(port_of({"-port", "1", "--port=2"}) == 2); // the last one counts
  const Parsed p = parse({"-poll", "10", "-port", "5"});
  REQUIRE(p.outcome == Outcome::runs);
  CHECK(p.options.poll_ms == 10);
  CHECK(parse({"-poll=7"}).options.poll_ms == 7);
  // A value may begin with a dash; validation refuses this one.
  CHECK(outcome_of({"-port", "-1"}) == Outcome::bad_usage);
  CHECK(outcome_of({"-port"}) == Outcome::bad_usage);
  CHECK(outcome_of({"-port=abc"}) == Outcome::bad_usage);
  CHECK(outcome_of({"-port="}) == Outcome::bad_usage);
}

TEST_CASE("link-carabiner flags: the bool flag in every gflags spelling") {
  CHECK_FALSE(daemon_of({}));
  for (const char* yes : {"-daemon", "--daemon", "-daemon=true", "--daemon=TRUE", "-daemon=t", "-daemon=1",
                          "-daemon=y", "-daemon=yes"})
    CHECK_MESSAGE(daemon_of({yes}), yes);
  for (const char* no : {"-nodaemon", "--nodaemon", "-daemon=false", "--daemon=f", "-daemon=0", "-daemon=n",
                         "-daemon=No"})
    CHECK_MESSAGE(!daemon_of({no}), no);
  CHECK_FALSE(daemon_of({"-daemon", "-nodaemon"}));
  CHECK(daemon_of({"--nodaemon", "-daemon"}));
  CHECK(outcome_of({"-daemon=maybe"}) == Outcome::bad_usage);
  // A bool takes no separate value: this `false` is an argument, and there are none.
  CHECK(outcome_of({"-daemon", "false"}) == Outcome::bad_usage);
}

TEST_CASE("link-carabiner flags: our own flags take the same spellings") {
  const Parsed p = parse({"-listen", "::1", "-clock=monotonic", "-json", "-poll", "3"});
  REQUIRE(p.outcome == Outcome::runs);
  CHECK(p.options.listen == "::1");
  CHECK(p.options.clock == "monotonic");
  CHECK(p.options.json);
  CHECK_FALSE(parse({"-json", "-nojson"}).options.json);
  CHECK(parse({"--listen=0.0.0.0"}).options.listen == "0.0.0.0");
}

TEST_CASE("link-carabiner flags: gflags' own help and version flags") {
  for (const char* help : {"-help", "--help", "-helpfull", "--helpfull", "-helpshort", "-helppackage",
                           "-helpxml", "-helpon=carabiner", "-helpmatch=port", "-help=true", "-h", "--help"})
    CHECK_MESSAGE(outcome_of({help}) == Outcome::help, help);
  CHECK(outcome_of({"-helpon", "carabiner"}) == Outcome::help);
  CHECK(outcome_of({"-help=false"}) == Outcome::runs);
  CHECK(outcome_of({"-nohelp"}) == Outcome::runs);
  for (const char* version : {"-version", "--version", "-version=1", "-V"})
    CHECK_MESSAGE(outcome_of({version}) == Outcome::version, version);
  CHECK(outcome_of({"-noversion"}) == Outcome::runs);
  CHECK(outcome_of({"-version", "-help"}) == Outcome::help); // gflags shows help first
}

TEST_CASE("link-carabiner flags: --undefok, --fromenv, --tryfromenv, --flagfile") {
  // Unknown flags are refused, unless --undefok names them.
  CHECK(outcome_of({"-frobnicate"}) == Outcome::bad_usage);
  CHECK(outcome_of({"--frobnicate=3"}) == Outcome::bad_usage);
  CHECK(port_of({"-frobnicate", "-undefok=frobnicate,other", "--noother", "-port=3"}) == 3);
  CHECK(outcome_of({"-undefok", "frobnicate"}) == Outcome::runs);

  ::setenv("FLAGS_port", "17005", 1);
  ::setenv("FLAGS_daemon", "true", 1);
  ::unsetenv("FLAGS_poll");
  CHECK(port_of({"-fromenv=port"}) == 17005);
  CHECK(port_of({"--fromenv", "port,daemon"}) == 17005);
  CHECK(daemon_of({"--fromenv", "port,daemon"}));
  CHECK(port_of({"-tryfromenv=poll,port"}) == 17005);
  CHECK(outcome_of({"-fromenv=poll"}) == Outcome::bad_usage);   // not in the environment
  CHECK(outcome_of({"-fromenv=nothing"}) == Outcome::bad_usage); // not a flag
  ::unsetenv("FLAGS_port");
  ::unsetenv("FLAGS_daemon");

  char path[] = "/tmp/link-carabiner-flagfile-XXXXXX";
  const int fd = ::mkstemp(path);
  REQUIRE(fd >= 0);
  const std::string text = "# Carabiner's flags\n--port=17006\n  -nodaemon  \n-daemon\n\n--poll=9\n";
  REQUIRE(::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()));
  ::close(fd);
  const std::string flagfile = std::string("-flagfile=") + path;
  const Parsed p = parse({flagfile.c_str()});
  REQUIRE(p.outcome == Outcome::runs);
  CHECK(p.options.port == 17006);
  CHECK(p.options.poll_ms == 9);
  CHECK(p.options.daemon);
  CHECK(port_of({flagfile.c_str(), "-port=1"}) == 1); // flags after it win
  CHECK(port_of({"-port=1", "--flagfile", path}) == 17006);
  std::remove(path);
  CHECK(outcome_of({flagfile.c_str()}) == Outcome::bad_usage); // gone
}

TEST_CASE("link-carabiner flags: arguments that are not flags are refused") {
  CHECK(outcome_of({"extra"}) == Outcome::bad_usage);
  CHECK(outcome_of({"--", "-port=1"}) == Outcome::bad_usage);
  CHECK(outcome_of({"-tab_completion_word=po"}) == Outcome::bad_usage);
}
