// txray-demo: the window. Parses the command line and hands over to
// run_demo; usage mistakes exit 2, failures (no display, bad script) 1.
#include <iostream>

#include "app/command_line.h"
#include "app/demo/demo_app.h"

int main(int argc, char** argv) {
  try {
    const auto options = txray::demo::parse_demo_options(argc - 1, argv + 1);
    return options ? txray::demo::run_demo(*options) : 0;  // nothing: --help was printed
  } catch (const txray::cli::UsageError& e) {
    std::cerr << "txray-demo: " << e.what() << " (try txray-demo --help)\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "txray-demo: " << e.what() << "\n";
    return 1;
  }
}
