"""cocokit.COCO's native datasets against pycocotools 2.0.11: ``COCO(path)`` and ``loadRes(path)`` build no
Python objects until one of ``dataset``/``anns``/``imgs``/``cats``/``imgToAnns``/``catToImgs`` is read, the
id queries answer the same before and after, ``COCOeval`` on them runs in the engine with pycocotools'
numbers, and once the Python objects exist they are the truth (mutations, ``createIndex``, pickling)."""

import copy
import json
import pickle

import numpy as np
import pytest
from cocokit import COCO, COCOeval
from conftest import GT_FILES, TINY, VAL2014, VAL2014_BBOX, VAL2014_SEGM, load_json, quiet
from pycocotools.coco import COCO as PCOCO
from pycocotools.cocoeval import COCOeval as PEVAL
from test_cocoeval import same


def native(c):
    """Whether ``c`` still holds its dataset on the Rust side only."""
    return c._native is not None


def evaluate(gt, dt, iou_type, mutate=None):
    """pycocotools' COCOeval on a pycocotools ground truth, cocokit's otherwise."""
    Eval = PEVAL if isinstance(gt, PCOCO) else COCOeval
    with quiet():
        e = Eval(gt, dt, iou_type)
        if mutate:
            mutate(e.params)
        e.evaluate()
        e.accumulate()
        e.summarize()
    return e


def same_eval(a, b):
    assert np.array_equal(a.stats, b.stats)
    assert a.eval["counts"] == b.eval["counts"]
    for k in ("precision", "recall", "scores"):
        assert a.eval[k].dtype == b.eval[k].dtype and np.array_equal(a.eval[k], b.eval[k]), k


def both(gt_path, res_path):
    with quiet():
        p = PCOCO(gt_path)
        pd = p.loadRes(res_path)
        c = COCO(gt_path)
        cd = c.loadRes(res_path)
    return p, pd, c, cd


@pytest.mark.parametrize("iou_type,res", [("bbox", VAL2014_BBOX), ("segm", VAL2014_SEGM)])
def test_evaluation_never_materializes(iou_type, res):
    p, pd, c, cd = both(VAL2014, res)
    assert native(c) and native(cd)
    a = evaluate(p, pd, iou_type)
    b = evaluate(c, cd, iou_type)
    assert native(c) and native(cd)
    assert b._selected is None  # the engine's path, not the dicts'
    same_eval(a, b)
    assert a.stats[0] > 0.1
    # details on request: from the same evaluation on the dicts, which now exist
    same(a.evalImgs, b.evalImgs, "evalImgs")
    same(a.ious, b.ious, "ious")
    assert not native(c) and not native(cd)


@pytest.mark.parametrize("path", GT_FILES)
def test_id_queries_native_then_materialized(path):
    with quiet():
        p = PCOCO(path)
        c = COCO(path)
    assert native(c)
    imgs, cats = p.getImgIds(), p.getCatIds()
    calls = [
        ("getImgIds", (), {}),
        ("getImgIds", (imgs[:9],), {}),
        ("getImgIds", (), {"catIds": cats[:1]}),
        ("getImgIds", (), {"catIds": cats[:3]}),
        ("getImgIds", (imgs[:50], cats[0]), {}),
        ("getImgIds", (), {"catIds": [np.int64(cats[1])]}),
        ("getImgIds", (), {"catIds": [-5]}),
        ("getCatIds", (), {}),
        ("getAnnIds", (), {}),
        ("getAnnIds", (imgs[:5],), {}),
        ("getAnnIds", (imgs[3],), {}),
        ("getAnnIds", ([imgs[2], -1, imgs[2]],), {}),
        ("getAnnIds", (), {"catIds": cats[:3]}),
        ("getAnnIds", (imgs[:20], cats[:10]), {}),
        ("getAnnIds", (np.array(imgs[:7]),), {"catIds": np.array(cats[:40])}),
        ("getAnnIds", (imgs[:3],), {"catIds": [float(cats[0])]}),  # not an int: the dicts answer
    ]
    answers = []
    for name, args, kw in calls:
        a = getattr(p, name)(*args, **kw)
        b = getattr(c, name)(*args, **kw)
        same(a, b, name)  # getImgIds' set order too: the same set built the same way
        answers.append(b)
    assert not native(c)  # the float category id materialized it
    for (name, args, kw), b in zip(calls, answers):
        same(b, getattr(c, name)(*args, **kw), name)


