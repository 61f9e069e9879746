#include <doctest/doctest.h>

#include "TestSupport.hpp"

#include "cli/Tool.hpp"
#include "commands/link-status/StatusCommand.hpp"
#include "commands/link-tempo/TempoCommand.hpp"

#include <chrono>
#include <cmath>
#include <functional>
#include <optional>
#include <string>

using linktools::CommonOptions;
using linktools::ExitCode;
using linktools::make_status_app;
using linktools::make_tempo_app;
using linktools::StatusOptions;
using linktools::TempoOptions;
using linktools::ToolError;
using linktools::testing::tool_error_of;

namespace {

// Parses `args` (CLI11's string form, without the program name) into fresh
// options; CLI11 errors propagate.
StatusOptions parse_status(const std::string& args) {
  StatusOptions options;
  auto app = make_status_app(options);
  app->parse(args);
  return options;
}

TempoOptions parse_tempo(const std::string& args) {
  TempoOptions options;
  auto app = make_tempo_app(options);
  app->parse(args);
  return options;
}

// Parses and validates; true when the arguments end as bad input (a CLI11
// parse error, or validate() throwing ToolError(bad_input)).
bool status_args_rejected(const std::string& args) {
  StatusOptions options;
  try {
    options = parse_status(args);
  } catch (const CLI::ParseError&) {
    return true;
  }
  const auto error = tool_error_of([&] { linktools::validate(options); });
  return error && error->code() == ExitCode::bad_input;
}

bool tempo_args_rejected(const std::string& args) {
  TempoOptions options;
  try {
    options = parse_tempo(args);
  } catch (const CLI::ParseError&) {
    return true;
  }
  const auto error = tool_error_of([&] { linktools::validate(options); });
  return error && error->code() == ExitCode::bad_input;
}

} // namespace

// --- link-status parsing ------------------------------------------------------

TEST_CASE("link-status: defaults") {
  const auto options = parse_status("");
  CHECK(options.common.quantum == 4.0);
  CHECK_FALSE(options.common.json);
  CHECK(options.common.timeout_s == 1.0);
  CHECK_FALSE(options.common.peers.has_value());
  CHECK_FALSE(options.watch);
  CHECK(options.interval_ms == 1000);
  CHECK_NOTHROW(linktools::validate(options));
}

TEST_CASE("link-status: every option parsed") {
  SUBCASE("string form") {
    const auto options =
        parse_status("--json --quantum 3 --timeout 2.5 --peers 2 --watch --interval 250");
    CHECK(options.common.json);
    CHECK(options.common.quantum == 3.0);
    CHECK(options.common.timeout_s == 2.5);
    REQUIRE(options.common.peers.has_value());
    CHECK(*options.common.peers == 2);
    CHECK(options.watch);
    CHECK(options.interval_ms == 250);
    CHECK_NOTHROW(linktools::validate(options));
  }
  SUBCASE("argument vector (reversed, as CLI11 takes it) with short flags") {
    StatusOptions options;
    auto app = make_status_app(options);
    std::vector<std::string> reversed{"1.5", "-q", "-w"}; // "-w -q 1.5"
    app->parse(reversed);
    CHECK(options.watch);
    CHECK(options.common.quantum == 1.5);
    CHECK_FALSE(options.common.json);
  }
  SUBCASE("--name=value form") {
    const auto options = parse_status("--quantum=6 --peers=0 --timeout=0");
    CHECK(options.common.quantum == 6.0);
    REQUIRE(options.common.peers.has_value());
    CHECK(*options.common.peers == 0);
    CHECK(options.common.timeout_s == 0.0);
    CHECK_NOTHROW(linktools::validate(options));
  }
}

TEST_CASE("link-status: unknown options and missing values are parse errors") {
  CHECK_THROWS_AS(parse_status("--bogus"), CLI::ParseError);
  CHECK_THROWS_AS(parse_status("--quantum"), CLI::ParseError);
  CHECK_THROWS_AS(parse_status("--quantum four"), CLI::ParseError);
  CHECK_THROWS_AS(parse_status("--interval 1.5"), CLI::ParseError);
  CHECK_THROWS_AS(parse_status("extra"), CLI::ParseError);
  // link-status takes no tempo word and no --play.
  CHECK_THROWS_AS(parse_status("--play"), CLI::ParseError);
}

