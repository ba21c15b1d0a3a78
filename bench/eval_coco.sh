#!/usr/bin/env bash
# COCO evaluation benchmark (issue 5): `cocokit eval coco` (segm and bbox) and cocokit's Python package
# (cocokit-python: `from cocokit import COCO, COCOeval`) side by side in one run with pycocotools,
# faster-coco-eval, hotcoco, ultrafast-pycocotools and vernier, with a parity check of the 12 stats.
#
#   bash bench/eval_coco.sh [--runs 3] [--peer-runs 3] [--images 5000] [--iou-types segm,bbox] [--tools LIST]
#
# Input: `cocokit synth --images N --seed 1 -o $WORK/synth-N-s1.json --results $WORK/synth-N-s1.results.json`
# (5,000 val-like images with ~65k detections by default; made once, reused).
# Timed, for each IoU type:
#   cocokit eval coco --gt GT --dt RESULTS --iou-type T --json      whole process
#   each peer via bench/python/eval_peer.py, which prints its in-process time: perf_counter around
#   COCO(GT) + loadRes + COCOeval + evaluate + accumulate + summarize, after the imports (vernier: its native
#   CocoDataset + Evaluator(parity_mode="strict").evaluate). One Python process gives both rows: "(in-process)"
#   and "(whole process)" = interpreter start + imports + the same work. cocokit-python is timed the same way.
# Parity: every tool's 12 stats (from its first run) against pycocotools': max |Δ| and whether it is ≤ 1e-12.
# --tools: comma-separated subset of pycocotools,faster-coco-eval,hotcoco,ultrafast-pycocotools,vernier,
# cocokit-python (default all; cocokit-python is `pip install .` into bench/venv, see bench/README.md).
# Targets: the CLI (whole process) and cocokit-python (in-process) each ≥ 1.5× faster than the fastest of
# faster-coco-eval, hotcoco, ultrafast-pycocotools, vernier (in-process), with a peak RSS below all of theirs.
# A peer that is not importable in bench/venv is skipped with a note; so is cocokit without `eval coco`.
set -u
IOU_TYPES="segm,bbox"
# Order: the fast tools right after cocokit's runs, the slow ones (minutes) last, so that the target ratios
# compare moments of a shared machine close together (a load that changes during the slow runs skews less).
TOOLS="hotcoco,ultrafast-pycocotools,vernier,cocokit-python,faster-coco-eval,pycocotools"
FAST_PEERS=(faster-coco-eval hotcoco ultrafast-pycocotools vernier)
script_opt() {
  case "$1" in
    --iou-types) IOU_TYPES="$2" ;;
    --tools) TOOLS="$2" ;;
    *) return 1 ;;
  esac
}
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"
bench_init eval_coco "$@"
IMAGES="${IMAGES:-5000}"

GT="$WORK/synth-$IMAGES-s1.json"
RES="$WORK/synth-$IMAGES-s1.results.json"
synth_file "$GT" "$IMAGES" 1 "$RES"
NDET="$("$JQ" length "$RES")"
BENCH_INPUT="\`cocokit synth --images $IMAGES --seed 1 --results ...\`: GT $(size_mb "$GT") MB ($("$JQ" '.annotations|length' "$GT") annotations), results $(size_mb "$RES") MB ($NDET detections); $(made_by "$GT")"
warm "$GT" "$RES"
K="$COCOKIT"
HAVE_EVAL=0; have_sub "eval coco" && HAVE_EVAL=1
[ $HAVE_EVAL = 1 ] || note "This cocokit has no \`eval coco\` (the command is still being written): its rows are skipped."

module_of() {
  case "$1" in
    pycocotools) echo pycocotools ;; faster-coco-eval) echo faster_coco_eval ;;
    hotcoco) echo hotcoco ;; ultrafast-pycocotools) echo ultrafast_pycocotools ;; vernier) echo vernier ;;
    cocokit-python) echo cocokit ;; *) echo "$1" ;;
  esac
}

# peer ÷ cocokit with 2 decimals (lib.sh's ratio has 1: 1.46 would read, and pass, as 1.5)
ratio2() { [ -n "$1" ] && [ -n "$2" ] && awk -v a="$1" -v b="$2" 'BEGIN{ if (b>0) printf "%.2f", a/b }'; }

