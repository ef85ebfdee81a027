// Conflict attribution (conflict_log.hpp): known conflicts, built step by
// step with two threads, are reported against the named cell, with the
// right kind, the unit kinds on both sides and a time lost > 0; a
// conflict-free run reports nothing; every stm abort is attributed. Waits
// are made to happen by handshakes on the waiter's own observable state
// (never a sleep followed by a duration check).
#include <atomic>
#include <chrono>
#include <thread>

#include "test_support.hpp"

namespace txray::sync::test {
namespace {

using namespace std::chrono_literals;

void wait_for(const std::atomic<int>& phase, int value) {
  while (phase.load() < value) std::this_thread::yield();
}

const ConflictSource* find(const std::vector<ConflictSource>& sources, std::string_view subject, ConflictKind kind) {
  for (const auto& s : sources)
    if (s.subject == subject && s.kind == kind) return &s;
  return nullptr;
}

struct StmFixture {
  StmBackend backend{2};
  StmCell<std::int64_t> hits{0}, other{0};
  ConflictNames names;
  StmFixture() {
    names.add(&hits, "counter hits", "counter");
    names.add(&other, "cell other", "test");
    backend.set_unit_kind(0, UnitKind::render_tile);
    backend.set_unit_kind(1, UnitKind::animator);
    // A unit that writes without reading first: worker 0's next units
    // start with a read set (no read-only upgrade to muddy the log).
    backend.run(0, [&](StmUnit& tx) { tx.write(other, std::int64_t{0}); });
    backend.reset_stats();
  }
  // Worker 0 reads `hits`, then worker 1 writes it and commits, then worker
  // 0 writes `target` and tries to commit: its read is stale.
  void stale_read_then_write(StmCell<std::int64_t>& target) {
    std::atomic<int> phase{0};
    std::thread a([&] {
      backend.run(0, [&](StmUnit& tx) {
        const std::int64_t v = tx.read(hits);
        if (phase.load() == 0) {
          phase = 1;
          wait_for(phase, 2);
        }
        tx.write(target, v + 1);
      });
    });
    wait_for(phase, 1);
    backend.run(1, [&](StmUnit& tx) { tx.write(hits, std::int64_t{100}); });
    phase = 2;
    a.join();
  }
};

TEST(ConflictAttribution, StmWriteWriteNamesTheCellTheKindsAndTheTimeLost) {
  StmFixture f;
  f.stale_read_then_write(f.hits);
  EXPECT_EQ(f.hits.unsafe_load(), 101);
  const auto sources = rank_conflicts(f.backend.conflicts(), &f.names);
  ASSERT_EQ(sources.size(), 1u);
  const ConflictSource& s = sources[0];
  EXPECT_EQ(s.subject, "counter hits");
  EXPECT_EQ(s.group, "counter");
  EXPECT_EQ(s.kind, ConflictKind::write_write);
  EXPECT_EQ(s.self, UnitKind::render_tile);
  EXPECT_EQ(s.other, UnitKind::animator);
  EXPECT_EQ(s.count, 1u);
  EXPECT_GT(s.lost_ns, 0u);
  EXPECT_EQ(f.backend.stats().aborts_validate_commit, 1u);
}

TEST(ConflictAttribution, StmReadWriteAtCommit) {
  StmFixture f;
  f.stale_read_then_write(f.other);
  const auto sources = rank_conflicts(f.backend.conflicts(), &f.names);
  ASSERT_EQ(sources.size(), 1u);
  EXPECT_EQ(sources[0].subject, "counter hits");  // the cell read, not the one written
  EXPECT_EQ(sources[0].kind, ConflictKind::read_write_commit);
  EXPECT_EQ(sources[0].other, UnitKind::animator);
  EXPECT_GT(sources[0].lost_ns, 0u);
}

TEST(ConflictAttribution, StmWaitForAnInevitableLoggingUnit) {
  StmFixture f;
  std::atomic<int> phase{0};
  std::thread a([&] {
    f.backend.run(0, [&](StmUnit& tx) {
      tx.io([&] {
        phase = 1;
        // The "I/O" lasts until worker 1 is seen waiting at its commit.
        EXPECT_TRUE(eventually([&] { return f.backend.waiting_for_inevitable(1); }));
      });
      tx.write(f.other, std::int64_t{7});
    });
  });
  wait_for(phase, 1);
  f.backend.run(1, [&](StmUnit& tx) { tx.write(f.hits, std::int64_t{1}); });
  a.join();
  EXPECT_FALSE(f.backend.waiting_for_inevitable(1));
  const auto sources = rank_conflicts(f.backend.conflicts(), &f.names);
  const ConflictSource* s = find(sources, "inevitable token (I/O in a unit)", ConflictKind::inevitable);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->self, UnitKind::animator);
  EXPECT_EQ(s->other, UnitKind::logging);
  EXPECT_EQ(s->count, 1u);
  EXPECT_GT(s->lost_ns, 0u);
  EXPECT_EQ(f.backend.stats().inevitable_wait_ns, s->lost_ns);
}

// Read-write at read: worker 0 (keeping a read set) reads `hits`, worker 1
// commits `hits` and `other`, worker 0 then reads `other`: too new, and the
// snapshot cannot be extended because `hits` changed.
TEST(ConflictAttribution, StmReadWriteAtRead) {
  StmFixture f;
  std::atomic<int> phase{0};
  int attempts = 0;
  std::thread a([&] {
    f.backend.run(0, [&](StmUnit& tx) {
      ++attempts;
      const std::int64_t v = tx.read(f.hits);
      if (phase.load() == 0) {
        phase = 1;
        wait_for(phase, 2);
      }
      tx.write(f.other, v + tx.read(f.other));
    });
  });
  wait_for(phase, 1);
  f.backend.run(1, [&](StmUnit& tx) {
    tx.write(f.hits, std::int64_t{100});
    tx.write(f.other, std::int64_t{1});
  });
  phase = 2;
  a.join();
  EXPECT_EQ(attempts, 2);
  EXPECT_EQ(f.other.unsafe_load(), 101);
  EXPECT_EQ(f.backend.stats().aborts_validate_read, 1u);
  const auto sources = rank_conflicts(f.backend.conflicts(), &f.names);
  ASSERT_EQ(sources.size(), 1u);
  EXPECT_EQ(sources[0].subject, "counter hits");  // the stale read, not the too-new one
  EXPECT_EQ(sources[0].kind, ConflictKind::read_write_read);
  EXPECT_EQ(sources[0].self, UnitKind::render_tile);
  EXPECT_EQ(sources[0].other, UnitKind::animator);
  EXPECT_GT(sources[0].lost_ns, 0u);
}

// Upgrade: a unit that starts read-only (no predictor), reads, then writes.
TEST(ConflictAttribution, StmUpgradeNamesTheWrittenCell) {
  StmBackend backend(1);
  StmCell<std::int64_t> seen{1}, out{0};
  ConflictNames names;
  names.add(&out, "cell out", "test");
  backend.set_unit_kind(0, UnitKind::render_tile);
  backend.run(0, [&](StmUnit& tx) { tx.write(out, tx.read(seen)); });
  EXPECT_EQ(out.unsafe_load(), 1);
  EXPECT_EQ(backend.stats().aborts_upgrade, 1u);
  const auto sources = rank_conflicts(backend.conflicts(), &names);
  ASSERT_EQ(sources.size(), 1u);
  EXPECT_EQ(sources[0].subject, "cell out");
  EXPECT_EQ(sources[0].kind, ConflictKind::upgrade);
  EXPECT_EQ(sources[0].count, 1u);
}

// Locked on read: a reader meets a cell locked by a committer. A commit
// holds its locks only briefly, and a reader now waits a little before
// aborting, so the committer writes many cells and the watched one first:
// the write set is locked in order, so the watched cell stays locked while
// all the others are being locked. Repeated until the reader aborts once,
// within a liveness bound.
TEST(ConflictAttribution, StmLockedOnReadNamesTheCellAndTheCommitter) {
  constexpr std::size_t kCells = 1u << 16;
  StmBackend backend(2);
  auto cells = std::make_unique<StmCell<std::int64_t>[]>(kCells);
  StmCell<std::int64_t>& watched = cells[kCells - 1];
  ConflictNames names;
  names.add(&watched, "cell watched", "test");
  backend.set_unit_kind(0, UnitKind::render_tile);
  backend.set_unit_kind(1, UnitKind::animator);
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (std::int64_t i = 1; !stop.load(); ++i)
      backend.run(1, [&](StmUnit& tx) {
        tx.write(watched, i);  // first in the write set: locked first, written back last
        for (std::size_t c = 0; c + 1 < kCells; ++c) tx.write(cells[c], i);
      });
  });
  const bool aborted = eventually([&] {
    backend.run(0, [&](StmUnit& tx) { return tx.read(watched); });
    return backend.stats().aborts_locked_on_read > 0;
  });
  stop = true;
  writer.join();
  ASSERT_TRUE(aborted);
  const auto sources = rank_conflicts(backend.conflicts(), &names);
  const ConflictSource* s = find(sources, "cell watched", ConflictKind::locked_on_read);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->self, UnitKind::render_tile);
  EXPECT_EQ(s->other, UnitKind::animator);
  EXPECT_GT(s->lost_ns, 0u);
}