def test_lazy_attributes_equal_pycocotools():
    p, pd, c, cd = both(VAL2014, VAL2014_SEGM)
    same(load_json(VAL2014), c.dataset)
    for attr in ("dataset", "anns", "imgs", "cats"):
        same(getattr(p, attr), getattr(c, attr), attr)
        same(getattr(pd, attr), getattr(cd, attr), "res " + attr)
    for attr in ("imgToAnns", "catToImgs"):
        same(dict(getattr(p, attr)), dict(getattr(c, attr)), attr)
        same(dict(getattr(pd, attr)), dict(getattr(cd, attr)), "res " + attr)
    # results share the ground truth's image dicts, as pycocotools' do
    assert cd.dataset["images"][0] is c.dataset["images"][0]
    assert not native(c) and not native(cd)


def test_results_first_then_ground_truth():
    # materializing the results materializes their ground truth (they share its image dicts)
    p, pd, c, cd = both(VAL2014, VAL2014_BBOX)
    same(pd.anns, cd.anns)
    assert not native(c)
    same(p.dataset, c.dataset)


def crowd_first(coco):
    ann = coco.anns[coco.getAnnIds(iscrowd=0)[0]]
    ann["iscrowd"] = 1


def drop_half(coco):
    coco.dataset["annotations"] = coco.dataset["annotations"][::2]
    coco.createIndex()


@pytest.mark.parametrize("mutation", [crowd_first, drop_half])
@pytest.mark.parametrize("iou_type,res", [("bbox", VAL2014_BBOX), ("segm", VAL2014_SEGM)])
def test_mutations_after_materializing_are_seen(iou_type, res, mutation):
    p, pd, c, cd = both(VAL2014, res)
    with quiet():
        mutation(p)
        mutation(c)
    assert not native(c)
    a = evaluate(p, pd, iou_type)
    b = evaluate(c, cd, iou_type)
    same_eval(a, b)
    unchanged = evaluate(*both(VAL2014, res)[2:], iou_type)
    assert not np.array_equal(unchanged.stats, b.stats)  # the mutation changed the numbers


def test_mutated_results_are_seen():
    p, pd, c, cd = both(VAL2014, VAL2014_BBOX)
    for coco in (pd, cd):
        for ann in coco.dataset["annotations"][::2]:
            ann["score"] = 1.0 - ann["score"]
    same_eval(evaluate(p, pd, "bbox"), evaluate(c, cd, "bbox"))


def test_replaced_dataset_and_create_index():
    with quiet():
        p, c = PCOCO(VAL2014), COCO(VAL2014)
        ds = load_json(VAL2014)
        ds["annotations"] = [a for a in ds["annotations"] if a["category_id"] != 1]
        for coco in (p, c):
            coco.dataset = copy.deepcopy(ds)
            coco.createIndex()
        pd, cd = p.loadRes(VAL2014_BBOX), c.loadRes(VAL2014_BBOX)
    assert not native(c)
    same(p.getAnnIds(), c.getAnnIds())
    same_eval(evaluate(p, pd, "bbox"), evaluate(c, cd, "bbox"))


@pytest.mark.parametrize("iou_type,res", [("bbox", VAL2014_BBOX), ("segm", VAL2014_SEGM)])
def test_pickle_and_deepcopy(iou_type, res):
    p, pd, c, cd = both(VAL2014, res)
    c2, cd2 = pickle.loads(pickle.dumps((c, cd)))
    assert not native(c2) and not native(cd2)
    same(pickle.loads(pickle.dumps(p)).dataset, c2.dataset)
    same(pd.dataset, cd2.dataset)
    same_eval(evaluate(p, pd, iou_type), evaluate(c2, cd2, iou_type))
    p3, _, c3, cd3 = both(VAL2014, res)
    c4 = copy.deepcopy(c3)
    same(p3.anns, c4.anns)
    with quiet():
        cd4 = c4.loadRes(res)
    same_eval(evaluate(p, pd, iou_type), evaluate(c4, cd4, iou_type))
    same_eval(evaluate(p, pd, iou_type), evaluate(c3, cd3, iou_type))


