"""Write N SA-1B-layout per-image files (the annotations of all of fixtures/sa1b-like/ on every image, ids made
unique) into DIR, and the equivalent single COCO file DIR.json (images with `id`, annotations with `image_id`).

    python bench/python/sa1b_files.py DIR N
Plain Python (no package needed).
"""

import glob
import json
import os
import sys


def main():
    out, n = sys.argv[1], int(sys.argv[2])
    here = os.path.dirname(os.path.abspath(__file__))
    fixtures = sorted(glob.glob(os.path.join(here, "..", "..", "fixtures", "sa1b-like", "*.json")))
    docs = [json.load(open(f)) for f in fixtures]
    os.makedirs(out, exist_ok=True)
    images, anns = [], []
    next_ann = 1
    for k in range(n):
        first = docs[k % len(docs)]
        img = dict(first["image"], image_id=k + 1, file_name=f"sa_{k + 1}.jpg")
        h, w = img["height"], img["width"]
        mine = []
        for d in docs:
            for a in d["annotations"]:
                # Masks of other images' sizes are kept as written: only the counting matters here.
                mine.append(dict(a, id=next_ann, crop_box=[0.0, 0.0, float(w), float(h)]))
                next_ann += 1
        with open(os.path.join(out, f"sa_{k + 1:06d}.json"), "w") as f:
            json.dump({"image": img, "annotations": mine}, f)
        im = {"id" if key == "image_id" else key: v for key, v in img.items()}
        images.append(im)
        anns.extend(dict(a, image_id=k + 1) for a in mine)
    with open(out + ".json", "w") as f:
        json.dump({"images": images, "annotations": anns}, f)


if __name__ == "__main__":
    main()
