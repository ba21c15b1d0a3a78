#!/usr/bin/env bash
# Masks benchmark (issue 3): `cocokit convert --to rle` and `cocokit rasterize` side by side in one run with
# pycocotools loops doing the same work.
#
#   bash bench/masks.sh [--runs 3] [--peer-runs 1] [--images 118287] [--val-images 5000] [--peer-variants all|min]
#
# convert:   on a train2017-sized synthetic file ($WORK/synth-N-s1.json, N = --images, ~860k annotations), the
#            runs of cocokit and of the pycocotools loop alternating (A B A A A B A for 5 and 2 runs):
#            cocokit convert FILE --to rle -q > /dev/null   (whole process, writes the whole converted file)
#            vs bench/python/ann_to_rle.py FILE: pycocotools COCO(FILE) + annToRLE over every annotation, nothing
#            written (what the issue's target is measured against), and with --write /dev/null (plus json.dump of
#            the converted dataset: the same work as cocokit).
# rasterize: on a val-like file ($WORK/synth-M-s1.json, M = --val-images):
#            cocokit rasterize FILE -o DIR/RUN -q   (semantic 8-bit PNGs, one per image)
#            vs bench/python/ann_to_mask.py FILE --out DIR2/RUN: COCO() + annToMask painting in file order
#            (crowd = 255), PNGs written with PIL; and without --out (painting only, no PNG encoding).
#            Every run writes a new directory (see below why). Afterwards the first run's cocokit PNGs are
#            compared pixel for pixel with PIL's (bench/python/compare.py); the directories are removed.
# The converted RLE is also checked against pycocotools on the val-like file (not timed).
# --peer-variants min drops the second Python variant of each task (saves a few minutes at full size).
set -u
VAL_IMAGES=5000
VARIANTS=all
script_opt() {
  case "$1" in
    --val-images) VAL_IMAGES="$2" ;;
    --peer-variants) VARIANTS="$2" ;;
    *) return 1 ;;
  esac
}
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"
bench_init masks "$@"
IMAGES="${IMAGES:-118287}"

TRAIN="$WORK/synth-$IMAGES-s1.json"
VAL="$WORK/synth-$VAL_IMAGES-s1.json"
synth_file "$TRAIN" "$IMAGES" 1
synth_file "$VAL" "$VAL_IMAGES" 1
BENCH_INPUT="convert: \`cocokit synth --images $IMAGES --seed 1\` ($(size_mb "$TRAIN") MB, $("$COCOKIT" stats "$TRAIN" --json -q 2>/dev/null | "$JQ" .annotations) annotations); rasterize: \`cocokit synth --images $VAL_IMAGES --seed 1\` ($(size_mb "$VAL") MB); $(made_by "$TRAIN")"
K="$COCOKIT"
PY_OK=0; have_py pycocotools && PY_OK=1
HAVE_PIL=0; have_py PIL && HAVE_PIL=1

# --- convert --to rle ---------------------------------------------------------------------------------------
warm "$TRAIN"
# cocokit's runs and the pycocotools loop's (the target's pair) alternate (measure_alternating): a few seconds of
# cocokit against minutes of Python later made the ratio a lottery on this shared machine (17.9–22.5× for the
# same code within half an hour).
CK_CONVERT="'$K' convert '$TRAIN' --to rle -q > /dev/null"
PY_CONVERT="'$BENCH_PY' '$BENCH_DIR/python/ann_to_rle.py' '$TRAIN'"
if have_sub convert && [ $PY_OK = 1 ]; then
  measure_alternating "convert --to rle" "cocokit convert" "$RUNS" "$CK_CONVERT" \
    "pycocotools COCO()+annToRLE loop" "$PEER_RUNS" "$PY_CONVERT"
elif have_sub convert; then
  measure "convert --to rle" "cocokit convert" "$RUNS" "$CK_CONVERT"
else skip "convert --to rle" "cocokit convert" "this cocokit has no convert"; fi
if [ $PY_OK = 1 ]; then
  have_sub convert || measure "convert --to rle" "pycocotools COCO()+annToRLE loop" "$PEER_RUNS" "$PY_CONVERT"
  [ "$VARIANTS" = all ] && measure "convert --to rle" "pycocotools COCO()+annToRLE+json.dump" "$PEER_RUNS" \
    "'$BENCH_PY' '$BENCH_DIR/python/ann_to_rle.py' '$TRAIN' --write /dev/null"
else skip "convert --to rle" "pycocotools" "pycocotools not importable in bench/venv (bench/setup_peers.sh)"; fi

