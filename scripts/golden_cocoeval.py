#!/usr/bin/env python3
"""Golden outputs for cocokit's COCO detection evaluation (src/eval/cocoeval), from pycocotools 2.0.11.

Run from the repository root with the project venv:

    /work/venv/bin/python scripts/golden_cocoeval.py

Writes small synthetic inputs under fixtures/cocoeval/<case>/{gt,results}.json (deterministic: fixed seeds,
no time or hash dependence) and, per case, fixtures/golden/cocoeval/<case>.json with what pycocotools'
COCOeval computes for each evaluation of the case: the 12 stats, the 12 printed summary lines, per-class
AP/AP50/AP75/AR (area 'all', maxDets[2]), the full recall array and, per (t, k, a, m), the sum over
recall thresholds of precision and of scores (plain left-to-right sums). The cocoapi-val2014-100 case reads
fixtures and only writes its golden file.
"""

import contextlib
import copy
import io
import json
import os
import random
import sys

import numpy as np
from pycocotools import mask as maskUtils
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIX = os.path.join(ROOT, "fixtures", "cocoeval")
GOLD = os.path.join(ROOT, "fixtures", "golden", "cocoeval")
SHARED = os.path.join(ROOT, "fixtures", "cocoapi-val2014-100")


# ----------------------------------------------------------------------------------------------- helpers

def r2(x):
    return round(x, 2)


def box_polygon(x, y, w, h, rng, n=8):
    """A jittered polygon inside the box (n vertices around an ellipse)."""
    import math
    cx, cy = x + w / 2, y + h / 2
    pts = []
    for i in range(n):
        a = 2 * math.pi * i / n
        f = rng.uniform(0.75, 1.0)
        pts += [r2(cx + f * (w / 2) * math.cos(a)), r2(cy + f * (h / 2) * math.sin(a))]
    return [pts]


def rle_of(seg, h, w):
    if isinstance(seg, list):
        return maskUtils.merge(maskUtils.frPyObjects(seg, h, w))
    if isinstance(seg["counts"], list):
        return maskUtils.frPyObjects(seg, h, w)
    return seg


def compressed(seg, h, w):
    r = rle_of(seg, h, w)
    return {"size": [int(r["size"][0]), int(r["size"][1])], "counts": r["counts"].decode("ascii")}


def uncompressed_crowd(x, y, w, h, H, W):
    """An uncompressed RLE (as crowd annotations in COCO files have) covering a box."""
    m = np.zeros((H, W), dtype=np.uint8, order="F")
    m[int(y):int(y + h), int(x):int(x + w)] = 1
    flat = m.flatten(order="F")
    counts, prev, run = [], 0, 0
    for v in flat:
        if v != prev:
            counts.append(run)
            run = 0
            prev = v
        run += 1
    counts.append(run)
    return {"size": [H, W], "counts": [int(c) for c in counts]}


