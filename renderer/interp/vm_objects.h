#pragma once
// The VM's heap and the object model's operations, shared by its
// translation units (vm.cpp: the eval loop; vm_objects.cpp; vm_builtins.cpp)
// and by nothing else. What the eval loop calls per instruction (allocation
// from the free lists, truth, binary, compare, index_of) is defined here,
// in an anonymous namespace: internal linkage and the same declarations as
// when the VM was one file, so GCC inlines them into the eval loop as
// before ([[maybe_unused]] only keeps a translation unit that does not use
// one from warning; it is no inlining hint).
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <utility>

#include "renderer/interp/bytecode.h"
#include "renderer/interp/object.h"

namespace txray::interp {

// ---------------------------------------------------------------------------
// Memory: per-thread free lists (CPython keeps float, tuple and other free
// lists per interpreter; here per thread, since each worker has its own VM).

struct FreeBlock {
  FreeBlock* next;
};
struct FreeList {
  FreeBlock* head = nullptr;
  std::uint32_t size = 0;
};
inline constexpr std::uint32_t kFreeListCap = 4096;  // CPython caps its float freelist too
inline constexpr std::uint32_t kTupleFreeSizes = 8;

// One per thread for the whole VM (an inline variable: every translation
// unit that allocates or frees shares it). It must be constant-initialized
// (every member has an initializer; constinit proves it), so each access is
// a plain TLS load: otherwise GCC reaches an inline thread_local through its
// wrapper, a call to __tls_init on every use. When vm.cpp was split that
// call cost the interpreter 3 % of its instructions and about 10 % of its
// speed.
struct Heap {
  FreeList floats, ints, range_iters;
  FreeList tuples[kTupleFreeSizes];
  std::int64_t live = 0;
};
constinit inline thread_local Heap t_heap;

namespace {

inline void* take_block(FreeList& list, std::size_t bytes) {
  ++t_heap.live;
  if (FreeBlock* b = list.head) {
    list.head = b->next;
    --list.size;
    return b;
  }
  return ::operator new(bytes);
}
inline void give_block(FreeList& list, void* p) {
  --t_heap.live;
  if (list.size >= kFreeListCap) {
    ::operator delete(p);
    return;
  }
  auto* b = static_cast<FreeBlock*>(p);
  b->next = list.head;
  list.head = b;
  ++list.size;
}

template <class T, class... A>
T* make(A&&... a) {
  ++t_heap.live;
  return new T(std::forward<A>(a)...);
}
template <class T>
void unmake(T* o) {
  --t_heap.live;
  delete o;
}

// Immortals: made once, never freed, shared by every thread.
template <class T, class... A>
T* immortal(A&&... a) {
  T* o = new T(std::forward<A>(a)...);
  o->immortal = true;
  return o;
}

}  // namespace

// None, True, False and the small ints: one of each for the process
// (vm_objects.cpp), compared by address.
extern Obj* const g_none;
extern BoolObj* const g_true;
extern BoolObj* const g_false;
inline constexpr std::int64_t kSmallMin = -5, kSmallMax = 256;
extern IntObj** const g_small_ints;

namespace {

inline Obj* new_float(double v) { return new (take_block(t_heap.floats, sizeof(FloatObj))) FloatObj(v); }
inline Obj* new_int(std::int64_t v) {
  if (v >= kSmallMin && v <= kSmallMax) return g_small_ints[v - kSmallMin];
  return new (take_block(t_heap.ints, sizeof(IntObj))) IntObj(v);
}
inline Obj* new_bool(bool b) { return b ? g_true : g_false; }
inline TupleObj* new_tuple(std::uint32_t n) {
  const std::size_t bytes = sizeof(TupleObj) + sizeof(Obj*) * n;
  void* mem = n < kTupleFreeSizes ? take_block(t_heap.tuples[n], bytes) : (++t_heap.live, ::operator new(bytes));
  return new (mem) TupleObj(n);
}

}  // namespace

// ---------------------------------------------------------------------------
// The object model's operations: what the eval loop does to values.

namespace {

/// Owns one reference; for host-side code that may be unwound by a throw.
class Ref {
 public:
  explicit Ref(Obj* o = nullptr) : o_(o) {}
  ~Ref() { xdecref(o_); }
  Ref(const Ref&) = delete;
  Ref& operator=(const Ref&) = delete;
  Ref& operator=(Obj* o) {
    xdecref(o_);
    o_ = o;
    return *this;
  }
  [[nodiscard]] Obj* get() const { return o_; }

