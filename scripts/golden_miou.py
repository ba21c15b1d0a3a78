#!/usr/bin/env python3
"""Golden outputs for cocokit's semantic mIoU (src/eval/miou*, tests/miou_golden.rs).

Run from the repository root with the project venv:

    /work/venv/bin/python scripts/golden_miou.py                                   # regenerate the golden files
    /work/venv/bin/python scripts/golden_miou.py --make-results GT.json OUT.json   # a results file for a benchmark
    /work/venv/bin/python scripts/golden_miou.py --bench GT.json RESULTS.json      # time the numpy reference

It (1) generates small synthetic label-map PNGs, deterministically, under fixtures/golden/miou/<case>/{gt,pred}/,
(2) evaluates every case with numpy re-implementations of the reference formulas, written from reading:

  - mmsegmentation `IoUMetric.intersect_and_union` + `IoUMetric.total_area_to_metrics` (mmseg/evaluation/metrics/
    iou_metric.py) and its `LoadAnnotations(reduce_zero_label=True)` label shift;
  - detectron2 `SemSegEvaluator.process` (confusion matrix by np.bincount) + `SemSegEvaluator.evaluate`
    (detectron2/evaluation/sem_seg_evaluation.py);
  - the official ADE20K `evaluationCode/utils_eval.py` (`intersectionAndUnion`, `pixelAccuracy`), used as a
    cross-check of the absent-as-zero convention on ADE-style cases (0 = unlabelled);

and (3) writes one JSON per case under fixtures/golden/miou/<case>.json with the options and, per convention
(mmseg, ade20k, detectron2, zero-over-gt-present), every per-class and mean number. The real ADE20K sample
(fixtures/ade20k-sample) is evaluated in place, not copied.

Reference semantics cocokit documents (docs/MIOU.md) and this script applies the same way:
  - a missing prediction is a prediction map of raw 0s;
  - a prediction equal to the ignore index on a labelled pixel is "no prediction" (mmseg's histc drops it);
    detectron2 never sees one (argmax outputs), so for cases that have some, its `pos_gt` is taken over all
    predictions (flag `detectron2_extension` in the JSON); without them the formula is detectron2's verbatim.
"""

import contextlib
import io
import json
import os
import sys

import numpy as np
from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "fixtures", "golden", "miou")
ADE = os.path.join(ROOT, "fixtures", "ade20k-sample")


# ----------------------------------------------------------------------------------------------------------------
# mmsegmentation
# ----------------------------------------------------------------------------------------------------------------

def mmseg_reduce_zero_label(label):
    """LoadAnnotations(reduce_zero_label=True): 0 -> 255, v -> v - 1, and 254 (raw 255) back to 255."""
    label = label.astype(np.int64).copy()
    label[label == 0] = 255
    label = label - 1
    label[label == 254] = 255
    return label


def histc(values, n):
    """torch.histc(values.float(), bins=n, min=0, max=n-1): n equal bins over [0, n-1], outside values dropped."""
    counts, _ = np.histogram(values.astype(np.float64), bins=n, range=(0, n - 1))
    return counts.astype(np.float64)


def mmseg_intersect_and_union(pred_label, label, num_classes, ignore_index):
    mask = label != ignore_index
    pred_label = pred_label[mask]
    label = label[mask]
    intersect = pred_label[pred_label == label]
    area_intersect = histc(intersect, num_classes)
    area_pred_label = histc(pred_label, num_classes)
    area_label = histc(label, num_classes)
    area_union = area_pred_label + area_label - area_intersect
    return area_intersect, area_union, area_pred_label, area_label


def mmseg_total_area_to_metrics(ti, tu, tp, tl, nan_to_num=None, beta=1):
    """All three metric groups ('mIoU', 'mDice', 'mFscore'), float64."""
    def f_score(precision, recall, beta=1):
        return (1 + beta ** 2) * (precision * recall) / ((beta ** 2 * precision) + recall)

    with np.errstate(divide="ignore", invalid="ignore"):
        ret = {"aAcc": ti.sum() / tl.sum()}
        ret["IoU"] = ti / tu
        ret["Acc"] = ti / tl
        ret["Dice"] = 2 * ti / (tp + tl)
        precision = ti / tp
        recall = ti / tl
        ret["Fscore"] = np.array([f_score(p, r, beta) for p, r in zip(precision, recall)])
        ret["Precision"] = precision
        ret["Recall"] = recall
    if nan_to_num is not None:
        ret = {k: np.nan_to_num(v, nan=nan_to_num) for k, v in ret.items()}
    return ret


