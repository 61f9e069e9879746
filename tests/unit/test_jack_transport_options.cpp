#include <doctest/doctest.h>

#include "TestSupport.hpp"
#include "commands/link-jack-transport/JackTransportCommand.hpp"

#include <string>
#include <vector>

using linktools::ExitCode;
using linktools::JackTransportCommandOptions;
using linktools::testing::tool_error_of;

namespace {
// The options as run_tool parses them; nullopt when CLI11 refuses the words.
std::optional<JackTransportCommandOptions> parsed(std::vector<std::string> words) {
  JackTransportCommandOptions options;
  auto app = linktools::make_jack_transport_app(options);
  words.insert(words.begin(), "link-jack-transport");
  std::vector<char*> argv;
  for (auto& w : words) argv.push_back(w.data());
  try {
    app->parse(static_cast<int>(argv.size()), argv.data());
  } catch (const CLI::ParseError&) {
    return std::nullopt;
  }
  return options;
}
std::string refusal(const std::vector<std::string>& words) {
  const auto options = parsed(words);
  REQUIRE(options);
  const auto error = tool_error_of([&] { linktools::validate(*options); });
  if (!error) return "";
  CHECK(error->code() == ExitCode::bad_input);
  return error->what();
}
} // namespace

TEST_CASE("link-jack-transport options: the defaults are JACK's usual 4/4 at 1920 ticks") {
  const auto options = parsed({});
  REQUIRE(options);
  CHECK(options->common.quantum == 4.0);
  CHECK(options->beat_type == 4.0);
  CHECK(options->ticks_per_beat == 1920.0);
  CHECK(options->name == "link-jack-transport");
  CHECK_FALSE(options->force);
  CHECK_FALSE(options->quantized);
  CHECK_FALSE(options->never_back);
  CHECK(refusal({}).empty());
  CHECK(refusal({"-q", "6", "--beat-type", "8", "--ticks-per-beat", "960", "--force", "--quantized",
                 "--never-back", "-n", "jt", "--json", "--peers", "2", "--timeout", "3"})
            .empty());
}

TEST_CASE("link-jack-transport options: bad values are refused before anything runs") {
  CHECK(refusal({"--beat-type", "3"}) == "--beat-type: expected 1, 2, 4, 8, 16, 32 or 64, got 3");
  CHECK(refusal({"--beat-type", "128"}).rfind("--beat-type", 0) == 0);
  CHECK(refusal({"--ticks-per-beat", "0"}).rfind("--ticks-per-beat: expected a whole number", 0) == 0);
  CHECK(refusal({"--ticks-per-beat", "1.5"}).rfind("--ticks-per-beat", 0) == 0);
  CHECK(refusal({"--ticks-per-beat", "2000000"}).rfind("--ticks-per-beat", 0) == 0);
  CHECK(refusal({"--name", ""}) == "--name: expected 1 to 63 characters, got 0");
  CHECK(refusal({"--name", std::string(64, 'x')}) == "--name: expected 1 to 63 characters, got 64");
  CHECK(refusal({"--quantum", "0"}).rfind("--quantum", 0) == 0);
  CHECK_FALSE(parsed({"--beat-type", "four"}));
  // --jack-leads never takes the timebase, so --force means nothing beside it.
  CHECK_FALSE(parsed({"--jack-leads", "--force"}));
  REQUIRE(parsed({"--jack-leads"}));
  CHECK(parsed({"--jack-leads"})->jack_leads);
  // --never-back is a rule for the positions we give as master.
  CHECK_FALSE(parsed({"--jack-leads", "--never-back"}));
  REQUIRE(parsed({"--never-back"}));
  CHECK(parsed({"--never-back"})->never_back);
}
