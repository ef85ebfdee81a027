#!/usr/bin/env bash
# expect_exit STATUS REGEX COMMAND...: runs COMMAND, prints its output, and
# exits non-zero unless COMMAND exited with STATUS *and* its output (stdout
# and stderr together) matches the extended regular expression REGEX. CTest
# looks only at this script's exit status (no PASS_REGULAR_EXPRESSION), so a
# wrong status, a crash after the expected message, or a missing message all
# fail the test.
if [ $# -lt 3 ]; then
  echo "usage: expect_exit STATUS REGEX COMMAND..." >&2
  exit 2
fi
expected=$1 regex=$2
shift 2
output=$("$@" 2>&1)
status=$?
printf '%s\n' "$output"
failed=0
if [ "$status" -ne "$expected" ]; then
  echo "FAIL: expected exit status $expected, got $status"
  failed=1
fi
if ! printf '%s\n' "$output" | grep -qE -- "$regex"; then
  echo "FAIL: the output does not match /$regex/"
  failed=1
fi
[ "$failed" -eq 0 ] && echo "exit status $status and output as expected"
exit "$failed"
