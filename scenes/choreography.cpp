#include <algorithm>

#include "renderer/random.h"
#include "scenes/animator.h"

namespace txray {

Choreography::Choreography(const SceneDescription& scene) : initial_(scene.initial) {
  Pcg32 rng(0x616e696d);  // "anim": initial velocities are part of the scene
  for (std::uint32_t i = 0; i < initial_.objects.size() && i < scene.motions.size(); ++i) {
    const Motion& m = scene.motions[i];
    Object& o = initial_.objects[i];
    if (m.kind == Motion::Kind::none || o.kind != ShapeKind::sphere) continue;
    AnimatedBody body;
    body.object = i;
    if (m.kind == Motion::Kind::orbit) {
      body.kind = AnimatedBody::Kind::orbit;
      body.pivot = m.pivot;
      body.omega = m.speed;
      const float r = std::hypot(o.center.x - m.pivot.x, o.center.z - m.pivot.z);
      // A hair wider than the circle: repeated float rotations drift.
      const float w = r * 1.001f + 1e-4f;
      body.cage = {Vec3(m.pivot.x - w, o.center.y, m.pivot.z - w), Vec3(m.pivot.x + w, o.center.y, m.pivot.z + w)};
    } else {
      // A bounce becomes a free body in a column: up to the bounce height,
      // and sideways by 3/4 of a radius, so close neighbours' cages overlap
      // and they collide.
      body.kind = AnimatedBody::Kind::free;
      const float roam = 0.75f * o.radius;
      body.cage = {o.center - Vec3(roam, 0.0f, roam), o.center + Vec3(roam, std::max(m.height, 0.0f), roam)};
      const float vertical = 2.0f * std::max(m.height, 0.1f) * std::max(m.speed, 0.1f);
      o.velocity = Vec3(rng.uniform(-1.0f, 1.0f) * roam, vertical, rng.uniform(-1.0f, 1.0f) * roam);
    }
    bodies_.push_back(body);
    cages_.push_back(body.cage);
  }
  for (std::uint32_t a = 0; a < bodies_.size(); ++a) {
    if (bodies_[a].kind != AnimatedBody::Kind::free) continue;
    const float ra = initial_.objects[bodies_[a].object].radius;
    for (std::uint32_t b = a + 1; b < bodies_.size(); ++b) {
      if (bodies_[b].kind != AnimatedBody::Kind::free) continue;
      const float reach = ra + initial_.objects[bodies_[b].object].radius;
      const Aabb& x = bodies_[a].cage;
      const Aabb& y = bodies_[b].cage;
      bool overlap = true;
      for (int k = 0; k < 3; ++k) overlap = overlap && x.lo[k] - reach <= y.hi[k] && y.lo[k] - reach <= x.hi[k];
      if (overlap) pairs_.emplace_back(a, b);
    }
  }
}

std::vector<Aabb> Choreography::frame_walls(std::span<const Object> objects, float horizon) const {
  std::vector<Aabb> walls = cages_;
  for (std::size_t k = 0; k < bodies_.size(); ++k) {
    if (bodies_[k].kind != AnimatedBody::Kind::free) continue;
    const Object& o = objects[bodies_[k].object];
    const Vec3 reach = glm::abs(o.velocity) * horizon;
    // The centre is inside the cage, so the cut is never empty.
    walls[k] = {glm::max(cages_[k].lo, o.center - reach), glm::min(cages_[k].hi, o.center + reach)};
  }
  return walls;
}

Bvh Choreography::build_bvh(std::span<const Object> objects, const std::vector<Aabb>* walls) const {
  std::vector<Aabb> bounds(objects.size());
  auto bounded = std::make_unique<bool[]>(objects.size());
  for (std::size_t i = 0; i < objects.size(); ++i) {
    bounds[i] = object_bounds(objects[i]);
    bounded[i] = is_bounded(objects[i]);
  }
  if (walls)
    for (std::size_t k = 0; k < bodies_.size(); ++k) {
      const float r = objects[bodies_[k].object].radius;
      bounds[bodies_[k].object] = {(*walls)[k].lo - Vec3(r), (*walls)[k].hi + Vec3(r)};
    }
  return txray::build_bvh(bounds, std::span<const bool>(bounded.get(), objects.size()));
}

}  // namespace txray
