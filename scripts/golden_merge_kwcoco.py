#!/usr/bin/env python3
"""Golden category unification for `cocokit merge`, from kwcoco's `CocoDataset.union` (pip kwcoco 0.9.1).

Run from the repository root with the reference venv (kwcoco installed into it):

    /work/refvenv/bin/python scripts/golden_merge_kwcoco.py

For each case (a list of real files of fixtures/), kwcoco loads the files and unions them; the golden
fixtures/golden/merge/<case>.json holds the merged categories as [id, name] in kwcoco's order, per input the
category id map old → new, and the numbers of images and annotations.

What is comparable: kwcoco unifies categories by name and keeps a category's id unless an earlier category of
the union has it, then gives it one more than the largest id so far (`_CategoryID_Remapper.remap`); `cocokit
merge` (by name) does the same. kwcoco renumbers every annotation from 1 and every image when two inputs share
an image id, and never merges images by file_name: only the counts of images (`cocokit merge --dedupe-images
none`) and annotations are compared, not their ids. kwcoco also takes categories defined differently in two
files without complaint (it keeps the first and adds the keys it lacks), where cocokit reports a conflict: the
cases here have none.

The case "cocoapi_halves" is cocoapi's 100 val2014 images cut in two by image id (the first 50 ids and the
others, each with its annotations and every category), as `cocokit filter --img-ids ... --keep-all-images`
cuts them in the tests.
"""

import json
import os
import tempfile

import kwcoco

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIX = os.path.join(ROOT, "fixtures")
OUT = os.path.join(FIX, "golden", "merge")

VAL = "cocoapi-val2014-100/instances_val2014_100.json"
CASES = {
    "lvis_coco": ["lvis-val-100/lvis_val_100.json", VAL],
    "coco_lvis": [VAL, "lvis-val-100/lvis_val_100.json"],
    "keypoints_coco": ["keypoints/gt_dataset.json", VAL],
    "tiny_coco": ["coco-tiny-val2017/instances_val2017.json", VAL],
    "variants": [
        "format-variants/person_keypoints_train.json",
        "format-variants/instances_val.json",
        "format-variants/instances_train.json",
    ],
}


def halves(tmp):
    with open(os.path.join(FIX, VAL)) as f:
        d = json.load(f)
    ids = sorted(im["id"] for im in d["images"])
    first = set(ids[:50])
    paths = []
    for part, keep in (("a", lambda i: i in first), ("b", lambda i: i not in first)):
        h = dict(d)
        h["images"] = [im for im in d["images"] if keep(im["id"])]
        h["annotations"] = [a for a in d["annotations"] if keep(a["image_id"])]
        p = os.path.join(tmp, f"half_{part}.json")
        with open(p, "w") as f:
            json.dump(h, f)
        paths.append(p)
    return paths, ids[:50]


def golden(paths):
    dsets = [kwcoco.CocoDataset(p) for p in paths]
    merged = kwcoco.CocoDataset.union(*dsets)
    cats = [[c["id"], c["name"]] for c in merged.dataset["categories"]]
    by_name = {name: cid for cid, name in cats}
    maps = [{str(c["id"]): by_name[c["name"]] for c in d.dataset["categories"]} for d in dsets]
    return {
        "categories": cats,
        "category_maps": maps,
        "images": len(merged.dataset["images"]),
        "annotations": len(merged.dataset["annotations"]),
    }


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, rel in CASES.items():
        g = golden([os.path.join(FIX, r) for r in rel])
        g = {"inputs": rel, **g}
        with open(os.path.join(OUT, f"{name}.json"), "w") as f:
            json.dump(g, f, indent=1)
            f.write("\n")
        print(name, len(g["categories"]), g["images"], g["annotations"])
    with tempfile.TemporaryDirectory() as tmp:
        paths, first_ids = halves(tmp)
        g = {"inputs": [VAL], "first_half_image_ids": first_ids, **golden(paths)}
    with open(os.path.join(OUT, "cocoapi_halves.json"), "w") as f:
        json.dump(g, f, indent=1)
        f.write("\n")
    print("cocoapi_halves", len(g["categories"]), g["images"], g["annotations"])


if __name__ == "__main__":
    main()
