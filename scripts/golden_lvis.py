#!/usr/bin/env python3
"""Golden outputs for `cocokit eval lvis`, from lvis-api 0.5.3 (pip's `lvis`, with pycocotools 2.0.11).

Run from the repository root with the reference venv:

    /work/refvenv/bin/python scripts/golden_lvis.py

lvis 0.5.3's accumulate() uses `np.float`, which numpy >= 1.24 no longer has: it is set to `float` (what
it was an alias of) before running it; nothing else is changed.

Writes seeded synthetic results (and, for the small synthetic cases, ground truths) under
fixtures/lvis-synth/<case>/ and fixtures/golden/lvis/<case>.json with, per evaluation: lvis-api's
`results` in order, the lines `print_results()` prints, per-category AP (mean of precision[:, :, k, 0]
above -1, numpy's mean) and, for each (category, area range) with any value above -1, left-to-right sums
of precision over (t, r) and of recall over t.
"""

import contextlib
import copy
import io
import json
import os
import random
import sys

import numpy as np

np.float = float  # lvis 0.5.3 predates numpy 1.24
from lvis import LVIS, LVISEval, LVISResults  # noqa: E402
from pycocotools import mask as maskUtils  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIX = os.path.join(ROOT, "fixtures", "lvis-synth")
GOLD = os.path.join(ROOT, "fixtures", "golden", "lvis")
LVIS100 = "fixtures/lvis-val-100/lvis_val_100.json"


def r2(x):
    return round(x, 2)


def box_polygon(x, y, w, h, rng, n=8):
    import math
    cx, cy = x + w / 2, y + h / 2
    pts = []
    for i in range(n):
        a = 2 * math.pi * i / n
        f = rng.uniform(0.75, 1.0)
        pts += [r2(cx + f * (w / 2) * math.cos(a)), r2(cy + f * (h / 2) * math.sin(a))]
    return [pts]


def rle_str(poly, H, W):
    r = maskUtils.merge(maskUtils.frPyObjects(poly, H, W))
    return {"size": [int(r["size"][0]), int(r["size"][1])], "counts": r["counts"].decode("ascii")}


class Results:
    def __init__(self, gt, seed, with_segm=True, with_bbox=True):
        self.rng = random.Random(seed)
        self.gt = gt
        self.dims = {im["id"]: (im["height"], im["width"]) for im in gt["images"]}
        self.res = []
        self.with_segm, self.with_bbox = with_segm, with_bbox

    def score(self):
        return round(self.rng.random(), 3)

    def det(self, iid, cat, x, y, w, h, score):
        H, W = self.dims[iid]
        w, h = max(1.0, min(w, W - x)), max(1.0, min(h, H - y))
        d = {"image_id": iid, "category_id": cat}
        if self.with_bbox:
            d["bbox"] = [r2(x), r2(y), r2(w), r2(h)]
        if self.with_segm:
            d["segmentation"] = rle_str(box_polygon(x, y, w, h, self.rng), H, W)
        d["score"] = score
        self.res.append(d)

    def near(self, ann, jitter=None):
        if jitter is None:
            jitter = self.rng.choice([0.02, 0.05, 0.1, 0.2, 0.4])
        x, y, w, h = ann["bbox"]
        j = lambda v: v * self.rng.uniform(-jitter, jitter)
        self.det(ann["image_id"], ann["category_id"], max(0.0, x + j(w)), max(0.0, y + j(h)),
                 w * (1 + j(1)), h * (1 + j(1)), self.score())

    def random(self, iid, cat, score=None):
        H, W = self.dims[iid]
        w, h = self.rng.uniform(4, W / 2), self.rng.uniform(4, H / 2)
        self.det(iid, cat, self.rng.uniform(0, W - w), self.rng.uniform(0, H - h), w, h,
                 self.score() if score is None else score)


def populate(r, fp=(0, 4)):
    gt = r.gt
    cat_ids = [c["id"] for c in gt["categories"]]
    for a in gt["annotations"]:
        for _ in range(r.rng.choice([0, 1, 1, 1, 2])):
            r.near(a)
    present = {}
    for a in gt["annotations"]:
        present.setdefault(a["image_id"], set()).add(a["category_id"])
    for im in gt["images"]:
        iid = im["id"]
        for _ in range(r.rng.randint(*fp)):
            pool = []
            if im.get("neg_category_ids"):
                pool.append(im["neg_category_ids"])
            if im.get("not_exhaustive_category_ids"):
                pool.append(im["not_exhaustive_category_ids"])
            if present.get(iid):
                pool.append(sorted(present[iid]))
            pool.append(cat_ids)  # mostly dropped: neither present nor negative
            r.random(iid, r.rng.choice(r.rng.choice(pool)))


# ----------------------------------------------------------------------------------------------- cases

def load(path):
    with open(os.path.join(ROOT, path)) as f:
        return json.load(f)


def case_val100():
    gt = load(LVIS100)
    r = Results(gt, 201)
    populate(r)
    # one image with more than 300 results, many of equal score: lvis-api's per-image cut
    im = gt["images"][3]
    anns = [a for a in gt["annotations"] if a["image_id"] == im["id"]]
    cats = sorted({a["category_id"] for a in anns}) + im["neg_category_ids"]
    for i in range(340):
        r.random(im["id"], cats[i % len(cats)], score=r.rng.choice([0.05, 0.1, 0.1, 0.3, r.score()]))
    for a in anns[:3]:
        for _ in range(2):
            r.near(a, 0.05)
    return LVIS100, r.res, [("bbox", 300), ("segm", 300), ("bbox", 20)]


