#include "renderer/bvh.h"

#include <algorithm>
#include <array>
#include <bit>
#include <memory>
#include <stdexcept>

namespace txray {
namespace {

constexpr int kBins = 16;
constexpr std::uint32_t kMaxLeafSize = 4;
// SAH costs relative to one object test. Objects are cheap to test (a
// sphere is a handful of flops), a node visit about as cheap.
constexpr float kTraversalCost = 1.0f;
constexpr float kIntersectionCost = 1.0f;

struct Builder {
  std::span<const Aabb> bounds;
  std::vector<Vec3>& centroids;
  Bvh& out;
  std::vector<std::uint32_t>& scratch;  ///< partition buffer, sized once
  int block_shift = 0;                  ///< log2 of leaf_block (build_bvh)
  int max_depth = 0;                    ///< deepest node built, for the checks after the build

  // The tests a leaf of n objects costs, n / leaf_block rounded up: n
  // itself when objects are tested one at a time.
  [[nodiscard]] float tests(std::uint32_t n) const {
    return static_cast<float>((n + (1u << block_shift) - 1) >> block_shift);
  }

  // Builds the subtree over out.indices[first, first + count) at node `index`.
  void build(std::uint32_t index, std::uint32_t first, std::uint32_t count, int depth) {
    Aabb box, centroid_box;
    for (std::uint32_t k = first; k < first + count; ++k) {
      box.grow(bounds[out.indices[k]]);
      centroid_box.grow(centroids[out.indices[k]]);
    }
    out.nodes[index].bounds = box;
    max_depth = std::max(max_depth, depth);
    auto make_leaf = [&] {
      out.nodes[index].first_or_second = first;
      out.nodes[index].count = static_cast<std::uint16_t>(count);
    };
    if (count <= 1) return make_leaf();
    // Traversal stacks are sized for kMaxBvhDepth levels (bvh.h): past
    // kBvhSahDepth halve by position, which ends within kBvhHalvingLevels.
    if (depth >= kBvhSahDepth) {
      if (count <= kMaxLeafSize) return make_leaf();
      return split(index, first, count, count / 2, -1, depth);
    }

    float best_cost = kInfinity;
    int best_axis = -1, best_split = 0;
    for (int axis = 0; axis < 3; ++axis) {
      const float lo = centroid_box.lo[axis], extent = centroid_box.hi[axis] - lo;
      if (!(extent > 0.0f)) continue;
      std::array<Aabb, kBins> bin_box;
      std::array<std::uint32_t, kBins> bin_count{};
      for (std::uint32_t k = first; k < first + count; ++k) {
        const std::uint32_t i = out.indices[k];
        const int b = bin_of(centroids[i][axis], lo, extent);
        bin_box[b].grow(bounds[i]);
        ++bin_count[b];
      }
      // Sweep from the right to get the area and count of every right side.
      std::array<float, kBins> right_area{};
      std::array<std::uint32_t, kBins> right_count{};
      Aabb acc;
      std::uint32_t n = 0;
      for (int b = kBins - 1; b > 0; --b) {
        acc.grow(bin_box[b]);
        n += bin_count[b];
        right_area[b] = acc.empty() ? 0.0f : acc.surface_area();
        right_count[b] = n;
      }
      acc = Aabb{};
      n = 0;
      for (int b = 0; b < kBins - 1; ++b) {
        acc.grow(bin_box[b]);
        n += bin_count[b];
        if (n == 0 || right_count[b + 1] == 0) continue;
        const float cost = acc.surface_area() * tests(n) + right_area[b + 1] * tests(right_count[b + 1]);
        if (cost < best_cost) {
          best_cost = cost;
          best_axis = axis;
          best_split = b + 1;
        }
      }
    }
    if (best_axis < 0) {
      // All centroids coincide: no plane separates them, so halve by index
      // to keep leaves small (a leaf's count must fit its 16 bits).
      if (count <= kMaxLeafSize) return make_leaf();
      return split(index, first, count, count / 2, -1, depth);
    }
    const float parent_area = box.surface_area();
    const float split_cost = kTraversalCost + kIntersectionCost * best_cost / std::max(parent_area, 1e-30f);
    const float leaf_cost = kIntersectionCost * tests(count);
    if (count <= kMaxLeafSize && leaf_cost <= split_cost) return make_leaf();

    const float lo = centroid_box.lo[best_axis], extent = centroid_box.hi[best_axis] - lo;
    // A stable partition through the builder's scratch buffer: the same
    // order std::stable_partition gives, without its temporary buffer per
    // call (one allocation per inner node, ~460 per frame on `spheres`).
    std::uint32_t* begin = out.indices.data() + first;
    std::uint32_t left = 0, right = 0;
    for (std::uint32_t k = 0; k < count; ++k) {
      const std::uint32_t i = begin[k];
      if (bin_of(centroids[i][best_axis], lo, extent) < best_split) begin[left++] = i;
      else scratch[right++] = i;
    }
    std::copy(scratch.begin(), scratch.begin() + right, begin + left);
    split(index, first, count, left, best_axis, depth);
  }

