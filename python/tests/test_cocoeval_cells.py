"""cocokit.COCOeval's per-cell steps — ``_prepare``, ``_gts``/``_dts``, ``computeIoU``, ``computeOks`` and
``evaluateImg`` — against pycocotools 2.0.11's on the real fixtures: the same groups, the same IoU and OKS
matrices, the same ``evaluateImg`` entries for every area range and ``maxDet``."""

import os

import numpy as np
import pytest
from cocokit import COCO, COCOeval
from conftest import FIX, VAL2014, VAL2014_BBOX, VAL2014_SEGM, quiet
from pycocotools.coco import COCO as PCOCO
from pycocotools.cocoeval import COCOeval as PEVAL
from test_cocoeval_keypoints import IOUS_ULP

KP_GT = os.path.join(FIX, "keypoints", "gt_dataset.json")
KP_DT = os.path.join(FIX, "keypoints", "dt_dataset.json")
SYNTH = os.path.join(FIX, "keypoints-synth")


def _evaluated(gt, res, iou_type, use_cats=1, prepare_only=False):
    out = []
    with quiet():
        for coco, ev in ((PCOCO, PEVAL), (COCO, COCOeval)):
            g = coco(gt)
            e = ev(g, g.loadRes(res), iou_type)
            e.params.useCats = use_cats
            e.params.imgIds = sorted({a["image_id"] for a in g.dataset["annotations"]})[:30]
            if prepare_only:
                e._prepare()
            else:
                e.evaluate()
            out.append(e)
    return out


def _groups(e):
    return {k: [a["id"] for a in v] for k, v in e._gts.items() if v}, {
        k: [a["id"] for a in v] for k, v in e._dts.items() if v
    }


def _same_matrix(a, b, ulp=0):
    if isinstance(a, list) or isinstance(b, list):
        assert isinstance(a, list) and isinstance(b, list) and a == b == []
        return
    assert a.shape == b.shape
    if ulp and a.size:
        np.testing.assert_array_max_ulp(a, b, maxulp=ulp)
    else:
        assert np.array_equal(a, b)


def _same_entry(a, b):
    if a is None or b is None:
        assert a is None and b is None
        return
    assert a.keys() == b.keys()
    for k in a:
        x, y = a[k], b[k]
        if isinstance(x, np.ndarray) or isinstance(y, np.ndarray):
            assert np.array_equal(np.asarray(x), np.asarray(y)), k
        else:
            assert x == y, k


def _cells(pe):
    """The cells with ground truths or detections, and a few empty ones."""
    p = pe.params
    if not p.useCats:
        return [(i, -1) for i in p.imgIds]
    used = sorted({k for k, v in (*pe._gts.items(), *pe._dts.items()) if v})
    empty = [(i, c) for i in p.imgIds[:2] for c in p.catIds if (i, c) not in set(used)][:10]
    return used + empty


@pytest.mark.parametrize(
    "iou_type,res,use_cats", [("bbox", VAL2014_BBOX, 1), ("segm", VAL2014_SEGM, 1), ("bbox", VAL2014_BBOX, 0)]
)
def test_cells_after_evaluate(iou_type, res, use_cats):
    pe, ce = _evaluated(VAL2014, res, iou_type, use_cats)
    assert _groups(ce) == _groups(pe)
    p = pe.params
    checked = 0
    for imgId, catId in _cells(pe):
        _same_matrix(ce.computeIoU(imgId, catId), pe.computeIoU(imgId, catId))
        for aRng in p.areaRng:
            for maxDet in (p.maxDets[0], p.maxDets[-1]):
                want = pe.evaluateImg(imgId, catId, aRng, maxDet)
                _same_entry(ce.evaluateImg(imgId, catId, aRng, maxDet), want)
                checked += want is not None
    assert checked > 100


@pytest.mark.parametrize(
    "gt,res",
    [(KP_GT, KP_DT)]
    + [
        (os.path.join(SYNTH, c, "gt.json"), os.path.join(SYNTH, c, "results.json"))
        for c in ("jitter", "crowd", "zero_visible")
    ],
)
def test_keypoints_cells(gt, res):
    pe, ce = _evaluated(gt, res, "keypoints")
    assert _groups(ce) == _groups(pe)
    p = pe.params
    nonempty = 0
    for imgId, catId in _cells(pe):
        want = pe.computeOks(imgId, catId)
        _same_matrix(ce.computeOks(imgId, catId), want, IOUS_ULP)
        nonempty += not isinstance(want, list)
        for aRng in p.areaRng:
            _same_entry(ce.evaluateImg(imgId, catId, aRng, 20), pe.evaluateImg(imgId, catId, aRng, 20))
    assert nonempty >= min(len(p.imgIds), 5)


def test_prepare_alone():
    """``_prepare()`` without ``evaluate()``: the groups and the ``ignore`` flags pycocotools sets, and
    ``evalImgs`` emptied."""
    pe, ce = _evaluated(VAL2014, VAL2014_BBOX, "bbox", prepare_only=True)
    assert _groups(ce) == _groups(pe)
    for key, gts in pe._gts.items():
        assert [g["ignore"] for g in ce._gts[key]] == [g["ignore"] for g in gts]
    assert ce.evalImgs == {} and ce.eval == {}


def test_groups_follow_a_new_evaluate():
    _, ce = _evaluated(VAL2014, VAL2014_BBOX, "bbox")
    before = sum(map(len, ce._gts.values()))
    ce.params.imgIds = ce.params.imgIds[:5]
    with quiet():
        ce.evaluate()
    assert 0 < sum(map(len, ce._gts.values())) < before
