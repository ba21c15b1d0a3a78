#!/usr/bin/env python3
"""Check that cocokit and the Python peer produced the same thing (bench/masks.sh). Not timed.

    python compare.py rle COCOKIT.json PEER.json   # every annotation's segmentation equal (by annotation id)
    python compare.py png DIR_A DIR_B              # every PNG of DIR_A has a pixel-identical twin in DIR_B
    python compare.py stats REF OTHER              # max |a - b| over the 12 COCOeval stats of two outputs
                                                   # (a JSON document, or a last JSON line, with "stats")

Prints one line: "<n> equal, <m> different[, first difference: ...]"; exit 0 when all equal, 1 otherwise.
"""
import json
import os
import sys


def rle(a_path, b_path):
    with open(a_path) as f:
        a = json.load(f)
    with open(b_path) as f:
        b = json.load(f)
    b_by_id = {x["id"]: x["segmentation"] for x in b["annotations"]}
    eq = ne = 0
    first = None
    for x in a["annotations"]:
        if b_by_id.get(x["id"]) == x["segmentation"]:
            eq += 1
        else:
            ne += 1
            first = first or "annotation id %s" % x["id"]
    ne += max(0, len(b_by_id) - len(a["annotations"]))
    return eq, ne, first


def png(a_dir, b_dir):
    import numpy as np
    from PIL import Image

    eq = ne = 0
    first = None
    for name in sorted(os.listdir(a_dir)):
        if not name.endswith(".png"):
            continue
        pa, pb = os.path.join(a_dir, name), os.path.join(b_dir, name)
        same = os.path.exists(pb) and np.array_equal(np.asarray(Image.open(pa)), np.asarray(Image.open(pb)))
        if same:
            eq += 1
        else:
            ne += 1
            first = first or name
    return eq, ne, first


def last_json(path):
    """The whole file when it is one JSON document (cocokit's pretty-printed --json), else its last line that
    is a JSON object (a peer's one-line report after its summary)."""
    with open(path) as f:
        text = f.read()
    try:
        return json.loads(text)
    except ValueError:
        pass
    lines = [ln for ln in text.splitlines() if ln.strip().startswith("{")]
    if not lines:
        sys.exit("no JSON object in %s" % path)
    return json.loads(lines[-1])


def stats(ref_path, other_path):
    a, b = last_json(ref_path)["stats"], last_json(other_path)["stats"]
    if len(a) != 12 or len(b) < 12:
        sys.exit("expected 12 stats, got %d and %d" % (len(a), len(b)))
    print(repr(max(abs(float(x) - float(y)) for x, y in zip(a, b[:12]))))


def main():
    kind, a, b = sys.argv[1:4]
    if kind == "stats":
        try:
            stats(a, b)
        except Exception as e:  # noqa: BLE001 - reported in the bench notes
            print("could not compare: %s" % e)
            sys.exit(1)
        return
    eq, ne, first = {"rle": rle, "png": png}[kind](a, b)
    print("%d equal, %d different%s" % (eq, ne, ", first difference: " + first if first else ""))
    sys.exit(1 if ne or not eq else 0)


if __name__ == "__main__":
    main()
