#!/usr/bin/env python3
"""Golden label maps for `cocokit rasterize`, painted with pycocotools 2.0.11's annToMask in file order.

semantic: pixel = category id, later annotations win, crowd -> 255 (65535 when some category id > 254).
instance: pixel = 1-based index of the annotation among its image's annotations (16-bit), crowd -> 65535.
Each map is summarised by its value histogram and a position-weighted checksum sum((i+1)*v) over
the row-major pixels, which the Rust test recomputes from the PNG. Run from the repo root:
    python scripts/golden_rasterize.py        (needs pycocotools==2.0.11, numpy)
"""
import io
import json
import os
from contextlib import redirect_stdout

import numpy as np
from pycocotools.coco import COCO

SHARED = os.path.join(os.path.dirname(__file__), "..", "fixtures")
OUT = os.path.join(os.path.dirname(__file__), "..", "fixtures", "golden", "rasterize")


def summary(m):
    flat = m.reshape(-1).astype(np.uint64)
    idx = np.arange(1, flat.size + 1, dtype=np.uint64)
    # exact in uint64: (i+1) * v <= 2^19 * 2^16 per pixel, fewer than 2^20 pixels per COCO image
    ck = int((idx * flat).sum())
    vals, counts = np.unique(m, return_counts=True)
    return {"hist": {str(int(v)): int(c) for v, c in zip(vals, counts)}, "ck": ck}


def run(name, rel, mode):
    path = os.path.join(SHARED, rel)
    with redirect_stdout(io.StringIO()):
        coco = COCO(path)
    d = json.load(open(path))
    sixteen = mode == "instance" or max(c["id"] for c in d["categories"]) > 254
    ignore = 65535 if sixteen else 255
    per_img = {}
    for a in d["annotations"]:
        per_img.setdefault(a["image_id"], []).append(a)
    res = {}
    for img in d["images"]:
        m = np.zeros((img["height"], img["width"]), dtype=np.uint16 if sixteen else np.uint8)
        for k, a in enumerate(per_img.get(img["id"], [])):
            if isinstance(a.get("segmentation"), list) and len(a["segmentation"]) == 0:
                continue
            mask = coco.annToMask(a)
            if a.get("iscrowd", 0):
                v = ignore
            elif mode == "instance":
                v = k + 1
            else:
                v = a["category_id"]
            m[mask == 1] = v
        stem = os.path.splitext(os.path.basename(img["file_name"]))[0]
        res[stem] = summary(m)
    with open(os.path.join(OUT, name + ".json"), "w") as f:
        json.dump({"file": rel, "mode": mode, "sixteen_bit": sixteen, "images": res}, f)


os.makedirs(OUT, exist_ok=True)
run("val2014_100_semantic", "cocoapi-val2014-100/instances_val2014_100.json", "semantic")
run("val2014_100_instance", "cocoapi-val2014-100/instances_val2014_100.json", "instance")
run("tiny_val2017_semantic", "coco-tiny-val2017/instances_val2017.json", "semantic")
run("lvis_val_100_semantic", "lvis-val-100/lvis_val_100.json", "semantic")


def run_results(name, gt_rel, res_rel, thr):
    """A results file painted onto its ground truth's images: score >= thr, ascending score (ties in file
    order, Python's stable sort), category id per pixel, unpainted 0 (`rasterize RES --gt GT --score-thr`)."""
    with redirect_stdout(io.StringIO()):
        coco = COCO(os.path.join(SHARED, gt_rel))
        dt = coco.loadRes(os.path.join(SHARED, res_rel))
    d = json.load(open(os.path.join(SHARED, gt_rel)))
    sixteen = max(c["id"] for c in d["categories"]) > 254
    per_img = {}
    for a in dt.dataset["annotations"]:  # loadRes keeps file order
        if a["score"] >= thr:
            per_img.setdefault(a["image_id"], []).append(a)
    res = {}
    for img in d["images"]:
        m = np.zeros((img["height"], img["width"]), dtype=np.uint16 if sixteen else np.uint8)
        for a in sorted(per_img.get(img["id"], []), key=lambda a: a["score"]):
            m[dt.annToMask(a) == 1] = a["category_id"]
        stem = os.path.splitext(os.path.basename(img["file_name"]))[0]
        res[stem] = summary(m)
    with open(os.path.join(OUT, name + ".json"), "w") as f:
        json.dump({"file": res_rel, "gt": gt_rel, "score_thr": thr, "sixteen_bit": sixteen, "images": res}, f)


run_results(
    "val2014_100_fakesegm_results",
    "cocoapi-val2014-100/instances_val2014_100.json",
    "cocoapi-val2014-100/instances_val2014_fakesegm100_results.json",
    0.3,
)


def run_panoptic(name, rel, png_dir):
    """A panoptic file painted from its segment-id PNGs (panopticapi's rgb2id): semantic, pixel = the segment's
    category id, crowd segments 255, VOID (id 0) 0 (`rasterize FILE --panoptic-dir PNGS`)."""
    from PIL import Image

    d = json.load(open(os.path.join(SHARED, rel)))
    anns = {a["image_id"]: a for a in d["annotations"]}
    res = {}
    for img in d["images"]:
        a = anns[img["id"]]
        rgb = np.array(Image.open(os.path.join(SHARED, png_dir, a["file_name"])), dtype=np.uint32)[:, :, :3]
        ids = rgb[:, :, 0] + 256 * rgb[:, :, 1] + 256 * 256 * rgb[:, :, 2]
        m = np.zeros(ids.shape, dtype=np.uint8)
        for s in a["segments_info"]:
            m[ids == s["id"]] = 255 if s.get("iscrowd", 0) else s["category_id"]
        stem = os.path.splitext(os.path.basename(img["file_name"]))[0]
        res[stem] = summary(m)
    with open(os.path.join(OUT, name + ".json"), "w") as f:
        json.dump({"file": rel, "panoptic_dir": png_dir, "sixteen_bit": False, "images": res}, f)


run_panoptic(
    "panoptic_examples_semantic",
    "panoptic/sample_data/panoptic_examples.json",
    "panoptic/sample_data/panoptic_examples",
)
