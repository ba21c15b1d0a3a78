"""The functional API: what the ``cocokit`` command prints with ``--json``, as Python dicts."""

import os
import warnings

from . import _native

__all__ = ["eval_coco", "eval_merge", "stats", "validate"]


def stats(path):
    """``cocokit stats --json PATH``: images, annotations, categories, crowd count, segmentation kinds,
    area buckets, annotations per image and per-category counts (docs/STATS.md)."""
    return _native.stats(os.fspath(path))


def validate(path):
    """``cocokit validate --json PATH``: every problem of the file (``findings``, each with its severity,
    kind, record and byte offset) and the ``errors`` / ``warnings`` counts. An invalid file is reported,
    not raised; a file that cannot be read raises ``OSError``."""
    return _native.validate(os.fspath(path))


def _area_rng(area_rng):
    if area_rng is None:
        return []
    if isinstance(area_rng, dict):
        return [f"{label}={float(lo)!r}:{float(hi)!r}" for label, (lo, hi) in area_rng.items()]
    return [str(a) for a in area_rng]


def eval_coco(gt, dt, iou_type="bbox", img_ids=None, cats=None, max_dets=None, area_rng=None,
              use_cats=True, kpt_sigmas=None, dilation_ratio=None, partial=None):
    """``cocokit eval coco --gt GT --dt DT --iou-type IOU_TYPE --json`` as a dict: ``iou_type``, ``stats``
    (pycocotools' 12 numbers, 10 for keypoints) and ``per_class``.

    ``iou_type``: ``"bbox"``, ``"segm"``, ``"keypoints"`` or ``"boundary"``. ``img_ids``: image ids
    (pycocotools' ``imgIds``). ``cats``: category names or ids. ``max_dets``: maxDets values.
    ``area_rng``: ``{"all": (0, 1e10), "small": (0, 1024), ...}`` or ``["all=0:1e10", ...]``.
    ``use_cats=False``: pycocotools' ``useCats = 0``. ``kpt_sigmas``: one per keypoint (keypoints only).
    ``dilation_ratio``: boundary only. What the command warns about is issued as a ``UserWarning``.

    With ``partial="shard.ckpt"`` the results of one shard of the images (``img_ids``, or else the images
    the results file has results for) are evaluated and their state written to that file, for
    :func:`eval_merge`; returns ``{"images": n, "detections": m}``.
    """
    report, warns = _native.eval_coco(
        os.fspath(gt), os.fspath(dt), iou_type, list(img_ids or []), [str(c) for c in (cats or [])],
        list(max_dets or []), _area_rng(area_rng), bool(use_cats), list(kpt_sigmas or []),
        None if dilation_ratio is None else float(dilation_ratio),
        None if partial is None else os.fspath(partial))
    for w in warns:
        warnings.warn(w, stacklevel=2)
    return report


def eval_merge(partials):
    """``cocokit eval merge --json PARTIAL...`` as a dict: the stats of the shards' partial evaluations
    (:func:`eval_coco` with ``partial=``) merged, bit-identical to one evaluation of all their results."""
    return _native.eval_merge([os.fspath(p) for p in partials])
