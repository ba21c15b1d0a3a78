#!/usr/bin/env python3
"""pycocotools 2.0.11 timings of the mask operations that `examples/mask_bench.rs` times in cocokit.

    /work/venv/bin/python bench/mask_bench.py [--data fixtures]
    cargo run --release --example mask_bench -- [--data fixtures]

Same masks on both sides: every annotation of the cocoapi val2014 (100 images), COCO val2017 tiny and
LVIS val (100 images) ground truths, plus the cocoapi fake segm results for IoU. Single thread; CPU time
of the thread (time.thread_time), so a busy machine skews less.
Each line: operation, number of items per round, microseconds per item (best of 5 rounds of ~0.3 s).
"""
import argparse
import contextlib
import io
import json
import os
import time

import numpy as np
from pycocotools import mask as M
from pycocotools.coco import COCO

FILES = ["cocoapi-val2014-100/instances_val2014_100.json", "coco-tiny-val2017/instances_val2017.json",
         "lvis-val-100/lvis_val_100.json"]


def best(fn, rounds=5):
    """Seconds per call of fn: best of 5 rounds, each repeating fn for about 0.3 s of CPU time."""
    t0 = time.perf_counter()
    fn()
    once = max(time.perf_counter() - t0, 1e-6)
    reps = max(1, int(0.3 / once + 0.999))
    t = []
    for _ in range(rounds):
        t0 = time.thread_time()
        for _ in range(reps):
            fn()
        t.append((time.thread_time() - t0) / reps)
    return min(t)


def report(name, n, secs):
    print("%-28s %7d items  %10.3f us/item" % (name, n, secs / n * 1e6))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="fixtures")
    a = ap.parse_args()
    cocos = []
    for f in FILES:
        with contextlib.redirect_stdout(io.StringIO()):
            cocos.append(COCO(os.path.join(a.data, f)))
    anns = [(c, ann) for c in cocos for ann in c.dataset["annotations"] if ann.get("segmentation")]
    polys = [(c, ann) for c, ann in anns if isinstance(ann["segmentation"], list)]
    report("annToRLE (polygons)", len(polys), best(lambda: [c.annToRLE(x) for c, x in polys]))
    rles = [c.annToRLE(x) for c, x in anns]
    bitmaps = [np.asfortranarray(M.decode(r)) for r in rles]
    report("encode (bitmap->string)", len(bitmaps), best(lambda: [M.encode(b) for b in bitmaps]))
    report("decode (string->bitmap)", len(rles), best(lambda: [M.decode(r) for r in rles]))
    report("area", len(rles), best(lambda: [M.area(r) for r in rles]))
    report("toBbox", len(rles), best(lambda: [M.toBbox(r) for r in rles]))
    # merge: union of all masks of each image
    groups = {}
    for (c, ann), r in zip(anns, rles):
        groups.setdefault((id(c), ann["image_id"]), []).append(r)
    glist = [g for g in groups.values() if len(g) > 1]
    nmerged = sum(len(g) for g in glist)
    report("merge union (per input)", nmerged, best(lambda: [M.merge(g) for g in glist]))
    report("merge inter (per input)", nmerged, best(lambda: [M.merge(g, intersect=True) for g in glist]))
    # iou: cocoapi fake segm results vs ground truth, per image x category as COCOeval does
    gt = cocos[0]
    dts = json.load(open(os.path.join(a.data, "cocoapi-val2014-100/instances_val2014_fakesegm100_results.json")))
    pairs = {}
    for d in dts:
        pairs.setdefault((d["image_id"], d["category_id"]), ([], []))[0].append(d["segmentation"])
    for g in gt.dataset["annotations"]:
        key = (g["image_id"], g["category_id"])
        if key in pairs:
            pairs[key][1].append((gt.annToRLE(g), g["iscrowd"]))
    work = [(d, [r for r, _ in g], [c for _, c in g]) for d, g in pairs.values() if d and g]
    ncells = sum(len(d) * len(g) for d, g, _ in work)
    report("iou per img x cat (cells)", ncells, best(lambda: [M.iou(d, g, c) for d, g, c in work]))
    # iou: all dt x all gt per image (bigger matrices)
    per_img = {}
    for d in dts:
        per_img.setdefault(d["image_id"], ([], [], []))[0].append(d["segmentation"])
    for g in gt.dataset["annotations"]:
        if g["image_id"] in per_img:
            per_img[g["image_id"]][1].append(gt.annToRLE(g))
            per_img[g["image_id"]][2].append(g["iscrowd"])
    work2 = [w for w in per_img.values() if w[0] and w[1]]
    ncells2 = sum(len(d) * len(g) for d, g, _ in work2)
    report("iou per image (cells)", ncells2, best(lambda: [M.iou(d, g, c) for d, g, c in work2]))


if __name__ == "__main__":
    main()
