#include <cmath>

#include <gtest/gtest.h>

#include "renderer/geometry.h"

namespace txray {
namespace {

Object sphere(Vec3 c, float r) {
  Object o;
  o.kind = ShapeKind::sphere;
  o.center = c;
  o.radius = r;
  return o;
}

Object plane(Vec3 p, Vec3 n) {
  Object o;
  o.kind = ShapeKind::plane;
  o.center = p;
  o.normal = n;
  return o;
}

Object box(Vec3 c, Vec3 half) {
  Object o;
  o.kind = ShapeKind::box;
  o.center = c;
  o.half_size = half;
  return o;
}

TEST(Sphere, HitFromOutsideReturnsNearSurface) {
  const Ray ray{{0, 0, 5}, {0, 0, -1}};
  EXPECT_FLOAT_EQ(intersect(ray, sphere({0, 0, 0}, 1), 0, kInfinity), 4.0f);
}

TEST(Sphere, OriginInsideReturnsExitPoint) {
  const Ray ray{{0, 0, 0.25f}, {0, 0, -1}};
  EXPECT_FLOAT_EQ(intersect(ray, sphere({0, 0, 0}, 1), 0, kInfinity), 1.25f);
}

TEST(Sphere, HitBehindOriginIsAMiss) {
  const Ray ray{{0, 0, 5}, {0, 0, 1}};
  EXPECT_EQ(intersect(ray, sphere({0, 0, 0}, 1), 0, kInfinity), kInfinity);
}

TEST(Sphere, GrazingRayTouchesOnceAndJustOutsideMisses) {
  const Ray touching{{1, 0, 5}, {0, 0, -1}};
  const float t = intersect(touching, sphere({0, 0, 0}, 1), 0, kInfinity);
  EXPECT_NEAR(t, 5.0f, 1e-3f);
  const Ray outside{{1.0001f, 0, 5}, {0, 0, -1}};
  EXPECT_EQ(intersect(outside, sphere({0, 0, 0}, 1), 0, kInfinity), kInfinity);
}

TEST(Sphere, RespectsTMaxAndTMin) {
  const Ray ray{{0, 0, 5}, {0, 0, -1}};
  EXPECT_EQ(intersect(ray, sphere({0, 0, 0}, 1), 0, 3.5f), kInfinity);
  EXPECT_FLOAT_EQ(intersect(ray, sphere({0, 0, 0}, 1), 4.5f, kInfinity), 6.0f);
}

TEST(Sphere, HugeGroundSphereSeenFromCloseIsPrecise) {
  // The `spheres` scene's ground: radius 1000, camera 2 units above it.
  const Ray ray{{13, 2, 3}, glm::normalize(Vec3(-13, -2, -3))};
  const float t = intersect(ray, sphere({0, -1000, 0}, 1000), 0, kInfinity);
  const Vec3 p = ray.origin + t * ray.direction;
  EXPECT_NEAR(glm::length(p - Vec3(0, -1000, 0)), 1000.0f, 1e-3f);
  EXPECT_NEAR(p.y, 0.0f, 1e-3f);
}

TEST(Sphere, NormalPointsOutward) {
  const Object s = sphere({1, 2, 3}, 2);
  const Vec3 n = surface_normal(s, {1, 4, 3});
  EXPECT_FLOAT_EQ(n.y, 1.0f);
  EXPECT_FLOAT_EQ(glm::length(n), 1.0f);
}

TEST(Plane, ParallelRayNeverHits) {
  const Ray above{{0, 1, 0}, {1, 0, 0}};
  EXPECT_EQ(intersect(above, plane({0, 0, 0}, {0, 1, 0}), 0, kInfinity), kInfinity);
  const Ray inside{{0, 0, 0}, {0, 0, 1}};
  EXPECT_EQ(intersect(inside, plane({0, 0, 0}, {0, 1, 0}), 0, kInfinity), kInfinity);
}

TEST(Plane, HitsFromEitherSideAndNotBehind) {
  const Object p = plane({0, -1, 0}, {0, 1, 0});
  EXPECT_FLOAT_EQ(intersect(Ray{{0, 1, 0}, {0, -1, 0}}, p, 0, kInfinity), 2.0f);
  EXPECT_FLOAT_EQ(intersect(Ray{{0, -3, 0}, {0, 1, 0}}, p, 0, kInfinity), 2.0f);
  EXPECT_EQ(intersect(Ray{{0, 1, 0}, {0, 1, 0}}, p, 0, kInfinity), kInfinity);
}

TEST(Box, HitFromOutsideFromInsideAndMiss) {
  const Object b = box({0, 0, 0}, {1, 2, 3});
  EXPECT_FLOAT_EQ(intersect(Ray{{5, 0, 0}, {-1, 0, 0}}, b, 0, kInfinity), 4.0f);
  EXPECT_FLOAT_EQ(intersect(Ray{{0, 0, 0}, {0, 1, 0}}, b, 0, kInfinity), 2.0f);
  EXPECT_EQ(intersect(Ray{{5, 5, 0}, {-1, 0, 0}}, b, 0, kInfinity), kInfinity);
  EXPECT_EQ(intersect(Ray{{5, 0, 0}, {1, 0, 0}}, b, 0, kInfinity), kInfinity);
}

TEST(Box, AxisParallelRayInsideSlabHits) {
  // Direction components of zero give infinite reciprocals; the slab test
  // must still work for a ray running along a face's plane direction.
  const Object b = box({0, 0, 0}, {1, 1, 1});
  EXPECT_FLOAT_EQ(intersect(Ray{{0.5f, 0.5f, 5}, {0, 0, -1}}, b, 0, kInfinity), 4.0f);
}

TEST(Box, NormalIsTheFaceHit) {
  const Object b = box({0, 0, 0}, {1, 2, 3});
  EXPECT_EQ(surface_normal(b, {1, 0.5f, 0.5f}), Vec3(1, 0, 0));
  EXPECT_EQ(surface_normal(b, {0.2f, -2, 0.5f}), Vec3(0, -1, 0));
  EXPECT_EQ(surface_normal(b, {0.2f, 0.5f, 3}), Vec3(0, 0, 1));
}

TEST(Bounds, SphereAndBoxAreTightPlaneIsUnbounded) {
  const Aabb s = object_bounds(sphere({1, 2, 3}, 0.5f));
  EXPECT_EQ(s.lo, Vec3(0.5f, 1.5f, 2.5f));
  EXPECT_EQ(s.hi, Vec3(1.5f, 2.5f, 3.5f));
  EXPECT_FALSE(is_bounded(plane({0, 0, 0}, {0, 1, 0})));
  EXPECT_TRUE(is_bounded(box({0, 0, 0}, {1, 1, 1})));
}

}  // namespace
}  // namespace txray
