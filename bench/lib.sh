# shellcheck shell=bash disable=SC2034,SC2086  # variables used by the scripts that source this; number lists split on purpose
# bench/lib.sh — shared helpers of the benchmark scripts in bench/ (sourced, not run).
#
# What it gives a script:
#   bench_init NAME "$@"        parse the common options (below), set up a scratch dir, check cocokit
#   measure GROUP TOOL RUNS CMD  run the shell command CMD RUNS times under /usr/bin/time; record the median
#                                wall time (measured here with nanosecond clocks around the process), the
#                                median CPU time (%U + %S) and the median peak RSS (%M: max RSS of the process,
#                                KB); each run's stdout/stderr are kept in $BENCH_LAST/out.I, err.I
#   record GROUP TOOL "W1 W2.." "R1 R2.." CMD [STATUS]
#                                record numbers measured elsewhere (e.g. in-process timings printed by a script)
#   skip GROUP TOOL REASON       a row that could not be measured, with the reason
#   wall_of GROUP TOOL / rss_of  the median recorded for a row (empty when missing)
#   target TEXT OK               a target line (OK = yes|no|n/a) printed under the table
#   note TEXT                    a note printed under the table
#   bench_report TITLE           print the markdown section and add it to (or replace it in) the --out file
#   have_sub "eval coco"         whether this cocokit has a subcommand
#
# Common options (every script):
#   --runs N        runs of each cocokit command (median reported; default 3)
#   --peer-runs N   runs of each peer command (default: --runs); peers are slow, 1 is fine for a first look
#   --out FILE      markdown results file; the script's section in it is added or replaced (default bench/out/NAME.md)
#   --work DIR      where generated inputs live (default bench/out; reused when present)
#   --images N      size of the generated input (each script has its own default)
# Environment: COCOKIT (cocokit binary; default: this repo's target/release/cocokit),
#   BENCH_PY (Python with the peers; default bench/venv/bin/python), JQ, JAQ.
# The scripts never build or install anything themselves: run `cargo build --release` and bench/setup_peers.sh.

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$BENCH_DIR/.." && pwd)"
COCOKIT="${COCOKIT:-$REPO/target/release/cocokit}"
BENCH_PY="${BENCH_PY:-$BENCH_DIR/venv/bin/python}"
JQ="${JQ:-$(command -v jq || echo /usr/bin/jq)}"
if [ -z "${JAQ:-}" ]; then
  if [ -x "$BENCH_DIR/tools/bin/jaq" ]; then JAQ="$BENCH_DIR/tools/bin/jaq"; else JAQ="$(command -v jaq || true)"; fi
fi

RUNS=3
PEER_RUNS=""
OUT=""
WORK="$BENCH_DIR/out"
IMAGES=""
BENCH_N=0
BENCH_TARGETS=()
BENCH_NOTES=()
BENCH_CMDS=()

