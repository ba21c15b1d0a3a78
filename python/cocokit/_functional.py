"""The functional API: what the ``cocokit`` command prints with ``--json``, as Python dicts."""

import os
import warnings

from . import _native

__all__ = ["eval_coco", "eval_lvis", "eval_merge", "eval_miou", "eval_panoptic", "stats", "validate"]


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


def eval_lvis(gt, dt, iou_type="bbox", max_dets=300):
    """``cocokit eval lvis --gt GT --dt DT --iou-type IOU_TYPE --max-dets MAX_DETS --json`` as a dict:
    ``iou_type``, lvis-api's results (``AP``, ``AP50``, ``AP75``, ``APs``, ``APm``, ``APl``, ``APr``, ``APc``,
    ``APf``, ``AR@N``, ``ARs@N``, ``ARm@N``, ``ARl@N``, in that order) and ``per_category``
    (``category_id``, ``name``, ``frequency``, ``ap``).

    ``gt``: an LVIS ground-truth file. ``dt``: a results file, or a list of result dicts.
    ``iou_type``: ``"bbox"`` or ``"segm"``. ``max_dets``: results kept per image (lvis-api's 300).
    """
    if isinstance(dt, list):
        from .lvis import _json_bytes

        dt = _json_bytes(dt)
    else:
        dt = os.fspath(dt)
    if iou_type not in ("bbox", "segm"):
        raise ValueError("iou_type: {} is not supported.".format(iou_type))
    return _native.eval_lvis(os.fspath(gt), dt, iou_type, int(max_dets))


def eval_panoptic(gt_json, gt_dir, pred_json, pred_dir):
    """``cocokit eval panoptic --gt-json ... --gt-dir ... --pred-json ... --pred-dir ... --json`` as a dict:
    ``All``, ``Things``, ``Stuff`` (``pq``, ``sq``, ``rq``, ``n``) and ``per_class`` (``{"<id>": {"pq", "sq",
    "rq"}}``, keyed by the category id as a string, as the JSON is). Prints nothing; see
    :func:`cocokit.pq_compute` for panopticapi's function."""
    report, _ = _native.eval_panoptic(os.fspath(gt_json), os.fspath(gt_dir), os.fspath(pred_json),
                                      os.fspath(pred_dir))
    return report


def eval_miou(gt, pred, num_classes=None, class_names=None, ignore_index=255, reduce_zero_label=False,
              background=None, score_thr=None, convention="mmseg", absent_as=None, mean_over=None,
              allow_extra=False):
    """``cocokit eval miou --gt GT --pred PRED --json`` as a dict (docs/MIOU.md has its schema): mIoU,
    mAcc, aAcc, fwIoU, ... and ``per_class``.

    ``gt``: a COCO dataset or a folder of label PNGs; ``pred``: COCO results, or a folder of label PNGs.
    ``num_classes`` / ``class_names`` (a file, one name a line), ``ignore_index``, ``reduce_zero_label``:
    label PNG inputs. ``background`` (``"class"`` or ``"ignore"``) and ``score_thr``: COCO inputs.
    ``convention``: ``"mmseg"``, ``"ade20k"``, ``"detectron2"`` or ``"cocostuff"``; ``absent_as``
    (``"nan"``, ``"zero"``) and ``mean_over`` (``"all"``, ``"gt-present"``) override its parts.
    ``allow_extra``: predictions for images not in the ground truth are skipped instead of an error.
    """
    return _native.eval_miou(
        os.fspath(gt), os.fspath(pred), None if num_classes is None else int(num_classes),
        None if class_names is None else os.fspath(class_names), int(ignore_index), bool(reduce_zero_label),
        background, None if score_thr is None else float(score_thr), convention, absent_as, mean_over,
        bool(allow_extra))
