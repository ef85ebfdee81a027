// `stm`: software transactional memory, as PyPy-STM runs a Python program:
// every unit is a transaction, atomic and opaque.
//
// Algorithm: TL2 (per-cell versioned lock, 64-bit global version clock,
// redo log, locks taken at commit) with LSA snapshot extension (TinySTM), so
// a long reader that meets a newer version revalidates and moves its
// snapshot forward instead of aborting.
//
// - Clock and versions are even; bit 0 of a cell's lock word is the lock,
//   and a locked word holds the owner's descriptor address | 1. A 64-bit
//   clock stepping by 2 cannot wrap in practice; it is not recycled, so
//   there is no ABA on versions, and a redo log means aborts never write.
// - Reads: load the lock word (acquire), copy the payload (relaxed atomic
//   words), acquire fence, re-load the lock word. Locked, changed, or newer
//   than the snapshot: retry, extend, or abort. Every value a unit sees is
//   from one consistent snapshot (opacity), even in a unit that later aborts.
// - Read-only fast path: a unit starts without a read set. Its first write
//   turns it into an update unit: free if it has read nothing yet, else it
//   restarts as an update unit ("upgrade"; a C++ throw costs microseconds).
//   A per-worker predictor starts units with a read set for a while after
//   one wrote, so a worker running writers pays the upgrade once.
// - Update units log each cell read once (a read-set index), and find their
//   own writes through a 64-bit filter and a write-set index, so a read of
//   a cell not written stays inline and W writes cost O(W).
// - commute_add is logged as a delta and applied to the current value at
//   commit, under the cell's lock: concurrent counters do not conflict. It
//   does not upgrade a read-only unit (README: what that means).
// - Inevitable (I/O): one global token. Its holder waits until no commit is
//   in flight, validates, and from then on no other update unit may commit
//   (they wait at their commit, read-only units go on), so it never aborts.
// - Contention: a read that meets a locked cell waits a little (spin, then
//   yield) before aborting; randomized exponential backoff that yields from
//   the second retry, so a preempted committer gets the core back; after
//   max_retries consecutive aborts the unit runs inevitable from its start
//   (serial with respect to other writers), so every unit finishes.
// - Attribution (conflict_log.hpp): every abort names the cell, the kind of
//   conflict, the unit kinds on both sides and the time lost. It is worked
//   out on the abort path only: the cell comes from the failing lock word
//   (a cell's first member), the other side from the lock's owner or, for
//   a version already committed, from a small ring of recent commit
//   versions and who made them (two stores per update commit).
// - Nesting flattens; an internal abort unwinds with a private exception
//   type that user code must let through (no catch (...) that swallows); a
//   user exception rolls the unit back and propagates.
#pragma once

#include <cstddef>
#include <cstdio>
#include <exception>
#include <limits>
#include <memory>
#include <optional>
#include <stdexcept>
#include <algorithm>
#include <string_view>
#include <thread>
#include <vector>

#include "concurrency/backend_state.hpp"
#include "concurrency/common.hpp"
#include "concurrency/conflict_log.hpp"
#include "concurrency/dcheck.hpp"

namespace txray::sync {

#define TXRAY_STM_STATS(X)                                                                                               \
  X(units, "count", "units/s")                                       /* units run (outermost) */                         \
  X(commits_read_only, "count", "commits/s (read-only)")                                                                 \
  X(commits_update, "count", "commits/s (update)")                                                                       \
  X(aborts_locked_on_read, "count", "aborts/s (locked on read)")     /* read met a cell being committed */               \
  X(aborts_validate_read, "count", "aborts/s (read validation)")     /* snapshot could not be extended */                \
  X(aborts_lock_fail_commit, "count", "aborts/s (commit lock)")      /* commit found a written cell locked */            \
  X(aborts_validate_commit, "count", "aborts/s (commit validation)") /* commit found a read cell changed */              \
  X(aborts_explicit, "count", "aborts/s (explicit)")                 /* unit.restart() */                                \
  X(aborts_user_exception, "count", "aborts/s (exception)")          /* rolled back, exception propagated */             \
  X(aborts_upgrade, "count", "aborts/s (read-only upgrade)")         /* read-only attempt that wrote: restarted */       \
  X(extensions, "count", "snapshot extensions/s")                    /* successful snapshot extensions */                \
  X(inevitable_units, "count", "inevitable units/s")                 /* units that became inevitable */                  \
  X(serial_fallbacks, "count", "serial fallbacks/s")                 /* units run inevitable after max_retries aborts */ \
  X(retries_0, "units", "")                                          /* histogram: retries per unit */                   \
  X(retries_1, "units", "")                                                                                              \
  X(retries_2_3, "units", "")                                                                                            \
  X(retries_4_7, "units", "")                                                                                            \
  X(retries_8_15, "units", "")                                                                                           \
  X(retries_16_31, "units", "")                                                                                          \
  X(retries_32_up, "units", "")                                                                                          \
  X(aborted_ns, "ns", "time lost (%)")                               /* time lost in aborted attempts */                 \
  X(inevitable_wait_ns, "ns", "inevitable wait (%)")                 /* waiting for the inevitable token or its end */   \
  X(read_set_entries, "count", "")                                   /* reads logged by committed update units */        \
  X(write_set_entries, "count", "")                                  /* writes logged by committed update units */

TXRAY_SYNC_DEFINE_STATS(StmStats, TXRAY_STM_STATS)

class StmBackend;
class StmUnit;

template <CellValue T>
class StmCell {
 public:
  using value_type = T;
  StmCell() = default;
  explicit StmCell(const T& v) : data_(v) {}
  StmCell(const StmCell&) = delete;
  StmCell& operator=(const StmCell&) = delete;

  // Quiescent-only: no unit may be running on any worker. unsafe_store
  // resets the version to 0, below any backend's clock: a quiescent store
  // cannot invalidate anyone, and a cell that outlived its backend (its
  // version from an older clock) is thereby fit for a new one (issue 18,
  // bug 2; a read also copes without it, see StmUnit::read_shared).
  T unsafe_load() const { return data_.load_relaxed(); }
  void unsafe_store(const T& v) {
    data_.store_relaxed(v);
    lock_.store(0, std::memory_order_relaxed);
  }

