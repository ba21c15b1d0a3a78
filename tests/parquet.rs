use crate::common::*;
use parquet::file::reader::{FileReader, SerializedFileReader};
use std::path::{Path, PathBuf};

/// A file's records as JSON values (serde_json keeps integers and floats apart: `702` ≠ `702.0`).
fn json(path: &Path) -> serde_json::Value {
    let text = std::fs::read(path).expect("read");
    serde_json::from_slice(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// export, then import; returns the imported file's path.
fn round_trip(w: &Work, input: &Path, name: &str, extra: &[&str]) -> PathBuf {
    let dir = w.path(&format!("{name}.parquet.d"));
    let out = w.path(&format!("{name}.back.json"));
    let mut args = vec![
        "export".as_ref(),
        "--to".as_ref(),
        "parquet".as_ref(),
        input.as_os_str(),
        "-o".as_ref(),
        dir.as_os_str(),
        "-q".as_ref(),
    ];
    args.extend(extra.iter().map(std::ffi::OsStr::new));
    ok(args);
    ok([
        "import".as_ref(),
        "--from".as_ref(),
        "parquet".as_ref(),
        dir.as_os_str(),
        "-o".as_ref(),
        out.as_os_str(),
        "-q".as_ref(),
    ]);
    out
}

fn assert_round_trip(w: &Work, input: &Path, name: &str, extra: &[&str]) {
    let back = round_trip(w, input, name, extra);
    let (a, b) = (json(input), json(&back));
    if a != b {
        // Name the first record that differs.
        if let (Some(ao), Some(bo)) = (a.as_object(), b.as_object()) {
            for (k, av) in ao {
                let bv = &bo[k];
                if let (Some(aa), Some(ba)) = (av.as_array(), bv.as_array()) {
                    for (x, y) in aa.iter().zip(ba) {
                        assert_eq!(x, y, "{}: first differing record of {k}", input.display());
                    }
                }
                assert_eq!(av, bv, "{}: key {k}", input.display());
            }
        }
        panic!("{}: import(export(x)) != x", input.display());
    }
}

#[test]
fn round_trip_every_real_fixture() {
    let w = Work::new();
    let mut files = shared_json_files();
    files.extend([
        shared("keypoints/gt_dataset.json"),
        shared("keypoints/dt_dataset.json"),
        shared("panoptic/sample_data/panoptic_examples.json"),
        shared("panoptic/sample_data/panoptic_coco_detection_format.json"),
        fixture("lvis-synth/small/gt.json"),
        fixture("keypoints-synth/crowd/gt.json"),
    ]);
    for (k, f) in files.iter().enumerate() {
        assert_round_trip(&w, f, &format!("f{k}"), &[]);
    }
}

#[test]
fn round_trip_synth_with_small_row_groups() {
    let w = Work::new();
    let synth = w.path("synth.json");
    ok(["synth", "--images", "300", "--seed", "3", "-q", "-o"]
        .into_iter()
        .map(std::ffi::OsStr::new)
        .chain([synth.as_os_str()]));
    assert_round_trip(&w, &synth, "synth", &["--row-group-size", "100"]);
    // Every row group holds 100 rows but the last.
    let dir = w.path("synth.parquet.d");
    let v = json(&synth);
    for (file, key) in [
        ("images.parquet", "images"),
        ("annotations.parquet", "annotations"),
        ("categories.parquet", "categories"),
    ] {
        let r = SerializedFileReader::new(std::fs::File::open(dir.join(file)).unwrap()).unwrap();
        let rows: Vec<i64> = r
            .metadata()
            .row_groups()
            .iter()
            .map(|g| g.num_rows())
            .collect();
        let n = v[key].as_array().unwrap().len() as i64;
        assert_eq!(rows.iter().sum::<i64>(), n, "{file}");
        assert_eq!(rows.len() as i64, (n + 99) / 100, "{file}: {rows:?}");
        assert!(
            rows[..rows.len() - 1].iter().all(|&r| r == 100),
            "{file}: {rows:?}"
        );
    }
}

/// Every shape a typed column cannot hold exactly, and literals a double column would change.
const EDGES: &str = r#"{"info": "a string", "images": [
 {"id": 1, "file_name": "a\u00e9\u0041.jpg", "width": 640, "height": 480.0, "license": null},
 {"id": "s", "file_name": 3},
 {"file_name": "x.jpg", "id": 2, "width": 9223372036854775807, "height": -1, "coco_url": "http://x/\"q\""}],
"annotations": [
 {"id": 1, "image_id": 1, "category_id": 1, "segmentation": [[1, 2, 3, 4, 5, 6], [7, 8, 9, 10, 11, 12]], "area": 702, "bbox": [1, 2.5, 3, 4e1], "iscrowd": 0, "keypoints": [1, 2, 2]},
 {"id": 900100000257, "image_id": 1, "category_id": 1, "segmentation": {"size": [2, 3], "counts": [2, 3, 1]}, "area": 3.0, "bbox": [0, 0, 3, 2], "iscrowd": 1},
 {"id": 3, "image_id": 1, "category_id": 2, "segmentation": {"counts": "52\\3", "size": [4, 4]}, "area": 1e2, "iscrowd": 0},
 {"id": 4, "image_id": 1, "segmentation": [[1, 2.5, 3, 4, 5, 6]], "bbox": [1, 2, 3], "area": null, "score": 0.5},
 {"id": 5, "image_id": 1, "segmentation": [], "area": 9007199254740993, "id": 6},
 {"id": 7, "image_id": 1, "category_id": 1, "segmentation": null, "bbox": [-0.0, 0, 1e-7, 123456789012345678]},
 {"image_id": 2, "segmentation": {"size": [2, 2], "counts": [1, 1]}},
 {"image_id": 2, "segmentation": {"size": [1, 2], "counts": [0, 2], "extra": 1}, "iscrowd": true},
 {"image_id": 2, "segmentation": [[0.1, 0.2, 0.30000000000000004, 1.7976931348623157e308, 5e-324, 6]], "bbox": [0.1, 0.2, 0.3, 0.4]}],
"categories": [{"id": 1, "name": "cat", "supercategory": "animal", "keypoints": ["a"], "skeleton": [[1, 2]]}, {"id": 2, "name": "dog"}, {"name": null}],
"licenses": [{"id": 1, "name": "x"}], "zzz": {"nested": [1, 2.0, "3"]}}"#;

