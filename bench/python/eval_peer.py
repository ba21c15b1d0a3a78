#!/usr/bin/env python3
"""One COCO evaluation by a Python peer of `cocokit eval coco`, timed in-process (bench/eval_coco.sh).

    python eval_peer.py TOOL --gt GT.json --dt RESULTS.json --iou-type segm|bbox

TOOL: pycocotools | faster-coco-eval | hotcoco | ultrafast-pycocotools.
After the imports, time.perf_counter() is taken around: COCO(GT) load, loadRes(RESULTS), COCOeval(...),
evaluate(), accumulate(), summarize() — everything a user waits for once Python is up. The summary each tool
prints goes to stderr (file descriptor 1 is pointed at 2 meanwhile, so output from native code is caught too).
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
        "ultrafast-pycocotools": "ultrafast-pycocotools"}


def load_tool(tool):
    """(COCO class, COCOeval class) of the tool; imported before the clock starts."""
    if tool == "pycocotools":
        from pycocotools.coco import COCO
        from pycocotools.cocoeval import COCOeval
    elif tool == "faster-coco-eval":
        from faster_coco_eval import COCO, COCOeval_faster as COCOeval
    elif tool == "hotcoco":
        from hotcoco import COCO, COCOeval
    elif tool == "ultrafast-pycocotools":
        from ultrafast_pycocotools import COCO, COCOeval
    else:
        sys.exit("unknown tool " + tool)
    return COCO, COCOeval


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
    with stdout_to_stderr():
        t0 = time.perf_counter()
        gt = COCO(a.gt)
        dt = gt.loadRes(a.dt)
        if a.tool == "faster-coco-eval":
            ev = COCOeval(gt, dt, a.iou_type, print_function=print)
        else:
            ev = COCOeval(gt, dt, a.iou_type)
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
        seconds = time.perf_counter() - t0
    stats = [float(x) for x in list(ev.stats)[:12]]
    print(json.dumps({"tool": a.tool, "version": importlib.metadata.version(DIST[a.tool]), "seconds": seconds,
                      "stats": stats, "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))


if __name__ == "__main__":
    main()
