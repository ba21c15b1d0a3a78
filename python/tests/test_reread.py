"""cocokit.COCO's native datasets keep what evaluation needs, not the file: ``dataset`` and the other dicts,
and mask evaluations, read the file again. These tests change files under live objects: a changed file
raises ``CocokitError`` naming it (never other data than the object was made from, never a crash), the
object stays usable for what it holds, and files read one after another (the reader reuses its buffer)
give each its own content, as pycocotools reads them."""

import os
import shutil

import pytest
from cocokit import COCO, CocokitError
from conftest import GT_FILES, TINY, VAL2014, VAL2014_BBOX, VAL2014_SEGM, load_json, quiet
from pycocotools.coco import COCO as PCOCO
from test_lazy import evaluate, native, same_eval


def copies(tmp_path, *paths):
    out = []
    for i, p in enumerate(paths):
        q = tmp_path / "{}-{}".format(i, os.path.basename(p))
        shutil.copyfile(p, q)
        out.append(str(q))
    return out


def rewrite(path, text):
    """Rewrite ``path`` in place (same inode) with ``text``, its modification time moved on."""
    st = os.stat(path)
    with open(path, "w") as f:
        f.write(text)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))


def read(path):
    with open(path) as f:
        return f.read()


def load(gt, res=None):
    with quiet():
        c = COCO(gt)
        d = c.loadRes(res) if res else None
    return c, d


@pytest.mark.parametrize("change", ["rewrite", "same size", "replace", "delete"])
def test_changed_ground_truth_raises_on_materializing(tmp_path, change):
    (gt,) = copies(tmp_path, VAL2014)
    c, _ = load(gt)
    assert native(c)
    ids = c.getAnnIds()
    text = read(gt)
    if change == "rewrite":
        rewrite(gt, text.replace('"iscrowd": 0', '"iscrowd": 1', 1) + "\n\n")
    elif change == "same size":
        rewrite(gt, text.replace('"iscrowd": 0', '"iscrowd": 1', 1))
    elif change == "replace":
        tmp = gt + ".new"
        with open(tmp, "w") as f:
            f.write(text)
        os.replace(tmp, gt)
    else:
        os.remove(gt)
    with pytest.raises(CocokitError, match="changed since it was loaded") as e:
        _ = c.anns
    assert os.path.basename(gt) in str(e.value)
    # nothing half-done: still native, its id queries answer as before, and it raises again
    assert native(c) and c.getAnnIds() == ids
    with pytest.raises(CocokitError, match="changed since it was loaded"):
        _ = c.dataset


def test_changed_results_raise_and_box_evaluation_still_runs(tmp_path):
    gt, res = copies(tmp_path, VAL2014, VAL2014_BBOX)
    with quiet():
        p = PCOCO(VAL2014)
        pd = p.loadRes(VAL2014_BBOX)
    c, d = load(gt, res)
    rewrite(res, "[]")
    # box evaluation needs nothing more of the files: the numbers of the results that were loaded
    b = evaluate(c, d, "bbox")
    assert b._selected is None
    same_eval(evaluate(p, pd, "bbox"), b)
    with pytest.raises(CocokitError, match="changed since it was loaded"):
        _ = d.anns
    assert native(d)
    # the ground truth itself is unchanged: its dicts are made (with the flags evaluation leaves on them)
    assert c.dataset == p.dataset


def test_mask_evaluation_of_a_changed_file_raises(tmp_path):
    gt, res = copies(tmp_path, VAL2014, VAL2014_SEGM)
    c, d = load(gt, res)
    rewrite(gt, read(gt) + " ")
    with pytest.raises(CocokitError, match="changed since it was loaded"):
        evaluate(c, d, "segm")


def test_file_changed_after_materializing_is_not_read(tmp_path):
    gt, res = copies(tmp_path, VAL2014, VAL2014_SEGM)
    with quiet():
        p = PCOCO(VAL2014)
        pd = p.loadRes(VAL2014_SEGM)
    c, d = load(gt, res)
    assert c.dataset == load_json(VAL2014) and len(d.anns) == len(pd.anns)
    os.remove(gt)
    os.remove(res)
    same_eval(evaluate(p, pd, "segm"), evaluate(c, d, "segm"))


def test_files_read_one_after_another():
    # a large file, its results, then smaller files, then a large one again: each object has its own
    # file's content (the reader reuses its buffer)
    c, d = load(VAL2014, VAL2014_BBOX)
    n = len(load_json(VAL2014_BBOX))
    assert [a["id"] for a in d.dataset["annotations"]] == list(range(1, n + 1))
    for path in [TINY, GT_FILES[-1], VAL2014]:
        c, _ = load(path)
        assert c.dataset == load_json(path), path


def test_unchanged_file_touched_again_still_raises(tmp_path):
    # only length, modification time and inode are compared: a new modification time is a change
    (gt,) = copies(tmp_path, TINY)
    c, _ = load(gt)
    st = os.stat(gt)
    os.utime(gt, ns=(st.st_atime_ns, st.st_mtime_ns + 2_000_000_000))
    with pytest.raises(CocokitError):
        _ = c.imgs
    os.utime(gt, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert c.imgs.keys() == {i["id"] for i in load_json(TINY)["images"]}
    assert not native(c)
