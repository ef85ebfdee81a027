// The synchronisation backends (standard library only; library_backends.hpp adds those built on oneTBB and liburcu) and what they have in common. Include
// this (or one backend's header) and write code as a template over
// `class Backend`; see README.md for the surface every backend offers.
#pragma once

#include <concepts>
#include <cstddef>
#include <string_view>

#include "concurrency/common.hpp"
#include "concurrency/conflict_log.hpp"
#include "concurrency/fine_backend.hpp"
#include "concurrency/gil_backend.hpp"
#include "concurrency/mutex_backend.hpp"
#include "concurrency/snapshot_backend.hpp"
#include "concurrency/stm_backend.hpp"

namespace txray::sync {

// What the renderer may rely on from any backend B. Checked against a
// probe cell type; the unit's operations are templates, so this names them
// for one value type rather than proving them for all.
template <class B>
concept Backend = requires(B b, const B cb, std::size_t w, typename B::Unit& u,
                           typename B::template Cell<int>& cell) {
  typename B::Options;
  typename B::Stats;
  { B::kName } -> std::convertible_to<std::string_view>;
  { B::kAtomicUnits } -> std::convertible_to<bool>;
  { B::kConsistentReads } -> std::convertible_to<bool>;
  { B::kRollsBack } -> std::convertible_to<bool>;
  { B::kExclusiveInevitable } -> std::convertible_to<bool>;
  { b.run(w, [](typename B::Unit&) { return 1; }) } -> std::same_as<int>;
  b.release(w);
  b.publish();
  { cb.stats() } -> std::same_as<typename B::Stats>;
  b.reset_stats();
  { cb.workers() } -> std::same_as<std::size_t>;
  { u.read(cell) } -> std::same_as<int>;
  u.write(cell, 1);
  u.commute_add(cell, 1);
  u.update(cell, [](int& v) { ++v; });
  u.update(cell, cell, [](int&, int&) {});
  u.inevitable();
  u.io([] {});
  u.check_eval_breaker();
  u.on_commit([] {});
  u.on_abort([] {});
  { cell.unsafe_load() } -> std::same_as<int>;
  cell.unsafe_store(1);
};

static_assert(Backend<GilBackend>);
static_assert(Backend<FineBackend>);
static_assert(Backend<StmBackend>);
static_assert(Backend<SnapshotBackend>);
static_assert(Backend<MutexBackend>);  // issue 12; the library-backed ones are in library_backends.hpp

}  // namespace txray::sync
