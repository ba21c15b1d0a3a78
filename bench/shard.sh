#!/usr/bin/env bash
# Sharded evaluation benchmark (issue 24): `cocokit eval merge` of the 8 partials of the 5k val-like pair, next
# to the one-shot `cocokit eval coco`, with a parity check (the merged --json equals the one-shot's byte for byte).
#
#   bash bench/shard.sh [--runs 3] [--images 5000] [--iou-types bbox,segm] [--shards 8]
#
# Input: the pair of bench/eval_coco.sh (`cocokit synth --images N --seed 1 --results ...`, made once, reused).
# The shards: the ground truth's image ids split round-robin into --shards groups, each evaluated with
# `eval coco --img-ids GROUP --partial $WORK/shard-T-I.ckpt` (not timed: one per worker in real use).
# Timed: `cocokit eval merge shard-T-*.ckpt --json` (whole process) and the one-shot `eval coco --json`.
# Target: merge of 8 partials ≤ 0.2 s.
set -u
IOU_TYPES="bbox,segm"
SHARDS=8
script_opt() {
  case "$1" in
    --iou-types) IOU_TYPES="$2" ;;
    --shards) SHARDS="$2" ;;
    *) return 1 ;;
  esac
}
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"
bench_init shard "$@"
IMAGES="${IMAGES:-5000}"

GT="$WORK/synth-$IMAGES-s1.json"
RES="$WORK/synth-$IMAGES-s1.results.json"
synth_file "$GT" "$IMAGES" 1 "$RES"
BENCH_INPUT="\`cocokit synth --images $IMAGES --seed 1 --results ...\`: GT $(size_mb "$GT") MB, results $(size_mb "$RES") MB ($("$JQ" length "$RES") detections); $(made_by "$GT"); $SHARDS shards, image ids round-robin"
have_sub "eval merge" || die "this cocokit has no \`eval merge\`"
warm "$GT" "$RES"
K="$COCOKIT"

for T in ${IOU_TYPES//,/ }; do
  G="eval $T"
  for ((i = 0; i < SHARDS; i++)); do
    ids="$("$JQ" -r --argjson i "$i" --argjson n "$SHARDS" \
      '[.images | to_entries[] | select(.key % $n == $i) | .value.id] | map(tostring) | join(",")' "$GT")"
    "$K" eval coco --gt "$GT" --dt "$RES" --iou-type "$T" --img-ids "$ids" --partial "$WORK/shard-$T-$i.ckpt" -q \
      || die "partial $i ($T) failed"
  done
  CK="$(for ((i = 0; i < SHARDS; i++)); do printf '%s ' "$WORK/shard-$T-$i.ckpt"; done)"
  size="$(du -cb $CK | awk 'END{printf "%.1f", $1/1e6}')"
  measure "$G" "cocokit eval merge ($SHARDS partials, $size MB)" "$RUNS" "\"$K\" eval merge $CK --json" || true
  merged="$BENCH_LAST/out.1"
  measure "$G" "cocokit eval coco (one-shot)" "$RUNS" "\"$K\" eval coco --gt \"$GT\" --dt \"$RES\" --iou-type $T --json" || true
  if cmp -s "$merged" "$BENCH_LAST/out.1"; then
    note "$T: the merged --json equals the one-shot's byte for byte."
  else
    note "$T: the merged --json DIFFERS from the one-shot's."
  fi
  W="$(wall_of "$G" "cocokit eval merge ($SHARDS partials, $size MB)")"
  target "$T: merge of $SHARDS partials ≤ 0.2 s — measured ${W:-?} s" \
    "$([ -n "$W" ] && awk -v w="$W" 'BEGIN{exit !(w <= 0.2)}' && echo yes || echo no)"
done
[ "$IMAGES" = 5000 ] || note "The target is set for 5,000 val-like images; this run used --images $IMAGES."
bench_report "Sharded evaluation: eval merge of $SHARDS partials vs one-shot eval coco (issue 24)" cocokit
