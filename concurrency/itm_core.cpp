// The one function of the itm backend that GCC compiles with -fgnu-tm:
// it opens a transaction, and calls the unit's body as transaction_pure
// code, so GCC instruments nothing inside it. The body's cell reads and
// writes call libitm's barriers themselves (itm_backend.hpp).
#include "concurrency/itm_backend.hpp"

namespace txray::sync::itm_detail {
namespace {

// Read inside every transaction, written never: the transaction has one
// access GCC can see, or GCC would drop it as empty (the body is opaque).
// Reading a word nobody writes conflicts with nothing.
int g_anchor = 0;

[[gnu::transaction_pure]] void call_body(Body body, void* ctx) { body(ctx); }

}  // namespace

int run_transaction(Body body, void* ctx) {
  int anchor = 0;
  __transaction_atomic {
    anchor = g_anchor;
    call_body(body, ctx);
  }
  return anchor;
}

}  // namespace txray::sync::itm_detail
