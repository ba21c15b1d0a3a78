#!/usr/bin/env python3
"""Golden outputs for results files (a top-level array of detections): `cocokit stats` and `cocokit filter`.

Counts come from pycocotools 2.0.11 (`COCO(gt).loadRes(results)`: its anns, imgToAnns and catToImgs), score
quantiles from numpy.percentile (linear), the filter selection from plain json over the same detections.
Run from the repository root with /work/refvenv/bin/python: python scripts/golden_results.py
Writes fixtures/golden/results/<name>.json; tests/results_files.rs compares exactly.
"""
import io
import json
import os
from collections import defaultdict
from contextlib import redirect_stdout

import numpy as np
from pycocotools.coco import COCO

FIX = os.path.join(os.path.dirname(__file__), "..", "fixtures")
CASES = {
    "fakebbox100": ("cocoapi-val2014-100/instances_val2014_100.json",
                    "cocoapi-val2014-100/instances_val2014_fakebbox100_results.json"),
    "fakesegm100": ("cocoapi-val2014-100/instances_val2014_100.json",
                    "cocoapi-val2014-100/instances_val2014_fakesegm100_results.json"),
    "keypoints": ("keypoints/gt_dataset.json", "keypoints/dt_dataset.json"),
}
# The filter case: these categories, these images, this score threshold (kept: score >= threshold).
FILTER = {"cats": [1, 18], "img_ids": None, "score_thr": 0.5}

out_dir = os.path.join(FIX, "golden", "results")
os.makedirs(out_dir, exist_ok=True)
for name, (gt, res) in CASES.items():
    with redirect_stdout(io.StringIO()):
        coco = COCO(os.path.join(FIX, gt))
        dt = coco.loadRes(os.path.join(FIX, res))
    anns = list(dt.anns.values())
    per_cat = defaultdict(lambda: [0, set()])
    for a in anns:
        per_cat[a["category_id"]][0] += 1
        per_cat[a["category_id"]][1].add(a["image_id"])
    scores = np.array([a["score"] for a in anns], dtype=np.float64)
    q = np.percentile(scores, [0, 25, 50, 75, 100])
    raw = json.load(open(os.path.join(FIX, res)))
    stats = {
        "detections": len(anns),
        "images_covered": len(dt.imgToAnns),
        "score": dict(zip(["min", "p25", "median", "p75", "max"], [float(x) for x in q])),
        "with_bbox": sum(1 for r in raw if "bbox" in r),
        "per_category": [
            {"id": c, "detections": n, "images": len(imgs)} for c, (n, imgs) in sorted(per_cat.items())
        ],
    }
    img_ids = sorted({r["image_id"] for r in raw})[::3]
    sel_cats = set(FILTER["cats"])
    kept = [k for k, r in enumerate(raw) if r["category_id"] in sel_cats and r["score"] >= FILTER["score_thr"]]
    kept_img = [k for k, r in enumerate(raw) if r["image_id"] in set(img_ids)]
    golden = {
        "stats": stats,
        "filter": {"cats": FILTER["cats"], "score_thr": FILTER["score_thr"], "kept": kept},
        "filter_img_ids": {"img_ids": img_ids, "kept": kept_img},
    }
    with open(os.path.join(out_dir, name + ".json"), "w") as f:
        json.dump(golden, f, indent=1)
        f.write("\n")
    print(name, stats["detections"], len(kept), len(kept_img))
