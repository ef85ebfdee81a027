#!/usr/bin/env bash
# bad_input_matrix.sh OUTDIR TXRAY [TXRAY_DEMO]
# Issue 13's bad-input matrix for the command line. The cases are not
# written here: every command prints them from its own option table (the
# hidden --bad-input-cases, app/command_line.h): for every option a missing,
# empty, doubled, malformed and out-of-range value, a flag given a value, a
# required option left out, and every exclusion and dependency between
# options. Each case must
#   - exit with status 2,
#   - print exactly one line (stdout and stderr together),
#   - name its option in that line (--NAME, not a longer name starting so),
#   - leave the scratch directory its outputs point into empty.
# And every option a command's --help lists has at least one case, so a new
# option cannot be left out of the matrix.
set -u
out=$1 txray=$2 demo=${3:-}
dir=$out/bad-input-matrix
scratch=$dir/scratch
rm -rf "$dir" && mkdir -p "$dir"
# No window opens: every case is refused before; the dummy driver makes sure.
export SDL_VIDEODRIVER=dummy

declare -A commands=([render]="$txray render" [bench]="$txray bench" [compare]="$txray bench compare"
                     [merge]="$txray bench merge" [info]="$txray info")
[ -n "$demo" ] && commands[demo]=$demo

failures=0 total=0
fail() {
  echo "FAIL [$1]: $2"
  failures=$((failures + 1))
}

for name in "${!commands[@]}"; do
  read -r -a cmd <<<"${commands[$name]}"
  if ! "${cmd[@]}" --bad-input-cases >"$dir/$name.cases" 2>"$dir/$name.err"; then
    fail "$name" "--bad-input-cases failed: $(cat "$dir/$name.err")"
    continue
  fi
  # Every option of the --help has cases.
  for option in $("${cmd[@]}" --help | grep -oE '^  --[a-z][a-z0-9-]*' | sed 's/^  --//'); do
    cut -f1 "$dir/$name.cases" | grep -qx -- "$option" || fail "$name" "--$option has no bad-input case"
  done
  count=0
  while IFS=$'\t' read -r -a fields; do
    option=${fields[0]} what=${fields[1]}
    args=("${fields[@]:2}")
    args=("${args[@]//@DIR@/$scratch}")
    rm -rf "$scratch" && mkdir -p "$scratch"
    output=$(timeout 60 "${cmd[@]}" "${args[@]}" 2>&1)
    status=$?
    label="$name --$option, $what: ${args[*]}"
    count=$((count + 1))
    if [ "$status" -ne 2 ]; then
      fail "$label" "exit status $status, expected 2: $output"
    elif [ "$(printf '%s\n' "$output" | wc -l)" -ne 1 ]; then
      fail "$label" "expected one line, got: $output"
    elif ! printf '%s\n' "$output" | grep -qE -- "--$option([^a-z0-9-]|$)"; then
      fail "$label" "the message does not name --$option: $output"
    elif [ -n "$(ls -A "$scratch")" ]; then
      fail "$label" "left $(ls -A "$scratch" | tr '\n' ' ')"
    fi
  done <"$dir/$name.cases"
  echo "$name: $count cases"
  total=$((total + count))
done
rm -rf "$scratch"
echo "bad-input matrix: $total cases, $failures failed"
[ "$failures" -eq 0 ]
