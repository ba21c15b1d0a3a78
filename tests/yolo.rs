//! `export --to yolo` and `import --from yolo`: ultralytics' convert_coco goldens (scripts/golden_yolo.py), the
//! export → import round trip on the real fixtures (boxes within 1e-6, polygon masks at IoU ≥ 0.99), and the
//! errors of bad label files.

use crate::common::*;
use cocokit::coco::reader::Dataset;
use cocokit::coco::{Annotation, Segmentation};
use cocokit::mask::rle::iou;
use cocokit::mask::segmentation::segmentation_to_rle;
use std::collections::HashMap;
use std::path::Path;

const TINY: &str = "coco-tiny-val2017/instances_val2017.json";
const VAL100: &str = "cocoapi-val2014-100/instances_val2014_100.json";

fn golden(name: &str) -> serde_json::Value {
    let p = fixture(&format!("golden/yolo/{name}.json"));
    serde_json::from_slice(&std::fs::read(&p).expect("golden")).expect("golden JSON")
}

/// The label files under `dir/labels`, path (relative, `/`-separated) → text.
fn labels(dir: &Path) -> HashMap<String, String> {
    fn walk(root: &Path, here: &Path, out: &mut HashMap<String, String>) {
        for e in std::fs::read_dir(here).expect("read dir") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                let rel = p.strip_prefix(root).expect("under root");
                let rel = rel.to_str().expect("utf-8").replace('\\', "/");
                out.insert(rel, std::fs::read_to_string(&p).expect("read label"));
            }
        }
    }
    let mut out = HashMap::new();
    walk(&dir.join("labels"), &dir.join("labels"), &mut out);
    out
}

/// Every label file ultralytics' convert_coco writes is written with the same bytes; the other images (no
/// annotation: convert_coco writes no file for them) get an empty file.
#[test]
fn export_matches_convert_coco() {
    for (case, input) in [
        ("tiny_val2017", fixture(TINY)),
        ("val2014_100", fixture(VAL100)),
        ("quirks", fixture("golden/yolo/quirks.json")),
    ] {
        for kind in ["boxes", "segments"] {
            let g = golden(&format!("{case}_{kind}"));
            let w = Work::new();
            let out = w.path("out");
            let mut args = vec![
                "export".into(),
                "--to".into(),
                "yolo".into(),
                input.to_str().expect("p").to_string(),
                "-o".into(),
                out.to_str().expect("p").to_string(),
                "-q".into(),
            ];
            if kind == "segments" {
                args.push("--segments".into());
            }
            ok(&args);
            let ours = labels(&out);
            let want = g["labels"].as_object().expect("labels");
            assert!(!want.is_empty());
            for (rel, text) in want {
                assert_eq!(
                    ours.get(rel).map(String::as_str),
                    Some(text.as_str().expect("text")),
                    "{case} {kind}: labels/{rel}"
                );
            }
            let images = Dataset::load(input.to_str().expect("p"))
                .expect("dataset")
                .images
                .len();
            assert_eq!(ours.len(), images, "{case} {kind}: one file per image");
            for (rel, text) in &ours {
                if !want.contains_key(rel) {
                    assert_eq!(text, "", "{case} {kind}: labels/{rel} should be empty");
                }
            }
        }
    }
}

/// The smallest files whose headers give a size: a PNG signature and IHDR, a JPEG SOI and SOF0.
fn png_header(w: u32, h: u32) -> Vec<u8> {
    let mut v = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
    v.extend_from_slice(&w.to_be_bytes());
    v.extend_from_slice(&h.to_be_bytes());
    v.extend_from_slice(&[8, 2, 0, 0, 0, 0, 0, 0, 0]);
    v
}

fn jpeg_header(w: u32, h: u32) -> Vec<u8> {
    let mut v = vec![0xFF, 0xD8, 0xFF, 0xC0, 0, 17, 8];
    v.extend_from_slice(&(h as u16).to_be_bytes());
    v.extend_from_slice(&(w as u16).to_be_bytes());
    v.extend_from_slice(&[3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1, 0xFF, 0xD9]);
    v
}

