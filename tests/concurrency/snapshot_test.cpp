// Snapshot specifics: a reader never sees a half-published frame, writes
// become visible only at publish(), and publish() refuses to run while a
// unit does.
#include <atomic>
#include <stdexcept>

#include "test_support.hpp"

namespace txray::sync::test {
namespace {

struct Sphere {  // the shape of the renderer's scene objects: 48 bytes
  int kind, material;
  float center[3], radius, half_size[3], normal[3];
};
static_assert(sizeof(Sphere) == 48);

Sphere sphere_of(int frame) {
  const auto f = static_cast<float>(frame);
  return Sphere{frame, frame, {f, f, f}, f, {f, f, f}, {f, f, f}};
}
bool uniform(const Sphere& s, int frame) {
  const auto f = static_cast<float>(frame);
  if (s.kind != frame || s.material != frame || s.radius != f) return false;
  for (int i = 0; i < 3; ++i)
    if (s.center[i] != f || s.half_size[i] != f || s.normal[i] != f) return false;
  return true;
}

TEST(Snapshot, ReadersSeeWholeFramesOnly) {
  constexpr std::size_t kObjects = 16;
  SnapshotBackend backend(kThreads);
  SnapshotBackend::Cell<Sphere> objects[kObjects];
  for (auto& o : objects) o.unsafe_store(sphere_of(0));
  std::atomic<int> torn{0}, stale{0};
  const int frames = scaled(40);
  run_rounds(backend, kThreads, frames, [&](std::size_t w, int frame) {
    for (int i = 0; i < 200; ++i)
      backend.run(w, [&](SnapshotUnit& tx) {
        if (w == 0 && i % 50 == 0) {  // the animator: every object moves to frame + 1
          for (auto& o : objects) tx.write(o, sphere_of(frame + 1));
          return;
        }
        for (auto& o : objects) {
          const Sphere s = tx.read(o);
          if (!uniform(s, s.kind)) torn.fetch_add(1);
          if (s.kind != frame) stale.fetch_add(1);  // exactly the last published frame
        }
      });
  });
  EXPECT_EQ(torn.load(), 0);
  EXPECT_EQ(stale.load(), 0);
  for (auto& o : objects) EXPECT_TRUE(uniform(o.unsafe_load(), frames));
}

TEST(Snapshot, WritesAppearAtPublish) {
  SnapshotBackend backend(1);
  SnapshotBackend::Cell<int> a{1};
  backend.run(0, [&](SnapshotUnit& tx) {
    tx.write(a, 2);
    EXPECT_EQ(tx.read(a), 1);  // the published frame, not our write
    tx.commute_add(a, 5);      // builds on the pending value
  });
  EXPECT_EQ(backend.run(0, [&](SnapshotUnit& tx) { return tx.read(a); }), 1);
  backend.publish();
  EXPECT_EQ(backend.run(0, [&](SnapshotUnit& tx) { return tx.read(a); }), 7);
  backend.publish();  // a frame with no writes keeps the value
  EXPECT_EQ(backend.run(0, [&](SnapshotUnit& tx) { return tx.read(a); }), 7);
  backend.run(0, [&](SnapshotUnit& tx) { tx.write(a, 9); });
  backend.publish();
  EXPECT_EQ(backend.run(0, [&](SnapshotUnit& tx) { return tx.read(a); }), 9);
}

TEST(Snapshot, PublishInsideAUnitIsRefused) {
  SnapshotBackend backend(1);
  EXPECT_THROW(backend.run(0, [&](SnapshotUnit&) { backend.publish(); }), std::logic_error);
  EXPECT_NO_THROW(backend.publish());
}

}  // namespace
}  // namespace txray::sync::test
