"""Drop-in for lvis-api 0.5.3 (``lvis.LVIS``, ``lvis.LVISResults``, ``lvis.LVISEval``) on cocokit's engine.

Change one import::

    from cocokit import LVIS, LVISEval, LVISResults

``LVISEval(lvis_gt, lvis_dt, iou_type)`` takes what lvis-api's takes: a ground-truth path or an ``LVIS``
(cocokit's, or lvis-api's own), results as a path, a list of dicts or an ``LVISResults``. ``run()`` (or
``evaluate()``, ``accumulate()``, ``summarize()``), ``results`` (an ``OrderedDict`` with lvis-api's keys in
its order: AP, AP50, AP75, APs, APm, APl, APr, APc, APf, AR@300, ARs@300, ARm@300, ARl@300),
``print_results()``, ``get_results()`` and ``eval`` (``precision`` ``[T, R, K, A]``, ``recall`` ``[T, K, A]``)
hold lvis-api's numbers (``cocokit::eval::lvis`` reproduces its federated rules and quirks).

What differs from lvis-api:

- the evaluation reads the ground truth and the results from their files (or from their JSON text, for
  lists of dicts and objects not built from a file): changes made to ``LVIS.dataset`` or to an
  ``LVISResults``' dicts after construction are not seen;
- ``params``: ``img_ids``, ``cat_ids`` (evaluated sorted) and ``max_dets`` (the label of the printed lines
  and ``AR@N`` keys; the per-image cut is ``LVISResults(max_dets=...)``'s) may be changed; other values
  (``iou_thrs``, ``rec_thrs``, ``area_rng``, ``area_rng_lbl``, ``use_cats``) must stay lvis-api's defaults
  (``evaluate()`` raises ``ValueError`` otherwise);
- ``eval_imgs``, ``ious`` and ``eval["dt_pointers"]`` (per-image details) are left empty;
- nothing is logged.

``LVIS(path)`` keeps the file on the Rust side (cocokit's :class:`~cocokit.COCO`) until ``dataset``,
``anns``, ``imgs``, ``cats``, ``img_ann_map`` or ``cat_img_map`` is first read; ``LVISResults`` builds its
dicts (lvis-api's per-image cut, ``area``, ``id``, ``bbox``) only when one of them is read.
"""

import contextlib
import copy
import datetime
import io
import json
import os
import warnings
from collections import OrderedDict, defaultdict

import numpy as np

from . import _native
from . import mask as maskUtils
from .coco import COCO, _native_path

__all__ = ["LVIS", "LVISEval", "LVISResults", "Params"]


def _quiet_coco(path=None):
    # COCO prints pycocotools' loading lines; LVIS prints nothing.
    with contextlib.redirect_stdout(io.StringIO()):
        return COCO(path)


def _json_default(obj):
    if isinstance(obj, bytes):
        return obj.decode("ascii")
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.generic):
        return obj.item()
    raise TypeError("Object of type {} is not JSON serializable".format(type(obj).__name__))


def _json_bytes(obj):
    return json.dumps(obj, default=_json_default).encode()


def _index_view(name, doc):
    def get(self):
        return getattr(self._index(), name)

    def put(self, value):
        setattr(self._index(), name, value)

    return property(get, put, doc=doc)


class LVIS:
    """An LVIS dataset with lvis-api's indexes and query methods."""

    _path = None
    _coco = None

    def __init__(self, annotation_path):
        """Read the LVIS annotation file ``annotation_path``."""
        self._path = _native_path(annotation_path)
        self._coco = _quiet_coco(annotation_path)

    def _index(self):
        return self._coco

    dataset = _index_view("dataset", "The file's JSON object.")
    anns = _index_view("anns", "Annotation id -> annotation.")
    cats = _index_view("cats", "Category id -> category.")
    imgs = _index_view("imgs", "Image id -> image.")
    img_ann_map = _index_view("imgToAnns", "Image id -> its annotations (file order).")
    cat_img_map = _index_view("catToImgs", "Category id -> image id of each of its annotations.")

    def _source(self):
        """What the evaluation reads: the file, or the dataset as JSON text."""
        if self._path is not None:
            return self._path
        return _json_bytes(self.dataset)

    def get_ann_ids(self, img_ids=None, cat_ids=None, area_rng=None):
        """Ids of the annotations of ``img_ids`` (all without), of ``cat_ids``, with
        ``area_rng[0] < area < area_rng[1]`` (``[0, inf]`` by default), as lvis-api's ``get_ann_ids``."""
        if cat_ids is None and area_rng is None:
            if img_ids is None:
                return self._index().getAnnIds()
            img_ids = list(img_ids)
            return self._index().getAnnIds(imgIds=img_ids) if img_ids else []
        if img_ids is not None:
            by_img = self.img_ann_map
            anns = [ann for img_id in img_ids for ann in by_img.get(img_id, ())]
        else:
            anns = self.dataset["annotations"]
        cat_ids = set(cat_ids)
        if area_rng is None:
            area_rng = [0, float("inf")]
        return [
            ann["id"]
            for ann in anns
            if ann["category_id"] in cat_ids and area_rng[0] < ann["area"] < area_rng[1]
        ]

    def get_cat_ids(self):
        """Every category id."""
        return list(self._index().getCatIds())

    def get_img_ids(self):
        """Every image id."""
        return list(self._index().getImgIds())

    @staticmethod
    def _load_helper(_dict, ids):
        if ids is None:
            return list(_dict.values())
        return [_dict[i] for i in ids]

    def load_anns(self, ids=None):
        """The annotations of ``ids`` (all with ``None``)."""
        return self._load_helper(self.anns, ids)

    def load_cats(self, ids):
        """The categories of ``ids`` (all with ``None``)."""
        return self._load_helper(self.cats, ids)

    def load_imgs(self, ids):
        """The images of ``ids`` (all with ``None``)."""
        return self._load_helper(self.imgs, ids)

    def download(self, save_dir, img_ids=None):
        """Not supported (cocokit uses no network)."""
        raise NotImplementedError("cocokit's LVIS does not download images")

    def ann_to_rle(self, ann):
        """The annotation's segmentation as compressed RLE (polygons merged)."""
        return self._index().annToRLE(ann)

    def ann_to_mask(self, ann):
        """The annotation's segmentation as an ``H x W`` ``uint8`` mask."""
        return maskUtils.decode(self.ann_to_rle(ann))


