// Conflict attribution: which cell two units fought over, how, between what
// kinds of unit, and how much time it cost. The PyPy-STM talk's point was
// less the headline FPS than the log that let a programmer remove conflicts
// one by one (PYPYSTM=stmlog, print_stm_log.py); this is that log, for every
// backend, ranked by time lost.
//
// Cost model. Nothing here is touched by a read or write that does not
// conflict: the backends record only on their abort and contended paths,
// which already pay a clock read and a C++ throw or a spin. A record goes
// into a fixed-size per-worker table (open addressing, no allocation), so a
// storm of aborts costs a few stores each, not a malloc. The backend knows
// cells only by address; names for people come from a ConflictNames
// registry filled by whoever owns the cells (renderer/shared_scene.h) and
// are looked up when a report is made, never on the hot path.
//
// Standard library only, like the rest of concurrency/.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "concurrency/common.hpp"

namespace txray::sync {

// What a unit of work is doing, set by the caller per worker (a render
// worker renders tiles, the animator thread updates bodies, the input
// thread applies a user's drag). A unit that does I/O is "logging" from its
// io() call to its end: that is the unit others wait for under stm.
enum class UnitKind : std::uint8_t { unknown, render_tile, animator, user_input, logging };
inline constexpr int kUnitKinds = 5;

inline std::string_view unit_kind_name(UnitKind k) noexcept {
  switch (k) {
    case UnitKind::unknown: return "unknown";
    case UnitKind::render_tile: return "render tile";
    case UnitKind::animator: return "animator update";
    case UnitKind::user_input: return "user drag";
    case UnitKind::logging: return "logging";
  }
  return "unknown";
}

// How time was lost. The first seven are stm aborts or waits; then fine's
// contended acquisitions and the GIL's waits.
enum class ConflictKind : std::uint8_t {
  write_write,        // both units wrote the cell (lock held at commit, or a read-modify-write went stale)
  read_write_commit,  // a cell this unit read was written by another before this one committed
  read_write_read,    // a read found the snapshot stale and could not extend it
  locked_on_read,     // a read met the cell locked by a committing unit
  inevitable,         // waited for, or was invalidated while waiting for, the inevitable token
  upgrade,            // a read-only attempt wrote and restarted with a read set (self-inflicted)
  explicit_restart,   // unit.restart()
  lock_wait_read,     // fine: a read waited for a writer
  lock_wait_write,    // fine: a write waited for the cell's lock
  gil_wait,           // gil: waited to take the GIL
};
inline constexpr int kConflictKinds = 10;

inline std::string_view conflict_kind_name(ConflictKind k) noexcept {
  switch (k) {
    case ConflictKind::write_write: return "write-write";
    case ConflictKind::read_write_commit: return "read-write at commit";
    case ConflictKind::read_write_read: return "read-write at read";
    case ConflictKind::locked_on_read: return "locked on read";
    case ConflictKind::inevitable: return "inevitable";
    case ConflictKind::upgrade: return "read-only upgrade";
    case ConflictKind::explicit_restart: return "explicit restart";
    case ConflictKind::lock_wait_read: return "lock wait (read)";
    case ConflictKind::lock_wait_write: return "lock wait (write)";
    case ConflictKind::gil_wait: return "GIL wait";
  }
  return "?";
}

// A conflict's subject: a cell's address (its lock word is the cell's
// first member, so the backends' lock pointers are cell addresses), or one
// of these pseudo-subjects. Cells are 8-aligned, so small values never
// collide with a real address.
inline constexpr std::uintptr_t kSubjectNone = 0;        // empty slot
inline constexpr std::uintptr_t kSubjectInevitable = 1;  // stm's inevitable token
inline constexpr std::uintptr_t kSubjectGil = 2;         // the GIL
inline constexpr std::uintptr_t kSubjectOverflow = 3;    // a worker's table was full
inline constexpr std::uintptr_t kSubjectUnit = 4;        // the unit itself (restart(), stale snapshot without a read set)

// One aggregated line of a backend's log, before names are attached.
struct ConflictRecord {
  std::uintptr_t subject = kSubjectNone;
  ConflictKind kind = ConflictKind::write_write;
  UnitKind self = UnitKind::unknown;   // the unit that lost the time
  UnitKind other = UnitKind::unknown;  // the unit it lost it to, when known
  int worker = -1;                     // gil: the waiting thread; else -1 (all workers)
  std::uint64_t count = 0;             // aborts, or contended acquisitions, or waits
  std::uint64_t lost_ns = 0;
  std::uint64_t switches = 0;          // gil: GIL switches to this thread
};

// One worker's log: a fixed open-addressing table keyed by (subject, kind,
// self, other). Written only by its worker; read (relaxed atomics) by a
// reporter at any time. reset() zeroes the counts but keeps the keys, so a
// reset racing with a record never loses a slot's identity.
class ConflictTable {
 public:
  static constexpr std::size_t kSlots = 256;  // a power of two
  static constexpr std::size_t kProbes = 16;

