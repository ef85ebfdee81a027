// The drag's latency bookkeeping (issue 19): which frame shows an event,
// how a batch is timed, what the figures say. Times are given, never read
// from a clock: the tests assert bookkeeping, not timings.
#include "app/demo/drag_latency.h"

#include <gtest/gtest.h>

#include "app/demo/overlay_text.h"

namespace txray::demo {
namespace {

TEST(DragLatency, NothingShownBeforeADrag) {
  DragLatency d;
  d.frame_began();
  d.frame_shown(5.0);
  EXPECT_EQ(d.figures().samples, 0u);
  EXPECT_EQ(drag_line(d.figures()), "");
}

// A write committed while a frame renders shows in the next frame, not
// the one in flight: the sample ends when the next frame is shown.
TEST(DragLatency, AnEventShowsInTheFirstFrameThatBeganAfterItsWrite) {
  DragLatency d;
  d.frame_began();     // frame 1 begins
  d.committed(10.0);   // the write lands mid-frame
  d.frame_shown(10.5); // frame 1 is done: it does not show the drag
  EXPECT_EQ(d.figures().samples, 0u);
  d.frame_began();     // frame 2 begins with the write in
  d.frame_shown(11.0);
  const auto f = d.figures();
  ASSERT_EQ(f.samples, 1u);
  EXPECT_DOUBLE_EQ(f.last_ms, 1000.0);
}

// Events coalesced into one batch: timed from the oldest.
TEST(DragLatency, ABatchIsTimedFromItsOldestEvent) {
  DragLatency d;
  d.committed(2.0);
  d.committed(1.0);
  d.committed(3.0);
  d.frame_began();
  d.frame_shown(4.0);
  const auto f = d.figures();
  ASSERT_EQ(f.samples, 1u);
  EXPECT_DOUBLE_EQ(f.last_ms, 3000.0);
}

// A frame that began but never showed (aborted) hands its events on.
TEST(DragLatency, AnUnfinishedFrameLeavesItsEventsToTheNext) {
  DragLatency d;
  d.committed(1.0);
  d.frame_began();    // never shown
  d.committed(2.0);
  d.frame_began();
  d.frame_shown(3.0);
  const auto f = d.figures();
  ASSERT_EQ(f.samples, 1u);
  EXPECT_DOUBLE_EQ(f.last_ms, 2000.0);  // from the older event, 1.0
}

TEST(DragLatency, FiguresKeepTheRecentWindow) {
  DragLatency d;
  for (std::size_t i = 0; i < DragLatency::kWindow + 8; ++i) {
    const double t = static_cast<double>(i) * 10.0;
    d.committed(t);
    d.frame_began();
    d.frame_shown(t + static_cast<double>(i + 1) * 1e-3);  // sample i: (i + 1) ms
  }
  const auto f = d.figures();
  EXPECT_EQ(f.samples, DragLatency::kWindow);
  EXPECT_NEAR(f.last_ms, static_cast<double>(DragLatency::kWindow + 8), 1e-6);
  EXPECT_NEAR(f.max_ms, static_cast<double>(DragLatency::kWindow + 8), 1e-6);
  // The window holds samples 9..40 ms: the median of 32 values is 24.5.
  EXPECT_NEAR(f.median_ms, 24.5, 1e-6);
}

TEST(DragLatency, TheOverlaySaysWhatWasMeasured) {
  DragLatency d;
  d.committed(0.0);
  d.frame_began();
  d.frame_shown(0.120);
  EXPECT_EQ(drag_line(d.figures()), "drag \xE2\x86\x92 frame 120 ms");
  d.committed(1.0);
  d.frame_began();
  d.frame_shown(1.080);
  EXPECT_EQ(drag_line(d.figures()), "drag \xE2\x86\x92 frame 80.0 ms (median 100, max 120 over 2 drags)");
}

}  // namespace
}  // namespace txray::demo
