// The eval loop and the object model's operations. What a CPython bytecode
// costs, this costs too, by doing the same work: a switch dispatch per
// instruction, a type test per operand, a heap box (from a free list) per
// float result, a reference count update per push and pop, a hash probe on
// an interned name per global or attribute load, a frame per call.
#include "renderer/interp/vm.h"

#include <bit>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <new>
#include <unordered_map>

#include "renderer/interp/compiler.h"

namespace txray::interp {

// ---------------------------------------------------------------------------
// Memory: per-thread free lists (CPython keeps float, tuple and other free
// lists per interpreter; here per thread, since each worker has its own VM).

namespace {

struct FreeBlock {
  FreeBlock* next;
};
struct FreeList {
  FreeBlock* head = nullptr;
  std::uint32_t size = 0;
};
constexpr std::uint32_t kFreeListCap = 4096;  // CPython caps its float freelist too
constexpr std::uint32_t kTupleFreeSizes = 8;

// Trivially constructible, so thread_local access needs no guard.
struct Heap {
  FreeList floats, ints, range_iters;
  FreeList tuples[kTupleFreeSizes];
  std::int64_t live;
};
thread_local Heap t_heap;

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
void trim(FreeList& list) {
  while (FreeBlock* b = list.head) {
    list.head = b->next;
    ::operator delete(b);
  }
  list.size = 0;
}
void trim_free_lists() {
  trim(t_heap.floats);
  trim(t_heap.ints);
  trim(t_heap.range_iters);
  for (FreeList& l : t_heap.tuples) trim(l);
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

Obj* const g_none = immortal<Obj>(Tag::none);
BoolObj* const g_true = immortal<BoolObj>(true);
BoolObj* const g_false = immortal<BoolObj>(false);
constexpr std::int64_t kSmallMin = -5, kSmallMax = 256;
IntObj** make_small_ints() {
  auto** table = new IntObj*[kSmallMax - kSmallMin + 1];
  for (std::int64_t v = kSmallMin; v <= kSmallMax; ++v) table[v - kSmallMin] = immortal<IntObj>(v);
  return table;
}
IntObj** const g_small_ints = make_small_ints();

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

void dealloc(Obj* o) {
  switch (o->tag) {
    case Tag::floating: give_block(t_heap.floats, o); return;
    case Tag::integer: give_block(t_heap.ints, o); return;
    case Tag::range_iter: give_block(t_heap.range_iters, o); return;
    case Tag::tuple: {
      auto* t = static_cast<TupleObj*>(o);
      Obj** items = t->items();
      for (std::uint32_t i = 0; i < t->n; ++i) decref(items[i]);
      if (t->n < kTupleFreeSizes) {
        give_block(t_heap.tuples[t->n], o);
      } else {
        --t_heap.live;
        ::operator delete(o);
      }
      return;
    }
    case Tag::list: {
      auto* l = static_cast<ListObj*>(o);
      for (Obj* item : l->v) decref(item);
      unmake(l);
      return;
    }
    case Tag::seq_iter: {
      auto* it = static_cast<SeqIterObj*>(o);
      decref(it->seq);
      unmake(it);
      return;
    }
    case Tag::bound_method: {
      auto* m = static_cast<BoundMethodObj*>(o);
      decref(m->self);
      unmake(m);
      return;
    }
    case Tag::function: unmake(static_cast<FunctionObj*>(o)); return;
    case Tag::range: unmake(static_cast<RangeObj*>(o)); return;
    case Tag::str: unmake(static_cast<StrObj*>(o)); return;
    case Tag::host: case Tag::host_seq: unmake(static_cast<HostObj*>(o)); return;
    case Tag::none: case Tag::boolean: case Tag::builtin: case Tag::module: return;  // immortal
  }
}

std::int64_t live_objects() { return t_heap.live; }

StrObj::StrObj(std::string text) : Obj(Tag::str), s(std::move(text)), hash(std::hash<std::string>{}(s)) {}

StrObj* intern(const std::string& text) {
  static std::mutex mu;
  static auto* table = new std::unordered_map<std::string, StrObj*>();
  std::lock_guard lock(mu);
  auto [it, inserted] = table->try_emplace(text, nullptr);
  if (inserted) it->second = immortal<StrObj>(text);
  return it->second;
}
Obj* immortal_int(std::int64_t v) {
  if (v >= kSmallMin && v <= kSmallMax) return g_small_ints[v - kSmallMin];
  return immortal<IntObj>(v);
}
Obj* immortal_float(double v) { return immortal<FloatObj>(v); }
Obj* immortal_str(const std::string& s) { return immortal<StrObj>(s); }
Obj* immortal_bool(bool v) { return v ? g_true : g_false; }
Obj* none_obj() { return g_none; }

Code::~Code() {
  // The immortal constants this code made; shared singletons are not here.
  for (Obj* o : owned) {
    switch (o->tag) {
      case Tag::floating: delete static_cast<FloatObj*>(o); break;
      case Tag::integer: delete static_cast<IntObj*>(o); break;
      case Tag::str: delete static_cast<StrObj*>(o); break;
      default: break;
    }
  }
}

// ---------------------------------------------------------------------------

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

const char* type_name(const Obj* o) {
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
[[noreturn]] void raise(const char* kind, std::string message) { throw PyError{kind, std::move(message)}; }

inline bool is_int(const Obj* o) { return o->tag == Tag::integer || o->tag == Tag::boolean; }
inline std::int64_t int_value(const Obj* o) {
  return o->tag == Tag::integer ? static_cast<const IntObj*>(o)->v : static_cast<const BoolObj*>(o)->v;
}
inline bool is_number(const Obj* o) { return o->tag == Tag::floating || is_int(o); }
inline double as_double(const Obj* o) {
  return o->tag == Tag::floating ? static_cast<const FloatObj*>(o)->v : static_cast<double>(int_value(o));
}

std::string repr(const Obj* o);

std::string float_repr(double v) {
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

std::string repr(const Obj* o) {
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

bool truth(const Obj* o) {
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

[[noreturn]] void unsupported_operands(const char* op, const Obj* a, const Obj* b) {
  raise("TypeError", std::string("unsupported operand type(s) for ") + op + ": '" + type_name(a) + "' and '" + type_name(b) + "'");
}

std::int64_t checked(bool overflow, std::int64_t r) {
  if (overflow) raise("OverflowError", "integer overflow (the subset's ints are 64-bit)");
  return r;
}

// Python's float floor division and modulo (Objects/floatobject.c, float_divmod).
void float_divmod(double vx, double wx, double& floordiv, double& mod) {
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

Obj* binary(Op op, Obj* a, Obj* b) {
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

bool compare(Cmp c, const Obj* a, const Obj* b) {
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

std::int64_t index_of(const Obj* container, const Obj* index, std::int64_t size) {
  if (!is_int(index))
    raise("TypeError", std::string(type_name(container)) + " indices must be integers, not " + type_name(index));
  std::int64_t i = int_value(index);
  if (i < 0) i += size;
  if (i < 0 || i >= size) raise("IndexError", std::string(type_name(container)) + " index out of range");
  return i;
}

}  // namespace

// ---------------------------------------------------------------------------
// The per-VM state.

namespace {
enum Field : int {
  f_kind, f_material, f_center, f_radius, f_half_size, f_normal,                              // object
  f_color, f_checker_color, f_checker_size, f_ambient, f_diffuse, f_specular, f_shininess,  // material
  f_reflectivity, f_transparency, f_ior,
  f_position, /* f_color */ f_look_at, f_up, f_vfov_degrees,                                 // light, camera
  f_objects, f_materials, f_lights, f_light_count, f_camera, f_background, f_max_depth,       // scene
  f_nodes, f_indices, f_unbounded,
  f_append, f_pop,  // list methods
};

struct HostFields {
  NameMap<int> object, material, light, camera, scene, list_methods;
};
const HostFields& host_fields() {
  static const HostFields fields = [] {
    HostFields h;
    auto add = [](NameMap<int>& m, const char* name, int f) { m.slot(intern(name)) = f + 1; };  // 0 = absent
    add(h.object, "kind", f_kind);
    add(h.object, "material", f_material);
    add(h.object, "center", f_center);
    add(h.object, "radius", f_radius);
    add(h.object, "half_size", f_half_size);
    add(h.object, "normal", f_normal);
    static constexpr std::pair<const char*, int> kMaterial[] = {
        {"color", f_color}, {"checker_color", f_checker_color}, {"checker_size", f_checker_size},
        {"ambient", f_ambient}, {"diffuse", f_diffuse}, {"specular", f_specular}, {"shininess", f_shininess},
        {"reflectivity", f_reflectivity}, {"transparency", f_transparency}, {"ior", f_ior}};
    for (const auto& [n, f] : kMaterial) add(h.material, n, f);
    add(h.light, "position", f_position);
    add(h.light, "color", f_color);
    add(h.camera, "position", f_position);
    add(h.camera, "look_at", f_look_at);
    add(h.camera, "up", f_up);
    add(h.camera, "vfov_degrees", f_vfov_degrees);
    static constexpr std::pair<const char*, int> kScene[] = {
        {"objects", f_objects}, {"materials", f_materials}, {"lights", f_lights},
        {"light_count", f_light_count}, {"camera", f_camera}, {"background", f_background},
        {"max_depth", f_max_depth}, {"nodes", f_nodes}, {"indices", f_indices}, {"unbounded", f_unbounded}};
    for (const auto& [n, f] : kScene) add(h.scene, n, f);
    add(h.list_methods, "append", f_append);
    add(h.list_methods, "pop", f_pop);
    return h;
  }();
  return fields;
}

Obj* vec(Vec3 v) {
  TupleObj* t = new_tuple(3);
  Obj** items = t->items();
  items[0] = new_float(static_cast<double>(v.x));
  items[1] = new_float(static_cast<double>(v.y));
  items[2] = new_float(static_cast<double>(v.z));
  return t;
}

// ---- builtins ----
void arity(const char* name, int n, int lo, int hi) {
  if (n < lo || n > hi)
    raise("TypeError", std::string(name) + "() takes " + (lo == hi ? std::to_string(lo) : std::to_string(lo) + " to " + std::to_string(hi)) +
                           " arguments (" + std::to_string(n) + " given)");
}
double number_arg(const char* fn, const Obj* o) {
  if (!is_number(o)) raise("TypeError", std::string(fn) + "() argument must be a number, not '" + type_name(o) + "'");
  return as_double(o);
}
std::int64_t int_arg(const char* fn, const Obj* o) {
  if (!is_int(o)) raise("TypeError", std::string("'") + type_name(o) + "' object cannot be interpreted as an integer (" + fn + ")");
  return int_value(o);
}

Obj* b_range(Vm&, Obj** a, int n) {
  arity("range", n, 1, 3);
  std::int64_t start = 0, stop, step = 1;
  if (n == 1) {
    stop = int_arg("range", a[0]);
  } else {
    start = int_arg("range", a[0]);
    stop = int_arg("range", a[1]);
    if (n == 3) step = int_arg("range", a[2]);
  }
  if (step == 0) raise("ValueError", "range() arg 3 must not be zero");
  return make<RangeObj>(start, stop, step);
}
std::int64_t len_of(Vm& vm, Obj* o);
Obj* b_len(Vm& vm, Obj** a, int n) {
  arity("len", n, 1, 1);
  return new_int(len_of(vm, a[0]));
}
Obj* b_abs(Vm&, Obj** a, int n) {
  arity("abs", n, 1, 1);
  if (a[0]->tag == Tag::floating) return new_float(std::fabs(static_cast<FloatObj*>(a[0])->v));
  if (is_int(a[0])) {
    const std::int64_t v = int_value(a[0]);
    if (v == INT64_MIN) raise("OverflowError", "integer overflow (the subset's ints are 64-bit)");
    return new_int(v < 0 ? -v : v);
  }
  raise("TypeError", std::string("bad operand type for abs(): '") + type_name(a[0]) + "'");
}
Obj* min_max(const char* name, Cmp better, Obj** a, int n) {
  if (n == 0) raise("TypeError", std::string(name) + " expected at least 1 argument, got 0");
  Obj** items = a;
  std::int64_t count = n;
  if (n == 1) {
    if (a[0]->tag == Tag::tuple) {
      items = static_cast<TupleObj*>(a[0])->items();
      count = static_cast<TupleObj*>(a[0])->n;
    } else if (a[0]->tag == Tag::list) {
      items = static_cast<ListObj*>(a[0])->v.data();
      count = static_cast<std::int64_t>(static_cast<ListObj*>(a[0])->v.size());
    } else {
      raise("TypeError", std::string("'") + type_name(a[0]) + "' object is not iterable");
    }
    if (count == 0) raise("ValueError", std::string(name) + "() arg is an empty sequence");
  }
  // Python keeps the first of equal items: replace only when strictly better.
  Obj* best = items[0];
  for (std::int64_t i = 1; i < count; ++i)
    if (compare(better, items[i], best)) best = items[i];
  incref(best);
  return best;
}
Obj* b_min(Vm&, Obj** a, int n) { return min_max("min", Cmp::lt, a, n); }
Obj* b_max(Vm&, Obj** a, int n) { return min_max("max", Cmp::gt, a, n); }
Obj* b_float(Vm&, Obj** a, int n) {
  arity("float", n, 0, 1);
  if (n == 0) return new_float(0.0);
  if (is_number(a[0])) return new_float(as_double(a[0]));
  if (a[0]->tag == Tag::str) {
    const std::string& s = static_cast<StrObj*>(a[0])->s;
    if (s == "inf" || s == "+inf" || s == "infinity") return new_float(INFINITY);
    if (s == "-inf" || s == "-infinity") return new_float(-INFINITY);
    if (s == "nan") return new_float(NAN);
    char* end = nullptr;
    const double v = std::strtod(s.c_str(), &end);
    if (!s.empty() && end == s.c_str() + s.size()) return new_float(v);
    raise("ValueError", "could not convert string to float: '" + s + "'");
  }
  raise("TypeError", std::string("float() argument must be a string or a number, not '") + type_name(a[0]) + "'");
}
Obj* b_int(Vm&, Obj** a, int n) {
  arity("int", n, 0, 1);
  if (n == 0) return new_int(0);
  if (is_int(a[0])) return new_int(int_value(a[0]));
  if (a[0]->tag == Tag::floating) {
    const double v = static_cast<FloatObj*>(a[0])->v;
    if (!std::isfinite(v)) raise(std::isnan(v) ? "ValueError" : "OverflowError", "cannot convert float " + float_repr(v) + " to integer");
    if (std::fabs(v) >= 9.2e18) raise("OverflowError", "integer overflow (the subset's ints are 64-bit)");
    return new_int(static_cast<std::int64_t>(v));
  }
  raise("TypeError", std::string("int() argument must be a number, not '") + type_name(a[0]) + "'");
}
Obj* m_append(Vm&, Obj** a, int n) {
  arity("append", n - 1, 1, 1);
  incref(a[1]);
  static_cast<ListObj*>(a[0])->v.push_back(a[1]);
  return g_none;
}
Obj* m_pop(Vm&, Obj** a, int n) {
  arity("pop", n - 1, 0, 0);
  auto& v = static_cast<ListObj*>(a[0])->v;
  if (v.empty()) raise("IndexError", "pop from empty list");
  Obj* last = v.back();
  v.pop_back();
  return last;  // the list's reference passes to the caller
}

// math
Obj* mathfn(const char* name, Obj** a, int n, double (*f)(double)) {
  arity(name, n, 1, 1);
  return new_float(f(number_arg(name, a[0])));
}
Obj* m_sqrt(Vm&, Obj** a, int n) {
  arity("sqrt", n, 1, 1);
  const double x = number_arg("sqrt", a[0]);
  if (x < 0.0) raise("ValueError", "math domain error");
  return new_float(std::sqrt(x));
}
Obj* m_tan(Vm&, Obj** a, int n) { return mathfn("tan", a, n, [](double x) { return std::tan(x); }); }
Obj* m_sin(Vm&, Obj** a, int n) { return mathfn("sin", a, n, [](double x) { return std::sin(x); }); }
Obj* m_cos(Vm&, Obj** a, int n) { return mathfn("cos", a, n, [](double x) { return std::cos(x); }); }
Obj* m_exp(Vm&, Obj** a, int n) { return mathfn("exp", a, n, [](double x) { return std::exp(x); }); }
Obj* m_fabs(Vm&, Obj** a, int n) { return mathfn("fabs", a, n, [](double x) { return std::fabs(x); }); }
Obj* m_log(Vm&, Obj** a, int n) {
  arity("log", n, 1, 1);
  const double x = number_arg("log", a[0]);
  if (x <= 0.0) raise("ValueError", "math domain error");
  return new_float(std::log(x));
}
Obj* rounding(const char* name, Obj** a, int n, double (*f)(double)) {
  arity(name, n, 1, 1);
  if (is_int(a[0])) return new_int(int_value(a[0]));
  const double v = f(number_arg(name, a[0]));
  if (!std::isfinite(v)) raise(std::isnan(v) ? "ValueError" : "OverflowError", "cannot convert float " + float_repr(v) + " to integer");
  if (std::fabs(v) >= 9.2e18) raise("OverflowError", "integer overflow (the subset's ints are 64-bit)");
  return new_int(static_cast<std::int64_t>(v));
}
Obj* m_floor(Vm&, Obj** a, int n) { return rounding("floor", a, n, [](double x) { return std::floor(x); }); }
Obj* m_ceil(Vm&, Obj** a, int n) { return rounding("ceil", a, n, [](double x) { return std::ceil(x); }); }
Obj* m_copysign(Vm&, Obj** a, int n) {
  arity("copysign", n, 2, 2);
  return new_float(std::copysign(number_arg("copysign", a[0]), number_arg("copysign", a[1])));
}
Obj* m_pow(Vm&, Obj** a, int n) {
  arity("pow", n, 2, 2);
  const double x = number_arg("pow", a[0]), y = number_arg("pow", a[1]);
  if ((x == 0.0 && y < 0.0) || (x < 0.0 && std::isfinite(y) && y != std::floor(y))) raise("ValueError", "math domain error");
  return new_float(std::pow(x, y));
}

struct Builtins {
  NameMap<Obj*> names;
  ModuleObj* math;
  BuiltinObj* append;
  BuiltinObj* pop;
};
const Builtins& builtins() {
  // Never destroyed: the immortals it holds must stay reachable until exit.
  static const Builtins& b = *new Builtins([] {
    Builtins r;
    auto def = [](NameMap<Obj*>& m, const char* name, BuiltinFn f) { m.slot(intern(name)) = immortal<BuiltinObj>(f, name, -1); };
    def(r.names, "range", b_range);
    def(r.names, "len", b_len);
    def(r.names, "abs", b_abs);
    def(r.names, "min", b_min);
    def(r.names, "max", b_max);
    def(r.names, "float", b_float);
    def(r.names, "int", b_int);
    r.math = immortal<ModuleObj>("math");
    def(r.math->attrs, "sqrt", m_sqrt);
    def(r.math->attrs, "tan", m_tan);
    def(r.math->attrs, "sin", m_sin);
    def(r.math->attrs, "cos", m_cos);
    def(r.math->attrs, "exp", m_exp);
    def(r.math->attrs, "log", m_log);
    def(r.math->attrs, "fabs", m_fabs);
    def(r.math->attrs, "floor", m_floor);
    def(r.math->attrs, "ceil", m_ceil);
    def(r.math->attrs, "copysign", m_copysign);
    def(r.math->attrs, "pow", m_pow);
    r.math->attrs.slot(intern("pi")) = immortal_float(3.141592653589793);
    r.math->attrs.slot(intern("e")) = immortal_float(2.718281828459045);
    r.math->attrs.slot(intern("inf")) = immortal_float(INFINITY);
    r.append = immortal<BuiltinObj>(m_append, "append", -1);
    r.pop = immortal<BuiltinObj>(m_pop, "pop", -1);
    return r;
  }());
  return b;
}

}  // namespace

// ---------------------------------------------------------------------------

struct Vm::Impl {
  static constexpr int kMaxDepth = 200;          // Python's is 1000; the kernel needs ~16
  static constexpr std::size_t kDataStack = 1 << 16;
  static constexpr int kBreakerInterval = 16;    // backward jumps and calls between eval-breaker checks

  Vm& vm;
  NameMap<Obj*> globals;
  std::unique_ptr<Obj*[]> data{new Obj*[kDataStack]};
  std::size_t data_top = 0;
  int depth = 0;
  int breaker_countdown = kBreakerInterval;
  const HostScene* host = nullptr;
  HostObj* scene_obj;
  HostObj* camera_obj;
  HostObj* seqs[6];  // objects, materials, lights, nodes, indices, unbounded
  std::vector<HostObj*> object_proxies, material_proxies, light_proxies;
  StrObj* ray_count_name = intern("ray_count");

  static Impl& of(Vm& v) { return *v.impl_; }

  explicit Impl(Vm& v) : vm(v) {
    scene_obj = make<HostObj>(Tag::host, HostKind::scene, 0u, &vm);
    camera_obj = make<HostObj>(Tag::host, HostKind::camera, 0u, &vm);
    const HostKind kinds[6] = {HostKind::objects, HostKind::materials, HostKind::lights, HostKind::nodes, HostKind::indices, HostKind::unbounded};
    for (int i = 0; i < 6; ++i) seqs[i] = make<HostObj>(Tag::host_seq, kinds[i], 0u, &vm);
  }
  ~Impl() {
    globals.for_each([](const StrObj*, Obj*& v) {
      xdecref(v);
      v = nullptr;
    });
    decref(scene_obj);
    decref(camera_obj);
    for (HostObj* s : seqs) decref(s);
    for (auto* list : {&object_proxies, &material_proxies, &light_proxies})
      for (HostObj* p : *list) xdecref(p);
  }

  [[noreturn]] static void error_at(const Code& code, std::size_t pc, const PyError& e) {
    const int line = pc < code.lines.size() ? code.lines[pc] : code.first_line;
    throw RuntimeError(code.file + ":" + std::to_string(line) + ": " + e.kind + ": " + e.message + " (in " + code.name + ")");
  }

  const HostScene& scene() const {
    if (!host) raise("RuntimeError", "the scene is only readable inside a render unit");
    return *host;
  }

  void eval_breaker() {
    if (--breaker_countdown > 0) return;
    breaker_countdown = kBreakerInterval;
    if (host && host->eval_breaker) host->eval_breaker(host->access);
  }

  // ---- host objects ----
  HostObj* proxy(std::vector<HostObj*>& cache, HostKind kind, std::uint32_t i) {
    if (cache.size() <= i) cache.resize(i + 1, nullptr);
    HostObj*& p = cache[i];
    if (!p) p = make<HostObj>(Tag::host, kind, i, &vm);
    incref(p);
    return p;
  }

  Obj* host_getattr(HostObj* h, StrObj* name) {
    const HostFields& fields = host_fields();
    const NameMap<int>* map = nullptr;
    switch (h->kind) {
      case HostKind::object: map = &fields.object; break;
      case HostKind::material: map = &fields.material; break;
      case HostKind::light: map = &fields.light; break;
      case HostKind::camera: map = &fields.camera; break;
      case HostKind::scene: map = &fields.scene; break;
      default: break;
    }
    const int* slot = map ? map->find(name) : nullptr;
    if (!slot) raise("AttributeError", std::string("'") + type_name(h) + "' object has no attribute '" + name->s + "'");
    const int field = *slot - 1;
    const HostScene& s = scene();
    switch (h->kind) {
      case HostKind::object: {
        ++vm.counters_.host_reads;
        const Object o = s.object(s.access, h->index);  // the backend's read barrier
        switch (field) {
          case f_kind: return new_int(static_cast<std::int64_t>(o.kind));
          case f_material: return new_int(o.material);
          case f_center: return vec(o.center);
          case f_radius: return new_float(o.radius);
          case f_half_size: return vec(o.half_size);
          default: return vec(o.normal);
        }
      }
      case HostKind::material: {
        ++vm.counters_.host_reads;
        const Material m = s.material(s.access, h->index);
        switch (field) {
          case f_color: return vec(m.color);
          case f_checker_color: return vec(m.checker_color);
          case f_checker_size: return new_float(m.checker_size);
          case f_ambient: return new_float(m.ambient);
          case f_diffuse: return new_float(m.diffuse);
          case f_specular: return new_float(m.specular);
          case f_shininess: return new_float(m.shininess);
          case f_reflectivity: return new_float(m.reflectivity);
          case f_transparency: return new_float(m.transparency);
          default: return new_float(m.ior);
        }
      }
      case HostKind::light: {
        ++vm.counters_.host_reads;
        const Light l = s.light(s.access, h->index);
        return vec(field == f_position ? l.position : l.color);
      }
      case HostKind::camera: {
        ++vm.counters_.host_reads;
        const Camera c = s.camera(s.access);
        switch (field) {
          case f_position: return vec(c.position);
          case f_look_at: return vec(c.look_at);
          case f_up: return vec(c.up);
          default: return new_float(c.vfov_degrees);
        }
      }
      case HostKind::scene:
        switch (field) {
          case f_objects: incref(seqs[0]); return seqs[0];
          case f_materials: incref(seqs[1]); return seqs[1];
          case f_lights: incref(seqs[2]); return seqs[2];
          case f_nodes: incref(seqs[3]); return seqs[3];
          case f_indices: incref(seqs[4]); return seqs[4];
          case f_unbounded: incref(seqs[5]); return seqs[5];
          case f_light_count: return new_int(s.light_count);
          case f_camera: incref(camera_obj); return camera_obj;
          case f_background: return vec(s.background);
          default: return new_int(s.max_depth);
        }
      default: break;
    }
    raise("AttributeError", "no such attribute");
  }

  std::int64_t host_length(const HostObj* h) {
    const HostScene& s = scene();
    switch (h->kind) {
      case HostKind::objects: return s.object_count;
      case HostKind::materials: return s.material_count;
      case HostKind::lights: return s.light_count;
      case HostKind::nodes: return s.bvh ? static_cast<std::int64_t>(s.bvh->nodes.size()) * 9 : 0;
      case HostKind::indices: return s.bvh ? static_cast<std::int64_t>(s.bvh->indices.size()) : 0;
      case HostKind::unbounded: return s.bvh ? static_cast<std::int64_t>(s.bvh->unbounded.size()) : 0;
      default: raise("TypeError", std::string("object of type '") + type_name(h) + "' has no len()");
    }
  }

  Obj* host_getitem(HostObj* h, const Obj* index) {
    const std::int64_t i = index_of(h, index, host_length(h));
    const HostScene& s = scene();
    const auto u = static_cast<std::uint32_t>(i);
    switch (h->kind) {
      case HostKind::objects: return proxy(object_proxies, HostKind::object, u);
      case HostKind::materials: return proxy(material_proxies, HostKind::material, u);
      case HostKind::lights: return proxy(light_proxies, HostKind::light, u);
      case HostKind::nodes: {
        // Like indexing an array.array: the stored number is boxed on the way out.
        const BvhNode& n = s.bvh->nodes[u / 9];
        switch (u % 9) {
          case 0: return new_float(n.bounds.lo.x);
          case 1: return new_float(n.bounds.lo.y);
          case 2: return new_float(n.bounds.lo.z);
          case 3: return new_float(n.bounds.hi.x);
          case 4: return new_float(n.bounds.hi.y);
          case 5: return new_float(n.bounds.hi.z);
          case 6: return new_int(n.first_or_second);
          case 7: return new_int(n.count);
          default: return new_int(n.axis);
        }
      }
      case HostKind::indices: return new_int(s.bvh->indices[u]);
      default: return new_int(s.bvh->unbounded[u]);
    }
  }

  std::int64_t len(Obj* o) {
    switch (o->tag) {
      case Tag::tuple: return static_cast<TupleObj*>(o)->n;
      case Tag::list: return static_cast<std::int64_t>(static_cast<ListObj*>(o)->v.size());
      case Tag::str: return static_cast<std::int64_t>(static_cast<StrObj*>(o)->s.size());
      case Tag::range: {
        auto* r = static_cast<RangeObj*>(o);
        const std::int64_t span = r->step > 0 ? r->stop - r->start : r->start - r->stop;
        const std::int64_t step = r->step > 0 ? r->step : -r->step;
        return span <= 0 ? 0 : (span + step - 1) / step;
      }
      case Tag::host_seq: return host_length(static_cast<HostObj*>(o));
      default: raise("TypeError", std::string("object of type '") + type_name(o) + "' has no len()");
    }
  }

  Obj* getattr(Obj* o, StrObj* name) {
    switch (o->tag) {
      case Tag::host: return host_getattr(static_cast<HostObj*>(o), name);
      case Tag::module: {
        Obj* const* v = static_cast<ModuleObj*>(o)->attrs.find(name);
        if (!v) raise("AttributeError", "module '" + static_cast<ModuleObj*>(o)->name + "' has no attribute '" + name->s + "'");
        incref(*v);
        return *v;
      }
      case Tag::list:
        if (const int* m = host_fields().list_methods.find(name)) {
          incref(o);
          return make<BoundMethodObj>(o, *m - 1 == f_append ? builtins().append : builtins().pop);
        }
        [[fallthrough]];
      default: raise("AttributeError", std::string("'") + type_name(o) + "' object has no attribute '" + name->s + "'");
    }
  }

  Obj* subscript(Obj* o, Obj* index) {
    switch (o->tag) {
      case Tag::tuple: {
        auto* t = static_cast<TupleObj*>(o);
        Obj* item = t->items()[index_of(o, index, t->n)];
        incref(item);
        return item;
      }
      case Tag::list: {
        auto& v = static_cast<ListObj*>(o)->v;
        Obj* item = v[static_cast<std::size_t>(index_of(o, index, static_cast<std::int64_t>(v.size())))];
        incref(item);
        return item;
      }
      case Tag::host_seq: return host_getitem(static_cast<HostObj*>(o), index);
      default: raise("TypeError", std::string("'") + type_name(o) + "' object is not subscriptable");
    }
  }

  Obj* get_iter(Obj* o) {
    switch (o->tag) {
      case Tag::range: {
        auto* r = static_cast<RangeObj*>(o);
        return new (take_block(t_heap.range_iters, sizeof(RangeIterObj))) RangeIterObj(r->start, r->stop, r->step);
      }
      case Tag::tuple: case Tag::list: case Tag::host_seq:
        incref(o);
        return make<SeqIterObj>(o);
      case Tag::range_iter: case Tag::seq_iter:
        incref(o);
        return o;
      default: raise("TypeError", std::string("'") + type_name(o) + "' object is not iterable");
    }
  }

  /// The next item, or null when exhausted.
  Obj* next(Obj* it) {
    if (it->tag == Tag::range_iter) {
      auto* r = static_cast<RangeIterObj*>(it);
      if (r->step > 0 ? r->next >= r->stop : r->next <= r->stop) return nullptr;
      Obj* v = new_int(r->next);
      r->next += r->step;
      return v;
    }
    auto* s = static_cast<SeqIterObj*>(it);
    const std::int64_t n = len(s->seq);
    if (s->index >= n) return nullptr;
    Obj* i = new_int(s->index++);
    Ref index(i);
    return subscript(s->seq, i);
  }

  /// Calls `f` with borrowed arguments; returns a new reference.
  Obj* call(Obj* f, Obj** args, int n) {
    ++vm.counters_.calls;
    switch (f->tag) {
      case Tag::function: {
        const Code& code = *static_cast<FunctionObj*>(f)->code;
        if (n != code.nparams)
          raise("TypeError", code.name + "() takes " + std::to_string(code.nparams) + " positional argument" +
                                 (code.nparams == 1 ? "" : "s") + " but " + std::to_string(n) + (n == 1 ? " was" : " were") + " given");
        const std::size_t need = static_cast<std::size_t>(code.nlocals + code.stacksize);
        if (depth >= kMaxDepth || data_top + need > kDataStack) raise("RecursionError", "maximum recursion depth exceeded");
        eval_breaker();
        Obj** fast = data.get() + data_top;
        for (int i = 0; i < n; ++i) incref(fast[i] = args[i]);
        for (int i = n; i < code.nlocals; ++i) fast[i] = nullptr;
        struct Frame {
          Impl& impl;
          std::size_t need;
          ~Frame() {
            impl.data_top -= need;
            --impl.depth;
          }
        } frame{*this, need};
        data_top += need;
        ++depth;
        return eval(code, fast);
      }
      case Tag::builtin: return static_cast<BuiltinObj*>(f)->fn(vm, args, n);
      case Tag::bound_method: {
        auto* m = static_cast<BoundMethodObj*>(f);
        Obj* with_self[8];
        if (n > 7) raise("TypeError", "too many arguments");
        with_self[0] = m->self;
        for (int i = 0; i < n; ++i) with_self[i + 1] = args[i];
        return m->method->fn(vm, with_self, n + 1);
      }
      default: raise("TypeError", std::string("'") + type_name(f) + "' object is not callable");
    }
  }

  Obj* eval(const Code& code, Obj** fast);
};

namespace {
std::int64_t len_of(Vm& vm, Obj* o) { return Vm::Impl::of(vm).len(o); }
}  // namespace

Obj* Vm::Impl::eval(const Code& code, Obj** fast) {
  Obj** const base = fast + code.nlocals;
  Obj** sp = base;
  const Instr* const start = code.instrs.data();
  const Instr* ip = start;
  Obj* const* const consts = code.consts.data();
  StrObj* const* const names = code.names.data();
  std::uint64_t executed = 0;
  try {
    for (;;) {
      const Instr ins = *ip++;
      const std::uint32_t arg = arg_of(ins);
      ++executed;
      switch (op_of(ins)) {
        case Op::nop: break;
        case Op::pop_top: xdecref(*--sp); break;
        case Op::dup_top: incref(sp[-1]); sp[0] = sp[-1]; ++sp; break;
        case Op::dup_top_two:
          incref(sp[-2]);
          incref(sp[-1]);
          sp[0] = sp[-2];
          sp[1] = sp[-1];
          sp += 2;
          break;
        case Op::rot_two: std::swap(sp[-1], sp[-2]); break;
        case Op::rot_three: {
          Obj* top = sp[-1];
          sp[-1] = sp[-2];
          sp[-2] = sp[-3];
          sp[-3] = top;
          break;
        }
        case Op::load_const: {
          Obj* c = consts[arg];
          incref(c);
          *sp++ = c;
          break;
        }
        case Op::load_fast: {
          Obj* v = fast[arg];
          if (!v) raise("UnboundLocalError", "local variable '" + code.local_names[arg] + "' referenced before assignment");
          incref(v);
          *sp++ = v;
          break;
        }
        case Op::store_fast: {
          Obj* old = fast[arg];
          fast[arg] = *--sp;
          xdecref(old);
          break;
        }
        case Op::load_global: {
          Obj* const* v = globals.find(names[arg]);
          if (!v || !*v) v = builtins().names.find(names[arg]);
          if (!v || !*v) raise("NameError", "name '" + names[arg]->s + "' is not defined");
          incref(*v);
          *sp++ = *v;
          break;
        }
        case Op::store_global: {
          Obj*& slot = globals.slot(names[arg]);
          Obj* old = slot;
          slot = *--sp;
          xdecref(old);
          break;
        }
        case Op::load_attr: {
          Obj* o = sp[-1];
          Obj* v = getattr(o, names[arg]);
          sp[-1] = v;
          decref(o);
          break;
        }
        case Op::load_method: {
          // Leaves [callable, self] for a list method (no bound method is
          // made), else [attribute, NULL]: CPython's LOAD_METHOD.
          Obj* o = sp[-1];
          if (o->tag == Tag::list) {
            if (const int* m = host_fields().list_methods.find(names[arg])) {
              sp[-1] = *m - 1 == f_append ? builtins().append : builtins().pop;
              *sp++ = o;
              break;
            }
          }
          Obj* v = getattr(o, names[arg]);
          sp[-1] = v;
          *sp++ = nullptr;
          decref(o);
          break;
        }
        case Op::call_method: {
          const int n = static_cast<int>(arg);
          Obj** args = sp - n;
          Obj* self = args[-1];
          Obj* callable = args[-2];
          Obj* result = self ? call(callable, args - 1, n + 1) : call(callable, args, n);
          for (Obj** p = sp; p > args - 2;) xdecref(*--p);
          sp = args - 2;
          *sp++ = result;
          break;
        }
        case Op::call_function: {
          const int n = static_cast<int>(arg);
          Obj** args = sp - n;
          Obj* result = call(args[-1], args, n);
          for (Obj** p = sp; p > args - 1;) decref(*--p);
          sp = args - 1;
          *sp++ = result;
          break;
        }
        case Op::binary_subscr: {
          Obj* r = subscript(sp[-2], sp[-1]);
          decref(sp[-1]);
          decref(sp[-2]);
          --sp;
          sp[-1] = r;
          break;
        }
        case Op::store_subscr: {
          Obj* index = sp[-1];
          Obj* container = sp[-2];
          Obj* value = sp[-3];
          if (container->tag != Tag::list) raise("TypeError", std::string("'") + type_name(container) + "' object does not support item assignment");
          auto& v = static_cast<ListObj*>(container)->v;
          Obj*& slot = v[static_cast<std::size_t>(index_of(container, index, static_cast<std::int64_t>(v.size())))];
          Obj* old = slot;
          slot = value;  // the stack's reference moves into the list
          sp -= 3;
          decref(old);
          decref(index);
          decref(container);
          break;
        }
        case Op::binary_add: case Op::binary_sub: case Op::binary_mul: case Op::binary_truediv:
        case Op::binary_floordiv: case Op::binary_mod: case Op::binary_pow: {
          Obj* r = binary(op_of(ins), sp[-2], sp[-1]);
          decref(sp[-1]);
          decref(sp[-2]);
          --sp;
          sp[-1] = r;
          break;
        }
        case Op::unary_negative: {
          Obj* o = sp[-1];
          Obj* r;
          if (o->tag == Tag::floating) r = new_float(-static_cast<FloatObj*>(o)->v);
          else if (is_int(o)) r = new_int(checked(int_value(o) == INT64_MIN, -int_value(o)));
          else raise("TypeError", std::string("bad operand type for unary -: '") + type_name(o) + "'");
          sp[-1] = r;
          decref(o);
          break;
        }
        case Op::unary_positive: {
          Obj* o = sp[-1];
          if (!is_number(o)) raise("TypeError", std::string("bad operand type for unary +: '") + type_name(o) + "'");
          if (o->tag == Tag::boolean) {
            sp[-1] = new_int(int_value(o));
            decref(o);
          }
          break;
        }
        case Op::unary_not: {
          Obj* o = sp[-1];
          sp[-1] = new_bool(!truth(o));
          decref(o);
          break;
        }
        case Op::compare_op: {
          const bool r = compare(static_cast<Cmp>(arg), sp[-2], sp[-1]);
          decref(sp[-1]);
          decref(sp[-2]);
          --sp;
          sp[-1] = new_bool(r);
          break;
        }
        case Op::jump_forward: ip = start + arg; break;
        case Op::jump_backward:
          ip = start + arg;
          eval_breaker();
          break;
        case Op::pop_jump_if_false: {
          Obj* o = *--sp;
          const bool t = truth(o);
          decref(o);
          if (!t) ip = start + arg;
          break;
        }
        case Op::pop_jump_if_true: {
          Obj* o = *--sp;
          const bool t = truth(o);
          decref(o);
          if (t) ip = start + arg;
          break;
        }
        case Op::jump_if_false_or_pop:
          if (!truth(sp[-1])) ip = start + arg;
          else decref(*--sp);
          break;
        case Op::jump_if_true_or_pop:
          if (truth(sp[-1])) ip = start + arg;
          else decref(*--sp);
          break;
        case Op::get_iter: {
          Obj* o = sp[-1];
          sp[-1] = get_iter(o);
          decref(o);
          break;
        }
        case Op::for_iter: {
          if (Obj* v = next(sp[-1])) {
            *sp++ = v;
          } else {
            decref(*--sp);
            ip = start + arg;
          }
          break;
        }
        case Op::build_tuple: {
          TupleObj* t = new_tuple(arg);
          sp -= arg;
          std::memcpy(t->items(), sp, sizeof(Obj*) * arg);  // references move in
          *sp++ = t;
          break;
        }
        case Op::build_list: {
          auto* l = make<ListObj>();
          sp -= arg;
          l->v.assign(sp, sp + arg);
          *sp++ = l;
          break;
        }
        case Op::unpack_sequence: {
          Obj* o = sp[-1];
          Obj** items;
          std::int64_t n;
          if (o->tag == Tag::tuple) {
            items = static_cast<TupleObj*>(o)->items();
            n = static_cast<TupleObj*>(o)->n;
          } else if (o->tag == Tag::list) {
            items = static_cast<ListObj*>(o)->v.data();
            n = static_cast<std::int64_t>(static_cast<ListObj*>(o)->v.size());
          } else {
            raise("TypeError", std::string("cannot unpack non-sequence ") + type_name(o));
          }
          if (n != static_cast<std::int64_t>(arg))
            raise("ValueError", n > static_cast<std::int64_t>(arg) ? "too many values to unpack (expected " + std::to_string(arg) + ")"
                                                                  : "not enough values to unpack (expected " + std::to_string(arg) + ", got " + std::to_string(n) + ")");
          --sp;
          for (std::int64_t i = n; i-- > 0;) {
            incref(items[i]);
            *sp++ = items[i];
          }
          decref(o);
          break;
        }
        case Op::make_function: *sp++ = make<FunctionObj>(vm.program_->codes[arg].get()); break;
        case Op::import_name: *sp++ = builtins().math; break;
        case Op::return_value: {
          Obj* r = *--sp;
          while (sp > base) xdecref(*--sp);  // iterators of loops returned from
          for (int i = 0; i < code.nlocals; ++i) {
            xdecref(fast[i]);
            fast[i] = nullptr;
          }
          vm.counters_.instructions += executed;
          return r;
        }
      }
    }
  } catch (...) {
    vm.counters_.instructions += executed;
    while (sp > base) xdecref(*--sp);
    for (int i = 0; i < code.nlocals; ++i) {
      xdecref(fast[i]);
      fast[i] = nullptr;
    }
    try {
      throw;
    } catch (const PyError& e) {
      error_at(code, static_cast<std::size_t>(ip - start) - 1, e);
    }
  }
}

// ---------------------------------------------------------------------------

Vm::Vm(std::shared_ptr<const Program> program) : program_(std::move(program)), impl_(std::make_unique<Impl>(*this)) {
  const Code& module = program_->module();
  impl_->data_top = static_cast<std::size_t>(module.nlocals + module.stacksize);
  try {
    Ref result(impl_->eval(module, impl_->data.get()));
  } catch (const PyError& e) {
    throw RuntimeError(program_->file + ": " + e.kind + ": " + e.message);
  }
  impl_->data_top = 0;
}

Vm::~Vm() {
  impl_.reset();
  // The VM's objects are back on this thread's free lists; give the memory
  // back (a worker thread may end after its VM).
  trim_free_lists();
}

namespace {
struct HostScope {
  Vm::Impl& impl;
  HostScope(Vm::Impl& i, const HostScene* h) : impl(i) { impl.host = h; }
  ~HostScope() { impl.host = nullptr; }
};
}  // namespace

std::string Vm::call_repr(std::string_view function, const std::vector<Arg>& args, const HostScene* scene) {
  HostScope scope(*impl_, scene);
  Obj* const* f = impl_->globals.find(intern(std::string(function)));
  if (!f || !*f) throw RuntimeError("no function '" + std::string(function) + "' in " + program_->file);
  std::vector<Obj*> boxed;
  struct Drop {
    std::vector<Obj*>& v;
    ~Drop() {
      for (Obj* o : v) decref(o);
    }
  } drop{boxed};
  for (const Arg& a : args) {
    if (const auto* i = std::get_if<std::int64_t>(&a)) boxed.push_back(new_int(*i));
    else if (const auto* d = std::get_if<double>(&a)) boxed.push_back(new_float(*d));
    else {
      incref(impl_->scene_obj);
      boxed.push_back(impl_->scene_obj);
    }
  }
  try {
    Ref result(impl_->call(*f, boxed.data(), static_cast<int>(boxed.size())));
    return repr(result.get());
  } catch (const PyError& e) {  // raised by a builtin called directly
    throw RuntimeError(program_->file + ": " + e.kind + ": " + e.message);
  }
}

std::uint64_t Vm::render_span(const HostScene& scene, const Tile& tile, int begin, int end, Film& film) {
  HostScope scope(*impl_, &scene);
  Impl& m = *impl_;
  static StrObj* const make_camera = intern("make_camera");
  static StrObj* const trace_pixel = intern("trace_pixel");
  Obj* const* camera_fn = m.globals.find(make_camera);
  Obj* const* pixel_fn = m.globals.find(trace_pixel);
  if (!camera_fn || !pixel_fn || !*camera_fn || !*pixel_fn)
    throw RuntimeError(program_->file + ": the kernel must define make_camera(scene, width, height) and trace_pixel(scene, camera, x, y)");
  Obj*& rays = m.globals.slot(m.ray_count_name);
  xdecref(rays);
  rays = new_int(0);
  try {
    Ref camera;
    {
      Ref w(new_int(film.width())), h(new_int(film.height()));
      Obj* args[3] = {m.scene_obj, w.get(), h.get()};
      camera = m.call(*camera_fn, args, 3);
    }
    const int tile_width = tile.x1 - tile.x0;
    for (int k = begin; k < end; ++k) {
      const int x = tile.x0 + k % tile_width, y = tile.y0 + k / tile_width;
      Ref px(new_int(x)), py(new_int(y));
      Obj* args[4] = {m.scene_obj, camera.get(), px.get(), py.get()};
      Ref color(m.call(*pixel_fn, args, 4));
      Obj* c = color.get();
      if (c->tag != Tag::tuple || static_cast<TupleObj*>(c)->n != 3)
        throw RuntimeError(program_->file + ": trace_pixel must return a 3-tuple of numbers, got " + repr(c));
      Obj** rgb = static_cast<TupleObj*>(c)->items();
      for (int i = 0; i < 3; ++i)
        if (!is_number(rgb[i])) throw RuntimeError(program_->file + ": trace_pixel must return numbers, got " + repr(c));
      film.set(x, y, Vec3(static_cast<float>(as_double(rgb[0])), static_cast<float>(as_double(rgb[1])), static_cast<float>(as_double(rgb[2]))));
    }
  } catch (const PyError& e) {
    throw RuntimeError(program_->file + ": " + e.kind + ": " + e.message);
  }
  Obj* const* count = m.globals.find(m.ray_count_name);
  if (!count || !*count || !is_int(*count)) throw RuntimeError(program_->file + ": ray_count must stay an int");
  return static_cast<std::uint64_t>(int_value(*count));
}

}  // namespace txray::interp
