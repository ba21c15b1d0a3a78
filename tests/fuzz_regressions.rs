//! Inputs found by the fuzz targets under `fuzz/` (see docs/FUZZING.md), minimized. Each once made cocokit
//! panic or break an invariant; each test names the target that found it and the bug it pins down.

use cocokit::coco::filter::{filter, Selection};
use cocokit::coco::reader::{parse_results, Dataset};
use cocokit::coco::stats;
use cocokit::io::Input;

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
