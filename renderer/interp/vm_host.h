#pragma once
// The per-VM state (Vm::Impl) and the host objects: the kernel's `scene`,
// its objects, materials, lights and camera, whose every attribute load is
// one read through the scene accessor (a backend's barrier). Included only
// by vm.cpp, so that the eval loop's calls into the host objects and
// Vm::Impl's dispatch (getattr, subscript, call) stay inlinable.
#include <memory>
#include <string>
#include <vector>

#include "renderer/interp/vm.h"
#include "renderer/interp/vm_builtins.h"
#include "renderer/interp/vm_objects.h"

namespace txray::interp {

// ---------------------------------------------------------------------------
// The host objects' fields, by interned name.

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

}  // namespace

// ---------------------------------------------------------------------------
// The per-VM state.

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

}  // namespace txray::interp