class Builder:
    """A synthetic ground truth and results, built object by object."""

    def __init__(self, seed, cats=(1, 3, 7), id_base=1):
        self.rng = random.Random(seed)
        self.images, self.anns, self.res = [], [], []
        self.cats = [{"id": c, "name": "cat%d" % c, "supercategory": "thing"} for c in cats]
        self.next_id = id_base

    def image(self, iid, w=120, h=90):
        self.images.append({"id": iid, "width": w, "height": h, "file_name": "%d.jpg" % iid})
        return iid

    def dims(self, iid):
        im = next(i for i in self.images if i["id"] == iid)
        return im["height"], im["width"]

    def gt(self, iid, cat, x, y, w, h, crowd=0, area=None, ann_id=None):
        H, W = self.dims(iid)
        if crowd:
            seg = uncompressed_crowd(x, y, w, h, H, W)
        else:
            seg = box_polygon(x, y, w, h, self.rng)
        if area is None:
            area = float(maskUtils.area(rle_of(seg, H, W)))
        if ann_id is None:
            ann_id = self.next_id
            self.next_id += 1
        self.anns.append({"id": ann_id, "image_id": iid, "category_id": cat, "bbox": [x, y, w, h],
                          "area": area, "iscrowd": crowd, "segmentation": seg})
        return self.anns[-1]

    def det(self, iid, cat, x, y, w, h, score, with_bbox=True, with_segm=True):
        H, W = self.dims(iid)
        d = {"image_id": iid, "category_id": cat}
        if with_bbox:
            d["bbox"] = [x, y, w, h]
        if with_segm:
            d["segmentation"] = compressed(box_polygon(x, y, w, h, self.rng), H, W)
        d["score"] = score
        self.res.append(d)
        return d

    def near(self, g, score, jitter=None, **kw):
        """A detection near a ground truth box (a random amount of jitter unless given)."""
        if jitter is None:
            jitter = self.rng.choice([0.02, 0.05, 0.1, 0.2, 0.35])
        x, y, w, h = g["bbox"]
        j = lambda v: v * self.rng.uniform(-jitter, jitter)
        nx, ny = r2(max(0.0, x + j(w))), r2(max(0.0, y + j(h)))
        nw, nh = r2(max(1.0, w * (1 + j(1)))), r2(max(1.0, h * (1 + j(1))))
        return self.det(g["image_id"], g["category_id"], nx, ny, nw, nh, score, **kw)

    def random_det(self, iid, cat, score, minsz=2, maxsz=40, **kw):
        H, W = self.dims(iid)
        w = r2(self.rng.uniform(minsz, maxsz))
        h = r2(self.rng.uniform(minsz, maxsz))
        x = r2(self.rng.uniform(0, max(0.0, W - w)))
        y = r2(self.rng.uniform(0, max(0.0, H - h)))
        return self.det(iid, cat, x, y, w, h, score, **kw)

    def random_gt(self, iid, cat, minsz=4, maxsz=50, **kw):
        H, W = self.dims(iid)
        w = r2(self.rng.uniform(minsz, maxsz))
        h = r2(self.rng.uniform(minsz, maxsz))
        x = r2(self.rng.uniform(0, max(0.0, W - w)))
        y = r2(self.rng.uniform(0, max(0.0, H - h)))
        return self.gt(iid, cat, x, y, w, h, **kw)

    def score(self):
        return round(self.rng.random(), 3)

    def dataset(self):
        return {"images": self.images, "annotations": self.anns, "categories": self.cats}


def populate(b, images, per_image=(1, 5), fp=(0, 3), cats=None, size=(4, 50)):
    """Typical content: some objects per image, detections near most, false positives."""
    cats = cats or [c["id"] for c in b.cats]
    for iid in images:
        for _ in range(b.rng.randint(*per_image)):
            g = b.random_gt(iid, b.rng.choice(cats), size[0], size[1])
            for _ in range(b.rng.choice([0, 1, 1, 1, 2])):
                b.near(g, b.score())
        for _ in range(b.rng.randint(*fp)):
            b.random_det(iid, b.rng.choice(cats), b.score())


# ----------------------------------------------------------------------------------------------- cases

def case_basic():
    b = Builder(1)
    for i in range(1, 13):
        b.image(i, 320, 240)
    populate(b, range(1, 13), size=(3, 160))
    # a few crowd regions with detections inside them
    c = b.gt(3, 1, 10, 10, 60, 50, crowd=1)
    b.det(3, 1, 15, 12, 20, 20, 0.77)
    b.det(3, 1, 40, 30, 25, 25, 0.35)
    b.near(c, 0.5)
    return b, [dict(iouType="bbox"), dict(iouType="segm")]


def case_empty_results():
    b = Builder(2)
    for i in range(1, 5):
        b.image(i)
    populate(b, range(1, 5))
    b.res = []
    return b, [dict(iouType="bbox"), dict(iouType="segm")]


def case_images_without_gt():
    b = Builder(3)
    for i in range(1, 11):
        b.image(i)
    populate(b, range(1, 6))
    for iid in range(6, 11):  # only detections here
        for _ in range(b.rng.randint(0, 4)):
            b.random_det(iid, b.rng.choice([1, 3, 7]), b.score())
    return b, [dict(iouType="bbox"), dict(iouType="segm")]


def case_all_crowd():
    b = Builder(4)
    for i in range(1, 9):
        b.image(i)
    populate(b, range(1, 5))
    for iid in range(5, 9):  # every ground truth here is crowd
        for _ in range(b.rng.randint(1, 3)):
            cat = b.rng.choice([1, 3, 7])
            w, h = b.rng.randint(10, 60), b.rng.randint(10, 50)
            x, y = b.rng.randint(0, 120 - w), b.rng.randint(0, 90 - h)
            g = b.gt(iid, cat, x, y, w, h, crowd=1)
            for _ in range(b.rng.randint(1, 4)):
                b.near(g, b.score(), jitter=0.4)
    return b, [dict(iouType="bbox"), dict(iouType="segm")]