def nanmean(v):
    v = np.asarray(v, dtype=np.float64)
    if np.all(np.isnan(v)):
        return float("nan")
    return float(np.nanmean(v))


# ----------------------------------------------------------------------------------------------------------------
# detectron2
# ----------------------------------------------------------------------------------------------------------------

def d2_process(conf, pred, gt, num_classes, ignore_label):
    """SemSegEvaluator.process: conf[(n+1) * pred + gt] via bincount; ignored gt -> row n.
    A prediction equal to the ignore label (never produced by detectron2's argmax) goes to column... row n too."""
    gt = gt.astype(np.int64).copy()
    pred = pred.astype(np.int64).copy()
    gt[gt == ignore_label] = num_classes
    pred[pred == ignore_label] = num_classes
    assert gt.max() <= num_classes and pred.max() <= num_classes
    conf += np.bincount(
        (num_classes + 1) * pred.reshape(-1) + gt.reshape(-1), minlength=conf.size
    ).reshape(conf.shape)


def d2_evaluate(conf, num_classes, extension):
    """SemSegEvaluator.evaluate. conf is indexed [pred, gt]. With `extension`, pos_gt also counts ground-truth
    pixels predicted as the ignore label (row n), which detectron2's argmax never produces."""
    acc = np.full(num_classes, np.nan, dtype=np.float64)
    iou = np.full(num_classes, np.nan, dtype=np.float64)
    tp = conf.diagonal()[:-1].astype(np.float64)
    if extension:
        pos_gt = np.sum(conf[:, :-1], axis=0).astype(np.float64)
    else:
        pos_gt = np.sum(conf[:-1, :-1], axis=0).astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        class_weights = pos_gt / np.sum(pos_gt)
    pos_pred = np.sum(conf[:-1, :-1], axis=1).astype(np.float64)
    acc_valid = pos_gt > 0
    acc[acc_valid] = tp[acc_valid] / pos_gt[acc_valid]
    union = pos_gt + pos_pred - tp
    iou_valid = np.logical_and(acc_valid, union > 0)
    iou[iou_valid] = tp[iou_valid] / union[iou_valid]
    with np.errstate(divide="ignore", invalid="ignore"):
        macc = np.sum(acc[acc_valid]) / np.sum(acc_valid)
        miou = np.sum(iou[iou_valid]) / np.sum(iou_valid)
        fiou = np.sum(iou[iou_valid] * class_weights[iou_valid])
        pacc = np.sum(tp) / np.sum(pos_gt)
    return dict(acc=acc, iou=iou, macc=macc, miou=miou, fwiou=fiou, pacc=pacc, pos_gt=pos_gt, pos_pred=pos_pred)


# ----------------------------------------------------------------------------------------------------------------
# ADE20K official (evaluationCode/utils_eval.py)
# ----------------------------------------------------------------------------------------------------------------

def ade_intersection_and_union(im_pred, im_lab, num_class):
    im_pred = np.asarray(im_pred).astype(np.int64)
    im_lab = np.asarray(im_lab).astype(np.int64)
    im_pred = im_pred * (im_lab > 0)
    intersection = im_pred * (im_pred == im_lab)
    area_intersection, _ = np.histogram(intersection, bins=num_class, range=(1, num_class))
    area_pred, _ = np.histogram(im_pred, bins=num_class, range=(1, num_class))
    area_lab, _ = np.histogram(im_lab, bins=num_class, range=(1, num_class))
    return area_intersection, area_pred + area_lab - area_intersection


def ade_pixel_accuracy(im_pred, im_lab):
    im_pred = np.asarray(im_pred)
    im_lab = np.asarray(im_lab)
    pixel_labeled = np.sum(im_lab > 0)
    pixel_correct = np.sum((im_pred == im_lab) * (im_lab > 0))
    return pixel_correct, pixel_labeled


# ----------------------------------------------------------------------------------------------------------------
# Evaluation of one case under every convention
# ----------------------------------------------------------------------------------------------------------------

def load(path):
    return np.array(Image.open(path))


def pairs_of(gt_dir, pred_dir):
    stems = sorted(os.path.splitext(f)[0] for f in os.listdir(gt_dir) if f.lower().endswith(".png"))
    for stem in stems:
        gt = load(os.path.join(gt_dir, stem + ".png"))
        p = os.path.join(pred_dir, stem + ".png")
        if os.path.exists(p):
            yield stem, gt, load(p), False
        else:
            yield stem, gt, np.zeros_like(gt), True  # a missing prediction: all raw 0


