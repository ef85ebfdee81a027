#pragma once
/// What the conflict heatmap shows, worked out from a rig's conflict report
/// and the time each tile's units lost: tiles, the objects in the most
/// conflicts (projected to the screen), and the top sources as legend
/// lines. Used by `txray render --heatmap` and by the demo's T overlay.
#include <string>
#include <vector>

#include "bench/harness/heatmap.h"
#include "concurrency/conflict_log.hpp"
#include "renderer/scene_state.h"
#include "renderer/tile_scheduler.h"

namespace txray::bench {

/// "counter rays_traced: write-write, render tile vs render tile, 9.7 ms (3x)";
/// with `per_seconds` > 0 the times and counts are rates over that many
/// seconds: "..., 120.0 ms/s (350/s)" (the demo's T legend).
[[nodiscard]] std::string describe_source(const sync::ConflictSource& source, double per_seconds = 0.0);

/// `tile_lost_ms` is indexed by Tile::index; `window` says over what the
/// times were summed ("last 1.0 s", "4 frames"). `source_seconds` > 0: the
/// sources' totals cover that many seconds and the legend shows rates.
[[nodiscard]] HeatmapLayers conflict_layers(const std::vector<sync::ConflictSource>& sources, const SceneState& scene,
                                            const TileGrid& grid, const std::vector<double>& tile_lost_ms, int width,
                                            int height, const std::string& window, int top_sources = 3,
                                            int top_objects = 3, double source_seconds = 0.0);

}  // namespace txray::bench
