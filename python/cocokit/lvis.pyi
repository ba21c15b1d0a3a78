"""Type stubs of cocokit.LVIS / LVISResults / LVISEval (lvis-api 0.5.3's API)."""

from collections import OrderedDict, defaultdict
from os import PathLike
from typing import Any

import numpy as np
import numpy.typing as npt

Ann = dict[str, Any]

class LVIS:
    dataset: dict[str, Any]
    anns: dict[int, Ann]
    cats: dict[int, dict[str, Any]]
    imgs: dict[int, dict[str, Any]]
    img_ann_map: defaultdict[int, list[Ann]]
    cat_img_map: defaultdict[int, list[int]]
    def __init__(self, annotation_path: str | PathLike[str]) -> None: ...
    def get_ann_ids(
        self,
        img_ids: list[int] | None = None,
        cat_ids: list[int] | set[int] | None = None,
        area_rng: list[float] | None = None,
    ) -> list[int]: ...
    def get_cat_ids(self) -> list[int]: ...
    def get_img_ids(self) -> list[int]: ...
    def load_anns(self, ids: list[int] | None = None) -> list[Ann]: ...
    def load_cats(self, ids: list[int] | None) -> list[dict[str, Any]]: ...
    def load_imgs(self, ids: list[int] | None) -> list[dict[str, Any]]: ...
    def download(self, save_dir: str, img_ids: list[int] | None = None) -> None: ...
    def ann_to_rle(self, ann: Ann) -> dict[str, Any]: ...
    def ann_to_mask(self, ann: Ann) -> npt.NDArray[np.uint8]: ...

class LVISResults(LVIS):
    max_dets: int
    def __init__(
        self,
        lvis_gt: LVIS | str | PathLike[str],
        results: str | PathLike[str] | list[Ann],
        max_dets: int = 300,
    ) -> None: ...
    def get_top_results(self, img_id: int, score_thrs: float) -> list[Ann]: ...

class Params:
    img_ids: list[int]
    cat_ids: list[int]
    iou_thrs: npt.NDArray[np.float64]
    rec_thrs: npt.NDArray[np.float64]
    max_dets: int
    area_rng: list[list[float]]
    area_rng_lbl: list[str]
    use_cats: int
    img_count_lbl: list[str]
    iou_type: str
    def __init__(self, iou_type: str) -> None: ...

class LVISEval:
    lvis_gt: Any
    lvis_dt: Any
    params: Params
    eval: dict[str, Any]
    results: OrderedDict[str, float]
    eval_imgs: Any
    ious: dict[Any, Any]
    freq_groups: list[list[int]]
    def __init__(
        self,
        lvis_gt: LVIS | str | PathLike[str] | Any,
        lvis_dt: LVISResults | str | PathLike[str] | list[Ann] | Any,
        iou_type: str = "segm",
    ) -> None: ...
    def evaluate(self) -> None: ...
    def accumulate(self) -> None: ...
    def summarize(self) -> None: ...
    def run(self) -> None: ...
    def print_results(self) -> None: ...
    def get_results(self) -> OrderedDict[str, float]: ...
