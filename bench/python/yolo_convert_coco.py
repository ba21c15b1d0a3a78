#!/usr/bin/env python3
"""ultralytics' convert_coco on one COCO file, as bench/yolo.sh runs it: `yolo_convert_coco.py FILE OUT_DIR
[--segments]`.

convert_coco converts every *.json of a directory: FILE is linked into a fresh directory of its own. The
converter is loaded without torch (scripts/ultralytics_converter.py); cls91to80=True (the 80 COCO categories).
"""

import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
from ultralytics_converter import converter  # noqa: E402

src, out = Path(sys.argv[1]).resolve(), sys.argv[2]
with tempfile.TemporaryDirectory() as tmp:
    os.symlink(src, Path(tmp) / "data.json")
    converter.convert_coco(tmp, out, use_segments="--segments" in sys.argv[3:], cls91to80=True)
