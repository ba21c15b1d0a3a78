#!/usr/bin/env python3
"""Golden PR curves for `cocokit eval coco --pr-curves`, from pycocotools 2.0.11's accumulated precision array.

Run from the repository root with the reference venv:

    /work/refvenv/bin/python scripts/golden_pr_curves.py

For cocoapi-val2014-100 (bbox and segm fake results) it runs COCOeval (evaluate, accumulate) and writes
fixtures/golden/pr_curves/<case>.json: the recall thresholds and, for the curve over all categories and each
category with ground truth, the precision at each recall threshold for IoU 0.50, IoU 0.75 and the mean over
the 10 IoU thresholds — precision[t, :, k, a=all, m=maxDets 100]; a mean is np.mean(s[s > -1]) of the
values at one recall threshold (s = precision[ts, r, ks, 0, 2] flattened in C order), as _summarize averages.
A category whose precision is -1 everywhere (no ground truth) has no curve.
"""

import contextlib
import io
import json
import os

import numpy as np
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SRC = os.path.join(ROOT, "fixtures", "cocoapi-val2014-100")
GOLD = os.path.join(ROOT, "fixtures", "golden", "pr_curves")

CASES = [
    ("val2014_bbox", "instances_val2014_fakebbox100_results.json", "bbox"),
    ("val2014_segm", "instances_val2014_fakesegm100_results.json", "segm"),
]
IOUS = [("0.50", [0]), ("0.75", [5]), ("0.50:0.95", list(range(10)))]


def mean_defined(s):
    s = np.ascontiguousarray(s).ravel()
    s = s[s > -1]
    return -1.0 if len(s) == 0 else float(np.mean(s))


def curve(prec, ks):
    out = {}
    for label, ts in IOUS:
        sub = prec[np.ix_(ts, range(prec.shape[1]), ks)][:, :, :, 0, 2]  # [T, R, K]
        vals = [mean_defined(sub[:, r, :]) for r in range(prec.shape[1])]
        if any(v > -1 for v in vals):
            out[label] = vals
    return out


def main():
    os.makedirs(GOLD, exist_ok=True)
    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO(os.path.join(SRC, "instances_val2014_100.json"))
    for name, res, iou_type in CASES:
        with contextlib.redirect_stdout(io.StringIO()):
            dt = gt.loadRes(os.path.join(SRC, res))
            ev = COCOeval(gt, dt, iou_type)
            ev.evaluate()
            ev.accumulate()
        prec = ev.eval["precision"]
        cats = ev.params.catIds
        curves = [{"category_id": None, "precision": curve(prec, list(range(len(cats))))}]
        for k, cid in enumerate(cats):
            c = curve(prec, [k])
            if c:
                curves.append({"category_id": int(cid), "precision": c})
        out = {
            "gt": "fixtures/cocoapi-val2014-100/instances_val2014_100.json",
            "dt": f"fixtures/cocoapi-val2014-100/{res}",
            "iou_type": iou_type,
            "recall": [float(r) for r in ev.params.recThrs],
            "curves": curves,
        }
        with open(os.path.join(GOLD, name + ".json"), "w") as f:
            json.dump(out, f)
            f.write("\n")
        print(name, len(curves), "curves")


if __name__ == "__main__":
    main()
