#!/usr/bin/env bash
# Run every benchmark of bench/ in turn, all sections into one results file.
#
#   bash bench/run_all.sh [--out docs/PERFORMANCE.md] [--runs 3] [--peer-runs 1] [other common options]
#
# The options are passed to every script (so --images applies to all: leave it out for the issues' sizes).
# A script that fails is reported and the others still run; the exit status is 1 if any failed.
set -u
HERE="$(cd "$(dirname "$0")" && pwd)"
status=0
for s in foundation masks eval_coco eval_miou memory tide; do
  echo "=== bench/$s.sh $*" >&2
  bash "$HERE/$s.sh" "$@" || { echo "=== bench/$s.sh FAILED" >&2; status=1; }
done
exit $status
