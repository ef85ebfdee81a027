#!/usr/bin/env bash
# kill_safety.sh KILLS TXRAY TXRAY_CHECK DIR: crash safety of what txray
# writes (issue 13). Kills `txray bench --json/--csv/--markdown/--chart` and
# `txray render --out` with SIGKILL at random moments until KILLS kills have
# landed on a running process, and after each kill checks every output:
#   - once written, it is never missing and never empty;
#   - it is the previous complete file (unchanged) or a new complete one
#     (JSON parses; PNG decodes at its size; CSV and Markdown end with a
#     newline and have the reference run's line count);
#   - no temporary is left (renderer/atomic_file.h: a NAME.tmp can outlive a
#     kill only in the window between two system calls; the next write
#     replaces it; this test counts one as a failure).
# Then SIGINT, sent once the command has started: exit 130, the "interrupted"
# message, and the outputs still complete.
#
# ctest runs it with 50 kills on a tiny workload (label "kill", < 60 s in the
# debug build); scripts/kill-test runs it longer on a release build.
set -u
kills=$1 txray=$2 check=$3 dir=$4
rm -rf "$dir" && mkdir -p "$dir" || exit 1
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

bench_args=(bench --scene stmbench --size 32x32 --profiles ideal,pypy-stm --threads 1 --frames 2 --warmup 0
  --repetitions 1 --no-progress
  --json "$dir/r.json" --csv "$dir/r.csv" --markdown "$dir/r.md" --chart "$dir/fps.png")
render_args=(render --scene spheres --size 320x180 --out "$dir/image.png")
outputs=(r.json r.csv r.md fps.png image.png)

# The reference run: every output complete, and the line counts to expect.
"$txray" "${bench_args[@]}" >/dev/null 2>&1 || { echo "FAIL: the reference bench run failed"; exit 1; }
"$txray" "${render_args[@]}" >/dev/null 2>&1 || { echo "FAIL: the reference render failed"; exit 1; }
csv_lines=$(wc -l <"$dir/r.csv")
md_lines=$(wc -l <"$dir/r.md")
declare -A last_sum
for f in "${outputs[@]}"; do last_sum[$f]=$(cksum <"$dir/$f"); done

# complete FILE: the checks a whole file of its kind passes.
complete() {
  local f=$1 path=$dir/$1
  case $f in
    *.json) "$check" json "$path" >/dev/null 2>&1 ;;
    fps.png) "$check" png "$path" 1280 720 2 100 >/dev/null 2>&1 ;;
    image.png) "$check" png "$path" 320 180 >/dev/null 2>&1 ;;
    r.csv) [ "$(tail -c 1 "$path" | od -An -c | tr -d ' ')" = '\n' ] && [ "$(wc -l <"$path")" -eq "$csv_lines" ] ;;
    r.md) [ "$(tail -c 1 "$path" | od -An -c | tr -d ' ')" = '\n' ] && [ "$(wc -l <"$path")" -eq "$md_lines" ] ;;
  esac
}

check_outputs() {
  local when=$1 f sum
  for f in "${outputs[@]}"; do
    if [ ! -s "$dir/$f" ]; then
      fail "$when: $f is missing or empty"
      continue
    fi
    sum=$(cksum <"$dir/$f")
    if [ "$sum" != "${last_sum[$f]}" ]; then
      complete "$f" || fail "$when: $f changed and is not a complete file"
      last_sum[$f]=$sum
    fi
  done
  local left
  left=$(find "$dir" -maxdepth 1 -name '*.tmp*' -printf '%f ')
  [ -z "$left" ] || fail "$when: temporary files left: $left"
}

# How long a run takes here, so the kills spread over the whole of one.
ms() { date +%s%3N; }
t0=$(ms)
"$txray" "${bench_args[@]}" >/dev/null 2>&1
bench_ms=$(($(ms) - t0 + 50))
t0=$(ms)
"$txray" "${render_args[@]}" >/dev/null 2>&1
render_ms=$(($(ms) - t0 + 20))
check_outputs "timing runs"