log() { printf '[%s %s] %s\n' "$BENCH_NAME" "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# Scripts may define script_opt NAME VALUE (return 0 when it used VALUE, 1 when it does not know NAME) before
# calling bench_init; --help prints the script's leading comment block.
# Ahead of other work on a shared machine: the benchmark's processes (every tool alike) get the CPU first. Linux
# schedules each session's autogroup as one unit, so `nice` alone does not reach across sessions; the autogroup's
# own nice does (/proc/PID/autogroup, root only). Without permission, nothing changes.
bench_priority() {
  { echo -20 > "/proc/$$/autogroup" && renice -n -20 -p $$ > /dev/null; } 2> /dev/null \
    && BENCH_PRIORITY="autogroup and nice -20 (ahead of other work on the machine)" \
    || BENCH_PRIORITY="default (shares the CPU with other work on the machine)"
}

bench_init() {
  bench_priority
  BENCH_NAME="$1"; shift
  BENCH_ARGS="$*"
  while [ $# -gt 0 ]; do
    case "$1" in
      --runs) RUNS="$2"; shift 2 ;;
      --peer-runs) PEER_RUNS="$2"; shift 2 ;;
      --out) OUT="$2"; shift 2 ;;
      --work) WORK="$2"; shift 2 ;;
      --images) IMAGES="$2"; shift 2 ;;
      -h|--help)
        awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
        printf '\nCommon options: --runs N (default 3), --peer-runs N (default --runs), --images N, --out FILE\n'
        printf '(default bench/out/NAME.md), --work DIR (default bench/out). Environment: COCOKIT, BENCH_PY, JQ, JAQ.\n'
        exit 0 ;;
      *)
        if declare -F script_opt >/dev/null && [ $# -ge 2 ] && script_opt "$1" "$2"; then shift 2
        else die "unknown option $1 (see --help)"; fi ;;
    esac
  done
  [ -n "$PEER_RUNS" ] || PEER_RUNS="$RUNS"
  [ -n "$OUT" ] || OUT="$BENCH_DIR/out/$BENCH_NAME.md"
  case "$RUNS$PEER_RUNS" in *[!0-9]*) die "--runs and --peer-runs take a number" ;; esac
  { [ "$RUNS" -ge 1 ] && [ "$PEER_RUNS" -ge 1 ]; } || die "--runs and --peer-runs must be at least 1"
  [ -x /usr/bin/time ] || die "/usr/bin/time (GNU time) is needed: apt-get install time"
  [ -x "$COCOKIT" ] || die "no cocokit binary at $COCOKIT: run 'cargo build --release' or set COCOKIT"
  mkdir -p "$WORK" "$(dirname "$OUT")"
  WORK="$(cd "$WORK" && pwd)"
  BENCH_TMP="$(mktemp -d "${TMPDIR:-/tmp}/cocokit-bench-$BENCH_NAME.XXXXXX")"
  trap 'rm -rf "$BENCH_TMP"' EXIT
  : > "$BENCH_TMP/results.tsv"
  BENCH_DATE="$(date -u '+%Y-%m-%d %H:%M UTC')"
  BENCH_LOAD="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)"
  log "cocokit: $COCOKIT ($("$COCOKIT" --version 2>/dev/null)); runs: $RUNS, peer runs: $PEER_RUNS; out: $OUT"
}

# Does this cocokit have the (sub)command? e.g. have_sub "eval coco"
have_sub() {
  # shellcheck disable=SC2086
  "$COCOKIT" $1 --help >/dev/null 2>&1
}

have_py() {  # have_py MODULE: the bench venv can import it
  [ -x "$BENCH_PY" ] && "$BENCH_PY" -c "import $1" >/dev/null 2>&1
}

median() {  # median of the numbers given as arguments
  printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END{ if (NR==0) exit; if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2 }'
}

short_cmd() {  # paths made short for the report: repo root → ., work dir → $WORK
  local c="$1"
  c="${c//$WORK/\$WORK}"
  c="${c//$REPO\//}"
  c="${c//$COCOKIT/cocokit}"
  printf '%s' "$c"
}

_add_row() {  # group tool runs "walls" "rsses" status cmd ["cpus"]
  local group="$1" tool="$2" runs="$3" walls="$4" rsss="$5" status="$6" cmd="$7" cpus="${8:-}"
  local mw="" mr="" lo="" hi="" mc=""
  if [ -n "$walls" ]; then
    # shellcheck disable=SC2086  # lists of numbers, split on purpose
    mw="$(median $walls)"; lo="$(printf '%s\n' $walls | sort -g | head -1)"; hi="$(printf '%s\n' $walls | sort -g | tail -1)"
  fi
  # shellcheck disable=SC2086
  [ -n "$rsss" ] && mr="$(median $rsss)"
  # shellcheck disable=SC2086
  [ -n "$cpus" ] && mc="$(median $cpus)"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$group" "$tool" "$runs" "$mw" "$lo" "$hi" "$mr" "$status" "$(short_cmd "$cmd")" "$mc" \
    >> "$BENCH_TMP/results.tsv"
  [ -n "$cmd" ] && BENCH_CMDS+=("$tool ($group): $(short_cmd "$cmd")")
}

