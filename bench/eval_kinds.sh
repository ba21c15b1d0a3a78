#!/usr/bin/env bash
# Keypoints, boundary, LVIS and panoptic evaluation benchmark (issue 21): cocokit's CLI side by side in one run
# with vernier (strict parity mode, native API), hotcoco and faster-coco-eval where each supports the kind, and
# the official reference (pycocotools keypoints, boundary-iou-api, lvis-api 0.5.3, panopticapi), with a parity
# check of the stats against the reference.
#
#   bash bench/eval_kinds.sh [--runs 3] [--peer-runs 3] [--images 5000] [--ref-images N]
#                            [--kinds keypoints,boundary,lvis-bbox,lvis-segm,panoptic] [--tools LIST]
#
# Inputs (made once under $WORK, reused; `synth --images M` is the first M images of `--images N`):
#   keypoints: cocokit synth --kind keypoints --images N --seed 1 (GT + results)
#   boundary:  the segm pair of bench/eval_coco.sh (cocokit synth --images N --seed 1 --results ...)
#   lvis-*:    cocokit synth --kind lvis --images N --seed 1 (GT + results with masks and boxes)
#   panoptic:  cocokit synth --kind panoptic --images N --seed 1 (JSON + PNG folders for GT and prediction)
# Timed, per kind: the cocokit command (whole process), each peer via bench/python/eval_kind_peer.py (its own
# perf_counter time after the imports: "(in-process)", and the whole process). The official references run
# once (--ref-runs, default 1) from /work/refvenv (REF_PY); with --ref-images M (< --images) they run on the
# first M images (all but keypoints: pycocotools takes a minute on 5,000), cocokit runs on the same M images
# once more, and the ratio to the reference is taken on those M images (its time scaled by N/M in the notes).
# faster-coco-eval's boundary IoU (about a second per 2 images here) runs on that subset too, once.
# Parity: every tool's stats against the reference's on the same input (max |Δ|); with --ref-images, the peers'
# stats are compared with cocokit's on the full input instead (cocokit's own parity with the reference is the
# subset row's).
# Targets (issue 21): cocokit ≥ 1.5× faster than the fastest of vernier/hotcoco/faster-coco-eval (in-process),
# ≥ 20× faster than the reference, peak RSS below every peer's.
# Environment: REF_PY (default /work/refvenv/bin/python), BOUNDARY_IOU_API, PANOPTICAPI (the references'
# public repositories, default /work/ref/<name>).
set -u
KINDS="keypoints,boundary,lvis-bbox,lvis-segm,panoptic"
TOOLS="vernier,hotcoco,faster-coco-eval,reference"
REF_IMAGES=""
REF_RUNS=1
script_opt() {
  case "$1" in
    --kinds) KINDS="$2" ;;
    --tools) TOOLS="$2" ;;
    --ref-images) REF_IMAGES="$2" ;;
    --ref-runs) REF_RUNS="$2" ;;
    *) return 1 ;;
  esac
}
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"
bench_init eval_kinds "$@"
IMAGES="${IMAGES:-5000}"
REF_PY="${REF_PY:-/work/refvenv/bin/python}"
export BOUNDARY_IOU_API="${BOUNDARY_IOU_API:-/work/ref/boundary-iou-api}"
export PANOPTICAPI="${PANOPTICAPI:-/work/ref/panopticapi}"
K="$COCOKIT"
PEER="$BENCH_DIR/python/eval_kind_peer.py"
[ -n "$REF_IMAGES" ] && [ "$REF_IMAGES" -ge "$IMAGES" ] && REF_IMAGES=""

# synth_kind KIND N → sets GT DT (and GTD PRD for panoptic); generated unless present
synth_kind() {
  local kind="$1" n="$2" base
  case "$kind" in
    boundary)
      GT="$WORK/synth-$n-s1.json"; DT="$WORK/synth-$n-s1.results.json"
      synth_file "$GT" "$n" 1 "$DT"; return ;;
    keypoints) base="$WORK/synth-keypoints-$n-s1" ;;
    lvis-*) base="$WORK/synth-lvis-$n-s1" ;;
    panoptic) base="$WORK/synth-panoptic-$n-s1" ;;
  esac
  GT="$base.json"; DT="$base.results.json"; GTD="$base.png"; PRD="$base.results.png"
  if [ -s "$GT" ] && [ -s "$DT" ]; then log "reusing $GT"; return; fi
  local k="${kind%%-*}"
  log "generating $GT (cocokit synth --kind $k --images $n --seed 1)"
  if [ "$k" = panoptic ]; then
    "$K" synth --kind panoptic --images "$n" --seed 1 -q -o "$GT" --png-dir "$GTD" --results "$DT" \
      --results-png-dir "$PRD" || die "synth failed"
  else
    "$K" synth --kind "$k" --images "$n" --seed 1 -q -o "$GT" --results "$DT" || die "synth failed"
  fi
  printf 'made by cocokit %s (git %s)\n' "$("$K" --version 2>/dev/null | awk '{print $NF}')" \
    "$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null)" > "$GT.made-by"
}

