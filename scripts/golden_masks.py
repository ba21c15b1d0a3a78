#!/usr/bin/env python3
"""Golden data for cocokit's mask library, computed with pip's pycocotools 2.0.11.

Run from the repository root with the project's venv:

    /work/venv/bin/python scripts/golden_masks.py [--data fixtures] [--out fixtures/golden/masks]

Writes, under --out:
  real_<name>.json  one per real annotation file in fixtures/ (real data from other projects): for every annotation (file order) the
                    `COCO.annToRLE` compressed string, `maskUtils.area`, `maskUtils.toBbox`, a checksum of
                    `maskUtils.decode` (see `checksum`), and per image the `maskUtils.iou` matrix
                    (ground truth x ground truth, or detections x ground truth for a results file);
  edge.json         edge cases: raw `frPoly` / `frBbox` on hand-picked and random polygons (duplicate
                    vertices, negative, out-of-image and huge coordinates, 0xN / 1xN / Nx1 images, 1- and
                    2-point polygons), the `annToRLE` dispatch (4-number polygons, short / ragged parts),
                    uncompressed RLE with zero-length runs, compressed strings with negative deltas,
                    merges and IoU (crowd, size mismatch, empty masks, runs with zero-length runs
                    anywhere), box IoU, bitmap encode.

The Rust tests (tests/mask_golden.rs) read these files and compare exactly. CI has no Python: the
outputs are committed. numpy 2 note: pycocotools' list calls overflow past 255 items, so areas are
computed one mask at a time.
"""
import argparse
import contextlib
import io
import json
import os
import sys

import numpy as np
import pycocotools
from pycocotools import _mask
from pycocotools import mask as M
from pycocotools.coco import COCO

REAL = [
    # (golden name, annotation file, ground-truth file for image sizes when it is a results file)
    ("val2014_100_gt", "cocoapi-val2014-100/instances_val2014_100.json", None),
    ("val2014_100_segm", "cocoapi-val2014-100/instances_val2014_fakesegm100_results.json",
     "cocoapi-val2014-100/instances_val2014_100.json"),
    ("tiny_val2017", "coco-tiny-val2017/instances_val2017.json", None),
    ("lvis_val_100", "lvis-val-100/lvis_val_100.json", None),
    ("fv_instances_val", "format-variants/instances_val.json", None),
    ("fv_instances_train", "format-variants/instances_train.json", None),
    ("fv_person_keypoints_val", "format-variants/person_keypoints_val.json", None),
    ("fv_stuff_val", "format-variants/stuff_val.json", None),
    ("fv_stuff_train", "format-variants/stuff_train.json", None),
]


def s(b):
    return b.decode("ascii") if isinstance(b, bytes) else b


def checksum(rle):
    """Sum of the row-major indices of the foreground pixels and sum of their squares (mod 2^64)."""
    m = M.decode(rle)  # h x w, Fortran order; flatnonzero walks it in C (row-major) order
    idx = np.flatnonzero(np.ascontiguousarray(m)).astype(np.uint64)
    return [int(idx.sum(dtype=np.uint64)), int((idx * idx).sum(dtype=np.uint64))]


def describe(rle):
    return {
        "counts": s(rle["counts"]),
        "area": int(M.area(rle)),
        "bbox": [float(v) for v in M.toBbox(rle)],
        "ck": checksum(rle),
    }


def load_coco(path):
    with contextlib.redirect_stdout(io.StringIO()):
        return COCO(path)