_one_run() {  # _one_run DIR I CMD LABEL — run I of CMD, timed; sets RUN_WALL RUN_CPU RUN_RSS; its exit status
  local dir="$1" i="$2" cmd="$3" t0 t1 rc
  log "$4: $(short_cmd "$cmd")"
  t0=$(date +%s%N)
  BENCH_RUN=$i /usr/bin/time -f '%e %M %U %S' -o "$dir/time.$i" bash -c "$cmd" > "$dir/out.$i" 2> "$dir/err.$i"
  rc=$?
  t1=$(date +%s%N)
  if [ $rc -ne 0 ]; then
    log "FAILED (exit $rc): $(tail -c 600 "$dir/err.$i" | tr '\n' ' ')"
    return $rc
  fi
  RUN_RSS="$(tail -1 "$dir/time.$i" | awk '{print $2}')"
  RUN_CPU="$(tail -1 "$dir/time.$i" | awk '{printf "%.2f", $3 + $4}')"
  RUN_WALL="$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f", (b-a)/1e9}')"
  log "  $RUN_WALL s wall, $RUN_CPU s CPU, $((RUN_RSS / 1024)) MB"
}

# measure GROUP TOOL RUNS CMD — CMD is a bash command line; its stdout goes to $BENCH_LAST/out.I and stderr to
# $BENCH_LAST/err.I for run I (so redirect big outputs to /dev/null inside CMD). BENCH_RUN=I is exported to it.
# A failing run stops the row (status "failed (exit N)"), the stderr tail goes to the log.
measure() {
  local group="$1" tool="$2" runs="$3" cmd="$4"
  BENCH_N=$((BENCH_N + 1))
  local dir="$BENCH_TMP/m$BENCH_N" i rc walls="" rsss="" cpus="" status="ok"
  mkdir -p "$dir"
  BENCH_LAST="$dir"
  for ((i = 1; i <= runs; i++)); do
    _one_run "$dir" "$i" "$cmd" "$group / $tool: run $i/$runs"
    rc=$?
    if [ $rc -ne 0 ]; then
      status="failed (exit $rc)"
      break
    fi
    cpus="$cpus $RUN_CPU"; walls="$walls $RUN_WALL"; rsss="$rsss $RUN_RSS"
  done
  [ "$status" = ok ] || { walls=""; rsss=""; cpus=""; }
  _add_row "$group" "$tool" "$runs" "$walls" "$rsss" "$status" "$cmd" "$cpus"
  [ "$status" = ok ]
}

# measure_alternating GROUP TOOL_A RUNS_A CMD_A TOOL_B RUNS_B CMD_B — as two `measure`s (one row each), but with
# the runs of B spread among those of A (5 and 2: A B A A A B A), so that a ratio of the two compares moments of a
# shared machine alike rather than A's few seconds with B's minutes later. BENCH_LAST is B's directory.
measure_alternating() {
  local group="$1" ta="$2" ra="$3" ca="$4" tb="$5" rb="$6" cb="$7"
  BENCH_N=$((BENCH_N + 1)); local da="$BENCH_TMP/m$BENCH_N"
  BENCH_N=$((BENCH_N + 1)); local db="$BENCH_TMP/m$BENCH_N"
  mkdir -p "$da" "$db"
  BENCH_LAST="$db"
  local i j=1 rc next_b wa="" ra_="" ca_="" wb="" rb_="" cb_="" sa="ok" sb="ok"
  # B's j-th run comes after A's run round((j - 1/2)·RUNS_A/RUNS_B).
  next_b() { awk -v j="$1" -v a="$ra" -v b="$rb" 'BEGIN{ if (j > b) print -1; else printf "%d", (j - 0.5) * a / b + 0.5 }'; }
  for ((i = 1; i <= ra; i++)); do
    if [ "$sa" = ok ]; then
      _one_run "$da" "$i" "$ca" "$group / $ta: run $i/$ra"
      rc=$?
      if [ $rc -ne 0 ]; then sa="failed (exit $rc)"; else
        wa="$wa $RUN_WALL"; ra_="$ra_ $RUN_RSS"; ca_="$ca_ $RUN_CPU"; fi
    fi
    while [ "$(next_b $j)" = "$i" ] || { [ "$i" = "$ra" ] && [ "$j" -le "$rb" ]; }; do
      if [ "$sb" = ok ]; then
        _one_run "$db" "$j" "$cb" "$group / $tb: run $j/$rb"
        rc=$?
        if [ $rc -ne 0 ]; then sb="failed (exit $rc)"; else
          wb="$wb $RUN_WALL"; rb_="$rb_ $RUN_RSS"; cb_="$cb_ $RUN_CPU"; fi
      fi
      j=$((j + 1))
    done
  done
  [ "$sa" = ok ] || { wa=""; ra_=""; ca_=""; }
  [ "$sb" = ok ] || { wb=""; rb_=""; cb_=""; }
  _add_row "$group" "$ta" "$ra" "$wa" "$ra_" "$sa" "$ca" "$ca_"
  _add_row "$group" "$tb" "$rb" "$wb" "$rb_" "$sb" "$cb" "$cb_"
  [ "$sa" = ok ] && [ "$sb" = ok ]
}

