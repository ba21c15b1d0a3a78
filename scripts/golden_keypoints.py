#!/usr/bin/env python3
"""Golden outputs for cocokit's keypoint evaluation (COCOeval iouType='keypoints'), from pycocotools 2.0.11.

Run from the repository root with the reference venv:

    /work/refvenv/bin/python scripts/golden_keypoints.py

Writes seeded synthetic inputs under fixtures/keypoints-synth/<case>/{gt,results}.json and, per case,
fixtures/golden/keypoints/<case>.json with what pycocotools computes for each evaluation spec: the 10
stats, the printed lines, per-class AP/AP50/AP75/AR (area 'all', maxDets 20), the recall array and, per
(t, k, a, m), left-to-right sums over recall thresholds of precision and scores (the layout of
fixtures/golden/cocoeval). The `published` case reads fixtures/keypoints (real detections with published
numbers) and only writes its golden file.
"""

import contextlib
import copy
import io
import json
import math
import os
import random
import sys

import numpy as np
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIX = os.path.join(ROOT, "fixtures", "keypoints-synth")
GOLD = os.path.join(ROOT, "fixtures", "golden", "keypoints")

CROWDPOSE_SIGMAS = [.079, .079, .072, .072, .062, .062, .107, .107, .087, .087, .089, .089, .079, .079]


def r2(x):
    return round(x, 2)


class Builder:
    """Ground truth people with keypoints, and detections made from them."""

    def __init__(self, seed, k=17, cats=(1,)):
        self.rng = random.Random(seed)
        self.k = k
        self.images, self.anns, self.res = [], [], []
        self.cats = [{"id": c, "name": "kp%d" % c, "supercategory": "person",
                      "keypoints": ["p%d" % i for i in range(k)], "skeleton": []} for c in cats]
        self.next_id = 1

    def image(self, iid, w=640, h=480):
        self.images.append({"id": iid, "width": w, "height": h, "file_name": "%d.jpg" % iid})
        return iid

    def dims(self, iid):
        im = next(i for i in self.images if i["id"] == iid)
        return im["height"], im["width"]

    def gt(self, iid, cat=1, box=None, p_vis=0.75, crowd=0, num_keypoints=None, area=None):
        H, W = self.dims(iid)
        if box is None:
            w = r2(self.rng.uniform(10, min(W, 300)))
            h = r2(self.rng.uniform(10, min(H, 300)))
            box = [r2(self.rng.uniform(0, W - w)), r2(self.rng.uniform(0, H - h)), w, h]
        x, y, w, h = box
        kps = []
        for _ in range(self.k):
            if self.rng.random() < p_vis:
                kps += [int(x + self.rng.random() * w), int(y + self.rng.random() * h), self.rng.choice([1, 2, 2])]
            else:
                kps += [0, 0, 0]
        nk = sum(1 for v in kps[2::3] if v > 0)
        a = {"id": self.next_id, "image_id": iid, "category_id": cat, "bbox": box,
             "area": area if area is not None else r2(w * h * self.rng.uniform(0.4, 0.9)),
             "iscrowd": crowd, "keypoints": kps,
             "num_keypoints": nk if num_keypoints is None else num_keypoints}
        self.next_id += 1
        self.anns.append(a)
        return a

    def det(self, iid, cat, kps, score, bbox=None):
        d = {"image_id": iid, "category_id": cat, "keypoints": kps, "score": score}
        if bbox is not None:
            d["bbox"] = bbox
        self.res.append(d)
        return d

    def near(self, g, score, jitter=None, bbox=False):
        """Keypoints of a ground truth moved by a noise that scales with its size; invisible ones guessed."""
        if jitter is None:
            jitter = self.rng.choice([0.01, 0.03, 0.06, 0.1, 0.2, 0.4])
        x, y, w, h = g["bbox"]
        s = math.sqrt(max(g["area"], 1.0))
        kps = []
        for i in range(self.k):
            gx, gy, gv = g["keypoints"][3 * i:3 * i + 3]
            if gv == 0:
                gx, gy = x + self.rng.random() * w, y + self.rng.random() * h
            kps += [r2(gx + self.rng.gauss(0, jitter * s)), r2(gy + self.rng.gauss(0, jitter * s)),
                    round(self.rng.random(), 4)]
        bb = None
        if bbox:
            bb = [r2(x + self.rng.uniform(-3, 3)), r2(y + self.rng.uniform(-3, 3)), w, h]
        return self.det(g["image_id"], g["category_id"], kps, self.score(), bb)

    def random_det(self, iid, cat, bbox=False):
        H, W = self.dims(iid)
        w, h = self.rng.uniform(10, 200), self.rng.uniform(10, 200)
        x, y = self.rng.uniform(0, W - w), self.rng.uniform(0, H - h)
        kps = []
        for _ in range(self.k):
            kps += [r2(x + self.rng.random() * w), r2(y + self.rng.random() * h), round(self.rng.random(), 4)]
        bb = [r2(x), r2(y), r2(w), r2(h)] if bbox else None
        return self.det(iid, cat, kps, self.score(), bb)

    def score(self):
        return round(self.rng.random(), 3)

    def dataset(self):
        return {"images": self.images, "annotations": self.anns, "categories": self.cats}


