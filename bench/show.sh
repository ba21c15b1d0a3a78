#!/usr/bin/env bash
# `cocokit show` throughput and the cost of `--report` (docs/PERFORMANCE.md, "show and the HTML report").
#
#   bash bench/show.sh [N_IMAGES=200] [RUNS=3]
#
# 1. show on N synthetic 640x480 JPEGs with 8 masks each (bench/show_data.py), with and without --dt:
#    images/s from the median wall time of RUNS runs, peak RSS from /usr/bin/time -v.
# 2. eval coco --iou-type bbox on the 5 000-image synthetic pair (`cocokit synth --images 5000 --seed 1`)
#    with and without --report, the two alternating in one loop (the machine is shared): the median
#    difference is what --report adds.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-200}
runs=${2:-3}
bin=target/release/cocokit
[ -x "$bin" ] || cargo build --release --quiet
py=${PYTHON:-/work/main/bench/venv/bin/python}
out=bench/out/show
mkdir -p "$out"
[ -f "$out/data-$n/gt.json" ] || "$py" bench/show_data.py "$out/data-$n" "$n"

measure() { # label, args...: prints "label wall_s rss_mb" per run
  local label=$1; shift
  /usr/bin/time -f "%e %M" -o "$out/time.txt" "$bin" "$@" >/dev/null
  read -r wall rss <"$out/time.txt"
  echo "$label $wall $((rss / 1024))"
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

for r in $(seq "$runs"); do
  rm -rf "$out/overlays"
  measure show "show" "$out/data-$n/gt.json" --images-dir "$out/data-$n/images" -q -o "$out/overlays"
  rm -rf "$out/overlays"
  measure show-dt "show" "$out/data-$n/gt.json" --images-dir "$out/data-$n/images" \
      --dt "$out/data-$n/results.json" -q -o "$out/overlays"
done | tee "$out/show.txt"
for l in show show-dt; do
  wall=$(awk -v l=$l '$1 == l {print $2}' "$out/show.txt" | median)
  rss=$(awk -v l=$l '$1 == l {print $3}' "$out/show.txt" | median)
  echo "$l: $n images, median $wall s = $(awk -v n="$n" -v w="$wall" 'BEGIN {printf "%.0f", n / w}') images/s, peak RSS $rss MB"
done

s=bench/out/synth-5000-s1.json
[ -f "$s" ] || "$bin" synth --images 5000 --seed 1 -o "$s" --results "${s%.json}-results.json"
for r in $(seq "$runs"); do
  measure eval "eval" coco --gt "$s" --dt "${s%.json}-results.json" --iou-type bbox
  measure eval-report "eval" coco --gt "$s" --dt "${s%.json}-results.json" --iou-type bbox --report "$out/r.html"
done | tee "$out/report.txt"
for l in eval eval-report; do
  wall=$(awk -v l=$l '$1 == l {print $2}' "$out/report.txt" | median)
  rss=$(awk -v l=$l '$1 == l {print $3}' "$out/report.txt" | median)
  echo "$l: median $wall s, peak RSS $rss MB"
done
ls -la "$out/r.html"
