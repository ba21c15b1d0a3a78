#!/usr/bin/env bash
# What the README's test command costs a newcomer: a fresh clone of HEAD, an empty target/, `cargo test`.
#
#   bash bench/test_build.sh [--no-run] [-- CARGO_ARGS...]
#   REV=98a06c8 bash bench/test_build.sh      # the same for an earlier commit (default HEAD)
#   TIMINGS=DIR bash bench/test_build.sh -- --timings   # keep cargo's timing report (HTML) in DIR
#
# Prints wall time, CPU time (user + system of every process: steadier than wall on a busy machine), the peak
# of the anonymous memory of all processes together (cgroup v1 memory controller, sampled every 0.2 s; needs
# root — else the largest single process, from GNU time) and the size of target/ afterwards.
# --no-run: build the tests without running them. The crates.io downloads in ~/.cargo are reused (not timed).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(dirname "$HERE")"
args=(test)
while [ $# -gt 0 ]; do
  case "$1" in
    --no-run) args+=(--no-run) ;;
    --) shift; args+=("$@"); break ;;
    *) echo "usage: bash bench/test_build.sh [--no-run] [-- CARGO_ARGS...]" >&2; exit 2 ;;
  esac
  shift
done

tmp="$(mktemp -d)"
cg=""
cleanup() {
  if [ -n "$cg" ] && [ -d "$cg" ]; then
    while read -r p; do echo "$p" > /sys/fs/cgroup/memory/cgroup.procs 2>/dev/null || true; done < "$cg/cgroup.procs"
    rmdir "$cg" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
git clone -q "$REPO" "$tmp/clone"
cd "$tmp/clone"
git checkout -q "${REV:-HEAD}"
cargo fetch -q

if [ -w /sys/fs/cgroup/memory ] 2>/dev/null; then
  cg="/sys/fs/cgroup/memory/cocokit-test-build-$$"
  mkdir "$cg"
fi

peak_file="$tmp/peak"
echo 0 > "$peak_file"
(
  [ -n "$cg" ] && echo "$BASHPID" > "$cg/cgroup.procs"
  exec /usr/bin/time -f '%e %U %S %M' -o "$tmp/time" cargo "${args[@]}" > "$tmp/log" 2>&1
) &
pid=$!
if [ -n "$cg" ]; then
  peak=0
  while kill -0 "$pid" 2>/dev/null; do
    rss=$(awk '$1 == "total_rss" { print $2 }' "$cg/memory.stat" 2>/dev/null || echo 0)
    [ "${rss:-0}" -gt "$peak" ] && peak=$rss
    sleep 0.2
  done
  echo "$peak" > "$peak_file"
fi
status=0
wait "$pid" || status=$?
read -r wall user sys maxrss < "$tmp/time"
grep -E '^test result' "$tmp/log" | awk '{p += $4; f += $6} END {printf "tests: %d passed, %d failed\n", p, f}'
[ "$status" -eq 0 ] || { tail -30 "$tmp/log"; echo "cargo ${args[*]} failed ($status)"; }
grep -E '^ *Finished' "$tmp/log" | sed 's/^ */compiling: /' || true
printf 'cargo %s: wall %.0f s, CPU %.0f s (user %.0f + sys %.0f)\n' "${args[*]}" "$wall" "$(echo "$user + $sys" | bc)" "$user" "$sys"
if [ -n "$cg" ]; then
  printf 'peak memory (all processes, anonymous): %.2f GB\n' "$(echo "$(cat "$peak_file") / 1073741824" | bc -l)"
fi
printf 'largest single process: %.2f GB\n' "$(echo "$maxrss / 1048576" | bc -l)"
printf 'target/: %s\n' "$(du -sh target | cut -f1)"
if [ -n "${TIMINGS:-}" ] && [ -d target/cargo-timings ]; then
  mkdir -p "$TIMINGS" && cp target/cargo-timings/cargo-timing.html "$TIMINGS/" && echo "timings: $TIMINGS/cargo-timing.html"
fi
printf 'load average at the end: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
exit "$status"