TEST(ConflictAttribution, StmConflictFreeRunReportsNone) {
  StmBackend backend(2);
  StmCell<std::int64_t> shared{5}, mine[2];
  std::atomic<bool> bad{false};
  auto work = [&](std::size_t w) {
    backend.set_unit_kind(w, UnitKind::render_tile);
    for (int i = 0; i < scaled(2000); ++i) {
      backend.run(w, [&](StmUnit& tx) {
        if (tx.read(shared) != 5) bad = true;
      });
      backend.run(w, [&](StmUnit& tx) { tx.write(mine[w], std::int64_t{i}); });
    }
  };
  std::thread t0(work, 0), t1(work, 1);
  t0.join();
  t1.join();
  EXPECT_FALSE(bad);
  EXPECT_TRUE(backend.conflicts().empty());
  EXPECT_EQ(backend.last_unit_lost_ns(0), 0u);
}

TEST(ConflictAttribution, StmAttributionOffRecordsNothing) {
  StmFixture f;
  f.backend.set_attribution(false);
  f.stale_read_then_write(f.hits);
  EXPECT_EQ(f.backend.stats().aborts_validate_commit, 1u);  // the abort still happens, and is counted
  EXPECT_TRUE(f.backend.conflicts().empty());
}

// Every abort of a contended run lands in the log: the counts by kind add
// up to the backend's own abort counters.
TEST(ConflictAttributionStress, StmEveryAbortIsAttributed) {
  StmBackend backend(kThreads);
  StmCell<std::uint64_t> counter{0};
  // Unsigned: the sums grow geometrically and wrap, which is defined.
  StmCell<std::uint64_t> objects[4];
  // Which kind of abort a schedule produces is up to the scheduler: on a
  // loaded machine a whole batch may abort only on reads. Batches run until
  // commit-time aborts have happened too (bounded), so both paths of the
  // attribution are exercised; every abort of every batch must be attributed.
  auto commit_time_aborts = [&] {
    const StmStats s = backend.stats();
    return s.aborts_validate_commit + s.aborts_validate_read + s.aborts_lock_fail_commit;
  };
  for (int batch = 0; batch < 50 && commit_time_aborts() == 0; ++batch)
    run_rounds(backend, kThreads, 2, [&](std::size_t w, int) {
      backend.set_unit_kind(w, w == 0 ? UnitKind::animator : UnitKind::render_tile);
      for (int i = 0; i < scaled(3000); ++i)
        backend.run(w, [&](StmUnit& tx) {
          std::uint64_t sum = 0;
          for (auto& o : objects) sum += tx.read(o);
          interleave(static_cast<std::uint64_t>(i), 4);  // let the others commit right here
          if (w == 0)
            tx.write(objects[i % 4], sum + 1);
          else
            tx.write(counter, tx.read(counter) + 1);
        });
    });
  const StmStats s = backend.stats();
  const std::uint64_t aborts = s.aborts_locked_on_read + s.aborts_validate_read + s.aborts_lock_fail_commit +
                               s.aborts_validate_commit + s.aborts_explicit + s.aborts_upgrade;
  std::uint64_t attributed = 0, lost = 0;
  for (const ConflictRecord& r : backend.conflicts())
    if (r.kind != ConflictKind::inevitable || r.subject != kSubjectInevitable) {
      attributed += r.count;
      lost += r.lost_ns;
    }
  // There were aborts to attribute: the readers yield between their reads
  // and their commit while the others commit the cells they read.
  ASSERT_GT(aborts, 0u);
  EXPECT_GT(commit_time_aborts(), 0u);
  EXPECT_EQ(attributed, aborts);
  EXPECT_GT(lost, 0u);
}

