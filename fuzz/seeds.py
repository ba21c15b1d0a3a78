#!/usr/bin/env python3
"""Build the fuzz seed corpora (fuzz/corpus/<target>/, git-ignored) from the real files in fixtures and
fixtures/. Run from the repository root with the project venv:  /work/venv/bin/python fuzz/seeds.py

Seeds are kept small (a few KB) so that libFuzzer runs fast: datasets are cut into mini datasets of a few
images, annotations and categories; long polygons and RLE strings are taken as they are.
"""
import glob
import hashlib
import io
import json
import os
import random
import struct

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "fixtures")
OUT = os.path.join(ROOT, "fuzz", "corpus")
rnd = random.Random(6)


def put(target, data):
    if isinstance(data, str):
        data = data.encode()
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, hashlib.sha1(data).hexdigest()), "wb") as f:
        f.write(data)


def load(p):
    with open(p, "rb") as f:
        return f.read()


DATASETS = [
    "cocoapi-val2014-100/instances_val2014_100.json",
    "coco-tiny-val2017/instances_val2017.json",
    "lvis-val-100/lvis_val_100.json",
]
RESULTS = [
    "cocoapi-val2014-100/instances_val2014_fakebbox100_results.json",
    "cocoapi-val2014-100/instances_val2014_fakesegm100_results.json",
]


def mini_datasets(ds, n):
    """n small datasets: 1-2 images with their annotations (at most 3) and those categories (+1 more)."""
    anns_by_img = {}
    for a in ds.get("annotations", []):
        anns_by_img.setdefault(a["image_id"], []).append(a)
    cats = {c["id"]: c for c in ds.get("categories", [])}
    imgs = ds.get("images", [])
    out = []
    for _ in range(n):
        pick = rnd.sample(imgs, min(len(imgs), rnd.choice([1, 2])))
        anns = [a for i in pick for a in anns_by_img.get(i["id"], [])[:2]][:3]
        for a in anns:  # keep polygons short
            s = a.get("segmentation")
            if isinstance(s, list):
                a = dict(a)
                a["segmentation"] = [p[:24] for p in s[:2]]
        cids = sorted({a["category_id"] for a in anns} | set(rnd.sample(sorted(cats), 1)))
        m = {k: v for k, v in ds.items() if k not in ("images", "annotations", "categories")}
        m = {k: (v if len(json.dumps(v)) < 400 else "x") for k, v in m.items()}
        m.update(images=pick, annotations=anns, categories=[cats[c] for c in cids if c in cats])
        out.append(m)
    return out


def json_seeds():
    docs = []
    for p in DATASETS:
        ds = json.loads(load(os.path.join(DATA, p)))
        docs += mini_datasets(ds, 12)
    for p in RESULTS:
        res = json.loads(load(os.path.join(DATA, p)))
        for _ in range(8):
            docs.append(rnd.sample(res, 3))
    texts = []
    for d in docs:
        texts.append(json.dumps(d, separators=(",", ":")))
        texts.append(json.dumps(d, indent=rnd.choice([1, 2, 4])))
    for p in glob.glob(os.path.join(DATA, "format-variants", "*.json")):
        texts.append(load(p).decode())
    for p in sorted(glob.glob(os.path.join(ROOT, "fixtures", "bad", "*.json"))) + sorted(
        glob.glob(os.path.join(ROOT, "fixtures", "json", "*.json"))
    ):
        b = load(p)
        if len(b) <= 16384:
            texts.append(b)
    return texts


