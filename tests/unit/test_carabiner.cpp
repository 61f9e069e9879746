// The Carabiner protocol without sockets: every command's reply text, every
// error, and the reading of a byte stream however it is cut.
#include "carabiner/Commands.hpp"
#include "carabiner/Protocol.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <random>
#include <string>
#include <vector>

using namespace linktools;
using namespace linktools::carabiner;

namespace {

// A session of our own at 120 BPM with beat 0 at 1 s, looked at 3 s in
// (beat 4), with no network.
class FakeSession final : public SessionAccess {
public:
  SessionState capture() const override { return state_; }
  void commit(const SessionState& state) override { state_ = state; }
  HostTime now() const override { return now_; }
  std::size_t peers() const override { return peers_; }
  bool start_stop_sync() const override { return sync_; }
  void enable_start_stop_sync(bool on) override { sync_ = on; }

  SessionState state_ = SessionState::detached(120.0, HostTime(1'000'000));
  HostTime now_{3'000'000};
  std::size_t peers_ = 0;
  bool sync_ = false;
};

// Feeds `chunks` one after the other, then flushes when `flush`, and runs
// every command: the replies, in order.
struct Client {
  FakeSession session;
  Parser parser;
  Format format = Format::edn;
  ClockMap clock;
  std::vector<Outcome> outcomes;

  std::vector<std::string> send(const std::vector<std::string>& chunks, bool flush = false) {
    std::vector<Command> commands;
    for (const auto& chunk : chunks) parser.feed(chunk, commands);
    if (flush) parser.flush(commands);
    std::vector<std::string> replies;
    for (const Command& c : commands) {
      outcomes.push_back(execute(c, session, clock, format, "link-carabiner test"));
      if (!outcomes.back().reply.empty()) replies.push_back(outcomes.back().reply);
    }
    return replies;
  }
  std::vector<std::string> send(const std::string& text, bool flush = false) {
    return send(std::vector<std::string>{text}, flush);
  }
};

using Lines = std::vector<std::string>;

const std::string kStatus = "status { :peers 0 :bpm 120.000000 :start 1000000 :beat 4.000000 }\n";

} // namespace

TEST_CASE("carabiner: every command's reply, byte for byte") {
  Client c;
  CHECK(c.send("status\n") == Lines{kStatus});
  CHECK(c.send("beat-at-time 1500000 4.0\n") ==
        Lines{"beat-at-time { :when 1500000 :quantum 4.000000 :beat 1.000000 }\n"});
  CHECK(c.send("phase-at-time 3250000 4\n") ==
        Lines{"phase-at-time { :when 3250000 :quantum 4.000000 :phase 0.500000 }\n"});
  CHECK(c.send("time-at-beat 2 4\n") ==
        Lines{"time-at-beat { :beat 2.000000 :quantum 4.000000 :when 2000000 }\n"});
  CHECK(c.send("version\n") == Lines{"version \"1.2.0\"\n"});
  // Beat 0 lies before the clock's epoch: :start is negative, a plain integer.
  c.session.state_ = SessionState::detached(120.0, HostTime(1'000'000), 4.0);
  CHECK(c.send("status\n") ==
        Lines{"status { :peers 0 :bpm 120.000000 :start -1000000 :beat 8.000000 }\n"});
}

TEST_CASE("carabiner: :when comes back as the number the client sent") {
  Client c;
  CHECK(c.send("beat-at-time +0012 4\n") ==
        Lines{"beat-at-time { :when 12 :quantum 4.000000 :beat -1.999976 }\n"});
  CHECK(c.send("phase-at-time -250000 4\n") ==
        Lines{"phase-at-time { :when -250000 :quantum 4.000000 :phase 1.500000 }\n"});
}

TEST_CASE("carabiner: bpm answers nothing itself and changes the tempo") {
  Client c;
  CHECK(c.send("bpm 130\n").empty());
  CHECK(c.session.state_.tempo() == doctest::Approx(130.0));
  CHECK(c.send("bpm 1.2e2 bpm +20 bpm 999\n").empty());
  CHECK(c.session.state_.tempo() == doctest::Approx(999.0));
  CHECK(c.send("status\n").front().find(":bpm 999.000000") != std::string::npos);
}