/// `dir/images/<file_name>` for every image of `ds`: header-only JPEGs or PNGs of the image's size.
fn write_images(ds: &Dataset, dir: &Path) {
    for img in &ds.images {
        let p = dir.join("images").join(&img.file_name);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        let bytes = if img.file_name.ends_with(".png") {
            png_header(img.width, img.height)
        } else {
            jpeg_header(img.width, img.height)
        };
        std::fs::write(&p, bytes).expect("write image");
    }
}

/// Export `input` to `dir` (with `extra` flags), make the images, import back; (original, imported).
fn round_trip(input: &Path, dir: &Path, extra: &[&str]) -> (Dataset, Dataset) {
    let ds = Dataset::load(input.to_str().expect("p")).expect("dataset");
    let d = dir.to_str().expect("p");
    let mut args = vec![
        "export",
        "--to",
        "yolo",
        input.to_str().expect("p"),
        "-o",
        d,
        "-q",
    ];
    args.extend_from_slice(extra);
    ok(&args);
    write_images(&ds, dir);
    let out = dir.join("back.json");
    let images = dir.join("images");
    ok([
        "import",
        "--from",
        "yolo",
        d,
        "--images",
        images.to_str().expect("p"),
        "-o",
        out.to_str().expect("p"),
        "-q",
    ]);
    let back = Dataset::load(out.to_str().expect("p")).expect("imported dataset");
    (ds, back)
}

/// Original annotations (those written: crowd ones only when `crowd`) and imported ones, paired per image in
/// order, with each image's size.
fn pairs<'a>(
    ds: &'a Dataset,
    back: &'a Dataset,
    crowd: bool,
) -> Vec<(&'a Annotation, &'a Annotation, u32, u32)> {
    let by_name: HashMap<&str, i64> = back
        .images
        .iter()
        .map(|i| (i.file_name.as_str(), i.id))
        .collect();
    let mut theirs: HashMap<i64, Vec<&Annotation>> = HashMap::new();
    for a in &back.annotations {
        theirs.entry(a.image_id).or_default().push(a);
    }
    let mut out = Vec::new();
    for img in &ds.images {
        let mine: Vec<&Annotation> = ds
            .annotations
            .iter()
            .filter(|a| a.image_id == img.id && (crowd || !a.is_crowd()))
            .collect();
        let id = by_name[img.file_name.as_str()];
        let other = theirs.remove(&id).unwrap_or_default();
        assert_eq!(mine.len(), other.len(), "image {}", img.file_name);
        for (a, b) in mine.into_iter().zip(other) {
            out.push((a, b, img.width, img.height));
        }
    }
    out
}

/// Boxes come back within 1e-6 of the image's size with %g (6 significant digits of values below 1), within
/// 1e-6 of their own value with --full-precision; categories (ids and names) come back as they were.
#[test]
fn boxes_round_trip() {
    for input in [fixture(TINY), fixture(VAL100)] {
        for full in [false, true] {
            let w = Work::new();
            let extra: &[&str] = if full { &["--full-precision"] } else { &[] };
            let (ds, back) = round_trip(&input, w.dir.path(), extra);
            let mut cats: Vec<(i64, &str)> = ds
                .categories
                .iter()
                .map(|c| (c.id, c.name.as_str()))
                .collect();
            cats.sort();
            let back_cats: Vec<(i64, &str)> = back
                .categories
                .iter()
                .map(|c| (c.id, c.name.as_str()))
                .collect();
            assert_eq!(back_cats, cats);
            assert_eq!(back.images.len(), ds.images.len());
            let pairs = pairs(&ds, &back, false);
            assert!(pairs.len() > 700);
            for (a, b, iw, ih) in pairs {
                assert_eq!(a.category_id, b.category_id);
                let (x, y) = (a.bbox.expect("bbox"), b.bbox.expect("bbox"));
                for k in 0..4 {
                    let size = f64::from(if k % 2 == 0 { iw } else { ih });
                    let tol = if full {
                        1e-6 * x[k].abs().max(1.0)
                    } else {
                        1e-6 * size
                    };
                    assert!(
                        (x[k] - y[k]).abs() <= tol,
                        "{}: bbox {x:?} came back as {y:?}",
                        a.describe()
                    );
                }
            }
        }
    }
}