class LVISResults(LVIS):
    """Results for an LVIS ground truth: at most ``max_dets`` per image (the highest scores; all with a
    negative ``max_dets``), as lvis-api's ``LVISResults``."""

    def __init__(self, lvis_gt, results, max_dets=300):
        """``lvis_gt``: an ``LVIS`` or a path; ``results``: a results file or a list of dicts."""
        if isinstance(lvis_gt, (str, os.PathLike)):
            lvis_gt = LVIS(lvis_gt)
        elif not isinstance(lvis_gt, LVIS) and not hasattr(lvis_gt, "dataset"):
            raise TypeError("Unsupported type {} of lvis_gt.".format(lvis_gt))
        self._gt = lvis_gt
        self.max_dets = max_dets
        if isinstance(results, (str, os.PathLike)):
            self._path, self._results = _native_path(results), None
        else:
            assert isinstance(results, list), "results is not a list."
            if len(results) == 0:
                raise IndexError("list index out of range")  # lvis-api reads results[0]
            self._path, self._results = None, results
        self._coco = None

    def _source(self):
        if self._path is not None:
            return self._path
        return _json_bytes(self._results)

    def _index(self):
        if self._coco is None:
            self._coco = self._build()
        return self._coco

    def _build(self):
        # lvis-api's constructor on a copy of the results (the evaluation reads the originals)
        dataset = copy.deepcopy(self._gt.dataset)
        if self._path is not None:
            anns = _native.load_json(self._path)
        else:
            anns = copy.deepcopy(self._results)
        if self.max_dets >= 0:
            by_img = defaultdict(list)
            for ann in anns:
                by_img[ann["image_id"]].append(ann)
            for img_id, img_anns in by_img.items():
                if len(img_anns) > self.max_dets:
                    by_img[img_id] = sorted(img_anns, key=lambda a: a["score"], reverse=True)[: self.max_dets]
            anns = [ann for img_anns in by_img.values() for ann in img_anns]
        if anns and "bbox" in anns[0]:
            for i, ann in enumerate(anns):
                x1, y1, w, h = ann["bbox"]
                if "segmentation" not in ann:
                    ann["segmentation"] = [[x1, y1, x1, y1 + h, x1 + w, y1 + h, x1 + w, y1]]
                ann["area"] = w * h
                ann["id"] = i + 1
        elif anns and "segmentation" in anns[0]:
            for i, ann in enumerate(anns):
                ann["area"] = maskUtils.area(ann["segmentation"])
                if "bbox" not in ann:
                    ann["bbox"] = maskUtils.toBbox(ann["segmentation"])
                ann["id"] = i + 1
        dataset["annotations"] = anns
        coco = _quiet_coco()
        coco.dataset = dataset
        coco._index()
        return coco

    def get_top_results(self, img_id, score_thrs):
        """The image's results scoring above ``score_thrs``."""
        anns = self.load_anns(self.get_ann_ids(img_ids=[img_id]))
        return [ann for ann in anns if ann["score"] > score_thrs]


def _gt_source(gt):
    if isinstance(gt, LVIS):
        return gt._source()
    return _json_bytes(gt.dataset)  # lvis-api's LVIS, or another object with its layout


def _dt_source(dt):
    """(source, results kept per image or None)."""
    if isinstance(dt, LVISResults):
        return dt._source(), (dt.max_dets if dt.max_dets >= 0 else None)
    # lvis-api's LVISResults: its annotations are cut already
    return _json_bytes(dt.dataset["annotations"]), None


