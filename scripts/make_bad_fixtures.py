#!/usr/bin/env python3
"""Write fixtures/bad/*: one small file per way a COCO file can be broken. Deterministic; run from the repo root.

Each file's expected error is asserted in tests/bad_input.rs.
"""
import os

out = os.path.join("fixtures", "bad")
os.makedirs(out, exist_ok=True)
good = open(os.path.join("fixtures", "cocoapi-val2014-100", "instances_val2014_100.json"), "rb").read()

files = {
    # JSON-level problems: every command refuses them.
    "empty.json": b"",
    "whitespace_only.json": b"  \n\t ",
    "truncated_mid_number.json": good[:2000],
    "truncated_mid_string.json": good[: good.index(b'"file_name"') + 8],
    "truncated_after_key.json": b'{"images": [], "annotations":',
    "truncated_in_object.json": b'{"images": [{"id": 1, "width": 3',
    "bare_nan.json": b'{"images": [], "annotations": [{"id": 1, "image_id": 1, "area": NaN}]}',
    "bare_infinity.json": b'{"annotations": [{"id": 1, "image_id": 1, "bbox": [0, 0, Infinity, 1]}]}',
    "invalid_utf8.json": b'{"images": [{"id": 1, "file_name": "a\xff\xfe.jpg"}]}',
    "utf8_bom.json": b"\xef\xbb\xbf" + good[:100] + b"",
    "trailing_comma.json": b'{"images": [{"id": 1},], "annotations": []}',
    "single_quotes.json": b"{'images': []}",
    "unescaped_control.json": b'{"info": "tab\there"}',
    "garbage_after.json": b'{"images": []} {"images": []}x',
    "deep_unclosed.json": b'{"info": ' + b"[" * 100_000,
    # 200 KB nested 100 000 deep, closed: beyond jq's 10 000 levels (pretty must stop, not print GBs of indentation).
    "too_deep.json": b'{"info": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
    "bad_escape.json": b'{"info": "\\x41"}',
    "leading_zero.json": b'{"images": [{"id": 01}]}',
    # COCO-level problems: valid JSON, so `pretty` prints them, but the COCO commands refuse them.
    "string_for_number.json": b'{"images": [], "annotations": [{"id": 7, "image_id": "12", "category_id": 1}], "categories": []}',
    "top_level_number.json": b"42\n",
    "top_level_string.json": b'"instances"\n',
    "images_not_array.json": b'{"images": {"id": 1}, "annotations": [], "categories": []}',
    "annotation_not_object.json": b'{"images": [], "annotations": [[1, 2]], "categories": []}',
    "missing_image_id.json": b'{"images": [], "annotations": [{"id": 3, "category_id": 1}], "categories": []}',
    "bbox_three_numbers.json": b'{"images": [], "annotations": [{"id": 4, "image_id": 1, "bbox": [1, 2, 3]}], "categories": []}',
    "rle_without_size.json": b'{"images": [], "annotations": [{"id": 5, "image_id": 1, "segmentation": {"counts": [1, 2]}}], "categories": []}',
    "rle_negative_count.json": b'{"images": [], "annotations": [{"id": 6, "image_id": 1, "segmentation": {"size": [2, 2], "counts": [-1, 5]}}], "categories": []}',
    "id_overflow.json": b'{"images": [{"id": 99999999999999999999999}], "annotations": [], "categories": []}',
    "count_overflow.json": b'{"images": [], "annotations": [{"id": 8, "image_id": 1, "segmentation": {"size": [2, 2], "counts": [4294967296]}}], "categories": []}',
    "number_out_of_range.json": b'{"images": [], "annotations": [{"id": 9, "image_id": 1, "area": 1e999}], "categories": []}',
    "duplicate_section.json": b'{"images": [], "images": [], "annotations": []}',
    "category_without_id.json": b'{"images": [], "annotations": [], "categories": [{"name": "x"}]}',
    "image_negative_size.json": b'{"images": [{"id": 1, "width": -640, "height": 480}], "annotations": [], "categories": []}',
    # JSON that is not COCO at all: named by its top-level keys, never read as an empty dataset.
    "not_coco.json": b'{"foo": [1, 2, 3]}',
    # A wrong type before the record's id: the id is still named.
    "category_id_string.json": b'{"images": [], "annotations": [{"category_id": "1", "image_id": 1, "id": 12}], "categories": []}',
    # Keys pycocotools indexes by, missing (validate reports them; the other commands do not need them).
    "missing_required_keys.json": b'{"images": [{"id": 1, "height": 4}], "annotations": [{"image_id": 1, "category_id": 1}, {"id": 5, "image_id": 1}], "categories": [{"id": 1}]}',
}
for name, data in files.items():
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)
# A valid document as deep as jq allows (10 000 levels, the object included): read without recursion.
with open(os.path.join(out, "..", "json", "deep_valid.json"), "wb") as f:
    f.write(b'{"info": ' + b"[" * 9_999 + b"]" * 9_999 + b', "images": [], "annotations": [], "categories": []}')
print(len(files), "files")
