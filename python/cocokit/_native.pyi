"""Type stubs of cocokit's compiled module (conversions into cocokit's Rust library)."""

from os import PathLike
from typing import Any

import numpy as np
import numpy.typing as npt

RleObj = dict[str, Any]

class CocokitError(ValueError):
    """An error reported by cocokit's engine (bad input data): what went wrong and where."""

def load_json(path: str | PathLike[str]) -> Any: ...
def loads_json(data: str | bytes) -> Any: ...
def encode(mask: npt.NDArray[np.uint8]) -> list[RleObj]: ...
def decode(objs: list[RleObj]) -> npt.NDArray[np.uint8]: ...
def area(objs: list[RleObj]) -> npt.NDArray[np.uint32]: ...
def to_bbox(objs: list[RleObj]) -> npt.NDArray[np.float64]: ...
def merge(objs: list[RleObj], intersect: bool = False) -> RleObj: ...
def rle_iou(
    dt: list[RleObj], gt: list[RleObj], iscrowd: npt.NDArray[np.uint8]
) -> npt.NDArray[np.float64]: ...
def rle_iou_lists(dt: Any, gt: Any, pyiscrowd: Any) -> npt.NDArray[np.float64] | None: ...
def bbox_iou(
    dt: npt.NDArray[np.float64], gt: npt.NDArray[np.float64], iscrowd: npt.NDArray[np.uint8]
) -> npt.NDArray[np.float64]: ...
def fr_bbox(bb: npt.NDArray[np.float64], h: int, w: int) -> list[RleObj]: ...
def fr_poly(polys: list[Any], h: int, w: int) -> list[RleObj]: ...
def fr_uncompressed(objs: list[RleObj], h: int, w: int) -> list[RleObj]: ...

class Accumulation:
    @property
    def counts(self) -> list[int]: ...
    def precision(self) -> npt.NDArray[np.float64]: ...
    def recall(self) -> npt.NDArray[np.float64]: ...
    def scores(self) -> npt.NDArray[np.float64]: ...
    def summarize(self) -> tuple[list[float], list[str]]: ...

class Evaluation:
    def accumulate(self) -> Accumulation: ...

def evaluate(
    gts: list[dict[str, Any]],
    dts: list[dict[str, Any]],
    images: list[tuple[int, int, int]],
    iou_type: str,
    img_ids: list[int],
    cat_ids: list[int],
    iou_thrs: list[float],
    rec_thrs: list[float],
    max_dets: list[int],
    area_rng: list[list[float]],
    area_rng_lbl: list[str],
    use_cats: bool,
    kpt_oks_sigmas: list[float] | None = None,
) -> Evaluation: ...

class Dataset:
    """A COCO dataset, or loadRes results on one, kept on the Rust side (cocokit.COCO's lazy datasets)."""
    def load_results(self, path: str | PathLike[str]) -> Dataset | None: ...
    def is_results_of(self, gt: Dataset) -> bool: ...
    def to_python(self) -> Any: ...
    def img_ids(self) -> list[int]: ...
    def cat_ids(self) -> list[int]: ...
    def ann_ids(self, img_ids: list[int], cat_ids: list[int]) -> list[int]: ...
    def cat_to_imgs(self, cat_id: int) -> list[int]: ...
    def __len__(self) -> int: ...

def load_dataset(path: str | PathLike[str]) -> Dataset | None: ...
def evaluate_datasets(
    gt: Dataset,
    dt: Dataset,
    iou_type: str,
    img_ids: list[int],
    cat_ids: list[int],
    iou_thrs: list[float],
    rec_thrs: list[float],
    max_dets: list[int],
    area_rng: list[list[float]],
    area_rng_lbl: list[str],
    use_cats: bool,
) -> Evaluation: ...
def stats(path: str) -> dict[str, Any]: ...
def validate(path: str) -> dict[str, Any]: ...
def eval_coco(
    gt: str,
    dt: str,
    iou_type: str,
    img_ids: list[int],
    cats: list[str],
    max_dets: list[int],
    area_rng: list[str],
    use_cats: bool,
    kpt_sigmas: list[float],
    dilation_ratio: float | None,
    partial: str | None,
) -> tuple[dict[str, Any], list[str]]: ...
def eval_merge(partials: list[str]) -> dict[str, Any]: ...
def lvis_evaluate(
    gt: str | bytes,
    dt: str | bytes,
    iou_type: str,
    max_dets: int,
    dets_per_image: int | None,
    img_ids: list[int] | None,
    cat_ids: list[int] | None,
) -> dict[str, Any]: ...
def eval_lvis(gt: str | bytes, dt: str | bytes, iou_type: str, max_dets: int) -> dict[str, Any]: ...
def eval_panoptic(gt_json: str, gt_dir: str, pred_json: str, pred_dir: str) -> tuple[dict[str, Any], str]: ...
def eval_miou(
    gt: str,
    pred: str,
    num_classes: int | None,
    class_names: str | None,
    ignore_index: int,
    reduce_zero_label: bool,
    background: str | None,
    score_thr: float | None,
    convention: str,
    absent_as: str | None,
    mean_over: str | None,
    allow_extra: bool,
) -> dict[str, Any]: ...
def filter(
    inputs_: list[str],
    output: str,
    cats: list[str],
    supercats: list[str],
    keep_all_images: bool,
    img_ids: list[int],
    file_names: str | None,
    area_rng: list[float],
    iscrowd: int | None,
    score_thr: float | None,
    gt: str | None,
) -> dict[str, Any]: ...
def convert(
    inputs_: list[str], output: str, to: str, gt: str | None, tolerance: float, skip_invalid: bool
) -> dict[str, Any]: ...
def rasterize(
    inputs_: list[str],
    output: str,
    mode: str,
    img_ids: list[int],
    crowd: str,
    palette: bool,
    boxes: bool,
    background: int,
    panoptic_dir: str | None,
    gt: str | None,
    score_thr: float,
) -> dict[str, Any]: ...
