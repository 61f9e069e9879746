#include "carabiner/CarabinerCommand.hpp"

#include "cli/Output.hpp"
#include "session/Session.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <string_view>
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

std::vector<std::string> gflags_to_ours(int argc, char** argv) {
  std::vector<std::string> args;
  for (int i = 0; i < argc; ++i) {
    std::string arg = argv[i];
    if (i > 0) {
      // -port → --port (gflags takes one dash or two).
      for (std::string_view name : {"port", "poll", "daemon", "nodaemon", "listen", "clock", "json"})
        if (arg == fmt::format("-{}", name) || arg.rfind(fmt::format("-{}=", name), 0) == 0) {
          arg.insert(0, "-");
          break;
        }
      if (arg == "--nodaemon" || arg == "--daemon=false") continue;
      if (arg == "--daemon=true") arg = "--daemon";
    }
    args.push_back(std::move(arg));
  }
  return args;
}

} // namespace linktools
