#!/usr/bin/env python3
"""`COCO(path)` of pycocotools or cocokit's drop-in, timed in-process (issue 20: "COCO(path) on a
train2017-sized file >= 10x pycocotools with a third of its memory").

    python coco_load.py pycocotools|cocokit FILE [--materialize]

After the imports, time.perf_counter() is taken around COCO(FILE) and getAnnIds() (the ids answer from
cocokit's native indexes; pycocotools' from its dicts). --materialize also reads `coco.anns` (cocokit then
builds the Python dicts pycocotools builds). What COCO() prints goes to stderr.
Prints one JSON line: {"tool", "seconds", "annotations", "maxrss_kb"} (peak RSS of the process).
"""
import argparse
import contextlib
import json
import resource
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("tool", choices=["pycocotools", "cocokit"])
    ap.add_argument("file")
    ap.add_argument("--materialize", action="store_true")
    a = ap.parse_args()
    if a.tool == "pycocotools":
        from pycocotools.coco import COCO
    else:
        from cocokit import COCO
    with contextlib.redirect_stdout(sys.stderr):
        t0 = time.perf_counter()
        c = COCO(a.file)
        n = len(c.getAnnIds())
        if a.materialize:
            n = len(c.anns)
        seconds = time.perf_counter() - t0
    print(json.dumps({"tool": a.tool, "seconds": seconds, "annotations": n,
                      "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))


if __name__ == "__main__":
    main()
