"""Python baseline of `cocokit export --to parquet`: json.load, then pyarrow tables of the same columns written
with pyarrow.parquet (snappy), one file per section. Usage: parquet_export.py FILE OUTDIR."""

import json
import os
import sys

import pyarrow as pa
import pyarrow.parquet as pq

IMAGE_KEYS = {"id", "file_name", "width", "height"}
CATEGORY_KEYS = {"id", "name", "supercategory"}
ANN_KEYS = {"id", "image_id", "category_id", "iscrowd", "area", "bbox", "segmentation"}


def extra(rec, known):
    rest = {k: v for k, v in rec.items() if k not in known}
    return json.dumps(rest) if rest else None


def main(path, out):
    with open(path) as f:
        d = json.load(f)
    os.makedirs(out, exist_ok=True)
    imgs = d.get("images", [])
    pq.write_table(pa.table({
        "id": [i.get("id") for i in imgs],
        "file_name": [i.get("file_name") for i in imgs],
        "width": [i.get("width") for i in imgs],
        "height": [i.get("height") for i in imgs],
        "extra": [extra(i, IMAGE_KEYS) for i in imgs],
    }), os.path.join(out, "images.parquet"), compression="snappy")
    anns = d.get("annotations", [])
    kinds, counts, sizes, polys = [], [], [], []
    for a in anns:
        s = a.get("segmentation")
        if isinstance(s, list):
            kinds.append("polygon"); counts.append(None); sizes.append(None); polys.append(s)
        elif isinstance(s, dict):
            c = s.get("counts")
            kinds.append("rle" if isinstance(c, str) else "counts-list")
            # The baseline keeps uncompressed counts as JSON text (no pycocotools encoding).
            counts.append(c if isinstance(c, str) else json.dumps(c))
            sizes.append(s.get("size")); polys.append(None)
        else:
            kinds.append("none"); counts.append(None); sizes.append(None); polys.append(None)
    pq.write_table(pa.table({
        "id": [a.get("id") for a in anns],
        "image_id": [a.get("image_id") for a in anns],
        "category_id": [a.get("category_id") for a in anns],
        "iscrowd": [a.get("iscrowd") for a in anns],
        "area": pa.array([a.get("area") for a in anns], pa.float64()),
        "bbox": pa.array([a.get("bbox") for a in anns], pa.list_(pa.float64(), 4)),
        "segmentation_kind": kinds,
        "rle_counts": counts,
        "rle_size": pa.array(sizes, pa.list_(pa.int64(), 2)),
        "polygons": pa.array(polys, pa.list_(pa.list_(pa.float64()))),
        "extra": [extra(a, ANN_KEYS) for a in anns],
    }), os.path.join(out, "annotations.parquet"), compression="snappy", row_group_size=131072)
    cats = d.get("categories", [])
    pq.write_table(pa.table({
        "id": [c.get("id") for c in cats],
        "name": [c.get("name") for c in cats],
        "supercategory": [c.get("supercategory") for c in cats],
        "extra": [extra(c, CATEGORY_KEYS) for c in cats],
    }), os.path.join(out, "categories.parquet"), compression="snappy")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