rss_of_run() {  # rss_of_run DIR I — peak RSS (KB) of run I of a measure (DIR = its $BENCH_LAST)
  tail -1 "$1/time.$2" | awk '{print $2}'
}

record() {  # record GROUP TOOL "W1 W2 .." "RSS_KB1 .." CMD [STATUS]  (CMD "" = not listed under Commands)
  local n
  # shellcheck disable=SC2086
  n=$(printf '%s\n' $3 | grep -c .)
  _add_row "$1" "$2" "$n" "$3" "$4" "${6:-ok}" "$5"
}

skip() {  # skip GROUP TOOL REASON
  log "skipped $1 / $2: $3"
  printf '%s\t%s\t0\t\t\t\t\tskipped: %s\t\t\n' "$1" "$2" "$3" >> "$BENCH_TMP/results.tsv"
}

_col() {  # _col GROUP TOOL FIELD
  awk -F'\t' -v g="$1" -v t="$2" -v f="$3" '$1==g && $2==t {print $f; exit}' "$BENCH_TMP/results.tsv"
}
wall_of() { _col "$1" "$2" 4; }
rss_of() { _col "$1" "$2" 7; }       # KB
rss_mb_of() { local r; r="$(rss_of "$1" "$2")"; [ -n "$r" ] && awk -v r="$r" 'BEGIN{printf "%.0f", r/1024}'; }

target() { BENCH_TARGETS+=("$1|$2"); }
note() { BENCH_NOTES+=("$1"); }

# check_target TEXT VALUE OP LIMIT [UNIT] — e.g. check_target "pretty ≤ 0.5 s" "$w" le 0.5 s (OP: le, ge)
check_target() {
  local text="$1" v="$2" op="$3" lim="$4" unit="${5:-}" ok
  if [ -z "$v" ]; then target "$text — not measured" "n/a"; return; fi
  ok=$(awk -v v="$v" -v l="$lim" -v op="$op" 'BEGIN{ if ((op=="le" && v<=l) || (op=="ge" && v>=l)) print "yes"; else print "no" }')
  [ "$unit" = "×" ] && unit="" && v="$v×"
  target "$text — measured $v${unit:+ $unit}" "$ok"
}

ratio() {  # ratio A B → A/B with 1 decimal (empty if either is missing)
  [ -n "$1" ] && [ -n "$2" ] && awk -v a="$1" -v b="$2" 'BEGIN{ if (b>0) printf "%.1f", a/b }'
}

machine_md() {
  local cpu mem
  cpu="$(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
  mem="$(awk '/^MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
  printf -- '- Machine: %s cores (nproc), %s, %s RAM, %s\n' "$(nproc)" "${cpu:-unknown CPU}" "$mem" "$(uname -sr)"
  printf -- '- Date: %s; load average at start: %s (a shared machine: compare rows of one run, not across runs)\n' \
    "$BENCH_DATE" "$BENCH_LOAD"
  printf -- '- Scheduling: %s\n' "${BENCH_PRIORITY:-default}"
}