TEST_CASE("link-status: --help and --version are CLI11's success exits") {
  CHECK_THROWS_AS(parse_status("--help"), CLI::CallForHelp);
  CHECK_THROWS_AS(parse_status("-h"), CLI::CallForHelp);
  CHECK_THROWS_AS(parse_status("--version"), CLI::CallForVersion);
  CHECK_THROWS_AS(parse_status("-V"), CLI::CallForVersion);
}

// --- common validation ---------------------------------------------------------

TEST_CASE("validate: accepted boundaries") {
  for (const char* args : {"--quantum 64", "--quantum 0.5", "--quantum 1", "--timeout 0",
                           "--timeout 3600", "--peers 0", "--peers 1000", "--interval 10",
                           "--interval 3600000"}) {
    CAPTURE(args);
    CHECK_FALSE(status_args_rejected(args));
  }
}

TEST_CASE("validate: --quantum out of range is bad input") {
  for (const char* args : {"--quantum 0", "--quantum=-1", "--quantum 65", "--quantum 64.001"}) {
    CAPTURE(args);
    const auto options = parse_status(args);
    const auto error = tool_error_of([&] { linktools::validate(options); });
    REQUIRE(error.has_value());
    CHECK(error->code() == ExitCode::bad_input);
  }
}

TEST_CASE("validate: a negative value as a separate word reaches validate") {
  // CLI11 takes "-1" after an option as its value, not as a short flag.
  const auto options = parse_status("--quantum -1 --timeout -1");
  CHECK(options.common.quantum == -1.0);
  CHECK(options.common.timeout_s == -1.0);
  CHECK_THROWS_WITH_AS(linktools::validate(options),
                       "--quantum: expected a number of beats from 0.0625 to 64, got -1", ToolError);
}

TEST_CASE("validate: --quantum nan and inf parse as numbers and validate rejects them") {
  // CLI11 converts floating-point values with strtold, which accepts "nan" and "inf".
  for (const char* args : {"--quantum nan", "--quantum inf", "--quantum=-inf"}) {
    CAPTURE(args);
    const auto options = parse_status(args);
    CHECK_FALSE(std::isfinite(options.common.quantum));
    const auto error = tool_error_of([&] { linktools::validate(options); });
    REQUIRE(error.has_value());
    CHECK(error->code() == ExitCode::bad_input);
    CHECK(std::string(error->what()).rfind("--quantum: ", 0) == 0);
  }
}

TEST_CASE("validate: error messages name the flag and what was expected") {
  SUBCASE("--quantum 0") {
    const auto options = parse_status("--quantum 0");
    CHECK_THROWS_WITH_AS(linktools::validate(options),
                         "--quantum: expected a number of beats from 0.0625 to 64, got 0", ToolError);
  }
  SUBCASE("--timeout 3601") {
    const auto options = parse_status("--timeout 3601");
    CHECK_THROWS_WITH_AS(linktools::validate(options),
                         "--timeout: expected seconds in 0..3600, got 3601", ToolError);
  }
  SUBCASE("--interval 5") {
    const auto options = parse_status("--interval 5");
    CHECK_THROWS_WITH_AS(linktools::validate(options),
                         "--interval: expected milliseconds in 10..3600000, got 5", ToolError);
  }
  SUBCASE("--peers 1001") {
    const auto options = parse_status("--peers 1001");
    CHECK_THROWS_WITH_AS(linktools::validate(options), "--peers: expected 0..1000, got 1001",
                         ToolError);
  }
}

TEST_CASE("validate: --timeout out of range is bad input") {
  for (const char* args : {"--timeout=-1", "--timeout 3601", "--timeout 3600.5", "--timeout nan",
                           "--timeout inf"}) {
    CAPTURE(args);
    const auto options = parse_status(args);
    const auto error = tool_error_of([&] { linktools::validate(options); });
    REQUIRE(error.has_value());
    CHECK(error->code() == ExitCode::bad_input);
    CHECK(std::string(error->what()).rfind("--timeout: ", 0) == 0);
  }
  CHECK(status_args_rejected("--timeout -1"));
  CHECK(status_args_rejected("--timeout 1s"));
}