def case_tied_scores():
    b = Builder(5)
    for i in range(1, 9):
        b.image(i)
    populate(b, range(1, 9), per_image=(2, 6), fp=(1, 4))
    for d in b.res:  # only three distinct scores: ties within and across images
        d["score"] = b.rng.choice([0.25, 0.5, 0.5, 0.9])
    return b, [dict(iouType="bbox"), dict(iouType="segm")]


def case_area_ranges():
    b = Builder(6)
    for i in range(1, 9):
        b.image(i, 320, 240)
    # objects from tiny to large (areas around the 32² and 96² bounds), detections of all sizes
    for iid in range(1, 9):
        for _ in range(b.rng.randint(2, 5)):
            side = b.rng.choice([5, 20, 31.5, 32, 33, 60, 95, 96, 97, 150])
            g = b.random_gt(iid, b.rng.choice([1, 3, 7]), side * 0.8, side * 1.2)
            for _ in range(b.rng.choice([1, 1, 2])):
                b.near(g, b.score(), jitter=0.3)
        for _ in range(3):
            b.random_det(iid, b.rng.choice([1, 3, 7]), b.score(), 2, 200)
    # ground truth whose file area disagrees with its box (area ranges use the file's area)
    b.gt(1, 1, 10, 10, 100, 100, area=500.0)
    b.det(1, 1, 11, 11, 99, 99, 0.95)
    b.gt(2, 3, 50, 50, 10, 10, area=20000.0)
    b.det(2, 3, 50, 50, 10, 11, 0.6)
    return b, [dict(iouType="bbox"), dict(iouType="segm")]


def case_many_dets():
    b = Builder(7)
    for i in range(1, 5):
        b.image(i, 200, 150)
    populate(b, range(1, 5), per_image=(5, 12), fp=(0, 2), size=(5, 60))
    for iid in (1, 2):  # well over 100 detections per image, spread over categories and scores
        for _ in range(170):
            b.random_det(iid, b.rng.choice([1, 3, 7]), b.score(), 3, 70)
    for _ in range(130):  # and over 100 in a single image × category
        b.random_det(3, 1, b.score(), 3, 70)
    return b, [dict(iouType="bbox"), dict(iouType="segm"), dict(iouType="bbox", maxDets=[1, 10, 300])]


def case_custom_params():
    b = Builder(8)
    for i in range(1, 11):
        b.image(i, 200, 150)
    populate(b, range(1, 11), per_image=(2, 8), fp=(1, 6), size=(4, 90))
    rngs = [[0, 1e10], [0, 400], [400, 2500], [2500, 1e10]]
    return b, [
        dict(iouType="bbox", maxDets=[1, 5, 20]),
        dict(iouType="segm", maxDets=[20, 1, 5]),
        dict(iouType="bbox", maxDets=[2, 30, 100, 7]),
        dict(iouType="bbox", areaRng=rngs),
        dict(iouType="segm", areaRng=rngs, maxDets=[1, 3, 10]),
        dict(iouType="bbox", areaRng=[[0, 1e10], [100, 900], [0, 100]], areaRngLbl=["all", "medium", "small"]),
    ]


def case_no_cats():
    b = Builder(9)
    for i in range(1, 9):
        b.image(i)
    populate(b, range(1, 9), per_image=(1, 6), fp=(0, 4))
    # detections with the wrong category still match without categories
    for g in b.anns[:6]:
        d = b.near(g, b.score())
        d["category_id"] = 7 if g["category_id"] != 7 else 1
    return b, [dict(iouType="bbox", useCats=0), dict(iouType="segm", useCats=0),
               dict(iouType="bbox", useCats=0, catIds=[7, 1])]


def case_filtered_ids():
    b = Builder(10)
    for i in range(1, 11):
        b.image(i * 10)
    populate(b, [i * 10 for i in range(1, 11)], per_image=(1, 5))
    return b, [dict(iouType="bbox", imgIds=[30, 10, 50, 70, 10]), dict(iouType="segm", catIds=[7, 3]),
               dict(iouType="bbox", imgIds=[20, 40], catIds=[1])]


