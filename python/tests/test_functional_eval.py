"""cocokit.eval_coco / cocokit.eval_merge: the stats of pycocotools 2.0.11 (the goldens under
fixtures/golden/cocoeval, written by scripts/golden_cocoeval.py), the CLI's --json output when the binary is
built, and sharded evaluation (partial= then eval_merge) equal to the one-shot run for any split."""

import json
import os
import random
import shutil
import subprocess

import cocokit
import pytest
from conftest import FIX, ROOT, VAL2014, VAL2014_BBOX, VAL2014_SEGM, load_json

GOLDEN = os.path.join(FIX, "golden", "cocoeval")

# The goldens' custom maxDets / area ranges make eval_coco warn (as the command does): checked below.
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


def _cli():
    for profile in ["release", "debug"]:
        exe = os.path.join(ROOT, "target", profile, "cocokit")
        if os.path.exists(exe):
            return exe
    return shutil.which("cocokit")


def _kwargs(params):
    kw = {"iou_type": params["iouType"]}
    if "imgIds" in params:
        kw["img_ids"] = params["imgIds"]
    if "catIds" in params:
        kw["cats"] = params["catIds"]
    if "maxDets" in params:
        kw["max_dets"] = params["maxDets"]
    if "areaRng" in params:
        labels = params.get("areaRngLbl", ["all", "small", "medium", "large"])
        kw["area_rng"] = dict(zip(labels, [tuple(r) for r in params["areaRng"]]))
    if "useCats" in params:
        kw["use_cats"] = bool(params["useCats"])
    return kw


def _cases():
    for name in sorted(os.listdir(GOLDEN)):
        g = load_json(os.path.join(GOLDEN, name))
        for i, ev in enumerate(g["evals"]):
            # maxDets with fewer than 3 values: the command (and eval_coco) refuse them.
            if len(ev["params"].get("maxDets", [1, 10, 100])) >= 3:
                yield pytest.param(g, ev, id=f"{name}#{i}")


@pytest.mark.parametrize("golden,ev", list(_cases()))
def test_eval_coco_equals_pycocotools(golden, ev):
    gt = os.path.join(ROOT, golden["gt"])
    dt = os.path.join(ROOT, ev.get("results") or golden["results"])
    got = cocokit.eval_coco(gt, dt, **_kwargs(ev["params"]))
    assert got["iou_type"] == ev["params"]["iouType"]
    assert got["stats"] == ev["stats"]
    assert [c["category_id"] for c in got["per_class"]] == [c["category_id"] for c in ev["per_class"]]


@pytest.mark.skipif(_cli() is None, reason="the cocokit binary is not built")
@pytest.mark.parametrize("iou_type,dt", [("bbox", VAL2014_BBOX), ("segm", VAL2014_SEGM)])
def test_eval_coco_equals_the_cli(iou_type, dt):
    out = subprocess.run(
        [
            _cli(),
            "eval",
            "coco",
            "--gt",
            VAL2014,
            "--dt",
            dt,
            "--iou-type",
            iou_type,
            "--json",
            "--cats",
            "person,3",
            "--max-dets",
            "1,10,50",
        ],
        check=True,
        capture_output=True,
    ).stdout
    got = cocokit.eval_coco(VAL2014, dt, iou_type=iou_type, cats=["person", 3], max_dets=[1, 10, 50])
    assert json.dumps(got) == json.dumps(json.loads(out))
    # the flag's comma-separated string, as filter/convert/rasterize take it
    got = cocokit.eval_coco(VAL2014, dt, iou_type=iou_type, cats="person,3", max_dets=[1, 10, 50])
    assert json.dumps(got) == json.dumps(json.loads(out))


@pytest.mark.parametrize("k", [1, 2, 7])
@pytest.mark.parametrize("iou_type,dt", [("bbox", VAL2014_BBOX), ("segm", VAL2014_SEGM)])
def test_partials_merge_to_the_one_shot_stats(tmp_path, k, iou_type, dt):
    one = cocokit.eval_coco(VAL2014, dt, iou_type=iou_type)
    ids = [im["id"] for im in load_json(VAL2014)["images"]]
    random.Random(k).shuffle(ids)
    paths = []
    for i in range(k):
        p = tmp_path / f"{i}.ckpt"
        info = cocokit.eval_coco(VAL2014, dt, iou_type=iou_type, img_ids=ids[i::k], partial=p)
        assert info["images"] == len(ids[i::k])
        paths.append(p)
    merged = cocokit.eval_merge(reversed(paths))
    assert json.dumps(merged) == json.dumps(one)


def test_errors_are_exceptions(tmp_path):
    with pytest.raises(FileNotFoundError):
        cocokit.eval_coco(tmp_path / "nope.json", VAL2014_BBOX)
    with pytest.raises(cocokit.CocokitError):
        cocokit.eval_coco(VAL2014, VAL2014_BBOX, iou_type="boxes")
    with pytest.raises(ValueError):
        cocokit.eval_coco(VAL2014, VAL2014_BBOX, max_dets=[1, 10])
    with pytest.raises(ValueError):
        cocokit.eval_coco(VAL2014, VAL2014, iou_type="bbox")  # a dataset, not a results file
    bad = tmp_path / "bad.ckpt"
    bad.write_bytes(b"cocokit-partial\n\x01")
    with pytest.raises(ValueError, match="truncated"):
        cocokit.eval_merge([bad])
    a = tmp_path / "a.ckpt"
    cocokit.eval_coco(VAL2014, VAL2014_BBOX, img_ids=[139, 285], partial=a)
    with pytest.raises(ValueError, match="must not overlap"):
        cocokit.eval_merge([a, a])
    with pytest.raises(FileNotFoundError):
        cocokit.eval_merge([a, tmp_path / "missing.ckpt"])


def test_warnings_are_python_warnings():
    with pytest.warns(UserWarning, match="not an image of the ground truth"):
        cocokit.eval_coco(VAL2014, VAL2014_BBOX, img_ids=[1, 139])
