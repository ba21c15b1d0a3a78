#!/usr/bin/env bash
# The Python package's parity suite: `pip install .` of this checkout into a venv inside the repository
# (target/pyvenv, git-ignored with target/), then pytest python/tests against pycocotools 2.0.11.
#
# Needs python3 (>= 3.9, with venv and pip) and the Rust toolchain; the only network it uses is PyPI (and
# crates.io through cargo). Idempotent: the venv and cargo's target/ are reused, the package reinstalled.
# Exits non-zero when the build or a test fails.
#
#   scripts/test-python.sh                 # build as `pip install .` does (release profile)
#   COCOKIT_PY_PROFILE=dev scripts/test-python.sh   # faster build, slower code (enough for the tests)
#   COCOKIT_TEST_SPARK=1 scripts/test-python.sh     # also pyspark (a 435 MB download), for the Spark examples
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
VENV=target/pyvenv
PROFILE=${COCOKIT_PY_PROFILE:-release}

if [ ! -x "$VENV/bin/python" ]; then
    "$PY" -m venv "$VENV"
fi
# pip runs the maturin build backend as a `maturin` command: the venv's.
export PATH="$PWD/$VENV/bin:$PATH"
pip_install() { "$VENV/bin/python" -m pip install -q --disable-pip-version-check "$@"; }
# ruff pinned: what `ruff format` accepts, and which rules `ruff check` has, change between its versions.
pip_install "maturin>=1.5,<2" pytest numpy "pycocotools==2.0.11" "ruff==0.17.6" duckdb polars
# pyspark only when asked: its download and install cost more than the rest of the suite (docs/SCALE.md).
if [ "${COCOKIT_TEST_SPARK:-0}" = 1 ]; then
    pip_install pyspark
fi
"$VENV/bin/ruff" check python/
"$VENV/bin/ruff" format --check python/

# Built with the venv's maturin (no isolated build environment to download again); --force-reinstall so
# that a rebuilt extension always replaces the installed one.
build_args=()
if [ "$PROFILE" != release ]; then
    build_args=(--config-settings "build-args=--profile $PROFILE")
fi
pip_install --no-build-isolation --force-reinstall --no-deps "${build_args[@]}" .

# The `cocokit` binary, for the tests that drive the CLI (test_parquet_duckdb.py reads its Parquet export).
cargo build -q --profile "$PROFILE" --bin cocokit
if [ "$PROFILE" = dev ]; then BIN_DIR=debug; else BIN_DIR=$PROFILE; fi
export COCOKIT_BIN="$PWD/target/$BIN_DIR/cocokit"

# Run from outside the source tree so that the installed package is the one imported.
cd python/tests
"../../$VENV/bin/python" -m pytest -q -p no:cacheprovider .
