#!/usr/bin/env python3
"""One COCO evaluation by a Python peer of `cocokit eval coco`, timed in-process (bench/eval_coco.sh).

    python eval_peer.py TOOL --gt GT.json --dt RESULTS.json --iou-type segm|bbox

TOOL: pycocotools | faster-coco-eval | hotcoco | ultrafast-pycocotools | vernier | cocokit-python. After the
imports, and once the process is idle (see settle()), time.perf_counter() is taken around: COCO(GT) load,
loadRes(RESULTS), COCOeval(...), evaluate(), accumulate(), summarize() — everything a user waits for once
Python is up. cocokit-python is cocokit's own Python package used as the pycocotools drop-in (`from cocokit
import COCO, COCOeval`). vernier runs through its native API in its bit-exact mode: CocoDataset.from_json(GT
bytes) and Evaluator(iou=Bbox()|Segm(), parity_mode="strict").evaluate(dataset, RESULTS bytes), the file reads
counted. The summary each tool prints goes to stderr (file descriptor 1 is pointed at 2 meanwhile, so output
from native code is caught too).
Prints one JSON line on stdout: {"tool", "version", "seconds", "stats": [12 floats], "maxrss_kb"}.
"""
import argparse
import contextlib
import importlib.metadata
import json
import os
import resource
import sys
import time

DIST = {"pycocotools": "pycocotools", "faster-coco-eval": "faster-coco-eval", "hotcoco": "hotcoco",
        "ultrafast-pycocotools": "ultrafast-pycocotools", "vernier": "vernier", "cocokit-python": "cocokit"}


def load_tool(tool):
    """(COCO class, COCOeval class) of the tool; imported before the clock starts."""
    if tool == "pycocotools":
        from pycocotools.coco import COCO
        from pycocotools.cocoeval import COCOeval
    elif tool == "faster-coco-eval":
        from faster_coco_eval import COCO
        from faster_coco_eval import COCOeval_faster as COCOeval
    elif tool == "hotcoco":
        from hotcoco import COCO, COCOeval
    elif tool == "ultrafast-pycocotools":
        from ultrafast_pycocotools import COCO, COCOeval
    elif tool == "cocokit-python":
        from cocokit import COCO, COCOeval
    elif tool == "vernier":
        from vernier.instance import CocoDataset as COCO
        from vernier.instance import Evaluator as COCOeval
    else:
        sys.exit("unknown tool " + tool)
    return COCO, COCOeval


def settle():
    """Wait (at most 2 s) until the process uses no CPU: after `import numpy`, OpenBLAS's worker threads
    spin for ~0.1 s (their THREAD_TIMEOUT, 2**28 cycles) before sleeping. Started at once, the clock would
    charge that spinning, which takes one of a 2-core machine's cores, to whichever tool runs first — most to
    a tool that uses both cores. A program that imported numpy earlier never sees it."""
    deadline = time.monotonic() + 2.0
    last = time.process_time()
    while time.monotonic() < deadline:
        time.sleep(0.02)
        now = time.process_time()
        if now - last < 0.001:
            return
        last = now


@contextlib.contextmanager
def stdout_to_stderr():
    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(2, 1)
    try:
        with contextlib.redirect_stdout(sys.stderr):
            yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("tool", choices=sorted(DIST))
    ap.add_argument("--gt", required=True)
    ap.add_argument("--dt", required=True)
    ap.add_argument("--iou-type", required=True, choices=["segm", "bbox"])
    a = ap.parse_args()
    COCO, COCOeval = load_tool(a.tool)
    settle()
    with stdout_to_stderr():
        t0 = time.perf_counter()
        if a.tool == "vernier":
            stats = run_vernier(COCO, COCOeval, a)
        else:
            gt = COCO(a.gt)
            dt = gt.loadRes(a.dt)
            if a.tool == "faster-coco-eval":
                ev = COCOeval(gt, dt, a.iou_type, print_function=print)
            else:
                ev = COCOeval(gt, dt, a.iou_type)
            ev.evaluate()
            ev.accumulate()
            ev.summarize()
            stats = ev.stats
        seconds = time.perf_counter() - t0
    report(a, seconds, stats)


def run_vernier(CocoDataset, Evaluator, a):
    """vernier's native API, not its COCOeval shim: the GT parsed once into a dataset handle, the results
    file's bytes evaluated in strict mode (bit-exact with pycocotools; the native default is "corrected") with
    num_threads = the core count, asked for explicitly. The file reads are timed like the others' loads."""
    from vernier.instance import Bbox, Segm

    with open(a.gt, "rb") as f:
        dataset = CocoDataset.from_json(f.read())
    with open(a.dt, "rb") as f:
        dt_bytes = f.read()
    evaluator = Evaluator(iou=Bbox() if a.iou_type == "bbox" else Segm(), parity_mode="strict")
    summary = evaluator.evaluate(dataset, dt_bytes, num_threads=os.cpu_count())
    for line in summary.pretty_lines():
        print(line)
    return summary.stats


def report(a, seconds, stats):
    """The JSON line on stdout (called after stdout is back on file descriptor 1)."""
    stats = [float(x) for x in list(stats)[:12]]
    print(json.dumps({"tool": a.tool, "version": importlib.metadata.version(DIST[a.tool]), "seconds": seconds,
                      "stats": stats, "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))


if __name__ == "__main__":
    main()
