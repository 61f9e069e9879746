#pragma once
// link-seq --control: JSON Lines commands on standard input, one reply line
// each on standard output. Each edit builds a new version of the sequence on
// the editing thread (SeqEditor) and offers it to the player as --reload
// does, so it takes over on the same boundary, through the same hand-over.
//
//   {"op":"status"}                      the position, the version playing and
//                                        the one waiting for its boundary
//   {"op":"add","track":T,"events":[..]} link-seq/1 events added to track T
//                                        (a name or index; a new name adds a
//                                        track, "channel" 1..16), beats from
//                                        the boundary, or absolute with
//                                        "at":"beat"
//   {"op":"clear"}                       every event of every track
//   {"op":"clear","track":NAME|INDEX}    every event of one track
//   {"op":"mute"|"unmute","track":T}     the track's note-ons left out, or not
//   {"op":"stop"} / {"op":"start"}       nothing sent from the boundary on
//                                        (sounding notes end there), or again
//   {"op":"replace","sequence":{...}}    a whole link-seq/1 document
//   {"op":"load","path":"FILE"}          a file, as link-seq reads one
//                                        (both keep the mutes of tracks of
//                                        the same name, and a stop)
//
// Replies: {"ok":true,...}, or {"ok":false,"error":"...","problems":[...]}
// with each problem as --check words it, its JSON pointer in the command
// (/sequence/tracks/0/channel: expected a channel 1..16, got 17).

#include "sequence/SequencePlayer.hpp"
#include "sequence/SequenceVersions.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace linktools {

class SeqControl {
public:
  SeqControl(sequence::SequenceVersions& versions, const SequencePlayer& player)
      : versions_(versions), player_(player) {}
  // One command line in, its reply out (one line, no newline). The editing
  // thread (the only one that offers versions).
  std::string handle(std::string_view line);

private:
  sequence::SequenceVersions& versions_;
  const SequencePlayer& player_;
};

// Whole lines from a file descriptor, as they come, without ever blocking
// (poll, then one read). The editing thread.
class LineReader {
public:
  explicit LineReader(int fd) : fd_(fd) {}
  // The lines complete so far (without their newlines).
  std::vector<std::string> take();
  bool ended() const noexcept { return ended_; }

private:
  int fd_;
  std::string pending_;
  bool ended_ = false;
};

} // namespace linktools