def real_file(data, name, path, gt_path):
    full = os.path.join(data, path)
    raw = json.load(open(full))
    gt = load_coco(os.path.join(data, gt_path or path))
    anns = raw if isinstance(raw, list) else raw.get("annotations", [])
    out = []
    rles = {}
    for i, ann in enumerate(anns):
        seg = ann.get("segmentation")
        if seg is None:
            continue
        entry = {"i": i}
        try:
            rle = gt.annToRLE(ann)
        except Exception as e:  # e.g. `[]`: pycocotools cannot convert it
            entry["error"] = type(e).__name__
            out.append(entry)
            continue
        entry.update(describe(rle))
        out.append(entry)
        rles[i] = rle
    # IoU per image, in file order: gt x gt (annotation files) or dt x gt (results files)
    by_img_gt = {}
    gt_anns = (json.load(open(os.path.join(data, gt_path))) if gt_path else raw).get("annotations", [])
    gt_rles = {}
    for j, ann in enumerate(gt_anns):
        if ann.get("segmentation") in (None, []):
            continue
        gt_rles[j] = rles[j] if not gt_path else gt.annToRLE(ann)
        by_img_gt.setdefault(ann["image_id"], []).append(j)
    by_img_dt = {}
    for i in rles:
        by_img_dt.setdefault(anns[i]["image_id"], []).append(i)
    ious = []
    for img, dts in sorted(by_img_dt.items()):
        gts = by_img_gt.get(img, [])
        if not gts:
            continue
        crowd = [int(gt_anns[j].get("iscrowd", 0)) for j in gts]
        o = M.iou([rles[i] for i in dts], [gt_rles[j] for j in gts], crowd)
        ious.append({"image_id": img, "dt": dts, "gt": gts, "iou": [float(v) for v in np.asarray(o).ravel()]})
    doc = {"source": path, "gt": gt_path, "pycocotools": pycocotools.__version__ if hasattr(pycocotools, "__version__") else "2.0.11",
           "annotations": out, "iou": ious}
    if name == "val2014_100_segm":
        # box IoU of the fake bbox results against the ground-truth boxes, per image
        dtb = json.load(open(os.path.join(data, "cocoapi-val2014-100/instances_val2014_fakebbox100_results.json")))
        by = {}
        for i, a in enumerate(dtb):
            by.setdefault(a["image_id"], []).append(i)
        bious = []
        for img, dts in sorted(by.items()):
            gts = [j for j, a in enumerate(gt_anns) if a["image_id"] == img]
            if not gts:
                continue
            crowd = [int(gt_anns[j].get("iscrowd", 0)) for j in gts]
            o = M.iou([dtb[i]["bbox"] for i in dts], [gt_anns[j]["bbox"] for j in gts], crowd)
            bious.append({"image_id": img, "dt": dts, "gt": gts, "iou": [float(v) for v in np.asarray(o).ravel()]})
        doc["bbox_source"] = "cocoapi-val2014-100/instances_val2014_fakebbox100_results.json"
        doc["bbox_iou"] = bious
    return doc


# ----------------------------------------------------------------------------------------------- edges

def frpoly(xy, h, w):
    return _mask.frPoly([list(map(float, xy))], h, w)[0]


def ann_to_rle(segm, h, w):
    """COCO.annToRLE without a COCO object (same code path)."""
    if type(segm) == list:
        rles = M.frPyObjects(segm, h, w)
        return M.merge(rles)
    elif type(segm["counts"]) == list:
        return M.frPyObjects(segm, h, w)
    return segm


def rand_polys(rng, n):
    cases = []
    for c in range(n):
        kind = c % 6
        if kind == 0:
            h, w = int(rng.integers(1, 40)), int(rng.integers(1, 40))
        elif kind == 1:
            h, w = 1, int(rng.integers(1, 30))
        elif kind == 2:
            h, w = int(rng.integers(1, 30)), 1
        else:
            h, w = int(rng.integers(1, 120)), int(rng.integers(1, 120))
        k = int(rng.integers(3, 12))
        lo, hi = -0.3, 1.3
        xs = rng.uniform(lo * w - 2, hi * w + 2, k)
        ys = rng.uniform(lo * h - 2, hi * h + 2, k)
        mode = c % 5
        if mode == 0:
            xs, ys = np.round(xs, 1), np.round(ys, 1)  # x.y: 5x+.5 ties everywhere
        elif mode == 1:
            xs, ys = np.round(xs * 2) / 2, np.round(ys * 2) / 2
        elif mode == 2:
            xs, ys = np.round(xs, 2), np.round(ys, 2)
        elif mode == 3:
            xs, ys = np.round(xs), np.round(ys)
        # mode 4: full double precision
        xy = [float(v) for p in zip(xs, ys) for v in p]
        if c % 7 == 0 and k > 3:  # duplicate a vertex
            j = int(rng.integers(0, k - 1))
            xy[2 * j + 2:2 * j + 2] = xy[2 * j:2 * j + 2]
        cases.append((xy, h, w))
    return cases


