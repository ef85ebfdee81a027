#pragma once
/// Writing a file so that it appears whole or not at all, even when the
/// process is killed (SIGKILL) at any moment: every file txray writes (PNGs,
/// reports, charts) goes through here.
///
/// How: the bytes go to an unnamed file in the target's directory
/// (O_TMPFILE), which the kernel discards if the process dies; only when
/// every byte is written is it given the name `PATH.tmp` and renamed over
/// PATH in one step (rename() within a directory is atomic). A reader sees
/// the previous complete file or the new complete one.
///
/// The one name that can outlive a kill is `PATH.tmp`: between those two
/// system calls, or on a file system without O_TMPFILE (then the bytes are
/// written to `PATH.tmp` directly). It is never read; the next write of PATH
/// replaces it. Not fsync'd: this protects against a killed process, not a
/// lost machine (a sync per frame of `render --sequence` would cost more
/// than it is worth here).
#include <chrono>
#include <filesystem>
#include <string>
#include <string_view>

namespace txray {

/// Returns "" on success, else why it failed (strerror's text, without the
/// path: the caller names the file). On failure nothing is left: neither
/// PATH changed nor a temporary.
[[nodiscard]] std::string write_file_atomically(const std::filesystem::path& path, std::string_view bytes);

/// For a process about to end itself mid-run (the watchdog's exit 4): waits
/// up to `patience` for the write in progress, if any, to finish, and holds
/// every later write_file_atomically() back for good, so that ending the
/// process now leaves no `PATH.tmp`. Returns false if a write was still
/// running when patience ran out (then a PATH.tmp may remain, as after a
/// SIGKILL in that window).
[[nodiscard]] bool hold_atomic_writes(std::chrono::milliseconds patience);

}  // namespace txray
