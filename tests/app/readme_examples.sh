#!/usr/bin/env bash
# readme_examples.sh SOURCE_DIR TXRAY TXRAY_DEMO WORKDIR [LIMIT_SECONDS]
# Runs every `txray` and `txray-demo` example in the ```sh blocks of
# README.md, app/demo/README.md and assets/stage/README.md, each under a
# time limit (default 120 s: a guard against hangs, not a performance
# assertion), and fails if one fails or runs out of time.
#  - build/release/app/... becomes the binaries under test;
#  - the window examples get a smaller variant that ends by itself:
#    SDL_VIDEODRIVER=dummy, --frames 1 and --size 320x180 unless given,
#    no --fullscreen (it would take the whole screen's size);
#  - `txray bench` examples get a smaller variant: --frames 1 --warmup 0,
#    one repetition, a small --size, no progress line, unless given;
#    `bench compare`/`merge` get two tiny reports under the names they use;
#  - outputs land in WORKDIR (out/ and report files), never the source tree.
# Lines that build (cmake, scripts/run, scripts/test) are skipped: the test
# runs on a build.
set -uo pipefail
src=$1 txray=$2 demo=$3 work=$4 limit=${5:-120}
rm -rf "$work" && mkdir -p "$work/out" || exit 1
ln -s "$src/assets" "$work/assets"
cd "$work" || exit 1
fail=0 count=0
for readme in README.md app/demo/README.md assets/stage/README.md; do
  in_block=0
  while IFS= read -r line; do
    case "$line" in
      '```sh') in_block=1; continue ;;
      '```'*) in_block=0; continue ;;
    esac
    [ "$in_block" -eq 1 ] || continue
    cmd=${line%%  #*}  # trailing comments
    cmd=${cmd%% # *}
    case "$cmd" in
      '' | '#'*) continue ;;
      *cmake* | scripts/* | *'--help'*) continue ;;
      'mkdir -p out') continue ;;  # WORKDIR has out/
      *build/release/app/*) ;;
      *) continue ;;
    esac
    cmd=${cmd//build\/release\/app\/demo\/txray-demo/$demo}
    cmd=${cmd//build\/release\/app\/txray/$txray}
    if [[ "$cmd" == *"$demo"* ]]; then
      # xvfb-run needs a display server: use it when installed, else dummy.
      if [[ "$cmd" == xvfb-run* ]] && ! command -v xvfb-run >/dev/null; then cmd=${cmd#xvfb-run -a }; fi
      [[ "$cmd" == *SDL_VIDEODRIVER=* || "$cmd" == xvfb-run* ]] || cmd="SDL_VIDEODRIVER=dummy $cmd"
      cmd=${cmd// --fullscreen/}  # fullscreen would override --size
      [[ "$cmd" == *--frames* ]] || cmd="$cmd --frames 1"
      [[ "$cmd" == *--size* ]] || cmd="$cmd --size 320x180"
    elif [[ "$cmd" == *" bench compare "* || "$cmd" == *" bench merge "* ]]; then
      # Reports to compare or merge: two tiny runs under the names the
      # example uses. compare exits 1 for "slower": an answer, not a failure.
      for f in base.json new.json a.json b.json; do
        [[ "$cmd" == *" $f"* ]] || continue
        "$txray" bench --profiles ideal --threads 1 --frames 1 --warmup 0 --size 32x18 --no-progress --json "$f" >/dev/null 2>&1
      done
      [[ "$cmd" == *" bench compare "* ]] && cmd="$cmd; s=\$?; [ \$s -le 1 ]"
    elif [[ "$cmd" == *" bench"* ]]; then
      [[ "$cmd" == *--frames* ]] || cmd="$cmd --frames 1"
      [[ "$cmd" == *--warmup* ]] || cmd="$cmd --warmup 0"
      [[ "$cmd" == *--size* ]] || cmd="$cmd --size 32x18"
      [[ "$cmd" == *--no-progress* ]] || cmd="$cmd --no-progress"
      [[ "$cmd" == *--repetitions* ]] || cmd="$cmd --repetitions 1"
    fi
    count=$((count + 1))
    echo "== $readme: $line"
    echo "   runs: $cmd"
    start=$SECONDS
    timeout -k 5 "$limit" bash -c "$cmd" >"$work/last.log" 2>&1
    status=$?
    tail -n 3 "$work/last.log" | sed 's/^/   | /'
    if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
      echo "   FAILED: still running after $limit s"
      fail=1
    elif [ "$status" -ne 0 ]; then
      echo "   FAILED: exit status $status"
      fail=1
    else
      echo "   ok ($((SECONDS - start)) s)"
    fi
  done <"$src/$readme"
done
echo "$count examples run"
[ "$count" -gt 0 ] || fail=1
exit "$fail"