def evaluate(gt_dir, pred_dir, num_classes, ignore_index, reduce_zero_label, ade_check=False, pairs=None):
    """Every convention's numbers for the label-map pairs of two PNG directories (or of `pairs`: an iterable of
    (name, gt map, pred map, prediction was missing))."""
    n = num_classes
    totals = [np.zeros(n) for _ in range(4)]
    conf = np.zeros((n + 1, n + 1), dtype=np.int64)
    missing, images, unpredicted, ignored = [], 0, 0, 0
    ade_i, ade_u, ade_c, ade_l = np.zeros(n), np.zeros(n), 0, 0
    for stem, gt, pred, was_missing in (pairs if pairs is not None else pairs_of(gt_dir, pred_dir)):
        images += 1
        if was_missing:
            missing.append(stem)
        if ade_check:
            i, u = ade_intersection_and_union(pred, gt, n)
            ade_i += i
            ade_u += u
            c, l = ade_pixel_accuracy(pred, gt)
            ade_c += c
            ade_l += l
        if reduce_zero_label:
            gt = mmseg_reduce_zero_label(gt)
            pred = mmseg_reduce_zero_label(pred)  # predictions share the ground truth's label space
        gt = gt.astype(np.int64)
        pred = pred.astype(np.int64)
        for k, v in enumerate(mmseg_intersect_and_union(pred, gt, n, ignore_index)):
            totals[k] += v
        d2_process(conf, pred, gt, n, ignore_index)
        valid = gt != ignore_index
        ignored += int(np.sum(~valid))
        unpredicted += int(np.sum(valid & (pred == ignore_index)))
    ti, tu, tp, tl = totals
    extension = bool(conf[n, :-1].sum() > 0)

    conventions = {}
    for name, nan_to_num in (("mmseg", None), ("ade20k", 0)):
        m = mmseg_total_area_to_metrics(ti, tu, tp, tl, nan_to_num=nan_to_num)
        d2 = d2_evaluate(conf, n, extension)
        fw = d2["fwiou"] if tl.sum() > 0 else (0.0 if nan_to_num == 0 else float("nan"))
        conventions[name] = dict(
            per_class=dict(iou=m["IoU"], acc=m["Acc"], dice=m["Dice"], precision=m["Precision"], fscore=m["Fscore"]),
            miou=nanmean(m["IoU"]), macc=nanmean(m["Acc"]), mdice=nanmean(m["Dice"]),
            mprecision=nanmean(m["Precision"]), mfscore=nanmean(m["Fscore"]),
            aacc=float(m["aAcc"]), fwiou=float(fw),
        )
    # detectron2: IoU / Acc / mIoU / mACC / fwIoU / pACC from SemSegEvaluator.evaluate; Dice, Precision, F-score
    # (not in detectron2) by mmseg's formulas restricted to the classes detectron2 keeps (ground truth present).
    for name, zero in (("detectron2", False), ("zero-over-gt-present", True)):
        d2 = d2_evaluate(conf, n, extension)
        m = mmseg_total_area_to_metrics(ti, tu, tp, tl)
        keep = d2["pos_gt"] > 0
        assert np.array_equal(d2["pos_gt"], tl) and np.array_equal(d2["pos_pred"], tp)
        per = {}
        for key in ("dice", "precision", "fscore"):
            v = {"dice": m["Dice"], "precision": m["Precision"], "fscore": m["Fscore"]}[key].copy()
            v[~keep] = np.nan
            if zero:
                v[keep] = np.nan_to_num(v[keep], nan=0.0)
            per[key] = v
        per["iou"], per["acc"] = d2["iou"], d2["acc"]
        pacc = float(d2["pacc"])
        if zero and np.isnan(pacc):
            pacc = 0.0
        means = {}
        for key, out in (("iou", "miou"), ("acc", "macc"), ("dice", "mdice"), ("precision", "mprecision"),
                         ("fscore", "mfscore")):
            v = nanmean(per[key])
            means[out] = 0.0 if (zero and np.isnan(v)) else v
        conventions[name] = dict(per_class=per, aacc=pacc, fwiou=float(d2["fwiou"]), **means)
        if not zero:
            # Same numbers as detectron2's own aggregates.
            assert np.allclose(means["miou"], d2["miou"], equal_nan=True, rtol=0, atol=1e-15)
            assert np.allclose(means["macc"], d2["macc"], equal_nan=True, rtol=0, atol=1e-15)

    if ade_check:
        eps = np.spacing(1)
        ade_miou = float(np.mean(ade_i / (eps + ade_u)))
        ade_pacc = float(ade_c / (eps + ade_l))
        ours = conventions["ade20k"]
        assert abs(ade_miou - ours["miou"]) < 1e-12, (ade_miou, ours["miou"])
        assert abs(ade_pacc - ours["aacc"]) < 1e-12, (ade_pacc, ours["aacc"])

    def clean(v):
        v = float(v)
        return None if np.isnan(v) else v

    out = dict(
        num_classes=n, ignore_index=ignore_index, reduce_zero_label=reduce_zero_label, images=images,
        missing_predictions=missing, ignored_pixels=ignored, unpredicted_pixels=unpredicted,
        detectron2_extension=extension,
        gt_pixels=[int(x) for x in tl], pred_pixels=[int(x) for x in tp],
        conventions={},
    )
    if n <= 16:
        # [gt][pred] with the last column "no prediction" (cocokit's layout); detectron2's conf is [pred][gt].
        out["confusion"] = [[int(conf[p, g]) for p in range(n + 1)] for g in range(n)]
    for name, c in conventions.items():
        out["conventions"][name] = dict(
            {k: clean(c[k]) for k in ("miou", "macc", "mdice", "aacc", "fwiou", "mprecision", "mfscore")},
            per_class={k: [clean(x) for x in v] for k, v in c["per_class"].items()},
        )
    return out


