"""Drop-in for ``pycocotools.mask``: RLE encode/decode, area, bounding boxes, IoU, merge and
``frPyObjects``, computed by cocokit's Rust mask module (bit-exact with pycocotools 2.0.11).

RLE objects are dicts ``{"size": [h, w], "counts": bytes}`` (``counts`` may also be given as ``str``);
masks are ``uint8`` arrays of shape ``h x w`` or ``h x w x n`` in Fortran order, as pycocotools uses them.
Every function accepts and returns the same types, shapes and dtypes as its pycocotools namesake.

Differences, all on input pycocotools mishandles: a malformed compressed string or counts that do not add
up to ``h * w`` raise :class:`cocokit.CocokitError` (a ``ValueError``) in every function, where
pycocotools computes garbage or reads out of bounds; ``decode`` of masks of different sizes or of an empty
list raises ``ValueError``; ``encode`` treats every nonzero byte as foreground (pycocotools starts a new run
at every change of byte value, which only matters for masks with two different nonzero values).
"""

import numpy as np

from . import _native

__all__ = [
    "encode",
    "decode",
    "area",
    "toBbox",
    "iou",
    "merge",
    "frPyObjects",
    "frBbox",
    "frPoly",
    "frUncompressedRLE",
]


def _fortran_uint8(mask, ndim):
    if not isinstance(mask, np.ndarray):
        raise TypeError(
            f"Argument 'mask' has incorrect type (expected numpy.ndarray, got {type(mask).__name__})"
        )
    if mask.dtype != np.uint8:
        raise ValueError(f"Buffer dtype mismatch, expected 'uint8_t' but got '{mask.dtype}'")
    if mask.ndim != ndim:
        raise ValueError(f"Buffer has wrong number of dimensions (expected {ndim}, got {mask.ndim})")
    return mask


def encode(bimask):
    """Encode a binary mask (``h x w``, or ``h x w x n`` Fortran-ordered ``uint8``) as RLE: one dict for a
    2-D mask, a list of ``n`` dicts for a 3-D one."""
    if len(bimask.shape) == 3:
        return _native.encode(_fortran_uint8(bimask, 3))
    elif len(bimask.shape) == 2:
        h, w = bimask.shape
        return _native.encode(_fortran_uint8(bimask.reshape((h, w, 1), order="F"), 3))[0]


def decode(rleObjs):
    """Decode RLE: a list of ``n`` objects gives an ``h x w x n`` Fortran-ordered ``uint8`` array, one
    object an ``h x w`` array."""
    if type(rleObjs) == list:  # noqa: E721 - pycocotools tests the exact type
        return _native.decode(rleObjs)
    else:
        return _native.decode([rleObjs])[:, :, 0]


def area(rleObjs):
    """Foreground pixel count: a ``uint32`` array for a list, a ``numpy.uint32`` for one object."""
    if type(rleObjs) == list:  # noqa: E721
        return _native.area(rleObjs)
    else:
        return _native.area([rleObjs])[0]


def toBbox(rleObjs):
    """Bounding boxes ``[x, y, w, h]``: an ``n x 4`` float64 array for a list, a length-4 array for one."""
    if type(rleObjs) == list:  # noqa: E721
        return _native.to_bbox(rleObjs)
    else:
        return _native.to_bbox([rleObjs])[0]


def merge(rleObjs, intersect=0):
    """Union (or, with ``intersect``, intersection) of a list of RLE objects, as one RLE object."""
    return _native.merge(rleObjs, bool(intersect))


def _preproc(objs):
    # pycocotools' iou argument dispatch: an N x 4 array or list of boxes, or a list of RLE dicts.
    if len(objs) == 0:
        return objs
    if type(objs) == np.ndarray:  # noqa: E721
        if len(objs.shape) == 1:
            objs = objs.reshape((objs[0], 1))
        if not len(objs.shape) == 2 or not objs.shape[1] == 4:
            raise Exception("numpy ndarray input is only for *bounding boxes* and should have Nx4 dimension")
        objs = objs.astype(np.double)
    elif type(objs) == list and all(type(obj) == dict for obj in objs):  # noqa: E721
        objs = _Rles(objs)  # what the checks below decide for a list of dicts, without two numpy arrays
    elif type(objs) == list:  # noqa: E721
        isbox = np.all(
            np.array(
                [
                    (len(obj) == 4)
                    and (
                        (type(obj) == list)  # noqa: E721
                        or (type(obj) == np.ndarray)
                    )  # noqa: E721
                    for obj in objs
                ]
            )
        )
        isrle = np.all(np.array([type(obj) == dict for obj in objs]))  # noqa: E721
        if isbox:
            objs = np.array(objs, dtype=np.double)
            if len(objs.shape) == 1:
                objs = objs.reshape((1, objs.shape[0]))
        elif isrle:
            objs = _Rles(objs)
        else:
            raise Exception("list input can be bounding box (Nx4) or RLEs ([RLE])")
    else:
        raise Exception(
            "unrecognized type.  The following type: RLEs (rle), np.ndarray (box), and list "
            "(box) are supported."
        )
    return objs


