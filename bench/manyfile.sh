#!/usr/bin/env bash
# Many-file input benchmark (issue 24): `cocokit stats` over a directory of SA-1B-layout per-image files (and the
# same files as a quoted glob) side by side with `cocokit stats` of the single COCO file of the same content.
#
#   bash bench/manyfile.sh [--runs 3] [--images 10000]
#
# The files are written by bench/python/sa1b_files.py (41 compressed-RLE masks per image, from
# fixtures/sa1b-like/). The cost measured is the assembly of the files into one document (coco::source): reading
# and copying them, in parallel batches.
set -u
script_opt() { return 1; }
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"
bench_init manyfile "$@"
IMAGES="${IMAGES:-10000}"

DIR="$WORK/sa1b-$IMAGES"
if [ ! -f "$DIR.json" ]; then
  log "writing $IMAGES per-image files to $DIR"
  python3 "$BENCH_DIR/python/sa1b_files.py" "$DIR" "$IMAGES" || die "sa1b_files.py failed"
fi
BENCH_INPUT="$IMAGES per-image files ($(du -sm "$DIR" | cut -f1) MB, bench/python/sa1b_files.py) and the same content as one COCO file ($(size_mb "$DIR.json") MB)"
K="$COCOKIT"
warm "$DIR.json" "$DIR"/*.json
measure "stats" "one COCO file" "$RUNS" "'$K' stats '$DIR.json' --json -q > /dev/null"
measure "stats" "directory of per-image files" "$RUNS" "'$K' stats '$DIR' --json -q > /dev/null"
measure "stats" "quoted glob" "$RUNS" "'$K' stats '$DIR/sa_*.json' --json -q > /dev/null"
note "The directory's stats equal the single file's (checked by tests/manyfile.rs on the fixtures)."
bench_report "Many-file inputs (issue 24)" cocokit
