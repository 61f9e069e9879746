#pragma once
// Tells when a file was written or replaced, for link-seq --reload.
//
// Watches the file's directory with inotify rather than the file itself: an
// editor that saves by writing a temporary file and renaming it over the
// old one replaces the inode a watch on the file would follow. A change
// counts once the file was closed after writing or moved into place, and
// then nothing more happened to it for a short quiet time, so that a burst
// of events (a save in several steps) is read once, whole.

#include <chrono>
#include <string>

namespace linktools {

class FileWatcher {
public:
  using Clock = std::chrono::steady_clock;
  static constexpr std::chrono::milliseconds kQuiet{50};

  // Throws ToolError: bad_input when the file's folder does not exist or
  // cannot be read, failure when inotify cannot watch it.
  explicit FileWatcher(const std::string& path);
  ~FileWatcher();
  FileWatcher(const FileWatcher&) = delete;
  FileWatcher& operator=(const FileWatcher&) = delete;

  // Reads the events waiting (never blocks). True once per change: the
  // file was written or replaced, and kQuiet has passed since anything
  // last happened to it. Thread-safe: no (one control thread).
  bool changed(Clock::time_point now);
  // The inotify descriptor, readable when something happened (for poll).
  int fd() const noexcept { return fd_; }

private:
  int fd_ = -1;
  std::string name_;      // the file's name in its directory
  bool written_ = false;  // closed after writing, or moved into place
  Clock::time_point last_event_{};
};

} // namespace linktools
