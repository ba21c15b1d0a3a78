"""cocokit.COCOeval against pycocotools.cocoeval.COCOeval 2.0.11: eval['precision'/'recall'/'scores']
np.array_equal, stats equal, the same printed lines, under the default and mutated params, with cocokit's
or pycocotools' COCO objects, on the fixtures' real data and on synthetic detections."""

import copy
import random
import re

import cocokit
import numpy as np
import pytest
from cocokit import COCO, COCOeval
from conftest import TINY, VAL2014, VAL2014_BBOX, VAL2014_SEGM, load_json, quiet
from pycocotools.coco import COCO as PCOCO
from pycocotools.cocoeval import COCOeval as PEVAL


def norm(s):
    return re.sub(r"t=\d+\.\d+s", "t=X", s)


def run(Coco, Eval, gt_path, res, iou_type, mutate=None, gt_coco=None):
    with quiet() as out:
        gt = gt_coco if gt_coco is not None else Coco(gt_path)
        dt = gt.loadRes(copy.deepcopy(res) if isinstance(res, list) else res)
        e = Eval(gt, dt, iou_type)
        if mutate:
            mutate(e.params)
        e.evaluate()
        e.accumulate()
        e.summarize()
    return e, norm(out.getvalue())


def same(a, b, path=""):
    """Deep equality with types (numpy arrays: dtype, shape and values)."""
    ints = (int, np.integer)
    assert type(a) is type(b) or (isinstance(a, ints) and isinstance(b, ints)), (path, type(a), type(b))
    if isinstance(a, dict):
        assert list(a) == list(b), path
        for k in a:
            same(a[k], b[k], f"{path}/{k}")
    elif isinstance(a, list):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b)):
            same(x, y, f"{path}[{i}]")
    elif isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b), path
    else:
        assert a == b, path


def compare(gt_path, res, iou_type, mutate=None, pyco_objects=False, ious_ulp=0):
    """Everything equal; ``ious_ulp`` > 0 lets the IoU (OKS) matrices differ by that many units in the last
    place (keypoints: numpy's own SIMD ``np.exp`` is not libm's ``exp``)."""
    a, oa = run(PCOCO, PEVAL, gt_path, res, iou_type, mutate)
    if pyco_objects:
        b, ob = run(PCOCO, COCOeval, gt_path, res, iou_type, mutate)
    else:
        b, ob = run(COCO, COCOeval, gt_path, res, iou_type, mutate)
    assert oa == ob
    assert type(b.stats) is np.ndarray and b.stats.dtype == a.stats.dtype
    assert np.array_equal(a.stats, b.stats)
    assert a.eval["counts"] == b.eval["counts"]
    for k in ("precision", "recall", "scores"):
        assert a.eval[k].dtype == b.eval[k].dtype and a.eval[k].shape == b.eval[k].shape
        assert np.array_equal(a.eval[k], b.eval[k]), k
    assert b.params.imgIds == a.params.imgIds
    assert b.params.catIds == a.params.catIds
    assert b.params.maxDets == a.params.maxDets
    assert b._paramsEval.imgIds == a._paramsEval.imgIds
    same(a.evalImgs, b.evalImgs, "evalImgs")
    if ious_ulp:
        assert list(a.ious) == list(b.ious)
        for k in a.ious:
            if isinstance(a.ious[k], list):
                same(a.ious[k], b.ious[k], f"ious/{k}")
            else:
                assert a.ious[k].shape == b.ious[k].shape, k
                np.testing.assert_array_max_ulp(a.ious[k], b.ious[k], maxulp=ious_ulp)
    else:
        same(a.ious, b.ious, "ious")
    return a, b


@pytest.mark.parametrize("iou_type,res", [("bbox", VAL2014_BBOX), ("segm", VAL2014_SEGM)])
def test_val2014_defaults(iou_type, res):
    a, b = compare(VAL2014, res, iou_type)
    assert b.stats[0] > 0.1


@pytest.mark.parametrize("iou_type,res", [("bbox", VAL2014_BBOX), ("segm", VAL2014_SEGM)])
def test_val2014_pycocotools_objects(iou_type, res):
    compare(VAL2014, res, iou_type, pyco_objects=True)


def _imgs(p):
    p.imgIds = p.imgIds[::3]


def _cats(p):
    p.catIds = [1, 3, 18, 62, 999]


def _nocats(p):
    p.useCats = 0


def _maxdets(p):
    p.maxDets = [100, 1, 50]  # stats[0] at 100, the others at the sorted list's entries


def _maxdets_no100(p):
    p.maxDets = [1, 10, 20]  # stats[0] = -1


def _thrs(p):
    p.iouThrs = np.array([0.5, 0.75, 0.3])
    p.recThrs = np.linspace(0, 1, 11)


