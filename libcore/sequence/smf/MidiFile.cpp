// Standard MIDI File import through libsmf. check_layout() walks the bytes
// first, so libsmf only sees files it reads correctly (see Layout.hpp for what
// it does with the others); libsmf's glib messages are caught and go into the
// error, never to the terminal.
#include "sequence/MidiFile.hpp"

#include "cli/Errors.hpp"
#include "sequence/JsonReader.hpp"
#include "sequence/smf/Layout.hpp"

// smf.h includes glib.h inside its extern "C" block, where glib's C++
// templates do not compile; included first, glib.h's guard skips it there.
#include <glib.h>
#include <smf.h>

#include <fmt/format.h>

#include <array>
#include <cmath>
#include <deque>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

namespace linktools::sequence {

namespace {

constexpr const char* kLogDomain = "libsmf"; // libsmf's G_LOG_DOMAIN
constexpr int kChannels = 16;

// Collects libsmf's log messages while it lives, instead of glib printing them.
class LibsmfMessages {
public:
  LibsmfMessages()
      : handler_(g_log_set_handler(
            kLogDomain,
            static_cast<GLogLevelFlags>(G_LOG_LEVEL_MASK | G_LOG_FLAG_FATAL | G_LOG_FLAG_RECURSION),
            &LibsmfMessages::keep, this)) {}
  ~LibsmfMessages() { g_log_remove_handler(kLogDomain, handler_); }
  LibsmfMessages(const LibsmfMessages&) = delete;
  LibsmfMessages& operator=(const LibsmfMessages&) = delete;

  std::string text() const { return text_.empty() ? "no message" : text_; }

private:
  static void keep(const gchar*, GLogLevelFlags level, const gchar* message, gpointer self) {
    if (level & (G_LOG_LEVEL_INFO | G_LOG_LEVEL_DEBUG)) return;
    auto& text = static_cast<LibsmfMessages*>(self)->text_;
    try {
      if (!text.empty()) text += "; ";
      text += message;
    } catch (...) {
      // Out of memory inside a C callback: losing the message is all we can do.
    }
  }

  std::string text_;
  guint handler_;
};

// Track names are bytes; most files use ASCII, older ones Latin-1. Valid
// UTF-8 is kept, anything else is read as Latin-1, so names are always UTF-8.
// Valid means what our JSON reader takes (json::is_utf8, RFC 3629), since
// `link-seq --to-json` writes the name into JSON.
std::string track_name(const std::uint8_t* text, std::size_t length) {
  std::string name(reinterpret_cast<const char*>(text), length);
  while (!name.empty() && name.back() == '\0') name.pop_back();
  if (json::is_utf8(name)) return name;
  std::string converted;
  for (const char c : name) {
    const auto b = static_cast<unsigned char>(c);
    if (b < 0x80) {
      converted += c;
    } else {
      converted += static_cast<char>(0xC0 | (b >> 6));
      converted += static_cast<char>(0x80 | (b & 0x3F));
    }
  }
  return converted;
}

struct TimeSignature {
  int tick = 0;
  double quantum = 4.0;
};

// One file track's events, split by channel, while notes wait for their note-off.
class FileTrackMapper {
public:
  explicit FileTrackMapper(double ticks_per_quarter) : ticks_per_quarter_(ticks_per_quarter) {}

  void add(const smf_event_t& event, std::optional<TimeSignature>& first_time_signature) {
    const int tick = event.time_pulses;
    end_tick_ = std::max(end_tick_, tick);
    const std::uint8_t* bytes = event.midi_buffer;
    const auto size = static_cast<std::size_t>(event.midi_buffer_length);
    if (bytes[0] == 0xFF) {
      add_meta(tick, bytes, size, first_time_signature);
      return;
    }
    if (bytes[0] >= 0xF0) return; // SysEx and system messages are not played

    const int channel = (bytes[0] & 0x0F) + 1;
    const int status = bytes[0] & 0xF0;
    const bool note_off = status == 0x80 || (status == 0x90 && bytes[2] == 0);
    if (note_off) {
      end_note(channel, bytes[1], tick);
      return;
    }
    Event e;
    e.beat = tick / ticks_per_quarter_;
    switch (status) {
    case 0x90:
      e.kind = EventKind::note;
      e.message = midi::note_on(channel, bytes[1], bytes[2]);
      open_notes_[key(channel, bytes[1])].push_back({tick, events(channel).size()});
      break;
    case 0xB0: e.kind = EventKind::control_change; break;
    case 0xC0: e.kind = EventKind::program_change; break;
    case 0xE0: e.kind = EventKind::pitch_bend; break;
    default: e.kind = EventKind::raw; break; // poly and channel pressure
    }
    if (e.kind != EventKind::note) {
      for (std::size_t i = 0; i < size; ++i) e.message.bytes[i] = bytes[i];
      e.message.size = static_cast<std::uint8_t>(size);
    }
    events(channel).push_back(e);
  }

