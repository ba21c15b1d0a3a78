"""Drop-in for ``pycocotools.cocoeval.COCOeval`` on cocokit's evaluation engine.

``COCOeval(cocoGt, cocoDt, iouType)`` takes cocokit's :class:`~cocokit.COCO` or pycocotools' ``COCO``
objects. ``params`` is pycocotools' ``Params`` (change ``imgIds``, ``catIds``, ``iouThrs``, ``recThrs``,
``maxDets``, ``areaRng``, ``areaRngLbl``, ``useCats`` before ``evaluate()`` as usual); ``evaluate()``,
``accumulate()`` and ``summarize()`` print what pycocotools prints, and ``eval`` (``precision``,
``recall``, ``scores``) and ``stats`` are bit-identical to pycocotools 2.0.11's.

The annotations taking part are selected here exactly as ``COCOeval._prepare`` selects them (and their
``ignore`` flag is set as it sets it); IoU, matching, accumulation and the stats are cocokit's engine,
which reproduces every pycocotools quirk that changes numbers (see ``cocokit::eval::cocoeval``).

``evalImgs`` and ``ious`` (pycocotools' per image x category matching details and IoU matrices) are made
from the engine's matching when first read, so runs that never read them do not pay for them. The
``keypoints`` iouType evaluates OKS with ``params.kpt_oks_sigmas`` (``ious`` then holds OKS matrices) and
``summarize()`` prints pycocotools' ``_summarizeKps`` lines (10 stats). Segmentations are not rewritten
in place as RLE (pycocotools' ``_toMask`` side effect).
"""

import contextlib
import copy
import datetime
import io
import sys
import time
from collections import defaultdict

import numpy as np

from . import _native
from .coco import _mark_ignored, _no_gc

__all__ = ["COCOeval", "Params"]

_SUPPORTED = ("bbox", "segm", "keypoints")


