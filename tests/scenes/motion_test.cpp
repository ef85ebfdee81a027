// The two motions as functions of time.
#include <cmath>

#include <gtest/gtest.h>

#include "scenes/scene.h"

namespace txray {
namespace {

constexpr double kPi = 3.14159265358979323846;

Motion orbit(Vec3 pivot, float speed) {
  Motion m;
  m.kind = Motion::Kind::orbit;
  m.pivot = pivot;
  m.speed = speed;
  return m;
}

Motion bounce(float height, float speed, float phase) {
  Motion m;
  m.kind = Motion::Kind::bounce;
  m.height = height;
  m.speed = speed;
  m.phase = phase;
  return m;
}

TEST(Motion, NoneNeverMoves) {
  const Vec3 c(1.0f, 2.0f, 3.0f);
  for (double t : {0.0, 0.5, 1e6}) EXPECT_EQ(moved_center(Motion{}, c, t), c);
}

TEST(Motion, OrbitKeepsHeightAndDistanceFromThePivot) {
  const Motion m = orbit(Vec3(1.0f, 100.0f, -2.0f), 0.9f);  // the pivot's y is ignored
  const Vec3 c(4.0f, 0.5f, 2.0f);                            // 5 from the pivot's axis
  for (double t : {0.1, 1.0, 2.5, 7.0}) {
    const Vec3 p = moved_center(m, c, t);
    EXPECT_EQ(p.y, c.y);
    EXPECT_NEAR(std::hypot(p.x - 1.0f, p.z + 2.0f), 5.0, 1e-5) << "t = " << t;
  }
}

TEST(Motion, OrbitTurnsAtItsSpeedInTheRightDirection) {
  const Motion m = orbit(Vec3(0.0f), static_cast<float>(kPi / 2.0));  // a quarter turn a second
  const Vec3 p = moved_center(m, Vec3(1.0f, 0.0f, 0.0f), 1.0);
  // Positive speed turns +x towards +z (counter-clockwise seen from -y).
  EXPECT_NEAR(p.x, 0.0f, 1e-6);
  EXPECT_NEAR(p.z, 1.0f, 1e-6);
  const Vec3 back = moved_center(m, Vec3(1.0f, 0.0f, 0.0f), 4.0);  // one whole turn
  EXPECT_NEAR(back.x, 1.0f, 1e-6);
  EXPECT_NEAR(back.z, 0.0f, 1e-6);
}

TEST(Motion, BounceStaysAboveItsFloorAndPeaksAtHeight) {
  const Motion m = bounce(2.0f, 0.5f, 0.0f);  // a bounce every 2 s
  const Vec3 c(0.0f, 1.0f, 0.0f);
  EXPECT_EQ(moved_center(m, c, 0.0).y, 1.0f);
  EXPECT_NEAR(moved_center(m, c, 1.0).y, 3.0f, 1e-6);  // top of the arc
  EXPECT_NEAR(moved_center(m, c, 2.0).y, 1.0f, 1e-6);  // landed
  for (int i = 0; i <= 100; ++i) {
    const Vec3 p = moved_center(m, c, i * 0.037);
    EXPECT_GE(p.y, 1.0f - 1e-6f);
    EXPECT_LE(p.y, 3.0f + 1e-6f);
    EXPECT_EQ(p.x, c.x);
    EXPECT_EQ(p.z, c.z);
  }
}

TEST(Motion, BouncePhaseStartsMidArcAndKeepsTheFloor) {
  // A quarter of the way through: 4 * 0.25 * 0.75 = 0.75 of the height up.
  const Motion m = bounce(2.0f, 1.0f, 0.25f);
  const Vec3 c(0.0f, 5.0f, 0.0f);
  EXPECT_EQ(moved_center(m, c, 0.0).y, 5.0f);                 // time 0: as given
  EXPECT_NEAR(moved_center(m, c, 0.25).y, 5.5f, 1e-6);        // the peak, 0.5 higher
  EXPECT_NEAR(moved_center(m, c, 0.75).y, 5.0f - 1.5f, 1e-6);  // the floor
}

TEST(Motion, IsAPureFunctionOfTime) {
  const Motion m = orbit(Vec3(0.3f, 0.0f, -0.2f), 1.7f);
  const Vec3 c(2.0f, 1.0f, 0.0f);
  const Vec3 a = moved_center(m, c, 12.345);
  (void)moved_center(m, c, 99.0);
  EXPECT_EQ(moved_center(m, c, 12.345), a);
}

TEST(Motion, TimeZeroIsExactForAwkwardCoordinates) {
  // Float rounding of (c - pivot) + pivot would not give c back; at(0) must.
  const Vec3 c(0.1f, 0.2f, 1e-7f);
  EXPECT_EQ(moved_center(orbit(Vec3(12345.678f, 0.0f, -0.3f), 2.0f), c, 0.0), c);
  EXPECT_EQ(moved_center(bounce(0.7f, 3.0f, 0.123f), c, 0.0), c);
}

TEST(Motion, TimesTooLargeToUseStayAtTimeZero) {
  // speed * t overflows to infinity; a NaN position would poison the BVH.
  const Vec3 c(1.0f, 2.0f, 3.0f);
  EXPECT_EQ(moved_center(orbit(Vec3(0.0f), 1e6f), c, 1e308), c);
  EXPECT_EQ(moved_center(bounce(1.0f, 1e6f, 0.0f), c, 1e308), c);
}

}  // namespace
}  // namespace txray
