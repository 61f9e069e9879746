#pragma once
// link-seq's editing thread, for --reload and --control: it reads the file
// again each time it changes, answers the commands on standard input, and
// frees the versions the player let go of. None of this runs on the main
// thread, so reading a big file holds up neither the live line nor a stop
// signal, and none on the player's: new versions reach it through
// SequenceVersions, without locks.

#include "commands/link-seq/FileWatcher.hpp"
#include "sequence/SequencePlayer.hpp"
#include "sequence/SequenceVersions.hpp"

#include <atomic>
#include <memory>
#include <string>
#include <thread>

namespace linktools {

class SeqEditor {
public:
  // `watcher` (may be null) watches `file`; `control`: read commands from
  // standard input. The thread starts at once; `versions` and `player` must
  // outlive the editor. From here on this thread alone offers versions.
  SeqEditor(std::string file, std::unique_ptr<FileWatcher> watcher, bool control,
            sequence::SequenceVersions& versions, const SequencePlayer& player);
  // Stops the thread and waits for it (a file being read is read to its end).
  ~SeqEditor();
  SeqEditor(const SeqEditor&) = delete;
  SeqEditor& operator=(const SeqEditor&) = delete;

private:
  void run();

  std::string file_;
  std::unique_ptr<FileWatcher> watcher_;
  bool control_;
  sequence::SequenceVersions& versions_;
  const SequencePlayer& player_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

} // namespace linktools
