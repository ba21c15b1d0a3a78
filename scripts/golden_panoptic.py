#!/usr/bin/env python3
"""Golden outputs for `cocokit eval panoptic`, from panopticapi's pq_compute (cocodataset/panopticapi).

panopticapi is not on PyPI and is not part of this repository: fetch its public repository (commit
7bb4655 was used) to a folder outside the project and point PANOPTICAPI at it, then run from the repository
root with the reference venv (numpy, Pillow):

    PANOPTICAPI=/work/ref/panopticapi /work/refvenv/bin/python scripts/golden_panoptic.py

pq_compute splits the images over all CPU cores and adds per-core sums; to be independent of the machine,
its multi-core step is replaced by one call of its own `pq_compute_single_core` over all images (the
order cocokit adds in). Where panopticapi fails (a group with no category to average divides by zero), the
golden records null for that group.

Writes seeded synthetic predictions (perturbed ground-truth PNGs: eroded, dropped, relabelled, split and
merged segments, extra segments on VOID and crowd regions, renumbered ids) under fixtures/panoptic-synth/,
and a small synthetic ground truth with crowd and VOID regions; goldens in fixtures/golden/panoptic/.
"""

import contextlib
import io
import json
import os
import random
import shutil
import sys

import numpy as np
from PIL import Image

sys.path.insert(0, os.environ.get("PANOPTICAPI", "/work/ref/panopticapi"))
from panopticapi import evaluation  # noqa: E402
from panopticapi.utils import id2rgb, rgb2id  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "fixtures", "panoptic-synth")
GOLD = os.path.join(ROOT, "fixtures", "golden", "panoptic")


def single_core(matched, gt_folder, pred_folder, categories):
    return evaluation.pq_compute_single_core(0, matched, gt_folder, pred_folder, categories)


evaluation.pq_compute_multi_core = single_core


def load_ids(path):
    return rgb2id(np.array(Image.open(path), dtype=np.uint32))


def save_ids(path, ids):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    Image.fromarray(id2rgb(ids).astype(np.uint8)).save(path)