  // Ends the notes still on at the track's end, then adds its tracks and events.
  void finish(Sequence& sequence) {
    for (auto& [k, waiting] : open_notes_)
      for (const auto& note : waiting) set_duration(k / 128, note, end_tick_);
    open_notes_.clear();

    int channels_used = 0;
    for (const auto& list : by_channel_) channels_used += list.empty() ? 0 : 1;
    for (int channel = 1; channel <= kChannels; ++channel) {
      auto& list = events(channel);
      if (list.empty()) continue;
      Track track;
      track.channel = channel;
      track.name = name_;
      if (channels_used > 1 && !name_.empty()) track.name += fmt::format(" (ch {})", channel);
      const auto track_index = static_cast<std::uint32_t>(sequence.tracks.size());
      sequence.tracks.push_back(std::move(track));
      for (std::size_t i = 0; i < list.size(); ++i) {
        list[i].track = track_index;
        list[i].index = static_cast<std::uint32_t>(i);
        sequence.events.push_back(list[i]);
      }
    }
  }

private:
  struct OpenNote {
    int tick;
    std::size_t index; // in events(channel)
  };

  static int key(int channel, int note) noexcept { return channel * 128 + note; }
  std::vector<Event>& events(int channel) { return by_channel_[static_cast<std::size_t>(channel - 1)]; }

  void add_meta(int tick, const std::uint8_t* bytes, std::size_t size,
                std::optional<TimeSignature>& first_time_signature) {
    // check_layout() let through only meta events whose length fits in one
    // byte, so the data starts at bytes[3].
    if (size < 3) return;
    const std::uint8_t type = bytes[1];
    const std::size_t length = size - 3;
    if (type == 0x03 && !named_) {
      name_ = track_name(bytes + 3, length);
      named_ = true;
    } else if (type == 0x58 && length >= 2) {
      if (!first_time_signature || tick < first_time_signature->tick) {
        // Numerator over 2^power, counted in quarter notes: 6/8 is 3 beats.
        const double beats = std::ldexp(bytes[3] * 4.0, -static_cast<int>(bytes[4]));
        first_time_signature = TimeSignature{tick, beats};
      }
    } else if (type == 0x2F) {
      end_tick_ = tick;
    }
  }

  void end_note(int channel, int note, int tick) {
    const auto found = open_notes_.find(key(channel, note));
    if (found == open_notes_.end() || found->second.empty()) return; // a note-off for nothing
    set_duration(channel, found->second.front(), tick);
    found->second.pop_front();
  }

  void set_duration(int channel, const OpenNote& note, int end_tick) {
    // A note of no length (or cut at the track's end before it starts) lasts one tick.
    const int ticks = std::max(end_tick - note.tick, 1);
    events(channel)[note.index].duration = ticks / ticks_per_quarter_;
  }

  double ticks_per_quarter_;
  int end_tick_ = 0;
  std::string name_;
  bool named_ = false;
  std::array<std::vector<Event>, kChannels> by_channel_;
  std::map<int, std::deque<OpenNote>> open_notes_; // by key(channel, note), oldest first
};

Sequence to_sequence(const smf_t& smf) {
  Sequence sequence;
  std::optional<TimeSignature> first_time_signature;
  for (int t = 1; t <= smf.number_of_tracks; ++t) {
    const smf_track_t* track = smf_get_track_by_number(&smf, t);
    FileTrackMapper mapper(smf.ppqn);
    for (int e = 1; e <= track->number_of_events; ++e)
      mapper.add(*smf_track_get_event_by_number(track, e), first_time_signature);
    mapper.finish(sequence);
  }
  if (first_time_signature && timeline::is_valid_quantum(first_time_signature->quantum))
    sequence.quantum = first_time_signature->quantum;
  sort_events(sequence);
  return sequence;
}

// libsmf's log handlers are per domain, not per call: one load at a time.
std::mutex libsmf_mutex;

} // namespace

Sequence read_midi_file(std::span<const std::uint8_t> bytes, const std::string& path) {
  const auto layout = smf::check_layout(bytes, path);
  if (layout.events_per_track.empty()) return {};
  if (bytes.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()))
    throw bad_input(path, fmt::format("expected a file libsmf can hold (below 2 GiB), got {} bytes",
                                      bytes.size()));

  const std::lock_guard lock(libsmf_mutex);
  const LibsmfMessages messages;
  const std::unique_ptr<smf_t, decltype(&smf_delete)> smf(
      smf_load_from_memory(bytes.data(), static_cast<int>(bytes.size())), &smf_delete);
  // A disagreement with the layout walk would mean libsmf misread the file.
  bool as_walked = smf && smf->ppqn == layout.ticks_per_quarter &&
                   smf->number_of_tracks == static_cast<int>(layout.events_per_track.size());
  for (int t = 1; as_walked && t <= smf->number_of_tracks; ++t)
    as_walked = smf_get_track_by_number(smf.get(), t)->number_of_events ==
                layout.events_per_track[static_cast<std::size_t>(t - 1)];
  if (!as_walked)
    throw bad_input(path, fmt::format("expected a Standard MIDI File, got one that libsmf "
                                      "cannot read (libsmf: {})",
                                      messages.text()));
  return to_sequence(*smf);
}

} // namespace linktools::sequence