TEST(ConflictAttribution, FineContendedWriteNamesTheCellAndTheWait) {
  FineBackend backend(2);
  FineCell<std::int64_t> hits{0};
  ConflictNames names;
  names.add(&hits, "counter hits", "counter");
  backend.set_unit_kind(0, UnitKind::animator);
  backend.set_unit_kind(1, UnitKind::render_tile);
  std::atomic<int> phase{0};
  std::thread a([&] {
    backend.run(0, [&](FineUnit& tx) {
      tx.update(hits, [&](std::int64_t& v) {
        phase = 1;
        // Holds the cell's lock until worker 1 is seen contending for it.
        EXPECT_TRUE(eventually([&] { return backend.stats().contended_writes > 0; }));
        v += 1;
      });
    });
  });
  wait_for(phase, 1);
  backend.run(1, [&](FineUnit& tx) { tx.write(hits, std::int64_t{5}); });
  a.join();
  const auto sources = rank_conflicts(backend.conflicts(), &names);
  ASSERT_EQ(sources.size(), 1u);
  EXPECT_EQ(sources[0].subject, "counter hits");
  EXPECT_EQ(sources[0].kind, ConflictKind::lock_wait_write);
  EXPECT_EQ(sources[0].self, UnitKind::render_tile);
  EXPECT_EQ(sources[0].count, 1u);
  EXPECT_GT(sources[0].lost_ns, 0u);
  EXPECT_EQ(backend.last_unit_lost_ns(1), sources[0].lost_ns);
  EXPECT_EQ(hits.unsafe_load(), 5);  // the waiting write came second
}

