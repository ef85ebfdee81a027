#!/usr/bin/env bash
# expect_exit STATUS COMMAND...: runs COMMAND, prints its output, and fails
# unless it exited with STATUS.
expected=$1; shift
"$@" 2>&1
status=$?
if [ "$status" -ne "$expected" ]; then
  echo "expected exit status $expected, got $status"
  exit 1
fi
echo "exit status $status as expected"