def case_gt_id_zero():
    b = Builder(11, id_base=0)  # the first annotation gets id 0; one id above 2**32
    for i in range(1, 5):
        b.image(i)
    g0 = b.gt(1, 1, 10, 10, 30, 30)
    b.det(1, 1, 10, 10, 30, 30, 0.9)   # matches id 0: pycocotools counts it as a false positive
    b.det(1, 1, 11, 10, 30, 30, 0.8)
    b.gt(2, 3, 20, 20, 40, 30, ann_id=900100000257)
    b.det(2, 3, 21, 20, 40, 30, 0.7)
    populate(b, range(1, 5))
    assert g0["id"] == 0
    return b, [dict(iouType="bbox"), dict(iouType="segm")]


def case_mask_results():
    """Results with a segmentation and no bbox: loadRes's mask branch (area and bbox from the mask)."""
    b = Builder(12)
    for i in range(1, 9):
        b.image(i, 140, 100)
    populate(b, range(1, 9), per_image=(1, 6), fp=(0, 3), size=(3, 80))
    for d in b.res:
        del d["bbox"]
    # one result keeps its own bbox (loadRes keeps a given bbox in the mask branch)
    b.res[3]["bbox"] = [1.0, 2.0, 30.0, 40.0]
    return b, [dict(iouType="segm"), dict(iouType="bbox")]


def case_box_results_segm():
    """Box-only results evaluated as segm: loadRes turns each box into a polygon; areas are w*h."""
    b = Builder(13)
    for i in range(1, 9):
        b.image(i)
    populate(b, range(1, 9), per_image=(1, 6), fp=(0, 3), size=(3, 70))
    for d in b.res:
        del d["segmentation"]
    return b, [dict(iouType="segm"), dict(iouType="bbox")]