def edge_cases():
    rng = np.random.default_rng(20250101)
    polys = []

    def add_poly(xy, h, w, note=""):
        r = frpoly(xy, h, w)
        polys.append({"h": h, "w": w, "xy": xy, "counts": s(r["counts"]), "note": note})

    sq = [1.0, 1.0, 4.0, 1.0, 4.0, 4.0, 1.0, 4.0]
    add_poly([], 5, 5, "no point")
    add_poly([2.0, 3.0], 5, 5, "1 point")
    add_poly([1.0, 1.0, 4.0, 3.0], 5, 5, "2 points")
    add_poly([1.0, 1.0, 4.0, 1.0], 5, 5, "2 points, horizontal")
    add_poly([1.0, 1.0, 1.0, 4.0], 5, 5, "2 points, vertical")
    add_poly([2.0, 2.0, 2.0, 2.0, 2.0, 2.0], 5, 5, "3 equal points")
    add_poly(sq, 5, 5, "square")
    add_poly([1.0, 1.0, 1.0, 1.0, 4.0, 1.0, 4.0, 1.0, 4.0, 4.0, 1.0, 4.0, 1.0, 4.0], 5, 5, "duplicate vertices")
    add_poly([-3.0, -3.0, 8.0, -3.0, 8.0, 8.0, -3.0, 8.0], 5, 5, "covers the image")
    add_poly([-3.7, -1.2, 2.6, -0.7, 1.1, 3.3], 6, 6, "negative coordinates")
    add_poly([-0.4, -0.4, 0.6, -0.4, 0.6, 0.6, -0.4, 0.6], 3, 3, "around the origin")
    add_poly([10.0, 10.0, 20.0, 10.0, 20.0, 20.0], 5, 5, "outside the image")
    add_poly([-10.0, 2.0, 20.0, 2.5, 20.0, 3.5, -10.0, 3.0], 5, 5, "crossing the image")
    add_poly([0.0, 0.0, 5.0, 0.0, 5.0, 5.0, 0.0, 5.0], 5, 5, "exact image")
    add_poly([0.5, 0.5, 3.5, 0.5, 3.5, 3.5, 0.5, 3.5], 5, 5, "pixel centres")
    add_poly([1.0, 1.0, 4.0, 1.0, 1.0, 4.0, 4.0, 4.0], 6, 6, "bow tie (self-crossing)")
    add_poly([1.0, 1.0, 5.0, 1.0, 5.0, 5.0, 1.0, 5.0, 1.0, 1.0, 2.0, 2.0, 2.0, 4.0, 4.0, 4.0, 4.0, 2.0, 2.0, 2.0], 7, 7, "square with a bridged hole")
    add_poly([1e5, 1e5, -1e5, 3.0, 2.0, -1e5], 20, 20, "huge 1e5")
    add_poly([-1e6, -1e6, 1e6, 3.0, 7.0, 1e6], 20, 30, "huge 1e6")
    add_poly([3.0, -2e6, 3.5, 2e6, 12.0, 5.0], 25, 20, "huge steep edge")
    add_poly([-4e7, 2.0, 4e7, 9.0, 3.0, 17.0], 20, 20, "huge 4e7 (5x fits int)")
    add_poly([1.0, 1.0, 1e6, 1.5, 1e6, 2.5, 1.0, 3.0], 5, 8, "long thin")
    for h, w in [(0, 5), (5, 0), (0, 0), (1, 7), (7, 1), (1, 1)]:
        add_poly([-1.0, -1.0, 3.0, 0.5, 2.0, 4.0, 0.2, 2.2], h, w, "degenerate size %dx%d" % (h, w))
    for xy, h, w in rand_polys(rng, 3000):
        add_poly(xy, h, w, "")
    # some denser polygons on bigger images
    for c in range(60):
        h, w = int(rng.integers(100, 700)), int(rng.integers(100, 700))
        k = int(rng.integers(10, 60))
        ang = np.sort(rng.uniform(0, 2 * np.pi, k))
        rad = rng.uniform(0.2, 0.6, k) * min(h, w)
        cx, cy = rng.uniform(0, w), rng.uniform(0, h)
        xy = [float(round(v, 2)) for a, r in zip(ang, rad) for v in (cx + r * np.cos(a), cy + r * np.sin(a))]
        add_poly(xy, h, w, "star")

    boxes = []
    for bb, h, w in [([1, 1, 3, 2], 5, 5), ([0, 0, 5, 5], 5, 5), ([-2, -2, 3, 3], 5, 5), ([2.3, 1.7, 0.2, 0.2], 5, 5),
                     ([2.3, 1.7, 1.4, 2.6], 6, 6), ([4, 4, 10, 10], 5, 5), ([0, 0, 0, 0], 5, 5), ([1, 1, -1, 2], 5, 5),
                     ([3.5, 0.5, 1.0, 3.0], 5, 8), ([1e6, 1, 5, 5], 5, 5), ([0.1, 0.1, 0.8, 0.8], 1, 1)]:
        bbf = [float(v) for v in bb]
        r = _mask.frBbox(np.array([bbf], dtype=np.double), h, w)[0]
        boxes.append({"h": h, "w": w, "bb": bbf, "counts": s(r["counts"])})
    for c in range(200):
        h, w = int(rng.integers(1, 50)), int(rng.integers(1, 50))
        bbf = [float(round(v, 1)) for v in (rng.uniform(-5, w), rng.uniform(-5, h), rng.uniform(0, w), rng.uniform(0, h))]
        r = _mask.frBbox(np.array([bbf], dtype=np.double), h, w)[0]
        boxes.append({"h": h, "w": w, "bb": bbf, "counts": s(r["counts"])})

    segs = []

    def add_seg(seg, h, w, note):
        e = {"h": h, "w": w, "segmentation": seg, "note": note}
        try:
            r = ann_to_rle(seg, h, w)
            e.update(describe(r))
        except Exception as ex:
            e["error"] = type(ex).__name__
        segs.append(e)

    big = [1.0, 1.0, 6.0, 1.5, 5.0, 6.0, 1.5, 5.0]
    add_seg([[1.0, 1.0, 3.0, 2.0]], 8, 8, "4-number polygon = box")
    add_seg([[1.0, 1.0, 3.0, 2.0], [4.0, 4.0, 2.0, 3.0]], 8, 8, "two 4-number polygons = two boxes")
    add_seg([[1.0, 1.0, 3.0, 2.0], big], 8, 8, "4-number first, longer second: pycocotools fails")
    add_seg([big, [1.0, 1.0, 3.0, 2.0]], 8, 8, "4-number second part = 2-point polygon")
    add_seg([big, [2.0, 2.0]], 8, 8, "1-point second part")
    add_seg([big, []], 8, 8, "empty second part")
    add_seg([[2.0, 2.0]], 8, 8, "1-point first part: pycocotools fails")
    add_seg([[]], 8, 8, "empty first part: pycocotools fails")
    add_seg([big], 8, 8, "one polygon")
    add_seg([big, [4.0, 0.0, 7.5, 0.0, 7.5, 3.0], [0.0, 6.0, 3.0, 6.0, 3.0, 8.0, 0.0, 8.0]], 8, 8, "three parts")
    add_seg([big, big], 8, 8, "same part twice")
    add_seg({"size": [3, 4], "counts": [2, 0, 3, 7]}, 3, 4, "uncompressed with a zero-length run")
    add_seg({"size": [3, 4], "counts": [0, 12]}, 3, 4, "uncompressed all ones")
    add_seg({"size": [3, 4], "counts": [12, 0]}, 3, 4, "uncompressed trailing empty run")
    add_seg({"size": [3, 4], "counts": [2, 3]}, 3, 4, "uncompressed short")
    add_seg({"size": [5, 6], "counts": [1, 2, 3, 4, 20]}, 3, 4, "uncompressed, size differs from the image")

    ucrles = []
    for h, w, cnts in [(3, 4, [12]), (3, 4, [0, 12]), (3, 4, [12, 0]), (3, 4, [0, 0, 12]), (3, 4, [2, 0, 3, 7]),
                       (3, 4, [5, 1, 0, 1, 5]), (10, 10, [50, 10, 2, 30, 8]), (10, 10, [0, 30, 5, 1, 64]),
                       (100, 100, [7, 1000, 3, 20, 8970]), (100, 100, [9000, 990, 1, 2, 3, 4]),
                       (1000, 1000, [123456, 654321, 3, 222220]), (1, 1, [1]), (1, 1, [0, 1]), (0, 5, [0]), (0, 5, []),
                       (2000, 3000, [5999999, 1]), (3, 4, [0, 0, 0, 0, 12, 0, 0])]:
        r = _mask.frUncompressedRLE([{"size": [h, w], "counts": cnts}], h, w)[0]
        e = {"h": h, "w": w, "counts": cnts, "s": s(r["counts"]), "area": int(M.area(r)),
             "bbox": [float(v) for v in M.toBbox(r)]}
        if h * w > 0 and sum(cnts) == h * w:
            e["ck"] = checksum(r)
        ucrles.append(e)
    for c in range(300):
        h, w = int(rng.integers(1, 200)), int(rng.integers(1, 200))
        n = h * w
        m = int(rng.integers(1, 30))
        cuts = np.sort(rng.integers(0, n + 1, m))
        cnts = np.diff(np.concatenate([[0], cuts, [n]])).tolist()
        r = _mask.frUncompressedRLE([{"size": [h, w], "counts": cnts}], h, w)[0]
        ucrles.append({"h": h, "w": w, "counts": [int(v) for v in cnts], "s": s(r["counts"]), "area": int(M.area(r)),
                       "bbox": [float(v) for v in M.toBbox(r)], "ck": checksum(r)})

    merges = []

    def rle_of(p):
        return {"size": [p["h"], p["w"]], "counts": p["counts"].encode()}

    by_size = {}
    for p in polys:
        if p["h"] > 0 and p["w"] > 0:
            by_size.setdefault((p["h"], p["w"]), []).append(p)
    groups = [g for g in by_size.values() if len(g) >= 3][:80]
    for g in groups:
        for k in (1, 2, 3):
            for inter in (False, True):
                ins = [rle_of(p) for p in g[:k]]
                r = M.merge(ins, intersect=inter)
                merges.append({"in": [(p["h"], p["w"], p["counts"]) for p in g[:k]], "intersect": inter,
                               "h": int(r["size"][0]), "w": int(r["size"][1]), "counts": s(r["counts"])})
    a, b = polys[6], [p for p in polys if (p["h"], p["w"]) != (5, 5) and p["h"] > 0][0]
    r = M.merge([rle_of(a), rle_of(b)])
    merges.append({"in": [(a["h"], a["w"], a["counts"]), (b["h"], b["w"], b["counts"])], "intersect": False,
                   "h": int(r["size"][0]), "w": int(r["size"][1]), "counts": s(r["counts"]), "note": "size mismatch"})

    ious = []
    for g in groups[:60]:
        dts = [rle_of(p) for p in g[: len(g) // 2 + 1]]
        gts = [rle_of(p) for p in g[len(g) // 2:]]
        crowd = [int(i % 2) for i in range(len(gts))]
        o = M.iou(dts, gts, crowd)
        ious.append({"dt": [(p["h"], p["w"], p["counts"]) for p in g[: len(g) // 2 + 1]],
                     "gt": [(p["h"], p["w"], p["counts"]) for p in g[len(g) // 2:]],
                     "iscrowd": crowd, "iou": [float(v) for v in np.asarray(o).ravel()]})
    # size mismatch with overlapping boxes, empty masks
    x = frpoly([1, 1, 6, 1, 6, 6, 1, 6], 10, 10)
    y = frpoly([1, 1, 6, 1, 6, 6, 1, 6], 10, 12)
    z = frpoly([], 10, 10)
    cases = [([x], [y], [0]), ([x, z], [x, z], [0, 1]), ([z], [z], [1]), ([x], [x, y], [1, 0])]
    for dts, gts, crowd in cases:
        o = M.iou(dts, gts, crowd)
        ious.append({"dt": [(int(r["size"][0]), int(r["size"][1]), s(r["counts"])) for r in dts],
                     "gt": [(int(r["size"][0]), int(r["size"][1]), s(r["counts"])) for r in gts],
                     "iscrowd": crowd, "iou": [float(v) for v in np.asarray(o).ravel()]})

    bious = []
    for c in range(40):
        nd, ng = int(rng.integers(1, 6)), int(rng.integers(1, 6))
        dt = np.round(rng.uniform(0, 50, (nd, 4)), int(c % 3)).tolist()
        gt = np.round(rng.uniform(0, 50, (ng, 4)), int(c % 3)).tolist()
        crowd = [int(v) for v in rng.integers(0, 2, ng)]
        o = M.iou(dt, gt, crowd)
        bious.append({"dt": dt, "gt": gt, "iscrowd": crowd, "iou": [float(v) for v in np.asarray(o).ravel()]})
    bious.append({"dt": [[0.0, 0.0, 0.0, 0.0]], "gt": [[0.0, 0.0, 0.0, 0.0]], "iscrowd": [1],
                  "iou": [float(v) for v in np.asarray(M.iou([[0.0, 0.0, 0.0, 0.0]], [[0.0, 0.0, 0.0, 0.0]], [1])).ravel()]})

    encodes = []
    for c in range(120):
        h, w = int(rng.integers(1, 40)), int(rng.integers(1, 40))
        p = [0.0, 0.02, 0.5, 0.98, 1.0][c % 5]
        bm = (rng.random((h, w)) < p).astype(np.uint8)
        r = M.encode(np.asfortranarray(bm))
        encodes.append({"h": h, "w": w, "rows": ["".join(map(str, row)) for row in bm.tolist()],
                        "counts": s(r["counts"])})

    # Non-canonical runs (zero-length runs anywhere): pycocotools' pairwise merge keeps some of them, and
    # toBbox / iou's box filter see them. Inputs as uncompressed counts, all adding up to h*w.
    rng2 = np.random.default_rng(777)

    def noncanonical(h, w):
        n = h * w
        cuts = np.sort(rng2.integers(0, n + 1, int(rng2.integers(0, 12))))
        cnts = np.diff(np.concatenate([[0], cuts, [n]])).tolist()
        for _ in range(int(rng2.integers(0, 4))):  # insert empty runs
            j = int(rng2.integers(0, len(cnts) + 1))
            cnts[j:j] = [0] if rng2.random() < 0.5 else [0, 0]
        return [int(v) for v in cnts]

    def ucs(h, w, cnts):
        return _mask.frUncompressedRLE([{"size": [h, w], "counts": cnts}], h, w)[0]

    # Two inputs only: with three, pycocotools can loop forever (a pairwise step that meets empty runs on
    # both sides at once stops early, and the next step then sees totals that differ); images of at least
    # 8x8 so that rleMerge's h*w+1 output buffer cannot overflow (it can with many empty runs).
    for c in range(150):
        h, w = int(rng2.integers(8, 20)), int(rng2.integers(8, 20))
        ins = [noncanonical(h, w) for _ in range(2)]
        if c % 10 == 0:
            ins[0] = [h * w, 0]  # empty mask with an empty trailing run
        for inter in (False, True):
            r = M.merge([ucs(h, w, x) for x in ins], intersect=inter)
            merges.append({"in_counts": ins, "h": h, "w": w, "intersect": inter,
                           "out_h": int(r["size"][0]), "out_w": int(r["size"][1]), "counts": s(r["counts"])})
    for c in range(80):
        h, w = int(rng2.integers(8, 20)), int(rng2.integers(8, 20))
        dts = [noncanonical(h, w) for _ in range(int(rng2.integers(1, 4)))]
        gts = [noncanonical(h, w) for _ in range(int(rng2.integers(1, 4)))]
        if c % 8 == 0:
            gts[0] = [h * w, 0]
        crowd = [int(v) for v in rng2.integers(0, 2, len(gts))]
        o = M.iou([ucs(h, w, x) for x in dts], [ucs(h, w, x) for x in gts], crowd)
        ious.append({"dt_counts": dts, "gt_counts": gts, "h": h, "w": w, "iscrowd": crowd,
                     "iou": [float(v) for v in np.asarray(o).ravel()]})

    return {"pycocotools": "2.0.11", "poly": polys, "bbox": boxes, "seg": segs, "ucrle": ucrles,
            "merge": merges, "iou": ious, "bbox_iou": bious, "encode": encodes}


def dump(obj, path):
    with open(path, "w") as f:
        json.dump(obj, f, separators=(",", ":"))
        f.write("\n")
    print(path, os.path.getsize(path), "bytes", file=sys.stderr)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="fixtures")
    ap.add_argument("--out", default="fixtures/golden/masks")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    for name, path, gt in REAL:
        dump(real_file(args.data, name, path, gt), os.path.join(args.out, "real_%s.json" % name))
    dump(edge_cases(), os.path.join(args.out, "edge.json"))


if __name__ == "__main__":
    main()
