"""The functional API: what the ``cocokit`` command prints with ``--json``, as Python dicts."""

import os

from . import _native

__all__ = ["stats", "validate"]


def stats(path):
    """``cocokit stats --json PATH``: images, annotations, categories, crowd count, segmentation kinds,
    area buckets, annotations per image and per-category counts (docs/STATS.md)."""
    return _native.stats(os.fspath(path))


def validate(path):
    """``cocokit validate --json PATH``: every problem of the file (``findings``, each with its severity,
    kind, record and byte offset) and the ``errors`` / ``warnings`` counts. An invalid file is reported,
    not raised; a file that cannot be read raises ``OSError``."""
    return _native.validate(os.fspath(path))