TEST_CASE("carabiner: start/stop sync and the transport") {
  Client c;
  CHECK(c.send("enable-start-stop-sync\n") ==
        Lines{"status { :peers 0 :bpm 120.000000 :start 1000000 :beat 4.000000 :playing false }\n"});
  CHECK(c.session.sync_);
  CHECK(c.send("start-playing 3000000\n") ==
        Lines{"status { :peers 0 :bpm 120.000000 :start 1000000 :beat 4.000000 :playing true }\n"});
  CHECK(c.send("stop-playing 3000000\n").front().find(":playing false }") != std::string::npos);
  CHECK(c.send("disable-start-stop-sync\n") == Lines{kStatus});
  CHECK_FALSE(c.session.sync_);
}

TEST_CASE("carabiner: force and request move the grid and answer a status") {
  Client c;
  c.session.peers_ = 2;
  CHECK(c.send("force-beat-at-time 10 3000000 4\n") ==
        Lines{"status { :peers 2 :bpm 120.000000 :start -2000000 :beat 10.000000 }\n"});
  CHECK(c.outcomes.back().moved_timeline);
  c.send("request-beat-at-time 0 3000000 4\n");
  CHECK(c.outcomes.back().moved_timeline);
  // Link keeps the phase of a request: beat 10 was phase 2, so the beat
  // nearest to 0 with that phase.
  CHECK(c.session.state_.beat_at_time(HostTime(3'000'000), 4.0) == doctest::Approx(-2.0));
}

TEST_CASE("carabiner: bad arguments and unknown words") {
  Client c;
  CHECK(c.send("bpm 19.99\n") == Lines{"bad-bpm\n"});
  CHECK(c.send("bpm 999.5\n") == Lines{"bad-bpm\n"});
  CHECK(c.send("bpm abc\n") == Lines{"bad-bpm\n"});
  CHECK(c.send("bpm nan\n") == Lines{"bad-bpm\n"});
  CHECK(c.send("bpm inf\n") == Lines{"bad-bpm\n"});
  CHECK(c.send("bpm 12abc\n") == Lines{"bad-bpm\n"});
  CHECK(c.send("bpm 0x7f\n") == Lines{"bad-bpm\n"});
  CHECK(c.send("beat-at-time x 4\n") == Lines{"bad-time\n"});
  CHECK(c.send("beat-at-time 9007199254740993 4\n") == Lines{"bad-time\n"});
  CHECK(c.send("beat-at-time 9007199254740992 4\n").front().rfind("beat-at-time {", 0) == 0);
  CHECK(c.send("beat-at-time 1 1.99\n") == Lines{"bad-quantum\n"});
  CHECK(c.send("phase-at-time 1 16.5\n") == Lines{"bad-quantum\n"});
  CHECK(c.send("time-at-beat z 4\n") == Lines{"bad-beat\n"});
  CHECK(c.send("time-at-beat 3e9 4\n") == Lines{"bad-beat\n"});
  CHECK(c.send("force-beat-at-time 1 x 4\n") == Lines{"bad-time\n"});
  CHECK(c.send("request-beat-at-time 1 2 3 4\n").back() == "unsupported 4\n");
  CHECK(c.send("start-playing now\n") == Lines{"bad-time\n"});
  CHECK(c.send("Status\n") == Lines{"unsupported Status\n"});
  CHECK(c.session.state_.tempo() == doctest::Approx(120.0));
}

TEST_CASE("carabiner: an error skips the rest of its line; a command without arguments does not") {
  Client c;
  CHECK(c.send("bpm 10 status\nversion\n") == Lines{"bad-bpm\n", "version \"1.2.0\"\n"});
  CHECK(c.send("foo bar status\nstatus\n") == Lines{"unsupported foo\n", kStatus});
  CHECK(c.send("status foo\n") == Lines{kStatus, "unsupported foo\n"});
}

TEST_CASE("carabiner: arguments may follow on the next line, as in the original") {
  Client c;
  CHECK(c.send("bpm\n125\n").empty());
  CHECK(c.session.state_.tempo() == doctest::Approx(125.0));
}

