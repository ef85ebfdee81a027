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

/// "counter rays_traced: write-write, render tile vs render tile, 9.7 ms (3x)"
[[nodiscard]] std::string describe_source(const sync::ConflictSource& source);

/// `tile_lost_ms` is indexed by Tile::index; `window` says over what the
/// times were summed ("last 1.0 s", "4 frames").
[[nodiscard]] HeatmapLayers conflict_layers(const std::vector<sync::ConflictSource>& sources, const SceneState& scene,
                                            const TileGrid& grid, const std::vector<double>& tile_lost_ms, int width,
                                            int height, const std::string& window, int top_sources = 3,
                                            int top_objects = 3);

}  // namespace txray::bench