def test_pycocotools_results_object_and_other_ground_truth():
    p, pd, c, cd = both(VAL2014, VAL2014_BBOX)
    # cocokit ground truth with pycocotools results, and results of another cocokit ground truth
    same_eval(evaluate(p, pd, "bbox"), evaluate(c, pd, "bbox"))
    with quiet():
        other = COCO(VAL2014).loadRes(VAL2014_BBOX)
    same_eval(evaluate(p, pd, "bbox"), evaluate(c, other, "bbox"))


def write(tmp_path, name, value):
    path = tmp_path / name
    path.write_text(json.dumps(value))
    return str(path)


def test_files_loaded_the_pycocotools_way(tmp_path):
    ds = load_json(TINY)
    dup = copy.deepcopy(ds)
    dup["annotations"][1]["id"] = dup["annotations"][0]["id"]  # the last of equal ids wins in anns
    nocats = copy.deepcopy(ds)
    del nocats["categories"]
    for name, value in [("dup.json", dup), ("nocats.json", nocats)]:
        path = write(tmp_path, name, value)
        with quiet():
            p, c = PCOCO(path), COCO(path)
        assert not native(c)
        same(p.anns, c.anns)
        same(p.getAnnIds(), c.getAnnIds())
    noid = copy.deepcopy(ds)
    del noid["annotations"][3]["id"]
    path = write(tmp_path, "noid.json", noid)
    for Coco in (PCOCO, COCO):
        with quiet(), pytest.raises(KeyError):
            Coco(path)


def test_results_outside_the_ground_truth(tmp_path):
    res = load_json(VAL2014_BBOX)
    with quiet():
        gt = COCO(VAL2014)
    # an unknown image: loadRes' assertion, as pycocotools raises it
    bad = write(tmp_path, "bad.json", res[:5] + [dict(res[0], image_id=-3)])
    with quiet(), pytest.raises(AssertionError, match="Results do not correspond"):
        gt.loadRes(bad)
    # an unknown category: the engine refuses it, COCOeval evaluates the dicts as pycocotools does
    odd = write(tmp_path, "odd.json", res + [dict(res[0], category_id=9999)])
    p, pd, c, cd = both(VAL2014, odd)
    assert native(cd)
    b = evaluate(c, cd, "bbox")
    assert b._selected is not None and not native(cd)
    same_eval(evaluate(p, pd, "bbox"), b)
    # empty and caption results: pycocotools' own errors and branches
    empty = write(tmp_path, "empty.json", [])
    for coco in (PCOCO(VAL2014), gt):
        with quiet(), pytest.raises(IndexError):
            coco.loadRes(empty)
    img = gt.getImgIds()[0]
    caps = write(tmp_path, "caps.json", [{"image_id": img, "caption": "a cat", "bbox": [1, 2, 3, 4]}])
    with quiet():
        a, b = PCOCO(VAL2014).loadRes(caps), gt.loadRes(caps)
    same(a.dataset, b.dataset)


def test_keypoints_use_the_dicts():
    with quiet():
        c = COCO(VAL2014)
        cd = c.loadRes(VAL2014_BBOX)
        e = COCOeval(c, cd, "bbox")
        e.params.iouType = "keypoints"
    assert native(c)
    with quiet(), pytest.raises(KeyError):
        e.evaluate()  # pycocotools' KeyError('num_keypoints') from the dicts


def test_ignore_flags_after_a_native_evaluation():
    # pycocotools' _prepare sets gt['ignore'] on the ground truths it selects; the engine's evaluation
    # leaves the same flags for when the dicts are made
    p, pd, c, cd = both(VAL2014, VAL2014_SEGM)

    def imgs(params):
        params.imgIds = params.imgIds[::4]

    evaluate(p, pd, "segm", imgs)
    evaluate(c, cd, "segm", imgs)
    assert native(c)
    flags = lambda coco: {i: (a.get("ignore"), a.get("_ignore")) for i, a in coco.anns.items()}  # noqa: E731
    same(flags(p), flags(c))
    assert sum("ignore" in a for a in c.anns.values()) > 50


def test_subclass_without_coco_init():
    class Plain(COCO):
        def __init__(self, dataset):  # sets the attributes itself, as some wrappers do
            self.dataset = dataset
            self.createIndex()

    with quiet():
        c = Plain(load_json(TINY))
        p = PCOCO(TINY)
    same(p.getAnnIds(), c.getAnnIds())
    same(p.anns, c.anns)