TEST_CASE("carabiner: a missing argument counts only when the client goes quiet") {
  Client c;
  CHECK(c.send("start-playing\n").empty());
  CHECK(c.parser.waiting());
  CHECK(c.send(std::vector<std::string>{}, true) == Lines{"bad-time\n"});
  CHECK_FALSE(c.parser.waiting());
  CHECK(c.send("force-beat-at-time 1 2", true) == Lines{"bad-quantum\n"});
}

TEST_CASE("carabiner: clients that send no newline") {
  Client c;
  // Each write is one command; it runs when the client goes quiet.
  CHECK(c.send("status").empty());
  CHECK(c.send(std::vector<std::string>{}, true) == Lines{kStatus});
  CHECK(c.send("bpm 121", true).empty());
  CHECK(c.session.state_.tempo() == doctest::Approx(121.0));
  // After an error the rest of that write is dropped, but not the next one.
  CHECK(c.send("bpm x status", true) == Lines{"bad-bpm\n"});
  CHECK(c.send("version", true) == Lines{"version \"1.2.0\"\n"});
  // Several commands in one write.
  const Lines two = c.send("status version", true);
  REQUIRE(two.size() == 2);
  CHECK(two[0].rfind("status { :peers 0 :bpm 121.000000 ", 0) == 0);
  CHECK(two[1] == "version \"1.2.0\"\n");
}

TEST_CASE("carabiner: a quiet client's last packet is complete, whatever it sent before") {
  auto due_after = [](std::initializer_list<std::string_view> reads) {
    Parser p;
    std::vector<Command> ignored;
    for (auto r : reads) p.feed(r, ignored);
    return p.quiet_flush_due();
  };
  // What the client has sent when it stops to wait for a reply is complete,
  // as Carabiner reads each packet: it runs when the client is quiet.
  CHECK(due_after({"status"}));
  CHECK(due_after({"bpm 12"}));
  CHECK(due_after({"force-beat-at-time 1 2 4"}));
  CHECK(due_after({"bpm x status"})); // the rest of a bad line is dropped
  CHECK(due_after({"foo"}));          // unsupported foo
  CHECK(due_after({"version foo"}));
  CHECK(due_after({"bpm"}));          // bad-bpm: its tempo is missing
  CHECK(due_after({"bpm\n"}));
  CHECK(due_after({"beat-at-time 1"}));
  CHECK(due_after({"beat-at-time 1 "}));
  // Newlines sent before change nothing: the client cannot see them.
  CHECK(due_after({"version\n", "status"}));
  CHECK(due_after({"version\nbpm 12"}));
  CHECK(due_after({"status\n", "bpm\n"}));
  // A command word cut in the middle is no word yet: it waits for its rest.
  CHECK_FALSE(due_after({"sta"}));
  CHECK_FALSE(due_after({"beat-at-t"}));
  CHECK_FALSE(due_after({"version\n", "request-"}));
  // Nothing is left over.
  CHECK_FALSE(due_after({""}));
  CHECK_FALSE(due_after({"status\n"}));
  CHECK_FALSE(due_after({"bpm 120 "}));
}

TEST_CASE("carabiner: a line whose argument is missing when the client waits") {
  Client c;
  // bpm's tempo did not come with it: bad-bpm, and the next packet is a
  // command of its own, not the tempo.
  CHECK(c.send("bpm\n").empty());
  CHECK(c.parser.quiet_flush_due());
  CHECK(c.send(std::vector<std::string>{}, true) == Lines{"bad-bpm\n"});
  CHECK(c.send("status\n") == Lines{kStatus});
  // Within one packet the argument may still follow on the next line.
  CHECK(c.send("bpm\n125\n").empty());
  CHECK(c.session.state_.tempo() == doctest::Approx(125.0));
}

TEST_CASE("carabiner: a stream cut anywhere reads the same") {
  const std::string script =
      "beat-at-time 1500000 4.0\nbpm 125.5\nstatus\nphase-at-time 3250000 4\n"
      "bpm 1 time-at-beat 2 4\nfoo\r\n  version\t status\n";
  Client whole;
  const Lines expected = whole.send(script);
  REQUIRE(expected.size() == 7);
  for (std::size_t cut = 0; cut <= script.size(); ++cut) {
    Client c;
    CHECK(c.send({script.substr(0, cut), script.substr(cut)}) == expected);
  }
  Client bytes;
  std::vector<std::string> one_by_one;
  for (char ch : script) one_by_one.emplace_back(1, ch);
  CHECK(bytes.send(one_by_one) == expected);
}