 private:
  friend class StmUnit;
  std::atomic<std::uint64_t> lock_{0};  // even version, or owner | 1
  AtomicWords<T> data_;
};

namespace stm_detail {

// Thrown to unwind an attempt that must restart. Not a std::exception, so a
// `catch (const std::exception&)` in user code lets it through.
struct Abort {};

enum class Cause : std::uint8_t {
  locked_on_read,
  validate_read,
  lock_fail_commit,
  validate_commit,
  explicit_restart,
  upgrade,
};

struct ReadEntry {
  const std::atomic<std::uint64_t>* lock;
  std::uint64_t version;
};

struct WriteEntry {
  std::atomic<std::uint64_t>* lock;
  std::atomic<std::uint64_t>* words;
  std::uint32_t nwords;
  std::uint32_t offset;  // into the redo buffer
  // Non-null: a commute_add entry, the buffer holds a delta and this adds it
  // to the committed value.
  void (*add)(std::uint64_t* value, const std::uint64_t* delta);
  std::uint64_t saved_version;  // the version replaced by our lock at commit
};

// An open-addressing set of cell addresses with a value each, cleared in
// O(1) per unit by a generation stamp. The write set uses it to find a
// cell's entry (W writes cost O(W), not O(W^2)); the read set uses it to
// log each cell once (issue 18: 4,096 reads of 64 cells made 4,096
// entries, and validation walked all of them). Grows by doubling, keeps
// its capacity across units: steady state does not allocate.
class PtrIndex {
 public:
  explicit PtrIndex(std::size_t capacity = 64) { resize(std::bit_ceil(capacity)); }
  void clear() noexcept {
    size_ = 0;
    if (++gen_ == 0) {  // once every 2^32 units: stale stamps could match
      for (auto& s : slots_) s.gen = 0;
      gen_ = 1;
    }
  }
  // The value stored for key, or null.
  std::uint32_t* find(const void* key) noexcept {
    for (std::size_t i = hash(key);; i = (i + 1) & mask_) {
      Slot& s = slots_[i];
      if (s.gen != gen_) return nullptr;
      if (s.key == key) return &s.value;
    }
  }
  // Adds key -> value unless key is present; true if added.
  bool insert(const void* key, std::uint32_t value) {
    if ((size_ + 1) * 2 > slots_.size()) grow();
    for (std::size_t i = hash(key);; i = (i + 1) & mask_) {
      Slot& s = slots_[i];
      if (s.gen != gen_) {
        s = Slot{key, value, gen_};
        ++size_;
        return true;
      }
      if (s.key == key) return false;
    }
  }

 private:
  struct Slot {
    const void* key = nullptr;
    std::uint32_t value = 0;
    std::uint32_t gen = 0;  // live iff == gen_ (gen_ is never 0)
  };
  std::size_t hash(const void* key) const noexcept {
    // Cells are at least 16 bytes apart; Fibonacci hashing spreads them.
    return static_cast<std::size_t>(((reinterpret_cast<std::uintptr_t>(key) >> 4) * 0x9E3779B97F4A7C15ull) >>
                                    shift_);
  }
  void resize(std::size_t n) {
    slots_.assign(n, Slot{});
    mask_ = n - 1;
    shift_ = 64 - static_cast<unsigned>(std::countr_zero(n));
  }
  void grow() {
    std::vector<Slot> old;
    old.swap(slots_);
    const std::uint32_t live = gen_;
    resize(old.size() * 2);
    gen_ = 1;
    size_ = 0;
    for (const Slot& s : old)
      if (s.gen == live) insert(s.key, s.value);
  }
  std::vector<Slot> slots_;
  std::size_t mask_ = 0;
  unsigned shift_ = 64;
  std::size_t size_ = 0;
  std::uint32_t gen_ = 1;
};

// One bit of a 64-bit filter per cell: a read tests it inline and goes to
// the write set only on a hit, so reads after a write stay on the fast path.
inline std::uint64_t filter_bit(const void* lock) noexcept {
  return std::uint64_t{1} << (((reinterpret_cast<std::uintptr_t>(lock) >> 4) * 0x9E3779B97F4A7C15ull) >> 58);
}

template <class T>
void add_words(std::uint64_t* value, const std::uint64_t* delta) {
  const T v = AtomicWords<T>::from_words(value);
  const T d = AtomicWords<T>::from_words(delta);
  AtomicWords<T>::to_words(static_cast<T>(v + d), value);
}

struct alignas(kCacheLine) Descriptor {
  StmStatsBlock stats;
  std::vector<ReadEntry> reads;
  std::vector<WriteEntry> writes;
  std::vector<std::uint64_t> redo;
  PtrIndex read_index{512};   // cells in `reads` (update mode only)
  PtrIndex write_index{64};   // cell -> its index in `writes`
  std::uint64_t write_filter = 0;  // filter_bit() of every cell in `writes`
  UnitHooks hooks;
  std::uint64_t rv = 0;          // snapshot: every value read has version <= rv
  std::uint64_t lock_word = 0;   // this descriptor's address | 1
  std::uint64_t rng = 0;
  std::size_t worker = 0;
  OwnedInt depth;  // read by StmBackend::state() from another thread
  bool ro_mode = true;           // no read set is being kept
  bool ro_has_read = false;      // read something while in ro_mode
  bool inevitable = false;
  // inevitable() / io() was called: the unit may have done what cannot be
  // undone, so restart() is refused. A unit inevitable only because of the
  // serial fallback may still restart.
  bool declared_inevitable = false;
  // Units left to start with a read set: a unit that writes sets it, each
  // unit that does not counts it down. Mixed streams (a few read-only
  // units among writers) then pay a logged read, not an upgrade restart.
  std::uint8_t predict_update = 0;
  bool next_update = false;      // the retry must keep a read set
  bool next_inevitable = false;  // the retry must start inevitable
  Cause cause = Cause::validate_read;
  // Who to blame for the abort being thrown: set at each conflict, through
  // the ConflictHook, just before the abort.
  std::uintptr_t blame_subject = kSubjectNone;
  ConflictKind blame_kind = ConflictKind::read_write_read;
  UnitKind blame_other = UnitKind::unknown;
  WorkerAttribution attr;
  // Set while this worker is between its commit gate and the end of its
  // write-back; an inevitable unit waits for all of these to clear. Its own
  // cache line: written per update commit, read only by the inevitable.
  alignas(kCacheLine) std::atomic<bool> committing{false};
  // Waiting at the commit gate for an inevitable unit to end. Written on
  // that slow path only; lets a test hand-shake on the wait.
  std::atomic<bool> waiting_at_gate{false};
  // Waiting for another unit's inevitable token (become_inevitable's slow
  // path); read by StmBackend::state().
  std::atomic<bool> waiting_for_token{false};
};

// Conflict attribution (conflict_log.hpp), kept out of the TL2 algorithm
// the way TinySTM keeps conflict tracking behind a callback: the algorithm
// reports what happened (a conflict on a cell, a wait for the inevitable
// unit, a commit) and the hook decides what to remember. Only `committed`
// is on a common path (once per update commit: one relaxed load with
// attribution off); the rest run on abort and wait paths.
class ConflictHook {
 public:
  explicit ConflictHook(bool on) : writers_(std::make_unique<WriterSlot[]>(kWriterSlots)) { set(on); }