def case_val100_masks():
    """Results with a segmentation and no bbox: LVISResults' mask branch (area and box from the mask)."""
    gt = load(LVIS100)
    r = Results(gt, 202, with_bbox=False)
    populate(r, fp=(0, 2))
    return LVIS100, r.res, [("segm", 300), ("bbox", 300)]


def small_gt(seed):
    """A small LVIS-like ground truth: frequency groups with an empty one (no 'c'), areas 0, images with
    empty lists, negative and not-exhaustive categories, an image without annotations."""
    rng = random.Random(seed)
    cats = [{"id": i, "name": "c%d" % i, "frequency": "r" if i % 2 else "f", "synonyms": [], "synset": "x"}
            for i in range(1, 9)]
    images, anns = [], []
    nid = 1
    for iid in range(1, 13):
        W, H = 160, 120
        present = rng.sample(range(1, 9), rng.randint(0, 3)) if iid != 12 else []
        rest = [c for c in range(1, 9) if c not in present]
        neg = rng.sample(rest, min(len(rest), rng.randint(0, 3)))
        nel = rng.sample(present, min(len(present), rng.randint(0, 1)))
        images.append({"id": iid * 7, "width": W, "height": H, "file_name": "%d.jpg" % iid,
                       "neg_category_ids": neg, "not_exhaustive_category_ids": nel})
        for c in present:
            for _ in range(rng.randint(1, 3)):
                w, h = rng.randint(3, 90), rng.randint(3, 70)
                x, y = rng.randint(0, W - w), rng.randint(0, H - h)
                poly = box_polygon(x, y, w, h, rng)
                area = float(maskUtils.area(maskUtils.merge(maskUtils.frPyObjects(poly, H, W))))
                if rng.random() < 0.08:
                    area = 0.0  # left out by lvis-api's area filter
                anns.append({"id": nid, "image_id": iid * 7, "category_id": c, "bbox": [x, y, w, h],
                             "area": area, "segmentation": poly, "iscrowd": int(rng.random() < 0.1)})
                nid += 1
    return {"images": images, "annotations": anns, "categories": cats}


def case_small():
    gt = small_gt(203)
    r = Results(gt, 204)
    populate(r, fp=(1, 6))
    r.res[2]["bbox"][2] = 0.0  # a box result of area 0: left out
    return gt, r.res, [("bbox", 300), ("segm", 300), ("bbox", 3)]


CASES = {"val100": case_val100, "val100_masks": case_val100_masks, "small": case_small}


# ----------------------------------------------------------------------------------------------- evaluation

def run_eval(gt_path, res, iou_type, max_dets):
    with contextlib.redirect_stdout(io.StringIO()):
        lgt = LVIS(gt_path)
        ldt = LVISResults(lgt, copy.deepcopy(res), max_dets=max_dets)
        E = LVISEval(lgt, ldt, iou_type)
        E.params.max_dets = max_dets
        E.run()
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        E.print_results()
    prec, rec = E.eval["precision"], E.eval["recall"]
    T, R, K, A = prec.shape
    per_cat, sums = [], []
    for k, cid in enumerate(E.params.cat_ids):
        s = prec[:, :, k, 0]
        s = s[s > -1]
        per_cat.append({"category_id": int(cid), "ap": -1.0 if len(s) == 0 else float(np.mean(s))})
        for a in range(A):
            if (prec[:, :, k, a] > -1).any() or (rec[:, k, a] > -1).any():
                ps = 0.0
                for t in range(T):
                    for r in range(R):
                        ps += float(prec[t, r, k, a])
                rs = 0.0
                for t in range(T):
                    rs += float(rec[t, k, a])
                sums.append([k, a, ps, rs])
    return {
        "iou_type": iou_type,
        "max_dets": max_dets,
        "counts": [T, R, K, A],
        "results": [[k, float(v)] for k, v in E.results.items()],
        "lines": printed.getvalue().rstrip("\n").split("\n"),
        "per_category": per_cat,
        "sums": sums,
    }


def write_json(path, obj):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(obj, f)
        f.write("\n")


def main():
    from importlib.metadata import version
    assert version("lvis") == "0.5.3", "goldens are pinned to lvis 0.5.3"
    assert version("pycocotools") == "2.0.11"
    only = set(sys.argv[1:])
    for name, fn in CASES.items():
        if only and name not in only:
            continue
        gt, res, specs = fn()
        if isinstance(gt, str):
            gt_rel = gt
        else:
            gt_rel = "fixtures/lvis-synth/%s/gt.json" % name
            write_json(os.path.join(ROOT, gt_rel), gt)
        res_rel = "fixtures/lvis-synth/%s/results.json" % name
        write_json(os.path.join(ROOT, res_rel), res)
        evals = [run_eval(os.path.join(ROOT, gt_rel), res, t, m) for t, m in specs]
        write_json(os.path.join(GOLD, name + ".json"), {"gt": gt_rel, "results": res_rel, "evals": evals})
        print(name, [e["results"][0] for e in evals])


if __name__ == "__main__":
    main()
