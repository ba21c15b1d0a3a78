"""cocokit.eval_miou, eval_lvis and eval_panoptic: the numbers of the references' goldens
(fixtures/golden/miou from scripts/golden_miou.py), the CLI's --json output for the same arguments when the
binary is at hand (COCOKIT_BIN, set by scripts/test-python.sh), and bad input raising."""

import json
import math
import os
import subprocess

import cocokit
import pytest
from conftest import FIX, ROOT, load_json

MIOU = os.path.join(FIX, "golden", "miou")
TOL = 1e-12


def _close(got, want):
    if want is None:
        return got is None or (isinstance(got, float) and math.isnan(got))
    return got == want or abs(got - want) <= TOL


def _cli_json(*args):
    exe = os.environ.get("COCOKIT_BIN")
    if not exe or not os.path.exists(exe):
        pytest.skip("no cocokit binary (COCOKIT_BIN)")
    out = subprocess.run([exe, *args, "--json"], check=True, capture_output=True)
    return json.loads(out.stdout)


CONVENTIONS = ["mmseg", "ade20k", "detectron2"]


@pytest.mark.parametrize("case", ["synth_basic", "synth_d2", "synth_wide16", "synth_perfect"])
@pytest.mark.parametrize("convention", CONVENTIONS)
def test_eval_miou_png_dirs_matches_golden(case, convention):
    g = load_json(os.path.join(MIOU, case + ".json"))
    want = g["conventions"][convention]
    rep = cocokit.eval_miou(
        os.path.join(MIOU, case, "gt"),
        os.path.join(MIOU, case, "pred"),
        num_classes=g["num_classes"],
        ignore_index=g["ignore_index"],
        reduce_zero_label=g["reduce_zero_label"],
        convention=convention,
    )
    for key in ("miou", "macc", "aacc", "fwiou"):
        assert _close(rep[key], want[key]), (key, rep[key], want[key])
    assert rep["images"] == g["images"]


@pytest.mark.parametrize("convention", CONVENTIONS)
def test_eval_miou_coco_matches_golden(convention):
    g = load_json(os.path.join(MIOU, "coco_val2014_class.json"))
    want = g["conventions"][convention]
    rep = cocokit.eval_miou(
        os.path.join(ROOT, g["gt"]), os.path.join(ROOT, g["results"]), convention=convention
    )
    for key in ("miou", "aacc", "fwiou"):
        assert _close(rep[key], want[key]), (key, rep[key], want[key])


def test_eval_miou_equals_cli():
    g = load_json(os.path.join(MIOU, "synth_basic.json"))
    gt, pred = os.path.join(MIOU, "synth_basic", "gt"), os.path.join(MIOU, "synth_basic", "pred")
    rep = cocokit.eval_miou(
        gt, pred, num_classes=g["num_classes"], convention="ade20k", absent_as="nan", mean_over="gt-present"
    )
    cli = _cli_json(
        "eval",
        "miou",
        "--gt",
        gt,
        "--pred",
        pred,
        "--num-classes",
        str(g["num_classes"]),
        "--convention",
        "ade20k",
        "--absent-as",
        "nan",
        "--mean-over",
        "gt-present",
        "-q",
    )
    assert json.dumps(rep, sort_keys=True) == json.dumps(cli, sort_keys=True)


def test_eval_lvis_equals_cli():
    g = load_json(os.path.join(FIX, "golden", "lvis", "small.json"))
    gt, dt = os.path.join(ROOT, g["gt"]), os.path.join(ROOT, g["results"])
    for iou_type, max_dets in [("bbox", 300), ("segm", 300), ("bbox", 3)]:
        rep = cocokit.eval_lvis(gt, dt, iou_type=iou_type, max_dets=max_dets)
        cli = _cli_json(
            "eval", "lvis", "--gt", gt, "--dt", dt, "--iou-type", iou_type, "--max-dets", str(max_dets)
        )
        assert rep == cli


def test_eval_panoptic_equals_cli():
    g = load_json(os.path.join(FIX, "golden", "panoptic", "sample_1.json"))
    args = [os.path.join(ROOT, g[k]) for k in ("gt_json", "gt_dir", "pred_json", "pred_dir")]
    rep = cocokit.eval_panoptic(*args)
    cli = _cli_json(
        "eval",
        "panoptic",
        "--gt-json",
        args[0],
        "--gt-dir",
        args[1],
        "--pred-json",
        args[2],
        "--pred-dir",
        args[3],
    )
    assert rep == cli


def test_bad_input_raises(tmp_path):
    gt, pred = os.path.join(MIOU, "synth_basic", "gt"), os.path.join(MIOU, "synth_basic", "pred")
    with pytest.raises(cocokit.CocokitError, match="num-classes"):
        cocokit.eval_miou(gt, pred)
    with pytest.raises(cocokit.CocokitError, match="convention"):
        cocokit.eval_miou(gt, pred, num_classes=4, convention="nope")
    with pytest.raises(cocokit.CocokitError):
        cocokit.eval_miou(gt, pred, num_classes=4, absent_as="maybe")
    with pytest.raises(FileNotFoundError):
        cocokit.eval_miou(str(tmp_path / "none"), pred, num_classes=4)
    g = load_json(os.path.join(MIOU, "coco_val2014_class.json"))
    with pytest.raises(cocokit.CocokitError, match="score-thr"):
        cocokit.eval_miou(os.path.join(ROOT, g["gt"]), os.path.join(ROOT, g["results"]), score_thr=2.0)
    with pytest.raises(ValueError):
        cocokit.eval_lvis(os.path.join(ROOT, g["gt"]), os.path.join(ROOT, g["results"]), iou_type="keypoints")
