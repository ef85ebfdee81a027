#include "renderer/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <mutex>

namespace txray {

namespace {

// Held for the whole of each write; hold_atomic_writes() takes it and never
// gives it back. Writes are a few per run, so nobody waits on it in practice.
std::timed_mutex g_writing;

// write() may write less than asked (a signal, a full pipe); loop until done.
bool write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

std::string error_text(int err) { return err ? std::strerror(err) : "unknown error"; }

// The named fallback: PATH.tmp written in place, then renamed.
std::string write_through_named_temporary(const std::string& path, const std::string& tmp, std::string_view bytes) {
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0) return error_text(errno);
  const bool written = write_all(fd, bytes);
  int err = errno;
  if (::close(fd) != 0 && written) {
    err = errno;
    ::unlink(tmp.c_str());
    return error_text(err);
  }
  if (!written || ::rename(tmp.c_str(), path.c_str()) != 0) {
    if (written) err = errno;
    ::unlink(tmp.c_str());
    return error_text(err);
  }
  return {};
}

}  // namespace

bool hold_atomic_writes(std::chrono::milliseconds patience) { return g_writing.try_lock_for(patience); }

std::string write_file_atomically(const std::filesystem::path& path, std::string_view bytes) {
  const std::lock_guard writing(g_writing);
  const std::string target = path.string();
  const std::string tmp = target + ".tmp";
  std::filesystem::path dir = path.parent_path();
  if (dir.empty()) dir = ".";
  const int fd = ::open(dir.c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0666);
  if (fd < 0) {
    // No such directory, or no permission: the same error the named path
    // would give, and nothing to clean up.
    if (errno == ENOENT || errno == EACCES || errno == ENOTDIR || errno == EROFS) return error_text(errno);
    // The file system cannot make unnamed files (EOPNOTSUPP, EISDIR on old
    // kernels, EINVAL): write the named temporary instead.
    return write_through_named_temporary(target, tmp, bytes);
  }
  if (!write_all(fd, bytes)) {
    const int err = errno;
    ::close(fd);  // unnamed: closing discards it
    return error_text(err);
  }
  // Give the finished file a name: linkat through /proc/self/fd needs no
  // privilege (AT_EMPTY_PATH would need CAP_DAC_READ_SEARCH). A PATH.tmp
  // already there is a stale one, left by a process killed in the window
  // below, or a concurrent writer's: replace it, the target gets a whole
  // file either way.
  char proc_path[64];
  std::snprintf(proc_path, sizeof proc_path, "/proc/self/fd/%d", fd);
  int linked = ::linkat(AT_FDCWD, proc_path, AT_FDCWD, tmp.c_str(), AT_SYMLINK_FOLLOW);
  if (linked != 0 && errno == EEXIST) {
    ::unlink(tmp.c_str());
    linked = ::linkat(AT_FDCWD, proc_path, AT_FDCWD, tmp.c_str(), AT_SYMLINK_FOLLOW);
  }
  const int link_err = errno;
  const int closed = ::close(fd);
  const int close_err = errno;
  if (linked != 0) {
    // No /proc mounted: the named temporary still works.
    if (link_err == ENOENT) return write_through_named_temporary(target, tmp, bytes);
    return error_text(link_err);
  }
  if (closed != 0 || ::rename(tmp.c_str(), target.c_str()) != 0) {
    const int err = closed != 0 ? close_err : errno;
    ::unlink(tmp.c_str());
    return error_text(err);
  }
  return {};
}

}  // namespace txray
