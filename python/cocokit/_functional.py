"""The functional API: what the ``cocokit`` command prints with ``--json``, as Python dicts."""

import os
import warnings

from . import _native

__all__ = [
    "convert",
    "eval_coco",
    "eval_lvis",
    "eval_merge",
    "eval_miou",
    "eval_panoptic",
    "filter",
    "rasterize",
    "stats",
    "validate",
]


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


def eval_coco(
    gt,
    dt,
    iou_type="bbox",
    img_ids=None,
    cats=None,
    max_dets=None,
    area_rng=None,
    use_cats=True,
    kpt_sigmas=None,
    dilation_ratio=None,
    partial=None,
):
    """``cocokit eval coco --gt GT --dt DT --iou-type IOU_TYPE --json`` as a dict: ``iou_type``, ``stats``
    (pycocotools' 12 numbers, 10 for keypoints) and ``per_class``.

    ``iou_type``: ``"bbox"``, ``"segm"``, ``"keypoints"`` or ``"boundary"``. ``img_ids``: image ids
    (pycocotools' ``imgIds``). ``cats``: category names or ids (a list, or the command's comma-separated
    string). ``max_dets``: maxDets values.
    ``area_rng``: ``{"all": (0, 1e10), "small": (0, 1024), ...}`` or ``["all=0:1e10", ...]``.
    ``use_cats=False``: pycocotools' ``useCats = 0``. ``kpt_sigmas``: one per keypoint (keypoints only).
    ``dilation_ratio``: boundary only. What the command warns about is issued as a ``UserWarning``.

    With ``partial="shard.ckpt"`` the results of one shard of the images (``img_ids``, or else the images
    the results file has results for) are evaluated and their state written to that file, for
    :func:`eval_merge`; returns ``{"images": n, "detections": m}``.
    """
    report, warns = _native.eval_coco(
        os.fspath(gt),
        os.fspath(dt),
        iou_type,
        _ints(img_ids),
        _tokens(cats),
        _ints(max_dets),
        _area_rng(area_rng),
        bool(use_cats),
        list(kpt_sigmas or []),
        None if dilation_ratio is None else float(dilation_ratio),
        None if partial is None else os.fspath(partial),
    )
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
    report, _ = _native.eval_panoptic(
        os.fspath(gt_json), os.fspath(gt_dir), os.fspath(pred_json), os.fspath(pred_dir)
    )
    return report


def eval_miou(
    gt,
    pred,
    num_classes=None,
    class_names=None,
    ignore_index=255,
    reduce_zero_label=False,
    background=None,
    score_thr=None,
    convention="mmseg",
    absent_as=None,
    mean_over=None,
    allow_extra=False,
):
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
        os.fspath(gt),
        os.fspath(pred),
        None if num_classes is None else int(num_classes),
        None if class_names is None else os.fspath(class_names),
        int(ignore_index),
        bool(reduce_zero_label),
        background,
        None if score_thr is None else float(score_thr),
        convention,
        absent_as,
        mean_over,
        bool(allow_extra),
    )


def _inputs(inputs):
    """One path, or a list of them (files, directories of ``*.json``, glob patterns): the command's INPUTS."""
    if isinstance(inputs, (str, bytes, os.PathLike)):
        return [os.fsdecode(inputs)]
    return [os.fsdecode(p) for p in inputs]


def _tokens(values):
    """``--cats``-like values: a string is the command's comma-separated list; a list gives one token each."""
    if values is None:
        return []
    if isinstance(values, str):
        return [t for t in values.split(",") if t]
    if isinstance(values, int):
        return [str(values)]
    return [str(v) for v in values]


def _ints(values):
    if values is None:
        return []
    if isinstance(values, int):
        return [values]
    return [int(v) for v in values]


def _path(p):
    return None if p is None else os.fsdecode(p)


def _file_output(output):
    """The output file: required, and a file (the summary is returned, so nothing else may go to standard
    output: the command's ``--json`` asks for ``-o FILE`` for the same reason)."""
    out = os.fsdecode(output)
    if out in ("", "-"):
        raise _native.CocokitError(
            "output: give a file path (the summary is returned; the command's --json also needs -o FILE)"
        )
    return out


