#pragma once
/// Ctrl-C for txray's long commands (`bench`, `render --frames`): the first
/// SIGINT only sets a flag, which the command checks at its next frame
/// boundary; it then writes what finished and exits kInterruptedStatus. The
/// handler is one-shot (SA_RESETHAND), so a second Ctrl-C ends the process
/// at once; what it was writing is whole or absent (renderer/atomic_file.h).
#include <atomic>

namespace txray {

/// 128 + SIGINT, what a shell reports for a command ended by Ctrl-C.
inline constexpr int kInterruptedStatus = 130;

/// Installs the one-shot handler and clears the flag.
void catch_interrupt();
/// Back to the default action (the output is being written: a Ctrl-C now
/// ends the process, and the atomic writes keep the files whole).
void release_interrupt();
/// Set by the handler.
[[nodiscard]] std::atomic<bool>& interrupted();

}  // namespace txray
