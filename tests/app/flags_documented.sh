#!/usr/bin/env bash
# flags_documented.sh SOURCE_DIR TXRAY TXRAY_DEMO
# The documentation and the --help texts name the same options:
#  1. every --flag named in README.md and docs/*.md exists in a --help, and
#     on a line (or `code span`) naming `txray render`, `txray bench`
#     (`bench compare`, `bench merge`),
#     `txray info` or `txray-demo`, in that command's own --help;
#  2. every flag of every --help is documented in some *.md of the
#     repository (README.md, docs/, the folder READMEs).
# Flags of other tools (cmake, ctest, apt-get, ...) are listed below.
set -uo pipefail
src=$1 txray=$2 demo=$3
fail=0
declare -A help
help[render]=$("$txray" render --help)
help[bench]=$("$txray" bench --help)
help[info]=$("$txray" info --help)
help[demo]=$("$demo" --help)
help[compare]=$("$txray" bench compare --help 2>&1)
help[merge]=$("$txray" bench merge --help 2>&1)
label() { case "$1" in demo) echo txray-demo ;; compare | merge) echo "txray bench $1" ;; *) echo "txray $1" ;; esac; }
flags_of() { grep -o -- '--[a-z][a-z0-9-]*' | sed 's/-*$//' | sort -u; }
all_help=$(printf '%s\n' "${help[@]}" | flags_of)
# Not txray's: cmake (--preset --build --target), ctest (--output-on-failure),
# apt-get, git, xvfb-run, libFuzzer and compiler flags quoted in prose;
# valgrind's (--toggle-collect); bench/embree's embree_compare has its own;
# scripts/bench-ab's own (--rounds, --base-march, --new-march);
# assets/kernels/convoy.py's (--placement).
foreign=" --build --target --output-on-failure --no-install-recommends --help --toggle-collect --rounds --base-march --new-march --placement "
is_foreign() { case "$foreign" in *" $1 "*) return 0 ;; esac; return 1; }

docs=("$src/README.md" "$src"/docs/*.md)
for doc in "${docs[@]}"; do
  name=${doc#"$src"/}
  lineno=0
  while IFS= read -r line; do
    lineno=$((lineno + 1))
    case "$line" in *cmake*|*ctest*|*apt-get*|*embree_compare*) continue ;; esac
    for flag in $(printf '%s\n' "$line" | flags_of); do
      is_foreign "$flag" && continue
      if ! grep -qx -- "$flag" <<<"$all_help"; then
        echo "$name:$lineno: $flag is in no --help"
        fail=1
        continue
      fi
      # The command the line names, if exactly one.
      cmd=""
      n=0
      case "$line" in *"txray render"*) cmd=render; n=$((n + 1)) ;; esac
      case "$line" in
        *"txray bench compare"*) cmd=compare; n=$((n + 1)) ;;
        *"txray bench merge"*) cmd=merge; n=$((n + 1)) ;;
        *"txray bench"*) cmd=bench; n=$((n + 1)) ;;
      esac
      case "$line" in *"txray info"*) cmd=info; n=$((n + 1)) ;; esac
      case "$line" in *"txray-demo"*) cmd=demo; n=$((n + 1)) ;; esac
      if [ "$n" -eq 1 ] && ! printf '%s\n' "${help[$cmd]}" | flags_of | grep -qx -- "$flag"; then
        echo "$name:$lineno: $flag is not in the --help of $(label "$cmd"): $line"
        fail=1
      fi
    done
  done <"$doc"
done

# 2. Every --help flag is documented somewhere.
mapfile -t every_md < <(find "$src" -name '*.md' -not -path "$src/build/*" -not -path '*/.git/*')
for cmd in render bench compare merge info demo; do
  for flag in $(printf '%s\n' "${help[$cmd]}" | flags_of); do
    [ "$flag" = --help ] && continue
    if ! grep -q -- "$flag\b" "${every_md[@]}"; then
      echo "$(label "$cmd") --help: $flag is documented in no *.md"
      fail=1
    fi
  done
done
[ "$fail" -eq 0 ] && echo "every documented flag is in its --help, and every --help flag is documented"
exit "$fail"
