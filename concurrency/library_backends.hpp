// The backends built on real synchronisation libraries (issue 12), beside
// txray's own models: `rwlock` (oneTBB's reader-writer locks, or
// std::shared_mutex) and `rcu` (liburcu). `mutex` is standard library only
// and lives in backends.hpp with the others. Link txray_concurrency_libs.
#pragma once

#include "concurrency/backends.hpp"
#include "concurrency/rcu_backend.hpp"
#include "concurrency/rwlock_backend.hpp"

namespace txray::sync {

static_assert(Backend<RwLockSpinBackend>);
static_assert(Backend<RwLockQueuingBackend>);
static_assert(Backend<RwLockStdBackend>);
static_assert(Backend<RcuBackend>);

}  // namespace txray::sync
