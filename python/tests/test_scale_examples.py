"""The examples of docs/SCALE.md, run: Spark's mapPartitions evaluation (docs/examples/spark_eval.py), the
Polars block and the PySpark block reading a Parquet export.

The partition function of spark_eval.py always runs here on plain Python iterators (what Spark calls it with),
and its merged stats must equal one cocokit.eval_coco. Polars' block runs when polars is importable
(scripts/test-python.sh installs it); spark_eval.py under a local Spark and the PySpark block run when pyspark
is importable and Java is on PATH (not installed by scripts/test-python.sh: docs/SCALE.md says why).
"""

import importlib.util
import json
import os
import random
import shutil
import subprocess
import sys

import cocokit
import pytest
from conftest import LVIS, ROOT, TINY, VAL2014, VAL2014_BBOX, VAL2014_SEGM, load_json, run_cocokit

SCALE_MD = os.path.join(ROOT, "docs", "SCALE.md")
SPARK_EVAL = os.path.join(ROOT, "docs", "examples", "spark_eval.py")


def _module(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


spark_eval = _module(SPARK_EVAL, "spark_eval")


def blocks(heading, lang="python"):
    """The fenced code blocks of docs/SCALE.md between `heading` and the next heading of its level or
    above."""
    with open(SCALE_MD) as f:
        lines = f.read().split("\n")
    level = len(heading) - len(heading.lstrip("#"))
    start = lines.index(heading) + 1
    out, cur = [], None
    for line in lines[start:]:
        if cur is None and line.startswith("#") and len(line) - len(line.lstrip("#")) <= level:
            break
        if cur is None and line == "```" + lang:
            cur = []
        elif cur is not None and line == "```":
            out.append("\n".join(cur) + "\n")
            cur = None
        elif cur is not None:
            cur.append(line)
    assert out, f"no {lang} block under {heading!r}"
    return out


def run_block(code, export_dir):
    """Run a block of docs/SCALE.md on an export; its variables."""
    assert 'd = "train2017_parquet"\n' in code
    scope = {}
    exec(compile(code.replace('d = "train2017_parquet"', f"d = {export_dir!r}"), SCALE_MD, "exec"), scope)
    return scope


def test_scale_md_shows_spark_eval_as_it_is():
    with open(SPARK_EVAL) as f:
        text = f.read()
    for b in blocks("### With Spark's `mapPartitions`"):
        assert b in text, f"docs/SCALE.md shows code that docs/examples/spark_eval.py does not hold:\n{b}"


def spark_slices(ids, k):
    """The partitions SparkContext.parallelize(ids, k) makes of a list: contiguous slices."""
    n = len(ids)
    return [ids[i * n // k : (i + 1) * n // k] for i in range(k)]


@pytest.mark.parametrize("k", [1, 2, 7, 150])
@pytest.mark.parametrize("iou_type,dt", [("bbox", VAL2014_BBOX), ("segm", VAL2014_SEGM)])
def test_partition_function_merges_to_one_shot(k, iou_type, dt):
    one = cocokit.eval_coco(VAL2014, dt, iou_type=iou_type)
    ids = [im["id"] for im in load_json(VAL2014)["images"]]
    random.Random(k).shuffle(ids)
    run = spark_eval.evaluate_partition(VAL2014, dt, iou_type)
    parts = spark_slices(ids, k)
    if k > len(ids):
        assert any(not p for p in parts), "no empty partition"
    checkpoints = [c for p in parts for c in run(iter(p))]
    assert len(checkpoints) == sum(1 for p in parts if p)
    assert json.dumps(spark_eval.merge(checkpoints)) == json.dumps(one)


@pytest.fixture(scope="module", params=[VAL2014, TINY, LVIS], ids=["val2014", "tiny", "lvis"])
def exported(request, tmp_path_factory):
    out = tmp_path_factory.mktemp("parquet")
    run_cocokit("export", "--to", "parquet", request.param, "-o", str(out), "-q")
    stats = json.loads(run_cocokit("stats", request.param, "--json", "-q"))
    return str(out), stats, load_json(request.param)


def per_category(stats):
    return sorted(
        (c["id"], c["name"], c["annotations"], c["images"]) for c in stats["per_category"] if c["annotations"]
    )


def test_polars_block(exported):
    pytest.importorskip("polars")
    d, stats, raw = exported
    (code,) = blocks("## Polars")
    v = run_block(code, d)
    rows = v["per_cat"].iter_rows(named=True)
    got = [(r["category_id"], r["name"], r["annotations"], r["images"]) for r in rows]
    assert got == per_category(stats)
    small = [a["id"] for a in raw["annotations"] if a["bbox"][2] * a["bbox"][3] < 32 * 32]
    assert sorted(v["small_boxes"]["id"].to_list()) == sorted(small)
    assert v["urls"].to_series().to_list() == [im.get("coco_url") for im in raw["images"]]


def _spark_ready():
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return False
    return shutil.which("java") is not None


needs_spark = pytest.mark.skipif(not _spark_ready(), reason="pyspark not importable or no java on PATH")


@needs_spark
def test_pyspark_block(exported, monkeypatch):
    monkeypatch.setenv("PYSPARK_PYTHON", sys.executable)
    d, stats, raw = exported
    (code,) = blocks("## PySpark")
    v = run_block(code, d)
    got = [(r["id"], r["name"], r["annotations"], r["images"]) for r in v["per_cat"].collect()]
    assert got == per_category(stats)
    (totals,) = v["totals"].collect()
    assert totals["area"] == pytest.approx(sum(a["area"] for a in raw["annotations"]), rel=1e-12)
    assert totals["box_area"] == pytest.approx(
        sum(a["bbox"][2] * a["bbox"][3] for a in raw["annotations"]), rel=1e-12
    )
    assert [r[0] for r in v["urls"].collect()] == [im.get("coco_url") for im in raw["images"]]


@needs_spark
@pytest.mark.parametrize("iou_type,dt,partitions", [("bbox", VAL2014_BBOX, 3), ("segm", VAL2014_SEGM, 8)])
def test_spark_eval_runs_under_spark(iou_type, dt, partitions):
    env = dict(os.environ, PYSPARK_PYTHON=sys.executable, PYSPARK_DRIVER_PYTHON=sys.executable)
    out = subprocess.run(
        [sys.executable, SPARK_EVAL, VAL2014, dt, "--iou-type", iou_type, "--partitions", str(partitions)],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    ).stdout
    assert json.dumps(json.loads(out)) == json.dumps(cocokit.eval_coco(VAL2014, dt, iou_type=iou_type))
