// txray-demo: the window. Parses the command line and hands over to
// run_demo; usage mistakes exit 2, failures (no display, bad script) 1.
#include <iostream>

#include "app/command_line.h"
#include "app/demo/demo_app.h"
#include "bench/harness/profile.h"

int main(int argc, char** argv) {
  std::vector<std::string> known;
  for (const auto& p : txray::bench::named_profiles()) known.push_back(p.name);
  for (const auto& p : txray::bench::library_profiles()) known.push_back(p.name);  // issue 12
  try {
    const txray::demo::DemoOptions options = txray::demo::parse_demo_options(argc - 1, argv + 1, known);
    if (options.help) {
      std::cout << txray::demo::demo_usage(known);
      return 0;
    }
    return txray::demo::run_demo(options);
  } catch (const txray::cli::UsageError& e) {
    std::cerr << "txray-demo: " << e.what() << " (try txray-demo --help)\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "txray-demo: " << e.what() << "\n";
    return 1;
  }
}