# --- rasterize ----------------------------------------------------------------------------------------------
warm "$VAL"
CK_DIR="$WORK/rasterize-cocokit-$VAL_IMAGES"
PY_DIR="$WORK/rasterize-pycocotools-$VAL_IMAGES"
rm -rf "$CK_DIR" "$PY_DIR"
# Each run writes a new directory ($CK_DIR/<run>), as a first rasterize of a dataset does. Writing over the
# previous run's PNGs is another case on this machine, whose ext4 has no journal: there a newly allocated inode
# skips every inode freed in the last minute, so replacing files atomically (new file renamed over the old one)
# slows down with every file replaced (2.3 s instead of 0.55 s into a new directory); PIL truncates in place.
if have_sub rasterize; then
  measure "rasterize (PNGs)" "cocokit rasterize" "$RUNS" "'$K' rasterize '$VAL' -o '$CK_DIR'/\$BENCH_RUN -q"
else skip "rasterize (PNGs)" "cocokit rasterize" "this cocokit has no rasterize"; fi
if [ $PY_OK = 1 ] && [ $HAVE_PIL = 1 ]; then
  measure "rasterize (PNGs)" "pycocotools annToMask loop + PIL PNGs" "$PEER_RUNS" \
    "'$BENCH_PY' '$BENCH_DIR/python/ann_to_mask.py' '$VAL' --out '$PY_DIR'/\$BENCH_RUN"
  [ "$VARIANTS" = all ] && measure "rasterize (PNGs)" "pycocotools annToMask loop, no PNG" "$PEER_RUNS" \
    "'$BENCH_PY' '$BENCH_DIR/python/ann_to_mask.py' '$VAL'"
else skip "rasterize (PNGs)" "pycocotools annToMask loop" "pycocotools or pillow not importable in bench/venv"; fi

# --- correctness (not timed) --------------------------------------------------------------------------------
if [ -d "$CK_DIR/1" ] && [ -d "$PY_DIR/1" ]; then
  note "rasterize: cocokit's PNGs vs pycocotools + PIL's, pixel by pixel: $("$BENCH_PY" "$BENCH_DIR/python/compare.py" png "$CK_DIR/1" "$PY_DIR/1" 2>&1 | tail -1)."
fi
note "rasterize: each run writes a new directory (see bench/masks.sh on writing over a previous run's PNGs on a journal-less ext4)."
rm -rf "$CK_DIR" "$PY_DIR"
if have_sub convert && [ $PY_OK = 1 ]; then
  "$K" convert "$VAL" --to rle -q -o "$BENCH_TMP/val_rle_cocokit.json" \
    && "$BENCH_PY" "$BENCH_DIR/python/ann_to_rle.py" "$VAL" --write "$BENCH_TMP/val_rle_pycocotools.json" > /dev/null 2>&1 \
    && note "convert --to rle on the val-like file: cocokit's segmentations vs pycocotools annToRLE's, by annotation id: $("$BENCH_PY" "$BENCH_DIR/python/compare.py" rle "$BENCH_TMP/val_rle_cocokit.json" "$BENCH_TMP/val_rle_pycocotools.json" 2>&1 | tail -1)."
fi
note "The pycocotools loops are single-threaded Python (what users write); cocokit uses every core (rayon), so its CPU time is the fairer per-core comparison on this 2-core machine."
note "Peak RSS of the Python rows includes the whole COCO() dataset in memory; cocokit streams."
[ "$IMAGES" = 118287 ] || note "The convert target is set for the train2017-sized file (--images 118287); this run used --images $IMAGES."

W="$(wall_of "convert --to rle" "cocokit convert")"
check_target "convert --to rle ≥ 20× faster than pycocotools COCO() + annToRLE loop" \
  "$(ratio "$(wall_of "convert --to rle" "pycocotools COCO()+annToRLE loop")" "$W")" ge 20 ×
check_target "convert --to rle peak RSS ≤ 256 MB" "$(rss_mb_of "convert --to rle" "cocokit convert")" le 256 MB
check_target "rasterize ≥ 10× faster than a pycocotools annToMask loop (writing PNGs)" \
  "$(ratio "$(wall_of "rasterize (PNGs)" "pycocotools annToMask loop + PIL PNGs")" "$(wall_of "rasterize (PNGs)" "cocokit rasterize")")" ge 10 ×
[ "$VARIANTS" = all ] && check_target "rasterize ≥ 10× faster than a pycocotools annToMask loop (painting only, no PNG)" \
  "$(ratio "$(wall_of "rasterize (PNGs)" "pycocotools annToMask loop, no PNG")" "$(wall_of "rasterize (PNGs)" "cocokit rasterize")")" ge 10 ×
note "Single-thread encode/decode/merge/IoU parity (≥ 3× pycocotools) is measured by bench/mask_bench.py + \`cargo run --release --example mask_bench\` (CPU time per item), not here."

bench_report "Masks: convert --to rle and rasterize vs pycocotools loops (issue 3)" cocokit python pycocotools numpy pillow