landed=0 finished=0 attempt=0
while [ "$landed" -lt "$kills" ] && [ "$attempt" -lt $((kills * 4)) ]; do
  attempt=$((attempt + 1))
  if [ $((attempt % 2)) -eq 1 ]; then
    what=bench span=$bench_ms
    "$txray" "${bench_args[@]}" >/dev/null 2>&1 &
  else
    what=render span=$render_ms
    "$txray" "${render_args[@]}" >/dev/null 2>&1 &
  fi
  pid=$!
  delay=$(((RANDOM * 32768 + RANDOM) % span))
  sleep "$(printf '%d.%03d' $((delay / 1000)) $((delay % 1000)))"
  if kill -KILL "$pid" 2>/dev/null; then
    wait "$pid" 2>/dev/null
    landed=$((landed + 1))
  else
    wait "$pid"
    status=$?
    [ "$status" -eq 0 ] || fail "$what finished with exit status $status"
    finished=$((finished + 1))
  fi
  check_outputs "$what, SIGKILL after ${delay} ms"
done
echo "SIGKILL: $landed kills landed on a running txray, $finished runs finished first, $attempt in all"
[ "$landed" -ge "$kills" ] || fail "only $landed kills landed (wanted $kills)"

# SIGINT once the command is under way (bench prints its plan after its
# handler is installed; render --sequence has written its first frame):
# exit 130, the message, complete outputs.
for round in 1 2 3; do
  "$txray" bench --scene stmbench --size 32x32 --profiles ideal,pypy-stm --threads 1 --frames 100000 --warmup 0 \
    --repetitions 1 --no-progress --json "$dir/r.json" --csv "$dir/r.csv" --markdown "$dir/r.md" \
    --chart "$dir/fps.png" >"$dir/int.out" 2>&1 &
  pid=$!
  for _ in $(seq 600); do grep -q "profile(s)" "$dir/int.out" && break; sleep 0.05; done
  sleep "0.$((RANDOM % 5))"
  kill -INT "$pid"
  wait "$pid"
  status=$?
  [ "$status" -eq 130 ] || fail "bench SIGINT round $round: exit status $status, expected 130"
  grep -q "interrupted: reported the" "$dir/int.out" || fail "bench SIGINT round $round: no 'interrupted' message"
  "$check" json "$dir/r.json" >/dev/null 2>&1 || fail "bench SIGINT round $round: r.json is not complete JSON"
  "$check" png "$dir/fps.png" 1280 720 2 100 >/dev/null 2>&1 || fail "bench SIGINT round $round: fps.png is not complete"
  left=$(find "$dir" -maxdepth 1 -name '*.tmp*' -printf '%f ')
  [ -z "$left" ] || fail "bench SIGINT round $round: temporary files left: $left"
done
rm -f "$dir"/seq-*.png
"$txray" render --scene spheres --size 64x36 --frames 100000 --sequence --out "$dir/seq.png" >"$dir/int.out" 2>&1 &
pid=$!
for _ in $(seq 600); do [ -e "$dir/seq-0000.png" ] && break; sleep 0.05; done
kill -INT "$pid"
wait "$pid"
status=$?
[ "$status" -eq 130 ] || fail "render SIGINT: exit status $status, expected 130"
grep -q "interrupted after [1-9][0-9]* of 100000 frames" "$dir/int.out" || fail "render SIGINT: no 'interrupted after N of 100000 frames'"
for f in "$dir"/seq-*.png; do "$check" png "$f" 64 36 >/dev/null 2>&1 || fail "render SIGINT: $f is not complete"; done
left=$(find "$dir" -maxdepth 1 -name '*.tmp*' -printf '%f ')
[ -z "$left" ] || fail "render SIGINT: temporary files left: $left"

echo "SIGINT: 3 bench runs and 1 render interrupted"
[ "$failures" -eq 0 ] && echo "kill_safety: all checks passed" || echo "kill_safety: $failures failure(s)"
[ "$failures" -eq 0 ]
