#!/usr/bin/env python3
"""Timings of the mask operations that `examples/mask_bench.rs` times in cocokit, in pycocotools 2.0.11 and
in the Python mask modules of cocokit and its peers (issue 20's "mask.encode/decode/iou/frPyObjects each
>= 2x pycocotools and at least as fast as the fastest peer's same call").

    bench/venv/bin/python bench/mask_bench.py [--data fixtures] [--tools pycocotools,cocokit,...]
    cargo run --release --example mask_bench -- [--data fixtures]

--tools: comma-separated subset of pycocotools, cocokit (cocokit.mask), faster-coco-eval
(faster_coco_eval.core.mask), hotcoco (hotcoco.mask), ultrafast-pycocotools (ultrafast_pycocotools.mask);
default pycocotools only. A tool that is not importable is skipped with a note; an operation a tool
does not accept is reported as n/a. vernier (0.5.4) is not among them: it has no public mask module.
Same masks for every tool: every annotation of the cocoapi val2014 (100 images), COCO val2017 tiny and
LVIS val (100 images) ground truths, plus the cocoapi fake segm results for IoU; prepared with pycocotools.
Single thread; CPU time of the thread (time.thread_time), so a busy machine skews less. The tools are
timed one after the other in one process, operation by operation.
Each line: operation, tool, number of items per round, microseconds per item (best of 5 rounds of ~0.3 s).
"""
import argparse
import contextlib
import importlib
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


MODULES = {
    "pycocotools": "pycocotools.mask",
    "cocokit": "cocokit.mask",
    "faster-coco-eval": "faster_coco_eval.core.mask",
    "hotcoco": "hotcoco.mask",
    "ultrafast-pycocotools": "ultrafast_pycocotools.mask",
}


def report(name, n, secs, tool="pycocotools"):
    if secs is None:
        print("%-28s %-22s %7d items  %10s us/item" % (name, tool, n, "n/a"))
    else:
        print("%-28s %-22s %7d items  %10.3f us/item" % (name, tool, n, secs / n * 1e6))


def compare(name, n, tools, fn):
    """Time fn(module) for every tool; a tool whose call raises is reported n/a."""
    for tool, mod in tools:
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                fn(mod)
        except Exception as e:  # noqa: BLE001 - a peer's API differs: reported, not fatal
            report(name, n, None, tool)
            print("    (%s: %s: %s)" % (tool, type(e).__name__, str(e)[:80]))
            continue
        report(name, n, best(lambda mod=mod: fn(mod)), tool)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="fixtures")
    ap.add_argument("--tools", default="pycocotools")
    a = ap.parse_args()
    tools = []
    for tool in a.tools.split(","):
        try:
            tools.append((tool, importlib.import_module(MODULES[tool])))
        except ImportError as e:
            print("# %s skipped: %s" % (tool, e))
    cocos = []
    for f in FILES:
        with contextlib.redirect_stdout(io.StringIO()):
            cocos.append(COCO(os.path.join(a.data, f)))
    anns = [(c, ann) for c in cocos for ann in c.dataset["annotations"] if ann.get("segmentation")]
    polys = [(c, ann) for c, ann in anns if isinstance(ann["segmentation"], list)]
    if a.tools == "pycocotools":
        report("annToRLE (polygons)", len(polys), best(lambda: [c.annToRLE(x) for c, x in polys]))
    sized = [(x["segmentation"], c.imgs[x["image_id"]]["height"], c.imgs[x["image_id"]]["width"])
             for c, x in polys]
    compare("frPyObjects (polygons)", len(sized), tools,
            lambda m: [m.frPyObjects(p, h, w) for p, h, w in sized])
    rles = [c.annToRLE(x) for c, x in anns]
    bitmaps = [np.asfortranarray(M.decode(r)) for r in rles]
    compare("encode (bitmap->string)", len(bitmaps), tools, lambda m: [m.encode(b) for b in bitmaps])
    compare("decode (string->bitmap)", len(rles), tools, lambda m: [m.decode(r) for r in rles])
    compare("area", len(rles), tools, lambda m: [m.area(r) for r in rles])
    compare("toBbox", len(rles), tools, lambda m: [m.toBbox(r) for r in rles])
    # merge: union of all masks of each image
    groups = {}
    for (c, ann), r in zip(anns, rles):
        groups.setdefault((id(c), ann["image_id"]), []).append(r)
    glist = [g for g in groups.values() if len(g) > 1]
    nmerged = sum(len(g) for g in glist)
    compare("merge union (per input)", nmerged, tools, lambda m: [m.merge(g) for g in glist])
    compare("merge inter (per input)", nmerged, tools, lambda m: [m.merge(g, intersect=True) for g in glist])
    # iou: cocoapi fake segm results vs ground truth, per image x category as COCOeval does
    gt = cocos[0]
    with open(os.path.join(a.data, "cocoapi-val2014-100/instances_val2014_fakesegm100_results.json")) as f:
        dts = json.load(f)
    pairs = {}
    for d in dts:
        pairs.setdefault((d["image_id"], d["category_id"]), ([], []))[0].append(d["segmentation"])
    for g in gt.dataset["annotations"]:
        key = (g["image_id"], g["category_id"])
        if key in pairs:
            pairs[key][1].append((gt.annToRLE(g), g["iscrowd"]))
    work = [(d, [r for r, _ in g], [c for _, c in g]) for d, g in pairs.values() if d and g]
    ncells = sum(len(d) * len(g) for d, g, _ in work)
    compare("iou per img x cat (cells)", ncells, tools, lambda m: [m.iou(d, g, c) for d, g, c in work])
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
    compare("iou per image (cells)", ncells2, tools, lambda m: [m.iou(d, g, c) for d, g, c in work2])


if __name__ == "__main__":
    main()
