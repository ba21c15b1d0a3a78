//! Inputs found by the fuzz targets under `fuzz/` (see docs/FUZZING.md), minimized. Each once made cocokit
//! panic or break an invariant; each test names the target that found it and the bug it pins down.

use cocokit::coco::reader::{parse_results, Dataset};
use cocokit::io::Input;
use cocokit::ops::filter::{filter, Selection};
use cocokit::ops::stats;

/// Every reader entry point refuses `input` without panicking; returns the `Dataset::parse` error.
fn refused_everywhere(input: &[u8]) -> cocokit::Error {
    let e = Dataset::parse(input).unwrap_err();
    assert!(parse_results(input).is_err());
    let inp = Input::from_bytes("fuzz.json", input.to_vec());
    assert!(stats::compute(&inp).is_err());
    let sel = Selection {
        cats: vec!["1".into()],
        ..Default::default()
    };
    let mut out = Vec::new();
    assert!(filter(&inp, &sel, &mut out).is_err());
    e
}

/// coco_reader: `json::scan::skip_value_fast` sliced past the end of the buffer when the input ended right
/// after a backslash inside a string of a record (`[{"\`), a panic instead of "unterminated string".
#[test]
fn record_cut_after_a_backslash_in_a_string() {
    for input in [
        &br#"[{"\"#[..],
        br#"[["\"#,
        br#"{"images": [{"file_name": "a\"#,
        br#"{"annotations": [{"id": 1, "x": "\"#,
    ] {
        let e = refused_everywhere(input);
        assert!(
            e.msg.contains("unterminated string"),
            "{}: {e}",
            String::from_utf8_lossy(input)
        );
    }
    let e = Dataset::parse(br#"[{"\"#).unwrap_err();
    assert_eq!(e.offset, Some(2));
}

/// png_label: a 69-byte PNG whose header claims 46000×46000 16-bit pixels made
/// `mask::png::decode_label_png` allocate its 4.2 GB output buffer before reading any pixel data (an abort
/// where memory is tight; libFuzzer's malloc limit reports it). Now refused, naming the claimed size.
#[test]
fn png_header_claiming_more_pixels_than_the_file_can_hold() {
    use cocokit::mask::png::{decode_label_png, LabelPixels};
    let bytes = std::fs::read("fixtures/fuzz/png_huge_header.png").unwrap();
    assert_eq!(bytes.len(), 69);
    let e = decode_label_png(&bytes).unwrap_err();
    assert!(e.msg.contains("46000x46000"), "{e}");
    // What the fuzzer itself found (chunk CRCs repaired, as the target does): 391 bytes claiming 9x201326609
    // 16-bit pixels (a malloc of 3.6 GB).
    let bytes = std::fs::read("fixtures/fuzz/png_oom_found_by_fuzzer.png").unwrap();
    let e = decode_label_png(&bytes).unwrap_err();
    assert!(e.msg.contains("9x201326609"), "{e}");
    // The bound is deflate's own limit: the most compressible real file (all zeros, zlib level 9, ~1020:1)
    // still decodes.
    let bytes = std::fs::read("fixtures/fuzz/png_zeros_2048x2048x16.png").unwrap();
    let map = decode_label_png(&bytes).unwrap();
    assert_eq!((map.width, map.height), (2048, 2048));
    match &map.pixels {
        LabelPixels::U16(p) => assert!(p.len() == 2048 * 2048 && p.iter().all(|&v| v == 0)),
        LabelPixels::U8(_) => panic!("a 16-bit PNG must decode to 16-bit labels"),
    }
}

/// json_path: `json::path::parse` cut a bracketed key at the first `]`, so `.["a]b"]` (which jq reads as the key
/// `a]b`) was refused, and text after the closing quote was ignored (`.["a"x]` read as `.a`).
#[test]
fn bracketed_key_containing_a_closing_bracket() {
    use cocokit::json::path::{parse, select, Selected, Step};
    assert_eq!(parse(r#".["a]b"]"#).unwrap(), vec![Step::Key("a]b".into())]);
    assert_eq!(
        parse(r#".x[ "]" ][0]"#).unwrap(),
        vec![Step::Key("x".into()), Step::Key("]".into()), Step::Index(0)]
    );
    assert_eq!(parse(r#".["a"]"#).unwrap(), parse(r#"."a""#).unwrap());
    for bad in [r#".["a"x]"#, r#".["a""#, r#".["a"#] {
        assert!(parse(bad).is_err(), "{bad}");
    }
    let doc = br#"{"a]b": 7, "a": 1}"#;
    let sel = select(doc, &parse(r#".["a]b"]"#).unwrap()).unwrap();
    let [Selected::At(p)] = sel[..] else {
        panic!("{sel:?}")
    };
    assert_eq!(doc[cocokit::json::scan::skip_ws(doc, p)], b'7');
}

/// polygon: on an image of width 0, `mask::polygon::rle_from_polygon` recorded a crossing in every column ≥ 0
/// on the polygon's path (pycocotools' unsigned `w − 1` wraps), so one vertex at x ≈ 4·10⁸ cost minutes and
/// gigabytes. Now the low-level function records columns up to `ZERO_WIDTH_MAX_COL` only (bit-exact with
/// pycocotools below it), `h = 0` is `[0]` at once, and `segmentation_to_rle` (what `convert`, `rasterize`,
/// `validate` and the evaluations call) refuses polygons on an image of width or height 0.
#[test]
fn polygon_on_an_image_of_width_zero() {
    use cocokit::coco::Segmentation;
    use cocokit::mask::polygon::{rle_from_polygon, ZERO_WIDTH_MAX_COL};
    use cocokit::mask::segmentation::segmentation_to_rle;
    // The fuzzer's shape: a thin triangle reaching x = 4e8 (5x + .5 still fits C's int).
    for x in [4e6, 4e7, 4e8] {
        let r = rle_from_polygon(&[0.0, 0.0, x, 0.0, x, 1.0], 1, 0);
        // Every recorded crossing is in a column <= ZERO_WIDTH_MAX_COL: two edges span them all.
        assert!(
            r.counts.len() <= 2 * (ZERO_WIDTH_MAX_COL as usize + 1) + 2,
            "x = {x}: {} runs",
            r.counts.len()
        );
        // Both long edges cross columns 0..=4095 at row 0 (the slanted one rises 1 px over x px), so the
        // boundaries are 0, 0, 1, 1, ..., 4095, 4095 and h·w = 0. rleFrPoly's folding of the zero-length
        // runs turns those into [0, 4095], as pycocotools does with the same crossings.
        assert_eq!(r.counts, vec![0, ZERO_WIDTH_MAX_COL as u32], "x = {x}");
        let r = rle_from_polygon(&[0.0, 0.0, x, 0.0, x, 1.0], 0, 0);
        assert_eq!(r.counts, vec![0]);
    }
    // Beyond C's int range a vertex becomes INT_MIN (x < 0): nothing in the image's columns.
    let r = rle_from_polygon(&[0.0, 0.0, 1e12, 0.0, 1e12, 1.0], 1, 0);
    assert_eq!(r.counts, vec![0]);
    // Steep edges too (the other branch of the crossing walk).
    let r = rle_from_polygon(&[0.0, 0.0, 4e8, 5e8, 0.0, 5e8], 3, 0);
    assert!(r.counts.len() <= 4 * (ZERO_WIDTH_MAX_COL as usize + 1) + 2);
    // h = 0: nothing to walk, whatever the width (golden `degenerate size 0x5` is `[0]` too).
    for w in [0, 5, u32::MAX] {
        let r = rle_from_polygon(&[-1e8, 0.0, 4e8, 3.0, 2.0, 4e8], 0, w);
        assert_eq!((r.h, r.w, r.counts), (0, w, vec![0]));
    }

    // The entry point used on file data refuses such images, naming the zero side.
    let seg = Segmentation::Polygons(vec![vec![0.0, 0.0, 4e8, 0.0, 4e8, 1.0]]);
    let e = segmentation_to_rle(&seg, 1, 0).unwrap_err();
    assert!(e.msg.contains("width 0"), "{e}");
    let e = segmentation_to_rle(&seg, 0, 7).unwrap_err();
    assert!(e.msg.contains("height 0"), "{e}");
    let e = segmentation_to_rle(&seg, 0, 0).unwrap_err();
    assert!(e.msg.contains("width 0"), "{e}");
    // RLEs carry their own size and are not affected; an empty segmentation is still "no mask".
    let rle = Segmentation::Rle {
        h: 0,
        w: 3,
        counts: vec![0],
    };
    assert!(segmentation_to_rle(&rle, 0, 0).unwrap().is_some());
    assert_eq!(
        segmentation_to_rle(&Segmentation::Polygons(vec![]), 1, 0).unwrap(),
        None
    );

    // Through `convert` on a file: an error naming the annotation, or a skip with --skip-invalid.
    use cocokit::ops::convert::{convert, ConvertOptions, Target};
    let src = br#"{"images": [{"id": 1, "width": 0, "height": 1}], "annotations": [{"id": 7, "image_id": 1, "segmentation": [[0, 0, 400000000, 0, 400000000, 1]]}]}"#;
    let input = Input::from_bytes("w0.json", src.to_vec());
    let mut opts = ConvertOptions {
        target: Target::Rle,
        skip_invalid: false,
    };
    let e = convert(&input, None, &opts, &mut Vec::new(), &|_| {}).unwrap_err();
    assert_eq!(e.record.as_deref(), Some("annotation id 7"));
    assert!(e.msg.contains("width 0"), "{e}");
    opts.skip_invalid = true;
    let rep = convert(&input, None, &opts, &mut Vec::new(), &|_| {}).unwrap();
    assert_eq!((rep.converted, rep.skipped), (0, 1));
}

/// json_pretty_par, at once on its first run: the printer's fast path for runs of numbers went on past the end
/// of a parallel chunk, so any array of numbers at depth ≤ 2 big enough to be printed in parallel failed with
/// "internal error: array chunk boundary mismatch" (`cocokit pretty` on a 1.5 MB `[0, 1, 2, ...]`).
#[test]
fn number_array_printed_in_parallel_chunks() {
    use cocokit::json::pretty::{to_vec, Indent, Options, Printer};
    let big: String = format!(
        "[{}]",
        (0..200_000)
            .map(|k| k.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    );
    let compact = Options {
        indent: Indent::Compact,
        sort_keys: false,
        color: false,
    };
    for (doc, opts, chunk) in [
        (&b"[[1,1,6,1,6,6]]291e28"[..], compact, 3),
        (big.as_bytes(), Options::default(), 128 << 10),
        (big.as_bytes(), compact, 1000),
    ] {
        let want = to_vec(doc, opts).expect("valid");
        let mut got = Vec::new();
        Printer::new(opts, &mut got)
            .with_threads(3)
            .with_chunk_size(chunk)
            .document(doc)
            .expect("printed in parallel");
        assert!(got == want, "chunk {chunk}");
    }
}
