// Key handling driven through SDL's own event queue: synthetic key events
// are pushed, then pumped exactly as the window pumps them.
#include <cstdlib>

#include <SDL.h>
#include <gtest/gtest.h>

#include "app/demo/sdl_input.h"

namespace txray::demo {
namespace {

class KeyEvents : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("SDL_VIDEODRIVER", "dummy", 1);
    ASSERT_EQ(SDL_Init(SDL_INIT_VIDEO), 0) << SDL_GetError();
    SDL_FlushEvents(SDL_FIRSTEVENT, SDL_LASTEVENT);
  }
  void TearDown() override { SDL_Quit(); }

  static void key(SDL_Keycode code, bool repeat = false) {
    SDL_Event e{};
    e.type = SDL_KEYDOWN;
    e.key.state = SDL_PRESSED;
    e.key.repeat = repeat ? 1 : 0;
    e.key.keysym.sym = code;
    ASSERT_EQ(SDL_PushEvent(&e), 1) << SDL_GetError();
  }
  int pump(DemoState& s) {
    return pump_inputs(s, [&](const SDL_Event&) { ++others; });
  }
  int others = 0;
};

const std::vector<std::string> kProfiles = {"pypy", "pypy-stm", "native-fine", "ideal", "cpython", "cpython-ft"};

TEST_F(KeyEvents, KeysChangeTheState) {
  DemoState s(kProfiles, {0}, 2, 8);
  key(SDLK_3);
  key(SDLK_PLUS);
  key(SDLK_KP_PLUS);
  key(SDLK_MINUS);
  key(SDLK_a);
  key(SDLK_c);
  key(SDLK_l);
  key(SDLK_SPACE);
  key(SDLK_h);
  pump(s);
  EXPECT_EQ(s.pane_profiles(), std::vector<std::string>{"native-fine"});
  EXPECT_EQ(s.threads, 3);
  EXPECT_TRUE(s.animator);
  EXPECT_TRUE(s.shared_counters);
  EXPECT_TRUE(s.log);
  EXPECT_TRUE(s.paused);
  EXPECT_TRUE(s.help);
  EXPECT_FALSE(s.quit);
}

TEST_F(KeyEvents, TTogglesTheHeatmap) {
  DemoState s(kProfiles, {0}, 2, 8);
  EXPECT_FALSE(s.heatmap);
  key(SDLK_t);
  pump(s);
  EXPECT_TRUE(s.heatmap);
  key(SDLK_t, true);  // held: no flicker
  pump(s);
  EXPECT_TRUE(s.heatmap);
  key(SDLK_t);
  pump(s);
  EXPECT_FALSE(s.heatmap);
}

TEST_F(KeyEvents, ClickerKeysCycleProfiles) {
  DemoState s(kProfiles, {0}, 2, 8);
  key(SDLK_RIGHT);
  key(SDLK_PAGEDOWN);
  key(SDLK_PAGEDOWN);
  key(SDLK_PAGEUP);
  pump(s);
  EXPECT_EQ(s.pane_profiles().front(), "native-fine");
  key(SDLK_LEFT);
  key(SDLK_LEFT);
  key(SDLK_LEFT);
  pump(s);
  EXPECT_EQ(s.pane_profiles().front(), "cpython-ft");
  key(SDLK_KP_6);
  pump(s);
  EXPECT_EQ(s.pane_profiles().front(), "cpython-ft");
}

TEST_F(KeyEvents, RepeatDoesNotFlipToggles) {
  DemoState s(kProfiles, {0}, 1, 8);
  key(SDLK_a);
  key(SDLK_a, true);
  key(SDLK_a, true);
  key(SDLK_EQUALS, true);  // held '+': repeats do add threads
  pump(s);
  EXPECT_TRUE(s.animator);
  EXPECT_EQ(s.threads, 2);
}

TEST_F(KeyEvents, EscapeQAndCloseQuit) {
  for (SDL_Keycode k : {SDLK_ESCAPE, SDLK_q}) {
    DemoState s(kProfiles, {0}, 1, 8);
    key(k);
    pump(s);
    EXPECT_TRUE(s.quit) << k;
  }
  DemoState s(kProfiles, {0}, 1, 8);
  SDL_Event quit{};
  quit.type = SDL_QUIT;
  ASSERT_EQ(SDL_PushEvent(&quit), 1);
  pump(s);
  EXPECT_TRUE(s.quit);
}

TEST_F(KeyEvents, OtherEventsGoToTheWindow) {
  DemoState s(kProfiles, {0}, 1, 8);
  SDL_Event motion{};
  motion.type = SDL_MOUSEMOTION;
  ASSERT_EQ(SDL_PushEvent(&motion), 1);
  key(SDLK_s);
  key(SDLK_F11);
  pump(s);
  EXPECT_EQ(others, 1);
  EXPECT_EQ(s.screenshot_requests, 1);
  EXPECT_TRUE(s.fullscreen);
}

}  // namespace
}  // namespace txray::demo
