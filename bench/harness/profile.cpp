#include "bench/harness/profile.h"

namespace txray::bench {

std::string_view engine_name(Engine e) {
  switch (e) {
    case Engine::native: return "native";
    case Engine::interp: return "interp";
  }
  return "?";
}

std::string_view backend_name(BackendKind b) {
  switch (b) {
    case BackendKind::gil: return "gil";
    case BackendKind::fine: return "fine";
    case BackendKind::stm: return "stm";
    case BackendKind::snapshot: return "snapshot";
    case BackendKind::mutex: return "mutex";
    case BackendKind::rwlock: return "rwlock";
    case BackendKind::rwlock_queuing: return "rwlock-queuing";
    case BackendKind::rwlock_std: return "rwlock-std";
    case BackendKind::rcu: return "rcu";
    case BackendKind::itm: return "itm";
  }
  return "?";
}

bool backend_available(BackendKind b) {
#if defined(TXRAY_HAVE_ITM)
  (void)b;
  return true;
#else
  return b != BackendKind::itm;
#endif
}

std::optional<Engine> parse_engine(std::string_view name) {
  if (name == "native") return Engine::native;
  if (name == "interp") return Engine::interp;
  return std::nullopt;
}

std::optional<BackendKind> parse_backend(std::string_view name) {
  for (BackendKind b : kAllBackendKinds)
    if (backend_name(b) == name) return b;
  return std::nullopt;
}

namespace {
// A point of the matrix in the run's own workload setting.
Profile point(std::string name, Engine engine, BackendKind backend, std::string models) {
  Profile p;
  p.name = std::move(name);
  p.engine = engine;
  p.backend = backend;
  p.models = std::move(models);
  return p;
}
}  // namespace

const std::vector<Profile>& named_profiles() {
  static const std::vector<Profile> profiles = {
      point("cpython", Engine::interp, BackendKind::gil, "CPython: an interpreter under a global interpreter lock"),
      point("cpython-ft", Engine::interp, BackendKind::fine, "free-threaded CPython (PEP 703): an interpreter with a lock per object"),
      point("pypy", Engine::native, BackendKind::gil, "compiled code under a global interpreter lock (PyPy)"),
      point("pypy-stm", Engine::native, BackendKind::stm, "compiled code in optimistic transactions (PyPy-STM)"),
      point("native-fine", Engine::native, BackendKind::fine, "compiled code with a lock per object (careful C++)"),
      point("ideal", Engine::native, BackendKind::snapshot, "compiled code reading an immutable per-frame snapshot"),
  };
  return profiles;
}

std::optional<Profile> find_profile(std::string_view name) {
  for (const Profile& p : named_profiles())
    if (p.name == name) return p;
  // An unnamed point, as profile_for() names it: "<engine>+<backend>".
  if (const auto plus = name.find('+'); plus != std::string_view::npos) {
    const auto engine = parse_engine(name.substr(0, plus));
    const auto backend = parse_backend(name.substr(plus + 1));
    if (engine && backend && backend_available(*backend)) return profile_for(*engine, *backend);
  }
  return std::nullopt;
}

std::vector<Profile> library_profiles() {
  std::vector<Profile> out;
  for (BackendKind b : {BackendKind::mutex, BackendKind::rwlock, BackendKind::rwlock_queuing, BackendKind::rwlock_std,
                        BackendKind::rcu, BackendKind::itm})
    if (backend_available(b)) out.push_back(profile_for(Engine::native, b));
  return out;
}

std::vector<Profile> sync_profiles() {
  std::vector<Profile> between, animated, shared;
  for (BackendKind b : kAllBackendKinds) {
    if (!backend_available(b)) continue;
    Profile p = profile_for(Engine::native, b);
    p.animate_hz = 0.0;
    p.counters = CounterMode::sharded;
    between.push_back(p);
    Profile a = p;
    a.name += " \xC2\xB7 animator 60 Hz";
    a.animate_hz = 60.0;
    animated.push_back(a);
    Profile c = p;
    c.name += " \xC2\xB7 shared counters";
    c.counters = CounterMode::shared;
    shared.push_back(c);
  }
  std::vector<Profile> out = between;
  out.insert(out.end(), animated.begin(), animated.end());
  out.insert(out.end(), shared.begin(), shared.end());
  return out;
}

Profile profile_for(Engine engine, BackendKind backend) {
  for (const Profile& p : named_profiles())
    if (p.engine == engine && p.backend == backend) return p;
  return point(std::string(engine_name(engine)) + "+" + std::string(backend_name(backend)), engine, backend,
               "unnamed point of the matrix");
}

}  // namespace txray::bench
