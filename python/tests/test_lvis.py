"""cocokit.LVIS / LVISResults / LVISEval against lvis-api 0.5.3: its results, printed lines, per-category AP
and precision/recall sums in the goldens under fixtures/golden/lvis (written by scripts/golden_lvis.py
with lvis-api), the ways lvis-api's constructors take their inputs, and bad input raising. Where lvis-api
itself is importable, subsets of images and categories are compared live."""

import contextlib
import copy
import io
import json
import os

import cocokit
import numpy as np
import pytest
from conftest import FIX, ROOT, load_json, quiet

GOLDEN = os.path.join(FIX, "golden", "lvis")
CASES = ["small", "val100", "val100_masks"]
TOL = 1e-12


def _evals():
    for case in CASES:
        g = load_json(os.path.join(GOLDEN, case + ".json"))
        for e in g["evals"]:
            yield pytest.param(g, e, id="{}-{}-{}".format(case, e["iou_type"], e["max_dets"]))


def _close(a, b):
    return a == b or abs(a - b) <= TOL


def _check(E, e):
    assert list(E.results.keys()) == [k for k, _ in e["results"]]
    for (k, v), (_gk, gv) in zip(E.results.items(), e["results"]):
        assert _close(v, gv), (k, v, gv)
    prec, rec = E.eval["precision"], E.eval["recall"]
    assert list(prec.shape) == e["counts"]
    assert E.eval["counts"] == e["counts"]
    for k, pc in enumerate(e["per_category"]):
        assert E.params.cat_ids[k] == pc["category_id"]
        s = prec[:, :, k, 0]
        s = s[s > -1]
        ap = -1.0 if len(s) == 0 else float(np.mean(s))
        assert _close(ap, pc["ap"]), (pc, ap)
    T, R, K, A = prec.shape
    for k, a, ps, rs in e["sums"]:
        p_sum = 0.0
        for t in range(T):
            for r in range(R):
                p_sum += float(prec[t, r, k, a])
        r_sum = 0.0
        for t in range(T):
            r_sum += float(rec[t, k, a])
        assert _close(p_sum, ps) and _close(r_sum, rs), (k, a)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        E.print_results()
    assert out.getvalue().rstrip("\n").split("\n") == e["lines"]


@pytest.mark.parametrize("g,e", list(_evals()))
def test_lvis_eval_matches_golden(g, e):
    gt = cocokit.LVIS(os.path.join(ROOT, g["gt"]))
    dt = cocokit.LVISResults(gt, os.path.join(ROOT, g["results"]), max_dets=e["max_dets"])
    E = cocokit.LVISEval(gt, dt, e["iou_type"])
    E.params.max_dets = e["max_dets"]
    E.run()
    _check(E, e)


@pytest.mark.parametrize("g,e", list(_evals()))
def test_lvis_eval_steps_and_list_results(g, e):
    # results as a list of dicts (LVISResults made by LVISEval when max_dets is 300), the three steps
    res = load_json(os.path.join(ROOT, g["results"]))
    if e["max_dets"] == 300:
        E = cocokit.LVISEval(os.path.join(ROOT, g["gt"]), res, e["iou_type"])
    else:
        gt = cocokit.LVIS(os.path.join(ROOT, g["gt"]))
        E = cocokit.LVISEval(gt, cocokit.LVISResults(gt, res, e["max_dets"]), e["iou_type"])
        E.params.max_dets = e["max_dets"]
    E.evaluate()
    E.accumulate()
    E.summarize()
    _check(E, e)
    assert E.get_results() is E.results


def test_eval_lvis_functional_matches_golden():
    for case in CASES:
        g = load_json(os.path.join(GOLDEN, case + ".json"))
        for e in g["evals"]:
            rep = cocokit.eval_lvis(
                os.path.join(ROOT, g["gt"]),
                os.path.join(ROOT, g["results"]),
                iou_type=e["iou_type"],
                max_dets=e["max_dets"],
            )
            assert rep["iou_type"] == e["iou_type"]
            keys = [k for k in rep if k not in ("iou_type", "per_category")]
            assert keys == [k for k, _ in e["results"]]
            for k, v in e["results"]:
                assert _close(rep[k], v), (case, k)
            assert [c["category_id"] for c in rep["per_category"]] == [
                c["category_id"] for c in e["per_category"]
            ]
            for c, gc in zip(rep["per_category"], e["per_category"]):
                assert _close(c["ap"], gc["ap"])
                assert c["frequency"] in ("r", "c", "f")


def test_eval_lvis_functional_list_results():
    g = load_json(os.path.join(GOLDEN, "small.json"))
    res = load_json(os.path.join(ROOT, g["results"]))
    a = cocokit.eval_lvis(os.path.join(ROOT, g["gt"]), res, iou_type="bbox")
    b = cocokit.eval_lvis(os.path.join(ROOT, g["gt"]), os.path.join(ROOT, g["results"]), iou_type="bbox")
    assert a == b