cocokit_cmd() {  # cocokit_cmd KIND → the command line on $GT $DT ($GTD $PRD)
  case "$1" in
    keypoints) echo "'$K' eval coco --gt '$GT' --dt '$DT' --iou-type keypoints --json" ;;
    boundary) echo "'$K' eval coco --gt '$GT' --dt '$DT' --iou-type boundary --json" ;;
    lvis-bbox) echo "'$K' eval lvis --gt '$GT' --dt '$DT' --iou-type bbox --json" ;;
    lvis-segm) echo "'$K' eval lvis --gt '$GT' --dt '$DT' --iou-type segm --json" ;;
    panoptic) echo "'$K' eval panoptic --gt-json '$GT' --gt-dir '$GTD' --pred-json '$DT' --pred-dir '$PRD' --json" ;;
  esac
}

# stats_of KIND FILE → the stats as one JSON array (cocokit's --json or a peer's line)
stats_of() {
  case "$1" in
    lvis-*) "$JQ" -c 'if .stats then .stats else [.AP, .AP50, .AP75, .APs, .APm, .APl, .APr, .APc, .APf,
      .["AR@300"], .["ARs@300"], .["ARm@300"], .["ARl@300"]] end' "$2" ;;
    panoptic) "$JQ" -c 'if .stats then .stats else [.All.pq, .All.sq, .All.rq, .Things.pq, .Things.sq,
      .Things.rq, .Stuff.pq, .Stuff.sq, .Stuff.rq] end' "$2" ;;
    *) "$JQ" -c '.stats' "$2" ;;
  esac
}

max_delta() {  # max_delta KIND FILE_A FILE_B → max |Δ| of the stats
  "$BENCH_PY" -c 'import json,sys; a=json.loads(sys.argv[1]); b=json.loads(sys.argv[2])
if len(a)!=len(b): print("length %d vs %d" % (len(a), len(b))); sys.exit()
print("%.3g" % max(abs(x-y) for x,y in zip(a,b)))' "$(stats_of "$1" "$2")" "$(stats_of "$1" "$3")"
}

peers_of() {  # the fast peers supporting a kind (on the full input)
  case "$1" in
    keypoints) echo "vernier hotcoco faster-coco-eval" ;;
    boundary) echo "vernier" ;;
    lvis-*) echo "vernier hotcoco faster-coco-eval" ;;
    panoptic) echo "vernier hotcoco" ;;
  esac
}
subset_peers_of() {  # peers too slow for the full input: run with the reference on its subset
  case "$1" in boundary) echo "faster-coco-eval" ;; esac
}
reference_of() {
  case "$1" in
    keypoints) echo pycocotools ;; boundary) echo boundary-iou-api ;; lvis-*) echo lvis ;; panoptic) echo panopticapi ;;
  esac
}
module_of() {
  case "$1" in faster-coco-eval) echo faster_coco_eval ;; *) echo "$1" ;; esac
}
wants() { case ",$TOOLS," in *",$1,"*) return 0 ;; *) return 1 ;; esac; }

ratio2() { [ -n "$1" ] && [ -n "$2" ] && awk -v a="$1" -v b="$2" 'BEGIN{ if (b>0) printf "%.2f", a/b }'; }

peer_cmd() {  # peer_cmd PY TOOL KIND
  local c="'$1' '$PEER' $2 --kind $3 --gt '$GT' --dt '$DT'"
  [ "$3" = panoptic ] && c="$c --gt-dir '$GTD' --pred-dir '$PRD'"
  echo "$c"
}