  void split(std::uint32_t index, std::uint32_t first, std::uint32_t count, std::uint32_t left_count,
             int axis, int depth) {
    const auto left = static_cast<std::uint32_t>(out.nodes.size());
    out.nodes.emplace_back();
    build(left, first, left_count, depth + 1);
    const auto right = static_cast<std::uint32_t>(out.nodes.size());
    out.nodes.emplace_back();
    build(right, first + left_count, count - left_count, depth + 1);
    // `left` == index + 1 by construction: the first child follows its parent.
    out.nodes[index].first_or_second = right;
    out.nodes[index].axis = static_cast<std::uint16_t>(axis < 0 ? 0 : axis);
    out.nodes[index].count = 0;
  }

  static int bin_of(float c, float lo, float extent) {
    const int b = static_cast<int>(static_cast<float>(kBins) * (c - lo) / extent);
    return std::clamp(b, 0, kBins - 1);
  }
};

// Collapses the binary tree into the wide one: a wide node takes its binary
// node's two children and keeps opening the largest-area inner child among
// them (the one most rays enter) until it has four.
struct Collapser {
  Bvh& out;

  std::uint32_t leaf_ref(const BvhNode& n) const {
    return kWideLeaf | (static_cast<std::uint32_t>(n.count - 1) << kWideCountShift) | n.first_or_second;
  }

