"""Write fixtures/sa1b-like/: a few synthetic files in SA-1B's per-image layout, made from real COCO masks.

SA-1B (segment-anything's dataset) stores one JSON per image:
  {"image": {"image_id", "width", "height", "file_name"},
   "annotations": [{"id", "segmentation": {"size": [h, w], "counts": "..."}, "bbox", "area",
                    "predicted_iou", "point_coords", "stability_score", "crop_box"}, ...]}
The masks here are coco-tiny-val2017's annotations (polygons and crowd RLE) encoded with pycocotools 2.0.11 as
compressed RLE; area = mask area, bbox = toBbox; predicted_iou, stability_score and point_coords are made-up
deterministic values (SA-1B's come from SAM). Run with /work/refvenv/bin/python from the repository root.
"""

import json
import os

from pycocotools import mask as mask_utils

SRC = "fixtures/coco-tiny-val2017/instances_val2017.json"
OUT = "fixtures/sa1b-like"
IMAGES = 6
PER_IMAGE = 8


def main():
    with open(SRC) as f:
        d = json.load(f)
    anns = {}
    for a in d["annotations"]:
        anns.setdefault(a["image_id"], []).append(a)
    written = 0
    for img in sorted(d["images"], key=lambda i: i["id"]):
        mine = anns.get(img["id"], [])
        if not mine:
            continue
        h, w = img["height"], img["width"]
        out = []
        for a in mine[:PER_IMAGE]:
            seg = a["segmentation"]
            if isinstance(seg, list):
                rle = mask_utils.merge(mask_utils.frPyObjects(seg, h, w))
            elif isinstance(seg["counts"], list):
                rle = mask_utils.frPyObjects(seg, h, w)
            else:
                rle = seg
            counts = rle["counts"]
            if isinstance(counts, bytes):
                counts = counts.decode("ascii")
            x, y, bw, bh = [float(v) for v in mask_utils.toBbox(rle)]
            k = a["id"] % 1000
            out.append(
                {
                    "id": a["id"],
                    "segmentation": {"size": [h, w], "counts": counts},
                    "bbox": [x, y, bw, bh],
                    "area": int(mask_utils.area(rle)),
                    "predicted_iou": round(0.8 + k / 5000, 6),
                    "point_coords": [[round(x + bw / 2, 3), round(y + bh / 2, 3)]],
                    "stability_score": round(0.9 + k / 10000, 6),
                    "crop_box": [0.0, 0.0, float(w), float(h)],
                }
            )
        per_image = {
            "image": {"image_id": img["id"], "width": w, "height": h, "file_name": f"sa_{img['id']}.jpg"},
            "annotations": out,
        }
        with open(os.path.join(OUT, f"sa_{img['id']}.json"), "w") as f:
            json.dump(per_image, f)
        written += 1
        if written == IMAGES:
            break


if __name__ == "__main__":
    main()