/// The mask of an annotation as pycocotools' annToRLE makes it.
fn mask(a: &Annotation, h: u32, w: u32) -> cocokit::mask::rle::Rle {
    segmentation_to_rle(a.segmentation.as_ref().expect("segmentation"), h, w)
        .expect("mask")
        .expect("not empty")
}

/// Polygons come back with masks at IoU ≥ 0.99 with --full-precision (several parts joined by
/// merge_multi_segment; with --crowd keep, crowd RLE masks traced). Not for objects whose parts overlap: the
/// joined polygon is filled by crossing parity, so a part inside another becomes a hole (ultralytics'
/// merge_multi_segment does the same); those count only in the pooled IoU over all objects (≥ 0.999). With %g (six significant digits, what
/// convert_coco writes) a vertex moves by up to 5e-7 of the image size, enough to move a pixel centre of a small
/// object across an edge: there the pooled IoU over all objects is ≥ 0.995 and every object's ≥ 0.95.
#[test]
fn polygons_round_trip() {
    for input in [fixture(TINY), fixture(VAL100)] {
        for (extra, crowd) in [
            (&["--segments", "--full-precision"][..], false),
            (
                &["--segments", "--crowd", "keep", "--full-precision"][..],
                true,
            ),
            (&["--segments"][..], false),
        ] {
            let full = extra.contains(&"--full-precision");
            let w = Work::new();
            let (ds, back) = round_trip(&input, w.dir.path(), extra);
            let pairs = pairs(&ds, &back, crowd);
            let mut worst = (1.0f64, String::new());
            let (mut multi, mut inter, mut union) = (0, 0.0, 0.0);
            for (a, b, iw, ih) in &pairs {
                if let Some(Segmentation::Polygons(p)) = &a.segmentation {
                    multi += usize::from(p.len() > 1);
                }
                assert!(
                    matches!(b.segmentation, Some(Segmentation::Polygons(ref p)) if p.len() == 1)
                );
                let (mb, ma) = (mask(b, *ih, *iw), mask(a, *ih, *iw));
                let v = iou(
                    std::slice::from_ref(&mb),
                    std::slice::from_ref(&ma),
                    &[false],
                )[0];
                let both = (mb.area() + ma.area()) as f64;
                inter += v * both / (1.0 + v);
                union += both / (1.0 + v);
                if v < worst.0 && !parts_overlap(a, *ih, *iw) {
                    worst = (v, a.describe());
                }
                // The area is the mask's.
                assert_eq!(b.area, Some(mb.area() as f64));
            }
            assert!(multi > 10, "multi-part polygons: {multi}");
            let (per_object, pooled) = if full { (0.99, 0.999) } else { (0.95, 0.995) };
            assert!(
                worst.0 >= per_object && inter / union >= pooled,
                "{} {extra:?}: worst IoU {} ({}), pooled {}",
                input.display(),
                worst.0,
                worst.1,
                inter / union
            );
            eprintln!(
                "{} {extra:?}: worst IoU {} pooled {}",
                input.display(),
                worst.0,
                inter / union
            );
        }
    }
}

/// Whether some parts of a polygon annotation cover a common pixel.
fn parts_overlap(a: &Annotation, h: u32, w: u32) -> bool {
    let Some(Segmentation::Polygons(parts)) = &a.segmentation else {
        return false;
    };
    let sum: u64 = parts
        .iter()
        .filter(|p| p.len() >= 6)
        .map(|p| cocokit::mask::polygon::rle_from_polygon(p, h, w).area())
        .sum();
    sum > mask(a, h, w).area()
}

