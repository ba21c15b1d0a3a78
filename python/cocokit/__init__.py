"""cocokit: a drop-in for pycocotools (``mask``, ``COCO``, ``COCOeval``) on cocokit's Rust engine.

Change one import::

    from cocokit import COCO, COCOeval, mask as maskUtils

and the rest of a pycocotools script runs unchanged, with the same numbers. ``stats(path)``,
``validate(path)``, ``eval_coco(gt, dt, ...)`` and ``eval_merge(partials)`` return what the ``cocokit``
command prints with ``--json``. Bad input raises
:class:`CocokitError` (a ``ValueError``) where pycocotools would compute garbage or crash, and the
exception pycocotools raises everywhere else.
"""

from . import mask
from ._functional import eval_coco, eval_merge, stats, validate
from ._native import CocokitError
from .coco import COCO
from .cocoeval import COCOeval, Params

__all__ = ["COCO", "COCOeval", "CocokitError", "Params", "eval_coco", "eval_merge", "mask", "stats",
           "validate"]
__version__ = "0.1.0"
