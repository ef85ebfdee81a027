#pragma once
// The builtins' table (vm_builtins.cpp), internal to the VM's translation
// units.
#include <cstdint>

#include "renderer/interp/object.h"

namespace txray::interp {

class Vm;

struct Builtins {
  NameMap<Obj*> names;  ///< range, len, abs, min, max, float, int
  ModuleObj* math;
  BuiltinObj* append;   ///< list.append, bound by attribute load
  BuiltinObj* pop;      ///< list.pop
};

/// Builds the table once (vm_builtins.cpp).
const Builtins& make_builtins();

/// The table. Inline, like the function-local static it wraps was in the
/// eval loop's file: a global load that misses the module asks it.
inline const Builtins& builtins() {
  static const Builtins& b = make_builtins();
  return b;
}

/// len(o), which needs the VM's host objects (defined in vm.cpp).
std::int64_t len_of(Vm& vm, Obj* o);

}  // namespace txray::interp
