#include <algorithm>
#include <cmath>

#include "scenes/scene.h"

namespace txray {

namespace {

/// Height of a ballistic bounce, as a fraction of its peak, `cycles` bounces
/// after leaving the floor: a parabola per bounce, zero at every landing.
double bounce_profile(double cycles) {
  const double s = cycles - std::floor(cycles);
  return 4.0 * s * (1.0 - s);
}

}  // namespace

Vec3 moved_center(const Motion& motion, Vec3 center, double seconds) {
  // A non-finite time would turn every moved object into NaNs, which the
  // BVH build cannot bound; time 0 is the only sensible answer.
  if (!std::isfinite(seconds)) seconds = 0.0;
  switch (motion.kind) {
    case Motion::Kind::none:
      return center;
    case Motion::Kind::orbit: {
      // Rotate the horizontal offset from the pivot about the vertical axis.
      // Work in double and add only the displacement, so that time 0 gives
      // the centre back exactly (cos 0 = 1, sin 0 = 0: displacement 0).
      const double angle = static_cast<double>(motion.speed) * seconds;
      if (!std::isfinite(angle)) return center;
      const double dx = static_cast<double>(center.x) - motion.pivot.x;
      const double dz = static_cast<double>(center.z) - motion.pivot.z;
      const double c = std::cos(angle);
      const double s = std::sin(angle);
      const double move_x = (dx * c - dz * s) - dx;
      const double move_z = (dx * s + dz * c) - dz;
      return {center.x + static_cast<float>(move_x), center.y, center.z + static_cast<float>(move_z)};
    }
    case Motion::Kind::bounce: {
      const double cycles = static_cast<double>(motion.speed) * seconds + motion.phase;
      if (!std::isfinite(cycles)) return center;
      const double lift = motion.height * (bounce_profile(cycles) - bounce_profile(motion.phase));
      return {center.x, center.y + static_cast<float>(lift), center.z};
    }
  }
  return center;
}

SceneState SceneDescription::at(double seconds) const {
  SceneState state = initial;
  const std::size_t n = std::min(state.objects.size(), motions.size());
  for (std::size_t i = 0; i < n; ++i) {
    if (motions[i].kind == Motion::Kind::none) continue;
    state.objects[i].center = moved_center(motions[i], state.objects[i].center, seconds);
  }
  return state;
}

}  // namespace txray
