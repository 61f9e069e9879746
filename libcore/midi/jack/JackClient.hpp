#pragma once
// What every JACK client of ours needs: opening a client of a running server
// (never starting one) with JACK's own messages silenced, and the bracketed
// reading of Link's clock around JACK's that feeds a ClockOffset. Shared by
// the jack backend and bench/clock-receiver.

#include "midi/ClockOffset.hpp"

#include <jack/jack.h>

#include <memory>
#include <string>
#include <string_view>

namespace linktools {
class Session;
}

namespace linktools::midi::jack {

struct ClientCloser {
  void operator()(jack_client_t* client) const { jack_client_close(client); }
};
using ClientPtr = std::unique_ptr<jack_client_t, ClientCloser>;

// nullptr when no server runs.
ClientPtr try_open_client(const std::string& name);
// Throws ToolError(failure) when no server runs; the message ends with
// `otherwise`, what the user can do instead ("or use --backend jsonl").
ClientPtr open_client(const std::string& name, std::string_view otherwise);

// Reads Link's clock just before and after JACK's and adds the reading to
// `offset`. Realtime-safe: call it from the process callback every cycle.
void sample_offset(const Session& session, ClockOffset& offset) noexcept;

} // namespace linktools::midi::jack
