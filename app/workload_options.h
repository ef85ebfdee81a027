#pragma once
/// The workload knobs, declared once: `txray render`, `txray bench` and
/// `txray-demo` put these declarations in their option tables (each with
/// its help text, range and error message, command_line.h) and read the
/// values back through the same functions, so a knob reads, refuses and
/// reads back alike everywhere. Embree's tutorials share one option
/// registry the same way.
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "app/command_line.h"
#include "bench/harness/profile.h"
#include "renderer/backend_render.h"

namespace txray::workload {

// ---- what to render ---------------------------------------------------------
/// --scene NAME|FILE; `default_note` says what happens without it.
[[nodiscard]] cli::Option scene(const std::string& default_note);
/// --size WxH, each side up to kMaxImageDimension; `help` says which image.
[[nodiscard]] cli::Option size(const std::string& help);
/// --threads N (render, demo) and --threads N,M,... (bench: one run each).
[[nodiscard]] cli::Option threads();
[[nodiscard]] cli::Option thread_counts(const std::string& default_note);
/// --tile S; `default_note` as the command picks it.
[[nodiscard]] cli::Option tile(const std::string& default_note);

// ---- which point of the matrix ----------------------------------------------
/// The names --profile takes: the named profiles, then the library-backed
/// ones (any "engine+backend" find_profile knows is accepted too).
[[nodiscard]] std::vector<std::string> profile_names();
/// --profile NAME; `help` says what the command does with it.
[[nodiscard]] cli::Option profile(const std::string& help);
/// A list of min_items to max_items of those names: bench's --profiles,
/// the demo's --compare.
[[nodiscard]] cli::Option profile_list(const std::string& name, const std::string& value_name, int min_items,
                                       int max_items, const std::string& help);
/// --engine E, --backend B, --backends A,B,... (bench).
[[nodiscard]] cli::Option engine();
[[nodiscard]] cli::Option backend();
[[nodiscard]] cli::Option backends();
/// --profile/--profiles exclude --engine/--backend(s); --engine needs a
/// backend; --backend and --backends exclude each other. Only the rules
/// whose options `command` declares.
[[nodiscard]] std::vector<cli::Rule> selection_rules(const std::vector<cli::Option>& command);
/// The points the command line names (--profile, --profiles, --engine with
/// --backend or --backends), in its order; empty when it names none.
[[nodiscard]] std::vector<bench::Profile> read_profiles(const cli::Args& args);

// ---- how the units behave ---------------------------------------------------
/// --counters sharded|shared|commute.
[[nodiscard]] cli::Option counters();
/// Every knob of a run through a backend, render and bench alike: --unit-rays,
/// --animate, --counters, --log-every, --log-file, --log-outside,
/// --switch-interval, --stm-max-retries, --itm-method, --no-attribution.
[[nodiscard]] std::vector<cli::Option> knobs();
/// --log-file and --log-outside need --log-every.
[[nodiscard]] std::vector<cli::Rule> knob_rules();
/// Every knob needs one of `selectors` (render: no backend, nothing to turn).
[[nodiscard]] std::vector<cli::Rule> knobs_need(const std::vector<std::string>& selectors, const std::string& why);

// ---- the watchdog -------------------------------------------------------------
/// --watchdog S (bench/harness/watchdog.h): exit 4 with the backend's state
/// when no frame finishes within the larger of S seconds (default 30) and
/// 20x the median frame; 0 turns it off.
[[nodiscard]] cli::Option watchdog();
/// Its floor in seconds (0: off).
[[nodiscard]] double read_watchdog(const cli::Args& args);
/// The watchdog's test hook (tests/app/watchdog_checks.sh): with the
/// environment variable TXRAY_TEST_HANG set, the frame boundary at which a
/// rig starts a unit that never ends (Rig::hang_for_test): 2, so the first
/// frame finishes (and is written) and the second never does; else 0.
[[nodiscard]] int test_hang_at_frame();

struct Knobs {
  int unit_pixels = 0;  ///< 0: one tile
  CounterMode counters = CounterMode::sharded;
  int log_every = 0;
  std::string log_file;  ///< where the units' log lines go
  bool log_outside = false;
  double animate_hz = 0.0;  ///< 0: the animator runs between frames only
  std::chrono::nanoseconds switch_interval = std::chrono::milliseconds(5);
  std::uint32_t stm_max_retries = 32;
  bool attribution = true;
  std::string itm_method;  ///< "": libitm's default
};
/// The knobs' values (defaults for those not given). `args` must declare knobs().
[[nodiscard]] Knobs read_knobs(const cli::Args& args);

}  // namespace txray::workload
