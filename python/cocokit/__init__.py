"""cocokit: a drop-in for pycocotools (``mask``, ``COCO``, ``COCOeval``) on cocokit's Rust engine.

Change one import::

    from cocokit import COCO, COCOeval, mask as maskUtils

and the rest of a pycocotools script runs unchanged, with the same numbers. Likewise
``from cocokit import LVIS, LVISEval, LVISResults`` for lvis-api and ``from cocokit import pq_compute``
for panopticapi. ``stats(path)``,
``validate(path)``, ``eval_coco(gt, dt, ...)``, ``eval_merge(partials)``, ``eval_lvis(gt, dt, ...)``,
``eval_panoptic(...)`` and ``eval_miou(gt, pred, ...)`` return what the ``cocokit``
command prints with ``--json``; ``filter(inputs, output, ...)``, ``convert(inputs, output, to, ...)`` and
``rasterize(inputs, output, ...)`` also write the command's files. Bad input raises
:class:`CocokitError` (a ``ValueError``) where pycocotools would compute garbage or crash, and the
exception pycocotools raises everywhere else.
"""

from . import mask
from ._functional import (
    convert,
    eval_coco,
    eval_lvis,
    eval_merge,
    eval_miou,
    eval_panoptic,
    filter,
    rasterize,
    stats,
    validate,
)
from ._native import CocokitError
from .coco import COCO
from .cocoeval import COCOeval, Params
from .lvis import LVIS, LVISEval, LVISResults
from .panoptic import pq_compute

__all__ = [
    "COCO",
    "COCOeval",
    "CocokitError",
    "LVIS",
    "LVISEval",
    "LVISResults",
    "Params",
    "convert",
    "eval_coco",
    "eval_lvis",
    "eval_merge",
    "eval_miou",
    "eval_panoptic",
    "filter",
    "mask",
    "pq_compute",
    "rasterize",
    "stats",
    "validate",
]
__version__ = "0.1.0"
