// The backends built on real synchronisation libraries (issue 12), beside
// txray's own models: `rwlock` (oneTBB's reader-writer locks, or
// std::shared_mutex), `rcu` (liburcu) and, when built with GCC (TXRAY_HAVE_ITM),
// `itm` (libitm). `mutex` is standard library only
// and lives in backends.hpp with the others. Link txray_concurrency_libs.
#pragma once

#include "concurrency/backends.hpp"
#include "concurrency/rcu_backend.hpp"
#include "concurrency/rwlock_backend.hpp"
#if defined(TXRAY_HAVE_ITM)
#include "concurrency/itm_backend.hpp"
#endif

namespace txray::sync {

static_assert(Backend<RwLockSpinBackend>);
static_assert(Backend<RwLockQueuingBackend>);
static_assert(Backend<RwLockStdBackend>);
static_assert(Backend<RcuBackend>);
#if defined(TXRAY_HAVE_ITM)
static_assert(Backend<ItmBackend>);
#endif

}  // namespace txray::sync
