//! `cocokit show`, `eval coco --pr-curves` and `--report`: masks drawn where their RLE says (pixel test),
//! TP/FP/FN colours, contact-sheet layout, a missing image's error, JPEG and PNG inputs on real photos
//! (panopticapi's two COCO val2017 images), PR curves equal to pycocotools' precision array (golden files from
//! scripts/golden_pr_curves.py), reports that are self-contained.

use crate::common::*;
use cocokit::coco::Segmentation;
use cocokit::mask::segmentation::segmentation_to_rle;
use image::RgbImage;
use serde_json::{json, Value};

const GREY: [u8; 3] = [128, 128, 128];

/// A work directory with `n` grey W×H PNG images `img1.png`... in `images/` and a dataset `gt.json` of them
/// with `anns`.
fn synthetic(n: usize, w: u32, h: u32, anns: Value) -> Work {
    let work = Work::new();
    std::fs::create_dir(work.path("images")).expect("mkdir");
    let mut images = Vec::new();
    for i in 1..=n {
        RgbImage::from_pixel(w, h, image::Rgb(GREY))
            .save(work.path(&format!("images/img{i}.png")))
            .expect("save");
        images.push(json!({"id": i, "file_name": format!("img{i}.png"), "width": w, "height": h}));
    }
    let gt = json!({"images": images, "annotations": anns,
                    "categories": [{"id": 1, "name": "cat"}, {"id": 2, "name": "dog"}]});
    work.write("gt.json", gt.to_string());
    work
}

fn decode(p: &std::path::Path) -> RgbImage {
    image::open(p).expect("decode output").into_rgb8()
}

/// The polygon's mask as pycocotools rasterizes it, row-major.
fn mask_of(poly: &[f64], w: u32, h: u32) -> Vec<u8> {
    let rle = segmentation_to_rle(&Segmentation::Polygons(vec![poly.to_vec()]), h, w)
        .expect("rle")
        .expect("mask");
    rle.decode_row_major()
}

#[test]
fn a_mask_is_drawn_where_its_rle_says() {
    let (w, h) = (64u32, 48u32);
    let poly = [10.0, 20.0, 50.0, 22.0, 40.0, 44.0, 12.0, 40.0];
    let bbox = [10.0, 20.0, 40.0, 24.0];
    let work = synthetic(
        1,
        w,
        h,
        json!([{"id": 1, "image_id": 1, "category_id": 1, "iscrowd": 0, "area": 600.0,
                "bbox": bbox, "segmentation": [poly]}]),
    );
    let out = work.path("out");
    ok([
        "show",
        work.path("gt.json").to_str().unwrap(),
        "--images-dir",
        work.path("images").to_str().unwrap(),
        "--format",
        "png",
        "-q",
        "-o",
        out.to_str().unwrap(),
    ]);
    let img = decode(&out.join("img1.png"));
    assert_eq!(img.dimensions(), (w, h));
    let mask = mask_of(&poly, w, h);
    assert!(mask.iter().filter(|&&v| v == 1).count() > 500);
    // The label "cat" (scale 1: 26×10 pixels) sits just above the box.
    let in_label = |x: u32, y: u32| (10..36).contains(&x) && (10..20).contains(&y);
    let on_box = |x: u32, y: u32| {
        let (x0, y0, x1, y1) = (10, 20, 49, 43);
        ((x == x0 || x == x0 + 1 || x == x1 || x == x1 - 1) && (y0..=y1).contains(&y))
            || ((y == y0 || y == y0 + 1 || y == y1 || y == y1 - 1) && (x0..=x1).contains(&x))
    };
    let (mut inside, mut outside) = (0, 0);
    for y in 0..h {
        for x in 0..w {
            let p = img.get_pixel(x, y).0;
            if mask[(y * w + x) as usize] == 1 {
                assert_ne!(p, GREY, "mask pixel ({x}, {y}) not drawn");
                inside += 1;
            } else if !in_label(x, y) && !on_box(x, y) {
                assert_eq!(p, GREY, "pixel ({x}, {y}) outside the mask was drawn on");
                outside += 1;
            }
        }
    }
    assert!(inside > 500 && outside > 1500, "{inside} {outside}");
    // The interior is the category colour blended at 45 % over grey, not opaque.
    let p = img.get_pixel(30, 32).0;
    assert!(p != GREY && p.iter().all(|&c| c > 40 && c < 230), "{p:?}");
}

