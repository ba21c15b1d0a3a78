from collections.abc import Iterable, Mapping, Sequence
from os import PathLike
from typing import Any

from . import mask as mask
from ._native import CocokitError as CocokitError
from .coco import COCO as COCO
from .cocoeval import COCOeval as COCOeval
from .cocoeval import Params as Params

__version__: str

def stats(path: str | PathLike[str]) -> dict[str, Any]: ...
def validate(path: str | PathLike[str]) -> dict[str, Any]: ...
def eval_coco(
    gt: str | PathLike[str],
    dt: str | PathLike[str],
    iou_type: str = "bbox",
    img_ids: Iterable[int] | None = None,
    cats: Iterable[str | int] | None = None,
    max_dets: Iterable[int] | None = None,
    area_rng: Mapping[str, tuple[float, float]] | Sequence[str] | None = None,
    use_cats: bool = True,
    kpt_sigmas: Iterable[float] | None = None,
    dilation_ratio: float | None = None,
    partial: str | PathLike[str] | None = None,
) -> dict[str, Any]: ...
def eval_merge(partials: Iterable[str | PathLike[str]]) -> dict[str, Any]: ...
