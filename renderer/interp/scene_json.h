#pragma once
/// The scene state and flattened BVH as JSON, for the kernel file run
/// standalone under python3 or pypy3 (its __main__ reads this).
#include <string>

#include "renderer/bvh.h"
#include "renderer/scene_state.h"

namespace txray::interp {

/// Numbers are written so that Python reads back exactly the doubles the
/// VM boxes from the floats (17 significant digits).
[[nodiscard]] std::string kernel_scene_json(const SceneState& state, const Bvh& bvh, int width, int height);

}  // namespace txray::interp