class Params:
    """lvis-api's ``Params``: the evaluation's parameters, with its defaults."""

    def __init__(self, iou_type):
        self.img_ids = []
        self.cat_ids = []
        self.iou_thrs = np.linspace(0.5, 0.95, int(np.round((0.95 - 0.5) / 0.05)) + 1, endpoint=True)
        self.rec_thrs = np.linspace(0.0, 1.00, int(np.round((1.00 - 0.0) / 0.01)) + 1, endpoint=True)
        self.max_dets = 300
        self.area_rng = [[0**2, 1e5**2], [0**2, 32**2], [32**2, 96**2], [96**2, 1e5**2]]
        self.area_rng_lbl = ["all", "small", "medium", "large"]
        self.use_cats = 1
        self.img_count_lbl = ["r", "c", "f"]
        self.iou_type = iou_type


def _check_defaults(p):
    d = Params(p.iou_type)
    for name in ("iou_thrs", "rec_thrs", "area_rng"):
        if not np.array_equal(np.asarray(getattr(p, name), dtype=float), np.asarray(getattr(d, name))):
            raise ValueError("cocokit's LVISEval evaluates lvis-api's default params.{}".format(name))
    if list(p.area_rng_lbl) != d.area_rng_lbl:
        raise ValueError("cocokit's LVISEval evaluates lvis-api's default params.area_rng_lbl")
    if not p.use_cats:
        raise ValueError("cocokit's LVISEval evaluates with params.use_cats = 1")


class LVISEval:
    """LVIS federated evaluation (bbox, segm), number for number lvis-api 0.5.3's ``LVISEval``."""

    def __init__(self, lvis_gt, lvis_dt, iou_type="segm"):
        """``lvis_gt``: an ``LVIS`` or a path; ``lvis_dt``: an ``LVISResults``, a path or a list of dicts;
        ``iou_type``: ``"segm"`` or ``"bbox"``."""
        if iou_type not in ["bbox", "segm"]:
            raise ValueError("iou_type: {} is not supported.".format(iou_type))
        if isinstance(lvis_gt, (str, os.PathLike)):
            self.lvis_gt = LVIS(lvis_gt)
        elif isinstance(lvis_gt, LVIS) or hasattr(lvis_gt, "dataset"):
            self.lvis_gt = lvis_gt
        else:
            raise TypeError("Unsupported type {} of lvis_gt.".format(lvis_gt))
        if isinstance(lvis_dt, (str, os.PathLike, list)):
            self.lvis_dt = LVISResults(self.lvis_gt, lvis_dt)
        elif isinstance(lvis_dt, LVIS) or hasattr(lvis_dt, "dataset"):
            self.lvis_dt = lvis_dt
        else:
            raise TypeError("Unsupported type {} of lvis_dt.".format(lvis_dt))
        self.eval_imgs = defaultdict(list)
        self.eval = {}
        self.params = Params(iou_type=iou_type)
        self.results = OrderedDict()
        self.ious = {}
        self.params.img_ids = sorted(self.lvis_gt.get_img_ids())
        self.params.cat_ids = sorted(self.lvis_gt.get_cat_ids())
        self._all_ids = (list(self.params.img_ids), list(self.params.cat_ids))
        self._native = None

    def evaluate(self):
        """Match the results to the ground truth on ``params.img_ids`` x ``params.cat_ids``."""
        p = self.params
        _check_defaults(p)
        img_ids = [int(i) for i in p.img_ids]
        cat_ids = [int(c) for c in p.cat_ids]
        dt, per_image = _dt_source(self.lvis_dt)
        self._native = _native.lvis_evaluate(
            _gt_source(self.lvis_gt),
            dt,
            p.iou_type,
            int(p.max_dets),
            per_image,
            None if img_ids == self._all_ids[0] else img_ids,
            None if cat_ids == self._all_ids[1] else cat_ids,
        )
        p.img_ids = list(self._native["img_ids"])
        freqs = [f for _, f, _ in self._native["per_category"]]
        self.freq_groups = [[k for k, f in enumerate(freqs) if f == lbl] for lbl in p.img_count_lbl]

    def accumulate(self):
        """Fill ``eval``: ``precision`` ``[T, R, K, A]`` and ``recall`` ``[T, K, A]`` (-1 where undefined)."""
        if self._native is None:
            self.evaluate()
        n = self._native
        precision, recall = n["precision"], n["recall"]
        self.eval = {
            "params": self.params,
            "counts": list(precision.shape),
            "date": datetime.datetime.now().strftime("%Y-%m-%d %H:%M:%S"),
            "precision": precision,
            "recall": recall,
            "dt_pointers": {},
        }

    def summarize(self):
        """Fill ``results`` (lvis-api's keys, in its order)."""
        if not self.eval:
            raise RuntimeError("Please run accumulate() first.")
        self.results = OrderedDict(self._native["results"])

    def run(self):
        """``evaluate()``, ``accumulate()``, ``summarize()``."""
        self.evaluate()
        self.accumulate()
        self.summarize()

    def print_results(self):
        """Print the lines lvis-api's ``print_results`` prints."""
        if self.results:
            for line in self._native["lines"]:
                print(line)

    def get_results(self):
        """``results``."""
        if not self.results:
            warnings.warn("results is empty. Call run().", stacklevel=2)
        return self.results
