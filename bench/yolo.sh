#!/usr/bin/env bash
# YOLO export benchmark (issue 23): `cocokit export --to yolo` vs ultralytics' own convert_coco, side by side in
# one run, boxes and --segments, on a train2017-sized synthetic file ($WORK/synth-N-s1.json, N = --images).
#
#   bash bench/yolo.sh [--runs 3] [--peer-runs 1] [--images 118287]
#
# cocokit export --to yolo FILE -o DIR/RUN -q [--segments]          (every image's label file, data.yaml)
# vs bench/python/yolo_convert_coco.py FILE DIR2/RUN [--segments]   (ultralytics 8.4.190 convert_coco,
#    cls91to80=True, loaded without torch; bench/venv needs `pip install --no-deps ultralytics==8.4.190`)
# Each run writes a new directory. Afterwards the first runs' label files are compared byte for byte (convert_coco
# writes no file for images without annotations: cocokit's are empty there).
set -u
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"
bench_init yolo "$@"
IMAGES="${IMAGES:-118287}"

TRAIN="$WORK/synth-$IMAGES-s1.json"
synth_file "$TRAIN" "$IMAGES" 1
BENCH_INPUT="\`cocokit synth --images $IMAGES --seed 1\` ($(size_mb "$TRAIN") MB); $(made_by "$TRAIN")"
K="$COCOKIT"
PY_OK=0; have_py cv2 && [ -f "$("$BENCH_PY" -c 'import importlib.util as u; print(u.find_spec("ultralytics").origin)' 2>/dev/null)" ] && PY_OK=1
CK_DIR="$WORK/yolo-cocokit"; PY_DIR="$WORK/yolo-ultralytics"
rm -rf "$CK_DIR" "$PY_DIR"
warm "$TRAIN"
for kind in boxes segments; do
  flag=""; [ $kind = segments ] && flag="--segments"
  if have_sub export; then
    measure "export $kind" "cocokit export --to yolo" "$RUNS" \
      "'$K' export --to yolo '$TRAIN' -o '$CK_DIR/$kind'/\$BENCH_RUN -q $flag"
  else skip "export $kind" "cocokit export --to yolo" "this cocokit has no export"; fi
  if [ $PY_OK = 1 ]; then
    measure "export $kind" "ultralytics convert_coco" "$PEER_RUNS" \
      "'$BENCH_PY' '$BENCH_DIR/python/yolo_convert_coco.py' '$TRAIN' '$PY_DIR/$kind'/\$BENCH_RUN $flag"
  else skip "export $kind" "ultralytics convert_coco" "ultralytics or opencv not importable in bench/venv"; fi
  if [ -d "$CK_DIR/$kind/1/labels" ] && [ -d "$PY_DIR/$kind/1/labels/data" ]; then
    same=$("$BENCH_PY" -c 'import pathlib, sys
a, b = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
files = [p.relative_to(b) for p in b.rglob("*.txt")]
n = sum((a / f).read_bytes() == (b / f).read_bytes() for f in files)
print(f"{n} of {len(files)} identical")' "$CK_DIR/$kind/1/labels" "$PY_DIR/$kind/1/labels/data")
    note "$kind: ultralytics' label files vs cocokit's, byte for byte: $same"
  fi
done
rm -rf "$CK_DIR" "$PY_DIR"
note "convert_coco is single-threaded Python with json.load of the whole file; cocokit parses and writes images in parallel (rayon) on this 2-core machine."
bench_report "YOLO export vs ultralytics convert_coco (issue 23)" cocokit python ultralytics numpy opencv-python
