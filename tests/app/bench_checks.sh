#!/usr/bin/env bash
# bench_checks.sh CASE TXRAY TXRAY_CHECK DIR: runs a small `txray bench` the
# way CASE says, in a fresh DIR, and checks its exit status, its messages and
# the files it wrote (read back with txray_check). Exit 77 means skipped (a
# runtime --calibrate needs is missing). Only behaviour is checked: that files
# exist and parse, not the report's fields (docs/report-schema.md, tested in
# tests/bench) and never a figure.
set -u
case_name=$1 txray=$2 check=$3 dir=$4
rm -rf "$dir" && mkdir -p "$dir" || exit 1
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
check() { "$check" "$@" || fail "txray_check $*"; }
tiny=(--scene stmbench --size 32x32 --warmup 0 --repetitions 1 --no-progress)

# run STATUS REGEX ARGS...: txray bench ARGS, expecting STATUS and REGEX.
run() {
  local want=$1 regex=$2
  shift 2
  local output status
  output=$("$txray" bench "$@" 2>&1)
  status=$?
  printf '$ txray bench %s\n%s\n' "$*" "$output"
  printf '%s\n' "$output" >"$dir/last-output.txt"
  [ "$status" -eq "$want" ] || fail "txray bench $*: exit status $status, expected $want"
  printf '%s\n' "$output" | grep -qE -- "$regex" || fail "txray bench $*: output does not match /$regex/"
}

