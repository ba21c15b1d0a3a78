#!/usr/bin/env bash
# Regenerate fixtures/golden/jq/*: what jq prints for the JSON fixtures, the reference `cocokit pretty` must
# equal byte for byte. Run from the repository root: bash scripts/golden_jq.sh (needs jq 1.6 or 1.7).
# Inputs here use canonical numbers only (jq 1.6 would rewrite e.g. 1.0 as 1; jq 1.7 and cocokit keep literals).
set -euo pipefail
out=fixtures/golden/jq
mkdir -p "$out"
jq --version > "$out/VERSION"
for f in fixtures/json/strings.json fixtures/json/multi.json fixtures/format-variants/*.json; do
  b=$(basename "$f" .json)
  case "$f" in fixtures/format-variants/*) b="fv_$b";; esac
  jq . "$f" > "$out/$b.indent2.json"
  jq --indent 4 . "$f" > "$out/$b.indent4.json"
  jq --indent 7 . "$f" > "$out/$b.indent7.json"
  jq --tab . "$f" > "$out/$b.tab.json"
  jq -c . "$f" > "$out/$b.compact.json"
  jq -S . "$f" > "$out/$b.sorted.json"
  jq -C . "$f" > "$out/$b.color.json"
  jq -C -c . "$f" > "$out/$b.colorcompact.json"
done
