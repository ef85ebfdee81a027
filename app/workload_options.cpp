#include "app/workload_options.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "bench/harness/fps_harness.h"
#include "bench/harness/watchdog.h"
#include "scenes/scene.h"

namespace txray::workload {

namespace {

constexpr CounterMode kCounterModes[] = {CounterMode::sharded, CounterMode::shared, CounterMode::commute};

std::vector<std::string> backend_names() {
  std::vector<std::string> names;
  for (const bench::BackendKind b : bench::kAllBackendKinds) names.emplace_back(bench::backend_name(b));
  return names;
}

bool declared(const std::vector<cli::Option>& options, const std::string& name) {
  return std::any_of(options.begin(), options.end(),
                     [&](const cli::Option& o) { return o.kind != cli::Kind::heading && o.name == name; });
}

bool is_profile(const std::string& name) { return bench::find_profile(name).has_value(); }

std::string noted(std::string help, const std::string& note) { return note.empty() ? help : help + " " + note; }

}  // namespace

cli::Option scene(const std::string& default_note) {
  return cli::text("scene", "NAME|FILE",
                   noted("a built-in scene (`txray info` lists them) or a JSON scene file", default_note));
}

cli::Option size(const std::string& help) { return cli::size("size", kMaxImageDimension, help); }

cli::Option threads() { return cli::integer("threads", "N", 1, 256, "render threads (default: one per core)"); }

cli::Option thread_counts(const std::string& default_note) {
  return cli::integer_list("threads", "N,M,...", 1, 256, noted("render threads, one run each", default_note));
}

cli::Option tile(const std::string& default_note) {
  return cli::integer("tile", "S", 1, 4096, noted("tile edge in pixels", default_note));
}

std::vector<std::string> profile_names() {
  std::vector<std::string> names;
  for (const bench::Profile& p : bench::named_profiles()) names.push_back(p.name);
  for (const bench::Profile& p : bench::library_profiles()) names.push_back(p.name);
  return names;
}

cli::Option profile(const std::string& help) {
  return cli::choice("profile", "P", profile_names(), help).also_accepting(is_profile);
}

cli::Option profile_list(const std::string& name, const std::string& value_name, int min_items, int max_items,
                         const std::string& help) {
  return cli::choice_list(name, value_name, profile_names(), min_items, max_items, help).also_accepting(is_profile);
}

cli::Option engine() {
  return cli::choice("engine", "E", {"native", "interp"},
                     "the engine of an unnamed point: native (compiled, the default) or\n"
                     "interp (the Python kernel, interpreted)");
}

cli::Option backend() {
  return cli::choice("backend", "B", backend_names(),
                     "the backend of an unnamed point: mutex, gil, rwlock, rwlock-queuing,\n"
                     "rwlock-std, fine, rcu, stm, itm or snapshot");
}

cli::Option backends() {
  return cli::choice_list("backends", "A,B,...", backend_names(), 1, 1000, "several backends on one engine (--engine)");
}

std::vector<cli::Rule> selection_rules(const std::vector<cli::Option>& command) {
  std::vector<cli::Rule> rules;
  const auto keep = [&](cli::Rule rule) {
    std::erase_if(rule.others, [&](const std::string& name) { return !declared(command, name); });
    if (declared(command, rule.option) && !rule.others.empty()) rules.push_back(std::move(rule));
  };
  keep(cli::excludes("profile", {"engine", "backend", "backends"}));
  keep(cli::excludes("profiles", {"engine", "backend", "backends"}));
  keep(cli::excludes("backend", {"backends"}));
  keep(cli::needs("engine", {"backend", "backends"}, "the engine of which backend"));
  return rules;
}

std::vector<bench::Profile> read_profiles(const cli::Args& args) {
  std::vector<bench::Profile> out;
  for (const char* option : {"profile", "profiles"})
    if (args.declares(option))
      for (const std::string& name : args.names(option)) out.push_back(*bench::find_profile(name));
  std::vector<std::string> backends;
  for (const char* option : {"backend", "backends"})
    if (args.declares(option))
      for (std::string& name : args.names(option)) backends.push_back(std::move(name));
  const auto engine = bench::parse_engine(args.value("engine").value_or("native"));
  for (const std::string& name : backends) out.push_back(bench::profile_for(*engine, *bench::parse_backend(name)));
  return out;
}

cli::Option counters() {
  std::vector<std::string> names;
  for (const CounterMode mode : kCounterModes) names.emplace_back(bench::counter_mode_name(mode));
  return cli::choice("counters", "MODE", names,
                     "sharded (per worker; default) | shared (one counter every unit\n"
                     "reads and writes: the naive program) | commute (commute_add)");
}

std::vector<cli::Option> knobs() {
  return {
      cli::integer("unit-rays", "N", 1, 1 << 24, "primary rays (pixels) per unit of work (default: one tile)"),
      cli::number("animate", "MODE", 0.001, 100000.0,
                  "between (animator only between frames: deterministic; default)\n"
                  "or HZ: an animator thread making HZ updates per second meanwhile")
          .or_words({"between"}),
      counters(),
      cli::integer("log-every", "N", 0, 1 << 30, "every Nth unit of a worker writes a log line (I/O in the unit)"),
      cli::output("log-file", "PATH", "", "where those lines go (default: txray-units.log in the temp dir)"),
      cli::flag("log-outside", "write those lines after the unit commits, outside it (the fix)"),
      cli::number("switch-interval", "MS", 0.001, 10000.0,
                  "GIL switch interval (default 5, like sys.setswitchinterval)"),
      cli::integer("stm-max-retries", "K", 1, 1 << 20,
                   "aborts before an STM unit runs serial-irrevocable (default 32)"),
      cli::choice("itm-method", "M", {"ml_wt", "gl_wt", "serialirr"},
                  "itm backend: libitm's ml_wt (default) | gl_wt | serialirr"),
      cli::flag("no-attribution", "do not attribute aborts and waits (on by default; it costs little)"),
  };
}

cli::Option watchdog() {
  return cli::number("watchdog", "S", 0.0, 86400.0,
                     "exit 4, printing the backend's state (GIL holder and waiters, STM\n"
                     "inevitable owner, cells waited for), when no frame finishes within\n"
                     "the larger of S seconds (default 30) and 20x the median frame; 0: off");
}

double read_watchdog(const cli::Args& args) { return args.number("watchdog", bench::kDefaultWatchdogSeconds); }

int test_hang_at_frame() { return std::getenv("TXRAY_TEST_HANG") != nullptr ? 2 : 0; }

std::vector<cli::Rule> knob_rules() {
  return {cli::needs("log-file", {"log-every"}), cli::needs("log-outside", {"log-every"})};
}

std::vector<cli::Rule> knobs_need(const std::vector<std::string>& selectors, const std::string& why) {
  std::vector<cli::Rule> rules;
  for (const cli::Option& knob : knobs()) rules.push_back(cli::needs(knob.name, selectors, why));
  return rules;
}

Knobs read_knobs(const cli::Args& args) {
  Knobs k;
  k.unit_pixels = args.integer("unit-rays", 0);
  k.animate_hz = args.number("animate", 0.0);
  const std::string counters = args.value("counters").value_or("sharded");
  for (const CounterMode mode : kCounterModes)
    if (bench::counter_mode_name(mode) == counters) k.counters = mode;
  k.log_every = args.integer("log-every", 0);
  k.log_file = args.value("log-file").value_or((std::filesystem::temp_directory_path() / "txray-units.log").string());
  k.log_outside = args.flag("log-outside");
  k.switch_interval =
      std::chrono::microseconds(static_cast<long long>(args.number("switch-interval", 5.0) * 1000.0));
  k.stm_max_retries = static_cast<std::uint32_t>(args.integer("stm-max-retries", 32));
  k.itm_method = args.value("itm-method").value_or("");
  k.attribution = !args.flag("no-attribution");
  return k;
}

}  // namespace txray::workload
