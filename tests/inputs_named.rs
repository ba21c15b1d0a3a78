//! Inputs named, never silently empty: panoptic files are counted by segments and refused by `rasterize`
//! with what is needed; box-only annotations are refused unless `--boxes`; a category on the background
//! label is refused naming it and `--background`.

use crate::common::*;
use serde_json::Value;

#[test]
fn stats_counts_panoptic_segments() {
    let p = shared("panoptic/sample_data/panoptic_examples.json");
    let st: Value =
        serde_json::from_slice(&ok(["stats", "--json", p.to_str().expect("p")])).expect("json");
    assert_eq!(st["kind"], "panoptic");
    assert_eq!(st["annotations"], 2);
    assert_eq!(st["segments"], 50);
    let per_cat: u64 = st["per_category"]
        .as_array()
        .expect("per_category")
        .iter()
        .map(|c| c["annotations"].as_u64().expect("n"))
        .sum();
    assert_eq!(per_cat, 50);
    let table = String::from_utf8(ok(["stats", p.to_str().expect("p")])).expect("utf-8");
    assert!(
        table.contains("(panoptic)") && table.contains("segments"),
        "{table}"
    );
}

/// `rasterize` refuses `file` with a one-line error containing every `want`, and writes nothing.
fn rasterize_refuses(file: &std::path::Path, extra: &[&str], want: &[&str]) {
    let w = Work::new();
    let out = w.path("labels");
    let mut args = vec![
        "rasterize",
        file.to_str().expect("p"),
        "--out",
        out.to_str().expect("p"),
    ];
    args.extend(extra);
    let e = fails(&args);
    for s in want {
        assert!(e.contains(s), "{e} lacks {s}");
    }
    assert!(w.files().is_empty(), "left {:?}", w.files());
}

#[test]
fn rasterize_refuses_panoptic_files_saying_what_is_needed() {
    for f in [
        "panoptic/sample_data/panoptic_examples.json",
        "format-variants/panoptic_val.json",
    ] {
        rasterize_refuses(
            &shared(f),
            &[],
            &[
                "annotation of image id",
                "a panoptic annotation (\"segments_info\"): its masks are in the panoptic PNG files, not in the JSON; give their directory with --panoptic-dir PNGS",
            ],
        );
    }
}

const VISDRONE_LIKE: &str = r#"{"images": [{"id": 1, "width": 8, "height": 6, "file_name": "a.jpg"}],
 "annotations": [
  {"id": 1, "image_id": 1, "category_id": 0, "bbox": [1, 1, 3, 2]},
  {"id": 2, "image_id": 1, "category_id": 3, "bbox": [4, 2, 3, 3], "segmentation": []}],
 "categories": [{"id": 0, "name": "ignored regions"}, {"id": 3, "name": "car"}]}"#;

#[test]
fn box_only_annotations_and_category_zero() {
    let w = Work::new();
    let f = w.write("vis.json", VISDRONE_LIKE);
    // Category 0 is the background label: named, with the flag that resolves it.
    rasterize_refuses(
        &f,
        &["--boxes"],
        &[
            "category id 0 (\"ignored regions\") is the background label 0",
            "--background 4",
        ],
    );
    // Without segmentation and without --boxes: the first such annotation, and --boxes.
    let no_cat0 = VISDRONE_LIKE
        .replace("\"category_id\": 0", "\"category_id\": 5")
        .replace("\"id\": 0,", "\"id\": 5,");
    let f2 = w.write("vis5.json", &no_cat0);
    rasterize_refuses(
        &f2,
        &[],
        &[
            "line 3, column 3, byte ",
            "annotation id 1: no segmentation: nothing to paint (--boxes paints the bbox",
        ],
    );
    // --background for instance maps makes no sense.
    rasterize_refuses(
        &f,
        &["--boxes", "--background", "12", "--mode", "instance"],
        &["--background applies to semantic maps"],
    );
    // Both flags: boxes painted as pycocotools' frBbox rectangles ([x, x+w) × [y, y+h)), background 12.
    let out = w.path("labels");
    ok([
        "rasterize",
        f.to_str().expect("p"),
        "--out",
        out.to_str().expect("p"),
        "--boxes",
        "--background",
        "12",
        "-q",
    ]);
    let img = image::open(out.join("a.png")).expect("png").to_luma8();
    let rows: Vec<Vec<u8>> = (0..6)
        .map(|y| (0..8).map(|x| img.get_pixel(x, y)[0]).collect())
        .collect();
    let want: Vec<Vec<u8>> = vec![
        vec![12, 12, 12, 12, 12, 12, 12, 12],
        vec![12, 0, 0, 0, 12, 12, 12, 12],
        vec![12, 0, 0, 0, 3, 3, 3, 12],
        vec![12, 12, 12, 12, 3, 3, 3, 12],
        vec![12, 12, 12, 12, 3, 3, 3, 12],
        vec![12, 12, 12, 12, 12, 12, 12, 12],
    ];
    assert_eq!(rows, want);
}

/// `--panoptic-dir`: the segment-id PNGs painted as pycocotools-free panopticapi users would (golden from
/// scripts/golden_rasterize.py: rgb2id, category per segment, crowd 255, VOID 0).
#[test]
fn rasterize_paints_panoptic_files_from_their_pngs() {
    use cocokit::mask::png::{read_label_png, LabelPixels};
    let g: Value = serde_json::from_slice(
        &std::fs::read(fixture("golden/rasterize/panoptic_examples_semantic.json"))
            .expect("golden"),
    )
    .expect("json");
    let w = Work::new();
    let out = w.path("sem");
    let src = shared(g["file"].as_str().expect("file"));
    let dir = shared(g["panoptic_dir"].as_str().expect("dir"));
    ok([
        "rasterize",
        src.to_str().expect("p"),
        "--panoptic-dir",
        dir.to_str().expect("p"),
        "--out",
        out.to_str().expect("p"),
        "-q",
    ]);
    for (stem, want) in g["images"].as_object().expect("images") {
        let map = read_label_png(&out.join(format!("{stem}.png"))).expect("png");
        let LabelPixels::U8(px) = &map.pixels else {
            panic!("16-bit map")
        };
        let mut hist = std::collections::BTreeMap::<String, u64>::new();
        let mut ck = 0u64;
        for (i, &v) in px.iter().enumerate() {
            *hist.entry(v.to_string()).or_insert(0) += 1;
            ck += (i as u64 + 1) * v as u64;
        }
        let want_hist: std::collections::BTreeMap<String, u64> = want["hist"]
            .as_object()
            .expect("hist")
            .iter()
            .map(|(k, v)| (k.clone(), v.as_u64().expect("n")))
            .collect();
        assert_eq!(hist, want_hist, "{stem}");
        assert_eq!(Some(ck), want["ck"].as_u64(), "{stem}");
    }
    // A PNG directory without the files: the missing file is named.
    let empty = w.path("empty");
    std::fs::create_dir(&empty).expect("mkdir");
    let e = fails([
        "rasterize",
        src.to_str().expect("p"),
        "--panoptic-dir",
        empty.to_str().expect("p"),
        "--out",
        w.path("x").to_str().expect("p"),
    ]);
    assert!(e.contains("000000142238.png"), "{e}");
}
