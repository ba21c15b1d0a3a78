#!/usr/bin/env python3
"""Golden outputs for `cocokit eval coco --confusion` and `--operating-point`, computed independently of
cocokit with numpy and pycocotools 2.0.11.

Confusion matrix: the rule of src/eval/confusion.rs, reimplemented here: per image, detections with score >=
score_thr, class-agnostic IoU (pycocotools `maskUtils.iou`: boxes, or masks from `annToRLE`) against the
non-crowd ground truths, pairs with IoU >= iou_thr taken greedily by IoU (ties: higher score, earlier
detection, earlier ground truth); taken pairs at [truth][predicted], untaken ground truths at
[truth][background], untaken detections at [background][predicted] unless their iscrowd IoU with a crowd
region is >= iou_thr.
Operating point: pycocotools' own COCOeval.evaluate() with iouThrs=[I], areaRng=[[0, 1e10]], maxDets=[100];
its evalImgs (dtMatches, dtIgnore, gtIgnore, dtScores) give TP/FP/FN at score >= S, precision, recall, F1
= 2PR/(P+R), and the F1-maximizing threshold over the distinct scores (higher score on ties), per category
and pooled over categories.

Cases: cocoapi-val2014-100 (fake bbox and segm results) and `cocokit synth --images 40 --seed 7`.
Run from the repository root with /work/refvenv/bin/python: python scripts/golden_confusion.py [cocokit]
Writes fixtures/golden/confusion/<case>.json; tests/tide.rs compares exactly.
"""
import io
import json
import os
import subprocess
import sys
import tempfile
from contextlib import redirect_stdout

import numpy as np
from pycocotools import mask as mask_utils
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

FIX = os.path.join(os.path.dirname(__file__), "..", "fixtures")
COCOKIT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "target",
                                                               "debug", "cocokit")
VAL = os.path.join(FIX, "cocoapi-val2014-100")
tmp = tempfile.mkdtemp()
synth_gt, synth_res = os.path.join(tmp, "synth.json"), os.path.join(tmp, "synth.results.json")
subprocess.run([COCOKIT, "synth", "--images", "40", "--seed", "7", "-o", synth_gt, "--results", synth_res, "-q"],
               check=True)
val_gt = os.path.join(VAL, "instances_val2014_100.json")
CASES = {
    # name: (gt, results, iou type, (confusion iou, score), (operating point score, iou))
    "val2014-bbox": (val_gt, os.path.join(VAL, "instances_val2014_fakebbox100_results.json"), "bbox",
                     (0.5, 0.25), (0.5, 0.5)),
    "val2014-bbox-strict": (val_gt, os.path.join(VAL, "instances_val2014_fakebbox100_results.json"), "bbox",
                            (0.75, 0.3), (0.3, 0.75)),
    "val2014-segm": (val_gt, os.path.join(VAL, "instances_val2014_fakesegm100_results.json"), "segm",
                     (0.5, 0.25), (0.5, 0.5)),
    "synth40-bbox": (synth_gt, synth_res, "bbox", (0.5, 0.25), (0.5, 0.5)),
    "synth40-segm": (synth_gt, synth_res, "segm", (0.5, 0.25), (0.5, 0.5)),
}


def geometry(coco, anns, iou_type, is_result):
    if iou_type == "bbox":
        return [a["bbox"] for a in anns]
    if is_result:
        return [a["segmentation"] for a in anns]
    return [coco.annToRLE(a) for a in anns]


