"""cocokit: a drop-in for pycocotools (``mask``, ``COCO``, ``COCOeval``) on cocokit's Rust engine.

Change one import::

    from cocokit import COCO, COCOeval, mask as maskUtils

and the rest of a pycocotools script runs unchanged, with the same numbers. ``stats(path)`` and
``validate(path)`` return what the ``cocokit`` command prints with ``--json``. Bad input raises
:class:`CocokitError` (a ``ValueError``) where pycocotools would compute garbage or crash, and the
exception pycocotools raises everywhere else.
"""

from . import mask
from ._functional import stats, validate
from ._native import CocokitError
from .coco import COCO
from .cocoeval import COCOeval, Params

__all__ = ["COCO", "COCOeval", "CocokitError", "Params", "mask", "stats", "validate"]
__version__ = "0.1.0"
