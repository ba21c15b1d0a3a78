"""COCOeval.evaluate() sets params.imgIds/catIds to list(np.unique(...)) as pycocotools does; cocokit's
shortcut for plain int lists must give the very same values and types."""

import subprocess
import sys

import numpy as np
import pytest
from cocokit.cocoeval import _unique

CASES = [
    [3, 1, 2, 3, 1],
    [7],
    list(range(5000, 0, -1)) + [17, 17],
    [-(2**63), 2**63 - 1, 0, -1],
    [2**64, 1],  # too large for int64: np.unique's object array
    [],
    [1.0, 2.0, 1.0],
    [np.int64(4), np.int64(2)],
    ["b", "a", "b"],
    (5, 4, 5),
]


@pytest.mark.parametrize("ids", CASES, ids=[str(i)[:30] for i in range(len(CASES))])
def test_unique_equals_numpy(ids):
    got, want = _unique(ids), list(np.unique(ids))
    assert [type(v) for v in got] == [type(v) for v in want]
    assert got == want


def test_evaluate_does_not_import_numpy_ma(tmp_path):
    # In a fresh interpreter, evaluate() leaves numpy.ma unimported (np.unique would import it).
    code = (
        "import sys, io, contextlib, numpy as np\n"
        "from cocokit import COCO, COCOeval\n"
        "gt = COCO(); gt.dataset = {'images': [{'id': 2, 'width': 9, 'height': 9}, {'id': 1, 'width': 9,"
        " 'height': 9}], 'annotations': [{'id': 1, 'image_id': 1, 'category_id': 1, 'bbox': [1, 1, 3, 3],"
        " 'area': 9, 'iscrowd': 0}], 'categories': [{'id': 1, 'name': 'a'}]}\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    gt.createIndex(); dt = gt.loadRes([{'image_id': 1, 'category_id': 1, 'bbox': [1, 1, 3, 3],"
        " 'score': 0.9}])\n"
        "    E = COCOeval(gt, dt, 'bbox'); E.evaluate()\n"
        "assert [type(i) for i in E.params.imgIds] == [np.int64, np.int64], E.params.imgIds\n"
        "assert E.params.imgIds == [1, 2]\n"
        "print('numpy.ma' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
