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
