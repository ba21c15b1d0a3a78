"""cocokit.filter, convert and rasterize: each call writes the very bytes the ``cocokit`` command writes for
the same arguments and returns what the command's ``--json`` prints; bad options and bad input raise the
command's message (as :class:`cocokit.CocokitError`) or the matching ``OSError``, and write nothing."""

import json
import os
import subprocess
import sys

import cocokit
import pytest
from conftest import FIX, TINY, VAL2014, VAL2014_BBOX, VAL2014_SEGM, cocokit_bin

SA1B = os.path.join(FIX, "sa1b-like")
STUFF = os.path.join(FIX, "format-variants", "stuff_val.json")
PANOPTIC = os.path.join(FIX, "format-variants", "panoptic_val.json")
BAD = os.path.join(FIX, "bad")


def cli(*args):
    """The command's ``--json`` line, parsed (the command must succeed)."""
    out = subprocess.run([cocokit_bin(), *args, "-q", "--json"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def cli_error(*args):
    """The command's error message (without the ``cocokit: error:`` prefix); it must fail."""
    out = subprocess.run([cocokit_bin(), *args, "-q"], capture_output=True, text=True)
    assert out.returncode == 1, (out.returncode, out.stderr)
    return out.stderr.strip().removeprefix("cocokit: error: ")


def read(path):
    with open(path, "rb") as f:
        return f.read()


def tree(d):
    """Every file under ``d``: relative path -> bytes."""
    out = {}
    for root, _, files in os.walk(d):
        for f in files:
            p = os.path.join(root, f)
            out[os.path.relpath(p, d)] = read(p)
    return out


# (python kwargs, the command's flags) on (inputs); each run both ways into separate files.
FILTER_CASES = [
    ([TINY], {"cats": ["person"]}, ["--cats", "person"]),
    ([TINY], {"cats": "dog,cat,18"}, ["--cats", "dog,cat,18"]),
    (
        [VAL2014],
        {"supercats": ["animal"], "keep_all_images": True},
        ["--supercats", "animal", "--keep-all-images"],
    ),
    ([VAL2014], {"area_rng": (0, 1024), "iscrowd": 0}, ["--area-rng", "0,1024", "--iscrowd", "0"]),
    (
        [VAL2014],
        {"cats": [1, "dog"], "img_ids": [139, 285, 724]},
        ["--cats", "1,dog", "--img-ids", "139,285,724"],
    ),
    ([VAL2014_BBOX], {"cats": [1, 18], "score_thr": 0.5}, ["--cats", "1,18", "--score-thr", "0.5"]),
    (
        [VAL2014_BBOX],
        {"gt": VAL2014, "cats": ["person"], "img_ids": [139, 285]},
        ["--gt", VAL2014, "--cats", "person", "--img-ids", "139,285"],
    ),
    (
        [SA1B],
        {"img_ids": [10764, 20992], "keep_all_images": True},
        ["--img-ids", "10764,20992", "--keep-all-images"],
    ),
    (
        [os.path.join(SA1B, "sa_1*.json"), os.path.join(SA1B, "sa_2*.json")],
        {"area_rng": (0, 1e12), "keep_all_images": True},
        ["--area-rng", "0,1e12", "--keep-all-images"],
    ),
]


@pytest.mark.parametrize("inputs,kwargs,flags", FILTER_CASES)
def test_filter_writes_what_the_command_writes(tmp_path, inputs, kwargs, flags):
    mine, theirs = str(tmp_path / "py.json"), str(tmp_path / "cli.json")
    rep = cocokit.filter(inputs[0] if len(inputs) == 1 else inputs, mine, **kwargs)
    want = cli("filter", *inputs, *flags, "-o", theirs)
    assert read(mine) == read(theirs)
    want["output"] = mine
    assert rep == want
    assert rep["annotations"] + rep["images"] > 0


def test_filter_file_names_list(tmp_path):
    names = tmp_path / "keep.txt"
    names.write_text("COCO_val2014_000000000139.jpg\n\n  COCO_val2014_000000000285.jpg  \n")
    mine, theirs = str(tmp_path / "py.json"), str(tmp_path / "cli.json")
    rep = cocokit.filter(VAL2014, mine, file_names=names, keep_all_images=True)
    want = cli("filter", VAL2014, "--file-names", str(names), "--keep-all-images", "-o", theirs)
    assert read(mine) == read(theirs)
    assert rep == {**want, "output": mine}
    assert rep["images"] == 2


CONVERT_CASES = [
    ([TINY], {"to": "rle"}, ["--to", "rle"]),
    ([VAL2014], {"to": "rle-raw"}, ["--to", "rle-raw"]),
    ([VAL2014], {"to": "polygon", "tolerance": 1}, ["--to", "polygon", "--tolerance", "1"]),
    ([STUFF], {"to": "polygon"}, ["--to", "polygon"]),
    ([VAL2014_SEGM], {"to": "rle-raw", "gt": VAL2014}, ["--to", "rle-raw", "--gt", VAL2014]),
    ([SA1B], {"to": "polygon"}, ["--to", "polygon"]),
]


@pytest.mark.parametrize("inputs,kwargs,flags", CONVERT_CASES)
def test_convert_writes_what_the_command_writes(tmp_path, inputs, kwargs, flags):
    mine, theirs = str(tmp_path / "py.json"), str(tmp_path / "cli.json")
    rep = cocokit.convert(inputs, mine, **kwargs)
    want = cli("convert", *inputs, *flags, "-o", theirs)
    assert read(mine) == read(theirs)
    assert rep == {**want, "output": mine}
    assert rep["converted"] > 0


def test_convert_skip_invalid(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps(
            {
                "images": [{"id": 1, "width": 10, "height": 10}],
                "annotations": [
                    {"id": 1, "image_id": 1, "segmentation": [[1, 1, 5, 1, 5, 5]]},
                    {"id": 2, "image_id": 1, "segmentation": [[1, 1, 5, 1, 5]]},
                    {"id": 3, "image_id": 1, "segmentation": []},
                ],
            }
        )
    )
    mine, theirs = str(tmp_path / "py.json"), str(tmp_path / "cli.json")
    with pytest.raises(cocokit.CocokitError) as e:
        cocokit.convert(bad, mine, "rle")
    assert str(e.value) == cli_error("convert", str(bad), "--to", "rle", "-o", theirs)
    assert "annotation id 2" in str(e.value)
    assert not os.path.exists(mine) and not os.path.exists(theirs)
    rep = cocokit.convert(bad, mine, "rle", skip_invalid=True)
    want = cli("convert", str(bad), "--to", "rle", "--skip-invalid", "-o", theirs)
    assert read(mine) == read(theirs)
    assert rep == {**want, "output": mine}
    assert (rep["converted"], rep["unchanged"], rep["skipped"]) == (1, 1, 1)


RASTERIZE_CASES = [
    ([TINY], {}, []),
    (
        [TINY],
        {"mode": "instance", "img_ids": [532481, 184324]},
        ["--mode", "instance", "--img-ids", "532481,184324"],
    ),
    (
        [VAL2014],
        {"crowd": "paint", "palette": True, "img_ids": [139]},
        ["--crowd", "paint", "--palette", "--img-ids", "139"],
    ),
    ([VAL2014], {"background": 200, "img_ids": [285, 724]}, ["--background", "200", "--img-ids", "285,724"]),
    ([VAL2014_SEGM], {"gt": VAL2014, "score_thr": 0.3}, ["--gt", VAL2014, "--score-thr", "0.3"]),
    (
        [PANOPTIC],
        {"panoptic_dir": os.path.join(FIX, "format-variants", "panoptic_val")},
        ["--panoptic-dir", os.path.join(FIX, "format-variants", "panoptic_val")],
    ),
    ([SA1B], {"mode": "instance"}, ["--mode", "instance"]),
]


@pytest.mark.parametrize("inputs,kwargs,flags", RASTERIZE_CASES)
def test_rasterize_writes_what_the_command_writes(tmp_path, inputs, kwargs, flags):
    mine, theirs = str(tmp_path / "py"), str(tmp_path / "cli")
    rep = cocokit.rasterize(inputs, mine, **kwargs)
    want = cli("rasterize", *inputs, *flags, "-o", theirs)
    got, expected = tree(mine), tree(theirs)
    assert sorted(got) == sorted(expected)
    assert got == expected
    assert rep == {**want, "output": mine}
    assert rep["images"] == len([p for p in got if not p.startswith("palette")]) > 0


# (call, the command's arguments): each must fail the same way, writing nothing.
def _error_cases(out):
    return [
        (lambda: cocokit.filter(TINY, out), ["filter", TINY, "-o", out]),
        (
            lambda: cocokit.filter(TINY, out, area_rng=(5, 1)),
            ["filter", TINY, "--area-rng", "5,1", "-o", out],
        ),
        (
            lambda: cocokit.filter(TINY, out, cats=["unicorn"]),
            ["filter", TINY, "--cats", "unicorn", "-o", out],
        ),
        (
            lambda: cocokit.filter(TINY, out, score_thr=float("nan")),
            ["filter", TINY, "--score-thr", "NaN", "-o", out],
        ),
        (
            lambda: cocokit.filter(TINY, TINY, cats=["person"]),
            ["filter", TINY, "--cats", "person", "-o", TINY],
        ),
        (
            lambda: cocokit.filter(os.path.join(BAD, "trailing_comma.json"), out, cats=["1"]),
            ["filter", os.path.join(BAD, "trailing_comma.json"), "--cats", "1", "-o", out],
        ),
        (
            lambda: cocokit.filter(os.path.join(SA1B, "nothing*.json"), out, cats=["1"]),
            ["filter", os.path.join(SA1B, "nothing*.json"), "--cats", "1", "-o", out],
        ),
        (
            lambda: cocokit.convert(TINY, out, "polygon", tolerance=-1),
            ["convert", TINY, "--to", "polygon", "--tolerance=-1", "-o", out],
        ),
        (
            lambda: cocokit.convert(
                VAL2014_SEGM, out, "polygon", gt=os.path.join(BAD, "images_not_array.json")
            ),
            [
                "convert",
                VAL2014_SEGM,
                "--to",
                "polygon",
                "--gt",
                os.path.join(BAD, "images_not_array.json"),
                "-o",
                out,
            ],
        ),
        (
            lambda: cocokit.convert(os.path.join(BAD, "rle_negative_count.json"), out, "polygon"),
            ["convert", os.path.join(BAD, "rle_negative_count.json"), "--to", "polygon", "-o", out],
        ),
        (lambda: cocokit.rasterize(TINY, out, img_ids=[1]), ["rasterize", TINY, "--img-ids", "1", "-o", out]),
        (
            lambda: cocokit.rasterize(TINY, out, mode="instance", background=3),
            ["rasterize", TINY, "--mode", "instance", "--background", "3", "-o", out],
        ),
        (lambda: cocokit.rasterize(VAL2014_SEGM, out), ["rasterize", VAL2014_SEGM, "-o", out]),
        (lambda: cocokit.rasterize(PANOPTIC, out), ["rasterize", PANOPTIC, "-o", out]),
    ]


@pytest.mark.parametrize("k", range(len(_error_cases(""))))
def test_bad_options_and_input_raise_the_commands_message(tmp_path, k):
    out = str(tmp_path / "out")
    call, args = _error_cases(out)[k]
    before = read(TINY)
    with pytest.raises(cocokit.CocokitError) as e:
        call()
    assert str(e.value) == cli_error(*args)
    assert os.listdir(tmp_path) == []
    assert read(TINY) == before


def test_rasterize_into_a_file_raises(tmp_path):
    f = tmp_path / "file"
    f.write_bytes(b"x")
    with pytest.raises(cocokit.CocokitError) as e:
        cocokit.rasterize(TINY, f)
    assert str(e.value) == cli_error("rasterize", TINY, "-o", str(f))
    assert os.listdir(tmp_path) == ["file"]


def test_missing_inputs_raise_oserror(tmp_path):
    out = str(tmp_path / "o.json")
    with pytest.raises(FileNotFoundError):
        cocokit.filter(str(tmp_path / "nope.json"), out, cats=["1"])
    with pytest.raises(FileNotFoundError):
        cocokit.filter(VAL2014_BBOX, out, cats=["person"], gt=str(tmp_path / "nope.json"))
    with pytest.raises(FileNotFoundError):
        cocokit.filter(TINY, out, file_names=str(tmp_path / "nope.txt"))
    with pytest.raises(FileNotFoundError):
        cocokit.convert([TINY, str(tmp_path / "nope.json")], out, "rle")
    with pytest.raises(FileNotFoundError):
        cocokit.rasterize(str(tmp_path / "nope.json"), str(tmp_path / "d"))
    with pytest.raises(FileNotFoundError):
        cocokit.rasterize(PANOPTIC, str(tmp_path / "d"), panoptic_dir=str(tmp_path / "pngs"))
    assert os.listdir(tmp_path) == []


def test_values_the_command_line_would_refuse_raise(tmp_path):
    out = str(tmp_path / "o.json")
    for call, msg in [
        (lambda: cocokit.filter(TINY, out, iscrowd=2), "--iscrowd must be 0 or 1"),
        (lambda: cocokit.convert(TINY, out, "mask"), '--to "mask": rle, rle-raw or polygon'),
        (lambda: cocokit.rasterize(TINY, out, mode="panoptic"), '--mode "panoptic": semantic or instance'),
        (lambda: cocokit.rasterize(TINY, out, crowd="skip"), '--crowd "skip": ignore or paint'),
        (lambda: cocokit.filter(TINY, "-", cats=["person"]), "output: give a file path"),
        (lambda: cocokit.convert(TINY, "-", "rle"), "output: give a file path"),
    ]:
        with pytest.raises(cocokit.CocokitError) as e:
            call()
        assert str(e.value).startswith(msg), str(e.value)
    with pytest.raises(OverflowError):
        cocokit.rasterize(TINY, out, background=70000)
    assert os.listdir(tmp_path) == []


CTRL_C = r"""
import os, signal, sys, threading, time
import cocokit
gt, big, out = sys.argv[1], sys.argv[2], sys.argv[3]
# A file-writing call must not leave behind a SIGINT handler that ends the interpreter.
cocokit.filter(gt, out + ".first.json", cats=["person"])
try:
    os.kill(os.getpid(), signal.SIGINT)
    time.sleep(5)
    print("no KeyboardInterrupt")
except KeyboardInterrupt:
    print("interrupted after a call")
# Ctrl-C during a call (tracing 20,000 images' contours takes seconds): KeyboardInterrupt, and once the call
# has returned, no output and no temporary file.
threading.Timer(0.1, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
try:
    cocokit.convert(big, out, "polygon")
    print("finished")
except KeyboardInterrupt:
    print("interrupted during a call")
print(sorted(os.listdir(os.path.dirname(out))))
"""


def test_ctrl_c_raises_keyboardinterrupt_and_writes_nothing(tmp_path):
    big = tmp_path / "big" / "s20k.json"
    big.parent.mkdir()
    subprocess.run([cocokit_bin(), "synth", "--images", "20000", "-o", str(big), "-q"], check=True)
    work = tmp_path / "work"
    work.mkdir()
    out = subprocess.run(
        [sys.executable, "-c", CTRL_C, TINY, str(big), str(work / "o.json")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, (out.returncode, out.stderr)
    assert out.stdout.splitlines() == [
        "interrupted after a call",
        "interrupted during a call",
        "['o.json.first.json']",
    ]
