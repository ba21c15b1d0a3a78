from . import mask as mask
from ._native import CocokitError as CocokitError
from .coco import COCO as COCO
from .cocoeval import COCOeval as COCOeval
from .cocoeval import Params as Params

__version__: str
