#!/usr/bin/env python3
"""Golden outputs for `cocokit stats` and `cocokit filter`, computed with pycocotools 2.0.11 and plain json.

Run from the repository root with a Python that has pycocotools (e.g. /work/venv/bin/python or any venv with
`pip install pycocotools==2.0.11`): python scripts/golden_stats_filter.py
Writes fixtures/golden/stats/<name>.json and fixtures/golden/filter/<name>.json. Tests compare exactly.
"""
import io
import json
import os
import statistics
import sys
from contextlib import redirect_stdout

from pycocotools.coco import COCO

SHARED = os.path.join(os.path.dirname(__file__), "..", "fixtures")
DATASETS = {
    "cocoapi_val2014_100": "cocoapi-val2014-100/instances_val2014_100.json",
    "coco_tiny_val2017": "coco-tiny-val2017/instances_val2017.json",
    "lvis_val_100": "lvis-val-100/lvis_val_100.json",
    "fv_instances_val": "format-variants/instances_val.json",
    "fv_person_keypoints_val": "format-variants/person_keypoints_val.json",
    "fv_stuff_val": "format-variants/stuff_val.json",
    "fv_panoptic_val": "format-variants/panoptic_val.json",
    "panoptic_examples": "panoptic/sample_data/panoptic_examples.json",
    "fv_image_info_val": "format-variants/image_info_val.json",
    "fv_captions_val": "format-variants/captions_val.json",
    "fv_labels_val": "format-variants/labels_val.json",
}


def load(rel):
    path = os.path.join(SHARED, rel)
    with open(path) as f:
        d = json.load(f)
    try:
        with redirect_stdout(io.StringIO()):
            coco = COCO(path)
    except (KeyError, TypeError):
        coco = None  # e.g. panoptic/caption files pycocotools cannot index: counted in plain Python below
    return d, coco


def seg_kind(a):
    s = a.get("segmentation", None)
    if s is None:
        return "none"
    if isinstance(s, list):
        return "empty" if len(s) == 0 else "polygon"
    return "compressed_rle" if isinstance(s["counts"], str) else "rle"


def stats(d, coco):
    anns = d.get("annotations", [])
    imgs = d.get("images", [])
    cats = d.get("categories", [])
    per_img = {i["id"]: 0 for i in imgs}
    for a in anns:
        if a["image_id"] in per_img:
            per_img[a["image_id"]] += 1
    counts = sorted(per_img.values())
    kinds = {"polygon": 0, "rle": 0, "compressed_rle": 0, "empty": 0, "none": 0}
    area = {"small": 0, "medium": 0, "large": 0, "unknown": 0}
    for a in anns:
        kinds[seg_kind(a)] += 1
    # Panoptic annotations (one per image, panopticapi's format): their segments are what crowd, area and the
    # per-category counts count; other annotations count themselves.
    panoptic = any("segments_info" in a for a in anns)
    units = []
    for a in anns:
        if "segments_info" in a:
            units.extend(dict(sg, image_id=a["image_id"]) for sg in a["segments_info"])
        else:
            units.append(a)
    for a in units:
        ar = a.get("area")
        if ar is None:
            area["unknown"] += 1
        elif ar < 32 ** 2:
            area["small"] += 1
        elif ar < 96 ** 2:
            area["medium"] += 1
        else:
            area["large"] += 1
    per_category = []
    for c in cats:
        if coco is not None:
            # pycocotools' own indexes: getAnnIds(catIds=[c]) / catToImgs
            n_anns = len(coco.getAnnIds(catIds=[c["id"]])) if anns else 0
            n_imgs = len(set(coco.catToImgs[c["id"]]))
        else:
            mine = [a for a in units if a.get("category_id") == c["id"]]
            n_anns, n_imgs = len(mine), len({a["image_id"] for a in mine})
        per_category.append({"id": c["id"], "name": c.get("name", ""), "annotations": n_anns, "images": n_imgs})
    out = {
        "images": len(imgs),
        "annotations": len(anns),
        "categories": len(cats),
        "crowd": sum(1 for a in units if a.get("iscrowd", 0)),
        "segmentation": kinds,
        "area": area,
        "images_without_annotations": sum(1 for c in counts if c == 0),
        "annotations_per_image": {
            "min": counts[0] if counts else 0,
            "max": counts[-1] if counts else 0,
            "median": float(statistics.median(counts)) if counts else 0.0,
        },
        "per_category": per_category,
    }
    if panoptic:
        out["segments"] = sum(len(a["segments_info"]) for a in anns if "segments_info" in a)
    return out


