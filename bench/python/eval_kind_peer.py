#!/usr/bin/env python3
"""One keypoints, boundary, LVIS or panoptic evaluation by a Python tool, timed in-process (bench/eval_kinds.sh).

    python eval_kind_peer.py TOOL --kind keypoints|boundary|lvis-bbox|lvis-segm|panoptic --gt GT --dt DT
        [--gt-dir D --pred-dir D2]   (panoptic: the PNG folders; GT/DT are the JSON files)

TOOL and how each runs its kind (after the imports, time.perf_counter() around everything a user waits for):
- pycocotools (keypoints; the official reference): COCO(GT), loadRes, COCOeval(..., "keypoints"),
  evaluate/accumulate/summarize.
- boundary-iou-api (boundary; official; from its public repository, path in $BOUNDARY_IOU_API): its own COCO
  and COCOeval(..., "boundary"), run as scripts/golden_boundary.py runs it (np.float = float; its per-annotation
  boundaries in this process rather than a multiprocessing pool).
- lvis (lvis-bbox/lvis-segm; official lvis-api 0.5.3): LVIS(GT), LVISResults(LVIS, DT), LVISEval.run(),
  print_results().
- panopticapi (panoptic; official; from $PANOPTICAPI): pq_compute(GT json, DT json, dirs) — its own split of
  the images over all cores.
- faster-coco-eval (keypoints, boundary, lvis-*): COCO/loadRes + COCOeval_faster(iouType, lvis_style for
  LVIS, with params.maxDets = [300]).
- hotcoco (keypoints, lvis-*, panoptic): COCO/loadRes + COCOeval("keypoints"); LVIS(GT) + LVISResults +
  LVISEval.run(); panoptic.pq_compute(...).
- vernier (keypoints, boundary, lvis-*, panoptic), strict parity mode, native API, num_threads = cores:
  instance.CocoDataset.from_json + Evaluator(iou=Keypoints()|Boundary(), parity_mode="strict")
  .evaluate(dataset, DT bytes); LVIS: CocoDataset.from_lvis_json + evaluate_bbox_grid|evaluate_segm_grid
  (strict, max_dets_per_image=300) + accumulate([300]).summarize_lvis; panoptic: the PNGs decoded by
  vernier.panoptic.decode_label_map_png into Dataset/Predictions.from_arrays, then
  panoptic.Evaluator(parity_mode="strict").evaluate.
Everything a tool prints goes to stderr. Prints one JSON line on stdout: {"tool", "version", "seconds",
"stats": [...], "maxrss_kb"}. stats: keypoints the 10 stats, boundary the 12, LVIS
[AP, AP50, AP75, APs, APm, APl, APr, APc, APf, AR@300, ARs@300, ARm@300, ARl@300], panoptic
[PQ, SQ, RQ, PQ_th, SQ_th, RQ_th, PQ_st, SQ_st, RQ_st].
"""
import argparse
import contextlib
import importlib.metadata
import json
import os
import resource
import sys
import time

LVIS_KEYS = ["AP", "AP50", "AP75", "APs", "APm", "APl", "APr", "APc", "APf", "AR@300", "ARs@300", "ARm@300",
             "ARl@300"]
DIST = {"pycocotools": "pycocotools", "faster-coco-eval": "faster-coco-eval", "hotcoco": "hotcoco",
        "vernier": "vernier", "lvis": "lvis", "boundary-iou-api": None, "panopticapi": None}


@contextlib.contextmanager
def stdout_to_stderr():
    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(2, 1)
    try:
        with contextlib.redirect_stdout(sys.stderr):
            yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def lvis_stats(results):
    return [float(results[k]) for k in LVIS_KEYS]


def pq_stats(r):
    return [float(r[g][m]) for g in ("All", "Things", "Stuff") for m in ("pq", "sq", "rq")]


