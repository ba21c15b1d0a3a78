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