def _areas(p):
    p.areaRng = [[0, 1e10], [0, 1000], [1000, 1e10], [400, 5000]]
    p.areaRngLbl = ["all", "small", "large", "medium"]


def _list_ids(p):
    p.imgIds = list(reversed(p.imgIds)) + p.imgIds[:5]
    p.catIds = [3, 1, 1]


def _segm_flag(p):
    p.useSegm = 0


MUTATIONS = [_imgs, _cats, _nocats, _maxdets, _maxdets_no100, _thrs, _areas, _list_ids, _segm_flag]


@pytest.mark.parametrize("mutate", MUTATIONS, ids=[m.__name__ for m in MUTATIONS])
@pytest.mark.parametrize("iou_type,res", [("bbox", VAL2014_BBOX), ("segm", VAL2014_SEGM)])
def test_val2014_params(iou_type, res, mutate):
    compare(VAL2014, res, iou_type, mutate)


def synthetic_results(gt_path, seed, segm):
    """Detections made from the ground truth: jittered boxes (and polygons), false positives, wrong
    classes, duplicate scores; deterministic."""
    rng = random.Random(seed)
    ds = load_json(gt_path)
    cats = [c["id"] for c in ds["categories"]]
    out = []
    for ann in ds["annotations"]:
        for _ in range(rng.choice([0, 1, 1, 2])):
            x, y, w, h = ann["bbox"]
            dx, dy = rng.uniform(-0.2, 0.2) * w, rng.uniform(-0.2, 0.2) * h
            cat = ann["category_id"] if rng.random() < 0.85 else rng.choice(cats)
            score = rng.choice([0.5, 0.25, round(rng.random(), 3)])
            r = {"image_id": ann["image_id"], "category_id": cat, "score": score}
            if segm:
                poly = [x + dx, y + dy, x + dx + w, y + dy, x + dx + w * 0.8, y + dy + h, x + dx, y + dy + h]
                r["segmentation"] = [[round(v, 2) for v in poly]]
                r["bbox"] = [round(x + dx, 2), round(y + dy, 2), round(w, 2), round(h, 2)]
            else:
                r["bbox"] = [
                    round(x + dx, 2),
                    round(y + dy, 2),
                    round(w * rng.uniform(0.8, 1.2), 2),
                    round(h * rng.uniform(0.8, 1.2), 2),
                ]
            out.append(r)
    return out


@pytest.mark.parametrize("seed", [1, 2])
def test_tiny_bbox(seed):
    compare(TINY, synthetic_results(TINY, seed, False), "bbox")
    compare(TINY, synthetic_results(TINY, seed, False), "bbox", _nocats)


def test_tiny_segm_from_polygons():
    # box-first results carrying polygons: loadRes' box branch (area w*h), masks from the polygons
    compare(TINY, synthetic_results(TINY, 3, True), "segm")


def test_tiny_segm_from_rle():
    res = synthetic_results(TINY, 4, True)
    with quiet():
        gt = PCOCO(TINY)
    for r in res:
        im = gt.imgs[r["image_id"]]
        rle = cocokit.mask.merge(cocokit.mask.frPyObjects(r["segmentation"], im["height"], im["width"]))
        r["segmentation"] = {"size": rle["size"], "counts": rle["counts"].decode()}
        del r["bbox"]
    compare(TINY, res, "segm")


def test_numpy_results():
    rows = np.array(
        [[r["image_id"], *r["bbox"], r["score"], r["category_id"]] for r in load_json(VAL2014_BBOX)]
    )
    compare(VAL2014, rows, "bbox")


def test_hand_built_results_with_own_ids():
    """Results built as torchmetrics builds them (COCO() + dataset + createIndex), with ids of their own,
    some 0 or negative: evaluateImg's `gtm > 0` test lets those leave their ground truth free."""
    res = synthetic_results(TINY, 5, False)
    ds = load_json(TINY)
    for i, r in enumerate(res):
        r["id"] = i - 3
        r["area"] = r["bbox"][2] * r["bbox"][3]
        r["iscrowd"] = 0
    results = {"images": ds["images"], "categories": ds["categories"], "annotations": res}
    evals = []
    for Coco, Eval in [(PCOCO, PEVAL), (COCO, COCOeval)]:
        with quiet():
            gt = Coco(TINY)
            dt = Coco()
            dt.dataset = copy.deepcopy(results)
            dt.createIndex()
            e = Eval(gt, dt, "bbox")
            e.evaluate()
            e.accumulate()
            e.summarize()
        evals.append(e)
    a, b = evals
    same(a.evalImgs, b.evalImgs, "evalImgs")
    assert np.array_equal(a.stats, b.stats)
    for k in ("precision", "recall", "scores"):
        assert np.array_equal(a.eval[k], b.eval[k])


def exc(f):
    try:
        with quiet():
            f()
    except Exception as e:  # noqa: BLE001
        return type(e)
    return None