TEST_CASE("validate: --interval out of range is bad input") {
  for (const char* args : {"--interval 5", "--interval 9", "--interval 3600001", "--interval 0",
                           "--interval=-10"}) {
    CAPTURE(args);
    const auto options = parse_status(args);
    const auto error = tool_error_of([&] { linktools::validate(options); });
    REQUIRE(error.has_value());
    CHECK(error->code() == ExitCode::bad_input);
    CHECK(std::string(error->what()).rfind("--interval: ", 0) == 0);
  }
}

TEST_CASE("validate: --peers above 1000 is bad input") {
  const auto options = parse_status("--peers 1001");
  const auto error = tool_error_of([&] { linktools::validate(options); });
  REQUIRE(error.has_value());
  CHECK(error->code() == ExitCode::bad_input);
  CHECK(status_args_rejected("--peers -1"));
  CHECK(status_args_rejected("--peers=-1"));
  CHECK_THROWS_AS(parse_status("--peers 2.5"), CLI::ParseError);
}

TEST_CASE("validate: a negative --peers is reported as given, not wrapped around") {
  // CLI11 reads an unsigned option with strtoull, which turns "-1" into the
  // largest size_t; the message must show what the user wrote.
  for (const char* args : {"--peers -1", "--peers=-1"}) {
    CAPTURE(args);
    const auto options = parse_status(args);
    CHECK_THROWS_WITH_AS(linktools::validate(options), "--peers: expected 0..1000, got -1", ToolError);
  }
  const auto tempo = parse_tempo("--peers -3 128");
  CHECK_THROWS_WITH_AS(linktools::validate(tempo), "--peers: expected 0..1000, got -3", ToolError);
  // Far past any count, either way: still the number as written.
  CHECK_THROWS_WITH_AS(linktools::validate(parse_status("--peers=-1000000")),
                       "--peers: expected 0..1000, got -1000000", ToolError);
}

TEST_CASE("CommonOptions::timeout rounds seconds to milliseconds") {
  CommonOptions options;
  options.timeout_s = 1.5;
  CHECK(options.timeout() == std::chrono::milliseconds(1500));
  options.timeout_s = 0.0;
  CHECK(options.timeout() == std::chrono::milliseconds(0));
  options.timeout_s = 0.0004;
  CHECK(options.timeout() == std::chrono::milliseconds(0));
  options.timeout_s = 0.0006;
  CHECK(options.timeout() == std::chrono::milliseconds(1));
  options.timeout_s = 3600.0;
  CHECK(options.timeout() == std::chrono::milliseconds(3'600'000));
}

// --- link-tempo parsing ---------------------------------------------------------

TEST_CASE("link-tempo: defaults print the tempo") {
  const auto options = parse_tempo("");
  CHECK_FALSE(options.word.has_value());
  CHECK_FALSE(options.play);
  CHECK_FALSE(options.stop);
  CHECK_FALSE(options.at_next_bar);
  CHECK_FALSE(options.changes_something());
  CHECK(options.common.quantum == 4.0);
  CHECK_NOTHROW(linktools::validate(options));
}

TEST_CASE("link-tempo: tempo words") {
  SUBCASE("set") {
    const auto options = parse_tempo("128");
    REQUIRE(options.word.has_value());
    CHECK(*options.word == "128");
    CHECK(options.changes_something());
    CHECK_NOTHROW(linktools::validate(options));
  }
  SUBCASE("positive nudge") {
    const auto options = parse_tempo("+2");
    REQUIRE(options.word.has_value());
    CHECK(*options.word == "+2");
    CHECK_NOTHROW(linktools::validate(options));
  }
  SUBCASE("negative nudge after --") {
    const auto options = parse_tempo("--json -- -2.5");
    REQUIRE(options.word.has_value());
    CHECK(*options.word == "-2.5");
    CHECK(options.common.json);
    CHECK_NOTHROW(linktools::validate(options));
  }
  SUBCASE("argument vector (reversed)") {
    TempoOptions options;
    auto app = make_tempo_app(options);
    std::vector<std::string> reversed{"--at-next-bar", "3", "-q", "140"}; // "140 -q 3 --at-next-bar"
    app->parse(reversed);
    REQUIRE(options.word.has_value());
    CHECK(*options.word == "140");
    CHECK(options.common.quantum == 3.0);
    CHECK(options.at_next_bar);
    CHECK_NOTHROW(linktools::validate(options));
  }
}