def test_lvis_queries_match_json():
    path = os.path.join(FIX, "lvis-val-100", "lvis_val_100.json")
    d = load_json(path)
    lv = cocokit.LVIS(path)
    assert lv.get_img_ids() == [im["id"] for im in d["images"]]
    assert lv.get_cat_ids() == [c["id"] for c in d["categories"]]
    assert lv.get_ann_ids() == [a["id"] for a in d["annotations"]]
    img = d["images"][5]["id"]
    assert lv.get_ann_ids(img_ids=[img]) == [a["id"] for a in d["annotations"] if a["image_id"] == img]
    assert lv.get_ann_ids(img_ids=[]) == []
    cats = {d["annotations"][0]["category_id"]}
    assert lv.get_ann_ids(cat_ids=cats, area_rng=[0, 1000]) == [
        a["id"] for a in d["annotations"] if a["category_id"] in cats and 0 < a["area"] < 1000
    ]
    assert lv.load_cats(None) == d["categories"]
    assert lv.load_imgs([img]) == [d["images"][5]]
    ann = lv.load_anns([d["annotations"][0]["id"]])[0]
    assert ann == d["annotations"][0]
    m = lv.ann_to_mask(ann)
    assert m.shape == (lv.imgs[ann["image_id"]]["height"], lv.imgs[ann["image_id"]]["width"])
    assert int(m.sum()) == int(cocokit.mask.area(lv.ann_to_rle(ann)))


def test_lvis_results_dicts():
    g = load_json(os.path.join(GOLDEN, "small.json"))
    res = load_json(os.path.join(ROOT, g["results"]))
    gt = cocokit.LVIS(os.path.join(ROOT, g["gt"]))
    dt = cocokit.LVISResults(gt, res, max_dets=3)
    per_img = {}
    for a in dt.dataset["annotations"]:
        per_img[a["image_id"]] = per_img.get(a["image_id"], 0) + 1
        assert "area" in a and "segmentation" in a
    assert max(per_img.values()) <= 3
    assert [a["id"] for a in dt.dataset["annotations"]] == list(range(1, len(dt.dataset["annotations"]) + 1))
    assert res == load_json(os.path.join(ROOT, g["results"]))  # the caller's dicts are left alone


def test_bad_input_raises(tmp_path):
    g = load_json(os.path.join(GOLDEN, "small.json"))
    gt_path, res_path = os.path.join(ROOT, g["gt"]), os.path.join(ROOT, g["results"])
    with pytest.raises(ValueError, match="not supported"):
        cocokit.LVISEval(gt_path, res_path, "keypoints")
    with pytest.raises(TypeError):
        cocokit.LVISEval(42, res_path, "bbox")
    with pytest.raises(IndexError):
        cocokit.LVISResults(gt_path, [])
    with pytest.raises(FileNotFoundError):
        cocokit.eval_lvis(str(tmp_path / "missing.json"), res_path)
    # an LVIS ground truth without neg_category_ids: a one-line error naming the image
    d = load_json(gt_path)
    del d["images"][0]["neg_category_ids"]
    bad = tmp_path / "gt.json"
    bad.write_text(json.dumps(d))
    with pytest.raises(cocokit.CocokitError, match="neg_category_ids"):
        cocokit.LVISEval(str(bad), res_path, "bbox").run()
    E = cocokit.LVISEval(gt_path, res_path, "bbox")
    E.params.iou_thrs = np.array([0.5])
    with pytest.raises(ValueError, match="iou_thrs"):
        E.run()
    E = cocokit.LVISEval(gt_path, res_path, "bbox")
    E.params.cat_ids = [10**6]
    with pytest.raises(cocokit.CocokitError, match="category id"):
        E.run()
    E = cocokit.LVISEval(gt_path, res_path, "bbox")
    with pytest.raises(RuntimeError):
        E.summarize()


def _lvis_api():
    lvis = pytest.importorskip("lvis")
    np.float = float  # lvis 0.5.3 predates numpy 1.24 (as scripts/golden_lvis.py does)
    return lvis


@pytest.mark.parametrize("iou_type", ["bbox", "segm"])
def test_subsets_match_lvis_api_live(iou_type):
    lvis = _lvis_api()
    g = load_json(os.path.join(GOLDEN, "val100.json"))
    gt_path, res_path = os.path.join(ROOT, g["gt"]), os.path.join(ROOT, g["results"])
    ref_gt = lvis.LVIS(gt_path)
    img_ids = sorted(ref_gt.get_img_ids())[::3]
    cat_ids = sorted(ref_gt.get_cat_ids())[::2]
    with quiet():
        R = lvis.LVISEval(ref_gt, lvis.LVISResults(ref_gt, copy.deepcopy(load_json(res_path))), iou_type)
        R.params.img_ids, R.params.cat_ids = img_ids, cat_ids
        R.run()
    E = cocokit.LVISEval(gt_path, res_path, iou_type)
    E.params.img_ids, E.params.cat_ids = img_ids, cat_ids
    E.run()
    assert list(E.results) == list(R.results)
    for k in R.results:
        assert _close(float(E.results[k]), float(R.results[k])), k
    assert np.array_equal(E.eval["precision"], R.eval["precision"])
    assert np.array_equal(E.eval["recall"], R.eval["recall"])