  void set(bool on) noexcept { on_.store(on, std::memory_order_relaxed); }
  bool on() const noexcept { return on_.load(std::memory_order_relaxed); }

  // The abort `d` is about to throw lost to a unit of kind `other` over
  // `subject` (a cell's lock word, or a kSubject* constant). Recorded even
  // with attribution off, so switching it on mid-run never reports a stale
  // blame.
  static void conflict(Descriptor& d, std::uintptr_t subject, ConflictKind kind, UnitKind other) noexcept {
    d.blame_subject = subject;
    d.blame_kind = kind;
    d.blame_other = other;
  }
  // A conflict on `lock` whose word was `found` when it was detected.
  void conflict_on(Descriptor& d, const std::atomic<std::uint64_t>* lock, ConflictKind kind,
                   std::uint64_t found) const noexcept {
    conflict(d, subject(lock), kind, writer_of_word(found));
  }
  // A conflict on `lock` as it is now.
  void conflict_on(Descriptor& d, const std::atomic<std::uint64_t>* lock, ConflictKind kind) const noexcept {
    conflict_on(d, lock, kind, lock->load(std::memory_order_acquire));
  }
  // A logged read that changed; null: a unit with no read set, whose
  // snapshot as a whole went stale.
  void stale(Descriptor& d, const ReadEntry* bad, ConflictKind kind) const noexcept {
    if (bad) conflict_on(d, bad->lock, kind);
    else conflict(d, kSubjectUnit, kind, UnitKind::unknown);
  }

  // The attempt whose conflict was reported has been rolled back, `lost`
  // nanoseconds wasted.
  void aborted(Descriptor& d, std::uint64_t lost) noexcept {
    if (!on()) return;
    d.attr.table.record(d.blame_subject, d.blame_kind, d.attr.now(), d.blame_other, lost);
    d.attr.unit_lost_ns += lost;
  }
  // `d` waited `ns` for the inevitable token (or for commits to drain
  // before taking it), held by a unit of kind `holder`.
  void waited(Descriptor& d, std::uint64_t ns, UnitKind holder) noexcept {
    if (!on()) return;
    d.attr.table.record(kSubjectInevitable, ConflictKind::inevitable, d.attr.now(), holder, ns);
    d.attr.unit_lost_ns += ns;
  }
  // `d` committed version `wv`: remember who, so that a later conflict on
  // a cell with that version can name its writer.
  void committed(const Descriptor& d, std::uint64_t wv) noexcept {
    if (!on()) return;
    WriterSlot& slot = writers_[(wv >> 1) & (kWriterSlots - 1)];
    slot.kind.store(d.attr.now(), std::memory_order_relaxed);
    slot.version.store(wv, std::memory_order_release);
  }

  static std::uintptr_t subject(const std::atomic<std::uint64_t>* lock) noexcept {
    return reinterpret_cast<std::uintptr_t>(lock);
  }

 private:
  // The kind of unit that holds a lock word (owner | 1), or last committed
  // its version.
  UnitKind writer_of_word(std::uint64_t w) const noexcept {
    if (w & 1) return reinterpret_cast<const Descriptor*>(w & ~std::uint64_t{1})->attr.now();
    const WriterSlot& s = writers_[(w >> 1) & (kWriterSlots - 1)];
    if (s.version.load(std::memory_order_acquire) != w) return UnitKind::unknown;
    return s.kind.load(std::memory_order_relaxed);
  }

  // Commit versions and who made them, indexed by version: lets an abort
  // on a changed version name the kind of unit that changed it, without a
  // field in every cell. Best effort: a slot overwritten since reads as
  // "unknown".
  static constexpr std::size_t kWriterSlots = 1024;
  struct WriterSlot {
    std::atomic<std::uint64_t> version{1};  // odd: never a commit version
    std::atomic<UnitKind> kind{UnitKind::unknown};
  };
  std::unique_ptr<WriterSlot[]> writers_;
  std::atomic<bool> on_{true};  // read on abort/wait paths and once per update commit
};

}  // namespace stm_detail

struct StmOptions {
  // Consecutive aborts after which the unit runs inevitable (serial
  // irrevocable) from its start.
  std::uint32_t max_retries = 32;
  // Cap of the randomized exponential backoff, in pause instructions.
  std::uint32_t backoff_cap = 1u << 12;
  // First value of the global clock (rounded down to even); tests start
  // it near its wrap point.
  std::uint64_t clock_start = 0;
  // Measure time lost in aborted attempts (one clock read per attempt).
  bool measure_time = true;
  // Attribute aborts and waits to cells (conflict_log.hpp); also
  // switchable at run time with set_attribution().
  bool attribution = true;
};

class StmBackend {
 public:
  using Options = StmOptions;
  template <class T>
  using Cell = StmCell<T>;
  using Unit = StmUnit;
  using Stats = StmStats;

  static constexpr std::string_view kName = "stm";
  static constexpr bool kAtomicUnits = true;
  static constexpr bool kConsistentReads = true;
  static constexpr bool kRollsBack = true;
  static constexpr bool kExclusiveInevitable = true;

  explicit StmBackend(std::size_t workers, Options options = {})
      : options_(options),
        descs_(std::make_unique<stm_detail::Descriptor[]>(workers)),
        hook_(options.attribution),
        n_(workers) {
    clock_.store(options.clock_start & ~std::uint64_t{1}, std::memory_order_relaxed);
    for (std::size_t i = 0; i < n_; ++i) {
      auto& d = descs_[i];
      d.worker = i;
      d.lock_word = reinterpret_cast<std::uintptr_t>(&d) | 1u;
      d.rng = 0x9E3779B97F4A7C15ull * (i + 1);
      d.reads.reserve(256);
      d.writes.reserve(32);
      d.redo.reserve(256);
    }
  }

