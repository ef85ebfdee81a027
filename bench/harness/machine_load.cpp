#include "bench/harness/machine_load.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <sstream>

namespace txray::bench {

namespace {

double seconds_of(const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) * 1e-6; }

}  // namespace

LoadSampler::Sample LoadSampler::sample() {
  Sample s;
  s.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
  std::ifstream loadavg("/proc/loadavg");
  std::ifstream stat("/proc/stat");
  std::string cpu;
  // user nice system idle iowait irq softirq steal (guest time is inside user).
  double f[8] = {};
  if (!(loadavg >> s.loadavg) || !(stat >> cpu) || cpu != "cpu") return s;
  for (double& v : f)
    if (!(stat >> v)) return s;
  const double tick = static_cast<double>(sysconf(_SC_CLK_TCK));
  s.busy_s = (f[0] + f[1] + f[2] + f[5] + f[6] + f[7]) / tick;
  s.total_s = s.busy_s + (f[3] + f[4]) / tick;
  rusage self{}, children{};
  getrusage(RUSAGE_SELF, &self);
  getrusage(RUSAGE_CHILDREN, &children);  // --calibrate's python3 and pypy3 are ours too
  s.own_s = seconds_of(self.ru_utime) + seconds_of(self.ru_stime) + seconds_of(children.ru_utime) +
            seconds_of(children.ru_stime);
  s.ok = true;
  return s;
}

LoadSampler::LoadSampler(double threshold_pct) : threshold_pct_(threshold_pct), before_(sample()) {}

MachineLoad LoadSampler::finish() const {
  const Sample after = sample();
  MachineLoad load;
  load.threshold_pct = threshold_pct_;
  load.loadavg_before = before_.loadavg;
  load.loadavg_after = after.loadavg;
  load.wall_seconds = after.wall_s - before_.wall_s;
  const double capacity = after.total_s - before_.total_s;  // every core's seconds, idle included
  if (!before_.ok || !after.ok || capacity <= 0.0) return load;
  load.measured = true;
  const double own = after.own_s - before_.own_s;
  const double others = std::max(0.0, (after.busy_s - before_.busy_s) - own);
  load.own_cpu_pct = std::clamp(100.0 * own / capacity, 0.0, 100.0);
  load.other_cpu_pct = std::clamp(100.0 * others / capacity, 0.0, 100.0);
  load.busy = load.other_cpu_pct > threshold_pct_;
  return load;
}

std::string cpu_governor() {
  std::ifstream in("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor");
  std::string governor;
  std::getline(in, governor);
  return governor;
}

}  // namespace txray::bench