  std::uint32_t collapse(std::uint32_t binary) {
    std::array<std::uint32_t, 4> kids{};
    int n = 0;
    const BvhNode& root = out.nodes[binary];
    if (root.is_leaf()) {
      kids[n++] = binary;
    } else {
      kids[n++] = binary + 1;
      kids[n++] = root.first_or_second;
      while (n < 4) {
        int open = -1;
        float open_area = -1.0f;
        for (int k = 0; k < n; ++k) {
          const BvhNode& c = out.nodes[kids[k]];
          if (!c.is_leaf() && c.bounds.surface_area() > open_area) {
            open = k;
            open_area = c.bounds.surface_area();
          }
        }
        if (open < 0) break;
        const std::uint32_t opened = kids[open];
        // The opened node's children take its place, in order.
        for (int k = n; k > open + 1; --k) kids[k] = kids[k - 1];
        kids[open] = opened + 1;
        kids[open + 1] = out.nodes[opened].first_or_second;
        ++n;
      }
    }
    const auto index = static_cast<std::uint32_t>(out.wide.size());
    out.wide.emplace_back();
    for (int k = 0; k < 4; ++k) {
      std::uint32_t ref = kWideEmpty;
      Aabb box;  // empty: lo = +inf, hi = -inf, missed by every ray
      if (k < n) {
        const BvhNode& c = out.nodes[kids[k]];
        box = c.bounds;
        ref = c.is_leaf() ? leaf_ref(c) : collapse(kids[k]);
      }
      WideNode& w = out.wide[index];  // collapse() may have reallocated
      for (int a = 0; a < 3; ++a) {
        w.bounds[0][a][k] = box.lo[a];
        w.bounds[1][a][k] = box.hi[a];
      }
      w.child[k] = ref;
    }
    return index;
  }
};

// Debug builds: the leaves' ranges tile `indices` exactly, in order (the
// builder creates nodes depth first, left before right), and each holds
// 1..kMaxLeafSize objects (what the wide leaf reference relies on).
void check_leaves(const Bvh& bvh) {
  std::uint32_t next = 0;
  for (const BvhNode& n : bvh.nodes) {
    if (!n.is_leaf()) continue;
    TXRAY_DCHECK(n.count <= kMaxLeafSize, "leaf of %u objects", static_cast<unsigned>(n.count));
    TXRAY_DCHECK(n.first_or_second == next, "leaf starts at %u, expected %u", n.first_or_second, next);
    next += n.count;
  }
  TXRAY_DCHECK(next == bvh.indices.size(), "leaves hold %u of %zu objects", next, bvh.indices.size());
}

}  // namespace

void rebuild_bvh(Bvh& bvh, std::span<const Aabb> bounds, std::span<const bool> bounded, BvhBuildScratch& scratch,
                 std::uint32_t leaf_block) {
  if (leaf_block != 1 && leaf_block != 2 && leaf_block != 4)
    throw std::invalid_argument("build_bvh: leaf_block must be 1, 2 or 4");
  bvh.nodes.clear();
  bvh.indices.clear();
  bvh.unbounded.clear();
  bvh.wide.clear();
  for (std::uint32_t i = 0; i < bounds.size(); ++i) {
    (bounded[i] ? bvh.indices : bvh.unbounded).push_back(i);
  }
  if (bvh.indices.empty()) return;
  if (bvh.indices.size() > kWideFirstMask) throw std::length_error("build_bvh: too many objects for a wide leaf reference");
  scratch.centroids.resize(bounds.size());
  scratch.partition.resize(bvh.indices.size());
  Builder builder{bounds, scratch.centroids, bvh, scratch.partition, std::countr_zero(leaf_block)};
  for (std::uint32_t i : bvh.indices) builder.centroids[i] = bounds[i].center();
  bvh.nodes.reserve(2 * bvh.indices.size());
  bvh.nodes.emplace_back();
  builder.build(0, 0, static_cast<std::uint32_t>(bvh.indices.size()), 0);
  TXRAY_DCHECK(builder.max_depth <= kMaxBvhDepth, "depth %d", builder.max_depth);
  // Every inner node has two children, so n leaves make 2n - 1 nodes, and
  // a leaf holds at least one object.
  TXRAY_DCHECK(bvh.nodes.size() % 2 == 1 && bvh.nodes.size() <= 2 * bvh.indices.size() - 1, "%zu nodes over %zu objects",
               bvh.nodes.size(), bvh.indices.size());
  if constexpr (kDchecksEnabled) check_leaves(bvh);
  // Leaves hold at most kMaxLeafSize objects and indices stay below
  // kMaxSceneObjects, so both fit a wide leaf reference.
  static_assert(kMaxLeafSize <= kWideMaxLeaf);
  bvh.wide.reserve(bvh.nodes.size() / 2 + 1);
  Collapser{bvh}.collapse(0);
  // A wide node replaces at least one binary inner node.
  TXRAY_DCHECK(bvh.wide.size() <= bvh.nodes.size() / 2 + 1, "%zu wide nodes from %zu binary ones", bvh.wide.size(),
               bvh.nodes.size());
}

Bvh build_bvh(std::span<const Aabb> bounds, std::span<const bool> bounded, std::uint32_t leaf_block) {
  Bvh bvh;
  BvhBuildScratch scratch;
  rebuild_bvh(bvh, bounds, bounded, scratch, leaf_block);
  return bvh;
}

Bvh build_bvh(std::span<const Object> objects) {
  std::vector<Aabb> bounds(objects.size());
  auto bounded = std::make_unique_for_overwrite<bool[]>(objects.size());
  for (std::size_t i = 0; i < objects.size(); ++i) {
    bounds[i] = object_bounds(objects[i]);
    bounded[i] = is_bounded(objects[i]);
  }
  return build_bvh(bounds, std::span<const bool>(bounded.get(), objects.size()));
}

}  // namespace txray
