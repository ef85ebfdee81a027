#pragma once
/// The window: SDL set-up, the UI loop (events, drawing, screenshots) and
/// its hand-off to the render thread. Returns the process exit status.
#include "app/demo/demo_options.h"

namespace txray::demo {

[[nodiscard]] int run_demo(const DemoOptions& options);

}  // namespace txray::demo
