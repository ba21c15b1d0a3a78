//! Bad input, for every command: exit 1, a one-line error naming the problem and where, no panic, no output
//! file (nor temp file) left behind, the input unchanged. Files come from scripts/make_bad_fixtures.py.

use crate::common::*;

/// (file, what the message must say). JSON-level problems: every command refuses these.
const JSON_BAD: &[(&str, &str)] = &[
    ("empty.json", "byte 0: empty"),
    ("whitespace_only.json", "byte 5: "),
    ("truncated_mid_number.json", "truncated"),
    ("truncated_mid_string.json", "truncated"),
    (
        "truncated_after_key.json",
        "byte 29: unexpected end of input",
    ),
    ("truncated_in_object.json", "truncated"),
    (
        "bare_nan.json",
        "byte 64: annotation id 1: NaN is not valid JSON",
    ),
    ("bare_infinity.json", "Infinity is not valid JSON"),
    ("invalid_utf8.json", "byte 37: "),
    (
        "utf8_bom.json",
        "byte 0: file starts with a UTF-8 byte order mark",
    ),
    ("trailing_comma.json", "byte 22: unexpected ']'"),
    ("single_quotes.json", "byte 1: "),
    ("unescaped_control.json", "byte 13: raw control character"),
    ("garbage_after.json", "byte 15: "),
    (
        "deep_unclosed.json",
        "byte 10008: nesting deeper than 10000 levels",
    ),
    (
        "too_deep.json",
        "line 1, column 10009, byte 10008: nesting deeper than 10000 levels",
    ),
    ("bad_escape.json", "byte 10: invalid escape"),
    ("leading_zero.json", "invalid number: leading zeros"),
];

/// Valid JSON that is not a valid COCO file: `pretty` prints it, the COCO commands refuse it.
const COCO_BAD: &[(&str, &str)] = &[
    (
        "string_for_number.json",
        "byte 53: annotation id 7: unexpected '\"', expected a number",
    ),
    ("top_level_number.json", "byte 0: top level is neither"),
    ("top_level_string.json", "byte 0: top level is neither"),
    (
        "images_not_array.json",
        "byte 11: \"images\" must be an array",
    ),
    (
        "annotation_not_object.json",
        "byte 31: each element of \"annotations\" must be an object",
    ),
    (
        "missing_image_id.json",
        "annotation id 3: annotation has no \"image_id\"",
    ),
    (
        "bbox_three_numbers.json",
        "annotation id 4: bbox must have 4 numbers",
    ),
    (
        "rle_without_size.json",
        "annotation id 5: RLE segmentation has no \"size\"",
    ),
    ("rle_negative_count.json", "annotation id 6: RLE count -1"),
    ("id_overflow.json", "does not fit in 64 bits"),
    (
        "count_overflow.json",
        "annotation id 8: RLE count 4294967296",
    ),
    (
        "number_out_of_range.json",
        "annotation id 9: number 1e999 is out of range",
    ),
    (
        "duplicate_section.json",
        "byte 15: duplicate top-level key \"images\"",
    ),
    ("category_without_id.json", "category record has no \"id\""),
    ("image_negative_size.json", "image id 1: image size -640"),
    (
        "not_coco.json",
        "byte 0: neither a COCO dataset nor a results array: the top-level object has no \"images\", \"annotations\" or \"categories\" (its keys: \"foo\")",
    ),
    (
        "category_id_string.json",
        "line 1, column 48, byte 47: annotation id 12: unexpected '\"', expected a number",
    ),
];

/// Run `args` with an `-o` into a scratch dir; require a clean failure mentioning `want`.
fn refuses(cmd: &[&str], file: &str, want: &str) {
    let w = Work::new();
    let src = fixture(&format!("bad/{file}"));
    let before = std::fs::read(&src).expect("read fixture");
    let out = w.path("out.json");
    let mut args: Vec<String> = vec![cmd[0].to_string(), src.display().to_string()];
    args.extend(cmd[1..].iter().map(|s| s.to_string()));
    args.extend(["-o".to_string(), out.display().to_string()]);
    let e = fails(&args);
    assert!(
        e.contains(want),
        "{cmd:?} {file}: message {e:?} lacks {want:?}"
    );
    assert!(
        e.contains(file),
        "{cmd:?} {file}: message does not name the file: {e}"
    );
    assert!(w.files().is_empty(), "{cmd:?} {file}: left {:?}", w.files());
    assert_eq!(
        std::fs::read(&src).expect("read fixture"),
        before,
        "input changed"
    );
}