def populate(b, images, per_image=(1, 5), fp=(0, 2), cats=(1,), bbox=False):
    for iid in images:
        for _ in range(b.rng.randint(*per_image)):
            g = b.gt(iid, b.rng.choice(cats))
            for _ in range(b.rng.choice([0, 1, 1, 1, 2])):
                b.near(g, b.score(), bbox=bbox)
        for _ in range(b.rng.randint(*fp)):
            b.random_det(iid, b.rng.choice(cats), bbox=bbox)


# ----------------------------------------------------------------------------------------------- cases

def case_jitter():
    b = Builder(101)
    for i in range(1, 21):
        b.image(i)
    populate(b, range(1, 21), per_image=(1, 6), fp=(0, 3))
    return b, [{}]


def case_zero_visible():
    """Ground truths without visible keypoints: the box-distance fallback, and num_keypoints disagreeing
    with the visibilities (ignore follows num_keypoints, the formula follows the visibilities)."""
    b = Builder(102)
    for i in range(1, 11):
        b.image(i)
    populate(b, range(1, 11), per_image=(1, 3), fp=(0, 2))
    for iid in range(1, 11):
        g = b.gt(iid, p_vis=0.0)  # num_keypoints 0: ignored, fallback OKS
        for _ in range(b.rng.randint(1, 3)):
            b.near(g, b.score(), jitter=b.rng.choice([0.05, 0.3, 1.0]))
        g = b.gt(iid, p_vis=0.0, num_keypoints=3)  # all invisible but counted: fallback OKS, not ignored
        for _ in range(b.rng.randint(0, 2)):
            b.near(g, b.score(), jitter=b.rng.choice([0.05, 0.5, 2.0]))
        g = b.gt(iid, p_vis=0.6, num_keypoints=0)  # visible keypoints but num_keypoints 0: ignored
        b.near(g, b.score(), jitter=0.05)
    return b, [{}]


def case_crowd():
    b = Builder(103)
    for i in range(1, 11):
        b.image(i)
    populate(b, range(1, 11), per_image=(1, 4), fp=(0, 2))
    for iid in range(1, 11, 2):
        g = b.gt(iid, p_vis=0.0, crowd=1, num_keypoints=0)
        for _ in range(b.rng.randint(1, 4)):
            b.near(g, b.score(), jitter=0.2)
        g = b.gt(iid, p_vis=0.8, crowd=1)  # crowd with keypoints: matched many times, ignored
        for _ in range(b.rng.randint(1, 3)):
            b.near(g, b.score(), jitter=0.03)
    return b, [{}]


def case_empty_images():
    b = Builder(104)
    for i in range(1, 16):
        b.image(i)
    populate(b, range(1, 6))
    for iid in range(6, 11):  # detections only
        for _ in range(b.rng.randint(0, 3)):
            b.random_det(iid, 1)
    for iid in range(11, 14):  # ground truth only
        b.gt(iid)
    return b, [{}]  # 14, 15: nothing at all


def case_boxes():
    """Results with a bbox: loadRes' box branch (area w*h, not the keypoints' extent)."""
    b = Builder(105)
    for i in range(1, 13):
        b.image(i)
    populate(b, range(1, 13), per_image=(1, 5), fp=(0, 3), bbox=True)
    return b, [{}]


def case_sizes():
    """Areas around the medium/large bounds (32², 96²) and small ones outside every range but `all`."""
    b = Builder(106)
    for i in range(1, 13):
        b.image(i)
    for iid in range(1, 13):
        for _ in range(b.rng.randint(2, 5)):
            side = b.rng.choice([10, 25, 31, 32, 33, 60, 95, 96, 97, 200])
            g = b.gt(iid, box=[r2(b.rng.uniform(0, 300)), r2(b.rng.uniform(0, 200)), side * 1.3, side],
                     area=float(side * side))
            for _ in range(b.rng.choice([1, 1, 2])):
                b.near(g, b.score())
        for _ in range(2):
            b.random_det(iid, 1)
    return b, [{}, {"areaRng": [[0, 1e10], [0, 1024], [1024, 1e10]], "areaRngLbl": ["all", "medium", "large"]}]


