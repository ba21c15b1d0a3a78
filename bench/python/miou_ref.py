#!/usr/bin/env python3
"""numpy reference of `cocokit eval miou --gt GT.json --pred RESULTS.json` (bench/eval_miou.sh).

    python miou_ref.py --gt GT.json --pred RESULTS.json [--background class|ignore] [--score-thr 0.5]

What a user without cocokit writes (and what scripts/golden_miou.py uses as the reference semantics):
- label space: the GT categories sorted by id; with --background class (default) a class "background" (id 0)
  first and unannotated pixels belong to it; with ignore they are ignored;
- GT map per image: pycocotools annToMask of each annotation in file order (later wins), crowd → ignore (65535);
- prediction map: the image's results with score >= thr painted with annToMask in ascending score (stable sort:
  ties keep file order; the highest score wins), unpainted pixels = background (or "no prediction");
- confusion matrix accumulated with np.bincount over labelled pixels; IoU = I / (G + P - I) per class;
  mIoU = nanmean over classes (mmseg's default convention); aAcc = sum I / sum G.
Images in GT file order, one at a time (never all maps in memory), single process; uint16 maps and boolean
views of the masks (a reasonably written numpy loop, not a deliberately slow one).
Prints JSON {miou, aacc, images, seconds (in-process, after imports), per_class_iou} on stdout.
"""
import argparse
import contextlib
import json
import sys
import time

IGNORE = 65535


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gt", required=True)
    ap.add_argument("--pred", required=True)
    ap.add_argument("--background", choices=["class", "ignore"], default="class")
    ap.add_argument("--score-thr", type=float, default=0.5)
    a = ap.parse_args()
    import numpy as np
    from pycocotools.coco import COCO

    t0 = time.perf_counter()
    with contextlib.redirect_stdout(sys.stderr):
        coco = COCO(a.gt)
    with open(a.pred) as f:
        results = json.load(f)
    cats = sorted(coco.dataset["categories"], key=lambda c: c["id"])
    classes = [c["id"] for c in cats]
    if a.background == "class" and not (cats and cats[0]["id"] == 0):
        classes.insert(0, 0)
    index = {cid: i for i, cid in enumerate(classes)}
    n = len(classes)
    unannotated = 0 if a.background == "class" else IGNORE
    by_image = {}
    for r in results:
        by_image.setdefault(r["image_id"], []).append(r)
    # rows: GT class; columns: predicted class, column n = "no prediction"
    conf = np.zeros(n * (n + 1), dtype=np.int64)
    for img in coco.dataset["images"]:
        h, w = img["height"], img["width"]
        gt = np.full((h, w), unannotated, dtype=np.uint16)
        for ann in coco.imgToAnns.get(img["id"], []):
            if not ann.get("segmentation"):
                continue
            m = coco.annToMask(ann).view(bool)  # annToMask gives 0/1 uint8
            gt[m] = IGNORE if ann.get("iscrowd", 0) else index[ann["category_id"]]
        pred = np.full((h, w), unannotated, dtype=np.uint16)
        kept = [r for r in by_image.get(img["id"], []) if "score" not in r or r["score"] >= a.score_thr]
        kept.sort(key=lambda r: r.get("score", float("-inf")))
        for r in kept:
            pred[coco.annToMask(r).view(bool)] = index[r["category_id"]]
        valid = gt != IGNORE
        p = pred[valid].astype(np.intp)
        p[p == IGNORE] = n
        conf += np.bincount(gt[valid].astype(np.intp) * (n + 1) + p, minlength=n * (n + 1))
    conf = conf.reshape(n, n + 1)
    inter = np.diag(conf[:, :n]).astype(np.float64)
    g = conf.sum(axis=1).astype(np.float64)
    pr = conf[:, :n].sum(axis=0).astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        iou = inter / (g + pr - inter)
    miou = float(np.nanmean(iou)) if np.any(~np.isnan(iou)) else float("nan")
    aacc = float(inter.sum() / g.sum()) if g.sum() else float("nan")
    seconds = time.perf_counter() - t0
    print(json.dumps({"miou": miou, "aacc": aacc, "images": len(coco.dataset["images"]), "seconds": seconds,
                      "per_class_iou": {str(c): (None if np.isnan(v) else float(v)) for c, v in zip(classes, iou)}}))


if __name__ == "__main__":
    main()
