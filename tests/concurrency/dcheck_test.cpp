// TXRAY_DCHECK (concurrency/dcheck.hpp): on in every build type but
// Release, where it costs nothing; a failed check names itself and aborts.
// The renderer's checks have their death test in tests/renderer/bvh_test.cpp.
#include <gtest/gtest.h>

#include "concurrency/dcheck.hpp"
#include "concurrency/stm_backend.hpp"

namespace txray {
namespace dcheck_test {
int evaluations_with_checks_off();  // dcheck_off.cpp
bool checks_off_here();
}  // namespace dcheck_test
namespace {

class DcheckDeathTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Re-executes the binary for each death test rather than forking a
    // process that may already run threads (TBB, TSan's own).
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    if (!kDchecksEnabled) GTEST_SKIP() << "checks are off in this build type (DchecksFollowTheBuildType says why)";
  }
};

// CMake says which build type this is; the header decides from NDEBUG. If
// the two disagree (checks compiled out of the debug build, or left in the
// release one), this fails.
TEST(Dcheck, DchecksFollowTheBuildType) {
  EXPECT_EQ(kDchecksEnabled, TXRAY_TEST_EXPECTS_DCHECKS != 0);
}

TEST(Dcheck, DisabledCheckEvaluatesNothing) {
  EXPECT_TRUE(dcheck_test::checks_off_here());
  EXPECT_EQ(dcheck_test::evaluations_with_checks_off(), 0);
}

TEST(Dcheck, PassingCheckDoesNothing) {
  int evaluated = 0;
  TXRAY_DCHECK(++evaluated == 1);
  TXRAY_DCHECK(evaluated == 1, "evaluated %d", evaluated);
  EXPECT_EQ(evaluated, kDchecksEnabled ? 1 : 0);
}

TEST_F(DcheckDeathTest, FailedCheckNamesItselfAndAborts) {
  const int seven = 7;
  EXPECT_DEATH(TXRAY_DCHECK(seven == 8), "DCHECK failed at .*dcheck_test\\.cpp:[0-9]+: seven == 8");
  EXPECT_DEATH(TXRAY_DCHECK(seven == 8, "seven is %d", seven), "seven == 8: seven is 7");
}

// A commit hook runs once the unit is over (README: hooks fire after the
// unit); reading through the finished unit there is a bug the check names.
TEST_F(DcheckDeathTest, StmUnitUsedAfterItsEndIsCaught) {
  sync::StmBackend backend(1);
  sync::StmBackend::Cell<int> cell{1};
  EXPECT_DEATH(backend.run(0,
                           [&](sync::StmBackend::Unit& unit) {
                             unit.on_commit([&] { (void)unit.read(cell); });
                           }),
               "a unit used after it ended");
}

TEST_F(DcheckDeathTest, StmWorkerOutOfRangeIsCaught) {
  sync::StmBackend backend(2);
  EXPECT_DEATH(backend.run(2, [](sync::StmBackend::Unit&) {}), "worker 2 of 2");
}

}  // namespace
}  // namespace txray
