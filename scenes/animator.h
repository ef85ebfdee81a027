#pragma once
/// The animator: the writer that contends with the renderers. It moves the
/// scene's animated objects as units of work on a synchronisation backend —
/// orbits, and free bodies that bounce inside their cage and collide
/// elastically, a collision writing two objects in one unit.
///
/// BVH validity while objects move: the BVH is rebuilt at every frame
/// boundary (a few hundred objects: cheap beside a frame), and motion is
/// clamped inside it. Each free body has a cage (where it may ever go) and,
/// for each step, walls: between frames the walls are the cage, and nothing
/// moves while a frame renders, so the BVH is built over the objects' exact
/// bounds. With the animator running during frames, the walls for the frame
/// are the cage cut down to what the body can reach in a short horizon, and
/// the BVH is built over those walls (plus the radius): whatever the
/// animator does during the frame, every object stays inside its box.
/// Orbits are kinematic; their walls are their circle's box.
#include <cmath>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "renderer/bvh.h"
#include "renderer/shared_scene.h"
#include "scenes/scene.h"

namespace txray {

struct AnimatedBody {
  std::uint32_t object = 0;
  enum class Kind { orbit, free } kind = Kind::free;
  Vec3 pivot{0.0f};    ///< orbit: centre of the circle
  float omega = 0.0f;  ///< orbit: radians per second
  Aabb cage;           ///< where the object's centre stays
};

/// Memory a per-frame BVH rebuild reuses (Choreography::rebuild_bvh).
struct FrameBvhScratch {
  std::vector<Aabb> bounds;
  std::vector<unsigned char> bounded;
  BvhBuildScratch bvh;
};

/// What moves and where it may go, derived once from a scene.
class Choreography {
 public:
  explicit Choreography(const SceneDescription& scene);

  /// The scene's state at time 0, with the free bodies' initial velocities.
  [[nodiscard]] const SceneState& initial() const { return initial_; }
  [[nodiscard]] const std::vector<AnimatedBody>& bodies() const { return bodies_; }
  /// Pairs of body indices whose cages overlap: the collisions to test.
  [[nodiscard]] const std::vector<std::pair<std::uint32_t, std::uint32_t>>& pairs() const { return pairs_; }
  /// Every body's cage, by body index: the walls of steps between frames.
  [[nodiscard]] const std::vector<Aabb>& cages() const { return cages_; }
  /// Walls for steps while a frame renders: each free body's cage cut down
  /// to its centre ± speed × horizon; orbits keep their cage.
  void frame_walls(std::span<const Object> objects, float horizon, std::vector<Aabb>& walls) const;
  /// A BVH over `objects`; with `walls`, animated bodies are bounded by
  /// their walls (plus radius) instead of where they are now.
  [[nodiscard]] Bvh build_bvh(std::span<const Object> objects, const std::vector<Aabb>* walls) const;
  /// The same into an existing tree, reusing `scratch`: what the frame
  /// boundary calls, so that steady-state frames allocate nothing.
  void rebuild_bvh(Bvh& out, std::span<const Object> objects, const std::vector<Aabb>* walls,
                   FrameBvhScratch& scratch) const;

 private:
  SceneState initial_;
  std::vector<AnimatedBody> bodies_;
  std::vector<Aabb> cages_;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> pairs_;
};

/// Mass of a sphere of uniform density (the constant cancels in collisions).
inline float body_mass(const Object& o) { return o.radius * o.radius * o.radius; }

/// Advances one object by dt: an orbit rotates about its pivot; a free body
/// moves with its velocity and reflects off `walls` (the cage or less).
inline void advance(const AnimatedBody& body, const Aabb& walls, Object& o, float dt) {
  if (body.kind == AnimatedBody::Kind::orbit) {
    const float a = body.omega * dt, c = std::cos(a), s = std::sin(a);
    const float dx = o.center.x - body.pivot.x, dz = o.center.z - body.pivot.z;
    o.center.x = body.pivot.x + dx * c - dz * s;
    o.center.z = body.pivot.z + dx * s + dz * c;
    return;
  }
  o.center += o.velocity * dt;
  for (int axis = 0; axis < 3; ++axis) {
    const float lo = walls.lo[axis], hi = walls.hi[axis];
    if (o.center[axis] < lo) {
      o.center[axis] = std::min(hi, 2.0f * lo - o.center[axis]);
      o.velocity[axis] = std::abs(o.velocity[axis]);
    } else if (o.center[axis] > hi) {
      o.center[axis] = std::max(lo, 2.0f * hi - o.center[axis]);
      o.velocity[axis] = -std::abs(o.velocity[axis]);
    }
  }
}

/// Elastic collision of two spheres that touch and approach: momentum and
/// kinetic energy are conserved (up to rounding). Returns whether they hit.
inline bool collide(Object& a, Object& b) {
  const Vec3 d = b.center - a.center;
  const float distance2 = glm::dot(d, d), reach = a.radius + b.radius;
  if (!(distance2 > 0.0f) || distance2 >= reach * reach) return false;
  const Vec3 n = d / std::sqrt(distance2);
  const float approach = glm::dot(a.velocity - b.velocity, n);
  if (approach <= 0.0f) return false;
  const float ma = body_mass(a), mb = body_mass(b);
  const float impulse = 2.0f * approach / (1.0f / ma + 1.0f / mb);
  a.velocity -= (impulse / ma) * n;
  b.velocity += (impulse / mb) * n;
  return true;
}

template <class Backend>
class Animator {
 public:
  Animator(const Choreography& choreography, SharedScene<Backend>& scene) : choreography_(choreography), scene_(scene) {}

  /// One step of dt seconds, as units on `worker`: one per body, then one
  /// per candidate pair (which reads and may write two objects at once).
  /// `walls[k]` bounds body k (Choreography::cages() or frame_walls()).
  /// Returns the number of collisions.
  int step(Backend& backend, std::size_t worker, float dt, const std::vector<Aabb>& walls) {
    sync::Session<Backend> session(backend, worker);
    const auto& bodies = choreography_.bodies();
    for (std::size_t k = 0; k < bodies.size(); ++k)
      backend.run(worker, [&](typename Backend::Unit& unit) {
        unit.update(scene_.object(bodies[k].object), [&](Object& o) { advance(bodies[k], walls[k], o, dt); });
      });
    int collisions = 0;
    for (const auto& pair : choreography_.pairs())
      collisions += backend.run(worker, [&](typename Backend::Unit& unit) {
        bool hit = false;
        unit.update(scene_.object(bodies[pair.first].object), scene_.object(bodies[pair.second].object),
                    [&](Object& a, Object& b) { hit = collide(a, b); });
        return hit ? 1 : 0;
      });
    return collisions;
  }

 private:
  const Choreography& choreography_;
  SharedScene<Backend>& scene_;
};

}  // namespace txray