  template <class F>
  auto run(std::size_t worker, F&& fn) -> std::invoke_result_t<F&, StmUnit&>;
  void release(std::size_t) noexcept {}
  void publish() noexcept {}

  std::uint64_t clock() const noexcept { return clock_.load(std::memory_order_acquire); }
  std::size_t workers() const noexcept { return n_; }
  const Options& options() const noexcept { return options_; }
  Stats stats() const {
    Stats s;
    for (std::size_t i = 0; i < n_; ++i) accumulate(s, descs_[i].stats);
    return s;
  }
  void reset_stats() {
    for (std::size_t i = 0; i < n_; ++i) {
      reset(descs_[i].stats);
      descs_[i].attr.table.reset();
    }
  }

  // ---- Attribution (conflict_log.hpp) ----
  // What the units `worker` runs from now on are (render tile, animator…).
  void set_unit_kind(std::size_t worker, UnitKind kind) noexcept { descs_[worker].attr.set(kind); }
  // Time lost by the last outermost unit run on `worker` (aborted attempts
  // and waits for the inevitable token); 0 with attribution off.
  std::uint64_t last_unit_lost_ns(std::size_t worker) const noexcept { return descs_[worker].attr.unit_lost_ns; }
  void set_attribution(bool on) noexcept { hook_.set(on); }
  bool attribution() const noexcept { return hook_.on(); }
  // Who has the inevitable token, how many transactions are live, who
  // waits for the token or at the commit gate (backend_state.hpp); from any
  // thread, relaxed loads only.
  BackendState state() const {
    BackendState s;
    s.backend = kName;
    s.exclusive = "the inevitable token";
    if (const std::size_t owner = inevitable_owner_.load(std::memory_order_relaxed); owner != kNobody) {
      s.owner = owner;
      s.owner_detail = "its unit runs alone to its end (I/O, or the serial fallback)";
    }
    std::size_t live = 0;
    for (std::size_t i = 0; i < n_; ++i) {
      const stm_detail::Descriptor& d = descs_[i];
      WorkerState ws;
      ws.in_unit = d.depth > 0;
      ws.kind = d.attr.now();
      if (d.waiting_for_token.load(std::memory_order_relaxed))
        ws.waiting = s.exclusive;
      else if (d.waiting_at_gate.load(std::memory_order_relaxed)) {
        ws.waiting = "the inevitable unit to end (at its commit)";
        ws.held_up_by_owner = true;
      }
      live += ws.in_unit;
      s.workers.push_back(ws);
    }
    s.notes.push_back(std::to_string(live) + " live transaction(s); global clock " +
                      std::to_string(clock_.load(std::memory_order_relaxed)));
    return s;
  }

  // `worker`'s update unit is waiting at its commit for an inevitable unit
  // to end (an observable event for tests and tools, not a lock).
  bool waiting_for_inevitable(std::size_t worker) const noexcept {
    return descs_[worker].waiting_at_gate.load(std::memory_order_relaxed);
  }
  // Every attributed abort and wait since the last reset_stats(), summed
  // over workers. Cells are named by a ConflictNames (rank_conflicts).
  std::vector<ConflictRecord> conflicts() const {
    return merge_conflicts(descs_.get(), n_, [](const stm_detail::Descriptor& d) -> const WorkerAttribution& { return d.attr; }, false);
  }

 private:
  friend class StmUnit;
  using Desc = stm_detail::Descriptor;
  using Cause = stm_detail::Cause;
  static constexpr std::size_t kNobody = std::numeric_limits<std::size_t>::max();
  static constexpr std::uint8_t kPredictUnits = 16;

  // Unwinds the attempt; run() retries it. Every abort site first tells
  // hook_ what it conflicted with.
  [[noreturn]] static void abort(Desc& d, Cause c) {
    d.cause = c;
    throw stm_detail::Abort{};
  }
  // A logged read whose version changed (null: no read set, the snapshot
  // as a whole).
  [[noreturn]] void abort_stale(Desc& d, Cause c, const stm_detail::ReadEntry* bad, ConflictKind kind) {
    hook_.stale(d, bad, kind);
    abort(d, c);
  }
  // What kind of unit `w` runs, for the hook's account of a wait.
  UnitKind kind_of_worker(std::size_t w) const noexcept {
    return w < n_ ? descs_[w].attr.now() : UnitKind::unknown;
  }

  void begin(Desc& d, std::uint32_t retries) {
    d.depth = 1;
    clear_logs(d);
    d.ro_has_read = false;
    d.inevitable = false;
    d.declared_inevitable = false;
    d.attr.end_unit();  // an attempt after one that logged starts as what the worker is
    d.ro_mode = !(d.predict_update > 0 || d.next_update);
    if (retries >= options_.max_retries || d.next_inevitable) {
      // Counted once per unit: a serial unit that restart()s runs serial again.
      if (retries == options_.max_retries) d.stats.serial_fallbacks.add();
      become_inevitable(d);
    } else {
      d.rv = clock_.load(std::memory_order_acquire);
    }
  }

  static void clear_logs(Desc& d) noexcept {
    d.reads.clear();
    d.writes.clear();
    d.redo.clear();
    d.read_index.clear();
    d.write_index.clear();
    d.write_filter = 0;
  }
  // The write-set entry of the cell whose lock word is `lock`, or null.
  static stm_detail::WriteEntry* find_write(Desc& d, const std::atomic<std::uint64_t>* lock) noexcept {
    if (!(d.write_filter & stm_detail::filter_bit(lock))) return nullptr;
    const std::uint32_t* i = d.write_index.find(lock);
    return i ? &d.writes[*i] : nullptr;
  }

  // Every logged read still has the version it had. Our own locks (during
  // commit) count as unchanged if they replaced that version. Returns the
  // first read that changed (for attribution), or null.
  const stm_detail::ReadEntry* first_invalid(Desc& d) const noexcept {
    for (const auto& r : d.reads) {
      const std::uint64_t w = r.lock->load(std::memory_order_acquire);
      if (w == r.version) continue;
      if (w == d.lock_word) {
        const stm_detail::WriteEntry* e = find_write(d, r.lock);
        if (e && e->saved_version == r.version) continue;
      }
      return &r;
    }
    return nullptr;
  }
  bool validate(Desc& d) const noexcept { return first_invalid(d) == nullptr; }