class _Rles(list):
    """A list of RLE dicts that ``iou`` has recognised as masks (pycocotools' ``RLEs``)."""


def iou(dt, gt, pyiscrowd):
    """IoU between detections and ground truths, both boxes (``N x 4`` array or list of 4-lists) or both
    RLE lists: an ``m x n`` float64 array (Fortran order), or ``[]`` when either side is empty. A crowd
    ground truth (``pyiscrowd[g]``) uses the detection's area as the union."""
    # COCOeval's call (lists of RLE dicts, a list of 0/1 flags) in one native call; None for anything else.
    res = _native.rle_iou_lists(dt, gt, pyiscrowd)
    if res is not None:
        return res
    iscrowd = np.array(pyiscrowd, dtype=np.uint8)
    dt = _preproc(dt)
    gt = _preproc(gt)
    m = len(dt)
    n = len(gt)
    crowd_length = len(pyiscrowd)
    assert crowd_length == n, "iou(iscrowd=) must have the same length as gt"
    if m == 0 or n == 0:
        return []
    if not type(dt) == type(gt):  # noqa: E721
        raise Exception("The dt and gt should have the same data type, either RLEs, list or np.ndarray")
    iscrowd = np.ascontiguousarray(iscrowd.reshape(-1))
    if isinstance(dt, _Rles):
        return _native.rle_iou(dt, gt, iscrowd)
    elif type(dt) == np.ndarray:  # noqa: E721
        return _native.bbox_iou(np.ascontiguousarray(dt), np.ascontiguousarray(gt), iscrowd)
    raise Exception("input data type not allowed.")


def frBbox(bb, h, w):
    """Boxes (an ``N x 4`` float64 array of ``[x, y, w, h]``) to RLE objects."""
    if type(bb) != np.ndarray:  # noqa: E721
        raise TypeError(f"Argument 'bb' has incorrect type (expected numpy.ndarray, got {type(bb).__name__})")
    if bb.dtype != np.double:
        raise ValueError(f"Buffer dtype mismatch, expected 'double_t' but got '{bb.dtype}'")
    if bb.ndim != 2:
        raise ValueError(f"Buffer has wrong number of dimensions (expected 2, got {bb.ndim})")
    return _native.fr_bbox(np.ascontiguousarray(bb), h, w)


def frPoly(poly, h, w):
    """Polygons (each a flat ``[x1, y1, x2, y2, ...]``) to RLE objects, one per polygon."""
    return _native.fr_poly(poly, h, w)


def frUncompressedRLE(ucRles, h, w):
    """Uncompressed RLE dicts (``counts`` a list of run lengths) to compressed RLE objects."""
    return _native.fr_uncompressed(ucRles, h, w)


def frPyObjects(pyobj, h, w):
    """RLE objects from Python objects, dispatched as pycocotools does: an ``N x 4`` array of boxes, a list
    of polygons, a list of uncompressed RLE dicts (a list of RLE objects back), or one polygon or one
    uncompressed RLE dict (one RLE object back)."""
    if type(pyobj) == np.ndarray:  # noqa: E721
        objs = frBbox(pyobj, h, w)
    elif type(pyobj) == list and len(pyobj[0]) == 4:  # noqa: E721
        objs = frBbox(pyobj, h, w)
    elif type(pyobj) == list and len(pyobj[0]) > 4:  # noqa: E721
        objs = frPoly(pyobj, h, w)
    elif type(pyobj) == list and type(pyobj[0]) == dict and "counts" in pyobj[0] and "size" in pyobj[0]:  # noqa: E721
        objs = frUncompressedRLE(pyobj, h, w)
    elif type(pyobj) == list and len(pyobj) == 4:  # noqa: E721
        objs = frBbox([pyobj], h, w)[0]
    elif type(pyobj) == list and len(pyobj) > 4:  # noqa: E721
        objs = frPoly([pyobj], h, w)[0]
    elif type(pyobj) == dict and "counts" in pyobj and "size" in pyobj:  # noqa: E721
        objs = frUncompressedRLE([pyobj], h, w)[0]
    else:
        raise Exception("input type is not supported.")
    return objs
