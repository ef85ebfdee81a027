#include "app/demo/sdl_input.h"

namespace txray::demo {

std::optional<Input> input_for_event(const SDL_Event& event) {
  if (event.type == SDL_QUIT) return Input{Action::quit};
  if (event.type == SDL_WINDOWEVENT && event.window.event == SDL_WINDOWEVENT_CLOSE) return Input{Action::quit};
  if (event.type != SDL_KEYDOWN) return std::nullopt;
  const bool repeat = event.key.repeat != 0;
  const SDL_Keycode key = event.key.keysym.sym;
  if (key >= SDLK_1 && key <= SDLK_6 && !repeat) return Input{Action::select_profile, key - SDLK_1};
  if (key >= SDLK_KP_1 && key <= SDLK_KP_6 && !repeat) return Input{Action::select_profile, key - SDLK_KP_1};
  switch (key) {
    case SDLK_RIGHT:
    case SDLK_PAGEDOWN: return Input{Action::next};
    case SDLK_LEFT:
    case SDLK_PAGEUP: return Input{Action::previous};
    // '+' is shift+'=' on most layouts; accept the key either way.
    case SDLK_PLUS:
    case SDLK_EQUALS:
    case SDLK_KP_PLUS: return Input{Action::more_threads};
    case SDLK_MINUS:
    case SDLK_KP_MINUS: return Input{Action::fewer_threads};
    default: break;
  }
  if (repeat) return std::nullopt;
  switch (key) {
    case SDLK_SPACE: return Input{Action::toggle_pause};
    case SDLK_a: return Input{Action::toggle_animator};
    case SDLK_c: return Input{Action::toggle_counters};
    case SDLK_l: return Input{Action::toggle_log};
    case SDLK_t: return Input{Action::toggle_heatmap};
    case SDLK_s: return Input{Action::screenshot};
    case SDLK_h: return Input{Action::toggle_help};
    case SDLK_f:
    case SDLK_F11: return Input{Action::toggle_fullscreen};
    case SDLK_ESCAPE:
    case SDLK_q: return Input{Action::quit};
    default: return std::nullopt;
  }
}

}  // namespace txray::demo