  void record(std::uintptr_t subject, ConflictKind kind, UnitKind self, UnitKind other,
              std::uint64_t ns) noexcept {
    const std::uint32_t key = pack(kind, self, other);
    std::size_t h = hash(subject, key);
    for (std::size_t p = 0; p < kProbes; ++p, ++h) {
      Slot& s = slots_[h & (kSlots - 1)];
      const std::uintptr_t sub = s.subject.load(std::memory_order_relaxed);
      if (sub == kSubjectNone) {
        // Claim: key first, subject (release) last, so a reporter that sees
        // the subject sees its key.
        s.key.store(key, std::memory_order_relaxed);
        s.subject.store(subject, std::memory_order_release);
        add(s, ns);
        return;
      }
      if (sub == subject && s.key.load(std::memory_order_relaxed) == key) {
        add(s, ns);
        return;
      }
    }
    if (overflow_.subject.load(std::memory_order_relaxed) == kSubjectNone) {
      overflow_.key.store(pack(kind, self, UnitKind::unknown), std::memory_order_relaxed);
      overflow_.subject.store(kSubjectOverflow, std::memory_order_release);
    }
    add(overflow_, ns);
  }

  void reset() noexcept {
    for (Slot& s : slots_) clear(s);
    clear(overflow_);
  }

  // f(subject, kind, self, other, count, lost_ns) for every slot counted
  // since the last reset.
  template <class F>
  void for_each(F&& f) const {
    auto visit = [&](const Slot& s) {
      const std::uintptr_t sub = s.subject.load(std::memory_order_acquire);
      if (sub == kSubjectNone) return;
      const std::uint64_t n = s.count.get();
      if (n == 0) return;
      const std::uint32_t key = s.key.load(std::memory_order_relaxed);
      f(sub, static_cast<ConflictKind>(key & 0xff), static_cast<UnitKind>((key >> 8) & 0xff),
        static_cast<UnitKind>((key >> 16) & 0xff), n, s.lost_ns.get());
    };
    for (const Slot& s : slots_) visit(s);
    visit(overflow_);
  }

 private:
  struct Slot {
    std::atomic<std::uintptr_t> subject{kSubjectNone};
    std::atomic<std::uint32_t> key{0};
    Counter count;
    Counter lost_ns;
  };
  static std::uint32_t pack(ConflictKind k, UnitKind self, UnitKind other) noexcept {
    return static_cast<std::uint32_t>(k) | static_cast<std::uint32_t>(self) << 8 |
           static_cast<std::uint32_t>(other) << 16;
  }
  static std::size_t hash(std::uintptr_t subject, std::uint32_t key) noexcept {
    std::uint64_t x = (static_cast<std::uint64_t>(subject) >> 3) ^ (static_cast<std::uint64_t>(key) << 40);
    x *= 0x9E3779B97F4A7C15ull;
    return static_cast<std::size_t>(x >> 32);
  }
  static void add(Slot& s, std::uint64_t ns) noexcept {
    s.count.add();
    s.lost_ns.add(ns);
  }
  static void clear(Slot& s) noexcept {
    s.count.reset();
    s.lost_ns.reset();
  }
  Slot slots_[kSlots];
  Slot overflow_;
};

// Per-worker attribution state, embedded in each backend's worker block.
struct WorkerAttribution {
  // Read by other workers (to name the other side of a conflict).
  std::atomic<UnitKind> current{UnitKind::unknown};
  UnitKind base = UnitKind::unknown;  // what the caller set; `current` returns to it after a unit
  // Time the last outermost unit on this worker lost (aborted attempts,
  // waits); read by the same thread after run() (per-tile heatmaps).
  std::uint64_t unit_lost_ns = 0;
  ConflictTable table;

