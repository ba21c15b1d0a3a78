#!/usr/bin/env python3
"""Load a COCO file the way Python users do, for bench/foundation.sh and bench/memory.sh.

    python load.py json FILE     # json.load(open(FILE)); prints the number of annotations
    python load.py coco FILE     # pycocotools.coco.COCO(FILE) (json.load + createIndex); prints the same
    python load.py filter FILE NAMES        # json.load, keep categories NAMES (comma-separated), their
                                            # annotations and the images holding one; json.dump to stdout
    python load.py filter-count FILE NAMES  # the same selection; prints the number of kept annotations

The whole process is what the benchmark times (interpreter start and imports included, a few tens of ms).
"""
import contextlib
import json
import sys


def main():
    mode, path = sys.argv[1], sys.argv[2]
    if mode == "json":
        with open(path) as f:
            d = json.load(f)
        n = len(d.get("annotations", [])) if isinstance(d, dict) else len(d)
    elif mode == "coco":
        from pycocotools.coco import COCO

        with contextlib.redirect_stdout(sys.stderr):  # COCO() prints progress lines
            c = COCO(path)
        n = len(c.anns)
    elif mode in ("filter", "filter-count"):
        names = set(sys.argv[3].split(","))
        with open(path) as f:
            d = json.load(f)
        # what getCatIds(catNms=...), getAnnIds(catIds=...) and the union of getImgIds(catIds=[c]) select
        cats = [c for c in d["categories"] if c["name"] in names]
        ids = {c["id"] for c in cats}
        anns = [a for a in d.get("annotations", []) if a["category_id"] in ids]
        imgs = {a["image_id"] for a in anns}
        out = dict(d)
        out["categories"] = cats
        out["annotations"] = anns
        out["images"] = [i for i in d["images"] if i["id"] in imgs]
        if mode == "filter-count":
            print(len(anns))
        else:
            json.dump(out, sys.stdout, separators=(",", ":"))
        return
    else:
        sys.exit("usage: load.py json|coco|filter|filter-count FILE [NAMES]")
    print(n)


if __name__ == "__main__":
    main()