#[test]
fn predictions_are_coloured_as_true_and_false_positives_and_misses() {
    let (w, h) = (120u32, 90u32);
    let sq = |x: f64, y: f64, s: f64| json!([[x, y, x + s, y, x + s, y + s, x, y + s]]);
    let gt = json!([
        {"id": 1, "image_id": 1, "category_id": 1, "iscrowd": 0, "area": 900.0, "bbox": [10, 30, 30, 30], "segmentation": sq(10.0, 30.0, 30.0)},
        {"id": 2, "image_id": 1, "category_id": 1, "iscrowd": 0, "area": 400.0, "bbox": [80, 30, 20, 20], "segmentation": sq(80.0, 30.0, 20.0)}
    ]);
    let work = synthetic(1, w, h, gt);
    let dt = json!([
        {"image_id": 1, "category_id": 1, "bbox": [11, 31, 30, 30], "segmentation": sq(11.0, 31.0, 30.0), "score": 0.9},
        {"image_id": 1, "category_id": 2, "bbox": [50, 65, 20, 20], "segmentation": sq(50.0, 65.0, 20.0), "score": 0.8},
        {"image_id": 1, "category_id": 1, "bbox": [80, 30, 20, 20], "segmentation": sq(80.0, 30.0, 20.0), "score": 0.3}
    ]);
    work.write("dt.json", dt.to_string());
    let out = work.path("out");
    let summary = ok([
        "show",
        work.path("gt.json").to_str().unwrap(),
        "--images-dir",
        work.path("images").to_str().unwrap(),
        "--dt",
        work.path("dt.json").to_str().unwrap(),
        "--format",
        "png",
        "--json",
        "-q",
        "-o",
        out.to_str().unwrap(),
    ]);
    let s: Value = serde_json::from_slice(&summary).expect("json");
    assert_eq!(
        (
            &s["tp"],
            &s["fp"],
            &s["fn"],
            &s["predictions"],
            &s["images"]
        ),
        (&json!(1), &json!(1), &json!(1), &json!(2), &json!(1)),
        "{s}"
    );
    let img = decode(&out.join("img1.png"));
    let [r, g, b] = img.get_pixel(25, 45).0; // true positive (green over the matched ground truth)
    assert!(g > r + 40 && g > b + 40, "TP {:?}", [r, g, b]);
    let [r, g, b] = img.get_pixel(60, 75).0; // false positive (red)
    assert!(r > g + 40 && r > b + 40, "FP {:?}", [r, g, b]);
    let [r, g, b] = img.get_pixel(90, 42).0; // missed ground truth (orange); the 0.3 prediction is not drawn
    assert!(r > g && g > b + 20, "FN {:?}", [r, g, b]);
}

#[test]
fn grid_writes_contact_sheets_of_n_by_n_images() {
    let work = synthetic(5, 100, 50, json!([]));
    let out = work.path("sheets");
    let s: Value = serde_json::from_slice(&ok([
        "show",
        work.path("gt.json").to_str().unwrap(),
        "--images-dir",
        work.path("images").to_str().unwrap(),
        "--grid",
        "2",
        "--format",
        "png",
        "--json",
        "-q",
        "-o",
        out.to_str().unwrap(),
    ]))
    .expect("json");
    assert_eq!((&s["files"], &s["images"]), (&json!(2), &json!(5)));
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["sheet_0001.png", "sheet_0002.png"]);
    // Tiles of 320×240: a 100×50 image scaled ×3.2 to 320×160, centred vertically.
    let first = decode(&out.join("sheet_0001.png"));
    assert_eq!(first.dimensions(), (640, 480));
    for (x, y) in [(160, 120), (480, 120), (160, 360), (480, 360)] {
        assert_eq!(first.get_pixel(x, y).0, GREY, "tile at ({x}, {y})");
    }
    assert_eq!(first.get_pixel(160, 10).0, [40, 40, 40], "letterbox");
    let second = decode(&out.join("sheet_0002.png"));
    assert_eq!(second.get_pixel(160, 120).0, GREY);
    assert_eq!(second.get_pixel(480, 120).0, [40, 40, 40], "empty tile");
}

