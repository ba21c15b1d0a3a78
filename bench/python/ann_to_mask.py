#!/usr/bin/env python3
"""pycocotools' side of `cocokit rasterize FILE --out DIR` (semantic mode), for bench/masks.sh.

    python ann_to_mask.py FILE [--out DIR]

For every image in file order: a uint8 map of zeros; the image's annotations in file order (pycocotools'
imgToAnns order), each `annToMask(ann)` painted with its category id, or 255 when iscrowd (later annotations
win; an empty segmentation paints nothing) — the same rules as `cocokit rasterize --mode semantic` when every
category id is <= 254. With --out, each map is written as an 8-bit greyscale PNG with PIL, named after the image's
file_name stem; without it the maps are only computed (painting cost alone).
Single process, single thread (what a user's loop does). Prints JSON {images, annotations, seconds} (in-process,
after imports) on stdout.
"""
import argparse
import contextlib
import json
import os
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--out")
    a = ap.parse_args()
    import numpy as np
    from pycocotools.coco import COCO

    if a.out:
        from PIL import Image

        os.makedirs(a.out, exist_ok=True)
    t0 = time.perf_counter()
    with contextlib.redirect_stdout(sys.stderr):
        coco = COCO(a.file)
    if max((c["id"] for c in coco.dataset.get("categories", [])), default=0) > 254:
        sys.exit("ann_to_mask.py writes 8-bit maps: category ids must be <= 254")
    nimg = nann = 0
    for img in coco.dataset.get("images", []):
        m = np.zeros((img["height"], img["width"]), dtype=np.uint8)
        for ann in coco.imgToAnns.get(img["id"], []):
            if not ann.get("segmentation"):
                continue
            mask = coco.annToMask(ann)
            m[mask == 1] = 255 if ann.get("iscrowd", 0) else ann["category_id"]
            nann += 1
        if a.out:
            stem = os.path.splitext(os.path.basename(img["file_name"]))[0]
            Image.fromarray(m).save(os.path.join(a.out, stem + ".png"))
        nimg += 1
    print(json.dumps({"images": nimg, "annotations": nann, "seconds": time.perf_counter() - t0}))


if __name__ == "__main__":
    main()