def perturb(rng, gt_ids, gt_segs, categories, void_boxes=2):
    """A prediction from a ground-truth id map: returns (pred ids, segments_info)."""
    h, w = gt_ids.shape
    pred = np.zeros_like(gt_ids)
    cat_ids = [c["id"] for c in categories]
    segs = []
    used = set()

    def new_id():
        while True:
            i = rng.randint(1, (1 << 24) - 1)
            if i not in used:
                used.add(i)
                return i

    for s in gt_segs:
        m = gt_ids == s["id"]
        if not m.any():
            continue
        action = rng.choice(["keep", "keep", "keep", "erode", "erode", "drop", "relabel", "split", "shift"])
        if action == "drop":
            continue
        cat = s["category_id"]
        if action == "relabel":
            cat = rng.choice(cat_ids)
        if action == "erode":
            ys, xs = np.nonzero(m)
            k = rng.randint(1, max(1, len(ys) // 2))
            sel = rng.sample(range(len(ys)), k)  # a random part of it becomes VOID or background
            m = m.copy()
            m[ys[sel], xs[sel]] = False
        if action == "shift":
            dy, dx = rng.randint(-4, 4), rng.randint(-4, 4)
            m = np.roll(np.roll(m, dy, axis=0), dx, axis=1)
        if action == "split":
            ys, xs = np.nonzero(m)
            cut = (xs.min() + xs.max()) // 2
            m2 = m & (np.arange(w)[None, :] > cut)
            m = m & ~m2
            if m2.any():
                i2 = new_id()
                pred[m2] = i2
                segs.append({"id": i2, "category_id": cat})
        if not m.any():
            continue
        i = new_id()
        pred[m & (pred == 0)] = i
        segs.append({"id": i, "category_id": cat})
    # extra segments: random boxes, some of them over VOID or over everything
    for _ in range(void_boxes + rng.randint(0, 3)):
        bh, bw = rng.randint(1, max(1, h // 3)), rng.randint(1, max(1, w // 3))
        y, x = rng.randint(0, h - bh), rng.randint(0, w - bw)
        i = new_id()
        box = np.zeros_like(pred, dtype=bool)
        box[y:y + bh, x:x + bw] = True
        if rng.random() < 0.5:
            box &= gt_ids == 0  # on VOID only
        if not box.any():
            continue
        pred[box] = i
        segs.append({"id": i, "category_id": rng.choice(cat_ids)})
    # keep only segments still present (some were painted over)
    present = set(np.unique(pred).tolist())
    segs = [s for s in segs if s["id"] in present]
    return pred, segs


def make_prediction(name, gt_json_path, gt_dir, seed):
    rng = random.Random(seed)
    with open(gt_json_path) as f:
        gt = json.load(f)
    pred_dir = os.path.join(OUT, name, "pred")
    shutil.rmtree(pred_dir, ignore_errors=True)
    anns = []
    for a in gt["annotations"]:
        ids = load_ids(os.path.join(gt_dir, a["file_name"]))
        pred, segs = perturb(rng, ids, a["segments_info"], gt["categories"])
        save_ids(os.path.join(pred_dir, a["file_name"]), pred)
        anns.append({"image_id": a["image_id"], "file_name": a["file_name"], "segments_info": segs})
    rng.shuffle(anns)  # pairing is by image_id, not order
    pred_json = os.path.join(OUT, name, "pred.json")
    with open(pred_json, "w") as f:
        json.dump({"annotations": anns, "categories": gt["categories"]}, f)
    return pred_json, pred_dir


def synthetic_gt(seed):
    """Four small images with stuff backgrounds, things, crowd regions and VOID."""
    rng = random.Random(seed)
    cats = [{"id": 1, "name": "person", "isthing": 1}, {"id": 3, "name": "car", "isthing": 1},
            {"id": 7, "name": "dog", "isthing": 1}, {"id": 100, "name": "sky", "isthing": 0},
            {"id": 101, "name": "grass", "isthing": 0}, {"id": 102, "name": "wall", "isthing": 0}]
    gt_dir = os.path.join(OUT, "synth", "gt")
    shutil.rmtree(gt_dir, ignore_errors=True)
    images, anns = [], []
    for n in range(4):
        h, w = rng.randint(30, 60), rng.randint(40, 80)
        ids = np.zeros((h, w), dtype=np.uint32)
        segs = []
        nid = 1000 * (n + 1)
        # stuff bands
        cut = rng.randint(h // 4, 3 * h // 4)
        for (y0, y1), c in (((0, cut), rng.choice([100, 102])), ((cut, h), 101)):
            nid += 1
            ids[y0:y1, :] = nid
            segs.append({"id": nid, "category_id": c, "iscrowd": 0})
        # things and crowds
        for _ in range(rng.randint(2, 6)):
            bh, bw = rng.randint(3, h // 2), rng.randint(3, w // 2)
            y, x = rng.randint(0, h - bh), rng.randint(0, w - bw)
            nid += 1
            ids[y:y + bh, x:x + bw] = nid
            segs.append({"id": nid, "category_id": rng.choice([1, 3, 7]), "iscrowd": int(rng.random() < 0.25)})
        # VOID patches
        for _ in range(rng.randint(1, 3)):
            bh, bw = rng.randint(2, h // 3), rng.randint(2, w // 3)
            y, x = rng.randint(0, h - bh), rng.randint(0, w - bw)
            ids[y:y + bh, x:x + bw] = 0
        present = set(np.unique(ids).tolist())
        segs = [s for s in segs if s["id"] in present]
        for s in segs:
            s["area"] = int((ids == s["id"]).sum())
        if n == 0:
            segs[-1]["area"] += 7  # the JSON area is what counts for ground truth
        fname = "img%d.png" % n
        save_ids(os.path.join(gt_dir, fname), ids)
        images.append({"id": 50 + n, "width": w, "height": h, "file_name": "img%d.jpg" % n})
        anns.append({"image_id": 50 + n, "file_name": fname, "segments_info": segs})
    path = os.path.join(OUT, "synth", "gt.json")
    with open(path, "w") as f:
        json.dump({"images": images, "annotations": anns, "categories": cats}, f)
    return path, gt_dir


def golden(gt_json, gt_dir, pred_json, pred_dir):
    with open(gt_json) as f:
        gt = json.load(f)
    with open(pred_json) as f:
        pred = json.load(f)
    categories = {el["id"]: el for el in gt["categories"]}
    pred_anns = {el["image_id"]: el for el in pred["annotations"]}
    matched = [(a, pred_anns[a["image_id"]]) for a in gt["annotations"]]
    with contextlib.redirect_stdout(io.StringIO()):
        stat = single_core(matched, gt_dir, pred_dir, categories)
    out = {}
    for name, isthing in (("All", None), ("Things", True), ("Stuff", False)):
        try:
            r, per = stat.pq_average(categories, isthing=isthing)
            out[name] = {k: float(v) if k != "n" else int(v) for k, v in r.items()}
            if name == "All":
                out["per_class"] = {str(k): {kk: float(vv) for kk, vv in v.items()} for k, v in per.items()}
        except ZeroDivisionError:
            out[name] = None
    lines = None
    if all(out[n] is not None for n in ("All", "Things", "Stuff")):
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            evaluation.pq_compute(gt_json, pred_json, gt_dir, pred_dir)
        text = printed.getvalue().split("\n")
        start = next(i for i, l in enumerate(text) if l.startswith("          |"))
        lines = text[start:start + 5]
    out["lines"] = lines
    return out


def rel(p):
    return os.path.relpath(p, ROOT)


def main():
    cases = []
    sample = os.path.join(ROOT, "fixtures", "panoptic", "sample_data")
    gt_json, gt_dir = os.path.join(sample, "panoptic_examples.json"), os.path.join(sample, "panoptic_examples")
    # the ground truth against itself: every segment matches with IoU 1
    cases.append(("sample_self", gt_json, gt_dir, gt_json, gt_dir))
    for seed in (1, 2):
        pj, pd = make_prediction("sample_%d" % seed, gt_json, gt_dir, 300 + seed)
        cases.append(("sample_%d" % seed, gt_json, gt_dir, pj, pd))
    sj, sd = synthetic_gt(310)
    for seed in (1, 2, 3):
        pj, pd = make_prediction("synth_%d" % seed, sj, sd, 320 + seed)
        cases.append(("synth_%d" % seed, sj, sd, pj, pd))
    fv = os.path.join(ROOT, "fixtures", "format-variants")
    pj, pd = make_prediction("variants", os.path.join(fv, "panoptic_val.json"), os.path.join(fv, "panoptic_val"), 330)
    cases.append(("variants", os.path.join(fv, "panoptic_val.json"), os.path.join(fv, "panoptic_val"), pj, pd))
    os.makedirs(GOLD, exist_ok=True)
    for name, gj, gd, pj, pd in cases:
        g = golden(gj, gd, pj, pd)
        g.update({"gt_json": rel(gj), "gt_dir": rel(gd), "pred_json": rel(pj), "pred_dir": rel(pd)})
        with open(os.path.join(GOLD, name + ".json"), "w") as f:
            json.dump(g, f, indent=1)
            f.write("\n")
        print(name, g["All"], g["Things"] and g["Things"]["n"], g["Stuff"] and g["Stuff"]["n"])


if __name__ == "__main__":
    main()