class COCOeval:
    """COCO detection evaluation (bbox, segm, keypoints), number for number pycocotools' ``COCOeval``."""

    def __init__(self, cocoGt=None, cocoDt=None, iouType="segm"):
        """Evaluate ``cocoDt`` (results, usually ``cocoGt.loadRes(...)``) against ``cocoGt``; the
        parameters start as pycocotools' defaults with every image and category of ``cocoGt``."""
        if not iouType:
            print("iouType not specified. use default iouType segm")
        self.cocoGt = cocoGt
        self.cocoDt = cocoDt
        self.eval = {}
        self.params = Params(iouType=iouType)
        self._paramsEval = {}
        self.stats = []
        self._native_eval = None
        self._native_acc = None
        self._evaluated = None
        self._selected = None
        self._evalImgs = None
        self._ious = None
        self._gts_groups = self._dts_groups = None
        if cocoGt is not None:
            self.params.imgIds = sorted(cocoGt.getImgIds())
            self.params.catIds = sorted(cocoGt.getCatIds())

    @property
    def evalImgs(self):
        """pycocotools' per image x category x area range results (``None`` where a cell is empty),
        ordered by category, area range, image; made from the engine's matching on first access."""
        if self._evalImgs is None:
            with _no_gc():
                self._make_details()
        return self._evalImgs

    @evalImgs.setter
    def evalImgs(self, value):
        self._evalImgs = value

    @property
    def ious(self):
        """pycocotools' IoU matrices: ``{(imgId, catId): D x G array or []}``, detections by score (at most
        ``maxDets[-1]``), ground truths in file order; made on first access."""
        if self._ious is None:
            with _no_gc():
                self._make_details()
        return self._ious

    @ious.setter
    def ious(self, value):
        self._ious = value

    def _make_details(self):
        if self._native_eval is None:
            # before evaluate(): what pycocotools' constructor leaves
            self._evalImgs, self._ious = defaultdict(list), {}
            return
        p = self._evaluated
        ev = self._native_eval
        if self._selected is None:
            # evaluated natively: the same evaluation on the dicts (materialized now), for its details
            with contextlib.redirect_stdout(io.StringIO()):
                ev = self._evaluate_dicts(self._paramsEval)
        catIds = p.catIds if p.useCats else [-1]
        imgIds, areaRng = p.imgIds, p.areaRng
        n_img, A = len(imgIds), len(areaRng)
        maxDet = p.maxDets[-1]
        evalImgs = [None] * (len(catIds) * A * n_img)
        cell_ious = {}
        gts, dts = self._selected
        for k, i, g_idx, d_idx, iou, per_area in ev.details():
            cell_ious[i, k] = iou
            gt = [gts[j] for j in g_idx]
            dt = [dts[j] for j in d_idx]
            for a, matching in enumerate(per_area):
                evalImgs[k * A * n_img + a * n_img + i] = _eval_img(
                    imgIds[i], catIds[k], areaRng[a], maxDet, gt, dt, matching
                )
        ious = {}
        for i, imgId in enumerate(imgIds):
            for k, catId in enumerate(catIds):
                iou = cell_ious.get((i, k))
                ious[imgId, catId] = [] if iou is None else iou
        self._evalImgs, self._ious = evalImgs, ious

    def _select(self, coco, p):
        # _prepare: loadAnns(getAnnIds(imgIds=p.imgIds, catIds=p.catIds if useCats)), without the
        # per-call overhead: imgToAnns in image order, category membership, then the id lookup.
        imgToAnns = coco.imgToAnns
        anns = []
        for imgId in p.imgIds:
            if imgId in imgToAnns:
                anns.extend(imgToAnns[imgId])
        if p.useCats and len(p.catIds) != 0:
            try:
                cats = set(p.catIds)
            except TypeError:
                cats = p.catIds
            anns = [ann for ann in anns if ann["category_id"] in cats]
        byId = coco.anns
        return [byId[ann["id"]] for ann in anns]

    def evaluate(self):
        """Run per image evaluation on ``params.imgIds`` x ``params.catIds`` (pycocotools'
        ``evaluate``: ids made unique and sorted, ``maxDets`` sorted)."""
        with _no_gc():
            self._evaluate()

    def _evaluate(self):
        tic = time.time()
        print("Running per image evaluation...")
        p = self.params
        if p.useSegm is not None:
            p.iouType = "segm" if p.useSegm == 1 else "bbox"
            print("useSegm (deprecated) is not None. Running {} evaluation".format(p.iouType))
        print("Evaluate annotation type *{}*".format(p.iouType))
        if p.iouType not in _SUPPORTED:
            raise NotImplementedError(
                "cocokit.COCOeval evaluates iouType 'bbox', 'segm' and 'keypoints'; {!r} is not "
                "supported".format(p.iouType)
            )
        p.imgIds = _unique(p.imgIds)
        if p.useCats:
            p.catIds = _unique(p.catIds)
        p.maxDets = sorted(p.maxDets)
        self.params = p

        self._native_acc = None
        self.eval = {}
        self._evalImgs = self._ious = None
        self._gts_groups = self._dts_groups = None
        self._evaluated = p
        self._selected = None
        self._native_eval = self._evaluate_native(p)
        if self._native_eval is None:
            self._native_eval = self._evaluate_dicts(p)
        self._paramsEval = copy.deepcopy(self.params)
        toc = time.time()
        print("DONE (t={:0.2f}s).".format(toc - tic))

    def _evaluate_native(self, p):
        """The evaluation wholly in the engine, when ``cocoGt`` is a native cocokit dataset and ``cocoDt``
        its native ``loadRes`` results (neither materialized); else, or when the engine refuses the data
        (it is stricter than pycocotools: e.g. results of unknown categories), ``None``."""
        gt, dt = getattr(self.cocoGt, "_native", None), getattr(self.cocoDt, "_native", None)
        if p.iouType not in ("bbox", "segm") or gt is None or dt is None:
            return None
        if getattr(self.cocoGt, "_parent", None) is not None or self.cocoDt._parent is not self.cocoGt:
            return None
        if not dt.is_results_of(gt):
            return None
        try:
            ev = _native.evaluate_datasets(
                gt,
                dt,
                p.iouType,
                _int_ids(p.imgIds, "image"),
                _int_ids(p.catIds, "category"),
                [float(t) for t in p.iouThrs],
                [float(r) for r in p.recThrs],
                [int(m) for m in p.maxDets],
                [[float(a[0]), float(a[1])] for a in p.areaRng],
                [str(lbl) for lbl in p.areaRngLbl],
                bool(p.useCats),
            )
        except _native.CocokitError:
            return None
        self.cocoGt._ignore_marks.append(
            (list(p.imgIds), list(p.catIds), p.useCats, p.iouType, [list(a) for a in p.areaRng])
        )
        return ev

    def _evaluate_dicts(self, p):
        """The evaluation of the annotation dicts ``_prepare`` selects (materializing native datasets)."""
        gts = self._select(self.cocoGt, p)
        dts = self._select(self.cocoDt, p)
        _mark_ignored(gts, p.iouType, p.areaRng)
        imgs = self.cocoGt.imgs
        # sizes rasterize polygons (segm); bbox evaluation never needs them, as in pycocotools
        images = [
            (i, int(imgs[i].get("height", 0)), int(imgs[i].get("width", 0)))
            for i in _int_ids(p.imgIds, "image")
            if i in imgs
        ]
        self._selected = (gts, dts)
        return _native.evaluate(
            gts,
            dts,
            images,
            p.iouType,
            _int_ids(p.imgIds, "image"),
            _int_ids(p.catIds, "category"),
            [float(t) for t in p.iouThrs],
            [float(r) for r in p.recThrs],
            [int(m) for m in p.maxDets],
            [[float(a[0]), float(a[1])] for a in p.areaRng],
            [str(lbl) for lbl in p.areaRngLbl],
            bool(p.useCats),
            [float(s) for s in p.kpt_oks_sigmas] if p.iouType == "keypoints" else None,
        )

    # pycocotools' per-cell steps, for scripts that call them or read ``_gts``/``_dts``. ``evaluate()``
    # does not go through them (a subclass overriding them changes nothing in ``eval``); each runs the
    # engine on one image x category cell of the dicts ``_prepare`` grouped.

    def _prepare(self):
        """pycocotools' ``_prepare``: the ground truths and detections ``params`` selects, their ``ignore``
        flag set, grouped by ``(image_id, category_id)`` in ``_gts`` and ``_dts``; ``evalImgs`` and ``eval``
        emptied. Segmentations are not rewritten as RLE in place (pycocotools' ``_toMask``)."""
        p = self.params
        gts = self._select(self.cocoGt, p)
        dts = self._select(self.cocoDt, p)
        _mark_ignored(gts, p.iouType, [])
        self._gts, self._dts = defaultdict(list), defaultdict(list)
        for gt in gts:
            self._gts[gt["image_id"], gt["category_id"]].append(gt)
        for dt in dts:
            self._dts[dt["image_id"], dt["category_id"]].append(dt)
        self.evalImgs = defaultdict(list)
        self.eval = {}

    @property
    def _gts(self):
        """pycocotools' ground truths by ``(image_id, category_id)``: made by ``_prepare()``, or on first
        access after ``evaluate()`` (which, run natively, never needs them)."""
        if self.__dict__.get("_gts_groups") is None:
            self._prepare_groups()
        return self._gts_groups

    @_gts.setter
    def _gts(self, value):
        self._gts_groups = value

    @property
    def _dts(self):
        """pycocotools' detections by ``(image_id, category_id)``; see ``_gts``."""
        if self.__dict__.get("_dts_groups") is None:
            self._prepare_groups()
        return self._dts_groups

    @_dts.setter
    def _dts(self, value):
        self._dts_groups = value

    def _prepare_groups(self):
        # the groups without _prepare's other effects (evaluate() has already made evalImgs and eval)
        evalImgs, ev = self._evalImgs, self.eval
        self._prepare()
        self._evalImgs, self.eval = evalImgs, ev

    def _cell(self, imgId, catId, aRng, maxDet):
        # The engine on one cell: (gts, dts, gt indices, dt indices, IoU matrix, matching) or None when
        # the cell has neither ground truths nor detections.
        p = self.params
        if p.useCats:
            gt, dt, cats = self._gts[imgId, catId], self._dts[imgId, catId], [catId]
        else:
            gt = [g for c in p.catIds for g in self._gts[imgId, c]]
            dt = [d for c in p.catIds for d in self._dts[imgId, c]]
            cats = p.catIds
        img = self.cocoGt.imgs.get(imgId, {})
        (i,) = _int_ids([imgId], "image")
        ev = _native.evaluate(
            gt,
            dt,
            [(i, int(img.get("height", 0)), int(img.get("width", 0)))],
            p.iouType,
            [i],
            _int_ids(cats, "category"),
            [float(t) for t in p.iouThrs],
            [float(r) for r in p.recThrs],
            [int(maxDet)],
            [[float(aRng[0]), float(aRng[1])]],
            ["all"],
            bool(p.useCats),
            [float(s) for s in p.kpt_oks_sigmas] if p.iouType == "keypoints" else None,
        )
        for _k, _i, g_idx, d_idx, iou, per_area in ev.details():
            return gt, dt, g_idx, d_idx, iou, per_area[0]
        return None

    def computeIoU(self, imgId, catId):
        """pycocotools' ``computeIoU``: the IoU matrix of one cell, detections by score (at most
        ``maxDets[-1]``) x ground truths in file order; ``[]`` when either side is empty."""
        p = self.params
        cell = self._cell(imgId, catId, p.areaRng[0], p.maxDets[-1])
        return [] if cell is None or cell[4] is None else cell[4]

    def computeOks(self, imgId, catId):
        """pycocotools' ``computeOks``: the OKS matrix of one cell (``iouType='keypoints'``), shaped as
        ``computeIoU``'s."""
        return self.computeIoU(imgId, catId)

    def evaluateImg(self, imgId, catId, aRng, maxDet):
        """pycocotools' ``evaluateImg``: one cell's matching for the area range ``aRng`` and ``maxDet``
        detections (``dtMatches``, ``gtMatches``, ``dtIgnore``, ...); ``None`` for an empty cell."""
        cell = self._cell(imgId, catId, aRng, maxDet)
        if cell is None:
            return None
        gt, dt, g_idx, d_idx, _iou, matching = cell
        return _eval_img(imgId, catId, aRng, maxDet, [gt[j] for j in g_idx], [dt[j] for j in d_idx], matching)

    def accumulate(self, p=None):
        """Accumulate the per image results into ``eval``: ``precision`` and ``scores``
        ``[T, R, K, A, M]``, ``recall`` ``[T, K, A, M]`` (-1 where undefined)."""
        print("Accumulating evaluation results...")
        tic = time.time()
        if self._native_eval is None:
            print("Please run evaluate() first")
            raise RuntimeError("cocokit.COCOeval.accumulate: run evaluate() first")
        if p is None:
            p = self.params
        p.catIds = p.catIds if p.useCats == 1 else [-1]
        acc = self._native_eval.accumulate()
        self._native_acc = acc
        self.eval = {
            "params": p,
            "counts": list(acc.counts),
            "date": datetime.datetime.now().strftime("%Y-%m-%d %H:%M:%S"),
            "precision": acc.precision(),
            "recall": acc.recall(),
            "scores": acc.scores(),
        }
        toc = time.time()
        print("DONE (t={:0.2f}s).".format(toc - tic))

    def summarize(self):
        """Print the 12 standard metrics (10 for keypoints) and keep them in ``stats`` (a float64 array)."""
        if not self.eval:
            raise Exception("Please run accumulate() first")
        if self.params.iouType not in _SUPPORTED:
            raise NotImplementedError(
                "cocokit.COCOeval summarizes iouType 'bbox', 'segm' and 'keypoints' only"
            )
        # _summarizeDets reads maxDets[2]: IndexError with fewer than 3 values, as in pycocotools
        # (_summarizeKps reads maxDets 20 whatever maxDets holds).
        if self.params.iouType != "keypoints" and len(self.params.maxDets) < 3:
            raise IndexError("list index out of range")
        stats, lines = self._native_acc.summarize()
        for line in lines:
            print(line)
        self.stats = np.array(stats, dtype=np.float64)

    def __str__(self):
        self.summarize()
        return ""


