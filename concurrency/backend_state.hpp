// What a backend can say about itself while its workers may be stuck: the
// watchdog (bench/harness/watchdog.h) prints it when no frame finishes in
// time. Every backend has `BackendState state() const`, callable from any
// thread at any moment, without stopping anyone.
//
// Cost model: state() reads only what the backend keeps anyway, with relaxed
// loads (the GIL's slot, the STM inevitable token, each worker's nesting
// depth as an OwnedInt, its unit kind). The one thing added for it is
// "what this worker waits for" (WorkerBase::waiting_on, GilBackend's and
// StmBackend's waiting flags), written only on slow paths that already
// wait, never on an uncontended unit. So the picture is best effort: taken
// while workers run, two of its facts may be a moment apart. For a stuck
// process, which is what it is for, nothing moves and it is exact.
//
// Standard library only, like the rest of concurrency/.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "concurrency/conflict_log.hpp"

namespace txray::sync {

struct WorkerState {
  bool in_unit = false;  // inside an outermost unit (nesting depth > 0)
  bool in_io = false;    // inside io() (gil: the GIL is not held there)
  UnitKind kind = UnitKind::unknown;  // what it runs, for backends that attribute
  // What it waits for: "" (nothing), a lock of the backend's own ("the
  // GIL", "the inevitable token") or "a cell lock" with `cell` set.
  std::string_view waiting;
  std::uintptr_t cell = 0;  // the cell waited for: its conflict subject (ConflictNames)
  // Waits for the holder of the exclusive thing without queueing for it
  // (stm: a unit stopped at its commit until the inevitable unit ends), so
  // it is listed with the exclusive's waiters.
  bool held_up_by_owner = false;
};

struct BackendState {
  std::string_view backend;
  // The backend's one exclusive thing and who has it, when it has one and
  // knows: the GIL, the STM inevitable token, the unit mutex.
  std::string_view exclusive;
  std::optional<std::size_t> owner;
  std::string owner_detail;  // "inside a unit", "between units", ...
  std::vector<std::string> notes;  // anything else the backend knows
  std::vector<WorkerState> workers;
};

// A WorkerBase worker's part (backends on WorkerBase, common.hpp).
template <class Worker>
WorkerState base_worker_state(const Worker& w) {
  WorkerState s;
  s.in_unit = w.depth > 0;
  if (const std::uintptr_t cell = w.waiting_on.load(std::memory_order_relaxed)) {
    s.waiting = "a cell lock";
    s.cell = cell;
  }
  return s;
}

// The whole state of a backend on a WorkerArray that keeps no owner of its
// own (fine, rwlock, rcu, snapshot, itm): each worker's part, what it runs
// when its workers attribute (an `attr`), and a note on what the backend
// cannot tell, if any.
template <class Workers>
BackendState worker_array_state(std::string_view backend, const Workers& workers, std::string note = {}) {
  BackendState s;
  s.backend = backend;
  for (std::size_t i = 0; i < workers.size(); ++i) {
    WorkerState ws = base_worker_state(workers[i]);
    if constexpr (requires { workers[i].attr.now(); }) ws.kind = workers[i].attr.now();
    s.workers.push_back(ws);
  }
  if (!note.empty()) s.notes.push_back(std::move(note));
  return s;
}

// The state as lines for people. `label(w)` names worker w's role in the
// caller's terms ("render thread 0", "animator"); `names` names cells.
inline std::vector<std::string> describe(const BackendState& s, const ConflictNames& names,
                                         const std::function<std::string(std::size_t)>& label) {
  auto who = [&](std::size_t w) {
    std::string l = label ? label(w) : std::string();
    return "worker " + std::to_string(w) + (l.empty() ? "" : " (" + l + ")");
  };
  std::vector<std::string> lines;
  std::string head = "backend " + std::string(s.backend);
  if (!s.exclusive.empty()) {
    head += ": " + std::string(s.exclusive) + " is ";
    head += s.owner ? "held by " + who(*s.owner) + (s.owner_detail.empty() ? "" : ", " + s.owner_detail) : "free";
    std::string waiters;
    for (std::size_t w = 0; w < s.workers.size(); ++w)
      if (s.workers[w].waiting == s.exclusive || s.workers[w].held_up_by_owner)
        waiters += (waiters.empty() ? "" : ", ") + who(w);
    head += "; waiting for it: " + (waiters.empty() ? std::string("nobody") : waiters);
  }
  lines.push_back(head);
  for (const std::string& note : s.notes) lines.push_back("  " + note);
  for (std::size_t w = 0; w < s.workers.size(); ++w) {
    const WorkerState& ws = s.workers[w];
    // A worker waiting outside a unit waits to start one (gil, mutex).
    const bool waits = ws.cell != 0 || !ws.waiting.empty();
    std::string line = "  " + who(w) + ": " + (ws.in_unit ? "in a unit" : waits ? "starting a unit" : "between units");
    if (ws.kind != UnitKind::unknown) line += " (" + std::string(unit_kind_name(ws.kind)) + ")";
    if (ws.in_io) line += ", in io()";
    if (ws.cell != 0)
      line += ", waiting to lock " + names.resolve(ws.cell).text;
    else if (!ws.waiting.empty())
      line += ", waiting for " + std::string(ws.waiting);
    lines.push_back(std::move(line));
  }
  return lines;
}

}  // namespace txray::sync