# versions_md TOOL... — tools: cocokit jq jaq python pycocotools numpy faster-coco-eval hotcoco
#                       ultrafast-pycocotools pillow
versions_md() {
  local t v parts=()
  for t in "$@"; do
    case "$t" in
      cocokit)
        local rev
        rev="$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null)"
        [ -n "$(git -C "$REPO" status --porcelain -- src Cargo.toml 2>/dev/null)" ] && rev="$rev+dirty"
        v="$("$COCOKIT" --version 2>/dev/null) (git $rev)" ;;
      jq) v="$("$JQ" --version 2>/dev/null || echo "jq missing")" ;;
      jaq) v="$([ -n "$JAQ" ] && "$JAQ" --version 2>/dev/null || echo "jaq missing")" ;;
      python) v="Python $("$BENCH_PY" -c 'import platform; print(platform.python_version())' 2>/dev/null || echo missing) (bench/venv)" ;;
      *) v="$t $("$BENCH_PY" -c "import importlib.metadata as m; print(m.version('$t'))" 2>/dev/null || echo missing)" ;;
    esac
    parts+=("$v")
  done
  local IFS=';'
  printf -- '- Versions: %s\n' "$(printf '%s; ' "${parts[@]}" | sed 's/; $//')"
}

# The results table: one row per measured command; ratios against the first measured row of the same group
# whose tool starts with "cocokit".
table_md() {
  local ref="${BENCH_RATIO_HEAD:-cocokit}"
  printf '| task | tool | wall s (median) | wall s (min–max) | CPU s (median) | peak RSS MB (median) | runs | time ÷ %s | RSS ÷ %s |\n' "$ref" "$ref"
  printf '|---|---|--:|--:|--:|--:|--:|--:|--:|\n'
  awk -F'\t' '
    { gsub(/\|/, "\\|", $1); gsub(/\|/, "\\|", $2); g[NR]=$1; t[NR]=$2; n[NR]=$3; w[NR]=$4; lo[NR]=$5; hi[NR]=$6; r[NR]=$7; s[NR]=$8; c[NR]=$10
      if (index($2, "cocokit") == 1 && !($1 in refw) && $4 != "") { refw[$1]=$4; refr[$1]=$7; refi[$1]=NR } }
    END {
      for (i = 1; i <= NR; i++) {
        if (s[i] != "ok") { printf "| %s | %s | %s | | | | | | |\n", g[i], t[i], s[i]; continue }
        rw = ""; rr = ""
        if (g[i] in refw) {
          if (refi[g[i]] == i) { rw = "1 (ref)"; rr = "1 (ref)" }
          else {
            if (refw[g[i]] > 0) rw = sprintf("%.1f×", w[i] / refw[g[i]])
            if (r[i] != "" && refr[g[i]] > 0) rr = sprintf("%.1f×", r[i] / refr[g[i]])
          }
        }
        rng = (n[i] > 1) ? sprintf("%.2f–%.2f", lo[i], hi[i]) : ""
        rm = (r[i] != "") ? sprintf("%.0f", r[i] / 1024) : "n/a"
        cm = (c[i] != "") ? sprintf("%.2f", c[i]) : ""
        printf "| %s | %s | %.3f | %s | %s | %s | %s | %s | %s |\n", g[i], t[i], w[i], rng, cm, rm, n[i], rw, rr
      }
    }' "$BENCH_TMP/results.tsv"
}

