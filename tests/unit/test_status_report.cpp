#include <doctest/doctest.h>

#include "session/StatusReport.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <set>
#include <string>

using linktools::beat_indicator;
using linktools::format_live_line;
using linktools::format_summary;
using linktools::StatusReport;

namespace {

StatusReport sample_report() {
  StatusReport r;
  r.tempo = 128.5;
  r.beat = 5.5;
  r.phase = 1.5;
  r.quantum = 4.0;
  r.is_playing = true;
  r.peers = 2;
  r.start_stop_sync = true;
  r.time_us = 123'456'789'012;
  return r;
}

} // namespace

// --- JSON -------------------------------------------------------------------

TEST_CASE("to_json: exactly the documented keys") {
  const nlohmann::json j = sample_report();
  REQUIRE(j.is_object());
  std::set<std::string> keys;
  for (const auto& item : j.items()) keys.insert(item.key());
  const std::set<std::string> expected{"tempo",      "beat",  "phase",           "quantum",
                                       "is_playing", "peers", "start_stop_sync", "time_us"};
  CHECK(keys == expected);
}

TEST_CASE("to_json: value types") {
  const nlohmann::json j = sample_report();
  CHECK(j.at("tempo").is_number_float());
  CHECK(j.at("beat").is_number_float());
  CHECK(j.at("phase").is_number_float());
  CHECK(j.at("quantum").is_number_float());
  CHECK(j.at("is_playing").is_boolean());
  CHECK(j.at("peers").is_number_unsigned());
  CHECK(j.at("start_stop_sync").is_boolean());
  CHECK(j.at("time_us").is_number_integer());
  CHECK_FALSE(j.at("time_us").is_number_float());
}

