//! `validate`: missing keys and wrong types are errors naming the record and where it is, a file that is not
//! COCO is an error naming its keys, `--json` lists every finding, official files' quirks are warnings.

use crate::common::*;
use serde_json::Value;

fn report(file: &std::path::Path, extra: &[&str]) -> (Option<i32>, Value, String) {
    let mut args = vec!["validate", file.to_str().expect("p"), "--json"];
    args.extend(extra);
    let out = run(&args);
    let v: Value = serde_json::from_slice(&out.stdout).expect("json report");
    (
        out.status.code(),
        v,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// (kind, record, detail) of every example of every finding.
fn examples(v: &Value) -> Vec<(String, String, String, u64, u64, u64)> {
    let mut out = Vec::new();
    for f in v["findings"].as_array().expect("findings") {
        for e in f["examples"].as_array().expect("examples") {
            out.push((
                f["kind"].as_str().expect("kind").to_string(),
                e["record"].as_str().expect("record").to_string(),
                e["detail"].as_str().expect("detail").to_string(),
                e["offset"].as_u64().expect("offset"),
                e["line"].as_u64().expect("line"),
                e["column"].as_u64().expect("column"),
            ));
        }
    }
    out
}

#[test]
fn missing_keys_are_errors_naming_the_record() {
    let f = fixture("bad/missing_required_keys.json");
    let (code, v, err) = report(&f, &[]);
    assert_eq!(code, Some(1), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(
        err.contains("missing_required_keys.json: invalid: 4 errors"),
        "{err}"
    );
    let ex = examples(&v);
    let has = |kind: &str, rec: &str, detail: &str| {
        ex.iter()
            .any(|e| e.0 == kind && e.1 == rec && e.2 == detail)
    };
    assert!(
        has("missing-key", "image id 1", "image has no \"width\""),
        "{ex:?}"
    );
    assert!(
        has("missing-key", "category id 1", "category has no \"name\""),
        "{ex:?}"
    );
    assert!(
        has(
            "missing-key",
            "annotation at byte 53",
            "annotation has no \"id\""
        ),
        "{ex:?}"
    );
    assert!(
        has(
            "missing-key",
            "annotation id 5",
            "annotation has no \"category_id\""
        ),
        "{ex:?}"
    );
    // Every example says where: byte offset, line and column (one line here: column = byte + 1).
    for e in &ex {
        assert_eq!((e.4, e.5), (1, e.3 + 1), "{e:?}");
    }
    // And a missing image_id, which every command needs.
    let w = Work::new();
    let p = w.write(
        "no_image_id.json",
        "{\"images\": [],\n \"annotations\": [\n  {\"category_id\": 1, \"id\": 31}],\n \"categories\": [{\"id\": 1, \"name\": \"a\"}]}",
    );
    let (code, v, _) = report(&p, &[]);
    assert_eq!(code, Some(1));
    let ex = examples(&v);
    assert!(
        ex.iter().any(|e| e.0 == "missing-key"
            && e.1 == "annotation id 31"
            && e.2 == "annotation has no \"image_id\""
            && (e.4, e.5) == (3, 3)),
        "{ex:?}"
    );
}

#[test]
fn a_wrong_type_names_the_record_even_before_its_id() {
    let f = fixture("bad/category_id_string.json");
    let (code, v, _) = report(&f, &[]);
    assert_eq!(code, Some(1));
    let ex = examples(&v);
    assert!(
        ex.iter().any(|e| e.0 == "invalid-record"
            && e.1 == "annotation id 12"
            && e.2 == "unexpected '\"', expected a number"),
        "{ex:?}"
    );
    // The text report names it too, with line and column.
    let out = run(["validate", f.to_str().expect("p")]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("annotation id 12 (line 1, column 48, byte 47): unexpected"),
        "{text}"
    );
}

#[test]
fn json_that_is_not_coco_is_an_error_naming_its_keys() {
    let f = fixture("bad/not_coco.json");
    let (code, v, err) = report(&f, &[]);
    assert_eq!(code, Some(1), "{err}");
    let ex = examples(&v);
    assert_eq!(ex.len(), 1, "{ex:?}");
    assert_eq!(ex[0].0, "not-coco");
    assert!(ex[0].2.contains("(its keys: \"foo\")"), "{ex:?}");
    let w = Work::new();
    let p = w.write("empty_object.json", "{}");
    let (code, v, _) = report(&p, &[]);
    assert_eq!(code, Some(1));
    assert!(examples(&v)[0].2.contains("(it is empty)"));
    // Every other command refuses it, and nothing is written.
    for cmd in [
        &["stats"][..],
        &["filter", "--cats", "1"],
        &["convert", "--to", "rle"],
    ] {
        let o = w.path("out.json");
        let mut args: Vec<&str> = cmd.to_vec();
        args.extend([f.to_str().expect("p"), "-o", o.to_str().expect("p")]);
        let e = fails(&args);
        assert!(e.contains("not_coco.json: line 1, column 1, byte 0: neither a COCO dataset nor a results array"), "{e}");
        assert!(!o.exists());
    }
}

#[test]
fn json_lists_every_finding() {
    // 12 annotations pointing at a missing image: the text report shows 5, --json all 12.
    let anns: Vec<String> = (1..=12)
        .map(|k| format!("{{\"id\": {k}, \"image_id\": 99, \"category_id\": 1}}"))
        .collect();
    let w = Work::new();
    let p = w.write(
        "many.json",
        format!(
            "{{\"images\": [], \"annotations\": [{}], \"categories\": [{{\"id\": 1, \"name\": \"a\"}}]}}",
            anns.join(", ")
        ),
    );
    let (code, v, _) = report(&p, &[]);
    assert_eq!(code, Some(1));
    let unknown: Vec<_> = examples(&v)
        .into_iter()
        .filter(|e| e.0 == "unknown-image-id")
        .collect();
    assert_eq!(unknown.len(), 12);
    assert_eq!(unknown[11].1, "annotation id 12");
    let out = run(["validate", p.to_str().expect("p")]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("... and 7 more"), "{text}");
}

#[test]
fn official_files_are_not_errors_but_strict_flags_their_quirks() {
    for f in [
        "cocoapi-val2014-100/instances_val2014_100.json",
        "coco-tiny-val2017/instances_val2017.json",
        "lvis-val-100/lvis_val_100.json",
        "format-variants/panoptic_val.json",
        "format-variants/captions_val.json",
    ] {
        let p = shared(f);
        let (code, v, err) = report(&p, &[]);
        assert_eq!(code, Some(0), "{f}: {err}");
        assert_eq!(v["errors"], 0, "{f}");
        if v["warnings"].as_u64().expect("warnings") > 0 {
            let (code, _, err) = report(&p, &["--strict"]);
            assert_eq!(code, Some(1), "{f}");
            assert!(err.contains("(--strict)"), "{err}");
        }
    }
    // COCO's crowd annotations store areas that are not their masks' pixel counts: a warning.
    let (_, v, _) = report(&shared("coco-tiny-val2017/instances_val2017.json"), &[]);
    let ex = examples(&v);
    assert!(ex
        .iter()
        .any(|e| e.0 == "area-mismatch" && e.1.starts_with("annotation id 9001")));
}
