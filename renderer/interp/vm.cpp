// The eval loop and the VM's public face. What a CPython bytecode costs,
// this costs too, by doing the same work: a switch dispatch per
// instruction, a type test per operand, a heap box (from a free list) per
// float result, a reference count update per push and pop, a hash probe on
// an interned name per global or attribute load, a frame per call.
//
// The rest of the VM: vm_objects.h/.cpp (the heap and the object model's
// operations), vm_builtins.cpp (builtins and the math module), vm_host.h
// (the per-VM state and the host objects).
#include "renderer/interp/vm.h"

#include <bit>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <new>

#include "renderer/interp/compiler.h"
#include "renderer/interp/vm_builtins.h"
#include "renderer/interp/vm_host.h"
#include "renderer/interp/vm_objects.h"

namespace txray::interp {

std::int64_t len_of(Vm& vm, Obj* o) { return Vm::Impl::of(vm).len(o); }

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