# in_process GROUP TOOL RUNS: the "(in-process)" row from the outputs of the last measure
in_process() {
  local walls="" rsss="" i
  for ((i = 1; i <= $3; i++)); do
    walls="$walls $("$JQ" -r '.seconds' "$BENCH_LAST/out.$i")"
    rsss="$rsss $(rss_of_run "$BENCH_LAST" "$i")"
  done
  record "$1" "$2 (in-process)" "$walls" "$rsss" ""
}

INPUTS=()
IFS=',' read -r -a KLIST <<< "$KINDS"
for KIND in "${KLIST[@]}"; do
  G="$KIND"
  synth_kind "$KIND" "$IMAGES"
  warm "$GT" "$DT"
  case "$KIND" in
    panoptic) # inputs may be symbolic links (to another checkout's bench/out): sized through them
      INPUTS+=("panoptic: GT $(size_mb "$(readlink -f "$GT")") MB + $(find -L "$GTD" -name '*.png' | wc -l) PNGs ($(du -smL "$GTD" | cut -f1) MB), prediction $(size_mb "$(readlink -f "$DT")") MB + PNGs ($(du -smL "$PRD" | cut -f1) MB), $("$JQ" '[.annotations[].segments_info | length] | add' "$GT") GT segments") ;;
    keypoints|lvis-bbox) INPUTS+=("$KIND: GT $(size_mb "$GT") MB ($("$JQ" '.annotations|length' "$GT") annotations, $("$JQ" '.categories|length' "$GT") categories), results $(size_mb "$DT") MB ($("$JQ" length "$DT") detections)") ;;
    boundary) INPUTS+=("boundary: the segm pair of eval_coco.sh, GT $(size_mb "$GT") MB ($("$JQ" '.annotations|length' "$GT") annotations), results $(size_mb "$DT") MB ($("$JQ" length "$DT") detections)") ;;
  esac
  declare -A SF=()
  if measure "$G" "cocokit" "$RUNS" "$(cocokit_cmd "$KIND")"; then SF[cocokit]="$BENCH_LAST/out.1"; fi
  for P in $(peers_of "$KIND"); do
    wants "$P" || continue
    if ! have_py "$(module_of "$P")"; then skip "$G" "$P" "not importable in bench/venv"; continue; fi
    if measure "$G" "$P (whole process)" "$PEER_RUNS" "$(peer_cmd "$BENCH_PY" "$P" "$KIND")"; then
      SF[$P]="$BENCH_LAST/out.1"
      in_process "$G" "$P" "$PEER_RUNS"
    fi
  done
  REF="$(reference_of "$KIND")"
  REF_W=""; REF_K=""; SUB=""; base=""; base_by=""
  if wants reference; then
    SUB="$REF_IMAGES"; [ "$KIND" = keypoints ] && SUB=""
    if [ -n "$SUB" ]; then
      synth_kind "$KIND" "$SUB"
      warm "$GT" "$DT"
      GS="$G, first $SUB images"
      measure "$GS" "cocokit" 1 "$(cocokit_cmd "$KIND")" && SF[cocokit-sub]="$BENCH_LAST/out.1"
      REF_K="$(wall_of "$GS" "cocokit")"
    else
      GS="$G"; REF_K="$(wall_of "$G" "cocokit")"
    fi
    for P in $(subset_peers_of "$KIND"); do
      wants "$P" && have_py "$(module_of "$P")" || continue
      if measure "$GS" "$P (whole process)" 1 "$(peer_cmd "$BENCH_PY" "$P" "$KIND")"; then
        SF[$P-sub]="$BENCH_LAST/out.1"
        in_process "$GS" "$P" 1
      fi
    done
    if measure "$GS" "$REF (reference, whole process)" "$REF_RUNS" "$(peer_cmd "$REF_PY" "$REF" "$KIND")"; then
      SF[ref]="$BENCH_LAST/out.1"
      in_process "$GS" "$REF (reference)" "$REF_RUNS"
      REF_W="$(wall_of "$GS" "$REF (reference) (in-process)")"
    fi
    [ -n "$SUB" ] && synth_kind "$KIND" "$IMAGES"
  fi

  # parity
  parts=()
  if [ -n "${SF[ref]:-}" ]; then
    base="${SF[ref]}"; base_by="$REF"
    if [ -n "$SUB" ]; then
      parts+=("cocokit on the first $SUB images vs $REF: $(max_delta "$KIND" "$base" "${SF[cocokit-sub]:-/dev/null}")")
      for P in $(subset_peers_of "$KIND"); do
        [ -n "${SF[$P-sub]:-}" ] && parts+=("$P on the first $SUB images vs $REF: $(max_delta "$KIND" "$base" "${SF[$P-sub]}")")
      done
    fi
  fi
  if [ -n "$SUB" ] || [ -z "${SF[ref]:-}" ]; then base="${SF[cocokit]:-}"; base_by="cocokit"; fi
  if [ -n "$base" ]; then
    for P in cocokit $(peers_of "$KIND"); do
      [ "$P" = "$base_by" ] && continue
      [ -n "${SF[$P]:-}" ] && parts+=("$P vs $base_by: $(max_delta "$KIND" "$base" "${SF[$P]}")")
    done
    note "$G: max |Δ| of the stats — $(IFS=';'; x="${parts[*]}"; echo "${x//;/; }"). $base_by's stats: $(stats_of "$KIND" "$base" | "$JQ" -c 'map(. * 10000 | round / 10000)')."
  fi
  unset SF

  # targets
  W="$(wall_of "$G" "cocokit")"
  fastest=""; fastest_by=""; low=""; low_by=""
  for P in $(peers_of "$KIND"); do
    w="$(wall_of "$G" "$P (in-process)")"
    if [ -n "$w" ] && { [ -z "$fastest" ] || awk -v a="$w" -v b="$fastest" 'BEGIN{exit !(a<b)}'; }; then
      fastest="$w"; fastest_by="$P"; fi
    r="$(rss_of "$G" "$P (whole process)")"
    if [ -n "$r" ] && { [ -z "$low" ] || [ "$r" -lt "$low" ]; }; then low="$r"; low_by="$P"; fi
  done
  check_target "$G: cocokit ≥ 1.5× faster than the fastest of $(peers_of "$KIND" | tr ' ' /) (in-process${fastest_by:+: $fastest_by})" \
    "$(ratio2 "$fastest" "$W")" ge 1.5 ×
  check_target "$G: cocokit ≥ 20× faster than $REF (in-process${SUB:+, on the first $SUB images})" \
    "$(ratio "$REF_W" "$REF_K")" ge 20 ×
  if [ -n "$SUB" ] && [ -n "$REF_W" ]; then
    note "$G: $REF on $IMAGES images, scaled from its $SUB-image time: ~$(awk -v w="$REF_W" -v n="$IMAGES" -v m="$SUB" 'BEGIN{printf "%.0f", w*n/m}') s."
  fi
  R="$(rss_of "$G" "cocokit")"
  if [ -n "$R" ] && [ -n "$low" ]; then
    target "$G: cocokit peak RSS below every peer's — measured $((R / 1024)) MB vs $((low / 1024)) MB ($low_by)" \
      "$([ "$R" -lt "$low" ] && echo yes || echo no)"
  else
    target "$G: cocokit peak RSS below every peer's — not measured" n/a
  fi
done
BENCH_INPUT="$(IFS=';'; x="${INPUTS[*]}"; echo "${x//;/; }") (\`cocokit synth --seed 1 --images $IMAGES\`)"
note "In-process rows: the \"seconds\" a tool's Python process prints (perf_counter after its imports); their RSS is the process's peak. The targets compare cocokit's whole process with the peers' in-process times."
note "cocokit, vernier (num_threads = cores), hotcoco and faster-coco-eval may use several threads; panopticapi splits images over all cores in processes (its CPU column counts only the parent process); pycocotools, boundary-iou-api (its per-annotation boundaries computed in-process, as scripts/golden_boundary.py runs it) and lvis-api are single-threaded. References: $REF_RUNS run each."
note "vernier runs through its native API in parity_mode=\"strict\" (instance.Evaluator; LVIS: CocoDataset.from_lvis_json, evaluate_bbox_grid|evaluate_segm_grid(max_dets_per_image=300) and summarize_lvis; panoptic: its decode_label_map_png + Dataset/Predictions.from_arrays). faster-coco-eval: COCOeval_faster (LVIS: lvis_style=True, maxDets [300]). hotcoco: COCOeval, LVISEval, panoptic.pq_compute."
[ "$IMAGES" = 5000 ] || note "The targets are set for 5,000 images (--images 5000); this run used --images $IMAGES."

bench_report "Keypoints, boundary, LVIS and panoptic evaluation: cocokit vs vernier, hotcoco, faster-coco-eval and the official references (issue 21)" \
  cocokit python vernier hotcoco faster-coco-eval pycocotools numpy
