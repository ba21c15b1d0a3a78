#!/usr/bin/env bash
# A/B of cocokit binaries on one command: the binaries take turns (in reverse order every other round), round
# after round, so that each round compares them over the same seconds of this shared machine (whose speed swings by 2× within minutes);
# prints each binary's median and min wall time and the median over rounds of its ratios to the first
# binary (wall and user CPU). For "did this change make convert faster", not for PERFORMANCE.md (that is
# what the side-by-side scripts are for).
#
#   bash bench/ab.sh [--rounds N] BIN_A BIN_B [BIN_C ...] -- ARGS...
#
# ARGS are cocokit's arguments (output goes to /dev/null), e.g.
#   cp target/release/cocokit /tmp/ck-old   # before the change
#   cargo build --release                   # after it
#   bash bench/ab.sh --rounds 15 /tmp/ck-old target/release/cocokit -- \
#       convert bench/out/synth-118287-s1.json --to rle -q
# A median ratio of 0.97 over 15 rounds is a few per cent faster; single rounds range ±20 % here.
set -euo pipefail

rounds=10
bins=()
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds="$2"; shift 2 ;;
    -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    --) shift; break ;;
    *) bins+=("$1"); shift ;;
  esac
done
if [ ${#bins[@]} -lt 2 ] || [ $# -lt 1 ]; then
  echo "usage: bash bench/ab.sh [--rounds N] BIN_A BIN_B [...] -- ARGS..." >&2
  exit 2
fi
[ -x /usr/bin/time ] || { echo "bench/ab.sh: needs GNU time (/usr/bin/time)" >&2; exit 2; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The order is reversed every other round: whichever runs first in a round may be favoured (same total
# work, different moments), and a fixed order would turn that into a bias.
order=("${!bins[@]}")
for ((r = 1; r <= rounds; r++)); do
  ks=("${order[@]}")
  if ((r % 2 == 0)); then
    ks=()
    for ((i = ${#order[@]} - 1; i >= 0; i--)); do ks+=("${order[$i]}"); done
  fi
  for k in "${ks[@]}"; do
    if ! /usr/bin/time -f "%e %U" -o "$tmp/t" "${bins[$k]}" "$@" > /dev/null 2> "$tmp/err"; then
      echo "bench/ab.sh: ${bins[$k]} failed:" >&2; cat "$tmp/err" >&2; exit 1
    fi
    cat "$tmp/t" >> "$tmp/$k"
  done
done

median() { sort -n | awk '{a[NR] = $1} END {if (NR % 2) print a[(NR + 1) / 2]; else printf "%.4g\n", (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
printf '%-40s %10s %8s %12s %12s\n' binary "wall med" "min" "wall ratio" "user ratio"
for k in "${!bins[@]}"; do
  wall=$(cut -d' ' -f1 < "$tmp/$k" | median)
  min=$(cut -d' ' -f1 < "$tmp/$k" | sort -n | head -1)
  rw=$(paste -d' ' "$tmp/0" "$tmp/$k" | awk '{print $3 / $1}' | median)
  ru=$(paste -d' ' "$tmp/0" "$tmp/$k" | awk '{print ($2 > 0 ? $4 / $2 : 1)}' | median)
  printf '%-40s %10s %8s %12s %12s\n' "${bins[$k]}" "$wall" "$min" "$rw" "$ru"
done
