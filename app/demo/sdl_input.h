#pragma once
/// SDL events to the window's plain Inputs (demo_state.h). The window and
/// the key-handling test both go through pump_inputs, so the test drives
/// exactly what a key press does.
#include <optional>

#include <SDL.h>

#include "app/demo/demo_state.h"

namespace txray::demo {

/// The Input for a key or quit event, if any. Key repeat counts for the
/// keys it makes sense on (threads, stepping), not for toggles.
[[nodiscard]] std::optional<Input> input_for_event(const SDL_Event& event);

/// Polls every queued event: keys and quit go to `state`; anything else is
/// passed to `other` (mouse, window events). Returns the events handled.
template <class Other>
int pump_inputs(DemoState& state, Other&& other) {
  int count = 0;
  SDL_Event event;
  while (SDL_PollEvent(&event)) {
    ++count;
    if (const std::optional<Input> input = input_for_event(event))
      state.apply(*input);
    else
      other(event);
  }
  return count;
}

}  // namespace txray::demo
