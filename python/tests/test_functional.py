"""cocokit.stats / cocokit.validate: the CLI's --json reports as dicts, checked against the goldens that
scripts/golden_stats_filter.py computed with pycocotools' indexes."""

import os

import cocokit
import pytest
from conftest import FIX, load_json

GOLDEN = os.path.join(FIX, "golden", "stats")


@pytest.mark.parametrize("name", sorted(os.listdir(GOLDEN)))
def test_stats_match_golden(name):
    g = load_json(os.path.join(GOLDEN, name))
    got = cocokit.stats(os.path.join(FIX, g["file"]))
    want = g["stats"]
    for key in [
        "images",
        "annotations",
        "categories",
        "crowd",
        "segmentation",
        "area",
        "images_without_annotations",
    ]:
        assert got[key] == want[key], key
    for key in ["min", "max", "median"]:
        assert float(got["annotations_per_image"][key]) == float(want["annotations_per_image"][key])
    strip = lambda cs: [(c["id"], c["name"], c["annotations"], c["images"]) for c in cs]  # noqa: E731
    assert strip(got["per_category"]) == strip(want["per_category"])


def test_validate_reports():
    good = cocokit.validate(os.path.join(FIX, "cocoapi-val2014-100", "instances_val2014_100.json"))
    assert good["errors"] == 0
    bad_dir = os.path.join(FIX, "bad")
    reports = [
        cocokit.validate(os.path.join(bad_dir, f)) for f in sorted(os.listdir(bad_dir)) if f.endswith(".json")
    ]
    assert any(r["errors"] > 0 for r in reports)


def test_missing_file_raises_oserror(tmp_path):
    with pytest.raises(FileNotFoundError):
        cocokit.stats(tmp_path / "nope.json")
    with pytest.raises(FileNotFoundError):
        cocokit.validate(str(tmp_path / "nope.json"))
    bad = tmp_path / "bad.json"
    bad.write_text('{"images": [')
    with pytest.raises(ValueError):
        cocokit.stats(bad)
