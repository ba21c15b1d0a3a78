"""Type stubs of cocokit.COCOeval (pycocotools.cocoeval.COCOeval's API)."""

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

class Params:
    imgIds: list[int]
    catIds: list[int]
    iouThrs: npt.NDArray[np.float64]
    recThrs: npt.NDArray[np.float64]
    maxDets: list[int]
    areaRng: list[list[float]]
    areaRngLbl: list[str]
    useCats: int
    iouType: str
    useSegm: int | None
    kpt_oks_sigmas: npt.NDArray[np.float64]
    def __init__(self, iouType: str = "segm") -> None: ...
    def setDetParams(self) -> None: ...
    def setKpParams(self) -> None: ...

class COCOeval:
    cocoGt: Any
    cocoDt: Any
    params: Params
    eval: dict[str, Any]
    stats: npt.NDArray[np.float64]
    def __init__(self, cocoGt: Any = None, cocoDt: Any = None, iouType: str = "segm") -> None: ...
    @property
    def evalImgs(self) -> list[dict[str, Any] | None]: ...
    @property
    def ious(self) -> dict[tuple[int, int], Any]: ...
    def evaluate(self) -> None: ...
    def computeIoU(self, imgId: int, catId: int) -> Any: ...
    def computeOks(self, imgId: int, catId: int) -> Any: ...
    def evaluateImg(
        self, imgId: int, catId: int, aRng: Sequence[float], maxDet: int
    ) -> dict[str, Any] | None: ...
    def accumulate(self, p: Params | None = None) -> None: ...
    def summarize(self) -> None: ...