 private:
  Obj* o_;
};

[[maybe_unused]] const char* type_name(const Obj* o) {
  switch (o->tag) {
    case Tag::none: return "NoneType";
    case Tag::boolean: return "bool";
    case Tag::integer: return "int";
    case Tag::floating: return "float";
    case Tag::str: return "str";
    case Tag::tuple: return "tuple";
    case Tag::list: return "list";
    case Tag::function: return "function";
    case Tag::builtin: return "builtin_function_or_method";
    case Tag::module: return "module";
    case Tag::range: return "range";
    case Tag::range_iter: return "range_iterator";
    case Tag::seq_iter: return "iterator";
    case Tag::bound_method: return "method";
    case Tag::host: case Tag::host_seq: {
      switch (static_cast<const HostObj*>(o)->kind) {
        case HostKind::scene: return "Scene";
        case HostKind::camera: return "Camera";
        case HostKind::object: return "Object";
        case HostKind::material: return "Material";
        case HostKind::light: return "Light";
        default: return "SceneSequence";
      }
    }
  }
  return "object";
}

/// A Python-level exception in flight: kind and message; the eval loop adds
/// the file and line of the innermost frame.
struct PyError {
  std::string kind, message;
};
[[noreturn, maybe_unused]] void raise(const char* kind, std::string message) { throw PyError{kind, std::move(message)}; }

inline bool is_int(const Obj* o) { return o->tag == Tag::integer || o->tag == Tag::boolean; }
inline std::int64_t int_value(const Obj* o) {
  return o->tag == Tag::integer ? static_cast<const IntObj*>(o)->v : static_cast<const BoolObj*>(o)->v;
}
inline bool is_number(const Obj* o) { return o->tag == Tag::floating || is_int(o); }
inline double as_double(const Obj* o) {
  return o->tag == Tag::floating ? static_cast<const FloatObj*>(o)->v : static_cast<double>(int_value(o));
}

[[maybe_unused]] std::string repr(const Obj* o);

[[maybe_unused]] std::string float_repr(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[40];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  std::string s = buf;
  if (s.find_first_of(".einn") == std::string::npos) s += ".0";
  return s;
}

[[maybe_unused]] std::string repr(const Obj* o) {
  switch (o->tag) {
    case Tag::none: return "None";
    case Tag::boolean: return static_cast<const BoolObj*>(o)->v ? "True" : "False";
    case Tag::integer: return std::to_string(static_cast<const IntObj*>(o)->v);
    case Tag::floating: return float_repr(static_cast<const FloatObj*>(o)->v);
    case Tag::str: return "'" + static_cast<const StrObj*>(o)->s + "'";
    case Tag::tuple: {
      auto* t = const_cast<TupleObj*>(static_cast<const TupleObj*>(o));
      std::string s = "(";
      for (std::uint32_t i = 0; i < t->n; ++i) s += (i ? ", " : "") + repr(t->items()[i]);
      return s + (t->n == 1 ? ",)" : ")");
    }
    case Tag::list: {
      std::string s = "[";
      const auto& v = static_cast<const ListObj*>(o)->v;
      for (std::size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + repr(v[i]);
      return s + "]";
    }
    case Tag::function: return "<function " + static_cast<const FunctionObj*>(o)->code->name + ">";
    case Tag::builtin: return std::string("<built-in function ") + static_cast<const BuiltinObj*>(o)->name + ">";
    default: return std::string("<") + type_name(o) + " object>";
  }
}

[[maybe_unused]] bool truth(const Obj* o) {
  switch (o->tag) {
    case Tag::none: return false;
    case Tag::boolean: return static_cast<const BoolObj*>(o)->v;
    case Tag::integer: return static_cast<const IntObj*>(o)->v != 0;
    case Tag::floating: return static_cast<const FloatObj*>(o)->v != 0.0;
    case Tag::tuple: return static_cast<const TupleObj*>(o)->n != 0;
    case Tag::list: return !static_cast<const ListObj*>(o)->v.empty();
    case Tag::str: return !static_cast<const StrObj*>(o)->s.empty();
    default: return true;
  }
}

[[noreturn, maybe_unused]] void unsupported_operands(const char* op, const Obj* a, const Obj* b) {
  raise("TypeError", std::string("unsupported operand type(s) for ") + op + ": '" + type_name(a) + "' and '" + type_name(b) + "'");
}

[[maybe_unused]] std::int64_t checked(bool overflow, std::int64_t r) {
  if (overflow) raise("OverflowError", "integer overflow (the subset's ints are 64-bit)");
  return r;
}

// Python's float floor division and modulo (Objects/floatobject.c, float_divmod).
[[maybe_unused]] void float_divmod(double vx, double wx, double& floordiv, double& mod) {
  if (wx == 0.0) raise("ZeroDivisionError", "float divmod()");
  mod = std::fmod(vx, wx);
  double div = (vx - mod) / wx;
  if (mod != 0.0) {
    if ((wx < 0) != (mod < 0)) {
      mod += wx;
      div -= 1.0;
    }
  } else {
    mod = std::copysign(0.0, wx);
  }
  if (div != 0.0) {
    floordiv = std::floor(div);
    if (div - floordiv > 0.5) floordiv += 1.0;
  } else {
    floordiv = std::copysign(0.0, vx / wx);
  }
}

// Inlined into the eval loop's one call, as it was when both lived in one
// file; since the split GCC's size limits keep it out of line, an extra
// call per arithmetic bytecode.
[[maybe_unused, gnu::always_inline]] inline Obj* binary(Op op, Obj* a, Obj* b) {
  // The common case first, as CPython 3.11's BINARY_OP_*_FLOAT do.
  if (a->tag == Tag::floating && b->tag == Tag::floating) {
    const double x = static_cast<FloatObj*>(a)->v, y = static_cast<FloatObj*>(b)->v;
    switch (op) {
      case Op::binary_add: return new_float(x + y);
      case Op::binary_sub: return new_float(x - y);
      case Op::binary_mul: return new_float(x * y);
      default: break;
    }
  }
  if (is_int(a) && is_int(b)) {
    const std::int64_t x = int_value(a), y = int_value(b);
    std::int64_t r = 0;
    switch (op) {
      case Op::binary_add: {
        const bool overflow = __builtin_add_overflow(x, y, &r);
        return new_int(checked(overflow, r));
      }
      case Op::binary_sub: {
        const bool overflow = __builtin_sub_overflow(x, y, &r);
        return new_int(checked(overflow, r));
      }
      case Op::binary_mul: {
        const bool overflow = __builtin_mul_overflow(x, y, &r);
        return new_int(checked(overflow, r));
      }
      case Op::binary_truediv:
        if (y == 0) raise("ZeroDivisionError", "division by zero");
        return new_float(static_cast<double>(x) / static_cast<double>(y));
      case Op::binary_floordiv: case Op::binary_mod: {
        if (y == 0) raise("ZeroDivisionError", "integer division or modulo by zero");
        if (x == INT64_MIN && y == -1) raise("OverflowError", "integer overflow (the subset's ints are 64-bit)");
        std::int64_t q = x / y, m = x % y;
        if (m != 0 && ((m < 0) != (y < 0))) {
          m += y;
          q -= 1;
        }
        return new_int(op == Op::binary_mod ? m : q);
      }
      case Op::binary_pow: {
        if (y < 0) {
          if (x == 0) raise("ZeroDivisionError", "0.0 cannot be raised to a negative power");
          return new_float(std::pow(static_cast<double>(x), static_cast<double>(y)));
        }
        std::int64_t result = 1, base = x, e = y;
        while (e > 0) {
          if (e & 1) {
            const bool overflow = __builtin_mul_overflow(result, base, &result);
            (void)checked(overflow, result);
          }
          e >>= 1;
          if (e > 0) {
            const bool overflow = __builtin_mul_overflow(base, base, &base);
            (void)checked(overflow, base);
          }
        }
        return new_int(result);
      }
      default: break;
    }
  }
  if (is_number(a) && is_number(b)) {
    const double x = as_double(a), y = as_double(b);
    switch (op) {
      case Op::binary_add: return new_float(x + y);
      case Op::binary_sub: return new_float(x - y);
      case Op::binary_mul: return new_float(x * y);
      case Op::binary_truediv:
        if (y == 0.0) raise("ZeroDivisionError", "float division by zero");
        return new_float(x / y);
      case Op::binary_floordiv: case Op::binary_mod: {
        if (y == 0.0) raise("ZeroDivisionError", op == Op::binary_mod ? "float modulo" : "float floor division by zero");
        double q, m;
        float_divmod(x, y, q, m);
        return new_float(op == Op::binary_mod ? m : q);
      }
      case Op::binary_pow: {
        if (x == 0.0 && y < 0.0) raise("ZeroDivisionError", "0.0 cannot be raised to a negative power");
        if (x < 0.0 && std::isfinite(y) && y != std::floor(y))
          raise("ValueError", "negative number cannot be raised to a fractional power (complex numbers are outside the subset)");
        return new_float(std::pow(x, y));
      }
      default: break;
    }
  }
  if (op == Op::binary_add && a->tag == Tag::tuple && b->tag == Tag::tuple) {
    auto* x = static_cast<TupleObj*>(a);
    auto* y = static_cast<TupleObj*>(b);
    TupleObj* t = new_tuple(x->n + y->n);
    for (std::uint32_t i = 0; i < x->n; ++i) incref(t->items()[i] = x->items()[i]);
    for (std::uint32_t i = 0; i < y->n; ++i) incref(t->items()[x->n + i] = y->items()[i]);
    return t;
  }
  if (op == Op::binary_mul && a->tag == Tag::list && is_int(b)) {
    auto* l = make<ListObj>();
    const std::int64_t times = int_value(b);
    for (std::int64_t k = 0; k < times; ++k)
      for (Obj* item : static_cast<ListObj*>(a)->v) {
        incref(item);
        l->v.push_back(item);
      }
    return l;
  }
  static const char* const kSymbols[] = {"+", "-", "*", "/", "//", "%", "**"};
  unsupported_operands(kSymbols[static_cast<int>(op) - static_cast<int>(Op::binary_add)], a, b);
}

[[maybe_unused]] bool compare(Cmp c, const Obj* a, const Obj* b) {
  if (a->tag == Tag::floating && b->tag == Tag::floating) {
    const double x = static_cast<const FloatObj*>(a)->v, y = static_cast<const FloatObj*>(b)->v;
    switch (c) {
      case Cmp::lt: return x < y;
      case Cmp::le: return x <= y;
      case Cmp::gt: return x > y;
      case Cmp::ge: return x >= y;
      case Cmp::eq: return x == y;
      case Cmp::ne: return x != y;
    }
  }
  if (is_int(a) && is_int(b)) {
    const std::int64_t x = int_value(a), y = int_value(b);
    switch (c) {
      case Cmp::lt: return x < y;
      case Cmp::le: return x <= y;
      case Cmp::gt: return x > y;
      case Cmp::ge: return x >= y;
      case Cmp::eq: return x == y;
      case Cmp::ne: return x != y;
    }
  }
  if (is_number(a) && is_number(b)) {
    const double x = as_double(a), y = as_double(b);
    switch (c) {
      case Cmp::lt: return x < y;
      case Cmp::le: return x <= y;
      case Cmp::gt: return x > y;
      case Cmp::ge: return x >= y;
      case Cmp::eq: return x == y;
      case Cmp::ne: return x != y;
    }
  }
  if (c == Cmp::eq || c == Cmp::ne) {
    bool equal = a == b;
    if (a->tag == Tag::str && b->tag == Tag::str) equal = static_cast<const StrObj*>(a)->s == static_cast<const StrObj*>(b)->s;
    if (a->tag == Tag::tuple && b->tag == Tag::tuple) {
      auto* x = const_cast<TupleObj*>(static_cast<const TupleObj*>(a));
      auto* y = const_cast<TupleObj*>(static_cast<const TupleObj*>(b));
      equal = x->n == y->n;
      for (std::uint32_t i = 0; equal && i < x->n; ++i) equal = compare(Cmp::eq, x->items()[i], y->items()[i]);
    }
    return c == Cmp::eq ? equal : !equal;
  }
  static const char* const kSymbols[] = {"<", "<=", ">", ">=", "==", "!="};
  raise("TypeError", std::string("'") + kSymbols[static_cast<int>(c)] + "' not supported between instances of '" +
                         type_name(a) + "' and '" + type_name(b) + "'");
}

[[maybe_unused]] std::int64_t index_of(const Obj* container, const Obj* index, std::int64_t size) {
  if (!is_int(index))
    raise("TypeError", std::string(type_name(container)) + " indices must be integers, not " + type_name(index));
  std::int64_t i = int_value(index);
  if (i < 0) i += size;
  if (i < 0 || i >= size) raise("IndexError", std::string(type_name(container)) + " index out of range");
  return i;
}

}  // namespace

/// Gives this thread's free lists back to the system (Vm::~Vm).
void trim_free_lists();

}  // namespace txray::interp
