#include "commands/link-seq/FileWatcher.hpp"

#include "cli/Errors.hpp"

#include <fmt/core.h>

#include <cerrno>
#include <cstring>
#include <sys/inotify.h>
#include <unistd.h>

namespace linktools {

FileWatcher::FileWatcher(const std::string& path) {
  const auto slash = path.rfind('/');
  const std::string directory = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  name_ = slash == std::string::npos ? path : path.substr(slash + 1);
  fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd_ < 0) throw failure(path, fmt::format("cannot watch it for changes: {}", std::strerror(errno)));
  // IN_MODIFY and the rest only keep the quiet time from ending in the
  // middle of a save; closing after writing or moving in is the change.
  constexpr std::uint32_t kEvents =
      IN_CLOSE_WRITE | IN_MOVED_TO | IN_MODIFY | IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_ATTRIB;
  if (::inotify_add_watch(fd_, directory.c_str(), kEvents) < 0) {
    const int error = errno;
    ::close(fd_);
    // No such folder is bad input, as a file that cannot be opened is; out
    // of inotify watches is the system's failure.
    const std::string why = fmt::format("cannot watch it for changes: {}", std::strerror(error));
    if (error == ENOENT || error == ENOTDIR || error == EACCES) throw bad_input(path, why);
    throw failure(directory, why);
  }
}

FileWatcher::~FileWatcher() { ::close(fd_); }

bool FileWatcher::changed(Clock::time_point now) {
  alignas(inotify_event) char buffer[4096];
  for (;;) {
    const ssize_t n = ::read(fd_, buffer, sizeof buffer);
    if (n <= 0) break; // EAGAIN: nothing more waits
    for (ssize_t at = 0; at < n;) {
      const auto* event = reinterpret_cast<const inotify_event*>(buffer + at);
      at += static_cast<ssize_t>(sizeof(inotify_event) + event->len);
      if (event->mask & IN_Q_OVERFLOW) {
        // Events were lost: read the file again to be sure.
        written_ = true;
        last_event_ = now;
        continue;
      }
      if (event->len == 0 || name_ != event->name) continue;
      last_event_ = now;
      if (event->mask & (IN_CLOSE_WRITE | IN_MOVED_TO)) written_ = true;
    }
  }
  if (!written_ || now - last_event_ < kQuiet) return false;
  written_ = false;
  return true;
}

} // namespace linktools
