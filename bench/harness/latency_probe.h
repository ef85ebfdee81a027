#pragma once
/// `txray bench --latency-probe` (issue 19): the GIL's other cost, latency.
/// An I/O-bound thread beside the renderers, through the same backend,
/// doing what David Beazley's convoy measurement (bpo-7946) does: a short
/// unit, then a one-byte pipe round trip (write, read), again and again.
/// Under a GIL every I/O call gives the lock up, and getting it back means
/// waiting behind the CPU-bound threads; that wait is the convoy effect.
///
/// The probe first runs kAloneRoundTrips with nothing rendering (the
/// anchor's "alone"), then runs back to back during the measured frames.
/// The convoy factor is the mean round trip beside the renderers over the
/// mean alone: what issue 19's anchor measures for the real runtimes
/// (scripts/convoy.py, run by `--calibrate`).
#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

#include "bench/harness/report.h"

namespace txray::bench {

class Rig;

/// The anchor's count of round trips, for the "alone" baseline.
inline constexpr int kAloneRoundTrips = 2000;

/// The CPUs the calling thread may run on, ascending (sched_getaffinity).
[[nodiscard]] std::vector<int> allowed_cpus();

/// Keeps the calling thread on `cpus` while in scope, then gives it back
/// its previous mask. An empty list leaves the thread where it is. Throws
/// std::runtime_error when the kernel refuses the mask.
class PinnedThread {
 public:
  explicit PinnedThread(const std::vector<int>& cpus);
  ~PinnedThread();
  PinnedThread(const PinnedThread&) = delete;
  PinnedThread& operator=(const PinnedThread&) = delete;

 private:
  std::vector<int> previous_;
};

/// Where the probe and the renderers run. The convoy depends on it (see
/// assets/kernels/convoy.py): with a core of its own, a renderer woken when
/// the probe releases the GIL for I/O runs at once and can take the lock
/// while the probe is in the kernel; on the probe's core it cannot run
/// until the probe blocks, and the convoy all but vanishes. Left to the
/// scheduler, a run lands in either mode. So at one render thread, the
/// anchor's setting, each gets a core of its own, as convoy.py's own-cores
/// places the I/O thread and the spinner: the probe the last allowed CPU,
/// the renderer (the thread driving the frames: TBB renders on it at one
/// thread) the others. With more render threads, or fewer than two CPUs,
/// nothing is pinned (empty lists).
struct ProbePlacement {
  std::vector<int> probe_cpus, render_cpus;
  [[nodiscard]] bool own_cores() const { return !probe_cpus.empty(); }
};
[[nodiscard]] ProbePlacement plan_probe_placement(const std::vector<int>& allowed, int render_threads);

class LatencyProbe {
 public:
  /// Opens the pipe; throws std::runtime_error naming the failure.
  explicit LatencyProbe(Rig& rig);
  ~LatencyProbe();
  LatencyProbe(const LatencyProbe&) = delete;
  LatencyProbe& operator=(const LatencyProbe&) = delete;

  /// `round_trips` operations on the calling thread with nothing else
  /// running; the mean microseconds per operation.
  double alone_mean_us(int round_trips = kAloneRoundTrips);
  /// Starts the probe thread (back-to-back operations until stop()), kept
  /// on `cpus` (empty: anywhere).
  void start(const std::vector<int>& cpus = {});
  /// Stops it; every operation's time since start(), in microseconds, in
  /// order. Rethrows what the probe thread threw.
  std::vector<double> stop();

 private:
  Rig& rig_;
  int fds_[2] = {-1, -1};
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::vector<std::uint64_t> ns_;
  std::exception_ptr error_;
};

/// The figures a run reports from its probe samples (µs per operation) and
/// its mean alone: p50, p99, max, mean, and the convoy factor mean / alone.
/// No samples: measured stays true, ops 0, the figures NaN.
[[nodiscard]] LatencyFigures summarize_latency(const std::vector<double>& us, double alone_us);

}  // namespace txray::bench