def test_same_exceptions():
    assert exc(lambda: PEVAL(None, None, "foo")) is exc(lambda: COCOeval(None, None, "foo")) is Exception
    with quiet():
        pg, cg = PCOCO(VAL2014), COCO(VAL2014)
    pe, ce = PEVAL(pg, pg, "bbox"), COCOeval(cg, cg, "bbox")
    # ground truth used as results: no score
    assert exc(pe.evaluate) is exc(ce.evaluate) is KeyError
    assert exc(PEVAL(pg, pg, "bbox").summarize) is exc(COCOeval(cg, cg, "bbox").summarize) is Exception


def test_two_maxdets_raise_index_error_in_summarize():
    def two(p):
        p.maxDets = [1, 10]

    with pytest.raises(IndexError):
        run(PCOCO, PEVAL, VAL2014, VAL2014_BBOX, "bbox", two)
    with pytest.raises(IndexError):
        run(COCO, COCOeval, VAL2014, VAL2014_BBOX, "bbox", two)


def test_summarize_twice_and_str():
    _, b = compare(VAL2014, VAL2014_BBOX, "bbox")
    with quiet() as out:
        b.summarize()
    assert out.getvalue().count("Average Precision") == 6


def test_ctrl_c_interrupts_evaluate():
    """A SIGINT during evaluate() raises KeyboardInterrupt (the engine runs on a thread of its pool while
    the caller's thread checks for signals). Run in a child process, so that no signal can reach pytest
    itself; SIGINT is sent again every second until the child reacts (a busy machine may take a while)."""
    import signal
    import subprocess
    import sys
    import time

    script = f"""
import sys, numpy as np
from cocokit import COCO, COCOeval
gt = COCO({VAL2014!r})
dt = gt.loadRes({VAL2014_SEGM!r})
e = COCOeval(gt, dt, "segm")
e.params.iouThrs = np.linspace(0.05, 0.95, 2000)
print("ready", flush=True)
try:
    for _ in range(100000):
        e.evaluate()
except KeyboardInterrupt:
    print("interrupted", flush=True)
    sys.exit(0)
sys.exit(3)
"""
    child = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        assert child.stdout is not None
        # COCO() and loadRes print pycocotools' progress lines first.
        while (line := child.stdout.readline()) and line.strip() != "ready":
            pass
        assert line.strip() == "ready", "the child ended before evaluating"
        time.sleep(0.3)
        for _ in range(30):
            child.send_signal(signal.SIGINT)
            try:
                child.wait(timeout=1.0)
                break
            except subprocess.TimeoutExpired:
                continue
        out = child.stdout.read()
        assert child.returncode == 0, f"exit {child.returncode}: {out!r}"
        assert "interrupted" in out
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()


def test_lvis_ground_truth_without_iscrowd_raises_key_error():
    # LVIS annotations have no iscrowd: pycocotools' evaluateImg raises KeyError, and so does cocokit.
    from conftest import LVIS

    def attempt(Coco, Eval):
        with quiet():
            gt = Coco(LVIS)
            anns = [dict(a, score=0.5) for a in list(gt.anns.values())[:20]]
            for a in anns:
                a.pop("id")
            dt = gt.loadRes(anns)
            e = Eval(gt, dt, "bbox")
            e.evaluate()

    with pytest.raises(KeyError):
        attempt(PCOCO, PEVAL)
    with pytest.raises(KeyError):
        attempt(COCO, COCOeval)


def test_evaluate_without_results_object():
    with quiet():
        pg, cg = PCOCO(VAL2014), COCO(VAL2014)
    with pytest.raises(AttributeError):
        PEVAL(pg, None, "bbox").evaluate()
    with pytest.raises(AttributeError):
        COCOeval(cg, None, "bbox").evaluate()


def test_images_without_sizes_for_bbox_and_string_ids():
    ds = load_json(TINY)
    for im in ds["images"]:
        del im["height"], im["width"]
    res = synthetic_results(TINY, 6, False)
    stats = []
    for Coco, Eval in [(PCOCO, PEVAL), (COCO, COCOeval)]:
        with quiet():
            gt = Coco()
            gt.dataset = copy.deepcopy(ds)
            gt.createIndex()
            e = Eval(gt, gt.loadRes(copy.deepcopy(res)), "bbox")
            e.evaluate()
            e.accumulate()
            e.summarize()
        stats.append(e.stats)
    assert np.array_equal(*stats)
    # string image ids: pycocotools takes any hashable id, cocokit's engine integers (a clear ValueError)
    with quiet():
        gt = COCO()
        gt.dataset = {
            "images": [{"id": "a", "height": 4, "width": 4}],
            "categories": [{"id": 1}],
            "annotations": [],
        }
        gt.createIndex()
        e = COCOeval(gt, gt, "bbox")
    with pytest.raises(ValueError, match="integer image ids"), quiet():
        e.evaluate()
