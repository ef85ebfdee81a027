// The builtins (range, len, abs, min, max, float, int), the math module and
// the list methods: what `LOAD_GLOBAL` finds when the module does not
// define a name, and what `import math` binds.
#include <cmath>
#include <string>

#include "renderer/interp/vm.h"
#include "renderer/interp/vm_builtins.h"
#include "renderer/interp/vm_objects.h"

namespace txray::interp {
namespace {

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

}  // namespace

const Builtins& make_builtins() {
  // Never destroyed: the immortals it holds must stay reachable until exit.
  return *new Builtins([] {
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
}

}  // namespace txray::interp
