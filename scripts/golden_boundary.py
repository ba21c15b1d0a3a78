#!/usr/bin/env python3
"""Golden outputs for `cocokit eval coco --iou-type boundary`, from boundary-iou-api (bowenc0221/boundary-iou-api).

boundary-iou-api is not on PyPI and is not part of this repository: fetch its public repository (commit
used: the default branch's head as fetched) to a folder outside the project and point BOUNDARY_IOU_API at
it, then run from the repository root with the reference venv (pycocotools 2.0.11, opencv, matplotlib):

    BOUNDARY_IOU_API=/work/ref/boundary-iou-api /work/refvenv/bin/python scripts/golden_boundary.py

Two changes to how it runs, neither touching a number: `np.float` (gone from numpy >= 1.24) is set to
`float`, and the per-annotation boundaries are computed in this process (its own
`augment_annotations_with_boundary_single_core`) instead of a multiprocessing pool.

Inputs are the committed cases of fixtures/cocoeval (from scripts/golden_cocoeval.py) and cocoapi's
fake segm results on fixtures/cocoapi-val2014-100; goldens go to fixtures/golden/boundary/<case>.json in
the layout of fixtures/golden/cocoeval (stats, lines, per-class, recall, sums over recall thresholds).
"""

import contextlib
import copy
import io
import json
import os
import sys

import numpy as np

np.float = float  # the reference predates numpy 1.24
sys.path.insert(0, os.environ.get("BOUNDARY_IOU_API", "/work/ref/boundary-iou-api"))
from boundary_iou.coco_instance_api import coco as bcoco  # noqa: E402
from boundary_iou.coco_instance_api.cocoeval import COCOeval  # noqa: E402
from boundary_iou.utils import boundary_utils  # noqa: E402


def augment_here(annotations, ann_to_mask, dilation_ratio=0.02):
    return boundary_utils.augment_annotations_with_boundary_single_core(0, annotations, ann_to_mask, dilation_ratio)


bcoco.augment_annotations_with_boundary_multi_core = augment_here

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GOLD = os.path.join(ROOT, "fixtures", "golden", "boundary")

# (case, results file relative to the case folder or None for fixtures/cocoeval/<case>/results.json, specs)
CASES = [
    ("basic", None, [dict(), dict(dilation_ratio=0.005), dict(dilation_ratio=0.1)]),
    ("all_crowd", None, [dict()]),
    ("area_ranges", None, [dict()]),
    ("tied_scores", None, [dict()]),
    ("gt_id_zero", None, [dict()]),
    ("mask_results", None, [dict()]),
    ("box_results_segm", None, [dict()]),
    ("random_mix", None, [dict(), dict(useCats=0), dict(maxDets=[1, 2, 3])]),
]


def quiet(f, *a, **k):
    with contextlib.redirect_stdout(io.StringIO()):
        return f(*a, **k)


def coco_from(dataset):
    c = bcoco.COCO()
    c.dataset = copy.deepcopy(dataset)
    quiet(c.createIndex)
    return c


def class_mean(arr, k, aind, mind, t=None):
    s = arr if t is None else arr[t]
    s = s[:, :, k] if arr.ndim == 5 else s[:, k]
    s = s[..., aind, mind]
    s = s[s > -1]
    return -1.0 if len(s) == 0 else float(np.mean(s))


