#!/usr/bin/env bash
# Install the peers the benchmarks compare cocokit with. Idempotent: re-running only installs what is missing.
#
#   bash bench/setup_peers.sh            # venv in bench/venv, jaq in bench/tools/bin
#
# - bench/venv: a Python venv with pycocotools==2.0.11, numpy, pillow, faster-coco-eval, hotcoco,
#   ultrafast-pycocotools, vernier (from pip). Each package is installed on its own, so one that cannot be installed
#   (no wheel for this Python, registry down) is reported and the others still are; the benchmarks skip a
#   peer whose import fails, with a note in their output.
# - jaq: `cargo install jaq --locked --root bench/tools` unless a jaq is already on PATH or in bench/tools/bin.
# - jq: the system one (/usr/bin/jq); only checked.
# Environment: PYTHON (the interpreter the venv is made from; default python3).
set -u
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV="$HERE/venv"
TOOLS="$HERE/tools"
PY="${PYTHON:-python3}"
status=0

note() { printf '[setup_peers] %s\n' "$*" >&2; }

if [ ! -x "$VENV/bin/python" ]; then
  note "creating $VENV with $($PY --version 2>&1)"
  "$PY" -m venv "$VENV" || { note "FAILED to create the venv: no Python peers"; status=1; }
fi

if [ -x "$VENV/bin/python" ]; then
  "$VENV/bin/python" -m pip install -q --upgrade pip >/dev/null 2>&1 || true
  # package spec : import name (what we check)
  for spec in "numpy:numpy" "pycocotools==2.0.11:pycocotools" "pillow:PIL" "faster-coco-eval:faster_coco_eval" \
              "hotcoco:hotcoco" "ultrafast-pycocotools:ultrafast_pycocotools" "vernier:vernier"; do
    pkg="${spec%%:*}"; mod="${spec##*:}"
    name="${pkg%%==*}"
    want="${pkg#*==}"; [ "$want" = "$pkg" ] && want=""
    have="$("$VENV/bin/python" -c "import importlib.metadata as m; print(m.version('$name'))" 2>/dev/null || true)"
    if [ -n "$have" ] && { [ -z "$want" ] || [ "$have" = "$want" ]; }; then
      note "$name $have already installed"
      continue
    fi
    note "pip install $pkg"
    if ! "$VENV/bin/python" -m pip install -q "$pkg"; then
      note "FAILED: pip install $pkg — benchmarks will skip this peer"
      status=1
      continue
    fi
    if ! "$VENV/bin/python" -c "import $mod" 2>/dev/null; then
      note "WARNING: $pkg installed but 'import $mod' fails — benchmarks will skip it"
      status=1
    fi
  done
  # pycocotools is pinned: a peer's dependency must not have moved it.
  v="$("$VENV/bin/python" -c "import importlib.metadata as m; print(m.version('pycocotools'))" 2>/dev/null || true)"
  if [ "$v" != "2.0.11" ]; then
    note "pycocotools is '$v', re-pinning 2.0.11"
    "$VENV/bin/python" -m pip install -q "pycocotools==2.0.11" || status=1
  fi
fi

if command -v jaq >/dev/null 2>&1; then
  note "jaq found on PATH: $(command -v jaq)"
elif [ -x "$TOOLS/bin/jaq" ]; then
  note "jaq already in $TOOLS/bin"
elif command -v cargo >/dev/null 2>&1; then
  note "cargo install jaq --locked --root $TOOLS (a few minutes)"
  nice -n 10 cargo install jaq --locked --root "$TOOLS" -q || { note "FAILED to install jaq — its rows will be skipped"; status=1; }
else
  note "no cargo: jaq not installed — its rows will be skipped"; status=1
fi

if [ -x /usr/bin/jq ] || command -v jq >/dev/null 2>&1; then
  note "jq: $(jq --version 2>&1)"
else
  note "jq not found (apt-get install jq) — its rows will be skipped"; status=1
fi

exit $status
