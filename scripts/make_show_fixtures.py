#!/usr/bin/env python3
"""Predictions for `cocokit show` and the report's tests and --help examples: fixtures/show/sample_results.json.

Run from the repository root with the reference venv:

    /work/refvenv/bin/python scripts/make_show_fixtures.py

From panopticapi's sample (fixtures/panoptic/sample_data/panoptic_coco_detection_format.json, 2 COCO val2017
images whose photos are in fixtures/panoptic/sample_data/input_images), deterministic (fixed seed): for each
regular ground truth, with probability 0.75 a prediction of its category whose mask is the ground truth's
shifted by a few pixels (box from that mask, score 0.55..0.99), else none (a miss); per image 2 false
positives (a box-shaped mask of a random category, score 0.6..0.9) and 2 predictions under the default score
threshold of 0.5 (score 0.1..0.4). Masks are compressed RLE.
"""

import json
import os
import random

import numpy as np
from pycocotools import mask as maskUtils

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SRC = os.path.join(ROOT, "fixtures", "panoptic", "sample_data", "panoptic_coco_detection_format.json")
OUT = os.path.join(ROOT, "fixtures", "show", "sample_results.json")


def rle_of(m):
    r = maskUtils.encode(np.asfortranarray(m.astype(np.uint8)))
    return {"size": [int(s) for s in r["size"]], "counts": r["counts"].decode("ascii")}


def main():
    rng = random.Random(22)
    ds = json.load(open(SRC))
    size = {im["id"]: (im["height"], im["width"]) for im in ds["images"]}
    cats = [c["id"] for c in ds["categories"] if c.get("isthing", 1) == 1] or [c["id"] for c in ds["categories"]]
    out = []
    for a in ds["annotations"]:
        if a.get("iscrowd", 0):
            continue
        if rng.random() >= 0.75:
            continue
        h, w = size[a["image_id"]]
        m = maskUtils.decode(maskUtils.frPyObjects(a["segmentation"], h, w) if isinstance(a["segmentation"], list)
                             else a["segmentation"])
        if m.ndim == 3:
            m = m.max(axis=2)
        dy, dx = rng.randint(-4, 4), rng.randint(-4, 4)
        m = np.roll(np.roll(m, dy, axis=0), dx, axis=1)
        r = rle_of(m)
        out.append({"image_id": a["image_id"], "category_id": a["category_id"], "segmentation": r,
                    "bbox": [float(v) for v in maskUtils.toBbox(maskUtils.encode(np.asfortranarray(m)))],
                    "score": round(rng.uniform(0.55, 0.99), 3)})
    for im in ds["images"]:
        h, w = im["height"], im["width"]
        for lo, hi in [(0.6, 0.9), (0.6, 0.9), (0.1, 0.4), (0.1, 0.4)]:
            bw, bh = rng.randint(40, 160), rng.randint(40, 120)
            x, y = rng.randint(0, w - bw - 1), rng.randint(0, h - bh - 1)
            m = np.zeros((h, w), np.uint8)
            m[y:y + bh, x:x + bw] = 1
            out.append({"image_id": im["id"], "category_id": rng.choice(cats), "segmentation": rle_of(m),
                        "bbox": [float(x), float(y), float(bw), float(bh)], "score": round(rng.uniform(lo, hi), 3)})
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(out, f)
        f.write("\n")
    print(len(out), "predictions")


if __name__ == "__main__":
    main()