#[test]
fn json_errors_are_refused_by_every_command() {
    for (file, want) in JSON_BAD {
        for cmd in [&["pretty"][..], &["stats"], &["filter", "--cats", "person"]] {
            // `stats` names the record where it can; pretty reports the JSON position only.
            let want = if cmd[0] == "pretty" {
                want.split(": ").last().unwrap_or(want)
            } else {
                want
            };
            refuses(cmd, file, want);
        }
    }
}

#[test]
fn coco_errors_are_refused_by_coco_commands_and_printed_by_pretty() {
    for (file, want) in COCO_BAD {
        refuses(&["stats"], file, want);
        if !file.starts_with("top_level") && !file.starts_with("annotation_not") {
            refuses(&["filter", "--cats", "person"], file, want);
        }
        if *file == "duplicate_section.json" {
            // jq would silently keep the last of two equal keys; a streaming printer stops instead.
            refuses(&["pretty"], file, "byte 15: duplicate key \"images\"");
        } else {
            let src = fixture(&format!("bad/{file}"));
            ok(["pretty", src.to_str().expect("p")]);
        }
    }
}

#[test]
fn a_directory_or_missing_file_is_one_line() {
    let w = Work::new();
    for cmd in ["pretty", "stats"] {
        let e = fails([cmd, w.dir.path().to_str().expect("p")]);
        // `stats` reads a directory's *.json files (many-file inputs): this one has none.
        let want = if cmd == "pretty" {
            "is a directory"
        } else {
            "no *.json file"
        };
        assert!(e.contains(want), "{e}");
        let e = fails([cmd, w.path("nope.json").to_str().expect("p")]);
        assert!(e.contains("nope.json"), "{e}");
    }
}

#[test]
fn deep_but_valid_nesting_is_fine() {
    let f = fixture("json/deep_valid.json");
    let f = f.to_str().expect("p");
    let out = ok(["pretty", "-c", f]);
    let mut want: Vec<u8> = std::fs::read(f)
        .expect("read")
        .into_iter()
        .filter(|&b| b != b' ')
        .collect();
    want.push(b'\n');
    assert_eq!(out, want);
    ok(["stats", f]);
    ok(["pretty", f, "--path", ".images"]);
}

/// Cut a real file at every byte before its end: every prefix is refused (no panic), by every layer.
#[test]
fn truncation_at_every_position_is_an_error() {
    use cocokit::coco::reader::{parse_results, Dataset};
    use cocokit::json::pretty::{to_vec, Options};
    let full = std::fs::read(shared("format-variants/instances_val.json")).expect("read");
    let end = full
        .iter()
        .rposition(|&b| b == b'}')
        .expect("closing brace");
    for cut in 0..end {
        let part = &full[..cut];
        assert!(
            Dataset::parse(part).is_err(),
            "dataset prefix of {cut} bytes accepted"
        );
        assert!(
            to_vec(part, Options::default()).is_err(),
            "pretty prefix of {cut} bytes accepted"
        );
        let input = cocokit::io::Input::from_bytes("t", part.to_vec());
        assert!(cocokit::ops::stats::compute(&input).is_err());
        assert!(
            cocokit::ops::validate::validate(&input)
                .expect("report")
                .errors
                > 0
        );
    }
    let results = std::fs::read(shared(
        "cocoapi-val2014-100/instances_val2014_fakesegm100_results.json",
    ))
    .expect("read");
    let end = results
        .iter()
        .rposition(|&b| b == b']')
        .expect("closing bracket");
    for cut in (0..end).step_by(97) {
        assert!(
            parse_results(&results[..cut]).is_err(),
            "results prefix of {cut} bytes accepted"
        );
    }
}

/// A 2 GB string streams through `pretty` and `stats` without a copy of it in memory.
#[test]
fn a_two_gigabyte_string() {
    use std::io::Write;
    let w = Work::new();
    let p = w.path("huge.json");
    {
        let mut f =
            std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(&p).expect("create"));
        f.write_all(b"{\"info\": \"").expect("write");
        let chunk = vec![b'a'; 1 << 20];
        for _ in 0..2048 {
            f.write_all(&chunk).expect("write");
        }
        f.write_all(b"\", \"images\": [], \"annotations\": [], \"categories\": []}")
            .expect("write");
    }
    let out = cocokit()
        .args(["pretty", "-c", p.to_str().expect("p")])
        .stdout(std::process::Stdio::null())
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let st: serde_json::Value =
        serde_json::from_slice(&ok(["stats", "--json", p.to_str().expect("p")])).expect("json");
    assert_eq!(st["other_keys"][0], "info");
    // The same string cut short: a clean error naming the string's start.
    let f = std::fs::OpenOptions::new()
        .write(true)
        .open(&p)
        .expect("open");
    f.set_len(1 << 30).expect("truncate");
    let e = fails(["stats", p.to_str().expect("p")]);
    assert!(e.contains("byte 9: unterminated string"), "{e}");
}