#[test]
fn a_missing_image_is_an_error_and_nothing_is_written() {
    let work = synthetic(3, 40, 30, json!([]));
    std::fs::remove_file(work.path("images/img2.png")).unwrap();
    let out = work.path("out");
    let err = fails([
        "show",
        work.path("gt.json").to_str().unwrap(),
        "--images-dir",
        work.path("images").to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(err.contains("image id 2"), "{err}");
    assert!(err.contains("img2.png"), "{err}");
    assert!(!out.exists(), "output directory made");
    // A file of another size than the dataset says is refused too.
    RgbImage::new(41, 30)
        .save(work.path("images/img2.png"))
        .unwrap();
    let err = fails([
        "show",
        work.path("gt.json").to_str().unwrap(),
        "--images-dir",
        work.path("images").to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(err.contains("image id 2") && err.contains("41x30"), "{err}");
    assert!(!out.exists());
}

#[test]
fn real_jpeg_and_png_photos_with_predictions() {
    let gt = shared("panoptic/sample_data/panoptic_coco_detection_format.json");
    let photos = shared("panoptic/sample_data/input_images");
    let dt = fixture("show/sample_results.json");
    let work = Work::new();
    let out = work.path("out");
    let s: Value = serde_json::from_slice(&ok([
        "show",
        gt.to_str().unwrap(),
        "--images-dir",
        photos.to_str().unwrap(),
        "--dt",
        dt.to_str().unwrap(),
        "--json",
        "-q",
        "-o",
        out.to_str().unwrap(),
    ]))
    .expect("json");
    assert_eq!(s["files"], json!(2));
    assert!(
        s["tp"].as_u64().unwrap() > 10 && s["fp"].as_u64().unwrap() >= 4,
        "{s}"
    );
    let a = decode(&out.join("000000142238.jpg"));
    assert_eq!(a.dimensions(), (640, 427));
    // PNG input: the same photo as PNG, named so in a copy of the dataset.
    std::fs::create_dir(work.path("png")).unwrap();
    image::open(photos.join("000000439180.jpg"))
        .unwrap()
        .save(work.path("png/000000439180.png"))
        .unwrap();
    let text = std::fs::read_to_string(&gt)
        .unwrap()
        .replace("000000439180.jpg", "000000439180.png");
    let gt2 = work.write("gt.json", text);
    ok([
        "show",
        gt2.to_str().unwrap(),
        "--images-dir",
        work.path("png").to_str().unwrap(),
        "--img-ids",
        "439180",
        "-q",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(
        decode(&out.join("000000439180.jpg")).dimensions(),
        (640, 360)
    );
}

/// (category_id or "", iou) → precision at each recall threshold, from `pr_curves.csv`.
type Curves = std::collections::BTreeMap<(String, String), Vec<(f64, f64)>>;

fn read_csv(p: &std::path::Path) -> Curves {
    let text = std::fs::read_to_string(p).expect("csv");
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("category_id,name,iou,recall,precision"));
    let mut out = Curves::new();
    for l in lines {
        // Names may be quoted; the numbers are the last three fields.
        let f: Vec<&str> = l.rsplitn(4, ',').collect();
        let id = l.split(',').next().unwrap().to_string();
        out.entry((id, f[2].to_string()))
            .or_default()
            .push((f[1].parse().unwrap(), f[0].parse().unwrap()));
    }
    out
}

#[test]
fn pr_curves_equal_pycocotools_precision() {
    for (case, iou_type) in [("val2014_bbox", "bbox"), ("val2014_segm", "segm")] {
        let g: Value = serde_json::from_slice(
            &std::fs::read(fixture(&format!("golden/pr_curves/{case}.json"))).expect("golden"),
        )
        .expect("json");
        let work = Work::new();
        let dir = work.path("pr");
        ok([
            "eval",
            "coco",
            "--gt",
            fixture(g["gt"].as_str().unwrap().trim_start_matches("fixtures/"))
                .to_str()
                .unwrap(),
            "--dt",
            fixture(g["dt"].as_str().unwrap().trim_start_matches("fixtures/"))
                .to_str()
                .unwrap(),
            "--iou-type",
            iou_type,
            "--pr-curves",
            dir.to_str().unwrap(),
        ]);
        let got = read_csv(&dir.join("pr_curves.csv"));
        let recall: Vec<f64> = g["recall"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        let mut n = 0;
        for c in g["curves"].as_array().unwrap() {
            let id = c["category_id"]
                .as_i64()
                .map_or(String::new(), |v| v.to_string());
            for (iou, p) in c["precision"].as_object().unwrap() {
                let want: Vec<(f64, f64)> = recall
                    .iter()
                    .zip(p.as_array().unwrap())
                    .map(|(&r, v)| (r, v.as_f64().unwrap()))
                    .collect();
                let have = got
                    .get(&(id.clone(), iou.clone()))
                    .unwrap_or_else(|| panic!("{case}: no curve for category {id:?} at IoU {iou}"));
                assert_eq!(have, &want, "{case}: category {id:?}, IoU {iou}");
                n += 1;
            }
        }
        assert_eq!(n, got.len(), "{case}: curves pycocotools does not have");
        assert!(n > 150, "{n}");
        // One SVG per category with a curve, plus overall.svg.
        let svgs = std::fs::read_dir(&dir)
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .path()
                    .extension()
                    .is_some_and(|x| x == "svg")
            })
            .count();
        assert_eq!(svgs, g["curves"].as_array().unwrap().len());
        let overall = std::fs::read_to_string(dir.join("overall.svg")).unwrap();
        assert!(overall.starts_with("<svg") && overall.contains("IoU 0.50:0.95"));
        assert!(dir.join("1-person.svg").exists());
    }
}

/// No reference to anything outside the file: no URL but the SVG namespace, no external script or style.
fn assert_self_contained(html: &str) {
    let stripped = html.replace("http://www.w3.org/2000/svg", "");
    for bad in [
        "http://",
        "https://",
        "<script src",
        "<link rel=\"stylesheet\"",
        "@import",
        "url(",
    ] {
        assert!(
            !stripped.contains(bad),
            "report refers outside itself: {bad}"
        );
    }
    assert!(html.starts_with("<!DOCTYPE html>") && html.trim_end().ends_with("</html>"));
}

#[test]
fn eval_coco_report_is_one_self_contained_file_with_the_worst_images() {
    let work = Work::new();
    let report = work.path("report.html");
    ok([
        "eval",
        "coco",
        "--gt",
        shared("panoptic/sample_data/panoptic_coco_detection_format.json")
            .to_str()
            .unwrap(),
        "--dt",
        fixture("show/sample_results.json").to_str().unwrap(),
        "--iou-type",
        "segm",
        "--report",
        report.to_str().unwrap(),
        "--images-dir",
        shared("panoptic/sample_data/input_images")
            .to_str()
            .unwrap(),
    ]);
    let html = std::fs::read_to_string(&report).unwrap();
    assert_self_contained(&html);
    assert!(html.contains("<table class=\"sortable\">"));
    assert!(html.contains("All categories") && html.contains("id=\"class-chooser\""));
    assert_eq!(html.matches("data:image/jpeg;base64,").count(), 2);
    assert!(html.contains("image 142238 (000000142238.jpg)"));
    // Without --images-dir there are no pictures; the numbers are those of the text report.
    let report2 = work.path("report2.html");
    let text = String::from_utf8(ok([
        "eval",
        "coco",
        "--gt",
        fixture("cocoapi-val2014-100/instances_val2014_100.json")
            .to_str()
            .unwrap(),
        "--dt",
        fixture("cocoapi-val2014-100/instances_val2014_fakebbox100_results.json")
            .to_str()
            .unwrap(),
        "--iou-type",
        "bbox",
        "--report",
        report2.to_str().unwrap(),
    ]))
    .unwrap();
    let html = std::fs::read_to_string(&report2).unwrap();
    assert_self_contained(&html);
    assert!(!html.contains("<figure"));
    // pycocotools prints AP as 0.505 on this pair.
    assert!(text.contains("= 0.505") && html.contains("<div class=\"v\">0.505</div>"));
    assert_eq!(html.matches("<tr>").count(), 1 + 80);
}

#[test]
fn eval_miou_report_has_the_table_and_the_confusion_heatmap() {
    let work = Work::new();
    let report = work.path("miou.html");
    ok([
        "eval",
        "miou",
        "--gt",
        fixture("cocoapi-val2014-100/instances_val2014_100.json")
            .to_str()
            .unwrap(),
        "--pred",
        fixture("cocoapi-val2014-100/instances_val2014_fakesegm100_results.json")
            .to_str()
            .unwrap(),
        "-q",
        "--report",
        report.to_str().unwrap(),
    ]);
    let html = std::fs::read_to_string(&report).unwrap();
    assert_self_contained(&html);
    assert!(html.contains("Confusion matrix (pixels)"));
    // A square heatmap over the classes present (at least the background and a few categories).
    let cells = html.matches("% of the row)</title>").count();
    let side = (cells as f64).sqrt() as usize;
    assert!(side * side == cells && side > 3, "{cells} cells");
    assert!(html.contains("<table class=\"sortable\">") && html.contains("mIoU (%)"));
}

#[test]
fn a_dataset_in_two_files_is_drawn_as_the_one_file() {
    let poly = |x: f64| vec![x, 10.0, x + 20.0, 12.0, x + 15.0, 30.0];
    let anns = json!([
        {"id": 1, "image_id": 1, "category_id": 1, "iscrowd": 0, "area": 200.0, "bbox": [5, 10, 20, 20],
         "segmentation": [poly(5.0)]},
        {"id": 2, "image_id": 2, "category_id": 2, "iscrowd": 0, "area": 200.0, "bbox": [25, 10, 20, 20],
         "segmentation": [poly(25.0)]}]);
    let work = synthetic(2, 64, 48, anns.clone());
    let text = std::fs::read_to_string(work.path("gt.json")).expect("read gt");
    let gt: Value = serde_json::from_str(&text).expect("gt");
    for i in 0..2 {
        let part = json!({"images": [gt["images"][i]], "annotations": [anns[i]],
                          "categories": gt["categories"]});
        work.write(&format!("part{i}.json"), part.to_string());
    }
    let run = |inputs: &[&str], out: &str| {
        let mut args = vec!["show"];
        args.extend_from_slice(inputs);
        let images = work.path("images");
        let out = work.path(out);
        args.extend([
            "--images-dir",
            images.to_str().unwrap(),
            "--format",
            "png",
            "-q",
        ]);
        args.extend(["-o", out.to_str().unwrap()]);
        ok(args);
        out
    };
    let one = run(&[work.path("gt.json").to_str().unwrap()], "one");
    let (p0, p1) = (work.path("part0.json"), work.path("part1.json"));
    let two = run(&[p0.to_str().unwrap(), p1.to_str().unwrap()], "two");
    for f in ["img1.png", "img2.png"] {
        assert_eq!(decode(&one.join(f)), decode(&two.join(f)), "{f}");
    }
}