  void set(UnitKind k) noexcept {
    base = k;
    current.store(k, std::memory_order_relaxed);
  }
  UnitKind now() const noexcept { return current.load(std::memory_order_relaxed); }
  // A unit that logs is a logging unit for the rest of its run.
  void begin_io() noexcept { current.store(UnitKind::logging, std::memory_order_relaxed); }
  void end_unit() noexcept {
    if (current.load(std::memory_order_relaxed) != base) current.store(base, std::memory_order_relaxed);
  }
};

// Sums per-worker tables into one list; `per_worker` keeps workers apart
// (the GIL's waits are per thread).
template <class Blocks, class GetAttr>
std::vector<ConflictRecord> merge_conflicts(const Blocks& blocks, std::size_t n, GetAttr&& attr,
                                            bool per_worker) {
  std::vector<ConflictRecord> out;
  for (std::size_t w = 0; w < n; ++w) {
    attr(blocks[w]).table.for_each([&](std::uintptr_t sub, ConflictKind kind, UnitKind self, UnitKind other,
                                       std::uint64_t count, std::uint64_t ns) {
      const int worker = per_worker ? static_cast<int>(w) : -1;
      auto it = std::find_if(out.begin(), out.end(), [&](const ConflictRecord& r) {
        return r.subject == sub && r.kind == kind && r.self == self && r.other == other && r.worker == worker;
      });
      if (it == out.end()) {
        out.push_back({sub, kind, self, other, worker, 0, 0, 0});
        it = out.end() - 1;
      }
      it->count += count;
      it->lost_ns += ns;
    });
  }
  return out;
}

// ---- Names for people -------------------------------------------------

// Maps cell addresses to names ("sphere 17", "material 'glass'", "counter
// rays_traced"). Filled once by the owner of the cells, consulted only when
// a report is made.
class ConflictNames {
 public:
  struct Name {
    std::string text;   // "sphere 17"
    std::string group;  // "object", "material", "light", "camera", "counter", "" for pseudo-subjects
    int index = -1;     // position in its group's array, or -1
  };

  void add(const void* cell, std::string text, std::string group, int index = -1) {
    entries_.push_back({reinterpret_cast<std::uintptr_t>(cell), std::move(text), std::move(group), index});
  }
  // Renames a cell already added (material names arrive after the cells).
  void rename(const void* cell, std::string text) {
    for (Entry& e : entries_)
      if (e.address == reinterpret_cast<std::uintptr_t>(cell)) e.text = std::move(text);
  }

  Name resolve(std::uintptr_t subject) const {
    switch (subject) {
      case kSubjectInevitable: return {"inevitable token (I/O in a unit)", "", -1};
      case kSubjectGil: return {"GIL", "", -1};
      case kSubjectOverflow: return {"(other cells: attribution table full)", "", -1};
      case kSubjectUnit: return {"the unit itself (restart, or a stale snapshot)", "", -1};
      default: break;
    }
    for (const Entry& e : entries_)
      if (e.address == subject) return {e.text, e.group, e.index};
    char buf[40];
    std::snprintf(buf, sizeof buf, "cell %#llx", static_cast<unsigned long long>(subject));
    return {buf, "", -1};
  }

 private:
  struct Entry {
    std::uintptr_t address;
    std::string text, group;
    int index;
  };
  std::vector<Entry> entries_;
};

// A named, ranked source of lost time: what `txray bench --conflicts` prints.
struct ConflictSource {
  std::string subject;  // "counter rays_traced"
  std::string group;    // "counter"
  int index = -1;       // e.g. the object's index, for outlines
  ConflictKind kind = ConflictKind::write_write;
  UnitKind self = UnitKind::unknown, other = UnitKind::unknown;
  int worker = -1;
  std::uint64_t count = 0, lost_ns = 0, switches = 0;
};

// Names the records and sorts them by time lost, most first (ties: count).
inline std::vector<ConflictSource> rank_conflicts(const std::vector<ConflictRecord>& records,
                                                  const ConflictNames* names) {
  std::vector<ConflictSource> out;
  out.reserve(records.size());
  const ConflictNames none;
  for (const ConflictRecord& r : records) {
    ConflictNames::Name n = (names ? *names : none).resolve(r.subject);
    out.push_back({std::move(n.text), std::move(n.group), n.index, r.kind, r.self, r.other, r.worker, r.count,
                   r.lost_ns, r.switches});
  }
  std::stable_sort(out.begin(), out.end(), [](const ConflictSource& a, const ConflictSource& b) {
    return a.lost_ns != b.lost_ns ? a.lost_ns > b.lost_ns : a.count > b.count;
  });
  return out;
}

// ---- Generic access: backends without attribution (snapshot) ----------

template <class B>
void set_unit_kind(B& backend, std::size_t worker, UnitKind kind) noexcept {
  if constexpr (requires { backend.set_unit_kind(worker, kind); }) backend.set_unit_kind(worker, kind);
}
template <class B>
std::uint64_t last_unit_lost_ns(const B& backend, std::size_t worker) noexcept {
  if constexpr (requires { backend.last_unit_lost_ns(worker); })
    return backend.last_unit_lost_ns(worker);
  else
    return 0;
}
template <class B>
std::vector<ConflictRecord> conflicts(const B& backend) {
  if constexpr (requires { backend.conflicts(); })
    return backend.conflicts();
  else
    return {};
}
template <class B>
void set_attribution(B& backend, bool on) noexcept {
  if constexpr (requires { backend.set_attribution(on); }) backend.set_attribution(on);
}

}  // namespace txray::sync