TEST_CASE("carabiner: garbage is answered once and never buffered") {
  Client c;
  // A megabyte with no whitespace, in 4 KiB reads: one reply, then the
  // rest of the word and its line are dropped as they come.
  const std::string chunk(4096, 'x');
  std::vector<Command> commands;
  for (int i = 0; i < 256; ++i) {
    c.parser.feed(chunk, commands);
    CHECK(c.parser.buffered() <= kMaxPendingCommand + kMaxWord);
  }
  REQUIRE(commands.size() == 1);
  CHECK(commands[0].verb == Verb::unsupported);
  CHECK(commands[0].word == std::string(kMaxEchoedWord, 'x') + "...");
  CHECK(c.send(" more garbage\nstatus\n") == Lines{kStatus});

  // An argument that never ends is a bad argument.
  Client d;
  CHECK(d.send({"beat-at-time ", std::string(100, '1'), std::string(100, '2'), " 4\nversion\n"}) ==
        Lines{"bad-time\n", "version \"1.2.0\"\n"});

  // Whitespace while an argument is awaited does not pile up either.
  Client e;
  std::vector<Command> more;
  e.parser.feed("bpm", more);
  for (int i = 0; i < 100; ++i) {
    e.parser.feed(std::string(1000, ' '), more);
    CHECK(e.parser.buffered() <= kMaxPendingCommand + kMaxWord);
  }
  REQUIRE(more.size() == 1);
  CHECK(more[0].verb == Verb::bad_argument);
}

TEST_CASE("carabiner: binary garbage: every reply is one printable line, memory stays bounded") {
  std::mt19937 random(20261122);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<int> length(1, 600);
  Client c;
  std::size_t replies = 0;
  for (int read = 0; read < 2000; ++read) {
    std::string chunk(static_cast<std::size_t>(length(random)), '\0');
    for (char& ch : chunk) ch = static_cast<char>(byte(random));
    for (const std::string& reply : c.send(chunk, read % 7 == 0)) {
      ++replies;
      REQUIRE(!reply.empty());
      CHECK(reply.back() == '\n');
      CHECK(reply.find('\n') == reply.size() - 1);
      for (char ch : reply.substr(0, reply.size() - 1))
        CHECK((static_cast<unsigned char>(ch) >= 0x20 && static_cast<unsigned char>(ch) < 0x7F));
    }
    CHECK(c.parser.buffered() <= kMaxPendingCommand + kMaxWord);
  }
  CHECK(replies > 0);
  // And the connection still works after it all.
  c.send(std::vector<std::string>{}, true);
  CHECK(c.send("status\n") == Lines{kStatus});
}

TEST_CASE("carabiner: JSON replies for clients that ask for them") {
  Client c;
  const Lines switched = c.send("json\n");
  REQUIRE(switched.size() == 1);
  const auto status = nlohmann::json::parse(switched[0]);
  CHECK(status["type"] == "status");
  CHECK(status["peers"] == 0);
  CHECK(status["bpm"] == 120.0);
  CHECK(status["start"] == 1000000);
  CHECK(status["beat"] == 4.0);
  CHECK(status["playing"] == false);
  CHECK(status["start_stop_sync"] == false);
  CHECK(c.send("beat-at-time 1500000 4\n") ==
        Lines{R"({"type":"beat-at-time","when":1500000,"quantum":4.0,"beat":1.0})" "\n"});
  CHECK(c.send("phase-at-time 3250000 4\n") ==
        Lines{R"({"type":"phase-at-time","when":3250000,"quantum":4.0,"phase":0.5})" "\n"});
  CHECK(c.send("time-at-beat 2 4\n") ==
        Lines{R"({"type":"time-at-beat","beat":2.0,"quantum":4.0,"when":2000000})" "\n"});
  CHECK(c.send("version\n") ==
        Lines{R"({"type":"version","version":"1.2.0","server":"link-carabiner test"})" "\n"});
  CHECK(c.send("bpm 5\n") == Lines{R"({"type":"error","error":"bad-bpm"})" "\n"});
  CHECK(c.send("what\"\n") == Lines{R"({"type":"unsupported","word":"what\""})" "\n"});
  CHECK(c.send("edn\n") == Lines{kStatus});
}