  // A cell's version `v` is ahead of the clock: it was committed under
  // another clock (a cell that outlived its backend, or clock_start below
  // versions already in cells). Extending to the clock could never reach
  // it (issue 18, bug 2: the read looped forever), so move the clock up to
  // it. Versions only ever grow, so this keeps TL2's order; a committer
  // that took its snapshot before simply sees the clock moved and validates.
  std::uint64_t catch_up(std::uint64_t v) noexcept {
    std::uint64_t now = clock_.load(std::memory_order_acquire);
    while (now < v && !clock_.compare_exchange_weak(now, v, std::memory_order_acq_rel, std::memory_order_acquire)) {
    }
    return now < v ? v : now;
  }

  // LSA: a read met a version newer than the snapshot. If everything read
  // so far is still current, the snapshot can move to now.
  // `lock`: the cell whose too-new version `v` asked for the extension.
  void extend(Desc& d, const std::atomic<std::uint64_t>* lock, std::uint64_t v) {
    if (d.ro_mode) {
      if (d.ro_has_read) {
        d.next_update = true;  // the retry keeps a read set, so it can extend
        // No read set: the cell that turned out too new is all we know.
        hook_.conflict_on(d, lock, ConflictKind::read_write_read);
        abort(d, Cause::validate_read);
      }
      d.rv = catch_up(v);
      return;
    }
    const std::uint64_t now = catch_up(v);
    if (const auto* bad = first_invalid(d)) abort_stale(d, Cause::validate_read, bad, ConflictKind::read_write_read);
    d.rv = now;
    d.stats.extensions.add();
  }

  void become_inevitable(Desc& d) {
    if (d.inevitable) return;
    TXRAY_SYNC_POINT(lock_acquire);
    std::uint64_t t0 = 0;
    std::size_t expected = kNobody;
    UnitKind holder = UnitKind::unknown;
    if (!inevitable_owner_.compare_exchange_strong(expected, d.worker, std::memory_order_seq_cst)) {
      t0 = now_ns();
      holder = kind_of_worker(expected);
      d.waiting_for_token.store(true, std::memory_order_relaxed);
      do {
        expected = kNobody;
        std::this_thread::yield();
      } while (inevitable_owner_.load(std::memory_order_relaxed) != kNobody ||
               !inevitable_owner_.compare_exchange_weak(expected, d.worker,
                                                        std::memory_order_seq_cst));
      d.waiting_for_token.store(false, std::memory_order_relaxed);
    }
    // Dekker with commit_gate(): we published the token, now every commit
    // that did not see it must finish before we look at the clock.
    for (std::size_t i = 0; i < n_; ++i) {
      if (i == d.worker) continue;
      if (descs_[i].committing.load(std::memory_order_seq_cst)) {
        if (!t0) {
          t0 = now_ns();
          holder = descs_[i].attr.now();
        }
        // The committer may be preempted mid write-back: spin, then yield.
        SpinWait wait;
        while (descs_[i].committing.load(std::memory_order_acquire)) wait.wait();
      }
    }
    if (t0) {
      const std::uint64_t waited = now_ns() - t0;
      d.stats.inevitable_wait_ns.add(waited);
      hook_.waited(d, waited, holder);
    }
    // From here on the clock stands still for update units. What was read
    // must still be current, else restart (inevitable from the start).
    const std::uint64_t now = clock_.load(std::memory_order_acquire);
    const stm_detail::ReadEntry* bad = nullptr;
    const bool valid = d.ro_mode ? (!d.ro_has_read || now == d.rv) : (bad = first_invalid(d)) == nullptr;
    if (!valid) {
      inevitable_owner_.store(kNobody, std::memory_order_release);
      d.next_inevitable = true;
      abort_stale(d, Cause::validate_read, bad, ConflictKind::inevitable);
    }
    d.rv = now;
    d.inevitable = true;
    d.ro_mode = false;
    d.stats.inevitable_units.add();
  }

  // Enter the commit critical section unless an inevitable unit runs.
  void commit_gate(Desc& d) {
    std::uint64_t t0 = 0;
    UnitKind holder = UnitKind::unknown;
    for (;;) {
      d.committing.store(true, std::memory_order_seq_cst);
      const std::size_t owner = inevitable_owner_.load(std::memory_order_seq_cst);
      if (owner == kNobody) break;
      d.committing.store(false, std::memory_order_release);
      if (!t0) {
        t0 = now_ns();
        holder = kind_of_worker(owner);
        d.waiting_at_gate.store(true, std::memory_order_relaxed);
      }
      while (inevitable_owner_.load(std::memory_order_acquire) != kNobody) std::this_thread::yield();
    }
    if (t0) {
      d.waiting_at_gate.store(false, std::memory_order_relaxed);
      const std::uint64_t waited = now_ns() - t0;
      d.stats.inevitable_wait_ns.add(waited);
      hook_.waited(d, waited, holder);
    }
  }

  void unlock_written(Desc& d, std::size_t n) noexcept {
    TXRAY_SYNC_POINT(lock_release);
    for (std::size_t i = 0; i < n; ++i)
      d.writes[i].lock->store(d.writes[i].saved_version, std::memory_order_release);
  }

  // The descriptor's state at commit (and at rollback): inside a unit,
  // holding the inevitable token exactly when inevitable, and a unit still
  // read-only has kept no read set.
  void check_state(const Desc& d) const noexcept {
    TXRAY_DCHECK(d.depth == 1, "descriptor depth %d", static_cast<int>(d.depth));
    TXRAY_DCHECK(d.inevitable == (inevitable_owner_.load(std::memory_order_relaxed) == d.worker),
                 "worker %zu: inevitable %d, token held by %zu", d.worker, d.inevitable,
                 inevitable_owner_.load(std::memory_order_relaxed));
    TXRAY_DCHECK(!d.ro_mode || (d.reads.empty() && !d.inevitable), "read-only unit with %zu logged reads",
                 d.reads.size());
  }