TEST(ConflictAttribution, GilWaitNamesTheThreadAndTheHolder) {
  GilBackend::Options o;
  o.switch_interval = 1ms;
  GilBackend backend(2, o);
  GilCell<int> cell{0};
  backend.set_unit_kind(0, UnitKind::render_tile);
  backend.set_unit_kind(1, UnitKind::animator);
  std::atomic<int> phase{0};
  std::thread a([&] {
    Session<GilBackend> session(backend, 0);
    backend.run(0, [&](GilUnit& tx) {
      phase = 1;
      // Holds the GIL until worker 1, waiting, has asked for it.
      EXPECT_TRUE(eventually([&] { return backend.stats().drop_requests > 0; }));
      tx.write(cell, 1);
    });
  });
  wait_for(phase, 1);
  {
    Session<GilBackend> session(backend, 1);
    backend.run(1, [&](GilUnit& tx) { tx.write(cell, 2); });
  }
  a.join();
  const auto sources = rank_conflicts(backend.conflicts(), nullptr);
  const ConflictSource* s = find(sources, "GIL", ConflictKind::gil_wait);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->worker, 1);
  EXPECT_EQ(s->self, UnitKind::animator);
  EXPECT_EQ(s->other, UnitKind::render_tile);
  EXPECT_GE(s->switches, 1u);
  EXPECT_GT(s->lost_ns, 0u);
  EXPECT_EQ(cell.unsafe_load(), 2);  // worker 1's unit ran after worker 0's
}

TEST(ConflictAttribution, RankedByTimeLostAndUnknownCellsStillNamed) {
  std::vector<ConflictRecord> records = {
      {0x1000, ConflictKind::write_write, UnitKind::render_tile, UnitKind::render_tile, -1, 50, 10, 0},
      {0x2000, ConflictKind::locked_on_read, UnitKind::render_tile, UnitKind::animator, -1, 1, 900, 0},
  };
  ConflictNames names;
  names.add(reinterpret_cast<const void*>(std::uintptr_t{0x2000}), "sphere 3", "object", 3);
  const auto sources = rank_conflicts(records, &names);
  ASSERT_EQ(sources.size(), 2u);
  EXPECT_EQ(sources[0].subject, "sphere 3");
  EXPECT_EQ(sources[0].index, 3);
  EXPECT_EQ(sources[1].subject.rfind("cell 0x", 0), 0u);
}

}  // namespace
}  // namespace txray::sync::test