def wide_objects():
    """(path, document) pairs with objects of 17-40 keys: distinct, a duplicate past the 16th key (also one
    spelled with an escape), inside a dataset."""
    keys = ["k%d" % i for i in range(40)]
    out = []
    for n in [17, 18, 40]:
        obj = "{" + ",".join('"%s":%d' % (k, i) for i, k in enumerate(keys[:n])) + "}"
        out.append((".k16", obj))
        out.append((".k3", obj[:-1] + ',"k2":0}'))
        out.append((".[0].k1", "[" + obj + "," + obj + "]"))
    out.append((".k20", "{" + ",".join('"%s":%d' % (k, i) for i, k in enumerate(keys[:20])) + ',"k\\u00319":1}'))
    img = {"id": 1, "file_name": "a.jpg", "height": 4, "width": 5}
    img.update(("extra_%d" % i, i) for i in range(14))
    ds = {"images": [img], "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, 2, 2],
          "area": 4, "iscrowd": 0, "segmentation": [[0, 0, 2, 0, 2, 2]]}],
          "categories": [{"id": 1, "name": "a", "supercategory": "s"}]}
    out.append((".images[0].extra_13", json.dumps(ds, separators=(",", ":"))))
    out.append((".images[0]", json.dumps(ds, indent=2)))
    return out


