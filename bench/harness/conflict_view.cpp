#include "bench/harness/conflict_view.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include <glm/geometric.hpp>

namespace txray::bench {

std::string describe_source(const sync::ConflictSource& s, double per_seconds) {
  char buf[320];
  std::string who(sync::unit_kind_name(s.self));
  if (s.other != sync::UnitKind::unknown) who += " vs " + std::string(sync::unit_kind_name(s.other));
  std::string where = s.subject;
  if (s.worker >= 0) where += " (thread " + std::to_string(s.worker) + ")";
  if (per_seconds > 0.0)
    std::snprintf(buf, sizeof buf, "%s: %s, %s, %.1f ms/s (%.0f/s)", where.c_str(),
                  std::string(sync::conflict_kind_name(s.kind)).c_str(), who.c_str(),
                  static_cast<double>(s.lost_ns) * 1e-6 / per_seconds, static_cast<double>(s.count) / per_seconds);
  else
    std::snprintf(buf, sizeof buf, "%s: %s, %s, %.1f ms (%llux)", where.c_str(),
                  std::string(sync::conflict_kind_name(s.kind)).c_str(), who.c_str(), static_cast<double>(s.lost_ns) * 1e-6,
                  static_cast<unsigned long long>(s.count));
  return buf;
}

namespace {

// The pinhole camera of renderer/camera.h, inverted: where a point lands
// on screen, and how many pixels a length at its depth spans.
struct Projector {
  Vec3 pos, forward, right, up;
  float half_w, half_h;
  int width, height;
  Projector(const Camera& c, int w, int h) : pos(c.position), width(w), height(h) {
    forward = glm::normalize(c.look_at - c.position);
    right = glm::normalize(glm::cross(forward, c.up));
    up = glm::cross(right, forward);
    half_h = std::tan(c.vfov_degrees * 0.5f * 3.14159265358979f / 180.0f);
    half_w = half_h * static_cast<float>(w) / static_cast<float>(h);
  }
  bool project(Vec3 p, float radius, HeatOutline& out) const {
    const Vec3 d = p - pos;
    const float z = glm::dot(d, forward);
    if (z <= 1e-3f) return false;  // behind the camera
    const float u = glm::dot(d, right) / (z * half_w), v = glm::dot(d, up) / (z * half_h);
    out.x = (u + 1.0f) * 0.5f * static_cast<float>(width);
    out.y = (1.0f - v) * 0.5f * static_cast<float>(height);
    out.radius = radius / (z * half_h) * 0.5f * static_cast<float>(height);
    return true;
  }
};

}  // namespace

HeatmapLayers conflict_layers(const std::vector<sync::ConflictSource>& sources, const SceneState& scene,
                              const TileGrid& grid, const std::vector<double>& tile_lost_ms, int width, int height,
                              const std::string& window, int top_sources, int top_objects, double source_seconds) {
  HeatmapLayers layers;
  double max_ms = 0.0, total_ms = 0.0;
  for (int i = 0; i < grid.count() && i < static_cast<int>(tile_lost_ms.size()); ++i) {
    const Tile t = grid.tile(i);
    layers.tiles.push_back({t.x0, t.y0, t.x1, t.y1, tile_lost_ms[static_cast<std::size_t>(i)]});
    max_ms = std::max(max_ms, tile_lost_ms[static_cast<std::size_t>(i)]);
    total_ms += tile_lost_ms[static_cast<std::size_t>(i)];
  }
  char title[200];
  std::snprintf(title, sizeof title, "T: time lost to aborts/waits per tile, %s: %.1f ms in all, worst tile %.2f ms",
                window.c_str(), total_ms, max_ms);
  layers.title = title;
  for (int i = 0; i < top_sources && i < static_cast<int>(sources.size()); ++i)
    layers.legend.push_back(std::to_string(i + 1) + ". " + describe_source(sources[static_cast<std::size_t>(i)], source_seconds));
  if (sources.empty()) layers.legend.push_back("no conflicts attributed");

  // Objects that lost the most time (every kind together): the legend's
  // order, so the first circle is the legend's first object.
  std::map<int, std::uint64_t> per_object;
  for (const sync::ConflictSource& s : sources)
    if (s.group == "object" && s.index >= 0) per_object[s.index] += s.lost_ns;
  std::vector<std::pair<std::uint64_t, int>> ranked;
  for (const auto& [index, lost_ns] : per_object) ranked.push_back({lost_ns, index});
  std::stable_sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  const Projector projector(scene.camera, width, height);
  for (int k = 0; k < top_objects && k < static_cast<int>(ranked.size()); ++k) {
    const auto index = static_cast<std::size_t>(ranked[static_cast<std::size_t>(k)].second);
    if (index >= scene.objects.size()) continue;
    const Object& o = scene.objects[index];
    if (o.kind == ShapeKind::plane) continue;  // no outline fits a plane
    const float radius = o.kind == ShapeKind::sphere ? o.radius : glm::length(o.half_size);
    HeatOutline outline;
    if (!projector.project(o.center, radius, outline)) continue;
    // Named as in the legend: its number there when it is listed.
    for (std::size_t i = 0; i < sources.size(); ++i)
      if (sources[i].group == "object" && sources[i].index == static_cast<int>(index)) {
        outline.subject = sources[i].subject;
        outline.label = (static_cast<int>(i) < top_sources ? std::to_string(i + 1) + ". " : std::string()) +
                        sources[i].subject;
        break;
      }
    layers.outlines.push_back(outline);
  }
  return layers;
}

}  // namespace txray::bench
