"""Sharded COCO evaluation driven by Spark's mapPartitions.

The ground truth's image ids are spread over the partitions of an RDD; each partition evaluates its shard
with ``cocokit.eval_coco(..., img_ids=shard, partial=path)`` and returns the checkpoint's bytes; the driver
writes them out and merges them with ``cocokit.eval_merge``. The stats equal those of one
``cocokit.eval_coco`` of all the results, bit for bit, whatever the number of partitions.

    python spark_eval.py GT.json RESULTS.json [--iou-type bbox|segm|keypoints|boundary] [--partitions 8]

Executors need the ``cocokit`` package, and the two files at the same path (a shared file system; or ship them
with ``spark-submit --files`` and open ``pyspark.SparkFiles.get(name)``). Checkpoints travel back as bytes, so
the executors need no shared directory for them.
"""

import argparse
import contextlib
import json
import os
import sys
import tempfile

import cocokit


def evaluate_partition(gt, dt, iou_type="bbox"):
    """The function mapPartitions calls: image ids in, at most one checkpoint (bytes) out."""

    def run(image_ids):
        ids = list(image_ids)
        if not ids:
            # An empty partition: eval_coco without img_ids would take every image of the results.
            return
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "shard.ckpt")
            cocokit.eval_coco(gt, dt, iou_type=iou_type, img_ids=ids, partial=path)
            with open(path, "rb") as f:
                data = f.read()
        yield data

    return run


def merge(checkpoints):
    """The stats of the partials' bytes, merged (``cocokit eval merge --json``)."""
    with tempfile.TemporaryDirectory() as d:
        paths = []
        for i, data in enumerate(checkpoints):
            path = os.path.join(d, f"{i}.ckpt")
            with open(path, "wb") as f:
                f.write(data)
            paths.append(path)
        return cocokit.eval_merge(paths)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("gt")
    ap.add_argument("dt")
    ap.add_argument("--iou-type", default="bbox")
    ap.add_argument("--partitions", type=int, default=8)
    args = ap.parse_args()

    from pyspark.sql import SparkSession

    spark = SparkSession.builder.appName("cocokit sharded evaluation").getOrCreate()
    with contextlib.redirect_stdout(sys.stderr):  # COCO() reports its loading as pycocotools does
        image_ids = cocokit.COCO(args.gt).getImgIds()
    checkpoints = (
        spark.sparkContext.parallelize(image_ids, args.partitions)
        .mapPartitions(evaluate_partition(args.gt, args.dt, args.iou_type))
        .collect()
    )
    print(json.dumps(merge(checkpoints)))
    spark.stop()


if __name__ == "__main__":
    main()
