#!/usr/bin/env python3
"""Golden outputs for `cocokit eval coco --tide`: tidecv 1.0.1's error decomposition.

Runs tidecv as its README does (`TIDE().evaluate(datasets.COCO(gt), datasets.COCOResult(res), mode=...)`, one
run at pos_thresh 0.5, bg_thresh 0.1), then reads `get_main_errors()` / `get_special_errors()` and the run's
AP — the numbers `TIDE.summarize()` prints, unrounded, in tidecv's units (AP points, 0-100).

Cases: cocoapi-val2014-100 with its fake bbox and segm results, and a seeded synthetic pair made by
`cocokit synth --images 40 --seed 7` (the test makes the same pair with the binary under test).
Run from the repository root with /work/refvenv/bin/python (pip install tidecv==1.0.1 there):
    python scripts/golden_tide.py [path/to/cocokit]
Writes fixtures/golden/tide/<case>.json; tests/tide.rs compares within 1e-12.
"""
import io
import json
import os
import subprocess
import sys
import tempfile
from contextlib import redirect_stdout

from tidecv import TIDE, datasets

FIX = os.path.join(os.path.dirname(__file__), "..", "fixtures")
COCOKIT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "target",
                                                               "debug", "cocokit")
VAL = os.path.join(FIX, "cocoapi-val2014-100")

tmp = tempfile.mkdtemp()
synth_gt, synth_res = os.path.join(tmp, "synth.json"), os.path.join(tmp, "synth.results.json")
subprocess.run([COCOKIT, "synth", "--images", "40", "--seed", "7", "-o", synth_gt, "--results", synth_res, "-q"],
               check=True)

CASES = {
    "val2014-bbox": (os.path.join(VAL, "instances_val2014_100.json"),
                     os.path.join(VAL, "instances_val2014_fakebbox100_results.json"), TIDE.BOX),
    "val2014-segm": (os.path.join(VAL, "instances_val2014_100.json"),
                     os.path.join(VAL, "instances_val2014_fakesegm100_results.json"), TIDE.MASK),
    "synth40-bbox": (synth_gt, synth_res, TIDE.BOX),
    "synth40-segm": (synth_gt, synth_res, TIDE.MASK),
}

out_dir = os.path.join(FIX, "golden", "tide")
os.makedirs(out_dir, exist_ok=True)
for name, (gt, res, mode) in CASES.items():
    tide = TIDE()
    with redirect_stdout(io.StringIO()):
        run = tide.evaluate(datasets.COCO(gt), datasets.COCOResult(res), mode=mode, name="run")
    main = tide.get_main_errors()["run"]
    special = tide.get_special_errors()["run"]
    counts = run.count_errors()
    text = io.StringIO()
    with redirect_stdout(text):
        tide.summarize()
    golden = {
        "mode": mode,
        "ap50": run.ap,
        "main": {"cls": main["Cls"], "loc": main["Loc"], "both": main["Both"], "dupe": main["Dupe"],
                 "bkg": main["Bkg"], "miss": main["Miss"]},
        "special": {"false_pos": special["FalsePos"], "false_neg": special["FalseNeg"]},
        "summary": text.getvalue(),
    }
    # Error counts per type (TIDERun.count_errors), in tidecv's type order.
    by_name = {t.short_name: n for t, n in counts.items()}
    golden["counts"] = {"cls": by_name["Cls"], "loc": by_name["Loc"], "both": by_name["Both"],
                        "dupe": by_name["Dupe"], "bkg": by_name["Bkg"], "miss": by_name["Miss"]}
    with open(os.path.join(out_dir, name + ".json"), "w") as f:
        json.dump(golden, f, indent=1, sort_keys=True)
        f.write("\n")
    print(name, json.dumps(golden["main"]), json.dumps(golden["special"]), golden["ap50"])
