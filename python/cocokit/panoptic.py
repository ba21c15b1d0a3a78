"""Drop-in for panopticapi's ``pq_compute`` (``panopticapi.evaluation``) on cocokit's engine.

Change one import::

    from cocokit import pq_compute

``pq_compute(gt_json_file, pred_json_file, gt_folder=None, pred_folder=None)`` returns panopticapi's dict
(``All``, ``per_class`` keyed by the integer category id, ``Things``, ``Stuff``, in that order) with its
numbers (``cocokit::eval::panoptic`` reproduces its rules), and prints what panopticapi prints except the
lines of its multiprocessing split (``Number of cores ...``, ``Core: ...``): cocokit adds the images in
order on its own threads. Where panopticapi divides by zero (a group with no category to average, e.g.
``Things`` of a dataset without thing categories) the group is ``{"pq": 0.0, "sq": 0.0, "rq": 0.0,
"n": 0}``. Bad input raises :class:`~cocokit.CocokitError` (a ``ValueError``) or ``OSError``.
"""

import os
import time

from . import _native

__all__ = ["pq_compute"]


def pq_compute(gt_json_file, pred_json_file, gt_folder=None, pred_folder=None):
    """Panoptic quality of ``pred_json_file`` (and its segment PNGs in ``pred_folder``) against
    ``gt_json_file`` (PNGs in ``gt_folder``); a folder defaults to its JSON file's path without ``.json``."""
    start_time = time.time()
    gt_json_file, pred_json_file = os.fspath(gt_json_file), os.fspath(pred_json_file)
    if gt_folder is None:
        gt_folder = gt_json_file.replace(".json", "")
    if pred_folder is None:
        pred_folder = pred_json_file.replace(".json", "")
    gt_folder, pred_folder = os.fspath(gt_folder), os.fspath(pred_folder)
    print("Evaluation panoptic segmentation metrics:")
    print("Ground truth:")
    print("\tSegmentation folder: {}".format(gt_folder))
    print("\tJSON file: {}".format(gt_json_file))
    print("Prediction:")
    print("\tSegmentation folder: {}".format(pred_folder))
    print("\tJSON file: {}".format(pred_json_file))
    report, table = _native.eval_panoptic(gt_json_file, gt_folder, pred_json_file, pred_folder)
    print(table, end="")
    print("Time elapsed: {:0.2f} seconds".format(time.time() - start_time))
    return {
        "All": report["All"],
        "per_class": {int(k): v for k, v in report["per_class"].items()},
        "Things": report["Things"],
        "Stuff": report["Stuff"],
    }
