#!/usr/bin/env bash
# txray bench compare / merge / --require-quiet as a user meets them: exit
# statuses, and every refusal naming the file and what is wrong.
#   bench_compare_cli.sh TXRAY OUTDIR
set -u
txray=$1 dir=$2/compare-cli
rm -rf "$dir" && mkdir -p "$dir"
fail() { echo "FAIL: $*"; exit 1; }
expect() {  # expect STATUS REGEX CMD...: CMD exits STATUS and prints something matching REGEX
  local status=$1 regex=$2; shift 2
  local out
  out=$("$@" 2>&1)
  local got=$?
  [ "$got" -eq "$status" ] || fail "$* exited $got, expected $status: $out"
  grep -Eq -- "$regex" <<<"$out" || fail "$* printed no match for '$regex': $out"
}
tiny=(bench --profiles pypy,ideal --threads 1 --frames 2 --warmup 0 --no-progress)

expect 0 "wrote" "$txray" "${tiny[@]}" --size 24x16 --repetitions 5 --json "$dir/a.json"
expect 0 "wrote" "$txray" "${tiny[@]}" --size 24x16 --repetitions 2 --json "$dir/few.json"
expect 0 "" "$txray" "${tiny[@]}" --repetitions 5 --size 32x16 --json "$dir/other-size.json"

# A report against itself: the same, exit 0.
expect 0 "ideal .* same" "$txray" bench compare "$dir/a.json" "$dir/a.json" --markdown "$dir/c.md" --json "$dir/c.json"
[ -s "$dir/c.md" ] && grep -q "| pypy |" "$dir/c.md" || fail "no Markdown table in $dir/c.md"
grep -q '"exit_code": 0' "$dir/c.json" || fail "no exit code in $dir/c.json"
# Too few repetitions: no verdict, never a failure.
expect 0 "no verdict \(2 repetitions, needs 5" "$txray" bench compare "$dir/a.json" "$dir/few.json"
# Another workload: exit 2, naming both files and what differs.
expect 2 "other-size.json' does not match '.*a.json': size 24x16 vs 32x16" \
  "$txray" bench compare "$dir/a.json" "$dir/other-size.json"
# Allowed, the rows are compared anyway (the larger image is slower: a
# threshold beyond any change keeps the exit status about the mismatch).
expect 0 "warning: the workloads differ" \
  "$txray" bench compare "$dir/a.json" "$dir/other-size.json" --allow-config-mismatch --threshold 1000
# Unreadable, not JSON, another schema version: exit 2 naming the file.
expect 2 "'$dir/missing.json': cannot read" "$txray" bench compare "$dir/a.json" "$dir/missing.json"
echo '{"schema": "txray-bench", "schema_version": 1}' >"$dir/v1.json"
expect 2 "v1.json': not a txray bench report of schema version 2: /schema_version: 1" \
  "$txray" bench compare "$dir/v1.json" "$dir/a.json"
head -c 100 "$dir/a.json" >"$dir/cut.json"
expect 2 "cut.json': .*not JSON" "$txray" bench compare "$dir/a.json" "$dir/cut.json"
expect 2 "takes two reports" "$txray" bench compare "$dir/a.json"
expect 2 "unknown option --frobnicate" "$txray" bench compare "$dir/a.json" "$dir/a.json" --frobnicate 1

# merge: rounds of one workload into one report; another workload refused.
expect 0 "" "$txray" bench merge "$dir/m.json" "$dir/few.json" "$dir/few.json" "$dir/few.json"
grep -q '"repetitions": 6' "$dir/m.json" || fail "merged report does not hold 6 repetitions"
expect 2 "report 2 measured other work than report 1" \
  "$txray" bench merge "$dir/bad.json" "$dir/a.json" "$dir/other-size.json"
[ ! -e "$dir/bad.json" ] || fail "a refused merge left $dir/bad.json"

# --require-quiet: a core burned by another process while measuring: exit 3, no report.
threshold=$(awk -v n="$(nproc)" 'BEGIN { print 25 / n }')
timeout 60 sh -c 'while :; do :; done' &
burner=$!
expect 3 "--require-quiet: nothing reported" \
  "$txray" bench --profiles ideal --threads 1 --size 24x16 --duration 1 --no-progress \
  --busy-threshold "$threshold" --require-quiet --repetitions 1 --json "$dir/busy.json"
kill "$burner" 2>/dev/null; wait "$burner" 2>/dev/null
[ ! -e "$dir/busy.json" ] || fail "a refused busy run wrote $dir/busy.json"
echo "bench compare, merge and --require-quiet behave"