def _eval_img(imgId, catId, aRng, maxDet, gt, dt, matching):
    """One ``evalImgs`` entry as pycocotools' ``evaluateImg`` returns it, from the engine's matching of
    the cell's ground truths ``gt`` (file order) and detections ``dt`` (by score, truncated)."""
    order, gtIg, dtm, gtm, dtIg = matching
    return {
        "image_id": imgId,
        "category_id": catId,
        "aRng": aRng,
        "maxDet": maxDet,
        "dtIds": [d["id"] for d in dt],
        "gtIds": [gt[j]["id"] for j in order],
        "dtMatches": dtm,
        "gtMatches": gtm,
        "dtScores": [d["score"] for d in dt],
        "gtIgnore": gtIg if len(gtIg) else np.array([]),
        "dtIgnore": dtIg,
    }


def _unique(ids):
    """``list(np.unique(ids))``, as pycocotools' ``evaluate`` sets ``imgIds``/``catIds``. A list of Python
    ints (the usual case) is sorted and deduplicated here, to the same ``np.int64`` values: np.unique's
    first call imports ``numpy.ma`` (~13 ms of a 0.13 s bbox evaluation in a fresh process). Anything else,
    or once ``numpy.ma`` is loaded anyway, goes to np.unique itself."""
    if "numpy.ma" not in sys.modules and isinstance(ids, list) and all(type(i) is int for i in ids):
        try:
            a = np.array(ids)
        except OverflowError:
            a = None
        if a is not None and a.dtype.kind == "i" and a.size:
            a.sort()
            keep = np.empty(a.size, dtype=bool)
            keep[0] = True
            np.not_equal(a[1:], a[:-1], out=keep[1:])
            return list(a[keep])
    return list(np.unique(ids))


