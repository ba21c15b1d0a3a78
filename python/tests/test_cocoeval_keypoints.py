"""cocokit.COCOeval with iouType "keypoints" against pycocotools 2.0.11's COCOeval: the same printed output,
stats, precision / recall / scores, evalImgs and OKS matrices, on the keypoints fixture (real data) and on
the synthetic keypoint cases (fixtures/keypoints-synth), CrowdPose's 14 sigmas included."""

import copy
import math
import os
import subprocess
import sys

import numpy as np
import pytest
from cocokit import COCO, COCOeval
from conftest import FIX, load_json, quiet
from pycocotools.coco import COCO as PCOCO
from pycocotools.cocoeval import COCOeval as PEVAL
from test_cocoeval import compare as _compare

KP_GT = os.path.join(FIX, "keypoints", "gt_dataset.json")
KP_DT = os.path.join(FIX, "keypoints", "dt_dataset.json")
SYNTH = os.path.join(FIX, "keypoints-synth")
GOLDEN = os.path.join(FIX, "golden", "keypoints")
CROWDPOSE_SIGMAS = [
    0.079,
    0.079,
    0.072,
    0.072,
    0.062,
    0.062,
    0.107,
    0.107,
    0.087,
    0.087,
    0.089,
    0.089,
    0.079,
    0.079,
]


def _numpy_exp_is_libm():
    """Whether ``np.exp`` rounds as libm's ``exp`` (cocokit's) does: not where numpy dispatches its own SIMD
    exp (AVX-512), which differs from libm's in the last bit for a few percent of arguments."""
    x = -np.random.default_rng(0).uniform(0, 60, 20000)
    return np.array_equal(np.exp(x), np.array([math.exp(v) for v in x]))


# OKS matrices: bit-identical where numpy's exp is libm's; otherwise each exp may differ by one unit in the
# last place and their mean by a few (test_keypoints_exact_with_libm_exp then runs the exact comparison with
# numpy's AVX-512 exp switched off). Matching, precision, recall, scores and stats are compared exactly.
IOUS_ULP = 0 if _numpy_exp_is_libm() else 4


def compare(gt_path, res, iou_type, mutate=None, pyco_objects=False):
    return _compare(gt_path, res, iou_type, mutate, pyco_objects, ious_ulp=IOUS_ULP)


def _synth(case):
    return os.path.join(SYNTH, case, "gt.json"), os.path.join(SYNTH, case, "results.json")


def test_keypoints_fixture_defaults():
    a, b = compare(KP_GT, KP_DT, "keypoints")
    assert b.stats.shape == (10,)
    assert b.params.maxDets == [20] and b.params.areaRngLbl == ["all", "medium", "large"]
    assert a.eval["precision"].shape[3:] == (3, 1)


def _maxdets(p):
    p.maxDets = [5, 20]


def _nocats(p):
    p.useCats = 0


def _imgs(p):
    p.imgIds = p.imgIds[::2]


def _no_20(p):
    # _summarizeKps reads maxDets 20: -1 stats when it is not evaluated
    p.maxDets = [10]


def _thrs(p):
    p.iouThrs = np.array([0.3, 0.5, 0.9])


@pytest.mark.parametrize("mutate", [_maxdets, _nocats, _imgs, _no_20, _thrs])
def test_keypoints_fixture_params(mutate):
    compare(KP_GT, KP_DT, "keypoints", mutate)


def test_keypoints_fixture_pycocotools_objects():
    compare(KP_GT, KP_DT, "keypoints", pyco_objects=True)


@pytest.mark.parametrize("case", ["jitter", "zero_visible", "crowd", "empty_images", "boxes", "sizes"])
def test_keypoints_synthetic(case):
    gt, res = _synth(case)
    compare(gt, load_json(res), "keypoints")


def _crowdpose(p):
    p.kpt_oks_sigmas = np.array(CROWDPOSE_SIGMAS)


def test_keypoints_crowdpose14_sigmas():
    gt, res = _synth("crowdpose14")
    a, b = compare(gt, load_json(res), "keypoints", _crowdpose)
    # and the committed golden output of scripts/golden_keypoints.py
    golden = load_json(os.path.join(GOLDEN, "crowdpose14.json"))["evals"][0]
    assert golden["params"]["kpt_oks_sigmas"] == CROWDPOSE_SIGMAS
    assert b.stats.tolist() == golden["stats"]
    assert list(b.eval["counts"]) == golden["counts"]


def test_keypoints_17_default_sigmas_on_14_keypoints_fail():
    # the sigmas reach the engine: 17 default sigmas on 14 keypoints fail in both (numpy broadcasting
    # in pycocotools, the engine's count check in cocokit)
    gt, res = _synth("crowdpose14")

    def attempt(Coco, Eval):
        with quiet():
            g = Coco(gt)
            e = Eval(g, g.loadRes(load_json(res)), "keypoints")
            try:
                e.evaluate()
            except Exception as exc:  # noqa: BLE001
                return exc
        return None

    assert attempt(PCOCO, PEVAL) is not None
    assert attempt(COCO, COCOeval) is not None


def test_keypoints_ground_truth_without_num_keypoints_raises_key_error():
    data = load_json(KP_GT)

    def attempt(Coco, Eval):
        d = copy.deepcopy(data)
        del d["annotations"][0]["num_keypoints"]
        with quiet():
            g = Coco()
            g.dataset = d
            g.createIndex()
            e = Eval(g, g.loadRes(load_json(KP_DT)), "keypoints")
            with pytest.raises(KeyError):
                e.evaluate()

    attempt(PCOCO, PEVAL)
    attempt(COCO, COCOeval)


# numpy's AVX-512 dispatch switched off (the names numpy 2.x knows): np.exp is then libm's exp
_NO_AVX512 = "X86_V4 AVX512_ICL AVX512_SPR"


def test_keypoints_exact_with_libm_exp():
    """With numpy's exp being libm's, the OKS matrices are bit-identical too."""
    if IOUS_ULP == 0:
        pytest.skip("numpy's exp is libm's here: the other tests compare OKS matrices exactly")
    env = dict(os.environ, NPY_DISABLE_CPU_FEATURES=_NO_AVX512)
    code = (
        "import sys\n"
        "import test_cocoeval_keypoints as t\n"
        "if t.IOUS_ULP: sys.exit(3)\n"
        "t.test_keypoints_fixture_defaults()\n"
        "t.test_keypoints_synthetic('jitter')\n"
        "t.test_keypoints_synthetic('zero_visible')\n"
        "t.test_keypoints_crowdpose14_sigmas()\n"
    )
    r = subprocess.run(
        [sys.executable, "-c", code],
        cwd=os.path.dirname(os.path.abspath(__file__)),
        env=env,
        capture_output=True,
        text=True,
    )
    if r.returncode == 3 or "NPY_DISABLE_CPU_FEATURES" in r.stderr and r.returncode != 0:
        pytest.skip("numpy's AVX-512 exp cannot be switched off here")
    assert r.returncode == 0, r.stderr[-3000:]