def case_random_mix():
    """Many small images with everything mixed: crowds, tiny and large objects, ties, duplicate boxes,
    detections of absent categories, images with only crowds or only detections."""
    b = Builder(14, cats=(2, 5, 9, 11))
    for i in range(1, 41):
        b.image(i * 3, b.rng.choice([64, 100, 150]), b.rng.choice([48, 80, 120]))
    for im in list(b.images):
        iid, W, H = im["id"], im["width"], im["height"]
        for _ in range(b.rng.randint(0, 5)):
            cat = b.rng.choice([2, 5, 9, 11])
            w, h = b.rng.randint(2, W // 2), b.rng.randint(2, H // 2)
            x, y = b.rng.randint(0, W - w), b.rng.randint(0, H - h)
            g = b.gt(iid, cat, x, y, w, h, crowd=int(b.rng.random() < 0.15))
            for _ in range(b.rng.choice([0, 1, 1, 2, 3])):
                d = b.near(g, b.rng.choice([0.1, 0.5, 0.5, 0.9, b.score()]))
                if b.rng.random() < 0.1:  # an exact duplicate detection
                    b.res.append(copy.deepcopy(d))
        for _ in range(b.rng.randint(0, 4)):
            b.random_det(iid, b.rng.choice([2, 5, 9, 11]), b.score(), 2, min(W, H) - 1)
    return b, [dict(iouType="bbox"), dict(iouType="segm"), dict(iouType="bbox", useCats=0),
               dict(iouType="segm", maxDets=[1, 2, 3]), dict(iouType="bbox", maxDets=[1, 2, 3],
               areaRng=[[0, 1e10], [0, 300], [300, 1500], [1500, 1e10]])]


CASES = {
    "basic": case_basic,
    "empty_results": case_empty_results,
    "images_without_gt": case_images_without_gt,
    "all_crowd": case_all_crowd,
    "tied_scores": case_tied_scores,
    "area_ranges": case_area_ranges,
    "many_dets": case_many_dets,
    "custom_params": case_custom_params,
    "no_cats": case_no_cats,
    "filtered_ids": case_filtered_ids,
    "gt_id_zero": case_gt_id_zero,
    "mask_results": case_mask_results,
    "box_results_segm": case_box_results_segm,
    "random_mix": case_random_mix,
}


# ----------------------------------------------------------------------------------------------- evaluation

def coco_from(dataset):
    c = COCO()
    c.dataset = copy.deepcopy(dataset)
    with contextlib.redirect_stdout(io.StringIO()):
        c.createIndex()
    return c


def load_res(coco_gt, results):
    if not results:  # loadRes cannot take an empty list; an empty results COCO object is what it means
        c = COCO()
        c.dataset = {"images": list(coco_gt.dataset["images"]), "categories": copy.deepcopy(coco_gt.dataset["categories"]),
                     "annotations": []}
        with contextlib.redirect_stdout(io.StringIO()):
            c.createIndex()
        return c
    with contextlib.redirect_stdout(io.StringIO()):
        return coco_gt.loadRes(copy.deepcopy(results))


def class_mean(arr, k, aind, mind, t=None):
    s = arr if t is None else arr[t]
    s = s[:, :, k] if arr.ndim == 5 else s[:, k]
    s = s[..., aind, mind]
    s = s[s > -1]
    return -1.0 if len(s) == 0 else float(np.mean(s))


def run_eval(coco_gt, results, spec):
    coco_dt = load_res(coco_gt, results)
    E = COCOeval(coco_gt, coco_dt, spec["iouType"])
    if "imgIds" in spec:
        E.params.imgIds = spec["imgIds"]
    if "catIds" in spec:
        E.params.catIds = spec["catIds"]
    if "maxDets" in spec:
        E.params.maxDets = spec["maxDets"]
    if "areaRng" in spec:
        E.params.areaRng = spec["areaRng"]
        E.params.areaRngLbl = spec.get("areaRngLbl", ["all", "small", "medium", "large"])
    if "useCats" in spec:
        E.params.useCats = spec["useCats"]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        E.evaluate()
        E.accumulate()
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
            per_class.append({
                "category_id": int(cid),
                "ap": class_mean(prec, k, aind, mind),
                "ap50": class_mean(prec, k, aind, mind, t50),
                "ap75": class_mean(prec, k, aind, mind, t75),
                "ar100": class_mean(rec, k, aind, mind),
            })
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
    return {
        "params": {k: v for k, v in spec.items()},
        "counts": [T, R, K, A, M],
        "stats": [float(x) for x in E.stats],
        "lines": printed.getvalue().rstrip("\n").split("\n"),
        "per_class": per_class,
        "recall": [float(x) for x in rec.flatten()],
        "precision_sum_r": psum,
        "scores_sum_r": ssum,
    }


def write_json(path, obj, indent=None):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(obj, f, indent=indent)
        f.write("\n")


def main():
    from importlib.metadata import version
    assert version("pycocotools") == "2.0.11", "goldens are pinned to pycocotools 2.0.11"
    only = set(sys.argv[1:])
    for name, fn in CASES.items():
        if only and name not in only:
            continue
        b, specs = fn()
        gt, res = b.dataset(), b.res
        write_json(os.path.join(FIX, name, "gt.json"), gt)
        write_json(os.path.join(FIX, name, "results.json"), res)
        coco_gt = coco_from(gt)
        evals = [run_eval(coco_gt, res, s) for s in specs]
        write_json(os.path.join(GOLD, name + ".json"), {
            "gt": "fixtures/cocoeval/%s/gt.json" % name,
            "results": "fixtures/cocoeval/%s/results.json" % name,
            "evals": evals,
        })
        print(name, [e["stats"][0] for e in evals])

    if not only or "cocoapi100" in only:
        gt_path = os.path.join(SHARED, "instances_val2014_100.json")
        with open(gt_path) as f:
            gt = json.load(f)
        coco_gt = coco_from(gt)
        evals = []
        for iou, resf in (("bbox", "instances_val2014_fakebbox100_results.json"),
                          ("segm", "instances_val2014_fakesegm100_results.json")):
            with open(os.path.join(SHARED, resf)) as f:
                res = json.load(f)
            e = run_eval(coco_gt, res, {"iouType": iou})
            e["results"] = "fixtures/cocoapi-val2014-100/" + resf
            evals.append(e)
        write_json(os.path.join(GOLD, "cocoapi100.json"), {
            "gt": "fixtures/cocoapi-val2014-100/instances_val2014_100.json",
            "evals": evals,
        })
        print("cocoapi100", [e["stats"][0] for e in evals])


if __name__ == "__main__":
    main()