#[test]
fn round_trip_keeps_every_value_and_literal_kind() {
    let w = Work::new();
    let f = w.write("edges.json", EDGES);
    assert_round_trip(&w, &f, "edges", &[]);
}

#[test]
fn round_trip_of_a_results_file_and_empty_sections() {
    let w = Work::new();
    let f = w.write(
        "res.json",
        r#"[{"image_id": 1, "category_id": 2, "bbox": [1.5, 2, 3, 4], "score": 0.9}]"#,
    );
    assert_round_trip(&w, &f, "res", &[]);
    let f = w.write("empty.json", r#"{"images": [], "annotations": []}"#);
    assert_round_trip(&w, &f, "empty", &[]);
}

#[test]
fn bad_input_is_one_line_and_nothing_is_written() {
    let w = Work::new();
    let dir = w.path("out");
    let err = fails([
        "export".as_ref(),
        "--to".as_ref(),
        "parquet".as_ref(),
        fixture("bad/truncated_in_object.json").as_os_str(),
        "-o".as_ref(),
        dir.as_os_str(),
    ]);
    assert!(err.contains("truncated_in_object.json"), "{err}");
    assert!(!dir.exists(), "the output directory was left behind");

    // A damaged Parquet file: the error names it, no output appears.
    let good = w.write("g.json", r#"{"images": [{"id": 1}], "annotations": []}"#);
    ok([
        "export".as_ref(),
        "--to".as_ref(),
        "parquet".as_ref(),
        good.as_os_str(),
        "-o".as_ref(),
        dir.as_os_str(),
    ]);
    let ann = dir.join("annotations.parquet");
    let bytes = std::fs::read(&ann).unwrap();
    std::fs::write(&ann, &bytes[..bytes.len() / 2]).unwrap();
    let out = w.path("back.json");
    let err = fails([
        "import".as_ref(),
        "--from".as_ref(),
        "parquet".as_ref(),
        dir.as_os_str(),
        "-o".as_ref(),
        out.as_os_str(),
    ]);
    assert!(err.contains("annotations.parquet"), "{err}");
    assert!(!out.exists());
    assert_eq!(w.files(), ["g.json", "out"]);

    // Not an export at all.
    let err = fails([
        "import".as_ref(),
        "--from".as_ref(),
        "parquet".as_ref(),
        w.path("nowhere").as_os_str(),
        "-o".as_ref(),
        w.path("back.json").as_os_str(),
    ]);
    assert!(err.contains("nowhere"), "{err}");
    assert!(!w.path("back.json").exists());
    // A row group size of 0 is a usage error.
    let out = run([
        "export".as_ref(),
        "--to".as_ref(),
        "parquet".as_ref(),
        good.as_os_str(),
        "-o".as_ref(),
        dir.as_os_str(),
        "--row-group-size".as_ref(),
        "0".as_ref(),
    ]);
    assert_eq!(out.status.code(), Some(2));
}
