#include "app/interrupt.h"

#include <signal.h>

namespace txray {

namespace {

std::atomic<bool> g_interrupted{false};
// Lock-free, so storing to it is async-signal-safe.
static_assert(std::atomic<bool>::is_always_lock_free);

extern "C" void on_interrupt(int) { g_interrupted.store(true); }

}  // namespace

void catch_interrupt() {
  g_interrupted.store(false);
  struct sigaction action {};
  action.sa_handler = on_interrupt;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESETHAND | SA_RESTART;
  sigaction(SIGINT, &action, nullptr);
}

void release_interrupt() {
  struct sigaction action {};
  action.sa_handler = SIG_DFL;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
}

std::atomic<bool>& interrupted() { return g_interrupted; }

}  // namespace txray
