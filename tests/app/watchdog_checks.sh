#!/usr/bin/env bash
# watchdog_checks.sh CASE TXRAY CHECK DIR: the watchdog (issue 13) against a
# deliberate hang. TXRAY_TEST_HANG makes a rig start, right after its second
# frame boundary, a unit on its input worker that holds what the backend
# lets a unit hold and never ends (Rig::hang_for_test), so the second frame
# never finishes. With --watchdog 1 the process must exit 4 within seconds,
# its message must name the holder, where the backend has one, and the
# unit each stuck worker is in, and no output file may be left but complete
# ones: never a .tmp.
#
# CASE is a backend (gil fine stm snapshot mutex rwlock rcu itm: `txray
# render --backend B --counters shared`, so that every render unit writes
# the counter the hanging unit holds, even on backends whose readers never
# wait), `sequence` (the frame written before the hang stays whole) or
# `bench` (its reports are each absent or the previous complete one).
# Which render thread is seen waiting depends on where the hang caught it
# (on a loaded machine one worker may not have taken a tile yet), so the
# checks ask for one, not for both.
# Exits non-zero on the first thing that is not so; 77 when this txray was
# built without the backend (itm).
set -u
case_name=$1 txray=$2 check=$3 dir=$4
rm -rf "$dir" && mkdir -p "$dir"
fail() { echo "FAIL ($case_name): $*"; exit 1; }

# run_hang COMMAND ARGS...: `txray COMMAND ARGS...` with TXRAY_TEST_HANG
# exits 4 with the watchdog's message.
run_hang() {
  local program=$1
  output=$(TXRAY_TEST_HANG=1 "$txray" "$@" --watchdog 1 2>&1)
  status=$?
  printf '%s\n' "$output"
  [ "$status" -eq 4 ] || fail "expected exit status 4, got $status"
  printf '%s\n' "$output" | grep -q "txray $program: watchdog: no frame finished" || fail "no watchdog message"
  if find "$dir" -name '*.tmp' | grep -q .; then fail "a temporary file was left: $(find "$dir" -name '*.tmp')"; fi
}
expect() {  # expect REGEX WHAT: the message matches REGEX
  printf '%s\n' "$output" | grep -qE -- "$1" || fail "the message does not show $2 (/$1/)"
}
render_hang() {  # render_hang BACKEND: txray render through BACKEND until the watchdog fires
  run_hang render --scene spheres --size 64x36 --threads 2 --frames 5 --backend "$1" --counters shared \
    --out "$dir/$1.png"
  [ ! -e "$dir/$1.png" ] || fail "$1.png was written though its frames did not all render"
}
# The hanging unit, on the input worker, in every case; and a render thread
# stopped in (or at the start of) its unit.
holder_in_unit="worker [0-9]+ \(input writer\): in a unit"
render_stuck="worker [01] \(render thread [01]\): (in|starting) a unit"
# A render unit that waits to lock the counter the hanging unit holds.
waits_for_counter="worker [01] \(render thread [01]\): in a unit( \(render tile\))?, waiting to lock counter rays_traced"

case "$case_name" in
  gil)  # the GIL's holder named, and the render threads queued for it
    render_hang gil
    expect "the GIL is held by worker [0-9]+ \(input writer\), inside a unit; waiting for it: worker [01] \(render thread [01]\)" \
      "the GIL's holder and a waiter"
    ;;
  stm)  # the inevitable token kept: its owner, and the units stopped at their commit
    render_hang stm
    expect "the inevitable token is held by worker [0-9]+ \(input writer\).*; waiting for it: worker [01] \(render thread [01]\)" \
      "the token's holder, and the units it holds up"
    expect "(^|[^0-9])([2-9]|[1-9][0-9]+) live transaction" "at least 2 live transactions"
    expect "\(render thread [01]\): in a unit \(render tile\), waiting for the inevitable unit to end" "a unit waiting at its commit"
    ;;
  mutex)  # std::mutex names no owner; the rig's units still show who has it
    render_hang mutex
    expect "the unit mutex is held by worker [0-9]+ \(input writer\), inside a unit; waiting for it: worker [01] \(render thread [01]\)" \
      "the mutex's holder and a waiter"
    ;;
  fine | rwlock | rcu | snapshot)  # no one lock: the cell the render units wait for, by name
    render_hang "$case_name"
    expect "$holder_in_unit" "the hanging unit"
    expect "$waits_for_counter" "a render unit waiting for the counter"
    ;;
  itm)  # serial-irrevocable: libitm's other transactions cannot begin
    if "$txray" render --backend itm --scene spheres --size 8x8 --out "$dir/probe.png" 2>&1 | grep -q "built without"; then
      echo "SKIP: this txray was built without itm"
      exit 77
    fi
    rm -f "$dir/probe.png"
    render_hang itm
    expect "serial-irrevocable mode is held by worker [0-9]+ \(input writer\), inside a unit; waiting for it: worker [01] \(render thread [01]\)" \
      "the serial-irrevocable unit and a transaction waiting to begin"
    expect "$render_stuck \(render tile\), waiting for serial-irrevocable mode" "a render unit's kind and wait"
    ;;
  sequence)  # the frame written before the hang is whole; none after it
    run_hang render --scene spheres --size 64x36 --threads 2 --frames 5 --profile pypy --sequence --out "$dir/seq.png"
    expect "the GIL is held by worker [0-9]+ \(input writer\)" "the GIL's holder"
    "$check" png "$dir/seq-0000.png" 64 36 || fail "seq-0000.png is not a whole 64x36 image"
    [ ! -e "$dir/seq-0001.png" ] || fail "seq-0001.png was written though its frame never finished"
    ;;
  bench)  # reports: the previous complete one where there was one, none where there was not
    bench=(bench --scene spheres --size 32x18 --profiles pypy --threads 2 --frames 3 --warmup 1 --repetitions 1
      --no-progress)
    "$txray" "${bench[@]}" --json "$dir/r.json" --csv "$dir/r.csv" --markdown "$dir/r.md" >/dev/null 2>&1 ||
      fail "the run before the hang failed"
    for f in r.json r.csv r.md; do cp "$dir/$f" "$dir/before-$f"; done
    run_hang "${bench[@]}" --json "$dir/r.json" --csv "$dir/r.csv" --markdown "$dir/r.md" --chart "$dir/fps.png"
    expect "the GIL is held by worker [0-9]+ \(input writer\), inside a unit; waiting for it: worker [01] \(render thread [01]\)" \
      "the GIL's holder and a waiter"
    for f in r.json r.csv r.md; do
      cmp -s "$dir/$f" "$dir/before-$f" || fail "$f is not the previous complete report"
    done
    "$check" json "$dir/r.json" || fail "r.json does not parse"
    [ ! -e "$dir/fps.png" ] || fail "fps.png was written though no run finished"
    ;;
  *)
    echo "unknown case $case_name" >&2
    exit 2
    ;;
esac
echo "PASS ($case_name)"