IFS=',' read -r -a TYPES <<< "$IOU_TYPES"
IFS=',' read -r -a PEERS <<< "$TOOLS"
for T in "${TYPES[@]}"; do
  G="eval $T"
  declare -A STATS_FILE=()
  if [ $HAVE_EVAL = 1 ]; then
    if measure "$G" "cocokit eval coco" "$RUNS" "'$K' eval coco --gt '$GT' --dt '$RES' --iou-type $T --json"; then
      STATS_FILE[cocokit]="$BENCH_LAST/out.1"
    fi
  else skip "$G" "cocokit eval coco" "this cocokit has no \`eval coco\`"; fi
  for P in "${PEERS[@]}"; do
    if ! have_py "$(module_of "$P")"; then
      skip "$G" "$P" "not importable in bench/venv (bench/setup_peers.sh)"
      continue
    fi
    cmd="'$BENCH_PY' '$BENCH_DIR/python/eval_peer.py' $P --gt '$GT' --dt '$RES' --iou-type $T"
    if measure "$G" "$P (whole process)" "$PEER_RUNS" "$cmd"; then
      STATS_FILE[$P]="$BENCH_LAST/out.1"
      walls=""; rsss=""
      for ((i = 1; i <= PEER_RUNS; i++)); do
        walls="$walls $("$JQ" -r '.seconds' "$BENCH_LAST/out.$i")"
        rsss="$rsss $(rss_of_run "$BENCH_LAST" "$i")"
      done
      record "$G" "$P (in-process)" "$walls" "$rsss" ""
    fi
  done
  # parity of the 12 stats with pycocotools
  if [ -n "${STATS_FILE[pycocotools]:-}" ]; then
    parts=()
    for P in cocokit "${PEERS[@]}"; do
      [ "$P" = pycocotools ] && continue
      [ -n "${STATS_FILE[$P]:-}" ] || continue
      d="$("$BENCH_PY" "$BENCH_DIR/python/compare.py" stats "${STATS_FILE[pycocotools]}" "${STATS_FILE[$P]}" 2>&1 | tail -1)"
      ok="$(awk -v d="$d" 'BEGIN{ if (d ~ /^[0-9.eE+-]+$/ && d + 0 <= 1e-12) print "≤ 1e-12"; else print "**differs**" }')"
      parts+=("$P $d ($ok)")
    done
    note "$T: max |Δ| of the 12 stats vs pycocotools 2.0.11: $(IFS=';'; x="${parts[*]:-no other tool measured}"; echo "${x//;/; }"). pycocotools' stats: $("$JQ" -c '.stats | map(. * 10000 | round / 10000)' "${STATS_FILE[pycocotools]}")."
  else
    note "$T: pycocotools not measured, no parity check."
  fi
  unset STATS_FILE

  # the fastest of the fast peers (in-process wall) and the lowest of their peak RSS
  fastest=""; fastest_by=""; low=""; low_by=""
  for P in "${FAST_PEERS[@]}"; do
    w="$(wall_of "$G" "$P (in-process)")"
    if [ -n "$w" ] && { [ -z "$fastest" ] || awk -v a="$w" -v b="$fastest" 'BEGIN{exit !(a<b)}'; }; then
      fastest="$w"; fastest_by="$P"
    fi
    r="$(rss_of "$G" "$P (whole process)")"
    if [ -n "$r" ] && { [ -z "$low" ] || [ "$r" -lt "$low" ]; }; then low="$r"; low_by="$P"; fi
  done
  peers_txt="the fastest of $(IFS=/; echo "${FAST_PEERS[*]}") (in-process${fastest_by:+: $fastest_by})"
  W="$(wall_of "$G" "cocokit eval coco")"
  check_target "$T: cocokit eval coco (whole process) ≥ 1.5× faster than $peers_txt" \
    "$(ratio2 "$fastest" "$W")" ge 1.5 ×
  check_target "$T: cocokit eval coco ≥ 20× faster than pycocotools (in-process)" \
    "$(ratio "$(wall_of "$G" "pycocotools (in-process)")" "$W")" ge 20 ×
  WP="$(wall_of "$G" "cocokit-python (in-process)")"
  check_target "$T: cocokit-python (in-process) ≥ 1.5× faster than $peers_txt" \
    "$(ratio2 "$fastest" "$WP")" ge 1.5 ×
  for who in "cocokit eval coco" "cocokit-python (whole process)"; do
    R="$(rss_of "$G" "$who")"
    if [ -n "$R" ] && [ -n "$low" ]; then
      target "$T: $who peak RSS below every fast peer's — measured $((R / 1024)) MB vs $((low / 1024)) MB ($low_by)" \
        "$([ "$R" -lt "$low" ] && echo yes || echo no)"
    else
      target "$T: $who peak RSS below every fast peer's — not measured" n/a
    fi
  done
done
note "In-process rows: the \"seconds\" printed by the whole-process command of the same peer: its own perf_counter time after its imports (their RSS is the process's peak, the same as the whole-process row). The issue's targets compare cocokit's whole process with the peers' in-process times."
note "cocokit, hotcoco, ultrafast-pycocotools, faster-coco-eval and vernier (num_threads = the core count) may use several threads; pycocotools is single-threaded. CPU s shows the total work."
note "vernier runs through its native API (vernier.instance: CocoDataset.from_json + Evaluator(parity_mode=\"strict\").evaluate on the files' bytes), not its COCOeval shim; cocokit-python through the pycocotools drop-in (from cocokit import COCO, COCOeval)."
[ "$IMAGES" = 5000 ] || note "The targets are set for 5,000 val-like images (--images 5000); this run used --images $IMAGES."

bench_report "COCO evaluation: eval coco and cocokit-python vs pycocotools, faster-coco-eval, hotcoco, ultrafast-pycocotools, vernier (issue 5)" \
  cocokit python pycocotools faster-coco-eval hotcoco ultrafast-pycocotools vernier numpy