def run_eval(gt, results, spec):
    coco_gt = coco_from(gt)
    coco_dt = quiet(coco_gt.loadRes, copy.deepcopy(results))
    ratio = spec.get("dilation_ratio", 0.02)
    E = quiet(COCOeval, coco_gt, coco_dt, "boundary", dilation_ratio=ratio)
    if "maxDets" in spec:
        E.params.maxDets = spec["maxDets"]
    if "useCats" in spec:
        E.params.useCats = spec["useCats"]
    quiet(E.evaluate)
    quiet(E.accumulate)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        E.summarize()
    p = E.params
    prec, rec, sc = E.eval["precision"], E.eval["recall"], E.eval["scores"]
    T, R, K, A, M = prec.shape
    per_class = []
    if p.useCats:
        aind = [i for i, l in enumerate(p.areaRngLbl) if l == "all"]
        mind = [i for i, m in enumerate(p.maxDets) if m == p.maxDets[2]]
        t50 = np.where(0.5 == p.iouThrs)[0]
        t75 = np.where(0.75 == p.iouThrs)[0]
        for k, cid in enumerate(p.catIds):
            per_class.append({"category_id": int(cid), "ap": class_mean(prec, k, aind, mind),
                              "ap50": class_mean(prec, k, aind, mind, t50),
                              "ap75": class_mean(prec, k, aind, mind, t75),
                              "ar100": class_mean(rec, k, aind, mind)})
    psum, ssum = [], []
    for t in range(T):
        for k in range(K):
            for a in range(A):
                for m in range(M):
                    ps = ss = 0.0
                    for r in range(R):
                        ps += float(prec[t, r, k, a, m])
                        ss += float(sc[t, r, k, a, m])
                    psum.append(ps)
                    ssum.append(ss)
    return {"params": dict(spec), "counts": [T, R, K, A, M], "stats": [float(x) for x in E.stats],
            "lines": printed.getvalue().rstrip("\n").split("\n"), "per_class": per_class,
            "recall": [float(x) for x in rec.flatten()], "precision_sum_r": psum, "scores_sum_r": ssum}


def write_json(path, obj):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(obj, f)
        f.write("\n")


def main():
    from importlib.metadata import version
    assert version("pycocotools") == "2.0.11"
    for name, _, specs in CASES:
        gt_rel = "fixtures/cocoeval/%s/gt.json" % name
        res_rel = "fixtures/cocoeval/%s/results.json" % name
        with open(os.path.join(ROOT, gt_rel)) as f:
            gt = json.load(f)
        with open(os.path.join(ROOT, res_rel)) as f:
            res = json.load(f)
        evals = [run_eval(gt, res, s) for s in specs]
        write_json(os.path.join(GOLD, name + ".json"), {"gt": gt_rel, "results": res_rel, "evals": evals})
        print(name, [e["stats"][0] for e in evals])
    gt_rel = "fixtures/cocoapi-val2014-100/instances_val2014_100.json"
    res_rel = "fixtures/cocoapi-val2014-100/instances_val2014_fakesegm100_results.json"
    with open(os.path.join(ROOT, gt_rel)) as f:
        gt = json.load(f)
    with open(os.path.join(ROOT, res_rel)) as f:
        res = json.load(f)
    evals = [run_eval(gt, res, {})]
    write_json(os.path.join(GOLD, "cocoapi100.json"), {"gt": gt_rel, "results": res_rel, "evals": evals})
    print("cocoapi100", evals[0]["stats"][0])

    # mask_to_boundary itself, band by band: the first 60 ground-truth masks of cocoapi-val2014-100 (crowds
    # included) at three ratios, as compressed RLE.
    from pycocotools import mask as maskUtils
    coco_gt = coco_from(gt)
    bands = []
    for ann in gt["annotations"][:60]:
        rle = coco_gt.annToRLE(ann)
        m = maskUtils.decode(rle)
        for ratio in (0.02, 0.005, 0.1):
            b = boundary_utils.mask_to_boundary(m, ratio)
            enc = maskUtils.encode(np.asfortranarray(b.astype(np.uint8)))
            bands.append({"ann_id": ann["id"], "size": [int(x) for x in rle["size"]],
                          "mask": maskUtils.encode(np.asfortranarray(m))["counts"].decode("ascii"),
                          "dilation_ratio": ratio, "boundary": enc["counts"].decode("ascii")})
    write_json(os.path.join(GOLD, "bands.json"), {"bands": bands})
    print("bands", len(bands))


if __name__ == "__main__":
    main()
