"""Write a COCO file with the same images and categories as IN and its annotations repeated K times.

    python bench/python/repeat_annotations.py IN OUT K

Copy k (0-based) of annotation `id` gets id `id * K + k`: unique, and as dense as the original ids (COCO's
crowd annotations have ids like 900100xxxxxx; the others are small and dense). Everything else is unchanged. Used by
bench/memory.sh to grow a file's bytes without growing its number of images (what cocokit keeps per image
is then constant, so any growth of peak RSS would come from the bytes themselves).
"""
import json
import sys


def main() -> None:
    src, dst, k = sys.argv[1], sys.argv[2], int(sys.argv[3])
    with open(src) as f:
        d = json.load(f)
    anns = d["annotations"]
    out = []
    for copy in range(k):
        for a in anns:
            b = dict(a)
            b["id"] = a["id"] * k + copy
            out.append(b)
    d["annotations"] = out
    tmp = dst + ".tmp"
    with open(tmp, "w") as f:
        json.dump(d, f, separators=(",", ":"))
    import os

    os.replace(tmp, dst)


if __name__ == "__main__":
    main()