def filter(
    inputs,
    output,
    cats=None,
    supercats=None,
    keep_all_images=False,
    img_ids=None,
    file_names=None,
    area_rng=None,
    iscrowd=None,
    score_thr=None,
    gt=None,
):
    """``cocokit filter INPUTS -o OUTPUT ... --json``: keep some categories (their annotations and images),
    writing the dataset (or results file) to ``output`` atomically, every kept record byte for byte. Returns
    ``{"categories", "annotations", "images", "output"}`` (for a results file ``annotations`` counts the
    detections kept).

    ``inputs``: a COCO file, a directory of ``*.json`` or a glob pattern, or a list of them (read as one
    dataset). ``cats``: names or ids (a list, or the command's comma-separated string); ``supercats``:
    supercategory names. ``keep_all_images``: keep images without a kept annotation. ``img_ids``: only these
    images. ``file_names``: a text file with one ``file_name`` per line. ``area_rng``: ``(lo, hi)``, keeping
    ``lo < area < hi`` as ``getAnnIds(areaRng=...)``. ``iscrowd``: 0 or 1. ``score_thr``: results files, only
    detections with ``score >= score_thr``. ``gt``: results files, the dataset whose category names ``cats``
    may use. Raises :class:`CocokitError` with the command's message for bad options or input; nothing is
    written then.
    """
    return _native.filter(
        _inputs(inputs),
        _file_output(output),
        _tokens(cats),
        _tokens(supercats),
        bool(keep_all_images),
        _ints(img_ids),
        _path(file_names),
        [] if area_rng is None else [float(a) for a in area_rng],
        None if iscrowd is None else int(iscrowd),
        None if score_thr is None else float(score_thr),
        _path(gt),
    )


def convert(inputs, output, to, gt=None, tolerance=0.0, skip_invalid=False):
    """``cocokit convert INPUTS --to TO -o OUTPUT ... --json``: every annotation's segmentation rewritten as
    ``to`` (``"rle"``: pycocotools' ``annToRLE``; ``"rle-raw"``: integer counts; ``"polygon"``: traced
    contours, simplified by ``tolerance`` pixels), everything else copied byte for byte, into ``output``
    atomically.
    Returns ``{"converted", "unchanged", "skipped", "output"}``.

    ``gt``: for a results file with polygons, the dataset giving image sizes. ``skip_invalid``: leave out
    annotations that cannot be converted (counted in ``skipped``) instead of raising.
    """
    return _native.convert(
        _inputs(inputs), _file_output(output), str(to), _path(gt), float(tolerance), bool(skip_invalid)
    )


def rasterize(
    inputs,
    output,
    mode="semantic",
    img_ids=None,
    crowd="ignore",
    palette=False,
    boxes=False,
    background=0,
    panoptic_dir=None,
    gt=None,
    score_thr=0.5,
):
    """``cocokit rasterize INPUTS -o OUTPUT ... --json``: one label-map PNG per image in the directory
    ``output`` (created if missing; each PNG written atomically). Returns ``{"images", "bits", "annotations",
    "orphans", "output"}``.

    ``mode``: ``"semantic"`` (pixel = category id, crowd pixels 255 / 65535 unless ``crowd="paint"``) or
    ``"instance"`` (16-bit, pixel = the annotation's 1-based position in its image). ``img_ids``: only these
    images. ``palette``: also colour previews in ``output/palette/``. ``boxes``: paint the bbox of annotations
    without a segmentation. ``background``: the value of unannotated pixels in semantic maps.
    ``panoptic_dir``: a panoptic file's PNG directory. ``gt`` and ``score_thr``: a results file painted onto
    its ground truth's images, detections below the threshold left out.
    """
    return _native.rasterize(
        _inputs(inputs),
        os.fsdecode(output),
        str(mode),
        _ints(img_ids),
        str(crowd),
        bool(palette),
        bool(boxes),
        int(background),
        _path(panoptic_dir),
        _path(gt),
        float(score_thr),
    )