def _int_ids(ids, what):
    """Ids as the engine takes them (64-bit integers; numpy integers and integral floats accepted)."""
    if type(ids) is list and {type(i) for i in ids} <= _INT_TYPES:
        # What evaluate() leaves in params (np.int64 from _unique): converted at once, no per-id test.
        return list(map(int, ids))
    out = []
    for i in ids:
        try:
            v = int(i)
            ok = v == i
        except (TypeError, ValueError):
            ok = False
        if not ok:
            raise ValueError(
                f"cocokit.COCOeval needs integer {what} ids (pycocotools accepts any hashable id); got {i!r}"
            )
        out.append(v)
    return out


class Params:
    """Evaluation parameters, as pycocotools' ``Params`` (``setDetParams`` / ``setKpParams``)."""

    def setDetParams(self):
        self.imgIds = []
        self.catIds = []
        self.iouThrs = np.linspace(0.5, 0.95, int(np.round((0.95 - 0.5) / 0.05)) + 1, endpoint=True)
        self.recThrs = np.linspace(0.0, 1.00, int(np.round((1.00 - 0.0) / 0.01)) + 1, endpoint=True)
        self.maxDets = [1, 10, 100]
        self.areaRng = [[0**2, 1e5**2], [0**2, 32**2], [32**2, 96**2], [96**2, 1e5**2]]
        self.areaRngLbl = ["all", "small", "medium", "large"]
        self.useCats = 1

    def setKpParams(self):
        self.imgIds = []
        self.catIds = []
        self.iouThrs = np.linspace(0.5, 0.95, int(np.round((0.95 - 0.5) / 0.05)) + 1, endpoint=True)
        self.recThrs = np.linspace(0.0, 1.00, int(np.round((1.00 - 0.0) / 0.01)) + 1, endpoint=True)
        self.maxDets = [20]
        self.areaRng = [[0**2, 1e5**2], [32**2, 96**2], [96**2, 1e5**2]]
        self.areaRngLbl = ["all", "medium", "large"]
        self.useCats = 1
        self.kpt_oks_sigmas = (
            np.array(
                [
                    0.26,
                    0.25,
                    0.25,
                    0.35,
                    0.35,
                    0.79,
                    0.79,
                    0.72,
                    0.72,
                    0.62,
                    0.62,
                    1.07,
                    1.07,
                    0.87,
                    0.87,
                    0.89,
                    0.89,
                ]
            )
            / 10.0
        )

    def __init__(self, iouType="segm"):
        if iouType == "segm" or iouType == "bbox":
            self.setDetParams()
        elif iouType == "keypoints":
            self.setKpParams()
        else:
            raise Exception("iouType not supported")
        self.iouType = iouType
        # useSegm is deprecated
        self.useSegm = None

    def __deepcopy__(self, memo):
        # copy.deepcopy's result (evaluate() copies the parameters, as pycocotools does), made faster: a
        # list of numbers (imgIds: thousands of numpy integers) is copied as a list, its immutable items
        # shared instead of copied one by one.
        new = self.__class__.__new__(self.__class__)
        memo[id(self)] = new
        for key, value in self.__dict__.items():
            if type(value) is list and id(value) not in memo and all(type(v) in _SCALARS for v in value):
                copied = memo[id(value)] = list(value)
                memo.setdefault(id(memo), []).append(value)  # keep-alive, as copy.deepcopy does
            else:
                copied = copy.deepcopy(value, memo)
            new.__dict__[key] = copied
        return new


_INT_TYPES = frozenset({int, np.int64, np.int32})
_SCALARS = frozenset({int, float, bool, str, np.int64, np.int32, np.float64, np.float32, np.bool_})
