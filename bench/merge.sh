#!/usr/bin/env bash
# `cocokit merge` against kwcoco's `CocoDataset.union` (issue 23): the union of two halves of a train2017-sized
# synthetic file, side by side in one run, wall time and peak RSS.
#
#   bash bench/merge.sh [--runs 3] [--peer-runs 1] [--images 118287]
#
# Input: `cocokit synth --images N --seed 1` cut in two by image id with `cocokit filter --img-ids` (the first
# half of its image ids sorted, and the rest; --keep-all-images), made once into $WORK and reused. Commands:
#   cocokit merge HALF_A HALF_B -o OUT -q
#   python bench/python/kwcoco_union.py OUT HALF_A HALF_B   (load both, union, json.dump)
# Both write a file in $WORK (removed after); the counts of images, annotations and categories are compared.
set -u
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"
bench_init merge "$@"
IMAGES="${IMAGES:-118287}"

FILE="$WORK/synth-$IMAGES-s1.json"
synth_file "$FILE" "$IMAGES" 1
A="$WORK/synth-$IMAGES-s1-half-a.json"
B="$WORK/synth-$IMAGES-s1-half-b.json"
if [ ! -s "$A" ] || [ ! -s "$B" ]; then
  log "cutting $FILE in two with cocokit filter --img-ids"
  # The image ids (synth's are sparse, like train2017's), sorted; --img-ids repeated, 10 000 ids each (one
  # argument may not exceed 128 KiB).
  "$COCOKIT" pretty "$FILE" --path '.images[].id' | sort -n > "$WORK/ids.txt" || die "pretty failed"
  N=$(wc -l < "$WORK/ids.txt"); HALF=$((N / 2))
  ids_args() { split -l 10000 --filter='printf -- "--img-ids\n%s\n" "$(paste -sd,)"'; }
  mapfile -t ARGS_A < <(head -n "$HALF" "$WORK/ids.txt" | ids_args)
  mapfile -t ARGS_B < <(tail -n +$((HALF + 1)) "$WORK/ids.txt" | ids_args)
  rm -f "$WORK/ids.txt"
  "$COCOKIT" filter "$FILE" "${ARGS_A[@]}" --keep-all-images -q -o "$A" || die "filter failed"
  "$COCOKIT" filter "$FILE" "${ARGS_B[@]}" --keep-all-images -q -o "$B" || die "filter failed"
fi
BENCH_INPUT="\`cocokit synth --images $IMAGES --seed 1\` ($(size_mb "$FILE") MB, $(made_by "$FILE")) cut by image id into halves of $(size_mb "$A") and $(size_mb "$B") MB"
warm "$A" "$B"
K="$COCOKIT"
OUTK="$WORK/merged-cocokit.json"; OUTP="$WORK/merged-kwcoco.json"

measure "merge" "cocokit merge" "$RUNS" "'$K' merge '$A' '$B' -o '$OUTK' -q"
N_K="$("$K" stats "$OUTK" --json | "$JQ" -r '"\(.images) \(.annotations) \(.categories)"')"
if have_py kwcoco; then
  measure "merge" "kwcoco union" "$PEER_RUNS" "'$BENCH_PY' '$BENCH_DIR/python/kwcoco_union.py' '$OUTP' '$A' '$B'"
  N_P="$(cat "$BENCH_LAST/out.1" 2>/dev/null)"
else
  skip "merge" "kwcoco union" "kwcoco not importable in bench/venv (pip install kwcoco)"; N_P=""
fi
rm -f "$OUTK" "$OUTP"
note "Images, annotations, categories of the union: cocokit $N_K, kwcoco ${N_P:-n/a}$([ -z "$N_P" ] || [ "$N_P" = "$N_K" ] && echo ' (agree)' || echo ' — **DISAGREE**')."
note "kwcoco renumbers every annotation (and keeps image ids here, as the halves share none); cocokit keeps every id (none collide) and writes each record as read."

W="$(wall_of merge "cocokit merge")"
check_target "merge ≤ 2 s" "$W" le 2 s
check_target "merge peak RSS ≤ 128 MB" "$(rss_mb_of merge "cocokit merge")" le 128 MB
check_target "merge ≥ 20× faster than kwcoco union" "$(ratio "$(wall_of merge "kwcoco union")" "$W")" ge 20 ×

bench_report "merge vs kwcoco union (issue 23)" cocokit kwcoco
