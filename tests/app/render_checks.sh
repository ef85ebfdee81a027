#!/usr/bin/env bash
# render_checks.sh CASE TXRAY TXRAY_CHECK DIR: runs `txray render` the way
# CASE says, in a fresh DIR, and reads back every PNG it wrote with
# txray_check. Exits non-zero, with the reason, when a status, a message or
# an image is not what it should be.
set -u
case_name=$1 txray=$2 check=$3 dir=$4
rm -rf "$dir" && mkdir -p "$dir" || exit 1
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# run STATUS REGEX ARGS...: txray render ARGS, expecting STATUS and REGEX.
run() {
  local want=$1 regex=$2
  shift 2
  local output status
  output=$("$txray" render "$@" 2>&1)
  status=$?
  printf '$ txray render %s\n%s\n' "$*" "$output"
  [ "$status" -eq "$want" ] || fail "txray render $*: exit status $status, expected $want"
  printf '%s\n' "$output" | grep -qE -- "$regex" || fail "txray render $*: output does not match /$regex/"
}
check() { "$check" "$@" || fail "txray_check $*"; }

case $case_name in
  writes_png)
    run 0 "wrote .*pyraytrace-small.png" --scene pyraytrace --size 48x32 --out "$dir/pyraytrace-small.png"
    check png "$dir/pyraytrace-small.png" 48 32
    ;;
  tile_order)
    # Every pixel is computed on its own: the order tiles are handed out in
    # must not change a byte.
    for order in row-major reversed shuffled; do
      run 0 "wrote" --scene spheres --size 96x54 --tile 8 --threads 2 --tile-order "$order" --out "$dir/$order.png"
      check png "$dir/$order.png" 96 54
    done
    check same "$dir/row-major.png" "$dir/reversed.png"
    check same "$dir/row-major.png" "$dir/shuffled.png"
    ;;
  time)
    # --time moves the animation: spheres at 0 s and at 0.5 s differ, and
    # the same time renders the same image twice.
    run 0 "wrote" --scene spheres --size 96x54 --out "$dir/t0.png"
    run 0 "wrote" --scene spheres --size 96x54 --time 0.5 --out "$dir/t05.png"
    run 0 "wrote" --scene spheres --size 96x54 --time 0.5 --threads 1 --out "$dir/t05-again.png"
    check png "$dir/t05.png" 96 54
    check differ "$dir/t0.png" "$dir/t05.png"
    check same "$dir/t05.png" "$dir/t05-again.png"
    ;;
  sequence)
    # --frames 3 --fps 4 --sequence: seq-0000..0002.png at 0, 0.25 and 0.5 s;
    # no seq.png and no fourth frame; the frames equal single renders at
    # those times.
    run 0 "wrote .*seq-0000.png" --scene spheres --size 96x54 --frames 3 --fps 4 --sequence --out "$dir/seq.png"
    for k in 0 1 2; do check png "$dir/seq-000$k.png" 96 54; done
    [ ! -e "$dir/seq.png" ] || fail "--sequence also wrote seq.png"
    [ ! -e "$dir/seq-0003.png" ] || fail "--frames 3 wrote a fourth frame"
    run 0 "wrote" --scene spheres --size 96x54 --time 0.25 --out "$dir/t025.png"
    run 0 "wrote" --scene spheres --size 96x54 --time 0.5 --out "$dir/t05.png"
    check same "$dir/seq-0001.png" "$dir/t025.png"
    check same "$dir/seq-0002.png" "$dir/t05.png"
    check differ "$dir/seq-0000.png" "$dir/seq-0001.png"
    # Without --sequence only the last frame is written, to --out.
    run 0 "wrote .*last.png" --scene spheres --size 96x54 --frames 3 --fps 4 --out "$dir/last.png"
    check same "$dir/last.png" "$dir/t05.png"
    [ ! -e "$dir/last-0000.png" ] || fail "without --sequence a numbered frame was written"
    ;;
  profile)
    # Through a profile's backend the image is the plain render's, byte for
    # byte, for every native profile; the interpreted engine draws the same
    # scene (its own test compares it with the native kernel).
    run 0 "wrote" --scene whitted --size 64x36 --threads 2 --out "$dir/plain.png"
    for p in pypy pypy-stm native-fine ideal; do
      run 0 "profile $p" --scene whitted --size 64x36 --threads 2 --profile "$p" --out "$dir/$p.png"
      check same "$dir/plain.png" "$dir/$p.png"
    done
    run 0 "profile cpython" --scene whitted --size 32x18 --threads 2 --profile cpython --out "$dir/cpython.png"
    check png "$dir/cpython.png" 32 18
    ;;
  heatmap)
    # --heatmap writes a readable heatmap beside an unchanged image.
    run 0 "wrote" --scene stmbench --size 64x64 --threads 2 --out "$dir/plain.png"
    run 0 "wrote heatmap .*heat.png" --scene stmbench --size 64x64 --threads 2 --profile pypy-stm --counters shared \
      --heatmap "$dir/heat.png" --out "$dir/image.png"
    # The heatmap: the image, dimmed, under tile colours and text.
    check png "$dir/heat.png" 0 0 16 98
    check same "$dir/plain.png" "$dir/image.png"
    run 2 "--heatmap 'heat.txt': the file name must end in .png" --scene stmbench --size 16x16 --profile pypy-stm \
      --heatmap heat.txt --out "$dir/x.png"
    run 2 "--heatmap needs --profile or --backend" --scene stmbench --size 16x16 --heatmap "$dir/h2.png" \
      --out "$dir/x.png"
    [ ! -e "$dir/x.png" ] && [ ! -e "$dir/h2.png" ] || fail "a refused command left a file"
    ;;
  *) echo "unknown case $case_name"; exit 2 ;;
esac
[ "$failures" -eq 0 ] && echo "PASS: $case_name"
exit $((failures > 0))
