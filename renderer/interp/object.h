#pragma once
/// The VM's values, modelled on CPython's: every value is a heap object with
/// a reference count and a type tag; ints and floats are boxed; tuples and
/// floats come from per-thread free lists (CPython's float and tuple
/// freelists); names are interned strings compared by address.
///
/// Objects reachable from compiled code (constants, interned names, the
/// builtins, None/True/False, small ints) are immortal, as in CPython 3.12:
/// reference counting skips them, so worker threads share them without
/// writing to them. Everything else belongs to the thread that made it.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace txray::interp {

enum class Tag : std::uint8_t {
  none, boolean, integer, floating, str, tuple, list, function, builtin, module, range, range_iter, seq_iter,
  host, host_seq, bound_method
};

struct Obj {
  std::uint32_t rc = 1;
  Tag tag;
  bool immortal = false;
  explicit Obj(Tag t) : tag(t) {}
};

inline void incref(Obj* o) {
  if (!o->immortal) ++o->rc;
}
void dealloc(Obj* o);
inline void decref(Obj* o) {
  if (!o->immortal && --o->rc == 0) dealloc(o);
}
inline void xdecref(Obj* o) {
  if (o) decref(o);
}

struct BoolObj : Obj {
  bool v;
  explicit BoolObj(bool b) : Obj(Tag::boolean), v(b) {}
};
struct IntObj : Obj {
  std::int64_t v;
  explicit IntObj(std::int64_t i) : Obj(Tag::integer), v(i) {}
};
struct FloatObj : Obj {
  double v;
  explicit FloatObj(double d) : Obj(Tag::floating), v(d) {}
};
struct StrObj : Obj {
  std::string s;
  std::size_t hash;
  explicit StrObj(std::string text);
};
/// Fixed size; the items follow the header in the same allocation.
struct alignas(alignof(Obj*)) TupleObj : Obj {
  std::uint32_t n;
  explicit TupleObj(std::uint32_t size) : Obj(Tag::tuple), n(size) {}
  Obj** items() { return reinterpret_cast<Obj**>(reinterpret_cast<char*>(this) + sizeof(TupleObj)); }
};
struct ListObj : Obj {
  std::vector<Obj*> v;
  ListObj() : Obj(Tag::list) {}
};

/// An open-addressing hash table keyed by interned names (pointer identity,
/// hash cached in the string), like a CPython dict whose keys are all
/// interned strings.
template <class V>
class NameMap {
 public:
  NameMap() : slots_(8) {}
  [[nodiscard]] const V* find(const StrObj* key) const {
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = key->hash & mask;; i = (i + 1) & mask) {
      const Slot& s = slots_[i];
      if (s.key == key) return &s.value;
      if (!s.key) return nullptr;
    }
  }
  V* find(const StrObj* key) { return const_cast<V*>(static_cast<const NameMap&>(*this).find(key)); }
  /// Returns the slot for key, inserting a default value when absent.
  V& slot(const StrObj* key) {
    if (V* v = find(key)) return *v;
    if ((used_ + 1) * 3 > slots_.size() * 2) grow();
    Slot& s = probe(key);
    s.key = key;
    ++used_;
    return s.value;
  }
  template <class F>
  void for_each(F&& f) {
    for (Slot& s : slots_)
      if (s.key) f(s.key, s.value);
  }

 private:
  struct Slot {
    const StrObj* key = nullptr;
    V value{};
  };
  Slot& probe(const StrObj* key) {
    const std::size_t mask = slots_.size() - 1;
    std::size_t i = key->hash & mask;
    while (slots_[i].key && slots_[i].key != key) i = (i + 1) & mask;
    return slots_[i];
  }
  void grow() {
    std::vector<Slot> old(slots_.size() * 2);
    old.swap(slots_);
    for (Slot& s : old)
      if (s.key) probe(s.key) = std::move(s);
  }
  std::vector<Slot> slots_;
  std::size_t used_ = 0;
};

struct Code;
class Vm;
struct FunctionObj : Obj {
  const Code* code;
  explicit FunctionObj(const Code* c) : Obj(Tag::function), code(c) {}
};
/// A builtin function: borrows its arguments, returns a new reference.
using BuiltinFn = Obj* (*)(Vm& vm, Obj** args, int n);
struct BuiltinObj : Obj {
  BuiltinFn fn;
  const char* name;
  int arity;  ///< -1: checked by fn
  BuiltinObj(BuiltinFn f, const char* nm, int a) : Obj(Tag::builtin), fn(f), name(nm), arity(a) {}
};
struct ModuleObj : Obj {
  std::string name;
  NameMap<Obj*> attrs;
  explicit ModuleObj(std::string n) : Obj(Tag::module), name(std::move(n)) {}
};
struct RangeObj : Obj {
  std::int64_t start, stop, step;
  RangeObj(std::int64_t a, std::int64_t b, std::int64_t s) : Obj(Tag::range), start(a), stop(b), step(s) {}
};
struct RangeIterObj : Obj {
  std::int64_t next, stop, step;
  RangeIterObj(std::int64_t a, std::int64_t b, std::int64_t s) : Obj(Tag::range_iter), next(a), stop(b), step(s) {}
};
/// Iterates a tuple, list or host sequence by index.
struct SeqIterObj : Obj {
  Obj* seq;
  std::int64_t index = 0;
  explicit SeqIterObj(Obj* s) : Obj(Tag::seq_iter), seq(s) {}
};
/// A list method bound to its list (only when `l.append` is used as a value;
/// calls go through LOAD_METHOD and never bind).
struct BoundMethodObj : Obj {
  Obj* self;
  BuiltinObj* method;
  BoundMethodObj(Obj* s, BuiltinObj* m) : Obj(Tag::bound_method), self(s), method(m) {}
};

/// The kinds of host objects the kernel sees (see vm_host.h): the scene
/// context, its sequences and the proxies whose attribute loads read the
/// scene through the backend's accessor.
enum class HostKind : std::uint8_t {
  scene, camera, object, material, light,  // attribute objects
  objects, materials, lights, nodes, indices, unbounded  // sequences (Tag::host_seq)
};
struct HostObj : Obj {
  HostKind kind;
  std::uint32_t index = 0;  ///< object, material or light number
  Vm* vm;
  HostObj(Tag t, HostKind k, std::uint32_t i, Vm* owner) : Obj(t), kind(k), index(i), vm(owner) {}
};

/// The interned name for `text`; immortal, shared by every thread.
StrObj* intern(const std::string& text);
/// Immortal constants for the compiler (never freed, shared by threads).
Obj* immortal_int(std::int64_t v);
Obj* immortal_float(double v);
Obj* immortal_str(const std::string& s);
Obj* none_obj();

}  // namespace txray::interp
