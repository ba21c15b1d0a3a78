#!/usr/bin/env bash
# TIDE benchmark (issue 22): `cocokit eval coco --tide` vs tidecv 1.0.1 on the 5k val-like pair, side by side
# in one run, with a parity check of the decomposition.
#
#   bash bench/tide.sh [--runs 3] [--peer-runs 1] [--images 5000] [--iou-types bbox,segm]
#
# Input: `cocokit synth --images N --seed 1 -o $WORK/synth-N-s1.json --results $WORK/synth-N-s1.results.json`
# (the pair of bench/eval_coco.sh; made once, reused).
# Timed, for each IoU type:
#   cocokit eval coco --gt GT --dt RESULTS --iou-type T --tide --json     whole process (COCOeval's 12 stats
#                                                                         are computed as well)
#   tidecv via bench/python/tide_peer.py: whole process, and its in-process time (datasets.COCO + COCOResult
#   + TIDE.evaluate + get_main_errors + get_special_errors, after the imports).
# Parity: max |Δ| of ap50 and the 8 dAP numbers between cocokit and tidecv.
# Target: cocokit (whole process) ≥ 20× faster than tidecv (in-process).
# tidecv must be importable in bench/venv: pip install tidecv==1.0.1 (it pulls matplotlib, seaborn, opencv).
set -u
IOU_TYPES="bbox,segm"
script_opt() {
  case "$1" in
    --iou-types) IOU_TYPES="$2" ;;
    *) return 1 ;;
  esac
}
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"
bench_init tide "$@"
IMAGES="${IMAGES:-5000}"
GT="$WORK/synth-$IMAGES-s1.json"
RES="$WORK/synth-$IMAGES-s1.results.json"
synth_file "$GT" "$IMAGES" 1 "$RES"
BENCH_INPUT="\`cocokit synth --images $IMAGES --seed 1 --results ...\`: GT $(size_mb "$GT") MB ($("$JQ" '.annotations|length' "$GT") annotations), results $(size_mb "$RES") MB ($("$JQ" length "$RES") detections); $(made_by "$GT")"
warm "$GT" "$RES"
K="$COCOKIT"
IFS=',' read -r -a TYPES <<< "$IOU_TYPES"
for T in "${TYPES[@]}"; do
  G="tide $T"
  measure "$G" "cocokit eval coco --tide" "$RUNS" \
    "'$K' eval coco --gt '$GT' --dt '$RES' --iou-type $T --tide --json"
  MINE="$BENCH_LAST/out.1"
  if have_py tidecv; then
    if measure "$G" "tidecv 1.0.1 (whole process)" "$PEER_RUNS" \
      "'$BENCH_PY' '$BENCH_DIR/python/tide_peer.py' --gt '$GT' --dt '$RES' --iou-type $T"; then
      PEER="$BENCH_LAST/out.1"
      walls=""; rsss=""
      for ((i = 1; i <= PEER_RUNS; i++)); do
        walls="$walls $("$JQ" -r '.seconds' "$BENCH_LAST/out.$i")"
        rsss="$rsss $(rss_of_run "$BENCH_LAST" "$i")"
      done
      record "$G" "tidecv 1.0.1 (in-process)" "$walls" "$rsss" ""
      d="$("$JQ" -n --slurpfile a "$MINE" --slurpfile b "$PEER" '
        ($a[0].tide) as $m | $b[0] as $p |
        [($m.ap50 - $p.ap50),
         ($m.main.cls - $p.main.Cls), ($m.main.loc - $p.main.Loc), ($m.main.both - $p.main.Both),
         ($m.main.dupe - $p.main.Dupe), ($m.main.bkg - $p.main.Bkg), ($m.main.miss - $p.main.Miss),
         ($m.special.false_pos - $p.special.FalsePos), ($m.special.false_neg - $p.special.FalseNeg)]
        | map(fabs) | max')"
      note "$T: max |Δ| of AP50 and the 8 dAP vs tidecv 1.0.1: $d; tidecv: AP50 $("$JQ" -c '.ap50 * 100 | round / 100' "$PEER"), main $("$JQ" -c '.main | map_values(. * 100 | round / 100)' "$PEER")."
    fi
  else
    skip "$G" "tidecv 1.0.1" "not importable in bench/venv (pip install tidecv==1.0.1)"
  fi
  check_target "$T: cocokit eval coco --tide (whole process) ≥ 20× faster than tidecv (in-process)" \
    "$(ratio "$(wall_of "$G" "tidecv 1.0.1 (in-process)")" "$(wall_of "$G" "cocokit eval coco --tide")")" ge 20 ×
done
note "cocokit's row includes reading both files and COCOeval's 12 stats; tidecv's in-process row only its own work. cocokit uses every core; tidecv one."
[ "$IMAGES" = 5000 ] || note "The target is set for 5,000 val-like images (--images 5000); this run used --images $IMAGES."
bench_report "TIDE: eval coco --tide vs tidecv 1.0.1 (issue 22)" cocokit python tidecv
