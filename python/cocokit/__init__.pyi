from collections.abc import Iterable, Mapping, Sequence
from os import PathLike
from typing import Any

from . import mask as mask
from ._native import CocokitError as CocokitError
from .coco import COCO as COCO
from .cocoeval import COCOeval as COCOeval
from .cocoeval import Params as Params
from .lvis import LVIS as LVIS
from .lvis import LVISEval as LVISEval
from .lvis import LVISResults as LVISResults
from .panoptic import pq_compute as pq_compute

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
def eval_lvis(
    gt: str | PathLike[str],
    dt: str | PathLike[str] | list[dict[str, Any]],
    iou_type: str = "bbox",
    max_dets: int = 300,
) -> dict[str, Any]: ...
def eval_panoptic(
    gt_json: str | PathLike[str],
    gt_dir: str | PathLike[str],
    pred_json: str | PathLike[str],
    pred_dir: str | PathLike[str],
) -> dict[str, Any]: ...
def eval_miou(
    gt: str | PathLike[str],
    pred: str | PathLike[str],
    num_classes: int | None = None,
    class_names: str | PathLike[str] | None = None,
    ignore_index: int = 255,
    reduce_zero_label: bool = False,
    background: str | None = None,
    score_thr: float | None = None,
    convention: str = "mmseg",
    absent_as: str | None = None,
    mean_over: str | None = None,
    allow_extra: bool = False,
) -> dict[str, Any]: ...

_Paths = str | PathLike[str] | Iterable[str | PathLike[str]]

def filter(
    inputs: _Paths,
    output: str | PathLike[str],
    cats: str | int | Iterable[str | int] | None = None,
    supercats: str | Iterable[str] | None = None,
    keep_all_images: bool = False,
    img_ids: int | Iterable[int] | None = None,
    file_names: str | PathLike[str] | None = None,
    area_rng: tuple[float, float] | Sequence[float] | None = None,
    iscrowd: int | None = None,
    score_thr: float | None = None,
    gt: str | PathLike[str] | None = None,
) -> dict[str, Any]: ...
def convert(
    inputs: _Paths,
    output: str | PathLike[str],
    to: str,
    gt: str | PathLike[str] | None = None,
    tolerance: float = 0.0,
    skip_invalid: bool = False,
) -> dict[str, Any]: ...
def rasterize(
    inputs: _Paths,
    output: str | PathLike[str],
    mode: str = "semantic",
    img_ids: int | Iterable[int] | None = None,
    crowd: str = "ignore",
    palette: bool = False,
    boxes: bool = False,
    background: int = 0,
    panoptic_dir: str | PathLike[str] | None = None,
    gt: str | PathLike[str] | None = None,
    score_thr: float = 0.5,
) -> dict[str, Any]: ...
