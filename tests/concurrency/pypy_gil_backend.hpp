#pragma once
#include <string_view>

#include "concurrency/gil_backend.hpp"

namespace txray::sync {

// The gil backend under PyPy's lock (GilPolicy::pypy), as its own type so
// that every typed test runs both policies.
class PypyGilBackend : public GilBackend {
 public:
  static constexpr std::string_view kName = "gil_pypy";
  explicit PypyGilBackend(std::size_t workers, Options o = {}) : GilBackend(workers, pypy(o)) {}

 private:
  static Options pypy(Options o) {
    o.policy = GilPolicy::pypy;
    return o;
  }
};

}  // namespace txray::sync
