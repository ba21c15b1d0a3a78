"""ultralytics' `ultralytics/data/converter.py`, loaded from the installed package without torch.

`ultralytics/__init__.py` and `ultralytics/utils/__init__.py` import torch, which `convert_coco` never uses:
the converter is loaded as a module of its own, with the helpers it imports but does not call on the COCO path
(LOGGER, TQDM, increment_path, check_requirements, ...) replaced by plain stand-ins. `convert_coco`,
`merge_multi_segment` and `min_index` run as shipped. Used by scripts/golden_yolo.py and
bench/python/yolo_convert_coco.py.

    pip install --no-deps ultralytics==8.4.190   # plus numpy, opencv, pillow; faster-coco-eval for RLE masks
"""

import importlib.util
import logging
import sys
import types
from pathlib import Path

spec = importlib.util.find_spec("ultralytics")  # finds the package without running its __init__
root = Path(spec.submodule_search_locations[0])
version = next(
    line.split("=")[1].strip().strip("\"'")
    for line in (root / "__init__.py").read_text().splitlines()
    if line.startswith("__version__")
)


def stub(name, **attrs):
    m = types.ModuleType(name)
    m.__dict__.update(attrs)
    sys.modules[name] = m
    return m


stub("ultralytics", __path__=[])
stub("ultralytics.data", __path__=[])
stub("ultralytics.data.utils", get_split_fraction=None, read_mask=None)
stub(
    "ultralytics.utils",
    ASSETS_URL="",
    DATASETS_DIR=Path("."),
    LOGGER=logging.getLogger("ultralytics"),
    NUM_THREADS=1,
    PLATFORM_URL="",
    TQDM=lambda it, **kw: it,
    WINDOWS=False,
    YAML=None,
    clean_url=lambda u: u,
)
stub("ultralytics.utils.checks", check_file=None, check_requirements=lambda *a, **k: None)
stub("ultralytics.utils.downloads", download=None, zip_directory=None)
stub("ultralytics.utils.files", increment_path=lambda p, **kw: Path(p))
cspec = importlib.util.spec_from_file_location("ultralytics.data.converter", root / "data" / "converter.py")
converter = importlib.util.module_from_spec(cspec)
cspec.loader.exec_module(converter)
