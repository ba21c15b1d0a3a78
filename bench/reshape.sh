#!/usr/bin/env bash
# Reshape benchmark (issue 23): cocokit split / sample on a train2017-sized file, side by side in one run with
# kwcoco's split on the same file. One function per command (bench_split, bench_sample, ...): a new command adds
# its function and one line at the bottom.
#
#   bash bench/reshape.sh [--runs 3] [--peer-runs 1] [--images 118287] [--out bench/out/reshape.md]
#
# Input: `cocokit synth --images N --seed 1` into $WORK/synth-N-s1.json (made once, reused). Outputs go to a
# scratch directory. Timed (whole processes; median wall time, CPU time and peak RSS over the runs):
#   split     cocokit split FILE --ratios 0.8,0.2 (plain, and --stratify category)  vs
#             kwcoco split FILE --factor 4 (80/20; --balance_categories False and True)
#   sample    cocokit sample FILE --images 5000  vs  kwcoco subset (images of a 5000-image selection)
# Peers come from bench/venv (kwcoco: pip install kwcoco; in a worktree set BENCH_PY=/work/main/bench/venv/bin/python);
# a missing peer is skipped with a note. kwcoco needs more than 22 GB on this file (it was killed out of memory).
set -u
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"
bench_init reshape "$@"
IMAGES="${IMAGES:-118287}"

FILE="$WORK/synth-$IMAGES-s1.json"
synth_file "$FILE" "$IMAGES" 1
BENCH_INPUT="\`cocokit synth --images $IMAGES --seed 1\` → $(basename "$FILE"), $(size_mb "$FILE") MB, $(made_by "$FILE")"
warm "$FILE"
K="$COCOKIT"
OUTDIR="$BENCH_TMP/reshape-out"
mkdir -p "$OUTDIR"
KW_OK=0; have_py kwcoco && KW_OK=1

bench_split() {
  measure "split 80/20" "cocokit split" "$RUNS" \
    "'$K' split '$FILE' --ratios 0.8,0.2 --seed 1 -q -o '$OUTDIR/ck'"
  measure "split 80/20 stratified" "cocokit split --stratify category" "$RUNS" \
    "'$K' split '$FILE' --ratios 0.8,0.2 --seed 1 --stratify category -q -o '$OUTDIR/cks'"
  if [ $KW_OK = 1 ]; then
    measure "split 80/20" "kwcoco split" "$PEER_RUNS" \
      "'$BENCH_PY' -m kwcoco split '$FILE' --dst1 '$OUTDIR/kw1.json' --dst2 '$OUTDIR/kw2.json' --factor 4 --rng 1 --balance_categories False --compress False"
    measure "split 80/20 stratified" "kwcoco split --balance_categories True" "$PEER_RUNS" \
      "'$BENCH_PY' -m kwcoco split '$FILE' --dst1 '$OUTDIR/kwb1.json' --dst2 '$OUTDIR/kwb2.json' --factor 4 --rng 1 --balance_categories True --compress False"
  else
    skip "split 80/20" "kwcoco split" "kwcoco not importable in bench/venv"
  fi
  check_target "split ≤ 2 s" "$(wall_of "split 80/20" "cocokit split")" le 2 s
  check_target "split peak RSS ≤ 128 MB" "$(rss_mb_of "split 80/20" "cocokit split")" le 128 MB
  check_target "split ≥ 20× faster than kwcoco split" \
    "$(ratio "$(wall_of "split 80/20" "kwcoco split")" "$(wall_of "split 80/20" "cocokit split")")" ge 20 ×
  check_target "split --stratify category ≤ 2 s" \
    "$(wall_of "split 80/20 stratified" "cocokit split --stratify category")" le 2 s
}

bench_sample() {
  measure "sample 5000" "cocokit sample" "$RUNS" \
    "'$K' sample '$FILE' --images 5000 --seed 1 -q -o '$OUTDIR/sample.json'"
  if [ $KW_OK = 1 ]; then
    measure "sample 5000" "kwcoco subset" "$PEER_RUNS" \
      "'$BENCH_PY' -m kwcoco subset '$FILE' --dst '$OUTDIR/kwsub.json' --select_images '.id < 5001' --compress False"
  else
    skip "sample 5000" "kwcoco subset" "kwcoco not importable in bench/venv"
  fi
}

bench_split
bench_sample
note "kwcoco split --factor 4 writes the larger (80 %) and the smaller (20 %) part; kwcoco subset's selection (a jq query on image ids) stands in for a sample: both read and index the whole file and write one subset."
[ "$IMAGES" = 118287 ] || note "The targets are set for the train2017-sized file (--images 118287); this run used --images $IMAGES."

bench_report "Reshape: split, sample vs kwcoco (issue 23)" cocokit kwcoco