def confusion(gt, dets, iou_type, iou_thr, score_thr):
    cats = sorted(gt.getCatIds())
    at = {c: i for i, c in enumerate(cats)}
    bg = len(cats)
    m = np.zeros((bg + 1, bg + 1), dtype=np.int64)
    dets_by_img = {}
    for d in dets:  # file order
        dets_by_img.setdefault(d["image_id"], []).append(d)
    for img in gt.dataset["images"]:
        anns = [a for a in gt.dataset["annotations"] if a["image_id"] == img["id"]]
        regular = [a for a in anns if not a.get("iscrowd", 0)]
        crowd = [a for a in anns if a.get("iscrowd", 0)]
        ds = [d for d in dets_by_img.get(img["id"], []) if d["score"] >= score_thr]
        cols = regular + crowd
        if ds and cols:
            iou = np.array(mask_utils.iou(geometry(gt, ds, iou_type, True), geometry(gt, cols, iou_type, False),
                                          [0] * len(regular) + [1] * len(crowd)), dtype=np.float64)
            iou = iou.reshape(len(ds), len(cols))
        else:
            iou = np.zeros((len(ds), len(cols)))
        ng = len(regular)
        d_idx, g_idx = np.nonzero(iou[:, :ng] >= iou_thr)
        scores = np.array([d["score"] for d in ds], dtype=np.float64)
        vals = iou[d_idx, g_idx]
        order = np.lexsort((g_idx, d_idx, -scores[d_idx] if len(d_idx) else d_idx, -vals))
        d_taken, g_taken = set(), set()
        for k in order:
            d, g = int(d_idx[k]), int(g_idx[k])
            if d not in d_taken and g not in g_taken:
                d_taken.add(d)
                g_taken.add(g)
                m[at[regular[g]["category_id"]], at[ds[d]["category_id"]]] += 1
        for g in range(ng):
            if g not in g_taken:
                m[at[regular[g]["category_id"]], bg] += 1
        for d in range(len(ds)):
            if d not in d_taken and not (iou[d, ng:] >= iou_thr).any():
                m[bg, at[ds[d]["category_id"]]] += 1
    names = {c["id"]: c["name"] for c in gt.dataset["categories"]}
    return {"labels": [names[c] for c in cats] + ["background"], "category_ids": cats,
            "matrix": m.tolist(), "iou_thr": iou_thr, "score_thr": score_thr}


def ratios(tp, fp, npos):
    p = tp / (tp + fp) if tp + fp > 0 else 0.0
    r = tp / npos if npos > 0 else 0.0
    f = 2 * p * r / (p + r) if p + r > 0 else 0.0
    return p, r, f


def point(cat, scores, tps, npos, s):
    scores, tps = np.asarray(scores, dtype=np.float64), np.asarray(tps, dtype=bool)
    keep = scores >= s
    tp, fp = int((tps & keep).sum()), int((~tps & keep).sum())
    p, r, f = ratios(tp, fp, npos)
    best_score, best_f1 = None, 0.0
    for t in np.unique(scores)[::-1]:  # each distinct score, highest first
        sel = scores >= t
        f_t = ratios(int((tps & sel).sum()), int((~tps & sel).sum()), npos)[2]
        if f_t > best_f1:
            best_f1, best_score = f_t, float(t)
    return {"category_id": cat, "tp": tp, "fp": fp, "fn": npos - tp, "precision": p, "recall": r, "f1": f,
            "best_score": best_score, "best_f1": best_f1}


def operating_point(gt, dt, iou_type, score_thr, iou_thr):
    ev = COCOeval(gt, dt, iou_type)
    ev.params.iouThrs = np.array([iou_thr])
    ev.params.areaRng = [[0 ** 2, 1e5 ** 2]]
    ev.params.areaRngLbl = ["all"]
    ev.params.maxDets = [100]
    with redirect_stdout(io.StringIO()):
        ev.evaluate()
    per = {c: ([], [], 0) for c in ev.params.catIds}
    for e in ev.evalImgs:
        if e is None:
            continue
        scores, tps, npos = per[e["category_id"]]
        for s, mt, ig in zip(e["dtScores"], e["dtMatches"][0], e["dtIgnore"][0]):
            if not ig:
                scores.append(s)
                tps.append(mt > 0)
        per[e["category_id"]] = (scores, tps, npos + int((np.asarray(e["gtIgnore"]) == 0).sum()))
    rows = [point(c, *per[c], score_thr) for c in sorted(per)]
    all_s = sum((per[c][0] for c in sorted(per)), [])
    all_t = sum((per[c][1] for c in sorted(per)), [])
    overall = point(None, all_s, all_t, sum(per[c][2] for c in per), score_thr)
    return {"score_thr": score_thr, "iou_thr": iou_thr, "max_dets": 100, "per_class": rows, "overall": overall}


out_dir = os.path.join(FIX, "golden", "confusion")
os.makedirs(out_dir, exist_ok=True)
for name, (gt_path, res_path, iou_type, (c_iou, c_score), (o_score, o_iou)) in CASES.items():
    with redirect_stdout(io.StringIO()):
        gt = COCO(gt_path)
        dt = gt.loadRes(res_path)
    with open(res_path) as f:
        dets = json.load(f)
    golden = {"iou_type": iou_type,
              "confusion": confusion(gt, dets, iou_type, c_iou, c_score),
              "operating_point": operating_point(gt, dt, iou_type, o_score, o_iou)}
    with open(os.path.join(out_dir, name + ".json"), "w") as f:
        json.dump(golden, f, indent=1, sort_keys=True, default=int)  # numpy integers
        f.write("\n")
    o = golden["operating_point"]["overall"]
    print(name, "confusion sum", int(np.sum(golden["confusion"]["matrix"])), "overall", o)
