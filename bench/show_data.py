#!/usr/bin/env python3
"""Synthetic input for bench/show.sh: N 640x480 JPEG photos (smooth colour gradients with noise), a COCO
dataset of them with 8 polygon annotations per image (ellipses over 80 categories), and results (each ground
truth shifted by a few pixels with a score, plus 2 false positives per image). Deterministic (seed 1).

    python bench/show_data.py OUT_DIR [N]
"""

import json
import math
import os
import random
import sys

import numpy as np
from PIL import Image

out, n = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 200
rng = random.Random(1)
nrng = np.random.default_rng(1)
W, H = 640, 480
os.makedirs(os.path.join(out, "images"), exist_ok=True)
yy, xx = np.mgrid[0:H, 0:W]
images, anns, res = [], [], []


def ellipse(cx, cy, rx, ry, k=24):
    pts = []
    for i in range(k):
        t = 2 * math.pi * i / k
        pts += [round(cx + rx * math.cos(t), 2), round(cy + ry * math.sin(t), 2)]
    return pts


for i in range(1, n + 1):
    c0, c1 = nrng.integers(0, 255, 3), nrng.integers(0, 255, 3)
    f = ((xx + yy) / (W + H))[..., None]
    img = (c0 * (1 - f) + c1 * f + nrng.normal(0, 12, (H, W, 1))).clip(0, 255).astype(np.uint8)
    name = f"{i:012d}.jpg"
    Image.fromarray(img).save(os.path.join(out, "images", name), quality=90)
    images.append({"id": i, "file_name": name, "width": W, "height": H})
    for _ in range(8):
        rx, ry = rng.uniform(15, 90), rng.uniform(15, 90)
        cx, cy = rng.uniform(rx, W - rx), rng.uniform(ry, H - ry)
        cat = rng.randint(1, 80)
        bbox = [round(cx - rx, 2), round(cy - ry, 2), round(2 * rx, 2), round(2 * ry, 2)]
        anns.append({"id": len(anns) + 1, "image_id": i, "category_id": cat, "iscrowd": 0,
                     "area": round(math.pi * rx * ry, 2), "bbox": bbox, "segmentation": [ellipse(cx, cy, rx, ry)]})
        if rng.random() < 0.8:
            dx, dy = rng.uniform(-6, 6), rng.uniform(-6, 6)
            res.append({"image_id": i, "category_id": cat, "score": round(rng.uniform(0.3, 1), 3),
                        "bbox": [bbox[0] + dx, bbox[1] + dy, bbox[2], bbox[3]],
                        "segmentation": [ellipse(cx + dx, cy + dy, rx, ry)]})
    for _ in range(2):
        rx, ry = rng.uniform(15, 60), rng.uniform(15, 60)
        cx, cy = rng.uniform(rx, W - rx), rng.uniform(ry, H - ry)
        res.append({"image_id": i, "category_id": rng.randint(1, 80), "score": round(rng.uniform(0.3, 1), 3),
                    "bbox": [cx - rx, cy - ry, 2 * rx, 2 * ry], "segmentation": [ellipse(cx, cy, rx, ry)]})

cats = [{"id": c, "name": f"class{c}", "supercategory": "thing"} for c in range(1, 81)]
json.dump({"images": images, "annotations": anns, "categories": cats}, open(os.path.join(out, "gt.json"), "w"))
json.dump(res, open(os.path.join(out, "results.json"), "w"))
print(f"{n} images, {len(anns)} annotations, {len(res)} results in {out}")
