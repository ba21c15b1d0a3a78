"""tidecv 1.0.1 as its README runs it, timed in-process: datasets.COCO(gt) + datasets.COCOResult(results) +
TIDE().evaluate(..., mode) + get_main_errors() + get_special_errors() (what summarize() prints), after the
imports. Prints JSON: {"seconds": ..., "ap50": ..., "main": {...}, "special": {...}} (tidecv's short names).

    python tide_peer.py --gt GT --dt RESULTS --iou-type bbox|segm
"""
import argparse
import io
import json
import time
from contextlib import redirect_stdout

from tidecv import TIDE, datasets

ap = argparse.ArgumentParser()
ap.add_argument("--gt", required=True)
ap.add_argument("--dt", required=True)
ap.add_argument("--iou-type", choices=["bbox", "segm"], required=True)
a = ap.parse_args()
t0 = time.perf_counter()
with redirect_stdout(io.StringIO()):
    tide = TIDE()
    run = tide.evaluate(datasets.COCO(a.gt), datasets.COCOResult(a.dt),
                        mode=TIDE.BOX if a.iou_type == "bbox" else TIDE.MASK, name="run")
    main = tide.get_main_errors()["run"]
    special = tide.get_special_errors()["run"]
seconds = time.perf_counter() - t0
print(json.dumps({"seconds": seconds, "ap50": run.ap, "main": main, "special": special}))
