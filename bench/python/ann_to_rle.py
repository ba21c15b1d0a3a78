#!/usr/bin/env python3
"""pycocotools' side of `cocokit convert FILE --to rle` (bench/masks.sh).

    python ann_to_rle.py FILE [--write OUT]

COCO(FILE) load, then coco.annToRLE(ann) for every annotation (the dict pycocotools builds; counts as bytes).
By default nothing is serialized — cheaper than what cocokit does (it writes the whole converted file); with
--write OUT the converted dataset is also dumped with json.dump (counts decoded as ASCII, as cocokit writes them).
Prints the number of annotations converted and the in-process seconds (after imports) on stdout as JSON.
"""
import argparse
import contextlib
import json
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--write")
    a = ap.parse_args()
    from pycocotools.coco import COCO

    t0 = time.perf_counter()
    with contextlib.redirect_stdout(sys.stderr):
        coco = COCO(a.file)
    n = 0
    for ann in coco.dataset.get("annotations", []):
        rle = coco.annToRLE(ann)
        if a.write:
            ann["segmentation"] = {"size": rle["size"], "counts": rle["counts"].decode("ascii")}
        n += 1
    if a.write:
        with open(a.write, "w") as f:
            json.dump(coco.dataset, f, separators=(",", ":"))
    print(json.dumps({"annotations": n, "seconds": time.perf_counter() - t0}))


if __name__ == "__main__":
    main()