def main():
    texts = json_seeds()
    paths = [".", ".images", ".annotations[0]", ".annotations[-1]", ".categories[1:3]", ".images[]",
             ".annotations[].bbox", ".info", '."annotations"[0].segmentation', ".[0]", ".[-2:]", ".[]",
             ".annotations[:2][0].id", ".x.y[3]"]
    for t in texts:
        put("json_pretty", t)
        put("coco_reader", t)
        b = t if isinstance(t, bytes) else t.encode()
        put("json_path", rnd.choice(paths).encode() + b"\n" + b)
    # Objects of more than 16 keys, where the printer's duplicate-key check switches from a linear scan to a
    # hash set: no real COCO record has that many (found by json_pretty only ~4 minutes into a run). No `rnd`
    # here, so the other seeds stay the same.
    for (path, t) in wide_objects():
        put("json_pretty", t)
        put("coco_reader", t)
        put("json_path", path + "\n" + t)
    # json_pretty_par: a selector byte (layout, chunk size, threads) before each document, plus arrays of
    # numbers (the fast number path crossing chunk ends was its first find). Its own generator, so that the
    # other seeds stay the same.
    sel = random.Random(7)
    nums = ["[1,1,6,1,6,6]", "[[1,1,6,1,6,6]]291e28", "[" + ", ".join(str(k * 0.5) for k in range(60)) + "]",
            '{"a": [' + ",".join(str(k) for k in range(80)) + '], "b": [[0, 1.5, -2e3]]}']
    for t in texts + [t for (_, t) in wide_objects()] + nums:
        b = t if isinstance(t, bytes) else t.encode()
        put("json_pretty_par", bytes([sel.randrange(256)]) + b)

    # Compressed RLE strings: byte 0 = a divisor of h*w below 256 (the target's height hint), byte 1 = w % 256.
    rles = []
    for p in ["cocoapi-val2014-100/instances_val2014_fakesegm100_results.json",
              "panoptic/sample_data/panoptic_coco_detection_format.json"]:
        full = os.path.join(DATA, p)
        if not os.path.exists(full):
            full = glob.glob(os.path.join(DATA, "panoptic", "**", os.path.basename(p)), recursive=True)[0]
        j = json.loads(load(full))
        anns = j if isinstance(j, list) else j["annotations"]
        for a in anns:
            s = a.get("segmentation")
            if isinstance(s, dict) and isinstance(s.get("counts"), str):
                rles.append((s["size"], s["counts"]))
    rnd.shuffle(rles)
    for (h, w), c in rles[:150]:
        hint = max(d for d in range(1, 256) if (h * w) % d == 0)
        put("rle_compressed", bytes([hint, w % 256]) + c.encode())
    for s in [b"", b"0", b"1", b"11", b"?", b"o", b"P1", b"0?0", b"3:1", b"04<0"]:
        put("rle_compressed", bytes([2, 2]) + s)

    # Polygons, scaled to fit 255x255: h, w, part count, then (len, coordinates as tag 128 + i16/8).
    ds = json.loads(load(os.path.join(DATA, DATASETS[0])))
    imgs = {i["id"]: i for i in ds["images"]}
    polys = [a for a in ds["annotations"] if isinstance(a["segmentation"], list)]
    for a in rnd.sample(polys, 120):
        img = imgs[a["image_id"]]
        f = max(img["height"], img["width"]) / 250.0
        h, w = int(img["height"] / f), int(img["width"] / f)
        parts = a["segmentation"][:4]
        b = bytearray([h, w, len(parts) - 1])
        for p in parts:
            p = p[:32]
            b.append(len(p))
            for v in p:
                b.append(128)
                b += struct.pack("<h", max(-32768, min(32767, int(round(v / f * 8)))))
        put("polygon", bytes(b))
    for tri in [[1, 1, 6, 1, 6, 6], [0, 0, 10, 0, 10, 10, 0, 10], [-5, -5, 300, 2, 4, 300], [2.5, 2.5, 2.5, 2.5, 7, 3]]:
        b = bytearray([16, 16, 0, len(tri)])
        for v in tri:
            b.append(128)
            b += struct.pack("<h", int(v * 8))
        put("polygon", bytes(b))

    # PNG label maps: the real ones, and small ones of every accepted (and a few refused) kind.
    from PIL import Image
    import numpy as np
    # Real files, cropped to at most 64x64 in their own mode (decoding a full 683x512 map under ASan takes
    # ~0.3 s, which would make the target crawl).
    for p in sorted(glob.glob(os.path.join(DATA, "**", "*.png"), recursive=True)):
        im = Image.open(p)
        if im.width * im.height <= 64 * 64:
            put("png_label", load(p))
            continue
        for (x, y) in [(0, 0), (im.width // 2, im.height // 2)]:
            buf = io.BytesIO()
            im.crop((x, y, min(im.width, x + 64), min(im.height, y + 48))).save(buf, "PNG")
            put("png_label", buf.getvalue())
    for (mode, bits) in [("L", 8), ("I;16", 16), ("P", 8), ("1", 1), ("RGB", 8), ("LA", 8)]:
        for (h, w) in [(1, 1), (3, 5), (17, 9)]:
            a = np.array([[rnd.randrange(0, 1 << min(bits, 8)) for _ in range(w)] for _ in range(h)])
            if mode == "RGB":
                im = Image.fromarray(a.astype("uint8")).convert("RGB")
            elif mode == "LA":
                im = Image.fromarray(a.astype("uint8")).convert("LA")
            elif mode == "I;16":
                im = Image.fromarray((a * 257).astype("uint16"))
            elif mode == "1":
                im = Image.fromarray((a % 2 * 255).astype("uint8")).convert("1")
            elif mode == "P":
                im = Image.fromarray(a.astype("uint8")).convert("P")
            else:
                im = Image.fromarray(a.astype("uint8"))
            for opts in [{}, {"optimize": True}]:
                buf = io.BytesIO()
                im.save(buf, "PNG", **opts)
                put("png_label", buf.getvalue())
    # 2- and 4-bit greyscale and an interlaced file, written by hand (PIL does not write them).
    import zlib

    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)

    for depth in [2, 4]:
        w, h = 7, 3
        rowbytes = (w * depth + 7) // 8
        raw = b"".join(b"\x00" + bytes(rnd.randrange(256) for _ in range(rowbytes)) for _ in range(h))
        png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, depth, 0, 0, 0, 0)) \
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
        put("png_label", png)
    w, h = 5, 5  # Adam7, 8-bit grey: seven passes
    passes = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
    raw = b""
    for (x0, y0, dx, dy) in passes:
        cols = len(range(x0, w, dx))
        rows = len(range(y0, h, dy))
        if cols and rows:
            raw += b"".join(b"\x00" + bytes(rnd.randrange(256) for _ in range(cols)) for _ in range(rows))
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 1)) \
        + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
    put("png_label", png)
    for t in sorted(os.listdir(OUT)):
        print(t, len(os.listdir(os.path.join(OUT, t))))


main()