def prepare(tool, kind, a):
    """Imports (not timed); returns the function to time, which returns the stats."""
    iou = {"keypoints": "keypoints", "boundary": "boundary", "lvis-bbox": "bbox", "lvis-segm": "segm"}.get(kind)
    if tool == "pycocotools":
        from pycocotools.coco import COCO
        from pycocotools.cocoeval import COCOeval

        def run():
            gt = COCO(a.gt)
            ev = COCOeval(gt, gt.loadRes(a.dt), iou)
            ev.evaluate()
            ev.accumulate()
            ev.summarize()
            return ev.stats
        return run
    if tool == "boundary-iou-api":
        import numpy as np
        np.float = float  # the reference predates numpy 1.24
        sys.path.insert(0, os.environ.get("BOUNDARY_IOU_API", "/work/ref/boundary-iou-api"))
        from boundary_iou.coco_instance_api import coco as bcoco
        from boundary_iou.coco_instance_api.cocoeval import COCOeval
        from boundary_iou.utils import boundary_utils

        def here(annotations, ann_to_mask, dilation_ratio=0.02):
            return boundary_utils.augment_annotations_with_boundary_single_core(0, annotations, ann_to_mask,
                                                                                 dilation_ratio)
        bcoco.augment_annotations_with_boundary_multi_core = here

        def run():
            gt = bcoco.COCO(a.gt)
            ev = COCOeval(gt, gt.loadRes(a.dt), "boundary", dilation_ratio=0.02)
            ev.evaluate()
            ev.accumulate()
            ev.summarize()
            return ev.stats
        return run
    if tool == "lvis":
        import numpy as np
        np.float = float  # lvis 0.5.3 predates numpy 1.24
        from lvis import LVIS, LVISEval, LVISResults

        def run():
            gt = LVIS(a.gt)
            ev = LVISEval(gt, LVISResults(gt, a.dt), iou)
            ev.run()
            ev.print_results()
            return lvis_stats(ev.results)
        return run
    if tool == "panopticapi":
        sys.path.insert(0, os.environ.get("PANOPTICAPI", "/work/ref/panopticapi"))
        from panopticapi.evaluation import pq_compute

        def run():
            r = pq_compute(a.gt, a.dt, a.gt_dir, a.pred_dir)
            return pq_stats(r)
        return run
    if tool == "faster-coco-eval":
        from faster_coco_eval import COCO
        from faster_coco_eval import COCOeval_faster

        def run():
            gt = COCO(a.gt)
            dt = gt.loadRes(a.dt)
            lvis = kind.startswith("lvis")
            ev = COCOeval_faster(gt, dt, iou, print_function=print, lvis_style=lvis)
            if lvis:
                ev.params.maxDets = [300]
            ev.evaluate()
            ev.accumulate()
            ev.summarize()
            if lvis:
                d = ev.stats_as_dict
                return [d["AP_all"], d["AP_50"], d["AP_75"], d["AP_small"], d["AP_medium"], d["AP_large"],
                        d["APr"], d["APc"], d["APf"], d["AR_all"], d["AR_small"], d["AR_medium"], d["AR_large"]]
            return ev.stats
        return run
    if tool == "hotcoco":
        import hotcoco

        if kind == "panoptic":
            from hotcoco.panoptic import pq_compute

            def run():
                r = pq_compute(a.gt, a.dt, a.gt_dir, a.pred_dir)
                return pq_stats(r)
            return run
        if kind.startswith("lvis"):
            def run():
                gt = hotcoco.LVIS(a.gt)
                ev = hotcoco.LVISEval(gt, hotcoco.LVISResults(gt, a.dt), iou)
                ev.run()
                ev.print_results()
                return lvis_stats(ev.get_results())
            return run

        def run():
            gt = hotcoco.COCO(a.gt)
            ev = hotcoco.COCOeval(gt, gt.loadRes(a.dt), iou)
            ev.evaluate()
            ev.accumulate()
            ev.summarize()
            return ev.stats
        return run
    if tool == "vernier":
        if kind == "panoptic":
            return prepare_vernier_panoptic(a)
        from vernier.instance import (Boundary, CocoDataset, Evaluator, Keypoints, evaluate_bbox_grid,
                                      evaluate_segm_grid)

        def run():
            with open(a.gt, "rb") as f:
                raw = f.read()
            with open(a.dt, "rb") as f:
                dt = f.read()
            if kind.startswith("lvis"):
                # Evaluator.evaluate summarizes as COCO (12 stats); LVIS is its grid + summarize_lvis.
                dataset = CocoDataset.from_lvis_json(raw)
                grid = evaluate_bbox_grid if kind == "lvis-bbox" else evaluate_segm_grid
                g = grid(dataset, dt, parity_mode="strict", max_dets_per_image=300, use_cats=True,
                         num_threads=os.cpu_count())
                summary = g.accumulate([300]).summarize_lvis(dataset, [300])
            else:
                dataset = CocoDataset.from_json(raw)
                kernel = Keypoints() if kind == "keypoints" else Boundary()
                ev = Evaluator(iou=kernel, parity_mode="strict")
                summary = ev.evaluate(dataset, dt, num_threads=os.cpu_count())
            for line in summary.pretty_lines():
                print(line)
            return summary.stats
        return run
    sys.exit(f"unknown tool {tool}")


def prepare_vernier_panoptic(a):
    """vernier's panoptic API takes decoded label maps: its own PNG decoder, then from_arrays (timed); the
    segments_info and categories as JSON bytes (segments keyed by image id)."""
    import vernier.panoptic as vp

    def run():
        with open(a.gt) as f:
            gt = json.load(f)
        with open(a.dt) as f:
            dt = json.load(f)
        preds = {p["image_id"]: p for p in dt["annotations"]}
        gt_maps, pred_maps = {}, {}
        for ann in gt["annotations"]:
            i = ann["image_id"]
            gt_maps[i] = vp.decode_label_map_png(os.path.join(a.gt_dir, ann["file_name"]))
            pred_maps[i] = vp.decode_label_map_png(os.path.join(a.pred_dir, preds[i]["file_name"]))
        gt_segs = json.dumps({str(x["image_id"]): x["segments_info"] for x in gt["annotations"]}).encode()
        pred_segs = json.dumps({str(i): p["segments_info"] for i, p in preds.items()}).encode()
        ds = vp.Dataset.from_arrays(gt_maps, gt_segs, json.dumps(gt["categories"]).encode())
        pr = vp.Predictions.from_arrays(pred_maps, pred_segs)
        s = vp.Evaluator(parity_mode="strict").evaluate(ds, pr, num_threads=os.cpu_count())
        return [s.pq, s.sq, s.rq, s.pq_things, s.sq_things, s.rq_things, s.pq_stuff, s.sq_stuff, s.rq_stuff]
    return run


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("tool", choices=sorted(DIST))
    ap.add_argument("--kind", required=True, choices=["keypoints", "boundary", "lvis-bbox", "lvis-segm",
                                                      "panoptic"])
    ap.add_argument("--gt", required=True)
    ap.add_argument("--dt", required=True)
    ap.add_argument("--gt-dir")
    ap.add_argument("--pred-dir")
    a = ap.parse_args()
    run = prepare(a.tool, a.kind, a)
    with stdout_to_stderr():
        t0 = time.perf_counter()
        stats = run()
        seconds = time.perf_counter() - t0
    dist = DIST[a.tool]
    version = importlib.metadata.version(dist) if dist else "public repository"
    print(json.dumps({"tool": a.tool, "version": version, "seconds": seconds,
                      "stats": [float(x) for x in list(stats)],
                      "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))


if __name__ == "__main__":
    main()
