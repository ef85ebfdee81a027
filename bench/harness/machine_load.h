#pragma once
/// The busy-machine guard: how much of the machine other processes used
/// while txray measured. Read from /proc/stat (every process's CPU time)
/// less txray's own (getrusage), so it sees a build or a test suite on the
/// other core even when the load average has not caught up yet.
#include "bench/harness/report.h"

namespace txray::bench {

class LoadSampler {
 public:
  /// Takes the "before" sample. Runs whose other processes used more than
  /// `threshold_pct` of the machine (every core, the whole time) are busy.
  explicit LoadSampler(double threshold_pct);
  /// The "after" sample and the verdict; may be called more than once.
  [[nodiscard]] MachineLoad finish() const;

 private:
  struct Sample {
    bool ok = false;
    double loadavg = 0.0;
    double busy_s = 0.0, total_s = 0.0;  ///< every CPU, from /proc/stat
    double own_s = 0.0;                  ///< this process and its children
    double wall_s = 0.0;
  };
  static Sample sample();
  double threshold_pct_;
  Sample before_;
};

/// The default share of the machine other processes may use before a run
/// is flagged busy.
inline constexpr double kDefaultBusyThresholdPct = 10.0;

/// The cpufreq governor of CPU 0 ("performance", "powersave", …), or ""
/// where the kernel does not expose it (most virtual machines).
[[nodiscard]] std::string cpu_governor();

}  // namespace txray::bench