def filter_case(d, coco, cats=(), supercats=(), keep_all_images=False, area_rng=None, iscrowd=None):
    ids = set()
    for t in cats:
        by_name = coco.getCatIds(catNms=[t])
        if by_name:
            ids.update(by_name)
        else:
            ids.update(coco.getCatIds(catIds=[int(t)]))
    for t in supercats:
        ids.update(coco.getCatIds(supNms=[t]))
    if area_rng is not None or iscrowd is not None:
        # getAnnIds(areaRng=[lo, hi], iscrowd=c): lo < area < hi, iscrowd == c; no categories named = all of them.
        if not cats and not supercats:
            ids = set(coco.getCatIds())
        ann_ids = set(coco.getAnnIds(catIds=sorted(ids), areaRng=area_rng or [], iscrowd=iscrowd))
        img_ids = {coco.anns[a]["image_id"] for a in ann_ids}
    else:
        ann_ids = set(coco.getAnnIds(catIds=sorted(ids))) if ids else set()
    args = {"cats": list(cats), "supercats": list(supercats), "keep_all_images": keep_all_images}
    if area_rng is not None:
        args["area_rng"] = area_rng
    if iscrowd is not None:
        args["iscrowd"] = iscrowd
    if area_rng is not None or iscrowd is not None:
        pass
    elif keep_all_images:
        img_ids = set(coco.getImgIds())
    else:
        img_ids = set()
        for c in ids:  # union of getImgIds(catIds=[c])
            img_ids.update(coco.getImgIds(catIds=[c]))
    # Expected output order: file order.
    return {
        "args": args,
        "category_ids": [c["id"] for c in d["categories"] if c["id"] in ids],
        "annotation_ids": [a["id"] for a in d.get("annotations", []) if a["id"] in ann_ids],
        "image_ids": [i["id"] for i in d["images"] if i["id"] in img_ids],
        "other_keys": [k for k in d if k not in ("images", "annotations", "categories")],
    }


def main():
    root = os.path.join(os.path.dirname(__file__), "..", "fixtures", "golden")
    for name, rel in DATASETS.items():
        d, coco = load(rel)
        with open(os.path.join(root, "stats", name + ".json"), "w") as f:
            json.dump({"file": rel, "stats": stats(d, coco)}, f, indent=1)
    cases = {
        "cocoapi_person": ("cocoapi_val2014_100", dict(cats=["person"])),
        "cocoapi_dog_cat_id": ("cocoapi_val2014_100", dict(cats=["dog", "17", "tennis racket"])),
        "cocoapi_animal_super": ("cocoapi_val2014_100", dict(supercats=["animal"])),
        "cocoapi_keep_all": ("cocoapi_val2014_100", dict(cats=["giraffe"], keep_all_images=True)),
        "tiny_person_car": ("coco_tiny_val2017", dict(cats=["person", "car"])),
        "lvis_by_id": ("lvis_val_100", dict(cats=["3", "12", "1229"])),
        "cocoapi_person_small_not_crowd": ("cocoapi_val2014_100", dict(cats=["person"], area_rng=[0, 1024], iscrowd=0)),
        "tiny_crowd": ("coco_tiny_val2017", dict(iscrowd=1)),
        "lvis_area_medium": ("lvis_val_100", dict(area_rng=[1024, 9216])),
    }
    for name, (ds, kw) in cases.items():
        d, coco = load(DATASETS[ds])
        g = filter_case(d, coco, **kw)
        g["file"] = DATASETS[ds]
        with open(os.path.join(root, "filter", name + ".json"), "w") as f:
            json.dump(g, f)
    print("ok", file=sys.stderr)


if __name__ == "__main__":
    main()