  void commit(Desc& d) {
    TXRAY_SYNC_POINT(commit);
    check_state(d);
    if (d.writes.empty()) {
      if (d.inevitable) inevitable_owner_.store(kNobody, std::memory_order_release);
      d.stats.commits_read_only.add();
      return;
    }
    if (!d.inevitable) commit_gate(d);
    // Lock the write set. A cell locked by another committer: abort rather
    // than wait, so two committers can never wait on each other.
    for (std::size_t i = 0; i < d.writes.size(); ++i) {
      auto& e = d.writes[i];
      SpinWait wait;
      for (;;) {
        std::uint64_t v = e.lock->load(std::memory_order_relaxed);
        if (!(v & 1) && e.lock->compare_exchange_strong(v, d.lock_word, std::memory_order_acquire,
                                                        std::memory_order_relaxed)) {
          e.saved_version = v;
          TXRAY_SYNC_POINT(lock_acquire);
          break;
        }
        if (d.inevitable) {  // no other committer can hold it for long; never abort
          wait.wait();
          continue;
        }
        unlock_written(d, i);
        d.committing.store(false, std::memory_order_release);
        hook_.conflict_on(d, e.lock, ConflictKind::write_write, v);
        abort(d, Cause::lock_fail_commit);
      }
    }
    // Payload stores below must not be seen before the lock words above.
    payload_store_fence();
    const std::uint64_t wv = clock_.fetch_add(2, std::memory_order_acq_rel) + 2;
    if (wv < d.rv) {
      std::fputs("txray: STM global clock wrapped around\n", stderr);
      std::terminate();
    }
    // wv == rv + 2: nobody committed since our snapshot, reads are current.
    // A unit still in ro_mode wrote only commute_adds and has no read set:
    // nothing to validate (see commute_add).
    if (!d.inevitable && !d.ro_mode && wv != d.rv + 2) {
      if (const auto* bad = first_invalid(d)) {
        // A read this unit also wrote (read-modify-write, like the naive
        // shared counter) is a write-write conflict; else read-write.
        // The other side made the version we found; if we hold the cell's
        // lock now, that is the version our lock replaced.
        ConflictKind kind = ConflictKind::read_write_commit;
        std::uint64_t found = bad->lock->load(std::memory_order_acquire);
        if (const auto* e = find_write(d, bad->lock)) {
          kind = ConflictKind::write_write;
          found = e->saved_version;
        }
        hook_.conflict_on(d, bad->lock, kind, found);  // before unlocking: `found` may be a lock we hold
        unlock_written(d, d.writes.size());
        d.committing.store(false, std::memory_order_release);
        abort(d, Cause::validate_commit);
      }
    }
    hook_.committed(d, wv);
    std::uint64_t tmp[128 / 8];  // CellValue caps payloads at 128 bytes
    for (auto& e : d.writes) {
      TXRAY_DCHECK(e.nwords >= 1 && e.nwords <= std::size(tmp) && e.offset + e.nwords <= d.redo.size(),
                   "cell of %u words at redo offset %u of %zu", e.nwords, e.offset, d.redo.size());
      const std::uint64_t* src = &d.redo[e.offset];
      if (e.add) {
        for (std::uint32_t k = 0; k < e.nwords; ++k) tmp[k] = e.words[k].load(kPayloadLoad);
        e.add(tmp, src);
        src = tmp;
      }
      for (std::uint32_t k = 0; k < e.nwords; ++k) e.words[k].store(src[k], kPayloadStore);
      e.lock->store(wv, std::memory_order_release);
      TXRAY_SYNC_POINT(lock_release);
    }
    if (d.inevitable)
      inevitable_owner_.store(kNobody, std::memory_order_release);
    else
      d.committing.store(false, std::memory_order_release);
    d.stats.commits_update.add();
    d.stats.read_set_entries.add(d.reads.size());
    d.stats.write_set_entries.add(d.writes.size());
  }

  void rollback(Desc& d) noexcept {
    check_state(d);
    if (d.inevitable) inevitable_owner_.store(kNobody, std::memory_order_release);
    d.inevitable = false;
    clear_logs(d);
    try {
      d.hooks.fire_abort();
    } catch (...) {
      // An on-abort hook may not veto the abort.
    }
  }

  void backoff(Desc& d, std::uint32_t retries) noexcept {
    // xorshift64: cheap, per worker, no shared state.
    d.rng ^= d.rng << 13;
    d.rng ^= d.rng >> 7;
    d.rng ^= d.rng << 17;
    const std::uint32_t shift = retries < 12 ? retries : 12;
    std::uint64_t limit = std::uint64_t{1} << shift;
    if (limit > options_.backoff_cap) limit = options_.backoff_cap;
    for (std::uint64_t i = d.rng % limit; i > 0; --i) cpu_relax();
    // With more threads than cores, the unit we lost to may be preempted
    // holding its locks; spinning cannot let it finish, yielding can. From
    // the second retry on, so a first, usually brief, conflict stays cheap.
    if (retries >= 2) std::this_thread::yield();
  }

  void count_retries(Desc& d, std::uint32_t r) noexcept {
    auto& s = d.stats;
    if (r == 0) s.retries_0.add();
    else if (r == 1) s.retries_1.add();
    else if (r < 4) s.retries_2_3.add();
    else if (r < 8) s.retries_4_7.add();
    else if (r < 16) s.retries_8_15.add();
    else if (r < 32) s.retries_16_31.add();
    else s.retries_32_up.add();
  }

  void count_abort(Desc& d) noexcept {
    auto& s = d.stats;
    switch (d.cause) {
      case Cause::locked_on_read: s.aborts_locked_on_read.add(); break;
      case Cause::validate_read: s.aborts_validate_read.add(); break;
      case Cause::lock_fail_commit: s.aborts_lock_fail_commit.add(); break;
      case Cause::validate_commit: s.aborts_validate_commit.add(); break;
      case Cause::explicit_restart: s.aborts_explicit.add(); break;
      case Cause::upgrade: s.aborts_upgrade.add(); break;
    }
  }

  // The one place an aborted attempt is accounted for, whatever aborted
  // it (a conflict, restart(), or a user exception thrown from a stale
  // view): count it by cause, roll it back, charge its time (to the stats
  // and, through the hook, to what it conflicted with), and back off
  // before the retry, except after an upgrade, which restarts at once.
  void retire_attempt(Desc& d, std::uint64_t t0, std::uint32_t& retries) {
    count_abort(d);
    rollback(d);
    const std::uint64_t lost = options_.measure_time ? now_ns() - t0 : 0;
    d.stats.aborted_ns.add(lost);
    hook_.aborted(d, lost);
    ++retries;
    if (d.cause != Cause::upgrade) backoff(d, retries);
  }

