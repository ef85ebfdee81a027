#pragma once
/// Named points of the benchmark's matrix: an execution engine and a
/// synchronisation backend, and what the pair stands for.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "renderer/backend_render.h"

namespace txray::bench {

enum class Engine { native, interp };
/// The last six wrap real synchronisation libraries (issue 12): one
/// std::mutex, a reader-writer lock per cell (oneTBB spin, oneTBB queuing,
/// std::shared_mutex), liburcu's RCU, and GCC's libitm (only in GCC
/// builds: a rig asked for it elsewhere throws).
enum class BackendKind { gil, fine, stm, snapshot, mutex, rwlock, rwlock_queuing, rwlock_std, rcu, itm };
/// Every backend, in display order.
inline constexpr BackendKind kAllBackendKinds[] = {BackendKind::mutex, BackendKind::gil,         BackendKind::rwlock,
                                                   BackendKind::rwlock_queuing, BackendKind::rwlock_std, BackendKind::fine,
                                                   BackendKind::rcu,   BackendKind::stm,         BackendKind::itm,
                                                   BackendKind::snapshot};
/// Whether this build has the backend (itm needs GCC's -fgnu-tm).
[[nodiscard]] bool backend_available(BackendKind b);

struct Profile {
  std::string name;
  Engine engine = Engine::native;
  BackendKind backend = BackendKind::snapshot;
  std::string models;  ///< one line for people: what this profile stands for
  /// A workload setting of its own, over the run's --animate / --counters
  /// (the sync preset measures every backend in three settings in one run).
  std::optional<double> animate_hz;  ///< 0: the animator runs between frames
  std::optional<CounterMode> counters;
};

[[nodiscard]] std::string_view engine_name(Engine e);
[[nodiscard]] std::string_view backend_name(BackendKind b);
[[nodiscard]] std::optional<Engine> parse_engine(std::string_view name);
[[nodiscard]] std::optional<BackendKind> parse_backend(std::string_view name);

/// `--itm-method` (defined in rig.cpp): libitm's method for this process (ml_wt, gl_wt or
/// serialirr), before any itm rig runs a transaction. Throws
/// std::invalid_argument for another name, std::runtime_error when the
/// build has no itm backend or libitm already chose.
void set_itm_method(const std::string& method);

/// The named profiles, in display order.
[[nodiscard]] const std::vector<Profile>& named_profiles();
/// A named profile, or an unnamed point spelt as profile_for() names it
/// ("native+rcu", "interp+mutex").
[[nodiscard]] std::optional<Profile> find_profile(std::string_view name);
/// The native engine on each library-backed backend of this build (issue
/// 12: "native+mutex", "native+rwlock", ..., "native+itm"): what the demo
/// offers beside the named profiles.
[[nodiscard]] std::vector<Profile> library_profiles();
/// `--preset sync` (issue 12): the native engine on every backend of this
/// build, in three settings, each a profile of its own so one run measures
/// them all round-robin: the animator between frames (named as
/// profile_for() names the pair), the animator at 60 Hz beside the
/// renderers ("… · animator 60 Hz"), and the ray counter in one shared cell
/// ("… · shared counters").
[[nodiscard]] std::vector<Profile> sync_profiles();
/// The profile for an engine and backend: its name when the pair is named,
/// else "<engine>+<backend>".
[[nodiscard]] Profile profile_for(Engine engine, BackendKind backend);

}  // namespace txray::bench
