"""cocokit.pq_compute / cocokit.eval_panoptic against panopticapi's pq_compute: the goldens under
fixtures/golden/panoptic (written by scripts/golden_panoptic.py, which runs panopticapi), the lines it
prints, its default folders, and bad input raising."""

import glob
import json
import os
import shutil

import cocokit
import pytest
from conftest import FIX, ROOT, load_json, quiet

GOLDEN = sorted(glob.glob(os.path.join(FIX, "golden", "panoptic", "*.json")))
TOL = 1e-12


def _close(a, b):
    return a == b or abs(a - b) <= TOL


def _group_eq(got, want):
    assert set(got) == {"pq", "sq", "rq", "n"}
    assert got["n"] == want["n"]
    for k in ("pq", "sq", "rq"):
        assert _close(got[k], want[k]), (k, got[k], want[k])


@pytest.mark.parametrize("path", GOLDEN, ids=[os.path.basename(p)[:-5] for p in GOLDEN])
def test_pq_compute_matches_golden(path):
    g = load_json(path)
    args = [os.path.join(ROOT, g[k]) for k in ("gt_json", "pred_json", "gt_dir", "pred_dir")]
    with quiet() as out:
        res = cocokit.pq_compute(*args)
    assert list(res) == ["All", "per_class", "Things", "Stuff"]
    for name in ("All", "Things", "Stuff"):
        if g[name] is None:  # panopticapi divides by zero here; cocokit reports an empty group
            assert res[name] == {"pq": 0.0, "sq": 0.0, "rq": 0.0, "n": 0}
        else:
            _group_eq(res[name], g[name])
    assert list(res["per_class"]) == [int(k) for k in g["per_class"]]
    for k, v in g["per_class"].items():
        for m in ("pq", "sq", "rq"):
            assert _close(res["per_class"][int(k)][m], v[m])
    lines = out.getvalue().split("\n")
    assert lines[0] == "Evaluation panoptic segmentation metrics:"
    assert lines[2] == "\tSegmentation folder: {}".format(args[2])
    assert lines[3] == "\tJSON file: {}".format(args[0])
    if g["Things"] is not None and g["Stuff"] is not None:
        assert lines[7:12] == g["lines"]
    assert lines[12].startswith("Time elapsed: ")


@pytest.mark.parametrize("path", GOLDEN, ids=[os.path.basename(p)[:-5] for p in GOLDEN])
def test_eval_panoptic_functional(path):
    g = load_json(path)
    rep = cocokit.eval_panoptic(
        *[os.path.join(ROOT, g[k]) for k in ("gt_json", "gt_dir", "pred_json", "pred_dir")]
    )
    assert set(rep) == {"All", "Things", "Stuff", "per_class"}
    if g["All"] is not None:
        _group_eq(rep["All"], g["All"])
    assert list(rep["per_class"]) == list(g["per_class"])
    for k, v in g["per_class"].items():
        for m in ("pq", "sq", "rq"):
            assert _close(rep["per_class"][k][m], v[m])


def test_default_folders(tmp_path):
    # panopticapi's defaults: the JSON file's path without ".json"
    g = load_json(GOLDEN[0])
    gt_json = tmp_path / "gt.json"
    pred_json = tmp_path / "pred.json"
    shutil.copy(os.path.join(ROOT, g["gt_json"]), gt_json)
    shutil.copy(os.path.join(ROOT, g["pred_json"]), pred_json)
    shutil.copytree(os.path.join(ROOT, g["gt_dir"]), tmp_path / "gt")
    shutil.copytree(os.path.join(ROOT, g["pred_dir"]), tmp_path / "pred")
    with quiet():
        res = cocokit.pq_compute(str(gt_json), str(pred_json))
    _group_eq(res["All"], g["All"])


def test_bad_input_raises(tmp_path):
    g = load_json(GOLDEN[0])
    gt_json, pred_json = os.path.join(ROOT, g["gt_json"]), os.path.join(ROOT, g["pred_json"])
    gt_dir, pred_dir = os.path.join(ROOT, g["gt_dir"]), os.path.join(ROOT, g["pred_dir"])
    with quiet(), pytest.raises(OSError):
        cocokit.pq_compute(gt_json, pred_json, gt_dir, str(tmp_path / "nowhere"))
    with pytest.raises(OSError):
        cocokit.eval_panoptic(str(tmp_path / "missing.json"), gt_dir, pred_json, pred_dir)
    # a prediction missing one ground-truth image
    d = load_json(pred_json)
    d["annotations"] = d["annotations"][1:]
    bad = tmp_path / "pred.json"
    bad.write_text(json.dumps(d))
    with quiet(), pytest.raises(cocokit.CocokitError):
        cocokit.pq_compute(gt_json, str(bad), gt_dir, pred_dir)