TEST_CASE("carabiner: clients on another clock: their times are mapped both ways") {
  Client c;
  c.clock.link_minus_client = 500;
  CHECK(c.send("status\n") ==
        Lines{"status { :peers 0 :bpm 120.000000 :start 999500 :beat 4.000000 }\n"});
  CHECK(c.send("beat-at-time 1499500 4\n") ==
        Lines{"beat-at-time { :when 1499500 :quantum 4.000000 :beat 1.000000 }\n"});
  CHECK(c.send("time-at-beat 2 4\n") ==
        Lines{"time-at-beat { :beat 2.000000 :quantum 4.000000 :when 1999500 }\n"});
  c.send("force-beat-at-time 0 2999500 4\n");
  CHECK(c.session.state_.beat_at_time(HostTime(3'000'000), 4.0) == doctest::Approx(0.0));
}


TEST_CASE("carabiner: numbers are read as Carabiner's streams read them") {
  Client c;
  // A number ends where its characters end (the C++ stream's grammar), and
  // the rest of its word is read next: as a time, 1.5 is 1, and .5 is then
  // the quantum.
  CHECK(c.send("beat-at-time 1.5 4\n") == Lines{"bad-quantum\n"});
  CHECK(c.send("beat-at-time 1e6 4\n") == Lines{"bad-quantum\n"});
  CHECK(c.send("phase-at-time 0x10 4\n") == Lines{"bad-quantum\n"});
  CHECK(c.send("beat-at-time 1500000 4.0x\n") ==
        Lines{"beat-at-time { :when 1500000 :quantum 4.000000 :beat 1.000000 }\n", "unsupported x\n"});
  CHECK(c.send("time-at-beat 2 4status\n") ==
        Lines{"time-at-beat { :beat 2.000000 :quantum 4.000000 :when 2000000 }\n", kStatus});
  CHECK(c.send("bpm 130abc\n") == Lines{"unsupported abc\n"});
  CHECK(c.session.state_.tempo() == doctest::Approx(130.0));
  CHECK(c.send("bpm 121.5.5\n") == Lines{"unsupported .5\n"});
  CHECK(c.session.state_.tempo() == doctest::Approx(121.5));
  // A value out of range skips the rest of the line, the rest of its word too.
  CHECK(c.send("bpm 12abc status\nversion\n") == Lines{"bad-bpm\n", "version \"1.2.0\"\n"});
  // What the grammar takes must be a number.
  CHECK(c.send("bpm 1e\n") == Lines{"bad-bpm\n"});
  CHECK(c.send("bpm +-120\n") == Lines{"bad-bpm\n"});
  CHECK(c.send("bpm .\n") == Lines{"bad-bpm\n"});
  CHECK(c.send("bpm 1e400\n") == Lines{"bad-bpm\n"}); // too large: refused
  Client d; // at 120 BPM again
  CHECK(d.send("time-at-beat .5e1 4\n") ==
        Lines{"time-at-beat { :beat 5.000000 :quantum 4.000000 :when 3500000 }\n"});
  CHECK(d.send("time-at-beat 1e-400 4\n") == // too small: zero
        Lines{"time-at-beat { :beat 0.000000 :quantum 4.000000 :when 1000000 }\n"});
  CHECK(d.send("beat-at-time -0 +4\n") ==
        Lines{"beat-at-time { :when 0 :quantum 4.000000 :beat -2.000000 }\n"});
  // Kept on purpose (man page): beyond what Link's fixed-point arithmetic
  // holds, a number is refused where Carabiner answers garbage.
  CHECK(c.send("time-at-beat 1e300 4\n") == Lines{"bad-beat\n"});
  CHECK(c.send("beat-at-time 9007199254740993 4\n") == Lines{"bad-time\n"});
}