# ----------------------------------------------------------------------------------------------------------------
# Synthetic cases
# ----------------------------------------------------------------------------------------------------------------

def blocks(rng, h, w, labels, background, count):
    m = np.full((h, w), background, dtype=np.int64)
    for _ in range(count):
        y0, x0 = rng.integers(0, h), rng.integers(0, w)
        y1, x1 = min(h, y0 + rng.integers(1, h // 2 + 2)), min(w, x0 + rng.integers(1, w // 2 + 2))
        m[y0:y1, x0:x1] = rng.choice(labels)
    return m


def perturb(rng, gt, labels, flip_frac, none_value=None, none_frac=0.0):
    pred = gt.copy()
    h, w = gt.shape
    # A wrong block and salt noise.
    y0, x0 = rng.integers(0, h), rng.integers(0, w)
    pred[y0:y0 + h // 3 + 1, x0:x0 + w // 3 + 1] = rng.choice(labels)
    noise = rng.random((h, w)) < flip_frac
    pred[noise] = rng.choice(labels, size=int(noise.sum()))
    if none_value is not None:
        nn = rng.random((h, w)) < none_frac
        pred[nn] = none_value
    return pred


def save(path, arr, kind):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if kind == "L":
        Image.fromarray(arr.astype(np.uint8)).save(path)
    elif kind == "I16":
        Image.fromarray(arr.astype(np.uint16)).save(path)
    elif kind == "P":
        im = Image.fromarray(arr.astype(np.uint8))
        palette = []
        for i in range(256):  # VOC palette
            r = g = b = 0
            c = i
            for j in range(8):
                r |= ((c >> 0) & 1) << (7 - j)
                g |= ((c >> 1) & 1) << (7 - j)
                b |= ((c >> 2) & 1) << (7 - j)
                c >>= 3
            palette += [r, g, b]
        im.putpalette(palette)
        assert im.mode == "P"
        im.save(path)
    else:
        raise ValueError(kind)
    back = np.array(Image.open(path))
    assert np.array_equal(back.astype(np.int64), arr.astype(np.int64)), path


def make_case(name, seed, sizes, kind, gen, missing=()):
    rng = np.random.default_rng(seed)
    d = os.path.join(OUT, name)
    for sub in ("gt", "pred"):
        os.makedirs(os.path.join(d, sub), exist_ok=True)
        for f in os.listdir(os.path.join(d, sub)):
            os.remove(os.path.join(d, sub, f))
    for k, (h, w) in enumerate(sizes):
        stem = f"img_{k:03d}"
        gt, pred = gen(rng, h, w, k)
        save(os.path.join(d, "gt", stem + ".png"), gt, kind)
        if k not in missing:
            save(os.path.join(d, "pred", stem + ".png"), pred, kind)
    return os.path.join(d, "gt"), os.path.join(d, "pred")


def case_basic():
    """6 classes, 8-bit grey, ignore 255: class 4 only predicted, class 5 absent, some "no prediction" pixels,
    one missing prediction (raw 0 = class 0)."""
    def gen(rng, h, w, k):
        gt = blocks(rng, h, w, [0, 1, 2, 3], 0, 6)
        gt[: h // 5, : w // 4] = 255
        pred = perturb(rng, gt, [0, 1, 2, 3, 4], 0.07, none_value=255 if k % 2 else None, none_frac=0.03)
        return gt, pred
    g, p = make_case("synth_basic", 1, [(11, 17), (20, 32), (40, 5), (48, 64), (9, 9)], "L", gen, missing={3})
    return "synth_basic", evaluate(g, p, 6, 255, False)


def case_d2_pure():
    """No "no prediction" pixels anywhere: detectron2's formulas verbatim; an image with one class only."""
    def gen(rng, h, w, k):
        if k == 2:
            gt = np.full((h, w), 3)
        else:
            gt = blocks(rng, h, w, [0, 1, 2, 3, 5], 1, 7)
            gt[-2:, :] = 255
        pred = perturb(rng, gt, [0, 1, 2, 3, 6], 0.1)
        pred[gt == 255] = rng.choice([0, 1, 6])  # whatever is predicted on ignored pixels does not count
        return gt, pred
    g, p = make_case("synth_d2", 2, [(30, 30), (16, 40), (8, 8), (25, 13)], "L", gen)
    return "synth_d2", evaluate(g, p, 7, 255, False)


def case_wide16():
    """300 classes, 16-bit grey, ignore 65535, labels above 255, one missing prediction (raw 0 = class 0)."""
    labels = [0, 7, 255, 256, 299, 120, 180]

    def gen(rng, h, w, k):
        gt = blocks(rng, h, w, labels, 256, 9)
        gt[h // 2, :] = 65535
        pred = perturb(rng, gt, labels + [17, 298], 0.05, none_value=65535, none_frac=0.02)
        return gt, pred
    g, p = make_case("synth_wide16", 3, [(21, 34), (33, 19), (12, 50)], "I16", gen, missing={1})
    return "synth_wide16", evaluate(g, p, 300, 65535, False)


def case_palette_reduce():
    """ADE-style label space in palette PNGs: raw 0 = unlabelled, classes 1..12 (reduce-zero-label), prediction 0
    on labelled pixels = "no prediction", one missing prediction; cross-checked with the ADE20K script."""
    def gen(rng, h, w, k):
        gt = blocks(rng, h, w, list(range(0, 10)), 1, 8)
        pred = perturb(rng, gt, list(range(1, 12)), 0.06, none_value=0, none_frac=0.04)
        return gt, pred
    g, p = make_case("synth_palette_reduce", 4, [(24, 24), (15, 31), (40, 22), (7, 60)], "P", gen, missing={2})
    return "synth_palette_reduce", evaluate(g, p, 12, 255, True, ade_check=True)


def case_perfect():
    """Prediction = ground truth, 10 classes of which 4 appear: mIoU 1 (mmseg), 0.4 (ade20k)."""
    def gen(rng, h, w, k):
        gt = blocks(rng, h, w, [1, 2, 5, 8], 1, 5)
        return gt, gt.copy()
    g, p = make_case("synth_perfect", 5, [(10, 10), (13, 7)], "L", gen)
    return "synth_perfect", evaluate(g, p, 10, 255, False)


def case_ade():
    g = os.path.join(ADE, "sampleData", "annotations")
    p = os.path.join(ADE, "sampleData", "predictions")
    return "ade20k_sample", evaluate(g, p, 150, 255, True, ade_check=True)

# ----------------------------------------------------------------------------------------------------------------
# COCO JSON inputs: painted with pycocotools' annToMask (the numpy reference of the issue), then as above
# ----------------------------------------------------------------------------------------------------------------

COCO_IGNORE = 65535


def coco_label_space(categories, background):
    """Classes: categories sorted by id; with background "class", the class "background" (id 0) first, unless a
    category has id 0 (it is then that class)."""
    cats = sorted(categories, key=lambda c: c["id"])
    classes = [(c["id"], c["name"]) for c in cats]
    if background == "class" and not (cats and cats[0]["id"] == 0):
        classes.insert(0, (0, "background"))
    index = {cid: i for i, (cid, _) in enumerate(classes)}
    unannotated = 0 if background == "class" else COCO_IGNORE
    return classes, index, unannotated


def coco_pairs(gt_path, results_path, background, score_thr):
    """Semantic maps, image by image in ground-truth file order: the ground truth painted in file order (later
    wins, crowd = ignore, `[]` paints nothing), the results with score >= thr painted in ascending score (stable:
    ties in file order; a result without score first)."""
    from pycocotools.coco import COCO

    with open(gt_path) as f:
        gt_json = json.load(f)
    coco = COCO()
    coco.dataset = gt_json
    with contextlib.redirect_stdout(io.StringIO()):
        coco.createIndex()
    with open(results_path) as f:
        results = json.load(f)
    classes, index, unannotated = coco_label_space(gt_json["categories"], background)
    by_image = {}
    for r in results:
        by_image.setdefault(r["image_id"], []).append(r)
    pairs = []
    for img in gt_json["images"]:
        h, w = img["height"], img["width"]
        gt = np.full((h, w), unannotated, dtype=np.int64)
        for ann in coco.imgToAnns[img["id"]]:
            if ann["segmentation"] == []:
                continue
            m = coco.annToMask(ann)
            gt[m == 1] = COCO_IGNORE if ann.get("iscrowd", 0) else index[ann["category_id"]]
        pred = np.full((h, w), unannotated, dtype=np.int64)
        res = by_image.get(img["id"], [])
        kept = [r for r in res if "score" not in r or r["score"] >= score_thr]
        kept.sort(key=lambda r: r.get("score", float("-inf")))
        for r in kept:
            m = coco.annToMask(r)  # annToRLE takes the size from the ground truth's image record
            pred[m == 1] = index[r["category_id"]]
        pairs.append((str(img["id"]), gt, pred, not res))
    return classes, pairs


def evaluate_coco(gt_path, results_path, background, score_thr=0.5):
    classes, pairs = coco_pairs(gt_path, results_path, background, score_thr)
    out = evaluate(None, None, len(classes), COCO_IGNORE, False, pairs=pairs)
    out.update(background=background, score_thr=score_thr, class_ids=[c for c, _ in classes],
               class_names=[n for _, n in classes])
    return out, pairs


def poly(*xy):
    return [float(v) for v in xy]


def rle_of(h, w, boxes):
    from pycocotools import mask as mask_util
    m = np.zeros((h, w), dtype=np.uint8, order="F")
    for y0, x0, y1, x1 in boxes:
        m[y0:y1, x0:x1] = 1
    r = mask_util.encode(np.asfortranarray(m))
    return {"size": [h, w], "counts": r["counts"].decode()}


def case_coco_synth():
    """A small COCO dataset + results exercising the painting rules: overlaps (later GT wins, higher score wins),
    a crowd region, an empty segmentation, an image without annotations, an image without results, a result below
    the threshold, COCO-Stuff style results without score, polygons and compressed RLE, non-contiguous ids."""
    d = os.path.join(OUT, "coco_synth")
    os.makedirs(d, exist_ok=True)
    images = [
        {"id": 7, "width": 16, "height": 16, "file_name": "seven.jpg"},
        {"id": 1, "width": 40, "height": 30, "file_name": "one.jpg"},
        {"id": 2, "width": 25, "height": 25, "file_name": "two.jpg"},
        {"id": 3, "width": 31, "height": 20, "file_name": "three.jpg"},
    ]
    categories = [{"id": 9, "name": "sky"}, {"id": 1, "name": "person"}, {"id": 5, "name": "car"},
                  {"id": 12, "name": "tree"}]
    anns = [
        {"id": 10, "image_id": 1, "category_id": 1, "iscrowd": 0, "segmentation": [poly(2, 2, 30, 3, 25, 25, 3, 20)]},
        {"id": 11, "image_id": 1, "category_id": 5, "iscrowd": 0, "segmentation": [poly(15.5, 10, 38, 12, 36.2, 28, 14, 27)]},
        {"id": 12, "image_id": 1, "category_id": 9, "iscrowd": 1, "segmentation": rle_of(30, 40, [(0, 30, 8, 40)])},
        {"id": 13, "image_id": 1, "category_id": 9, "iscrowd": 0, "segmentation": [poly(0, 0, 12, 0, 12, 6, 0, 6)]},
        {"id": 14, "image_id": 2, "category_id": 5, "iscrowd": 0, "segmentation": [poly(3, 3, 20, 4, 18, 21), poly(1, 22, 6, 22, 6, 24)]},
        {"id": 15, "image_id": 7, "category_id": 1, "iscrowd": 0, "segmentation": [poly(1, 1, 14, 1, 14, 9, 1, 9)]},
        {"id": 16, "image_id": 7, "category_id": 9, "iscrowd": 0, "segmentation": []},
        {"id": 17, "image_id": 7, "category_id": 9, "iscrowd": 0, "segmentation": rle_of(16, 16, [(10, 0, 16, 16)])},
    ]
    gt = {"images": images, "annotations": anns, "categories": categories}
    results = [
        {"image_id": 1, "category_id": 5, "score": 0.7, "segmentation": [poly(10, 8, 39, 8, 39, 29, 10, 29)]},
        {"image_id": 1, "category_id": 1, "score": 0.9, "segmentation": [poly(1, 1, 28, 2, 26, 24, 2, 21)]},
        {"image_id": 1, "category_id": 9, "score": 0.3, "segmentation": [poly(0, 0, 40, 0, 40, 30, 0, 30)]},
        {"image_id": 1, "category_id": 9, "score": 0.55, "segmentation": rle_of(30, 40, [(0, 0, 7, 14)])},
        {"image_id": 1, "category_id": 1, "score": 0.7, "segmentation": rle_of(30, 40, [(20, 20, 30, 40)])},
        {"image_id": 3, "category_id": 1, "score": 0.8, "segmentation": [poly(5, 5, 20, 5, 20, 15, 5, 15)]},
        {"image_id": 3, "category_id": 12, "score": 0.6, "segmentation": [poly(18, 2, 30, 2, 30, 19, 18, 19)]},
        {"image_id": 7, "category_id": 1, "segmentation": rle_of(16, 16, [(0, 0, 9, 16)])},
        {"image_id": 7, "category_id": 9, "segmentation": rle_of(16, 16, [(9, 0, 16, 16)])},
    ]
    gt_path, res_path = os.path.join(d, "gt.json"), os.path.join(d, "results.json")
    with open(gt_path, "w") as f:
        json.dump(gt, f)
    with open(res_path, "w") as f:
        json.dump(results, f)
    out = []
    for background in ("class", "ignore"):
        result, pairs = evaluate_coco(gt_path, res_path, background)
        result["gt"], result["results"] = "fixtures/golden/miou/coco_synth/gt.json", "fixtures/golden/miou/coco_synth/results.json"
        out.append((f"coco_synth_{background}", result))
        if background == "class":
            # The same label maps as 16-bit PNGs (value = class index, 65535 = ignore / no prediction); the image
            # without results gets no prediction PNG (raw 0 = class 0 = background, as the JSON path paints).
            for sub in ("gt_png", "pred_png"):
                os.makedirs(os.path.join(d, sub), exist_ok=True)
                for f in os.listdir(os.path.join(d, sub)):
                    os.remove(os.path.join(d, sub, f))
            for name, g, p, missing in pairs:
                save(os.path.join(d, "gt_png", name + ".png"), g, "I16")
                if not missing:
                    save(os.path.join(d, "pred_png", name + ".png"), p, "I16")
    return out


VAL2014 = os.path.join(ROOT, "fixtures", "cocoapi-val2014-100")


def case_coco_val2014():
    """Real COCO val2014 ground truth (100 images, crowd RLEs) against cocoapi's fake segm results."""
    gt = os.path.join(VAL2014, "instances_val2014_100.json")
    res = os.path.join(VAL2014, "instances_val2014_fakesegm100_results.json")
    out = []
    for background in ("class", "ignore"):
        result, _ = evaluate_coco(gt, res, background)
        result["gt"] = "fixtures/cocoapi-val2014-100/instances_val2014_100.json"
        result["results"] = "fixtures/cocoapi-val2014-100/instances_val2014_fakesegm100_results.json"
        out.append((f"coco_val2014_{background}", result))
    return out



# ----------------------------------------------------------------------------------------------------------------
# Benchmark helpers (not golden data): the numpy reference timed on large inputs, and a results file for them
# ----------------------------------------------------------------------------------------------------------------

def make_results(gt_path, out_path, seed=0):
    """A results file for a (synthetic) dataset: each non-crowd polygon annotation becomes a detection shifted by
    a few pixels, 80% with the right category, a random score; half polygons, half compressed RLE."""
    from pycocotools import mask as mask_util
    rng = np.random.default_rng(seed)
    with open(gt_path) as f:
        g = json.load(f)
    imgs = {i["id"]: i for i in g["images"]}
    cats = [c["id"] for c in g["categories"]]
    res = []
    for a in g["annotations"]:
        if a.get("iscrowd", 0) or not isinstance(a["segmentation"], list) or not a["segmentation"]:
            continue
        img = imgs[a["image_id"]]
        dx, dy = rng.normal(0, 4, 2)
        seg = [[v + (dx if k % 2 == 0 else dy) for k, v in enumerate(p)] for p in a["segmentation"]]
        cat = a["category_id"] if rng.random() < 0.8 else int(rng.choice(cats))
        score = round(float(rng.random()), 3)
        if rng.random() < 0.5:
            r = mask_util.merge(mask_util.frPyObjects(seg, img["height"], img["width"]))
            seg = {"size": r["size"], "counts": r["counts"].decode()}
        res.append({"image_id": a["image_id"], "category_id": cat, "score": score, "segmentation": seg})
    with open(out_path, "w") as f:
        json.dump(res, f)
    print(len(res), "results written to", out_path)


def bench_reference(gt_path, results_path, score_thr=0.5):
    """The issue's numpy reference, lean: pycocotools annToMask painting (background class, crowd = ignore,
    results in ascending score) + np.bincount confusion matrix; prints mmseg's mIoU, aAcc and the time."""
    import time
    from pycocotools.coco import COCO
    t0 = time.time()
    with contextlib.redirect_stdout(io.StringIO()):
        coco = COCO(gt_path)
    with open(results_path) as f:
        res = json.load(f)
    cats = sorted(coco.getCatIds())
    index = {c: i + 1 for i, c in enumerate(cats)}
    n = len(cats) + 1
    by_img = {}
    for r in res:
        by_img.setdefault(r["image_id"], []).append(r)
    conf = np.zeros((n + 1) * (n + 1), dtype=np.int64)
    for img in coco.dataset["images"]:
        gt = np.zeros((img["height"], img["width"]), np.int64)
        for a in coco.imgToAnns[img["id"]]:
            if a["segmentation"] == []:
                continue
            gt[coco.annToMask(a) == 1] = n if a.get("iscrowd", 0) else index[a["category_id"]]
        pred = np.zeros_like(gt)
        kept = [r for r in by_img.get(img["id"], []) if r.get("score", float("inf")) >= score_thr]
        for r in sorted(kept, key=lambda r: r.get("score", float("-inf"))):
            pred[coco.annToMask(r) == 1] = index[r["category_id"]]
        conf += np.bincount(gt.reshape(-1) * (n + 1) + pred.reshape(-1), minlength=conf.size)
    conf = conf.reshape(n + 1, n + 1)[:n, :n]
    tp, g, p = np.diag(conf), conf.sum(1), conf.sum(0)
    with np.errstate(invalid="ignore", divide="ignore"):
        iou = tp / (g + p - tp)
    print("mIoU", nanmean(iou), "aAcc", tp.sum() / g.sum(), "seconds", round(time.time() - t0, 2))


def main():
    os.makedirs(OUT, exist_ok=True)
    cases = [case_basic(), case_d2_pure(), case_wide16(), case_palette_reduce(), case_perfect()]
    cases += case_coco_synth()
    if os.path.isdir(ADE):
        cases.append(case_ade())
    else:
        print("warning: no", ADE, "- ade20k_sample.json not regenerated", file=sys.stderr)
    if os.path.isdir(VAL2014):
        cases += case_coco_val2014()
    else:
        print("warning: no", VAL2014, "- coco_val2014_*.json not regenerated", file=sys.stderr)
    for name, result in cases:
        result["case"] = name
        result["generator"] = "scripts/golden_miou.py"
        path = os.path.join(OUT, name + ".json")
        with open(path, "w") as f:
            json.dump(result, f, indent=1, allow_nan=False)
            f.write("\n")
        c = result["conventions"]
        print(f"{name}: mIoU mmseg {c['mmseg']['miou']} ade20k {c['ade20k']['miou']} "
              f"detectron2 {c['detectron2']['miou']}; d2 extension {result['detectron2_extension']}")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--make-results":
        make_results(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 4 and sys.argv[1] == "--bench":
        bench_reference(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 1:
        main()
    else:
        sys.exit("usage: golden_miou.py | --make-results GT.json OUT.json | --bench GT.json RESULTS.json")
