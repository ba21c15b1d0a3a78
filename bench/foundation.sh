#!/usr/bin/env bash
# Foundation benchmark (issue 2): cocokit pretty / stats / filter on a train2017-sized file, side by side in one
# run with jq, jaq, Python json.load and pycocotools COCO().
#
#   bash bench/foundation.sh [--runs 3] [--peer-runs 1] [--images 118287] [--out bench/out/foundation.md]
#
# Input: `cocokit synth --images N --seed 1` into $WORK/synth-N-s1.json (made once, ~450 MB at 118287 images;
# reused afterwards). The file is read once before timing, so every tool starts from the page cache.
# Timed (whole processes; median wall time, CPU time and peak RSS over the runs):
#   read            cat FILE > /dev/null (the floor)
#   pretty          cocokit pretty FILE > /dev/null  vs  jq . FILE > /dev/null,  jaq . FILE > /dev/null
#   stats           cocokit stats FILE  vs  jq '.annotations|length', jaq '.annotations|length',
#                   python json.load (bench/python/load.py json), pycocotools COCO(FILE) (load.py coco)
#   filter person   cocokit filter FILE --cats person > /dev/null  vs  Python json.load + keep person's
#                   annotations/images + json.dump (load.py filter)
# Peers (jq, jaq, Python) run --peer-runs times (default --runs); cocokit runs --runs times.
# Other options: --work DIR, --out FILE (see bench/lib.sh). Peers come from bench/setup_peers.sh; a missing peer
# is skipped with a note.
set -u
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"
bench_init foundation "$@"
IMAGES="${IMAGES:-118287}"

FILE="$WORK/synth-$IMAGES-s1.json"
synth_file "$FILE" "$IMAGES" 1
BENCH_INPUT="\`cocokit synth --images $IMAGES --seed 1\` → $(basename "$FILE"), $(size_mb "$FILE") MB, $(made_by "$FILE")"
warm "$FILE"
K="$COCOKIT"
PY_OK=0; have_py pycocotools && PY_OK=1

measure "read" "cat" "$RUNS" "cat '$FILE' > /dev/null"

measure "pretty" "cocokit pretty" "$RUNS" "'$K' pretty '$FILE' > /dev/null"
measure "pretty" "jq ." "$PEER_RUNS" "'$JQ' . '$FILE' > /dev/null"
if [ -n "$JAQ" ]; then measure "pretty" "jaq ." "$PEER_RUNS" "'$JAQ' . '$FILE' > /dev/null"
else skip "pretty" "jaq ." "jaq not installed (bench/setup_peers.sh)"; fi

measure "stats" "cocokit stats" "$RUNS" "'$K' stats '$FILE'"
measure "stats" "jq '.annotations|length'" "$PEER_RUNS" "'$JQ' '.annotations|length' '$FILE'"
N_JQ="$(cat "$BENCH_LAST/out.1" 2>/dev/null)"
if [ -n "$JAQ" ]; then measure "stats" "jaq '.annotations|length'" "$PEER_RUNS" "'$JAQ' '.annotations|length' '$FILE'"
else skip "stats" "jaq '.annotations|length'" "jaq not installed"; fi
if [ -x "$BENCH_PY" ]; then
  measure "stats" "python json.load" "$PEER_RUNS" "'$BENCH_PY' '$BENCH_DIR/python/load.py' json '$FILE'"
  N_PY="$(cat "$BENCH_LAST/out.1" 2>/dev/null)"
else skip "stats" "python json.load" "no bench/venv (bench/setup_peers.sh)"; N_PY=""; fi
if [ $PY_OK = 1 ]; then
  measure "stats" "pycocotools COCO()" "$PEER_RUNS" "'$BENCH_PY' '$BENCH_DIR/python/load.py' coco '$FILE'"
else skip "stats" "pycocotools COCO()" "pycocotools not importable in bench/venv"; fi

measure "filter person" "cocokit filter" "$RUNS" "'$K' filter '$FILE' --cats person -q > /dev/null"
N_FILTER_K="$("$K" filter "$FILE" --cats person -q | "$JQ" '.annotations|length' 2>/dev/null)"
if [ -x "$BENCH_PY" ]; then
  measure "filter person" "python json.load+dump" "$PEER_RUNS" \
    "'$BENCH_PY' '$BENCH_DIR/python/load.py' filter '$FILE' person > /dev/null"
  N_FILTER_PY="$("$BENCH_PY" "$BENCH_DIR/python/load.py" filter-count "$FILE" person 2>/dev/null)"
else skip "filter person" "python json.load+dump" "no bench/venv"; N_FILTER_PY=""; fi

# Sanity: the tools saw the same data.
N_K="$("$K" stats "$FILE" --json 2>/dev/null | "$JQ" '.annotations' 2>/dev/null)"
note "Annotation count: cocokit stats $N_K, jq $N_JQ, json.load ${N_PY:-n/a}; person annotations kept by filter: cocokit $N_FILTER_K, Python ${N_FILTER_PY:-n/a}$([ "$N_K" = "$N_JQ" ] && { [ -z "$N_PY" ] || [ "$N_PY" = "$N_K" ]; } && { [ -z "$N_FILTER_PY" ] || [ "$N_FILTER_PY" = "$N_FILTER_K" ]; } && echo ' (agree)' || echo ' — **DISAGREE**')."
note "The Python filter peer is json.load, the kept categories/annotations/images selected as pycocotools' getCatIds/getAnnIds/getImgIds would, and json.dump to /dev/null (the Python one-off people write); cocokit filter writes the same selection to stdout (> /dev/null)."

[ "$IMAGES" = 118287 ] || note "The targets are set for the train2017-sized file (--images 118287); this run used --images $IMAGES, so ratios against the peers are not comparable."
SIZE="$(stat -c %s "$FILE")"
W="$(wall_of pretty "cocokit pretty")"
check_target "pretty ≤ 0.5 s" "$W" le 0.5 s
[ -n "$W" ] && check_target "pretty ≥ 1 GB/s" "$(awk -v s="$SIZE" -v w="$W" 'BEGIN{printf "%.2f", s/1e9/w}')" ge 1 GB/s
check_target "pretty ≥ 40× faster than jq ." "$(ratio "$(wall_of pretty "jq .")" "$W")" ge 40 ×
check_target "pretty peak RSS ≤ 64 MB" "$(rss_mb_of pretty "cocokit pretty")" le 64 MB
W="$(wall_of stats "cocokit stats")"
check_target "stats ≤ 1 s" "$W" le 1 s
check_target "stats ≥ 25× faster than pycocotools COCO()" "$(ratio "$(wall_of stats "pycocotools COCO()")" "$W")" ge 25 ×
check_target "stats peak RSS ≤ 64 MB" "$(rss_mb_of stats "cocokit stats")" le 64 MB
check_target "filter --cats person ≤ 2 s" "$(wall_of "filter person" "cocokit filter")" le 2 s
check_target "filter peak RSS ≤ 128 MB" "$(rss_mb_of "filter person" "cocokit filter")" le 128 MB

bench_report "Foundation: pretty, stats, filter vs jq, jaq, Python, pycocotools (issue 2)" \
  cocokit jq jaq python pycocotools
