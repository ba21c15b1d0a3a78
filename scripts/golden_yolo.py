#!/usr/bin/env python3
"""Golden outputs for `cocokit export --to yolo`, from ultralytics' own `convert_coco`.

Run from the repository root with the reference venv, where ultralytics is installed without its dependencies
(its converter needs numpy, opencv, pillow; faster-coco-eval for RLE masks; torch is never used by it):

    /work/refvenv/bin/pip install --no-deps ultralytics==8.4.190
    /work/refvenv/bin/pip install faster-coco-eval
    /work/refvenv/bin/python scripts/golden_yolo.py

The converter is loaded without torch by scripts/ultralytics_converter.py; `convert_coco`,
`merge_multi_segment` and `min_index` run as shipped.

Each case is one dataset converted twice (boxes, `use_segments=True`) into a fresh directory; the golden
fixtures/golden/yolo/<case>_<boxes|segments>.json maps each label file written (path under labels/) to its
text. The COCO fixtures use `cls91to80=True` (the 80 categories: class = position by id, as cocokit numbers
them); quirks.json (the project's own, category ids 1..3) uses `cls91to80=False` (class = id - 1, again the
position).
"""

import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ultralytics_converter import converter, version  # noqa: E402

CASES = [
    ("tiny_val2017", "fixtures/coco-tiny-val2017/instances_val2017.json", True),
    ("val2014_100", "fixtures/cocoapi-val2014-100/instances_val2014_100.json", True),
    ("quirks", "fixtures/golden/yolo/quirks.json", False),
]

out_dir = Path("fixtures/golden/yolo")
for case, path, cls91to80 in CASES:
    for segments in (False, True):
        with tempfile.TemporaryDirectory() as tmp:
            src = Path(tmp) / "in"
            src.mkdir()
            (src / "data.json").write_bytes(Path(path).read_bytes())
            dst = Path(tmp) / "out"
            converter.convert_coco(str(src), str(dst), use_segments=segments, cls91to80=cls91to80)
            labels = dst / "labels" / "data"
            files = {p.relative_to(labels).as_posix(): p.read_text() for p in sorted(labels.rglob("*.txt"))}
        kind = "segments" if segments else "boxes"
        golden = {
            "reference": f"ultralytics {version} ultralytics/data/converter.py convert_coco",
            "input": path,
            "use_segments": segments,
            "cls91to80": cls91to80,
            "labels": files,
        }
        target = out_dir / f"{case}_{kind}.json"
        target.write_text(json.dumps(golden, indent=1, sort_keys=False) + "\n")
        print(f"{target}: {len(files)} label files, {sum(t.count(chr(10)) for t in files.values())} lines")