/// Images without any label file, nested paths, PNG and JPEG headers, names from a text file, a box line and a
/// polygon line; blank lines skipped.
#[test]
fn import_small_layout() {
    let w = Work::new();
    std::fs::create_dir_all(w.path("images/sub")).expect("mkdir");
    std::fs::create_dir_all(w.path("labels/sub")).expect("mkdir");
    w.write("images/sub/a.png", png_header(200, 100));
    w.write("images/b.jpg", jpeg_header(40, 30));
    w.write("images/notes.md", "not an image");
    w.write(
        "labels/sub/a.txt",
        "1 0.5 0.5 0.5 0.2\n\n0 0.1 0.1 0.6 0.1 0.6 0.5 0.1 0.5\n",
    );
    w.write("labels/orphan.txt", "0 0.5 0.5 0.1 0.1\n");
    w.write("classes.txt", "cat\ndog\n");
    let names = w.path("classes.txt");
    let out = ok(import_args(
        &w,
        &["--names", names.to_str().expect("p"), "-q", "--json"],
    ));
    let rep: serde_json::Value = serde_json::from_slice(&out).expect("json");
    assert_eq!(rep["images"], 2);
    assert_eq!(rep["annotations"], 2);
    assert_eq!(rep["boxes"], 1);
    assert_eq!(rep["polygons"], 1);
    assert_eq!(rep["unmatched_labels"], 1);
    let ds: serde_json::Value =
        serde_json::from_slice(&std::fs::read(w.path("out.json")).expect("out")).expect("json");
    let imgs = ds["images"].as_array().expect("images");
    assert_eq!(imgs[0]["file_name"], "b.jpg");
    assert_eq!(
        (imgs[0]["width"].as_u64(), imgs[0]["height"].as_u64()),
        (Some(40), Some(30))
    );
    assert_eq!(imgs[1]["file_name"], "sub/a.png");
    assert_eq!(
        (imgs[1]["width"].as_u64(), imgs[1]["height"].as_u64()),
        (Some(200), Some(100))
    );
    let anns = ds["annotations"].as_array().expect("annotations");
    assert_eq!(anns[0]["image_id"], 2);
    assert_eq!(anns[0]["category_id"], 2);
    assert_eq!(
        anns[0]["bbox"],
        serde_json::json!([50.0, 40.0, 100.0, 20.0])
    );
    assert_eq!(anns[0]["area"], 2000.0);
    assert!(anns[0].get("segmentation").is_none());
    assert_eq!(anns[1]["category_id"], 1);
    assert_eq!(
        anns[1]["segmentation"],
        serde_json::json!([[20.0, 10.0, 120.0, 10.0, 120.0, 50.0, 20.0, 50.0]])
    );
    assert_eq!(
        anns[1]["bbox"],
        serde_json::json!([20.0, 10.0, 100.0, 40.0])
    );
    // pycocotools: area(frPyObjects([[20,10,120,10,120,50,20,50]], 100, 200)) = 100 × 40.
    assert_eq!(anns[1]["area"], 4000.0);
    let cats: Vec<&str> = ds["categories"]
        .as_array()
        .expect("cats")
        .iter()
        .map(|c| c["name"].as_str().expect("name"))
        .collect();
    assert_eq!(cats, ["cat", "dog"]);
}

/// `import --from yolo W/labels --images W/images -o W/out.json` and `extra`.
fn import_args(w: &Work, extra: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = ["import", "--from", "yolo"].map(String::from).to_vec();
    for (flag, name) in [("", "labels"), ("--images", "images"), ("-o", "out.json")] {
        if !flag.is_empty() {
            v.push(flag.into());
        }
        v.push(w.path(name).to_str().expect("p").to_string());
    }
    v.extend(extra.iter().map(|s| s.to_string()));
    v
}

/// Bad label lines: a one-line error naming file:line, exit 1, no output file.
#[test]
fn bad_label_lines_fail_naming_file_and_line() {
    for (line, want) in [
        ("0 0.5 0.5 0.1", "4 fields"),
        ("0 0.5 0.5 0.1 0.1 0.2", "6 fields"),
        (
            "0 0.1 0.1 0.2 0.2 0.3 0.1 0.4",
            "8 fields; a YOLO label line",
        ),
        (
            "2 0.5 0.5 0.1 0.1",
            "class 2 is out of range: there are 2 class names",
        ),
        (
            "-1 0.5 0.5 0.1 0.1",
            "class \"-1\" is not a non-negative integer",
        ),
        ("0 0.5 abc 0.1 0.1", "\"abc\" is not a finite number"),
        ("0 0.5 nan 0.1 0.1", "\"nan\" is not a finite number"),
    ] {
        let w = Work::new();
        std::fs::create_dir_all(w.path("images")).expect("mkdir");
        std::fs::create_dir_all(w.path("labels")).expect("mkdir");
        w.write("images/x.jpg", jpeg_header(64, 48));
        w.write("labels/x.txt", format!("1 0.5 0.5 0.2 0.2\n{line}\n"));
        w.write("data.yaml", "names:\n  0: a\n  1: b\nnc: 2\n");
        let err = fails(import_args(&w, &[]));
        let at = format!("{}:2: ", w.path("labels/x.txt").display());
        assert!(err.contains(&at), "{line:?}: {err}");
        assert!(err.contains(want), "{line:?}: {err}");
        assert!(!w.path("out.json").exists());
        assert_eq!(w.files(), ["data.yaml", "images", "labels"]);
    }
}

