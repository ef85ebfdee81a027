#include <algorithm>

#include "renderer/random.h"
#include "scenes/animator.h"

namespace txray {

Choreography::Choreography(const SceneDescription& scene) : initial_(scene.initial) {
  Pcg32 rng(0x616e696d);  // "anim": initial velocities are part of the scene
  for (std::uint32_t i = 0; i < initial_.objects.size() && i < scene.motions.size(); ++i) {
    const Motion& m = scene.motions[i];
    Object& o = initial_.objects[i];
    // Spheres and mesh instances move; an instance's mesh moves with it
    // (only its position changes: mesh triangles are frame constants).
    const bool instance = o.kind == ShapeKind::instance;
    if (m.kind == Motion::Kind::none || (o.kind != ShapeKind::sphere && !instance)) continue;
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
      // Instances bounce straight up and down: collisions are between
      // spheres only (collide() is a sphere test).
      const float roam = instance ? 0.0f : 0.75f * o.radius;
      body.cage = {o.center - Vec3(roam, 0.0f, roam), o.center + Vec3(roam, std::max(m.height, 0.0f), roam)};
      const float vertical = 2.0f * std::max(m.height, 0.1f) * std::max(m.speed, 0.1f);
      o.velocity = Vec3(rng.uniform(-1.0f, 1.0f) * roam, vertical, rng.uniform(-1.0f, 1.0f) * roam);
    }
    bodies_.push_back(body);
    cages_.push_back(body.cage);
  }
  for (std::uint32_t a = 0; a < bodies_.size(); ++a) {
    if (bodies_[a].kind != AnimatedBody::Kind::free || initial_.objects[bodies_[a].object].kind != ShapeKind::sphere)
      continue;
    const float ra = initial_.objects[bodies_[a].object].radius;
    for (std::uint32_t b = a + 1; b < bodies_.size(); ++b) {
      if (bodies_[b].kind != AnimatedBody::Kind::free || initial_.objects[bodies_[b].object].kind != ShapeKind::sphere)
        continue;
      const float reach = ra + initial_.objects[bodies_[b].object].radius;
      const Aabb& x = bodies_[a].cage;
      const Aabb& y = bodies_[b].cage;
      bool overlap = true;
      for (int k = 0; k < 3; ++k) overlap = overlap && x.lo[k] - reach <= y.hi[k] && y.lo[k] - reach <= x.hi[k];
      if (overlap) pairs_.emplace_back(a, b);
    }
  }
}

void Choreography::frame_walls(std::span<const Object> objects, float horizon, std::vector<Aabb>& walls) const {
  walls.assign(cages_.begin(), cages_.end());
  for (std::size_t k = 0; k < bodies_.size(); ++k) {
    if (bodies_[k].kind != AnimatedBody::Kind::free) continue;
    const Object& o = objects[bodies_[k].object];
    const Vec3 reach = glm::abs(o.velocity) * horizon;
    // The centre is inside the cage, so the cut is never empty.
    walls[k] = {glm::max(cages_[k].lo, o.center - reach), glm::min(cages_[k].hi, o.center + reach)};
  }
}

void Choreography::rebuild_bvh(Bvh& out, std::span<const Object> objects, const std::vector<Aabb>* walls,
                               FrameBvhScratch& scratch) const {
  scratch.bounds.resize(objects.size());
  scratch.bounded.resize(objects.size());
  for (std::size_t i = 0; i < objects.size(); ++i) {
    scratch.bounds[i] = object_bounds(objects[i]);
    scratch.bounded[i] = is_bounded(objects[i]) ? 1 : 0;
  }
  if (walls)
    for (std::size_t k = 0; k < bodies_.size(); ++k) {
      const Object& o = objects[bodies_[k].object];
      const Vec3 extent = o.kind == ShapeKind::sphere ? Vec3(o.radius) : o.half_size;
      scratch.bounds[bodies_[k].object] = {(*walls)[k].lo - extent, (*walls)[k].hi + extent};
    }
  // A bool and an unsigned char of value 0 or 1 have the same object
  // representation; the vector of char keeps its capacity, which a
  // std::vector<bool> (bits, no data()) could not lend as a span.
  static_assert(sizeof(bool) == sizeof(unsigned char));
  txray::rebuild_bvh(out, scratch.bounds,
                     std::span<const bool>(reinterpret_cast<const bool*>(scratch.bounded.data()), objects.size()),
                     scratch.bvh);
}

Bvh Choreography::build_bvh(std::span<const Object> objects, const std::vector<Aabb>* walls) const {
  Bvh bvh;
  FrameBvhScratch scratch;
  rebuild_bvh(bvh, objects, walls, scratch);
  return bvh;
}

}  // namespace txray
