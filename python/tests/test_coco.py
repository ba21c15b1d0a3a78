"""cocokit.COCO against pycocotools.coco.COCO 2.0.11: the same dataset and indexes, the same answers from
every query method, loadRes from a path, a list and an N x 7 array, annToRLE / annToMask, the same
printed lines and the same exceptions."""

import copy
import re

import numpy as np
import pytest
from cocokit import COCO
from conftest import GT_FILES, LVIS, TINY, VAL2014, VAL2014_BBOX, VAL2014_SEGM, load_json, quiet
from pycocotools.coco import COCO as PCOCO


def load_both(path):
    with quiet() as a:
        p = PCOCO(path)
    with quiet() as b:
        c = COCO(path)
    norm = lambda s: re.sub(r"t=\d+\.\d+s", "t=X", s)  # noqa: E731
    assert norm(a.getvalue()) == norm(b.getvalue())
    return p, c


def same(a, b):
    """Deep equality that also checks types (int stays int, numpy stays numpy)."""
    assert type(a) is type(b), (a, b)
    if isinstance(a, dict):
        assert list(a.keys()) == list(b.keys())
        for k in a:
            same(a[k], b[k])
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            same(x, y)
    elif isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and np.array_equal(a, b)
    else:
        assert a == b


@pytest.mark.parametrize("path", GT_FILES)
def test_dataset_and_indexes(path):
    p, c = load_both(path)
    same(load_json(path), c.dataset)
    same(p.dataset, c.dataset)
    same(p.anns, c.anns)
    same(p.imgs, c.imgs)
    same(p.cats, c.cats)
    assert dict(p.imgToAnns) == dict(c.imgToAnns)
    assert dict(p.catToImgs) == dict(c.catToImgs)


@pytest.mark.parametrize("path", [VAL2014, TINY])
def test_queries(path):
    p, c = load_both(path)
    imgs = sorted(p.getImgIds())
    cats = sorted(p.getCatIds())
    calls = [
        ("getAnnIds", (), {}),
        ("getAnnIds", (imgs[:5],), {}),
        ("getAnnIds", (imgs[3],), {}),
        ("getAnnIds", (), {"catIds": cats[:3]}),
        ("getAnnIds", (), {"catIds": cats[0]}),
        ("getAnnIds", (imgs[:20], cats[:10]), {}),
        ("getAnnIds", (), {"areaRng": [100, 5000]}),
        ("getAnnIds", (imgs,), {"areaRng": [0, 1e10], "iscrowd": 0}),
        ("getAnnIds", (), {"iscrowd": 1}),
        ("getAnnIds", (), {"iscrowd": False}),
        ("getAnnIds", ([-1, imgs[0]],), {}),
        ("getAnnIds", (np.array(imgs[:7]),), {"catIds": np.array(cats[:40])}),
        ("getCatIds", (), {}),
        ("getCatIds", (), {"catNms": ["person", "dog", "nothing"]}),
        ("getCatIds", (), {"catNms": "person"}),
        ("getCatIds", (), {"supNms": ["animal", "vehicle"]}),
        ("getCatIds", (), {"catIds": cats[5:9]}),
        ("getCatIds", (), {"catNms": ["person", "dog"], "catIds": [1]}),
        ("getImgIds", (), {}),
        ("getImgIds", (imgs[:9],), {}),
        ("getImgIds", (), {"catIds": cats[:1]}),
        ("getImgIds", (), {"catIds": cats[:2]}),
        ("getImgIds", (imgs[:50], cats[0]), {}),
        ("getImgIds", (imgs[0],), {}),
        ("loadImgs", (imgs[:4],), {}),
        ("loadImgs", (imgs[2],), {}),
        ("loadCats", (cats[:4],), {}),
        ("loadCats", (cats[0],), {}),
        ("loadAnns", (p.getAnnIds()[:10],), {}),
        ("loadAnns", (p.getAnnIds()[0],), {}),
        ("loadAnns", (np.int64(p.getAnnIds()[0]),), {}),  # neither int nor array-like: None
    ]
    for name, args, kw in calls:
        a = getattr(p, name)(*args, **kw)
        b = getattr(c, name)(*args, **kw)
        if name == "getImgIds":
            a, b = sorted(a), sorted(b)
        same(a, b)
    for name, args in [("loadImgs", ([-7],)), ("loadAnns", ([-7],)), ("loadCats", (-7,))]:
        with pytest.raises(KeyError):
            getattr(p, name)(*args)
        with pytest.raises(KeyError):
            getattr(c, name)(*args)


def test_info():
    p, c = load_both(VAL2014)
    with quiet() as a:
        p.info()
    with quiet() as b:
        c.info()
    assert a.getvalue() == b.getvalue() != ""


@pytest.mark.parametrize("path", GT_FILES)
def test_annToRLE_annToMask(path):
    p, c = load_both(path)
    n = 0
    for ann_id, ann in p.anns.items():
        seg = ann.get("segmentation")
        if not seg or (type(seg) is list and len(seg[0]) <= 4):
            continue
        same(p.annToRLE(ann), c.annToRLE(c.anns[ann_id]))
        if n < 40:
            m = c.annToMask(c.anns[ann_id])
            same(p.annToMask(ann), m)
            assert m.flags["F_CONTIGUOUS"]
        n += 1
    assert n > 50


def loadres_both(res):
    p, c = load_both(VAL2014)
    with quiet():
        a = p.loadRes(copy.deepcopy(res) if not isinstance(res, (str, np.ndarray)) else res)
        b = c.loadRes(copy.deepcopy(res) if not isinstance(res, (str, np.ndarray)) else res)
    same(a.dataset, b.dataset)
    same(a.anns, b.anns)
    assert dict(a.imgToAnns).keys() == dict(b.imgToAnns).keys()
    assert dict(a.catToImgs) == dict(b.catToImgs)
    return a, b


