#pragma once
/// Triangle meshes and their instances. A mesh (its triangles and its BVH)
/// is built once, when the scene is loaded, and never written again: it is a
/// frame constant like the per-frame BVH, shared by every copy of the scene
/// state and by every thread, and never a cell. What the animator moves and
/// the renderers read through the backend is the instance: an Object of kind
/// `instance` (position, scale, yaw, material, and a pointer to its mesh).
///
/// Intersection is watertight (Woop, Benthin and Wald, "Watertight
/// Ray/Triangle Intersection", JCGT 2013): a ray through a shared edge or
/// vertex hits at least one of the triangles meeting there, never falls
/// through a crack between them.
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "renderer/bvh.h"

namespace txray {

/// A mesh as a file describes it, before anything is derived from it.
struct MeshData {
  std::string file;                ///< how the scene names it (kept for the writer and messages)
  std::vector<Vec3> positions;
  std::vector<Vec3> normals;       ///< per-vertex normals, if the file has any
  std::vector<std::array<std::uint32_t, 3>> triangles;  ///< indices into positions
  /// Per triangle, indices into `normals`; absent (or kNoNormal in any
  /// corner) means the triangle is shaded flat.
  std::vector<std::array<std::uint32_t, 3>> normal_indices;
};

inline constexpr std::uint32_t kNoNormal = 0xffffffffu;

/// Up to four triangles of one BVH leaf, structure of arrays
/// (`corner[c][axis][lane]`, corners a, b, c), so that one ray meets all
/// four with SIMD arithmetic (intersect_triangles), read contiguously and
/// without an index. A leaf of n triangles is ceil(n / 4) consecutive
/// blocks; lanes past its last triangle are never tested.
struct alignas(16) TriangleBlock {
  float corner[3][3][4];
  std::uint32_t triangle[4];  ///< index into Mesh::triangles, per lane
};

struct Mesh {
  std::string file;
  /// Positions are moved so that the mesh's bounding box is centred on the
  /// origin: an instance's `center` is where that centre goes, and its world
  /// box is then symmetric about it (make_instance).
  std::vector<Vec3> positions;
  std::vector<Vec3> normals;
  std::vector<std::array<std::uint32_t, 3>> triangles;
  std::vector<std::array<std::uint32_t, 3>> normal_indices;  ///< empty, or one per triangle
  Aabb bounds;
  /// Over `triangles`, only its wide tree kept: a leaf reference's first
  /// entry is its first block in `leaf_blocks` (its count stays the number
  /// of triangles).
  Bvh bvh;
  std::vector<TriangleBlock> leaf_blocks;
  std::size_t dropped_degenerate = 0;   ///< zero-area triangles left out of the mesh
};

/// Builds meshes from what files said: drops zero-area triangles (counted),
/// recentres, builds each mesh's wide SAH BVH. The meshes are built in
/// parallel with oneTBB, and so is each mesh's preparation (bounds,
/// degenerate test); the tree of one mesh is built by one thread.
[[nodiscard]] std::vector<std::shared_ptr<const Mesh>> build_meshes(std::vector<MeshData> data);

/// One mesh (build_meshes of one).
[[nodiscard]] std::shared_ptr<const Mesh> build_mesh(MeshData data);

/// An instance of `mesh` centred at `position`, scaled uniformly by `scale`
/// (> 0) and turned by `yaw_degrees` about the y axis; half_size is its
/// world box's half extents (a hair wider than exact, so that rounding in
/// the ray's transformation never puts a hit outside the box).
[[nodiscard]] Object make_instance(const Mesh& mesh, Vec3 position, float scale, float yaw_degrees,
                                   std::uint32_t material);

/// A ray prepared for the watertight test: the dominant axis of its
/// direction becomes z, and the shear that maps the direction onto +z.
struct WatertightRay {
  Vec3 origin;
  int kx, ky, kz;
  float sx, sy, sz;

  explicit WatertightRay(const Ray& ray);
};

/// Where a ray meets a triangle: the distance and the barycentric weights
/// of the corners b and c (a's is 1 - u - v).
struct TriangleHit {
  float t = kInfinity;
  float u = 0.0f, v = 0.0f;
};

/// Watertight ray-triangle test. True when the ray meets the triangle
/// (a, b, c) at t in (t_min, t_max); both faces count. Edges and vertices
/// belong to the triangle (a hit exactly on them counts), so a ray through
/// a shared edge hits both triangles at the same t. Degenerate triangles
/// and rays in the triangle's plane never hit.
bool intersect_triangle(const WatertightRay& ray, Vec3 a, Vec3 b, Vec3 c, float t_min, float t_max, TriangleHit& hit);

/// The watertight test of one ray against the first `lanes` (1..4)
/// triangles of a block at once. Same answer, bit for bit, as
/// intersect_triangle on each in lane order, lowering t_max at each hit:
/// the nearest hit, the earliest lane among equal t. True on a hit, with
/// `lane` the lane hit.
bool intersect_triangles(const WatertightRay& ray, const TriangleBlock& block, unsigned lanes, float t_min,
                         float t_max, TriangleHit& hit, unsigned& lane);

/// Nearest hit of `ray` (in the mesh's own frame) in (t_min, t_max), over
/// the mesh's BVH; `at` receives the triangle hit and its barycentrics.
/// Returns t, or kInfinity on a miss (and `at` is left alone).
float closest_hit_mesh(const Mesh& mesh, const Ray& ray, float t_min, float t_max, MeshPoint& at);

/// Whether `ray` (in the mesh's own frame) meets a triangle in (t_min,
/// t_max): the first found ends the walk. The same answer as
/// closest_hit_mesh(...) != kInfinity, for shadow rays.
bool occluded_mesh(const Mesh& mesh, const Ray& ray, float t_min, float t_max);

/// The world ray in an instance's frame: same t along both (the direction
/// is scaled with the origin, so it is not unit length).
[[nodiscard]] Ray to_instance_frame(const Ray& ray, const Object& instance);

/// Outward unit normal, in the world, of the instance at `at` (the triangle
/// and barycentrics a hit on it carries, Hit::mesh): interpolated from the
/// file's vertex normals when the triangle has them, else the triangle's
/// own (flat). `geometric` receives the flat normal, which decides which
/// side the ray came from.
Vec3 instance_normal(const Object& instance, const MeshPoint& at, Vec3& geometric);

}  // namespace txray