def case_many_dets():
    """More than 20 detections per image: the per-cell cut at maxDets[-1]; other maxDets lists."""
    b = Builder(107, cats=(1, 2))
    for i in range(1, 6):
        b.image(i)
    populate(b, range(1, 6), per_image=(3, 8), fp=(0, 2), cats=(1, 2))
    for iid in (1, 2):
        for _ in range(30):
            b.random_det(iid, b.rng.choice([1, 2]))
    for g in list(b.anns[:10]):
        for _ in range(3):
            b.near(g, b.score())
    return b, [{}, {"maxDets": [5, 20]}, {"maxDets": [30]}, {"maxDets": [10]}, {"useCats": 0},
               {"catIds": [2]}]


def case_crowdpose14():
    """14 keypoints with CrowdPose's sigmas, two categories, ties in scores."""
    b = Builder(108, k=14, cats=(1, 4))
    for i in range(1, 16):
        b.image(i)
    populate(b, range(1, 16), per_image=(1, 6), fp=(0, 3), cats=(1, 4))
    for d in b.res[::4]:
        d["score"] = 0.5
    for iid in range(1, 16, 3):
        g = b.gt(iid, cat=4, p_vis=0.0)
        b.near(g, b.score(), jitter=0.2)
    return b, [{"kpt_oks_sigmas": CROWDPOSE_SIGMAS}]


CASES = {
    "jitter": case_jitter,
    "zero_visible": case_zero_visible,
    "crowd": case_crowd,
    "empty_images": case_empty_images,
    "boxes": case_boxes,
    "sizes": case_sizes,
    "many_dets": case_many_dets,
    "crowdpose14": case_crowdpose14,
}


# ----------------------------------------------------------------------------------------------- evaluation

def coco_from(dataset):
    c = COCO()
    c.dataset = copy.deepcopy(dataset)
    with contextlib.redirect_stdout(io.StringIO()):
        c.createIndex()
    return c


def class_mean(arr, k, aind, mind, t=None):
    s = arr if t is None else arr[t]
    s = s[:, :, k] if arr.ndim == 5 else s[:, k]
    s = s[..., aind, mind]
    s = s[s > -1]
    return -1.0 if len(s) == 0 else float(np.mean(s))


def run_eval(coco_gt, results, spec):
    with contextlib.redirect_stdout(io.StringIO()):
        coco_dt = coco_gt.loadRes(copy.deepcopy(results))
    E = COCOeval(coco_gt, coco_dt, "keypoints")
    if "kpt_oks_sigmas" in spec:
        E.params.kpt_oks_sigmas = np.array(spec["kpt_oks_sigmas"])
    if "maxDets" in spec:
        E.params.maxDets = spec["maxDets"]
    if "areaRng" in spec:
        E.params.areaRng = spec["areaRng"]
        E.params.areaRngLbl = spec["areaRngLbl"]
    if "useCats" in spec:
        E.params.useCats = spec["useCats"]
    if "catIds" in spec:
        E.params.catIds = spec["catIds"]
    with contextlib.redirect_stdout(io.StringIO()):
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
        mind = [i for i, m in enumerate(p.maxDets) if m == 20]
        t50 = np.where(0.5 == p.iouThrs)[0]
        t75 = np.where(0.75 == p.iouThrs)[0]
        for k, cid in enumerate(p.catIds):
            per_class.append({
                "category_id": int(cid),
                "ap": class_mean(prec, k, aind, mind),
                "ap50": class_mean(prec, k, aind, mind, t50),
                "ap75": class_mean(prec, k, aind, mind, t75),
                "ar20": class_mean(rec, k, aind, mind),
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
        "params": dict(spec),
        "counts": [T, R, K, A, M],
        "stats": [float(x) for x in E.stats],
        "lines": printed.getvalue().rstrip("\n").split("\n"),
        "per_class": per_class,
        "recall": [float(x) for x in rec.flatten()],
        "precision_sum_r": psum,
        "scores_sum_r": ssum,
    }


def write_json(path, obj):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(obj, f)
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
            "gt": "fixtures/keypoints-synth/%s/gt.json" % name,
            "results": "fixtures/keypoints-synth/%s/results.json" % name,
            "evals": evals,
        })
        print(name, [e["stats"][0] for e in evals])

    if not only or "published" in only:
        src = os.path.join(ROOT, "fixtures", "keypoints")
        with open(os.path.join(src, "gt_dataset.json")) as f:
            gt = json.load(f)
        with open(os.path.join(src, "dt_dataset.json")) as f:
            res = json.load(f)
        e = run_eval(coco_from(gt), res, {})
        with open(os.path.join(src, "expected_cocoeval.json")) as f:
            published = json.load(f)["stats"]
        assert e["stats"] == published, (e["stats"], published)
        write_json(os.path.join(GOLD, "published.json"), {
            "gt": "fixtures/keypoints/gt_dataset.json",
            "results": "fixtures/keypoints/dt_dataset.json",
            "evals": [e],
        })
        print("published", e["stats"][0])


if __name__ == "__main__":
    main()