def test_loadRes_paths_and_lists():
    loadres_both(VAL2014_BBOX)
    loadres_both(VAL2014_SEGM)
    loadres_both(load_json(VAL2014_BBOX))
    segm = load_json(VAL2014_SEGM)
    loadres_both(segm)
    # segm results without bbox: the box comes from the mask
    loadres_both([{k: v for k, v in r.items() if k != "bbox"} for r in segm])
    # box results with a segmentation keep it
    both = load_json(VAL2014_BBOX)
    for r, s in zip(both, segm):
        r["segmentation"] = s["segmentation"]
    loadres_both(both)


def test_loadRes_numpy_and_captions_and_keypoints():
    rows = [[r["image_id"], *r["bbox"], r["score"], r["category_id"]] for r in load_json(VAL2014_BBOX)]
    loadres_both(np.array(rows))
    ids = sorted(load_json(VAL2014_BBOX), key=lambda r: r["image_id"])
    loadres_both([{"image_id": r["image_id"], "caption": "a thing"} for r in ids[:10]])
    kps = [
        {
            "image_id": r["image_id"],
            "category_id": 1,
            "score": 0.5,
            "keypoints": [10, 20, 2, 30, 5, 1, 15.5, 40, 2],
        }
        for r in ids[:10]
    ]
    loadres_both(kps)


def test_loadRes_list_mutated_in_place():
    res = load_json(VAL2014_BBOX)[:5]
    _, c = load_both(VAL2014)
    with quiet():
        r = c.loadRes(res)
    assert res[0]["id"] == 1 and res[0]["iscrowd"] == 0 and "area" in res[0]
    assert r.anns[1] is res[0]


def test_hand_built_dataset():
    ds = load_json(TINY)
    p, c = PCOCO(), COCO()
    p.dataset, c.dataset = copy.deepcopy(ds), copy.deepcopy(ds)
    with quiet():
        p.createIndex()
        c.createIndex()
    same(p.anns, c.anns)
    assert p.getAnnIds(catIds=[1]) == c.getAnnIds(catIds=[1])


def exc(f):
    try:
        with quiet():
            f()
    except Exception as e:  # noqa: BLE001
        return type(e)
    return None


def test_same_exceptions(tmp_path):
    missing = str(tmp_path / "nope.json")
    assert exc(lambda: PCOCO(missing)) is exc(lambda: COCO(missing)) is FileNotFoundError
    bad = tmp_path / "bad.json"
    bad.write_text('{"images": [1, 2')
    assert issubclass(exc(lambda: COCO(str(bad))), ValueError)
    assert issubclass(exc(lambda: PCOCO(str(bad))), ValueError)
    lst = tmp_path / "list.json"
    lst.write_text("[1, 2]")
    assert exc(lambda: PCOCO(str(lst))) is exc(lambda: COCO(str(lst))) is AssertionError
    p, c = load_both(VAL2014)
    wrong = [{"image_id": -5, "bbox": [1, 2, 3, 4], "score": 1.0, "category_id": 1}]
    assert (
        exc(lambda: p.loadRes(copy.deepcopy(wrong)))
        is exc(lambda: c.loadRes(copy.deepcopy(wrong)))
        is AssertionError
    )
    assert exc(lambda: p.loadRes({"a": 1})) is exc(lambda: c.loadRes({"a": 1}))
    assert exc(lambda: p.loadRes([])) is exc(lambda: c.loadRes([])) is IndexError
    poly = [
        {"image_id": p.getImgIds()[0], "segmentation": [[1, 2, 3, 4, 5, 6]], "score": 1.0, "category_id": 1}
    ]
    assert exc(lambda: p.loadRes(copy.deepcopy(poly))) is exc(lambda: c.loadRes(copy.deepcopy(poly)))


def test_lvis_loads():
    p, c = load_both(LVIS)
    assert len(c.anns) == len(p.anns) > 0


def test_snake_case_aliases():
    _, c = load_both(TINY)
    cats = c.get_cat_ids(["person"])
    assert cats == c.getCatIds(["person"])
    assert c.get_ann_ids(c.get_img_ids()[:3], cats) == c.getAnnIds(c.getImgIds()[:3], cats)
    assert c.load_imgs(c.get_img_ids()[:2]) == c.loadImgs(c.getImgIds()[:2])
    ann = c.load_anns(c.get_ann_ids()[:1])[0]
    assert c.ann_to_rle(ann) == c.annToRLE(ann)
    assert c.img_ann_map is c.imgToAnns and c.cat_img_map is c.catToImgs


def test_showAnns_draws_what_pycocotools_draws():
    plt = pytest.importorskip("matplotlib.pyplot")
    p, c = load_both(VAL2014)
    img = next(a["image_id"] for a in p.dataset["annotations"] if a["iscrowd"])  # polygons and a mask
    counts = []
    for coco in (p, c):
        plt.figure()
        ax = plt.gca()
        anns = coco.loadAnns(coco.getAnnIds(imgIds=img))
        coco.showAnns(anns, draw_bbox=True)
        counts.append((len(ax.collections), [len(col.get_paths()) for col in ax.collections], len(ax.images)))
        plt.close("all")
    assert counts[0] == counts[1] and counts[0][2] > 0
    with quiet() as a:
        p.showAnns([{"caption": "a cat"}])
    with quiet() as b:
        c.showAnns([{"caption": "a cat"}])
    assert a.getvalue() == b.getvalue() == "a cat\n"
