use crate::common::*;
use std::ffi::OsStr;

fn export(input: &std::path::Path, dir: &std::path::Path) -> String {
    fails([
        OsStr::new("export"),
        OsStr::new("--to"),
        OsStr::new("parquet"),
        input.as_os_str(),
        OsStr::new("-o"),
        dir.as_os_str(),
        OsStr::new("-q"),
    ])
}

/// The export parses batches on rayon's threads while an encoder thread encodes the ones before: a bad record
/// in any batch stops it with that record's error, the first in the file's order (before a later record's,
/// before the walk's own error at a truncated end), and no output is left.
#[test]
fn the_first_bad_record_in_any_batch_stops_the_export() {
    let w = Work::new();
    let synth = w.path("synth.json");
    ok([
        OsStr::new("synth"),
        OsStr::new("--images"),
        OsStr::new("5000"),
        OsStr::new("--seed"),
        OsStr::new("5"),
        OsStr::new("-q"),
        OsStr::new("-o"),
        synth.as_os_str(),
    ]);
    let text = std::fs::read_to_string(&synth).expect("synth");
    let annotations = text.find("\"annotations\": [").expect("annotations");
    let first = annotations + text[annotations..].find("\"area\": ").expect("an area");
    let last = text.rfind("\"area\": ").expect("an area");
    // Several parse batches (16 384 records each) lie between the first and the last annotation.
    assert!(text[first..last].matches("\"area\": ").count() > 2 * 16_384);
    let spoil = |t: &str, at: usize| format!("{}\"area\": 1.5.2{}", &t[..at], &t[at + 8..]);
    // The byte of the second `.` of `1.5.2`, where the parse fails.
    let byte = |at: usize| format!("byte {}:", at + 8 + 3);

    let cases = [
        ("last.json", spoil(&text, last), byte(last)),
        ("both.json", spoil(&spoil(&text, last), first), byte(first)),
        // Cut inside the categories, after the last annotation: the walk fails too, later in the file.
        (
            "truncated.json",
            spoil(&text, last)[..text.len() - 1000].to_string(),
            byte(last),
        ),
    ];
    for (name, data, want) in cases {
        let input = w.write(name, data);
        let dir = w.path("out");
        let err = export(&input, &dir);
        assert_eq!(err.trim_end().lines().count(), 1, "{name}: {err}");
        assert!(err.contains(name), "{name}: {err}");
        assert!(err.contains(&want), "{name}: want {want}: {err}");
        assert!(err.contains("annotation"), "{name}: {err}");
        let mut files = vec![name, "synth.json"];
        files.sort();
        assert_eq!(w.files(), files, "{name}: output left behind");
        std::fs::remove_file(&input).expect("remove");
    }
}
