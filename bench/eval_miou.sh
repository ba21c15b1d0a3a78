#!/usr/bin/env bash
# Semantic mIoU benchmark (issue 4): `cocokit eval miou` on COCO JSON ground truth + results, side by side in one
# run with a numpy reference.
#
#   bash bench/eval_miou.sh [--runs 3] [--peer-runs 1] [--images 5000] [--background class|ignore]
#
# Input: the same files as bench/eval_coco.sh (`cocokit synth --images N --seed 1 --results ...`, made once).
# Timed (whole processes):
#   cocokit eval miou --gt GT --pred RESULTS --background B --json
#   bench/python/miou_ref.py --gt GT --pred RESULTS --background B: pycocotools annToMask painting (GT in file
#     order, crowd → ignore; results with score ≥ 0.5 in ascending score) + np.bincount confusion matrix, one image
#     at a time; it also prints its in-process time (after imports), reported as a second row.
# The mIoU and pixel accuracy of both are compared (mmseg's convention: NaN classes left out of the mean).
set -u
BACKGROUND=class
script_opt() {
  case "$1" in
    --background) BACKGROUND="$2" ;;
    *) return 1 ;;
  esac
}
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"
bench_init eval_miou "$@"
IMAGES="${IMAGES:-5000}"

GT="$WORK/synth-$IMAGES-s1.json"
RES="$WORK/synth-$IMAGES-s1.results.json"
synth_file "$GT" "$IMAGES" 1 "$RES"
BENCH_INPUT="\`cocokit synth --images $IMAGES --seed 1 --results ...\`: GT $(size_mb "$GT") MB, results $(size_mb "$RES") MB ($("$JQ" length "$RES") detections; score ≥ 0.5 painted); --background $BACKGROUND; $(made_by "$GT")"
warm "$GT" "$RES"
K="$COCOKIT"
G="mIoU (COCO JSON)"
CK_OUT=""; REF_OUT=""

if have_sub "eval miou"; then
  measure "$G" "cocokit eval miou" "$RUNS" \
    "'$K' eval miou --gt '$GT' --pred '$RES' --background $BACKGROUND --json" && CK_OUT="$BENCH_LAST/out.1"
else
  skip "$G" "cocokit eval miou" "this cocokit has no \`eval miou\`"
  note "This cocokit has no \`eval miou\` (the command is still being written): its row is skipped."
fi

if have_py pycocotools && have_py numpy; then
  cmd="'$BENCH_PY' '$BENCH_DIR/python/miou_ref.py' --gt '$GT' --pred '$RES' --background $BACKGROUND"
  if measure "$G" "numpy reference (whole process)" "$PEER_RUNS" "$cmd"; then
    REF_OUT="$BENCH_LAST/out.1"
    walls=""; rsss=""
    for ((i = 1; i <= PEER_RUNS; i++)); do
      walls="$walls $("$JQ" -r '.seconds' "$BENCH_LAST/out.$i")"
      rsss="$rsss $(rss_of_run "$BENCH_LAST" "$i")"
    done
    record "$G" "numpy reference (in-process)" "$walls" "$rsss" ""
  fi
else skip "$G" "numpy reference" "pycocotools/numpy not importable in bench/venv (bench/setup_peers.sh)"; fi

if [ -n "$CK_OUT" ] && [ -n "$REF_OUT" ]; then
  cm="$("$JQ" -r '.miou' "$CK_OUT" 2>/dev/null)"; ca="$("$JQ" -r '.aacc' "$CK_OUT" 2>/dev/null)"
  rm_="$("$JQ" -r '.miou' "$REF_OUT")"; ra="$("$JQ" -r '.aacc' "$REF_OUT")"
  d="$(awk -v a="$cm" -v b="$rm_" -v c="$ca" -v e="$ra" 'BEGIN{ x = a - b; if (x < 0) x = -x; y = c - e; if (y < 0) y = -y; printf "%.3g", (x > y ? x : y) }')"
  ok="$(awk -v d="$d" 'BEGIN{ print (d + 0 <= 1e-12) ? "≤ 1e-12" : "**differs**" }')"
  note "Parity: mIoU cocokit $cm vs reference $rm_; aAcc cocokit $ca vs reference $ra; max |Δ| $d ($ok)."
elif [ -n "$REF_OUT" ]; then
  note "Reference result: mIoU $("$JQ" -r '.miou' "$REF_OUT"), aAcc $("$JQ" -r '.aacc' "$REF_OUT")."
fi
note "The numpy reference is single-threaded Python; cocokit uses every core. CPU s shows the total work."
[ "$IMAGES" = 5000 ] || note "The targets are set for 5,000 val-like images (--images 5000); this run used --images $IMAGES."

W="$(wall_of "$G" "cocokit eval miou")"
check_target "eval miou ≥ 10× faster than the numpy reference (whole process, same run)" \
  "$(ratio "$(wall_of "$G" "numpy reference (whole process)")" "$W")" ge 10 ×
check_target "eval miou peak RSS ≤ 256 MB" "$(rss_mb_of "$G" "cocokit eval miou")" le 256 MB

bench_report "Semantic mIoU: eval miou vs a numpy reference (issue 4)" cocokit python pycocotools numpy