case $case_name in
  outputs)
    # Every output file, written and readable.
    run 0 "pypy-stm" "${tiny[@]}" --frames 1 --threads 1,2 --profiles pypy,pypy-stm \
      --json "$dir/r.json" --csv "$dir/r.csv" --markdown "$dir/r.md" --chart "$dir/fps.png" --speedup-chart "$dir/speedup.png"
    check json "$dir/r.json"
    # Charts are flat drawings on a background: a few colours suffice.
    check png "$dir/fps.png" 0 0 4 99
    check png "$dir/speedup.png" 0 0 4 99
    # A header and one line per profile × thread count.
    [ "$(grep -c . "$dir/r.csv" 2>/dev/null)" -ge 5 ] || fail "r.csv: fewer than 5 lines"
    grep -q "pypy-stm" "$dir/r.csv" || fail "r.csv does not name pypy-stm"
    grep -q "^|.*pypy-stm.*|" "$dir/r.md" || fail "r.md has no table row for pypy-stm"
    ls -A "$dir" | grep -q '\.tmp' && fail "a temporary file was left: $(ls -A "$dir")"
    ;;
  failed_write)
    # The temporary file beside --json is a directory: that write fails at
    # the end (a --json naming a directory is refused before the run: the
    # bad-input matrix), exit 1 naming the file, and the other reports are
    # still written.
    mkdir -p "$dir/taken.json.tmp/inside"
    run 1 "txray bench: .*taken.json" "${tiny[@]}" --frames 1 --threads 1 --profiles ideal \
      --json "$dir/taken.json" --csv "$dir/r.csv" --chart "$dir/fps.png"
    [ -d "$dir/taken.json.tmp/inside" ] || fail "the directory in the way was damaged"
    [ ! -e "$dir/taken.json" ] || fail "the failed write left $dir/taken.json"
    [ "$(grep -c . "$dir/r.csv" 2>/dev/null)" -ge 2 ] || fail "r.csv was not written after the failed write"
    check png "$dir/fps.png" 0 0 4 99
    ;;
  interrupt)
    # Ctrl-C (SIGINT) stops at the next frame boundary: exit 130, the run
    # that was going is reported, and the JSON written is whole. The signal
    # is sent once units have started writing their log (the first measured
    # frame is under way, --warmup 0), so at least one frame is measured.
    log="$dir/units.log"
    "$txray" bench "${tiny[@]}" --frames 100000 --threads 1 --profiles pypy,ideal --log-every 1 --log-file "$log" \
      --json "$dir/partial.json" --csv "$dir/partial.csv" >"$dir/out.txt" 2>&1 &
    pid=$!
    for _ in $(seq 1200); do
      [ -s "$log" ] && break
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    [ -s "$log" ] || fail "the bench never started logging units"
    kill -INT "$pid"
    wait "$pid"
    status=$?
    cat "$dir/out.txt"
    [ "$status" -eq 130 ] || fail "exit status $status after SIGINT, expected 130"
    grep -qE "interrupted: reported the [1-9][0-9]* run\(s\)" "$dir/out.txt" ||
      fail "no 'interrupted: reported the N run(s)' message with N >= 1"
    check json "$dir/partial.json"
    grep -q "pypy" "$dir/partial.csv" || fail "partial.csv has no pypy row"
    grep -q "ideal" "$dir/partial.csv" && fail "partial.csv has a row for ideal, which never ran"
    ;;
  duration)
    # --duration S measures until S seconds have passed, however many frames.
    run 0 "ideal" "${tiny[@]}" --duration 0.3 --threads 1 --profiles ideal --json "$dir/r.json"
    check json "$dir/r.json"
    run 2 "--duration" "${tiny[@]}" --duration -1 --threads 1 --profiles ideal
    ;;
  conflicts)
    # --conflicts N prints a section per run: its header with the time lost
    # and attribution's cost, then the top sources (a table) or a line
    # saying none was lost. Which conflicts happen is up to the machine.
    for p in pypy-stm pypy; do
      run 0 "conflicts: $p, 2 threads: .*time lost .*attribution cost" "${tiny[@]}" --frames 4 --threads 2 \
        --profiles "$p" --counters shared --unit-rays 16 --conflicts 5 --json "$dir/$p.json"
      grep -qE "^#  +lost ms +lost %|no time lost to conflicts" "$dir/last-output.txt" ||
        fail "$p: neither a table of conflicts nor 'no time lost to conflicts'"
      # At most 5 rows under --conflicts 5.
      rows=$(grep -cE "^[0-9]+ +[0-9.]+ +[0-9.]+ +[0-9]+ " "$dir/last-output.txt")
      [ "$rows" -le 5 ] || fail "$p: $rows conflict rows for --conflicts 5"
      check json "$dir/$p.json"
    done
    run 2 "--conflicts" "${tiny[@]}" --threads 1 --profiles ideal --conflicts 0
    ;;
  calibrate)
    # --calibrate runs the kernel file under python3 (and pypy3 when
    # installed) beside the profiles.
    if ! command -v python3 >/dev/null || ! python3 -c 'import sys' >/dev/null 2>&1; then
      echo "SKIP: python3 is not installed; --calibrate has nothing to run"
      exit 77
    fi
    run 0 "python3 +python3\+gil +1 " --scene stmbench --size 16x16 --warmup 0 --repetitions 1 --no-progress --frames 1 --threads 1 --calibrate \
      --json "$dir/r.json"
    check json "$dir/r.json"
    grep -q "python3" "$dir/r.json" || fail "r.json has no python3 run"
    # The probe is its own choice: the talk's throughput (--preset reproduce
    # --calibrate) has no I/O thread beside the renderers.
    ! grep -q '"latency"' "$dir/r.json" || fail "--calibrate alone: the latency probe ran"
    ! grep -q "^convoy:" "$dir/last-output.txt" || fail "--calibrate alone: the convoy anchor ran"
    run 0 "python3 +python3\+gil +1 " "${tiny[@]}" --frames 1 --threads 1 --calibrate --latency-probe --json "$dir/probe.json"
    grep -q '"latency"' "$dir/probe.json" || fail "--calibrate --latency-probe: no probe figures"
    # The anchor ran with each thread on a core of its own (or, on one CPU,
    # wherever the scheduler put them) and on one core.
    grep -qE "^python3 +CPython [0-9.]+ +(own-cores|free) " "$dir/last-output.txt" || fail "no own-cores convoy row"
    grep -qE "^python3 +CPython [0-9.]+ +one-core " "$dir/last-output.txt" || fail "no one-core convoy row"
    # convoy.py itself: the placement it used, and a bad one refused by name.
    convoy=$(dirname "$0")/../../assets/kernels/convoy.py
    out=$(python3 "$convoy" --round-trips 20 --repeat 1 --placement one-core 2>&1)
    [[ $out == *" placement one-core" ]] || fail "convoy.py --placement one-core printed: $out"
    out=$(python3 "$convoy" --placement sideways 2>&1) && fail "convoy.py --placement sideways: exit status 0"
    [[ $out == *"--placement: expected own-cores, one-core or free, got 'sideways'"* ]] ||
      fail "convoy.py --placement sideways printed: $out"
    ;;
  *) echo "unknown case $case_name"; exit 2 ;;
esac
[ "$failures" -eq 0 ] && echo "PASS: $case_name"
exit $((failures > 0))
