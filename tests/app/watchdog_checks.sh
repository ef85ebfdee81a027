#!/usr/bin/env bash
# watchdog_checks.sh CASE TXRAY CHECK DIR: the watchdog (issue 13) against a
# deliberate hang. TXRAY_TEST_HANG makes `txray render` start, before its
# second frame, a unit on the rig's input worker that holds what the backend
# lets a unit hold and never ends (Rig::hang_for_test). With --watchdog 1
# the process must exit 4 within seconds, its message must name the holder
# (or what the stuck workers wait for), and no output file may be left but
# complete ones: --out is written only after the last frame, so it must be
# absent; with --sequence the first frame's file is whole; never a .tmp.
# Who is seen waiting depends on where the hang caught each thread (on a
# loaded machine the animator thread may be the one stuck, holding up the
# frame boundary before any render unit starts), so the checks ask for a
# waiter, not for a particular one.
# Exits non-zero on the first thing that is not so.
set -u
case_name=$1 txray=$2 check=$3 dir=$4
rm -rf "$dir" && mkdir -p "$dir"
fail() { echo "FAIL ($case_name): $*"; exit 1; }

hang() {  # hang REGEX ARGS...: exit 4 and a message matching REGEX
  local regex=$1
  shift
  output=$(TXRAY_TEST_HANG=1 "$txray" render --scene spheres --size 64x36 --threads 2 --frames 5 --watchdog 1 "$@" 2>&1)
  status=$?
  printf '%s\n' "$output"
  [ "$status" -eq 4 ] || fail "expected exit status 4, got $status"
  printf '%s\n' "$output" | grep -q "txray render: watchdog: no frame finished" || fail "no watchdog message"
  printf '%s\n' "$output" | grep -qE -- "$regex" || fail "the message does not match /$regex/"
  if find "$dir" -name '*.tmp' | grep -q .; then fail "a temporary file was left: $(find "$dir" -name '*.tmp')"; fi
}

case "$case_name" in
  gil)  # the pypy profile's GIL: its holder named, and who queued for it
    hang "the GIL is held by worker [0-9]+ \(input writer\), inside a unit; waiting for it: worker [0-9]+ \((render thread [01]|animator thread)\)" \
      --profile pypy --animate 100 --out "$dir/gil.png"
    [ ! -e "$dir/gil.png" ] || fail "gil.png was written though its frames did not all render"
    ;;
  stm)  # the inevitable token kept: its owner, and the units stopped at their commit
    hang "the inevitable token is held by worker [0-9]+ \(input writer\)" \
      --profile pypy-stm --counters shared --animate 100 --out "$dir/stm.png"
    # The holder's unit and the waiter's, at least.
    printf '%s\n' "$output" | grep -qE "(^|[^0-9])([2-9]|[1-9][0-9]+) live transaction" || fail "fewer than 2 live transactions"
    printf '%s\n' "$output" | grep -qE "\((render thread [01]|animator thread)\): in a unit \((render tile|animator update)\), waiting for the inevitable unit to end" ||
      fail "no unit shown waiting at its commit"
    [ ! -e "$dir/stm.png" ] || fail "stm.png was written"
    ;;
  mutex)  # std::mutex names no owner; the rig's units still show who has it
    hang "the unit mutex is held by worker [0-9]+ \(input writer\), inside a unit; waiting for it: worker [0-9]+ \((render thread [01]|animator thread)\)" \
      --backend mutex --animate 100 --out "$dir/mutex.png"
    [ ! -e "$dir/mutex.png" ] || fail "mutex.png was written"
    ;;
  fine)  # a cell's lock held: the cell the render units wait for, by name
    hang "render thread [01]\): in a unit \(render tile\), waiting to lock counter rays_traced" \
      --profile native-fine --counters shared --out "$dir/fine.png"
    [ ! -e "$dir/fine.png" ] || fail "fine.png was written"
    ;;
  sequence)  # the frame written before the hang is whole; none after it
    hang "the GIL is held by worker [0-9]+ \(input writer\)" --profile pypy --sequence --out "$dir/seq.png"
    "$check" png "$dir/seq-0000.png" 64 36 || fail "seq-0000.png is not a whole 64x36 image"
    [ ! -e "$dir/seq-0001.png" ] || fail "seq-0001.png was written though its frame never finished"
    ;;
  *)
    echo "unknown case $case_name" >&2
    exit 2
    ;;
esac
echo "PASS ($case_name)"
