// The release form of TXRAY_DCHECK, compiled into the debug test binary:
// this translation unit turns checks off the way NDEBUG does, so that the
// test can show a disabled check evaluates nothing.
#define TXRAY_DCHECK_ENABLED 0
#include "concurrency/dcheck.hpp"

namespace txray::dcheck_test {

int evaluations_with_checks_off() {
  int evaluated = 0;
  TXRAY_DCHECK(++evaluated < 0, "%d", ++evaluated);
  return evaluated;
}

bool checks_off_here() { return !kDchecksEnabled; }

}  // namespace txray::dcheck_test
