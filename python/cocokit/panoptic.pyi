"""Type stubs of cocokit.pq_compute (panopticapi's pq_compute)."""

from os import PathLike
from typing import Any

def pq_compute(
    gt_json_file: str | PathLike[str],
    pred_json_file: str | PathLike[str],
    gt_folder: str | PathLike[str] | None = None,
    pred_folder: str | PathLike[str] | None = None,
) -> dict[Any, Any]: ...
