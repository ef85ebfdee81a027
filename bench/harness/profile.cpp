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

const std::vector<Profile>& named_profiles() {
  static const std::vector<Profile> profiles = {
      {"cpython", Engine::interp, BackendKind::gil, "CPython: an interpreter under a global interpreter lock"},
      {"cpython-ft", Engine::interp, BackendKind::fine, "free-threaded CPython (PEP 703): an interpreter with a lock per object"},
      {"pypy", Engine::native, BackendKind::gil, "compiled code under a global interpreter lock (PyPy)"},
      {"pypy-stm", Engine::native, BackendKind::stm, "compiled code in optimistic transactions (PyPy-STM)"},
      {"native-fine", Engine::native, BackendKind::fine, "compiled code with a lock per object (careful C++)"},
      {"ideal", Engine::native, BackendKind::snapshot, "compiled code reading an immutable per-frame snapshot"},
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

Profile profile_for(Engine engine, BackendKind backend) {
  for (const Profile& p : named_profiles())
    if (p.engine == engine && p.backend == backend) return p;
  return {std::string(engine_name(engine)) + "+" + std::string(backend_name(backend)), engine, backend,
          "unnamed point of the matrix"};
}

}  // namespace txray::bench
