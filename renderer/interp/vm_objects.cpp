// The VM's heap: freeing objects, the immortals (None, True, False, small
// ints, interned names, constants) and giving free lists back. The hot half
// (allocation) is inline in vm_objects.h.
#include <mutex>
#include <unordered_map>

#include "renderer/interp/vm.h"
#include "renderer/interp/vm_objects.h"

namespace txray::interp {

Obj* const g_none = immortal<Obj>(Tag::none);
BoolObj* const g_true = immortal<BoolObj>(true);
BoolObj* const g_false = immortal<BoolObj>(false);
namespace {
IntObj** make_small_ints() {
  auto** table = new IntObj*[kSmallMax - kSmallMin + 1];
  for (std::int64_t v = kSmallMin; v <= kSmallMax; ++v) table[v - kSmallMin] = immortal<IntObj>(v);
  return table;
}

void trim(FreeList& list) {
  while (FreeBlock* b = list.head) {
    list.head = b->next;
    ::operator delete(b);
  }
  list.size = 0;
}
}  // namespace
IntObj** const g_small_ints = make_small_ints();

void trim_free_lists() {
  trim(t_heap.floats);
  trim(t_heap.ints);
  trim(t_heap.range_iters);
  for (FreeList& l : t_heap.tuples) trim(l);
}

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

}  // namespace txray::interp
