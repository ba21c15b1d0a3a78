"""`cocokit export --to parquet` read by DuckDB: its counts and sums equal `cocokit stats --json`.

Runs the built `cocokit` binary: $COCOKIT_BIN (scripts/test-python.sh sets it), else target/release or
target/debug of this checkout. The DuckDB queries are the ones docs/SCALE.md shows.
"""

import json
import math

import pytest
from conftest import LVIS, TINY, VAL2014, run_cocokit

duckdb = pytest.importorskip("duckdb")


@pytest.fixture(scope="module", params=[VAL2014, TINY, LVIS], ids=["val2014", "tiny", "lvis"])
def exported(request, tmp_path_factory):
    out = tmp_path_factory.mktemp("parquet")
    run_cocokit("export", "--to", "parquet", request.param, "-o", str(out), "-q")
    stats = json.loads(run_cocokit("stats", request.param, "--json", "-q"))
    with open(request.param) as f:
        raw = json.load(f)
    return str(out), stats, raw


def one(sql):
    """The one row a query gives."""
    (row,) = duckdb.sql(sql).fetchall()
    return row


def test_counts_equal_stats(exported):
    d, stats, _ = exported
    for f in ("images", "annotations", "categories"):
        assert one(f"SELECT count(*) FROM '{d}/{f}.parquet'") == (stats[f],)
    assert one(f"SELECT count(*) FROM '{d}/annotations.parquet' WHERE iscrowd = 1") == (stats["crowd"],)


def test_annotations_per_category_equal_stats(exported):
    d, stats, _ = exported
    rows = duckdb.sql(
        f"""SELECT c.id, c.name, count(a.id) AS annotations, count(DISTINCT a.image_id) AS images
            FROM '{d}/categories.parquet' c LEFT JOIN '{d}/annotations.parquet' a ON a.category_id = c.id
            GROUP BY c.id, c.name ORDER BY c.id"""
    ).fetchall()
    want = sorted((c["id"], c["name"], c["annotations"], c["images"]) for c in stats["per_category"])
    assert rows == want


def test_area_buckets_and_kinds_equal_stats(exported):
    d, stats, _ = exported
    small, medium, large, unknown = one(
        f"""SELECT count(*) FILTER (WHERE area < 1024),
                   count(*) FILTER (WHERE area >= 1024 AND area < 9216),
                   count(*) FILTER (WHERE area >= 9216),
                   count(*) FILTER (WHERE area IS NULL)
            FROM '{d}/annotations.parquet'"""
    )
    assert {"small": small, "medium": medium, "large": large, "unknown": unknown} == stats["area"]
    kinds = dict(
        duckdb.sql(f"SELECT segmentation_kind, count(*) FROM '{d}/annotations.parquet' GROUP BY 1").fetchall()
    )
    seg = stats["segmentation"]
    assert kinds.get("rle", 0) == seg["compressed_rle"]
    assert kinds.get("counts-list", 0) == seg["rle"]
    assert kinds.get("polygon", 0) == seg["polygon"] + seg["empty"]
    assert kinds.get("none", 0) == seg["none"]


def test_total_area_and_boxes_equal_the_json(exported):
    d, _, raw = exported
    total, x_sum, polygon_points = one(
        f"""SELECT sum(area), sum(bbox[1]), sum(len(flatten(polygons)))
            FROM '{d}/annotations.parquet'"""
    )
    anns = raw["annotations"]
    assert math.isclose(total, math.fsum(a["area"] for a in anns), rel_tol=1e-12)
    assert math.isclose(x_sum, math.fsum(a["bbox"][0] for a in anns), rel_tol=1e-12)
    want_points = sum(len(p) for a in anns if isinstance(a["segmentation"], list) for p in a["segmentation"])
    assert polygon_points == want_points


def test_extra_keys_are_queryable_json(exported):
    d, _, raw = exported
    img = raw["images"][0]
    other = [k for k in img if k not in ("id", "file_name", "width", "height")]
    if not other:
        pytest.skip("images have no other keys")
    k = other[0]
    (got,) = one(f"SELECT json_extract(extra, '$.{k}') FROM '{d}/images.parquet' WHERE id = {img['id']}")
    assert json.loads(got) == img[k]
