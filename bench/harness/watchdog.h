#pragma once
/// The watchdog (issue 13): a stage demo must not freeze in front of an
/// audience, and a CI benchmark must not hang a runner. `txray bench`,
/// `txray render` and `txray-demo` tell it whenever a frame finishes; when
/// none has for longer than the limit, it prints what the backend knows of
/// its state (concurrency/backend_state.hpp: which unit each worker is in,
/// who holds the GIL or the inevitable token and who waits, which cells are
/// waited for) to stderr, lets a report being written finish
/// (renderer/atomic_file.h), and ends the process with kWatchdogStatus.
///
/// The limit is the larger of a floor (`--watchdog S`, default 30 s) and
/// 20x the median frame so far. A finished tile is a sign of life too,
/// though not a frame: a first frame that is merely slow (the interpreter
/// draws a 1280x720 frame in about a minute) keeps finishing tiles, a stuck
/// one does not. Tiles are looked at when the limit runs out, so the
/// watchdog fires between one and two limits after the last tile.
/// `--watchdog 0` turns it off.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace txray::bench {

/// The exit status when the watchdog fires (2 is bad usage, 3 a busy
/// machine under --require-quiet, 130 Ctrl-C).
inline constexpr int kWatchdogStatus = 4;
/// The floor of the limit when --watchdog is not given, in seconds.
inline constexpr double kDefaultWatchdogSeconds = 30.0;
/// The limit is at least this many median frames.
inline constexpr double kWatchdogMedianFactor = 20.0;

/// The limit logic alone: no thread and no clock of its own. Times are
/// seconds on any steady clock, passed in, so tests drive it with a fake
/// one. A frame's time is the time since the previous frame finished (or
/// since the wait began): what a watcher sees between two signs of life.
class FrameDeadline {
 public:
  /// `floor_seconds` > 0.
  explicit FrameDeadline(double floor_seconds);

  /// A frame is expected from now on (if none already was).
  void arm(double now);
  /// None is expected (between runs, a minimised window): nothing expires.
  void disarm() { armed_ = false; }
  [[nodiscard]] bool armed() const { return armed_; }
  /// A frame finished at `now`; the wait for the next one starts.
  void frame_done(double now);
  /// A sign of life short of a frame (tiles finished): the wait restarts
  /// from `now`, and the frame's time still counts from the last frame.
  void alive(double now) { alive_ = now; }

  /// The median frame so far (0 before the first), to the histogram's
  /// resolution: the upper edge of its bucket, within 9 % above.
  [[nodiscard]] double median_frame() const;
  /// max(floor, 20 x median frame).
  [[nodiscard]] double limit() const;
  /// When the wait expires; meaningful while armed.
  [[nodiscard]] double deadline() const { return alive_ + limit(); }
  [[nodiscard]] bool expired(double now) const { return armed_ && now >= deadline(); }
  /// Seconds since the last frame finished or the wait began (the frame
  /// in flight's time so far).
  [[nodiscard]] double waited(double now) const { return now - since_; }
  [[nodiscard]] double floor() const { return floor_; }
  [[nodiscard]] long long frames() const { return frames_; }

 private:
  // Frame times in buckets a factor 2^(1/8) apart from 1 µs up (the last
  // holds everything longer, about 21 minutes): a fixed 2 KB, where
  // keeping every frame of an hour's soak would grow without end.
  static constexpr int kBucketsPerOctave = 8;
  static constexpr int kBuckets = 30 * kBucketsPerOctave;
  static constexpr double kSmallest = 1e-6;
  static double upper_edge(int bucket);

  double floor_;
  bool armed_ = false;
  double since_ = 0.0;  // the last frame, or arm()
  double alive_ = 0.0;  // the last sign of life: since_, or a later alive()
  long long frames_ = 0;
  long long counts_[kBuckets] = {};
};

/// The watchdog: a monitor thread that sleeps on a condition variable until
/// the deadline (that sleep measures nothing; it only waits) and fires if
/// no frame came. Every member may be called from any thread.
class Watchdog {
 public:
  /// What to print when it fires: the state, one line each.
  using Describe = std::function<std::vector<std::string>()>;

  /// `program` prefixes the message ("txray bench"); `floor_seconds` is
  /// --watchdog's value: 0 turns it off (no thread is started).
  Watchdog(std::string program, double floor_seconds);
  ~Watchdog();
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  [[nodiscard]] bool enabled() const { return enabled_; }
  /// A frame is expected (the wait starts now unless one was already
  /// expected); `describe` replaces the state to print, and must stay
  /// callable until the next arm() or disarm() (it is called under the
  /// watchdog's lock, so replacing it waits for a print in progress).
  void arm(Describe describe);
  /// No frame is expected; drops the description.
  void disarm();
  /// A frame finished.
  void frame_done();
  /// A tile finished (on a render worker): one relaxed increment, no lock.
  void tile_done() noexcept { tiles_.fetch_add(1, std::memory_order_relaxed); }

 private:
  void monitor();
  [[noreturn]] void fire(double waited);

  std::string program_;
  bool enabled_;
  std::mutex mutex_;
  std::condition_variable wake_;
  FrameDeadline deadline_;  // guarded by mutex_
  Describe describe_;       // guarded by mutex_
  bool stop_ = false;       // guarded by mutex_
  std::uint64_t tiles_seen_ = 0;  // monitor thread only
  alignas(64) std::atomic<std::uint64_t> tiles_{0};
  std::thread thread_;
};

/// Arms a watchdog (null: none) for a scope, with the state a rig (or any
/// `describe`) gives, and disarms it at the scope's end, before what
/// `describe` reads is gone.
class WatchScope {
 public:
  WatchScope(Watchdog* watchdog, Watchdog::Describe describe) : w_(watchdog) {
    if (w_) w_->arm(std::move(describe));
  }
  ~WatchScope() {
    if (w_) w_->disarm();
  }
  WatchScope(const WatchScope&) = delete;
  WatchScope& operator=(const WatchScope&) = delete;

 private:
  Watchdog* w_;
};

}  // namespace txray::bench
