#include "app/demo/overlay_text.h"

#include <gtest/gtest.h>

namespace txray::demo {
namespace {

TEST(OverlayText, ShortNumbers) {
  EXPECT_EQ(short_number(0.0), "0");
  EXPECT_EQ(short_number(0.626), "0.63");
  EXPECT_EQ(short_number(35.24), "35.2");
  EXPECT_EQ(short_number(812.0), "812");
  EXPECT_EQ(short_number(12345.0), "12.3k");
  EXPECT_EQ(short_number(3.4e6), "3.40M");
}

TEST(OverlayText, StmStoryListsAbortsByCauseLargestFirst) {
  const std::vector<bench::StatFigure> f = {
      {"aborts/s (locked on read)", 10.0, "/s"},
      {"aborts/s (read validation)", 120.0, "/s"},
      {"aborts/s (commit lock)", 0.0, "/s"},
      {"time lost (%)", 3.0, "%"},
      {"commits/s (update)", 500.0, "/s"},
  };
  EXPECT_EQ(backend_story(bench::BackendKind::stm, f),
            "aborts 130/s: read validation 120, locked on read 10.0 \xC2\xB7 time lost 3.00%");
}

TEST(OverlayText, LockAndGilStories) {
  EXPECT_EQ(backend_story(bench::BackendKind::fine, {{"lock waits/s (read)", 40.0, "/s"}, {"lock waits/s (write)", 2.0, "/s"},
                                                     {"lock wait (%)", 0.5, "%"}}),
            "lock waits 42.0/s (read 40.0, write 2.00) \xC2\xB7 waiting 0.50%");
  EXPECT_EQ(backend_story(bench::BackendKind::gil, {{"GIL switches/s", 190.0, "/s"}, {"GIL wait (%)", 48.0, "%"}}),
            "GIL switches 190/s \xC2\xB7 drop requests 0/s \xC2\xB7 waiting 48.0%");
  // PyPy's lock: yields, not drop requests.
  EXPECT_EQ(backend_story(bench::BackendKind::gil, {{"GIL switches/s", 190.0, "/s"}, {"GIL yields/s", 95.0, "/s"},
                                                    {"GIL wait (%)", 48.0, "%"}}),
            "GIL switches 190/s \xC2\xB7 yields 95.0/s \xC2\xB7 waiting 48.0%");
  // Not measured yet: the story's shape, with a dash for each figure.
  EXPECT_EQ(backend_story(bench::BackendKind::gil, {}), "GIL switches \xE2\x80\x94/s \xC2\xB7 waiting \xE2\x80\x94");
  EXPECT_EQ(backend_story(bench::BackendKind::stm, {}), "aborts \xE2\x80\x94/s \xC2\xB7 time lost \xE2\x80\x94");
}

TEST(OverlayText, LinesSayWhatThePaneIs) {
  PaneStatus s;
  s.profile = *bench::find_profile("pypy-stm");
  s.threads = 4;
  s.width = 640;
  s.height = 360;
  s.frames = 10;
  s.fps = 35.0;
  s.frame_ms = 28.6;
  s.mrays = 41.0;
  RenderConfig c;
  c.animator = true;
  const OverlayLines l = overlay_lines(s, c);
  EXPECT_EQ(l.title, "pypy-stm");
  EXPECT_EQ(l.setup, "engine native \xC2\xB7 backend stm \xC2\xB7 4 threads \xC2\xB7 640\xC3\x97" "360");
  EXPECT_EQ(l.speed, "35.0 FPS  28.6 ms  41.0 Mrays/s");
  EXPECT_NE(l.knobs.find("concurrent"), std::string::npos);
  EXPECT_GE(help_lines().size(), 10u);
}

TEST(OverlayText, HelpNamesTheHeatmapKey) {
  bool found = false;
  for (const std::string& line : help_lines()) found |= line.starts_with("T ") && line.find("heatmap") != std::string::npos;
  EXPECT_TRUE(found);
}

TEST(OverlayText, WrapWordsFitsTheWidth) {
  const auto chars = [](std::string_view s) { return static_cast<int>(s.size()); };
  EXPECT_EQ(wrap_words("1. counter rays_traced: write-write, render tile vs render tile, 1.3 ms/s", 30, chars),
            (std::vector<std::string>{"1. counter rays_traced:", "   write-write, render tile vs", "   render tile, 1.3 ms/s"}));
  EXPECT_EQ(wrap_words("short", 30, chars), std::vector<std::string>{"short"});
  EXPECT_EQ(wrap_words("", 30, chars), std::vector<std::string>{});
  // A word longer than the line is cut: no line is wider than the width.
  EXPECT_EQ(wrap_words("a verylongword b", 5, chars, ""), (std::vector<std::string>{"a", "veryl", "ongwo", "rd b"}));
  for (const std::string& line : wrap_words("ransactions: threads run together, conflicts retry", 8, chars))
    EXPECT_LE(chars(line), 8) << line;
  // Never inside a UTF-8 sequence.
  EXPECT_EQ(wrap_words("\xC3\x97\xC3\x97\xC3\x97", 4, chars, ""), (std::vector<std::string>{"\xC3\x97\xC3\x97", "\xC3\x97"}));
}

}  // namespace
}  // namespace txray::demo
