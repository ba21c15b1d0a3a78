"""The kwcoco peer of `cocokit merge`: load each file, `kwcoco.CocoDataset.union`, write the result.

    python bench/python/kwcoco_union.py OUT A.json B.json [...]

Prints the numbers of images, annotations and categories of the union (to check against cocokit's).
"""

import json
import sys

import kwcoco


def main():
    out, paths = sys.argv[1], sys.argv[2:]
    dsets = [kwcoco.CocoDataset(p) for p in paths]
    merged = kwcoco.CocoDataset.union(*dsets)
    with open(out, "w") as f:
        json.dump(merged.dataset, f)
    d = merged.dataset
    print(len(d["images"]), len(d["annotations"]), len(d["categories"]))


if __name__ == "__main__":
    main()
