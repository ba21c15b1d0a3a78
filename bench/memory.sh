#!/usr/bin/env bash
# Memory-bound benchmark (issue 6): peak RSS of cocokit pretty / stats / filter / validate on a ~2 GB synthetic
# file against the ~450 MB train2017-sized one. Streaming means the peak RSS must not grow with the file.
#
#   bash bench/memory.sh [--runs 3] [--images 520000] [--small-images 118287] [--commands pretty,stats,filter,validate]
#
# Inputs: `cocokit synth --images N --seed 1` for N = --small-images and --images (~2.1 GB at 520000; made once
# into $WORK, reused; needs that much free disk). Each command runs on both, small first, --runs times:
#   cocokit pretty FILE > /dev/null
#   cocokit stats FILE
#   cocokit filter FILE --cats person -q > /dev/null
#   cocokit validate FILE            (skipped, with a note, while this cocokit has no validate)
# The table's "RSS ÷" column is big file ÷ small file (≈ 1 when memory is bounded); "time ÷" shows how time
# scales (≈ the size ratio for a linear pass). No peers here (--peer-runs is ignored).
set -u
SMALL_IMAGES=118287
COMMANDS="pretty,stats,filter,validate"
script_opt() {
  case "$1" in
    --small-images) SMALL_IMAGES="$2" ;;
    --commands) COMMANDS="$2" ;;
    *) return 1 ;;
  esac
}
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"
bench_init memory "$@"
IMAGES="${IMAGES:-520000}"

[ "$IMAGES" -gt "$SMALL_IMAGES" ] || die "--images ($IMAGES) must be larger than --small-images ($SMALL_IMAGES)"
SMALL="$WORK/synth-$SMALL_IMAGES-s1.json"
BIG="$WORK/synth-$IMAGES-s1.json"
synth_file "$SMALL" "$SMALL_IMAGES" 1
if [ ! -s "$BIG" ]; then
  # ~4.1 KB per image in synth's output
  need_kb=$((IMAGES * 5))
  free_kb="$(df -Pk "$WORK" | awk 'NR==2 {print $4}')"
  [ "$free_kb" -gt "$need_kb" ] || die "not enough free disk in $WORK for --images $IMAGES (~$((need_kb / 1024)) MB needed, $((free_kb / 1024)) MB free)"
fi
synth_file "$BIG" "$IMAGES" 1
# Same images as the small file, every annotation 4 times (new ids as dense as the old): more bytes, not
# more images — what cocokit keeps per image stays the same, so peak RSS must not move at all.
DENSE="$WORK/synth-$SMALL_IMAGES-s1-ann4.json"
if [ ! -s "$DENSE" ] && have_py json; then
  log "making $DENSE (bench/python/repeat_annotations.py, a few minutes)"
  "$BENCH_PY" "$BENCH_DIR/python/repeat_annotations.py" "$SMALL" "$DENSE" 4 || rm -f "$DENSE"
fi
[ -s "$DENSE" ] || DENSE=""
SMB="$(size_mb "$SMALL")"; BMB="$(size_mb "$BIG")"; DMB=""; [ -n "$DENSE" ] && DMB="$(size_mb "$DENSE")"
BENCH_INPUT="\`cocokit synth --seed 1\` with --images $SMALL_IMAGES ($SMB MB) and --images $IMAGES ($BMB MB)${DENSE:+; the first with its annotations repeated 4 times by bench/python/repeat_annotations.py ($DMB MB, same $SMALL_IMAGES images)}; $(made_by "$BIG")"
K="$COCOKIT"
BENCH_RATIO_HEAD="small file"

cmd_for() {  # cmd_for NAME FILE
  case "$1" in
    pretty) echo "'$K' pretty '$2' > /dev/null" ;;
    stats) echo "'$K' stats '$2' -q" ;;
    filter) echo "'$K' filter '$2' --cats person -q > /dev/null" ;;
    validate) echo "'$K' validate '$2' > /dev/null" ;;
    *) die "unknown command $1 (pretty, stats, filter, validate)" ;;
  esac
}

IFS=',' read -r -a CMDS <<< "$COMMANDS"
for c in "${CMDS[@]}"; do
  if ! have_sub "$c"; then
    skip "$c" "cocokit $c" "this cocokit has no \`$c\`"
    note "This cocokit has no \`$c\` (being written): its rows are skipped."
    continue
  fi
  for f in "$SMALL" $DENSE "$BIG"; do
    warm "$f"
    label="cocokit $c ($(size_mb "$f") MB)"
    if ! measure "$c" "$label" "$RUNS" "$(cmd_for "$c" "$f")" && [ "$c" = validate ]; then
      # validate exits 1 when it finds errors; a clean synthetic file should not have any
      note "validate failed on $(basename "$f"): $(head -c 300 "$BENCH_LAST/err.1" | tr '\n' ' ')"
    fi
  done
  rs="$(rss_of "$c" "cocokit $c ($SMB MB)")"; rb="$(rss_of "$c" "cocokit $c ($BMB MB)")"
  if [ -n "$rs" ] && [ -n "$rb" ]; then
    # bounded: the big file's peak within 10% + 8 MB of the small file's
    ok="$(awk -v s="$rs" -v b="$rb" 'BEGIN{ print (b <= s * 1.1 + 8192) ? "yes" : "no" }')"
    target "$c: peak RSS does not grow with the number of images — $((rs / 1024)) MB at $SMB MB ($SMALL_IMAGES images), $((rb / 1024)) MB at $BMB MB ($IMAGES images): $(awk -v s="$rs" -v b="$rb" -v n="$((IMAGES - SMALL_IMAGES))" 'BEGIN{printf "%.0f", (b - s) * 1024 / n}') bytes per added image" "$ok"
  fi
  rd=""; [ -n "$DENSE" ] && rd="$(rss_of "$c" "cocokit $c ($DMB MB)")"
  if [ -n "$rs" ] && [ -n "$rd" ]; then
    ok="$(awk -v s="$rs" -v b="$rd" 'BEGIN{ print (b <= s * 1.1 + 8192) ? "yes" : "no" }')"
    target "$c: peak RSS does not grow with the file's bytes (same images, 4× the annotations) — $((rs / 1024)) MB at $SMB MB, $((rd / 1024)) MB at $DMB MB" "$ok"
  fi
done
check_target "pretty peak RSS ≤ 64 MB at $BMB MB" "$(rss_mb_of pretty "cocokit pretty ($BMB MB)")" le 64 MB
check_target "stats peak RSS ≤ 64 MB at $BMB MB" "$(rss_mb_of stats "cocokit stats ($BMB MB)")" le 64 MB
check_target "filter peak RSS ≤ 128 MB at $BMB MB" "$(rss_mb_of filter "cocokit filter ($BMB MB)")" le 128 MB
note "What grows with the number of images is per-image state the outputs need (stats: annotations per image for the median, images without annotations, per-category image sets; filter: kept image ids; validate: image sizes for the mask checks, ids for duplicates) — a few tens of bytes per image id, never per byte of input. validate also keeps one entry per annotation id to find duplicates: a bit for dense ids, a hash-set entry for sparse ones (COCO's 900100… crowd ids)."
note "Peak RSS counts file pages of a memory-mapped input while they are mapped and resident; a reader that does not release them would show RSS growing with the file."
note "The big file is $(awk -v a="$BMB" -v b="$SMB" 'BEGIN{printf "%.1f", a/b}')× the small one: a \"time ÷\" near that is a linear pass."

bench_report "Memory: peak RSS vs input size (issue 6)" cocokit