TEST_CASE("to_json: values") {
  const nlohmann::json j = sample_report();
  CHECK(j.at("tempo").get<double>() == 128.5);
  CHECK(j.at("beat").get<double>() == 5.5);
  CHECK(j.at("phase").get<double>() == 1.5);
  CHECK(j.at("quantum").get<double>() == 4.0);
  CHECK(j.at("is_playing").get<bool>() == true);
  CHECK(j.at("peers").get<std::size_t>() == 2);
  CHECK(j.at("start_stop_sync").get<bool>() == true);
  CHECK(j.at("time_us").get<std::int64_t>() == 123'456'789'012);
}

TEST_CASE("to_json: a whole tempo still serializes as a floating-point number") {
  StatusReport r = sample_report();
  r.tempo = 120.0;
  r.quantum = 3.0;
  const nlohmann::json j = r;
  CHECK(j.at("tempo").is_number_float());
  CHECK(j.dump().find("\"tempo\":120.0") != std::string::npos);
  CHECK(j.dump().find("\"quantum\":3.0") != std::string::npos);
}

TEST_CASE("JSON round trip gives back the same report") {
  SUBCASE("sample") {
    const StatusReport original = sample_report();
    const auto back = nlohmann::json::parse(nlohmann::json(original).dump()).get<StatusReport>();
    CHECK(back == original);
  }
  SUBCASE("default, stopped, negative time") {
    StatusReport original;
    original.time_us = -42;
    original.beat = -1.25;
    const auto back = nlohmann::json::parse(nlohmann::json(original).dump()).get<StatusReport>();
    CHECK(back == original);
  }
}

TEST_CASE("from_json: a missing key throws") {
  nlohmann::json j = sample_report();
  j.erase("peers");
  StatusReport r;
  CHECK_THROWS_AS(j.get_to(r), nlohmann::json::out_of_range);
}

// --- format_summary -----------------------------------------------------------

TEST_CASE("format_summary: the whole text") {
  CHECK(format_summary(sample_report()) == "tempo      128.50 BPM\n"
                                           "beat       5.500 (bar 2, beat 2 of 4)\n"
                                           "phase      1.500 / 4\n"
                                           "transport  playing\n"
                                           "peers      2");
}

TEST_CASE("format_summary: tempo with two decimals") {
  StatusReport r = sample_report();
  r.tempo = 119.996;
  CHECK(format_summary(r).rfind("tempo      120.00 BPM\n", 0) == 0);
  r.tempo = 99.5;
  CHECK(format_summary(r).rfind("tempo      99.50 BPM\n", 0) == 0);
}

TEST_CASE("format_summary: bar and beat of the bar") {
  StatusReport r = sample_report();
  SUBCASE("first beat of the first bar") {
    r.beat = 0.0;
    r.phase = 0.0;
    CHECK(format_summary(r).find("(bar 1, beat 1 of 4)") != std::string::npos);
  }
  SUBCASE("last beat of the third bar") {
    r.beat = 11.75;
    r.phase = 3.75;
    CHECK(format_summary(r).find("(bar 3, beat 4 of 4)") != std::string::npos);
  }
  SUBCASE("quantum 3") {
    r.beat = 7.5;
    r.phase = 1.5;
    r.quantum = 3.0;
    const auto text = format_summary(r);
    CHECK(text.find("beat       7.500 (bar 3, beat 2 of 3)\n") != std::string::npos);
    CHECK(text.find("phase      1.500 / 3\n") != std::string::npos);
  }
  SUBCASE("fractional quantum") {
    r.beat = 2.0;
    r.phase = 0.5;
    r.quantum = 1.5;
    CHECK(format_summary(r).find("(bar 2, beat 1 of 1.5)") != std::string::npos);
  }
}

TEST_CASE("format_summary: transport and peers") {
  StatusReport r = sample_report();
  SUBCASE("playing") {
    CHECK(format_summary(r).find("transport  playing\n") != std::string::npos);
  }
  SUBCASE("stopped") {
    r.is_playing = false;
    const auto text = format_summary(r);
    CHECK(text.find("transport  stopped\n") != std::string::npos);
    CHECK(text.find("playing") == std::string::npos);
  }
  SUBCASE("no peers") {
    r.peers = 0;
    const auto text = format_summary(r);
    CHECK(text.substr(text.rfind('\n') + 1) == "peers      0");
  }
}

// --- format_live_line -----------------------------------------------------------

TEST_CASE("format_live_line: the whole line") {
  CHECK(format_live_line(sample_report()) ==
        " 128.50 BPM | 2 peers | playing | \u25CB \u25CF \u25CB \u25CB | 1.50/4");
}

TEST_CASE("format_live_line: one peer, stopped, first beat") {
  StatusReport r = sample_report();
  r.peers = 1;
  r.is_playing = false;
  r.phase = 0.25;
  r.tempo = 90.0;
  CHECK(format_live_line(r) == "  90.00 BPM | 1 peer | stopped | \u25CF \u25CB \u25CB \u25CB | 0.25/4");
}

TEST_CASE("format_live_line: a transport no peer shares says so") {
  StatusReport r = sample_report();
  r.peers = 1;
  r.is_playing = false;
  r.transport_known = false;
  CHECK(format_live_line(r) ==
        " 128.50 BPM | 1 peer | session transport unknown: stopped | \u25CB \u25CF \u25CB \u25CB | 1.50/4");
  const auto text = format_summary(r);
  CHECK(text.find("transport  session transport unknown: stopped\n") != std::string::npos);
}

TEST_CASE("format_live_line contains the beat indicator") {
  StatusReport r = sample_report();
  r.phase = 2.5;
  r.quantum = 3.0;
  CHECK(format_live_line(r).find(beat_indicator(2.5, 3.0)) != std::string::npos);
  CHECK(format_live_line(r).find("\u25CB \u25CB \u25CF") != std::string::npos);
}

// --- beat_indicator -----------------------------------------------------------

TEST_CASE("beat_indicator: four beats") {
  CHECK(beat_indicator(0.0, 4.0) == "\u25CF \u25CB \u25CB \u25CB");
  CHECK(beat_indicator(0.0, 4.0) == "● ○ ○ ○");
  CHECK(beat_indicator(1.0, 4.0) == "○ ● ○ ○");
  CHECK(beat_indicator(2.5, 4.0) == "○ ○ ● ○");
  CHECK(beat_indicator(3.99, 4.0) == "○ ○ ○ ●");
}

TEST_CASE("beat_indicator: other quanta") {
  CHECK(beat_indicator(0.0, 3.0) == "● ○ ○");
  CHECK(beat_indicator(2.5, 3.0) == "○ ○ ●");
  CHECK(beat_indicator(0.7, 1.0) == "●");
  CHECK(beat_indicator(1.2, 1.5) == "○ ●");
  CHECK(beat_indicator(15.5, 16.0) == "○ ○ ○ ○ ○ ○ ○ ○ ○ ○ ○ ○ ○ ○ ○ ●");
}

TEST_CASE("beat_indicator: more than 16 beats falls back to text") {
  CHECK(beat_indicator(2.5, 17.0) == "beat 3 of 17");
  CHECK(beat_indicator(0.0, 64.0) == "beat 1 of 64");
  CHECK(beat_indicator(16.25, 16.5) == "beat 17 of 17");
}
