"""cocokit.mask against pycocotools.mask 2.0.11: identical RLE bytes, arrays (values, dtype, shape,
memory order) and exception types, on synthetic masks and on every segmentation of the fixtures."""

import numpy as np
import pytest
from cocokit import mask as C
from conftest import GT_FILES, load_json, quiet
from pycocotools import _mask as PM
from pycocotools import mask as P


def same_array(a, b):
    assert type(a) is type(b)
    if isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and a.shape == b.shape
        assert a.flags["F_CONTIGUOUS"] == b.flags["F_CONTIGUOUS"]
        assert a.flags["C_CONTIGUOUS"] == b.flags["C_CONTIGUOUS"]
        assert np.array_equal(a, b, equal_nan=True)
    else:
        assert a == b


def random_masks(seed, h, w, n, density=0.5):
    rng = np.random.default_rng(seed)
    # blobs (long runs) mixed with noise (short runs)
    m = rng.random((h, w, n)) < density
    m[h // 4 : h // 2, w // 3 :, :] = True
    return np.asfortranarray(m.astype(np.uint8))


SHAPES = [(1, 1, 1), (7, 5, 3), (50, 40, 4), (3, 200, 2), (200, 3, 2), (64, 64, 1), (0, 5, 1), (5, 0, 2)]


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("density", [0.0, 0.05, 0.5, 1.0])
def test_encode_decode_area_bbox(shape, density):
    m = random_masks(sum(shape), *shape, density=density)
    a, b = P.encode(m), C.encode(m)
    assert a == b
    assert all(type(o["counts"]) is bytes for o in b)
    if shape[0] * shape[1] > 0:
        same_array(P.decode(a), C.decode(b))
        same_array(P.decode(a[0]), C.decode(b[0]))
    same_array(P.area(a), C.area(b))
    same_array(P.area(a[0]), C.area(b[0]))
    same_array(P.toBbox(a), C.toBbox(b))
    same_array(P.toBbox(a[0]), C.toBbox(b[0]))
    # 2-D input, Fortran and C order (pycocotools refuses C order unless a side is 1)
    m2 = np.asfortranarray(m[:, :, 0])
    assert P.encode(m2) == C.encode(m2)
    m2 = np.ascontiguousarray(m[:, :, 0])
    assert same_outcome(P.encode, C.encode, m2)
    # counts given as str
    s = [{"size": o["size"], "counts": o["counts"].decode()} for o in a]
    same_array(P.area(s), C.area(s))


def test_empty_lists():
    same_array(P.area([]), C.area([]))
    same_array(P.toBbox([]), C.toBbox([]))
    assert P.merge([]) == C.merge([])
    empty = np.zeros((4, 4, 0), dtype=np.uint8, order="F")
    assert P.encode(empty) == C.encode(empty)


@pytest.mark.parametrize("seed", range(6))
def test_iou_merge_rle(seed):
    m = random_masks(seed, 30 + seed, 20 + 3 * seed, 5, density=0.1 * seed)
    r = C.encode(m)
    for crowd in ([0] * 5, [1, 0, 1, 0, 1]):
        same_array(P.iou(r, r[:5], crowd), C.iou(r, r[:5], crowd))
    same_array(P.iou(r[:2], r[1:4], [0, 0, 1]), C.iou(r[:2], r[1:4], [0, 0, 1]))
    assert P.merge(r) == C.merge(r)
    assert P.merge(r, 1) == C.merge(r, 1)
    assert P.merge(r, intersect=True) == C.merge(r, intersect=True)
    assert P.merge(r[:1]) == C.merge(r[:1])
    assert P.iou(r, [], []) == C.iou(r, [], []) == []


def test_iou_crowd_flag_forms():
    """iou's one-call path (lists of RLE dicts, a list of bool/int flags) and the dispatch it hands the
    other forms to give pycocotools' values and errors: crowd flags as bools, ints up to 255, numpy values
    and arrays, tuples; str counts; dict subclasses (refused, as pycocotools refuses them); sizes that
    differ (-1)."""
    m = random_masks(11, 24, 18, 6, density=0.3)
    r = C.encode(m)
    s = [{"size": o["size"], "counts": o["counts"].decode()} for o in r]

    class D(dict):
        pass

    forms = [
        [True, False, True],
        [0, 2, 255],
        [np.uint8(1), 0, 0],
        np.array([1, 0, 1], dtype=np.uint8),
        (0, 1, 0),
        [0.0, 1.0, 0.0],
        [False, 1, 0],
    ]
    for crowd in forms:
        same_array(P.iou(r, r[2:5], crowd), C.iou(r, r[2:5], crowd))
        same_array(P.iou(s[:4], r[1:4], crowd), C.iou(s[:4], r[1:4], crowd))
        # pycocotools takes only exact dicts as RLEs (a dict subclass raises): so does cocokit
        subclassed = [D(o) for o in r]
        refused = exc_type(P.iou, subclassed, r[:3], crowd)
        assert refused is exc_type(C.iou, subclassed, r[:3], crowd) is Exception
    other = C.encode(random_masks(12, 18, 24, 2, density=0.5))
    same_array(P.iou(r, other, [0, 1]), C.iou(r, other, [0, 1]))
    for bad in ([256, 0, 0], [-1, 0, 0], [0, 0], [0, 0, 0, 0], ["a", 0, 0], [None, 0, 0]):
        assert exc_type(P.iou, r, r[:3], bad) is exc_type(C.iou, r, r[:3], bad)
    missing = [{"size": [24, 18]}]
    assert exc_type(P.iou, r, missing, [0]) is exc_type(C.iou, r, missing, [0]) is KeyError
    assert exc_type(P.iou, missing, r, [0] * 6) is exc_type(C.iou, missing, r, [0] * 6) is KeyError


def test_iou_boxes():
    rng = np.random.default_rng(3)
    dt = rng.random((7, 4)) * 50
    gt = rng.random((5, 4)) * 50
    gt[1] = dt[2]
    crowd = [0, 1, 0, 0, 1]
    same_array(P.iou(dt, gt, crowd), C.iou(dt, gt, crowd))
    same_array(P.iou(dt.tolist(), gt.tolist(), crowd), C.iou(dt.tolist(), gt.tolist(), crowd))
    same_array(P.iou(dt.astype(np.float32), gt, crowd), C.iou(dt.astype(np.float32), gt, crowd))
    same_array(P.iou(dt[:1].tolist()[0:1], gt, crowd), C.iou(dt[:1].tolist()[0:1], gt, crowd))
    assert P.iou(dt, np.zeros((0, 4)), []) == C.iou(dt, np.zeros((0, 4)), []) == []


POLYS = [
    [[10.5, 10.2, 30.1, 12.7, 25.3, 40.9, 5.0, 30.0]],
    [[0, 0, 39, 0, 39, 49, 0, 49]],
    [[-5, -5, 60, 3, 20, 70]],
    [[1, 1, 10, 1, 10, 10, 1, 10], [20, 20, 30, 20, 30, 30]],
    [[3.3, 4.4, 8.8, 4.4, 8.8, 9.9, 3.3, 9.9, 1.0]],  # odd length: last number dropped
    [np.array([10.0, 10, 20, 10, 20, 20, 10, 20])],
    [(5, 5, 15, 5, 10, 15)],
]


@pytest.mark.parametrize("poly", POLYS, ids=range(len(POLYS)))
@pytest.mark.parametrize("hw", [(50, 40), (1, 1), (300, 7)])
def test_frPyObjects_polygons(poly, hw):
    assert P.frPyObjects(poly, *hw) == C.frPyObjects(poly, *hw)
    if isinstance(poly[0], list):
        assert PM.frPoly(poly, *hw) == C.frPoly(poly, *hw)


def test_frPyObjects_boxes_and_rle():
    bb = np.array([[1, 2, 10, 20.5], [3, 3, 3, 3], [-5, -5, 100, 100], [0, 0, 0, 0]])
    assert P.frPyObjects(bb, 50, 40) == C.frPyObjects(bb, 50, 40)
    assert PM.frBbox(bb, 50, 40) == C.frBbox(bb, 50, 40)
    u = {"size": [50, 40], "counts": [5, 10, 1985]}
    assert P.frPyObjects(u, 50, 40) == C.frPyObjects(u, 50, 40)
    assert P.frPyObjects([u, u], 50, 40) == C.frPyObjects([u, u], 50, 40)
    # counts that do not add up: passed through as pycocotools does
    bad = {"size": [4, 4], "counts": [3, 2]}
    assert P.frPyObjects(bad, 4, 4) == C.frPyObjects(bad, 4, 4)
    npc = {"size": [4, 4], "counts": np.array([3, 2, 11])}
    assert P.frPyObjects(npc, 4, 4) == C.frPyObjects(npc, 4, 4)


def same_outcome(f, g, *args):
    """f(*args) and g(*args) return equal values or raise the same exception type."""
    try:
        want = f(*args)
    except Exception as e:  # noqa: BLE001
        return exc_type(g, *args) is type(e)
    return g(*args) == want


def exc_type(f, *args):
    try:
        f(*args)
    except Exception as e:  # noqa: BLE001 - the type is what is compared
        return type(e)
    return None


BAD_CALLS = [
    ("frPyObjects", ([[1, 2, 3, 4]], 10, 10)),  # list of boxes: frBbox refuses a list
    ("frPyObjects", ([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], 10, 10)),  # single flat polygon
    ("frPyObjects", ([], 10, 10)),
    ("frPyObjects", ("x", 10, 10)),
    ("frPyObjects", (np.array([[1, 2, 3, 4]]), 10, 10)),  # int boxes: dtype mismatch
    ("frPyObjects", ({"size": [2, 2]}, 10, 10)),
    ("iou", ([[1, 2, 3, 4]], [[1, 2, 3, 4]], [0, 0])),  # iscrowd length
    ("iou", ("ab", "cd", [0, 0])),
    ("iou", ([{"size": [2, 2], "counts": b"4"}], [[1, 2, 3, 4]], [0])),
    ("iou", (np.zeros((2, 3)), np.zeros((2, 3)), [0, 0])),
    ("encode", (np.zeros((4, 4, 2), dtype=np.uint8),)),  # C order, 3-D
    ("encode", (np.zeros((4, 4), dtype=np.float64),)),
    ("encode", (np.zeros((4, 4), dtype=bool),)),
    ("area", ([{"size": [2, 2]}],)),
    ("area", ([[1, 2]],)),
    ("toBbox", ([{"counts": b"4"}],)),
    ("merge", ([{"size": [2, 2], "counts": 5}],)),
]


@pytest.mark.parametrize("name,args", BAD_CALLS, ids=[f"{n}{i}" for i, (n, _) in enumerate(BAD_CALLS)])
def test_same_exceptions(name, args):
    want = exc_type(getattr(P, name), *args)
    got = exc_type(getattr(C, name), *args)
    assert want is not None
    assert got is want


def test_raises_where_pycocotools_reads_garbage():
    # strings outside the alphabet, counts past h*w: pycocotools computes garbage or fails on decode.
    with pytest.raises(ValueError):
        C.decode({"size": [2, 2], "counts": b"9"})
    with pytest.raises(ValueError):
        C.area([{"size": [2, 2], "counts": b"\x7f"}])
    with pytest.raises(ValueError):
        C.decode([{"size": [2, 2], "counts": b"04"}, {"size": [3, 3], "counts": b"09"}])
    with pytest.raises(ValueError):
        C.decode([])
    with pytest.raises(OverflowError):
        C.frPyObjects([[1.0, 2, 3, 4, 5, 6]], 2**40, 3)
    # a valid RLE of 2^34 pixels is a few bytes; decoding 40 of them cannot be allocated: MemoryError
    h = w = 1 << 17
    big = C.frPyObjects({"size": [h, w], "counts": [2**32 - 1, 0] * 4 + [h * w - 4 * (2**32 - 1)]}, h, w)
    assert C.area(big) == 0
    with pytest.raises(MemoryError):
        C.decode([big] * 40)


@pytest.mark.parametrize("path", GT_FILES)
def test_every_fixture_segmentation(path):
    """annToRLE's path for every annotation of a real dataset: frPyObjects + merge, then area, toBbox,
    decode and encode round trip, all identical."""
    ds = load_json(path)
    imgs = {im["id"]: im for im in ds["images"]}
    n = 0
    for ann in ds["annotations"]:
        seg = ann.get("segmentation")
        if not seg:
            continue
        im = imgs[ann["image_id"]]
        h, w = im["height"], im["width"]
        if type(seg) is list:
            if len(seg[0]) <= 4:
                continue
            a = P.merge(P.frPyObjects(seg, h, w))
            b = C.merge(C.frPyObjects(seg, h, w))
        elif type(seg["counts"]) is list:
            a = P.frPyObjects(seg, h, w)
            b = C.frPyObjects(seg, h, w)
        else:
            a = b = seg
        assert a == b
        same_array(P.area(a), C.area(b))
        same_array(P.toBbox(a), C.toBbox(b))
        if n < 60:
            d = C.decode(b)
            same_array(P.decode(a), d)
            assert P.encode(d) == C.encode(d)
        n += 1
    assert n > 50
    with quiet():
        pass