# bench_report TITLE VERSIONS... — print the section and write it into $OUT between markers
# <!-- bench:NAME begin --> / <!-- bench:NAME end --> (replacing an earlier one, else appended).
bench_report() {
  local title="$1"; shift
  local body="$BENCH_TMP/section.md" x
  {
    printf '### %s\n\n' "$title"
    # shellcheck disable=SC2016  # backquotes are markdown
    printf 'Generated by `bash bench/%s.sh%s` (cocokit runs: %s, peer runs: %s).\n\n' "$BENCH_NAME" \
      "${BENCH_ARGS:+ $BENCH_ARGS}" "$RUNS" "$PEER_RUNS"
    machine_md
    versions_md "$@"
    [ -n "${BENCH_INPUT:-}" ] && printf -- '- Input: %s\n' "$BENCH_INPUT"
    printf '\n'
    table_md
    printf '\nWall time is measured around the whole process (nanosecond clock) unless the tool says in-process;'
    printf ' CPU is user + system time of the process (less sensitive to a busy machine than wall time; above the'
    printf ' wall time for multi-threaded tools); peak RSS is GNU time'"'"'s %%M (max resident set of the process).'
    if [ -z "${BENCH_RATIO_HEAD:-}" ]; then
      printf ' "time ÷ cocokit" (wall time) > 1 means cocokit (the row marked ref) is faster.\n'
    else
      printf ' Ratios are against the row marked ref (%s).\n' "$BENCH_RATIO_HEAD"
    fi
    if [ ${#BENCH_TARGETS[@]} -gt 0 ]; then
      printf '\nTargets:\n\n'
      for x in "${BENCH_TARGETS[@]}"; do
        case "${x##*|}" in yes) printf -- '- [x] %s\n' "${x%|*}" ;; no) printf -- '- [ ] %s — **missed**\n' "${x%|*}" ;; *) printf -- '- %s\n' "${x%|*}" ;; esac
      done
    fi
    if [ ${#BENCH_NOTES[@]} -gt 0 ]; then
      printf '\nNotes:\n\n'
      for x in "${BENCH_NOTES[@]}"; do printf -- '- %s\n' "$x"; done
    fi
    # shellcheck disable=SC2016
    printf '\nCommands ($WORK = %s):\n\n```\n' "${WORK#"$REPO"/}"
    for x in "${BENCH_CMDS[@]}"; do printf '%s\n' "$x"; done
    printf '```\n'
  } > "$body"
  cat "$body"
  local begin="<!-- bench:$BENCH_NAME begin -->" end="<!-- bench:$BENCH_NAME end -->"
  if [ -f "$OUT" ] && grep -qF "$begin" "$OUT"; then
    awk -v b="$begin" -v e="$end" -v f="$body" '
      $0 == b { print; while ((getline l < f) > 0) print l; skip = 1; next }
      $0 == e { skip = 0 }
      !skip { print }' "$OUT" > "$OUT.tmp" && mv "$OUT.tmp" "$OUT"
  else
    # shellcheck disable=SC2094  # -s tests the file before appending to it
    { [ -s "$OUT" ] && printf '\n'; printf '%s\n' "$begin"; cat "$body"; printf '%s\n' "$end"; } >> "$OUT"
  fi
  log "results written to $OUT"
}

# warm FILE... — read files once so every tool starts from the page cache
warm() { local f; for f in "$@"; do cat "$f" > /dev/null; done; }

# synth_file PATH IMAGES SEED [RESULTS_PATH] — generate with cocokit synth unless present
synth_file() {
  local path="$1" images="$2" seed="$3" res="${4:-}"
  if [ -s "$path" ] && { [ -z "$res" ] || [ -s "$res" ]; }; then
    log "reusing $path ($(cat "$path.made-by" 2>/dev/null || echo 'maker unknown'); delete it to make it anew)"
    return 0
  fi
  log "generating $path (cocokit synth --images $images --seed $seed${res:+ --results ...})"
  if [ -n "$res" ]; then
    "$COCOKIT" synth --images "$images" --seed "$seed" -q -o "$path" --results "$res" || die "synth failed"
  else
    "$COCOKIT" synth --images "$images" --seed "$seed" -q -o "$path" || die "synth failed"
  fi
  printf 'made by cocokit %s (git %s)\n' "$("$COCOKIT" --version 2>/dev/null | awk '{print $NF}')" \
    "$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null)" > "$path.made-by"
}

# made_by PATH — who made a generated input (for the report)
made_by() { cat "$1.made-by" 2>/dev/null || echo "maker unknown"; }

size_mb() { awk -v s="$(stat -c %s "$1")" 'BEGIN{printf "%.0f", s/1e6}'; }