  Options options_;
  std::unique_ptr<Desc[]> descs_;
  stm_detail::ConflictHook hook_;
  std::size_t n_;
  alignas(kCacheLine) std::atomic<std::uint64_t> clock_{0};
  alignas(kCacheLine) std::atomic<std::size_t> inevitable_owner_{kNobody};
};

class StmUnit {
 public:
  // The read barrier. Inline fast path: one version check around the copy,
  // then log it; anything unusual (a cell maybe in the write set, a locked,
  // changing or too-new cell) goes to the out-of-line slow path. The write
  // set is asked only when the cell's filter bit is set, so a unit that has
  // written keeps the fast path for the cells it did not write.
  // always_inline: left to itself GCC kept the barrier (and log_read) out
  // of line in the kernel's shading loop, a call and ~90 instructions per
  // read where the inline path is ~20 (callgrind, issue 14).
  template <class T>
  [[gnu::always_inline]] T read(const StmCell<T>& c) {
    TXRAY_DCHECK(d_.depth == 1, "a unit used after it ended");
    TXRAY_SYNC_POINT(read);
    // A unit that has written nothing (every render unit) skips the hash.
    if (d_.write_filter != 0 && (d_.write_filter & stm_detail::filter_bit(&c.lock_))) [[unlikely]]
      return read_after_write(c);
    std::uint64_t buf[AtomicWords<T>::kWords];
    const std::uint64_t v1 = c.lock_.load(std::memory_order_acquire);
    c.data_.load_words(buf);
    payload_load_fence();
    const std::uint64_t v2 = c.lock_.load(std::memory_order_relaxed);
    if ((v1 & 1) || v1 != v2 || v1 > d_.rv) [[unlikely]]
      return read_slow(c);
    log_read(c.lock_, v1);
    return AtomicWords<T>::from_words(buf);
  }

  template <class T>
  void write(StmCell<T>& c, const T& v) {
    TXRAY_SYNC_POINT(write);
    auto& e = entry(c, /*commute=*/false);
    e.add = nullptr;
    AtomicWords<T>::to_words(v, &d_.redo[e.offset]);
  }

  // Counters: the delta is applied at commit to whatever the value is then;
  // two units adding to the same cell do not conflict. A read-only unit
  // stays read-only (no read set, no upgrade restart, no validation at
  // commit): its reads are one snapshot and its deltas are blind. See the
  // README for what that means for serializability.
  template <class T>
    requires std::is_arithmetic_v<T>
  void commute_add(StmCell<T>& c, T delta) {
    TXRAY_SYNC_POINT(write);
    const bool fresh = find(&c.lock_) == nullptr;
    auto& e = entry(c, /*commute=*/true);
    std::uint64_t* buf = &d_.redo[e.offset];
    if (fresh) {
      e.add = &stm_detail::add_words<T>;
      AtomicWords<T>::to_words(delta, buf);
    } else {
      // Either a pending delta or a pending value: both simply grow.
      AtomicWords<T>::to_words(static_cast<T>(AtomicWords<T>::from_words(buf) + delta), buf);
    }
  }

  template <class T, class F>
  void update(StmCell<T>& c, F&& f) {
    T v = read(c);
    f(v);
    write(c, v);
  }
  template <class A, class B, class F>
  void update(StmCell<A>& a, StmCell<B>& b, F&& f) {
    if constexpr (std::is_same_v<A, B>) {
      if (&a == &b) {  // one cell: f sees both names bound to one value
        update(a, [&](A& v) { f(v, v); });
        return;
      }
    }
    A va = read(a);
    B vb = read(b);
    f(va, vb);
    write(a, va);
    write(b, vb);
  }

  // The unit is about to do something that cannot be undone. From here it
  // never aborts; it may abort once, now, if what it read is already stale.
  void inevitable() {
    b_.become_inevitable(d_);
    d_.declared_inevitable = true;
  }
  template <class F>
  decltype(auto) io(F&& f) {
    inevitable();
    d_.attr.begin_io();  // from here, others wait for a logging unit
    return std::forward<F>(f)();
  }
  void check_eval_breaker() noexcept {}
  // Abort this attempt and run the unit again (counted as explicit): "wait
  // until what I read changes". Refused after inevitable()/io(), whose
  // effects cannot be undone. A unit that is inevitable only because of
  // the serial fallback (max_retries aborts, restarts included) gives the
  // token back and runs again, serial; the backoff yields, so the unit that
  // will set what it waits for can commit meanwhile (issue 18, bug 5: this
  // threw std::logic_error out of run() after 32 restarts).
  [[noreturn]] void restart() {
    if (d_.declared_inevitable) throw std::logic_error("StmUnit::restart() after inevitable() or io()");
    stm_detail::ConflictHook::conflict(d_, kSubjectUnit, ConflictKind::explicit_restart, UnitKind::unknown);
    StmBackend::abort(d_, stm_detail::Cause::explicit_restart);
  }
  bool is_inevitable() const noexcept { return d_.inevitable; }

  template <class F>
  void on_commit(F&& f) {
    d_.hooks.on_commit(std::forward<F>(f));
  }
  template <class F>
  void on_abort(F&& f) {
    d_.hooks.on_abort(std::forward<F>(f));
  }
  std::size_t worker() const noexcept { return d_.worker; }

 private:
  friend class StmBackend;
  StmUnit(StmBackend& b, stm_detail::Descriptor& d) noexcept : b_(b), d_(d) {}

  stm_detail::WriteEntry* find(const std::atomic<std::uint64_t>* lock) noexcept {
    return StmBackend::find_write(d_, lock);
  }

  // A commute_add keeps a read-only unit read-only; a plain write upgrades.
  template <class T>
  stm_detail::WriteEntry& entry(StmCell<T>& c, bool commute) {
    TXRAY_DCHECK(d_.depth == 1, "a unit used after it ended");
    if (d_.ro_mode && !commute) upgrade(&c.lock_);
    if (auto* e = find(&c.lock_)) {
      // A plain write over a pending delta: the value no longer depends on
      // the committed one, but the unit must leave ro_mode (done above).
      return *e;
    }
    const auto off = static_cast<std::uint32_t>(d_.redo.size());
    d_.redo.resize(d_.redo.size() + AtomicWords<T>::kWords);
    d_.write_index.insert(&c.lock_, static_cast<std::uint32_t>(d_.writes.size()));
    d_.write_filter |= stm_detail::filter_bit(&c.lock_);
    d_.writes.push_back({&c.lock_, c.data_.w, static_cast<std::uint32_t>(AtomicWords<T>::kWords),
                         off, nullptr, 0});
    return d_.writes.back();
  }

