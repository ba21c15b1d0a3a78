"""Shared helpers for the parity tests: fixture paths and silenced pycocotools/cocokit printing."""

import contextlib
import io
import json
import os
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIX = os.path.join(ROOT, "fixtures")
VAL2014 = os.path.join(FIX, "cocoapi-val2014-100", "instances_val2014_100.json")
VAL2014_BBOX = os.path.join(FIX, "cocoapi-val2014-100", "instances_val2014_fakebbox100_results.json")
VAL2014_SEGM = os.path.join(FIX, "cocoapi-val2014-100", "instances_val2014_fakesegm100_results.json")
TINY = os.path.join(FIX, "coco-tiny-val2017", "instances_val2017.json")
LVIS = os.path.join(FIX, "lvis-val-100", "lvis_val_100.json")
GT_FILES = [VAL2014, TINY, LVIS]


def cocokit_bin():
    """The built `cocokit` binary: $COCOKIT_BIN (scripts/test-python.sh sets it), else target/release or
    target/debug of this checkout."""
    env = os.environ.get("COCOKIT_BIN")
    if env:
        return env
    for profile in ("release", "debug"):
        p = os.path.join(ROOT, "target", profile, "cocokit")
        if os.path.exists(p):
            return p
    pytest.fail("no cocokit binary: set COCOKIT_BIN or run `cargo build --bin cocokit`")


def run_cocokit(*args):
    """Run the binary; its standard output."""
    return subprocess.run([cocokit_bin(), *args], check=True, capture_output=True, text=True).stdout


def load_json(path):
    """json.load of a file (the reference reading)."""
    with open(path) as f:
        return json.load(f)


@contextlib.contextmanager
def quiet():
    """Swallow what pycocotools and cocokit print; yields the buffer."""
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        yield buf


@pytest.fixture(scope="session")
def pc():
    """pycocotools' modules (the reference)."""
    from pycocotools import coco, cocoeval, mask

    return coco, cocoeval, mask
