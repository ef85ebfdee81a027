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
  return std::nullopt;
}

Profile profile_for(Engine engine, BackendKind backend) {
  for (const Profile& p : named_profiles())
    if (p.engine == engine && p.backend == backend) return p;
  return {std::string(engine_name(engine)) + "+" + std::string(backend_name(backend)), engine, backend,
          "unnamed point of the matrix"};
}

}  // namespace txray::bench
