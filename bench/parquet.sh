#!/usr/bin/env bash
# Parquet export benchmark (issue 24): `cocokit export --to parquet` of a train2017-sized synthetic file side by
# side with a Python baseline (json.load + pyarrow tables of the same columns written with pyarrow.parquet,
# bench/python/parquet_export.py), then `cocokit import --from parquet` back to JSON.
#
#   bash bench/parquet.sh [--runs 3] [--peer-runs 1] [--images 118287]
#
# Targets (issue 24): export of the train2017-sized file ≤ 3 s wall and ≤ 256 MiB peak RSS.
set -u
script_opt() { return 1; }
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"
bench_init parquet "$@"
IMAGES="${IMAGES:-118287}"

TRAIN="$WORK/synth-$IMAGES-s1.json"
synth_file "$TRAIN" "$IMAGES" 1
BENCH_INPUT="\`cocokit synth --images $IMAGES --seed 1\` ($(size_mb "$TRAIN") MB, $("$COCOKIT" stats "$TRAIN" --json -q 2>/dev/null | "$JQ" .annotations) annotations); $(made_by "$TRAIN")"
K="$COCOKIT"
warm "$TRAIN"
CK_DIR="$BENCH_TMP/parquet-cocokit"
PY_DIR="$BENCH_TMP/parquet-pyarrow"
if have_sub export; then
  measure "export --to parquet" "cocokit export" "$RUNS" "'$K' export --to parquet '$TRAIN' -o '$CK_DIR' -q"
else skip "export --to parquet" "cocokit export" "this cocokit has no export"; fi
if have_py pyarrow; then
  measure "export --to parquet" "json.load + pyarrow.parquet" "$PEER_RUNS" \
    "'$BENCH_PY' '$BENCH_DIR/python/parquet_export.py' '$TRAIN' '$PY_DIR'"
else skip "export --to parquet" "json.load + pyarrow.parquet" "pyarrow not importable in bench/venv"; fi
if have_sub import; then
  measure "import --from parquet" "cocokit import" "$RUNS" "'$K' import --from parquet '$CK_DIR' -o /dev/null -q"
fi
if [ -d "$CK_DIR" ]; then
  note "Export sizes: cocokit $(du -sm "$CK_DIR" | cut -f1) MB$([ -d "$PY_DIR" ] && echo ", pyarrow $(du -sm "$PY_DIR" | cut -f1) MB") (snappy both)."
fi
note "The Python baseline holds the whole dataset (json.load) and the whole tables in memory; cocokit streams, one row group per file."
[ "$IMAGES" = 118287 ] || note "The targets are set for the train2017-sized file (--images 118287); this run used --images $IMAGES."
check_target "export --to parquet ≤ 3 s" "$(wall_of "export --to parquet" "cocokit export")" le 3 s
check_target "export --to parquet peak RSS ≤ 256 MiB" "$(rss_mb_of "export --to parquet" "cocokit export")" le 256 MiB
bench_report "Parquet export (issue 24)" cocokit python pyarrow
