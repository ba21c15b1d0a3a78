#!/usr/bin/env python3
"""Golden output for `cocokit eval miou --convention cocostuff` (tests/cli_cocostuff.rs), from COCO-Stuff's
official evaluation: cocostuffapi's `COCOStuffeval` (PythonAPI/pycocotools/cocostuffeval.py, with
cocostuffhelper.py), run unmodified on pip's pycocotools 2.0.11.

    git clone https://github.com/nightrome/cocostuffapi /tmp/cocostuffapi
    /work/refvenv/bin/python scripts/golden_cocostuff.py /tmp/cocostuffapi

cocostuffapi is not on PyPI: its two evaluation files are loaded from the checkout as `pycocotools.cocostuffeval`
and `pycocotools.cocostuffhelper` next to pip's pycocotools (matplotlib, which cocostuffhelper imports for PNG
colour maps only, is stubbed when missing; numpy 2's missing `np.in1d` is given back as `np.isin(...).ravel()`).
The script makes a small COCO-Stuff-like dataset deterministically
(stuff ids 92..182 and 183 "other", 92..97 and 183 painted, unlabelled pixels, 4 images of odd sizes) and a results file in COCO-Stuff's
format (one RLE per class and image, no score) with pixels no result paints — on "other" ground truth too, where
COCOStuffeval's quirk (result label 0 counted as the last class) matters — and writes under
fixtures/golden/miou/cocostuff/: gt.json, results.json, pred/*.png (the same predictions as label maps),
expected.json (stats[0:4] = mean IoU, FW IoU, mean
accuracy, pixel accuracy of the leaves; per-class IoU and accuracy by id, NaN left out).
"""

import importlib.util
import json
import os
import sys
import types

import numpy as np
import pycocotools
from pycocotools import mask as maskapi
from PIL import Image
from pycocotools.coco import COCO

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "fixtures", "golden", "miou", "cocostuff")

# COCO-Stuff's label space: stuff ids 92..182 and 183 "other" (COCOStuffeval's supercategory confusion needs the
# ids contiguous from 92). Only a few are painted.
STUFF = [(i, f"stuff-{i}", ["textile", "plant", "building", "ground"][i % 4]) for i in range(92, 183)]
STUFF.append((183, "other", "other"))
PAINTED = [92, 93, 94, 95, 96, 97, 183]
SIZES = [(24, 32), (17, 23), (30, 20), (8, 8)]


def load_reference(checkout):
    pkg = os.path.join(checkout, "PythonAPI", "pycocotools")
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        sys.modules["matplotlib"] = types.ModuleType("matplotlib")
    if not hasattr(np, "in1d"):
        # numpy 2 removed in1d (used by _accumulateConfusion); isin, flattened, is what it returned.
        np.in1d = lambda a, b: np.isin(a, b).ravel()
    mods = {}
    for name in ("cocostuffhelper", "cocostuffeval"):
        spec = importlib.util.spec_from_file_location(f"pycocotools.{name}", os.path.join(pkg, f"{name}.py"))
        mod = importlib.util.module_from_spec(spec)
        sys.modules[f"pycocotools.{name}"] = mod
        setattr(pycocotools, name, mod)
        spec.loader.exec_module(mod)
        mods[name] = mod
    return mods["cocostuffeval"].COCOStuffeval


def blocks(rng, h, w, labels, zero_share):
    """A label map of rectangles of random labels over a random base, with some 0 (unlabelled) pixels."""
    m = np.full((h, w), labels[rng.integers(len(labels))], dtype=np.int64)
    for _ in range(6):
        y0, x0 = rng.integers(h), rng.integers(w)
        y1, x1 = min(h, y0 + rng.integers(2, h)), min(w, x0 + rng.integers(2, w))
        m[y0:y1, x0:x1] = labels[rng.integers(len(labels))]
    m[rng.random((h, w)) < zero_share] = 0
    return m


def rle(mask_bool):
    r = maskapi.encode(np.asfortranarray(mask_bool.astype(np.uint8)))
    r["counts"] = r["counts"].decode("ascii")
    return r


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    COCOStuffeval = load_reference(sys.argv[1])
    rng = np.random.default_rng(18)
    ids = PAINTED
    images, anns, results, pngs = [], [], [], []
    for k, (h, w) in enumerate(SIZES):
        img_id = 100 + k
        images.append({"id": img_id, "width": w, "height": h, "file_name": f"{img_id:012d}.jpg"})
        gt = blocks(rng, h, w, ids, 0.08)
        for c in sorted(set(gt.flat) - {0}):
            m = gt == c
            r = rle(m)
            anns.append({"id": len(anns) + 1, "image_id": img_id, "category_id": int(c), "segmentation": r,
                         "area": float(maskapi.area(r)), "bbox": [float(v) for v in maskapi.toBbox(r)],
                         "iscrowd": 0})
        # Predictions: the ground truth with some pixels changed, some left unpainted (0).
        pred = gt.copy()
        change = rng.random((h, w)) < 0.25
        pred[change] = rng.choice(ids, size=int(change.sum()))
        pred[rng.random((h, w)) < 0.12] = 0
        if k == 3:
            pred[:, :3] = 0  # a whole strip unpainted
        pngs.append((f"{img_id:012d}.png", pred.astype(np.uint8)))
        for c in sorted(set(pred.flat) - {0}):
            results.append({"image_id": img_id, "category_id": int(c), "segmentation": rle(pred == c)})
    cats = [{"id": i, "name": n, "supercategory": s} for i, n, s in STUFF]
    gt_doc = {"info": {"description": "COCO-Stuff-like golden case"}, "images": images, "annotations": anns,
              "categories": cats}
    os.makedirs(OUT, exist_ok=True)
    gt_path, res_path = os.path.join(OUT, "gt.json"), os.path.join(OUT, "results.json")
    with open(gt_path, "w") as f:
        json.dump(gt_doc, f)
    with open(res_path, "w") as f:
        json.dump(results, f)
    # The same predictions as label-map PNGs (pixel = category id, 0 = nothing), COCO-Stuff's challenge form
    # (cocostuffhelper.pngToCocoResult turns them into the results above), named after the images' file_name.
    os.makedirs(os.path.join(OUT, "pred"), exist_ok=True)
    for name, m in pngs:
        Image.fromarray(m, mode="L").save(os.path.join(OUT, "pred", name))
    coco_gt = COCO(gt_path)
    coco_res = coco_gt.loadRes(res_path)
    ev = COCOStuffeval(coco_gt, coco_res)
    ev.evaluate()
    stats, per_class = ev.summarize()
    leaves = {}
    for i, cid in enumerate(range(1, len(per_class["ious"]) + 1)):
        iou, acc = per_class["ious"][i], per_class["maccs"][i]
        if not (np.isnan(iou) and np.isnan(acc)):
            leaves[str(cid)] = {"iou": None if np.isnan(iou) else float(iou),
                                "acc": None if np.isnan(acc) else float(acc)}
    expected = {"reference": "cocostuffapi COCOStuffeval (stuffStartId=92, stuffEndId=182, addOther=True)",
                "miou": float(stats[0]), "fwiou": float(stats[1]), "macc": float(stats[2]), "aacc": float(stats[3]),
                "per_class": leaves}
    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1)
        f.write("\n")
    print(json.dumps({k: v for k, v in expected.items() if k != "per_class"}))


if __name__ == "__main__":
    main()