  void upgrade(const std::atomic<std::uint64_t>* written) {
    if (d_.ro_has_read) {
      d_.next_update = true;
      stm_detail::ConflictHook::conflict(d_, stm_detail::ConflictHook::subject(written), ConflictKind::upgrade,
                                         UnitKind::unknown);
      StmBackend::abort(d_, stm_detail::Cause::upgrade);
    }
    d_.ro_mode = false;
  }

  // A read-only unit only notes that it has read (inline: one store); an
  // update unit logs the cell, out of line.
  [[gnu::always_inline]] void log_read(const std::atomic<std::uint64_t>& lock, std::uint64_t version) {
    if (d_.ro_mode) [[likely]]
      d_.ro_has_read = true;
    else
      log_update_read(lock, version);
  }
  // A cell already in the read set is not logged again: a second read
  // that passed the barrier (version <= rv) has the version logged first,
  // since any later change would carry a version above the snapshot.
  [[gnu::noinline]] void log_update_read(const std::atomic<std::uint64_t>& lock, std::uint64_t version) {
    if (!d_.inevitable && d_.read_index.insert(&lock, 0)) d_.reads.push_back({&lock, version});
  }

  template <class T>
  [[gnu::noinline]] T read_slow(const StmCell<T>& c) {
    std::uint64_t buf[AtomicWords<T>::kWords];
    read_shared(c, buf);
    return AtomicWords<T>::from_words(buf);
  }

  template <class T>
  [[gnu::noinline]] T read_after_write(const StmCell<T>& c) {
    if (auto* e = find(&c.lock_)) {
      if (!e->add) return AtomicWords<T>::from_words(&d_.redo[e->offset]);
      // Reading a counter we commute_add'ed: it becomes a plain
      // read-modify-write (the read now conflicts, as it must), so the
      // unit needs a read set.
      if (d_.ro_mode) upgrade(&c.lock_);
      std::uint64_t delta[AtomicWords<T>::kWords];
      std::copy_n(&d_.redo[e->offset], e->nwords, delta);
      const std::uint32_t off = e->offset;
      std::uint64_t cur[AtomicWords<T>::kWords];
      read_shared(c, cur);
      e = find(&c.lock_);
      e->add(cur, delta);
      std::copy_n(cur, e->nwords, &d_.redo[off]);
      e->add = nullptr;
      return AtomicWords<T>::from_words(cur);
    }
    return read_slow(c);
  }

  // Reads that find a cell locked wait this many SpinWait rounds (pauses,
  // then yields) before aborting.
  static constexpr std::uint32_t kLockedReadRounds = SpinWait::kSpins + 4;

  template <class T>
  void read_shared(const StmCell<T>& c, std::uint64_t* buf) {
    SpinWait wait;
    for (;;) {
      const std::uint64_t v1 = c.lock_.load(std::memory_order_acquire);
      if (v1 & 1) {
        // Being committed by someone else, who holds the lock only for its
        // write-back: wait a little (spin, then yield, so a preempted
        // committer can finish) before aborting as TL2 does. Aborting at
        // once made a preempted committer burn every retry of its readers
        // (issue 18). An inevitable unit must not abort; no other commit
        // runs while it is inevitable, so it can at most meet a write-back
        // that is finishing, and it waits for it.
        if (d_.inevitable || wait.rounds() < kLockedReadRounds) {
          wait.wait();
          continue;
        }
        b_.hook_.conflict_on(d_, &c.lock_, ConflictKind::locked_on_read, v1);
        StmBackend::abort(d_, stm_detail::Cause::locked_on_read);
      }
      c.data_.load_words(buf);
      payload_load_fence();
      if (c.lock_.load(std::memory_order_relaxed) != v1) continue;  // changed mid-copy
      if (v1 > d_.rv) {
        b_.extend(d_, &c.lock_, v1);
        continue;  // re-read under the extended snapshot
      }
      log_read(c.lock_, v1);
      return;
    }
  }

  StmBackend& b_;
  stm_detail::Descriptor& d_;
};

template <class F>
auto StmBackend::run(std::size_t worker, F&& fn) -> std::invoke_result_t<F&, StmUnit&> {
  using R = std::invoke_result_t<F&, StmUnit&>;
  static_assert(!std::is_reference_v<R>, "a unit returns values, not references into cells");
  TXRAY_DCHECK(worker < n_, "worker %zu of %zu", worker, n_);
  Desc& d = descs_[worker];
  StmUnit unit(*this, d);
  if (d.depth > 0) return fn(unit);  // nested: flattened into the enclosing unit

  std::conditional_t<std::is_void_v<R>, char, std::optional<R>> result{};
  std::uint32_t retries = 0;
  d.attr.unit_lost_ns = 0;
  d.next_update = false;
  d.next_inevitable = false;
  for (;;) {
    const std::uint64_t t0 = options_.measure_time ? now_ns() : 0;
    try {
      begin(d, retries);
      if constexpr (std::is_void_v<R>) {
        fn(unit);
      } else {
        result.emplace(fn(unit));
      }
      commit(d);
      break;
    } catch (const stm_detail::Abort&) {
      retire_attempt(d, t0, retries);
    } catch (...) {
      // A user exception. Propagate it only if the unit's view was still
      // current: a unit that threw because it read a stale (if consistent)
      // snapshot runs again instead, as if its read had aborted.
      if (const stm_detail::ReadEntry* bad = !d.inevitable && !d.ro_mode ? first_invalid(d) : nullptr) {
        d.cause = Cause::validate_read;
        hook_.stale(d, bad, ConflictKind::read_write_read);
        retire_attempt(d, t0, retries);
        continue;
      }
      d.stats.aborts_user_exception.add();
      rollback(d);
      d.depth = 0;
      d.stats.units.add();
      count_retries(d, retries);
      throw;
    }
  }
  d.depth = 0;
  // A unit that wrote only commute_adds (still ro_mode) does not make the
  // next ones start with a read set.
  if (!d.writes.empty() && !d.ro_mode)
    d.predict_update = kPredictUnits;
  else if (d.predict_update > 0)
    --d.predict_update;
  d.stats.units.add();
  count_retries(d, retries);
  d.attr.end_unit();
  d.hooks.fire_commit();
  if constexpr (!std::is_void_v<R>) return std::move(*result);
}

}  // namespace txray::sync
