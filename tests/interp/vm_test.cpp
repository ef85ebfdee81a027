// The VM's semantics on small programs: Python's answers, and reference
// counting that gives every object back.
#include <gtest/gtest.h>

#include <string>

#include "renderer/interp/compiler.h"
#include "renderer/interp/vm.h"
#include "renderer/scene_access.h"

namespace txray::interp {
namespace {

std::string run(const std::string& source, const std::string& fn, const std::vector<Arg>& args = {}) {
  Vm vm(compile(source, "t.py"));
  return vm.call_repr(fn, args);
}

TEST(Vm, ArithmeticIntsAndFloats) {
  const char* src =
      "def f(a, b):\n"
      "    return (a + b, a - b, a * b, a / b, a // b, a % b, -a, a ** 2)\n";
  EXPECT_EQ(run(src, "f", {std::int64_t{7}, std::int64_t{2}}), "(9, 5, 14, 3.5, 3, 1, -7, 49)");
  EXPECT_EQ(run(src, "f", {std::int64_t{-7}, std::int64_t{2}}), "(-5, -9, -14, -3.5, -4, 1, 7, 49)");
  EXPECT_EQ(run(src, "f", {7.5, 2.0}), "(9.5, 5.5, 15.0, 3.75, 3.0, 1.5, -7.5, 56.25)");
  EXPECT_EQ(run(src, "f", {-7.5, 2.0}), "(-5.5, -9.5, -15.0, -3.75, -4.0, 0.5, 7.5, 56.25)");
  EXPECT_EQ(run(src, "f", {std::int64_t{3}, 0.5}), "(3.5, 2.5, 1.5, 6.0, 6.0, 0.0, -3, 9)");
  EXPECT_EQ(run("def f():\n    return 0.1 + 0.2\n", "f"), "0.30000000000000004");
  EXPECT_EQ(run("def f():\n    return (2 ** 62, 2 ** -1, 1e300 * 1e300, float('inf'), int(-2.7), abs(-3))\n", "f"),
            "(4611686018427387904, 0.5, inf, inf, -2, 3)");
  EXPECT_THROW(run("def f(a):\n    return 1 / a\n", "f", {0.0}), RuntimeError);
  EXPECT_THROW(run("def f():\n    return 2 ** 64\n", "f"), RuntimeError);
}

TEST(Vm, ComparisonsAndBooleans) {
  const char* src =
      "def f(a, b):\n"
      "    return (a < b, a <= b, a > b, a >= b, a == b, a != b, not a, a and b, a or b)\n";
  EXPECT_EQ(run(src, "f", {std::int64_t{1}, 2.0}), "(True, True, False, False, False, True, False, 2.0, 1)");
  EXPECT_EQ(run(src, "f", {std::int64_t{0}, 0.0}), "(False, True, False, True, True, False, True, 0, 0.0)");
  EXPECT_EQ(run("def f():\n    return (1 == 1.0, (1, 2) == (1, 2.0), None == None, 3 if 0 else 4)\n", "f"), "(True, True, True, 4)");
}

TEST(Vm, LoopsAndBranches) {
  const char* src =
      "def classify(n):\n"
      "    if n < 0:\n"
      "        return 'negative'\n"
      "    elif n == 0:\n"
      "        return 'zero'\n"
      "    elif n < 10:\n"
      "        return 'small'\n"
      "    else:\n"
      "        return 'large'\n"
      "def loops(n):\n"
      "    total = 0\n"
      "    for i in range(n):\n"
      "        if i % 3 == 0:\n"
      "            continue\n"
      "        total += i\n"
      "    k = 0\n"
      "    while True:\n"
      "        k += 1\n"
      "        if k * k > n:\n"
      "            break\n"
      "    down = 0\n"
      "    for j in range(10, 0, -3):\n"
      "        down = down * 10 + j\n"
      "    return (total, k, down)\n";
  EXPECT_EQ(run(src, "classify", {std::int64_t{-3}}), "'negative'");
  EXPECT_EQ(run(src, "classify", {std::int64_t{0}}), "'zero'");
  EXPECT_EQ(run(src, "classify", {std::int64_t{5}}), "'small'");
  EXPECT_EQ(run(src, "classify", {std::int64_t{50}}), "'large'");
  EXPECT_EQ(run(src, "loops", {std::int64_t{20}}), "(127, 5, 10741)");
}

TEST(Vm, FunctionsAndRecursion) {
  const char* src =
      "def fib(n):\n"
      "    if n < 2:\n"
      "        return n\n"
      "    return fib(n - 1) + fib(n - 2)\n"
      "def deep(n):\n"
      "    return deep(n + 1)\n"
      "counter = 0\n"
      "def bump():\n"
      "    global counter\n"
      "    counter += 1\n"
      "    return counter\n"
      "def twice():\n"
      "    bump()\n"
      "    return bump()\n";
  EXPECT_EQ(run(src, "fib", {std::int64_t{20}}), "6765");
  EXPECT_EQ(run(src, "twice"), "2");
  try {
    run(src, "deep", {std::int64_t{0}});
    ADD_FAILURE() << "no RecursionError";
  } catch (const RuntimeError& e) {
    EXPECT_NE(std::string(e.what()).find("t.py:6: RecursionError"), std::string::npos) << e.what();
  }
  try {
    run("def f(a):\n    return a\ndef g():\n    return f(1, 2)\n", "g");
    ADD_FAILURE() << "no TypeError";
  } catch (const RuntimeError& e) {
    EXPECT_NE(std::string(e.what()).find("t.py:4: TypeError: f() takes 1 positional argument but 2 were given"), std::string::npos) << e.what();
  }
}

TEST(Vm, ListsAndTuples) {
  const char* src =
      "def f():\n"
      "    t = (1, 2.5, (3, 4))\n"
      "    a, b, c = t\n"
      "    l = [0] * 3\n"
      "    l[1] = b\n"
      "    l[2] += 5\n"
      "    l.append(c[1])\n"
      "    last = l.pop()\n"
      "    s = []\n"
      "    for x in t:\n"
      "        s.append(x)\n"
      "    return (t[-1][0], l, last, len(s), len(t), min(3, 1.5, 2), max(t[0], t[1]), a, b, c, t + (5,))\n";
  EXPECT_EQ(run(src, "f"), "(3, [0, 2.5, 5], 4, 3, 3, 1.5, 2.5, 1, 2.5, (3, 4), (1, 2.5, (3, 4), 5))");
  EXPECT_THROW(run("def f():\n    t = (1, 2)\n    return t[2]\n", "f"), RuntimeError);
  EXPECT_THROW(run("def f():\n    a, b = (1, 2, 3)\n    return a\n", "f"), RuntimeError);
}

TEST(Vm, AttributeAccessOnModulesAndSceneObjects) {
  EXPECT_EQ(run("import math\ndef f():\n    return (math.sqrt(16.0), math.floor(-2.5), math.copysign(1.0, -0.0), math.pi)\n", "f"),
            "(4.0, -3, -1.0, 3.141592653589793)");
  try {
    run("import math\ndef f():\n    return math.nope\n", "f");
    ADD_FAILURE() << "no AttributeError";
  } catch (const RuntimeError& e) {
    EXPECT_NE(std::string(e.what()).find("t.py:3: AttributeError: module 'math' has no attribute 'nope'"), std::string::npos) << e.what();
  }

  // Scene objects: each attribute load is one read through the accessor.
  SceneState state;
  Object sphere;
  sphere.center = Vec3(1.0f, 2.0f, 3.0f);
  sphere.radius = 0.5f;
  sphere.material = 1;
  state.objects = {sphere};
  state.materials = {Material{}, Material{}};
  state.materials[1].ior = 1.25f;
  state.lights = {Light{Vec3(0.0f, 4.0f, 0.0f), Vec3(1.0f)}};
  PlainSceneAccess access(state);
  Bvh bvh = build_bvh(state.objects);
  HostScene host;
  int reads = 0;
  struct Counting {
    PlainSceneAccess* access;
    int* reads;
    Object object(std::uint32_t i) {
      ++*reads;
      return access->object(i);
    }
    Material material(std::uint32_t i) { return access->material(i); }
    Light light(std::uint32_t i) { return access->light(i); }
    std::uint32_t light_count() const { return access->light_count(); }
    Camera camera() { return access->camera(); }
  } counting{&access, &reads};
  host.access = &counting;
  host.object = [](void* a, std::uint32_t i) { return static_cast<Counting*>(a)->object(i); };
  host.material = [](void* a, std::uint32_t i) { return static_cast<Counting*>(a)->material(i); };
  host.light = [](void* a, std::uint32_t i) { return static_cast<Counting*>(a)->light(i); };
  host.camera = [](void* a) { return static_cast<Counting*>(a)->camera(); };
  host.light_count = 1;
  host.object_count = 1;
  host.bvh = &bvh;
  Vm vm(compile("def f(scene):\n"
                "    o = scene.objects[0]\n"
                "    m = scene.materials[o.material]\n"
                "    return (o.center, o.radius, o.kind, m.ior, scene.lights[0].position, scene.light_count)\n"
                "def g(scene):\n"
                "    return scene.objects[0].colour\n",
                "t.py"));
  EXPECT_EQ(vm.call_repr("f", {SceneArg{}}, &host), "((1.0, 2.0, 3.0), 0.5, 0, 1.25, (0.0, 4.0, 0.0), 1)");
  EXPECT_EQ(reads, 4);
  EXPECT_THROW(vm.call_repr("g", {SceneArg{}}, &host), RuntimeError);
  EXPECT_THROW(vm.call_repr("f", {SceneArg{}}, nullptr), RuntimeError);  // outside a unit
}

TEST(Vm, ReferenceCountingGivesEveryObjectBack) {
  const std::int64_t before = live_objects();
  {
    Vm vm(compile("def f(n):\n"
                  "    l = []\n"
                  "    for i in range(n):\n"
                  "        l.append((i * 1.5, [i, (i, 2.5)], 1e10 + i))\n"
                  "    keep = l[3]\n"
                  "    l = None\n"
                  "    return keep\n"
                  "def boom(n):\n"
                  "    t = (n * 2.0, [n])\n"
                  "    for i in range(n):\n"
                  "        x = (i + 0.5, i)\n"
                  "        if i == 5:\n"
                  "            return 1 / 0\n"
                  "    return t\n",
                  "t.py"));
    const std::int64_t with_vm = live_objects();
    EXPECT_GT(with_vm, before);  // the functions, the VM's host objects
    EXPECT_EQ(vm.call_repr("f", {std::int64_t{1000}}), "(4.5, [3, (3, 2.5)], 10000000003.0)");
    EXPECT_EQ(live_objects(), with_vm);  // the list of 1000 tuples is gone
    EXPECT_THROW(vm.call_repr("boom", {std::int64_t{10}}), RuntimeError);
    EXPECT_EQ(live_objects(), with_vm);  // unwinding dropped the frame's objects too
  }
  EXPECT_EQ(live_objects(), before);
}

TEST(Vm, CountsItsWork) {
  Vm vm(compile("def f(n):\n    s = 0.0\n    for i in range(n):\n        s += i * 0.5\n    return s\n", "t.py"));
  EXPECT_EQ(vm.call_repr("f", {std::int64_t{100}}), "2475.0");
  EXPECT_GT(vm.counters().instructions, 100u * 6u);
}

}  // namespace
}  // namespace txray::interp