TEST_CASE("link-tempo: transport flags") {
  SUBCASE("--play") {
    const auto options = parse_tempo("--play");
    CHECK(options.play);
    CHECK_FALSE(options.stop);
    CHECK(options.changes_something());
    CHECK_NOTHROW(linktools::validate(options));
  }
  SUBCASE("--stop --at-next-bar") {
    const auto options = parse_tempo("--stop --at-next-bar");
    CHECK(options.stop);
    CHECK(options.at_next_bar);
    CHECK_NOTHROW(linktools::validate(options));
  }
  SUBCASE("a tempo and --play together") {
    const auto options = parse_tempo("120 --play --peers 1 --timeout 3");
    REQUIRE(options.word.has_value());
    CHECK(*options.word == "120");
    CHECK(options.play);
    REQUIRE(options.common.peers.has_value());
    CHECK(*options.common.peers == 1);
    CHECK(options.common.timeout_s == 3.0);
    CHECK_NOTHROW(linktools::validate(options));
  }
}

TEST_CASE("link-tempo: --play with --stop is a parse error") {
  CHECK_THROWS_AS(parse_tempo("--play --stop"), CLI::ParseError);
  CHECK_THROWS_AS(parse_tempo("--stop --play"), CLI::ParseError);
  CHECK_THROWS_AS(parse_tempo("--play --stop"), CLI::ExcludesError);
}

TEST_CASE("link-tempo: validate also refuses --play with --stop set directly") {
  TempoOptions options;
  options.play = true;
  options.stop = true;
  const auto error = tool_error_of([&] { linktools::validate(options); });
  REQUIRE(error.has_value());
  CHECK(error->code() == ExitCode::bad_input);
  CHECK(std::string(error->what()) == "--play and --stop: choose one");
}

TEST_CASE("link-tempo: --at-next-bar alone is bad input") {
  const auto options = parse_tempo("--at-next-bar");
  const auto error = tool_error_of([&] { linktools::validate(options); });
  REQUIRE(error.has_value());
  CHECK(error->code() == ExitCode::bad_input);
  CHECK(std::string(error->what()) == "--at-next-bar: needs a tempo, --play or --stop to apply");
}

TEST_CASE("link-tempo: bad tempo words are bad input at validate") {
  for (const char* args : {"abc", "12x", "0", "1000", "19.99", "999.01", "nan", "inf", "+",
                           "+abc"}) {
    CAPTURE(args);
    const auto options = parse_tempo(args);
    REQUIRE(options.word.has_value());
    const auto error = tool_error_of([&] { linktools::validate(options); });
    REQUIRE(error.has_value());
    CHECK(error->code() == ExitCode::bad_input);
  }
}

TEST_CASE("link-tempo: a bad tempo word's message names the word and what was expected") {
  const auto options = parse_tempo("abc");
  CHECK_THROWS_WITH_AS(linktools::validate(options),
                       "tempo 'abc': expected a tempo in BPM (20..999), or +N / -N to nudge",
                       ToolError);
  const auto too_fast = parse_tempo("1000");
  CHECK_THROWS_WITH_AS(linktools::validate(too_fast),
                       "tempo '1000': expected 20..999 BPM, got 1000", ToolError);
}

TEST_CASE("link-tempo: common options are validated too") {
  CHECK(tempo_args_rejected("128 --quantum 0"));
  CHECK(tempo_args_rejected("128 --quantum 65"));
  CHECK(tempo_args_rejected("--timeout 3601"));
  CHECK(tempo_args_rejected("--peers 1001"));
  CHECK(tempo_args_rejected("--quantum nan"));
  CHECK_FALSE(tempo_args_rejected("128 --quantum 64 --timeout 3600 --peers 1000"));
}

TEST_CASE("link-tempo: two tempo words are a parse error") {
  CHECK_THROWS_AS(parse_tempo("120 130"), CLI::ParseError);
}