/// Other import errors: no class names, an unreadable image header, a names map with a gap.
#[test]
fn import_errors() {
    let w = Work::new();
    std::fs::create_dir_all(w.path("images")).expect("mkdir");
    std::fs::create_dir_all(w.path("labels")).expect("mkdir");
    w.write("images/x.jpg", jpeg_header(64, 48));
    let base = |extra: &[&str]| import_args(&w, extra);
    assert!(fails(base(&[])).contains("--names"));
    w.write("gap.yaml", "names:\n  0: a\n  2: b\n");
    assert!(fails(base(&["--names", w.path("gap.yaml").to_str().expect("p")])).contains("key 1"));
    w.write("data.yaml", "names: [a, b]\n");
    w.write("images/broken.png", "not a png");
    assert!(fails(base(&[])).contains("broken.png"));
    assert!(!w.path("out.json").exists());
    std::fs::remove_file(w.path("images/broken.png")).expect("rm");
    ok(base(&["-q"]));
}

/// Export errors: a file_name that would write outside the output, two images with one label file, an unknown
/// category; nothing written.
#[test]
fn export_errors() {
    let cases = [
        (
            r#"{"images":[{"id":1,"file_name":"../x.jpg","width":4,"height":4}],"annotations":[],"categories":[]}"#,
            "not a relative path",
        ),
        (
            r#"{"images":[{"id":1,"file_name":"x.jpg","width":4,"height":4},{"id":2,"file_name":"x.png","width":4,"height":4}],"annotations":[],"categories":[]}"#,
            "images 1 and 2 would both be written as labels/x.txt",
        ),
        (
            r#"{"images":[{"id":1,"file_name":"x.jpg","width":4,"height":4}],"annotations":[{"id":7,"image_id":1,"category_id":5,"bbox":[0,0,1,1]}],"categories":[{"id":1,"name":"a"}]}"#,
            "annotation id 7: category_id 5 is not in the file's categories",
        ),
    ];
    for (json, want) in cases {
        let w = Work::new();
        let input = w.write("in.json", json);
        let err = fails([
            "export",
            "--to",
            "yolo",
            input.to_str().expect("p"),
            "-o",
            w.path("out").to_str().expect("p"),
        ]);
        assert!(err.contains(want), "{err}");
        assert!(!w.path("out/data.yaml").exists());
        assert!(!w.path("out/labels/x.txt").exists());
    }
}

/// data.yaml: ultralytics' keys, names quoted, and the category ids that import reads back.
#[test]
fn data_yaml_names_and_ids() {
    let w = Work::new();
    let out = w.path("out");
    let rep = ok([
        "export",
        "--to",
        "yolo",
        fixture("golden/yolo/quirks.json").to_str().expect("p"),
        "-o",
        out.to_str().expect("p"),
        "-q",
        "--json",
    ]);
    let rep: serde_json::Value = serde_json::from_slice(&rep).expect("json");
    assert_eq!(rep["images"], 4);
    assert_eq!(rep["classes"], 3);
    assert_eq!(rep["crowd_skipped"], 2);
    assert_eq!(rep["empty_boxes"], 1);
    assert_eq!(rep["duplicates"], 1);
    let yaml = std::fs::read_to_string(out.join("data.yaml")).expect("yaml");
    for line in [
        "train: images\n",
        "val: images\n",
        "nc: 3\n",
        "names:\n  0: \"thing\"\n  1: \"two words\"\n  2: \"quote\\\"d: yes\"\n",
        "coco_category_ids: [1, 2, 3]\n",
    ] {
        assert!(yaml.contains(line), "{line:?} not in {yaml}");
    }
    assert_eq!(
        std::fs::read_to_string(out.join("labels/empty.txt")).expect("empty"),
        ""
    );
}
