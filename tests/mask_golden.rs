//! Golden parity of `cocokit::mask` with pycocotools 2.0.11.
//!
//! The golden files under `fixtures/golden/masks/` are written by `scripts/golden_masks.py` (pip's
//! pycocotools 2.0.11). The real annotation files are read from `fixtures/` (copies of public data, see fixtures/SOURCES.md) and
//! parsed here with serde_json into `Segmentation` values (the crate's streaming reader is tested
//! elsewhere). Every comparison is exact: compressed strings byte for byte, floats bit for bit.

use cocokit::coco::model::Segmentation;
use cocokit::mask::polygon::rle_from_polygon;
use cocokit::mask::rle::{bbox_iou, iou, Rle};
use cocokit::mask::segmentation::{rle_from_bbox, segmentation_to_rle};
use serde_json::Value;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The real data copied into `fixtures/` (see fixtures/SOURCES.md).
fn shared_data() -> PathBuf {
    root().join("fixtures")
}

fn load(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn golden(name: &str) -> Value {
    load(&root().join("fixtures/golden/masks").join(name))
}

fn f64s(v: &Value) -> Vec<f64> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| x.as_f64().expect("number"))
        .collect()
}

fn u32_of(v: &Value) -> u32 {
    u32::try_from(v.as_u64().expect("unsigned")).expect("u32")
}

/// A `segmentation` JSON value as the model's `Segmentation` (what the streaming reader produces).
fn segmentation(v: &Value) -> Segmentation {
    match v {
        Value::Array(parts) if parts.is_empty() => Segmentation::Empty,
        Value::Array(parts) => Segmentation::Polygons(parts.iter().map(f64s).collect()),
        Value::Object(o) => {
            let size = o["size"].as_array().expect("size");
            let (h, w) = (u32_of(&size[0]), u32_of(&size[1]));
            match &o["counts"] {
                Value::String(s) => Segmentation::CompressedRle {
                    h,
                    w,
                    counts: s.as_bytes().to_vec(),
                },
                c => Segmentation::Rle {
                    h,
                    w,
                    counts: c.as_array().expect("counts").iter().map(u32_of).collect(),
                },
            }
        }
        other => panic!("unexpected segmentation {other}"),
    }
}

/// Sum of row-major indices of foreground pixels, and of their squares (wrapping), as the script computes.
fn checksum(r: &Rle) -> [u64; 2] {
    let bm = r.decode_row_major();
    let (mut s1, mut s2) = (0u64, 0u64);
    for (i, &b) in bm.iter().enumerate() {
        if b != 0 {
            let i = i as u64;
            s1 = s1.wrapping_add(i);
            s2 = s2.wrapping_add(i.wrapping_mul(i));
        }
    }
    [s1, s2]
}

fn check_described(what: &str, r: &Rle, g: &Value) {
    assert_eq!(
        r.to_compressed_string(),
        g["counts"].as_str().expect("counts"),
        "{what}: counts"
    );
    assert_eq!(r.area(), g["area"].as_u64().expect("area"), "{what}: area");
    assert_eq!(r.to_bbox().to_vec(), f64s(&g["bbox"]), "{what}: bbox");
    if let Some(ck) = g.get("ck") {
        let ck = [ck[0].as_u64().expect("ck"), ck[1].as_u64().expect("ck")];
        assert_eq!(checksum(r), ck, "{what}: decode checksum");
    }
}

fn assert_bits_eq(what: &str, got: &[f64], want: &[f64]) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (k, (a, b)) in got.iter().zip(want).enumerate() {
        assert!(
            a.to_bits() == b.to_bits(),
            "{what}[{k}]: got {a:?}, pycocotools {b:?}"
        );
    }
}

fn real(name: &str) -> usize {
    let g = golden(&format!("real_{name}.json"));
    let data = shared_data();
    let input = load(&data.join(g["source"].as_str().expect("source")));
    let gt_doc = match g["gt"].as_str() {
        Some(p) => load(&data.join(p)),
        None => input.clone(),
    };
    let sizes: HashMap<i64, (u32, u32)> = gt_doc["images"]
        .as_array()
        .expect("images")
        .iter()
        .map(|im| {
            (
                im["id"].as_i64().expect("id"),
                (u32_of(&im["height"]), u32_of(&im["width"])),
            )
        })
        .collect();
    let anns = match &input {
        Value::Array(a) => a.clone(),
        v => v["annotations"].as_array().expect("annotations").clone(),
    };
    let rle_of = |ann: &Value| -> cocokit::Result<Option<Rle>> {
        let (h, w) = sizes[&ann["image_id"].as_i64().expect("image_id")];
        segmentation_to_rle(&segmentation(&ann["segmentation"]), h, w)
    };
    let mut rles: HashMap<usize, Rle> = HashMap::new();
    let golden_anns = g["annotations"].as_array().expect("annotations");
    for e in golden_anns {
        let i = e["i"].as_u64().expect("i") as usize;
        let got = rle_of(&anns[i]);
        let what = format!("{name} annotation #{i}");
        if e.get("error").is_some() {
            // pycocotools raised; cocokit gives an error or, for `[]`, no mask.
            assert!(
                !matches!(got, Ok(Some(_))),
                "{what}: pycocotools failed, cocokit gave a mask"
            );
            continue;
        }
        let r = got
            .unwrap_or_else(|e| panic!("{what}: {e}"))
            .expect("a mask");
        check_described(&what, &r, e);
        rles.insert(i, r);
    }
    // IoU matrices per image
    let gt_anns = gt_doc["annotations"].as_array().expect("annotations");
    let is_results = g["gt"].is_string();
    for m in g["iou"].as_array().expect("iou") {
        let idx = |k: &str| -> Vec<usize> {
            m[k].as_array()
                .expect("ids")
                .iter()
                .map(|v| v.as_u64().expect("i") as usize)
                .collect()
        };
        let (dts, gts) = (idx("dt"), idx("gt"));
        let dt: Vec<Rle> = dts.iter().map(|i| rles[i].clone()).collect();
        let gt: Vec<Rle> = gts
            .iter()
            .map(|&j| {
                if is_results {
                    rle_of(&gt_anns[j]).expect("gt").expect("gt mask")
                } else {
                    rles[&j].clone()
                }
            })
            .collect();
        let crowd: Vec<bool> = gts
            .iter()
            .map(|&j| gt_anns[j]["iscrowd"].as_i64().unwrap_or(0) != 0)
            .collect();
        let what = format!("{name} iou image {}", m["image_id"]);
        assert_bits_eq(&what, &iou(&dt, &gt, &crowd), &f64s(&m["iou"]));
    }
    if let Some(bious) = g.get("bbox_iou") {
        let dtb = load(&data.join(g["bbox_source"].as_str().expect("bbox_source")));
        let bb = |v: &Value| -> [f64; 4] {
            let f = f64s(&v["bbox"]);
            [f[0], f[1], f[2], f[3]]
        };
        for m in bious.as_array().expect("bbox_iou") {
            let idx = |k: &str| -> Vec<usize> {
                m[k].as_array()
                    .expect("ids")
                    .iter()
                    .map(|v| v.as_u64().expect("i") as usize)
                    .collect()
            };
            let dt: Vec<[f64; 4]> = idx("dt").iter().map(|&i| bb(&dtb[i])).collect();
            let gts = idx("gt");
            let gt: Vec<[f64; 4]> = gts.iter().map(|&j| bb(&gt_anns[j])).collect();
            let crowd: Vec<bool> = gts
                .iter()
                .map(|&j| gt_anns[j]["iscrowd"].as_i64().unwrap_or(0) != 0)
                .collect();
            let what = format!("{name} bbox iou image {}", m["image_id"]);
            assert_bits_eq(&what, &bbox_iou(&dt, &gt, &crowd), &f64s(&m["iou"]));
        }
    }
    golden_anns.len()
}

#[test]
fn real_val2014_100_gt() {
    assert_eq!(real("val2014_100_gt"), 839);
}

#[test]
fn real_val2014_100_segm_results() {
    assert_eq!(real("val2014_100_segm"), 734);
}

#[test]
fn real_tiny_val2017() {
    assert_eq!(real("tiny_val2017"), 815);
}

#[test]
fn real_lvis_val_100() {
    assert_eq!(real("lvis_val_100"), 977);
}

#[test]
fn real_format_variants() {
    for name in [
        "fv_instances_val",
        "fv_instances_train",
        "fv_person_keypoints_val",
        "fv_stuff_val",
        "fv_stuff_train",
    ] {
        assert!(real(name) > 0, "{name}");
    }
}

fn rle_from_triple(v: &Value) -> Rle {
    let a = v.as_array().expect("[h, w, counts]");
    Rle::from_compressed(
        u32_of(&a[0]),
        u32_of(&a[1]),
        a[2].as_str().expect("counts").as_bytes(),
    )
    .expect("valid")
}

#[test]
fn edge_polygons() {
    let g = golden("edge.json");
    let polys = g["poly"].as_array().expect("poly");
    assert!(polys.len() > 3000);
    for (k, p) in polys.iter().enumerate() {
        let (h, w) = (u32_of(&p["h"]), u32_of(&p["w"]));
        let r = rle_from_polygon(&f64s(&p["xy"]), h, w);
        assert_eq!(
            r.to_compressed_string(),
            p["counts"].as_str().expect("counts"),
            "poly #{k} ({}) {h}x{w} {}",
            p["note"],
            p["xy"]
        );
    }
}

#[test]
fn edge_boxes() {
    let g = golden("edge.json");
    for (k, b) in g["bbox"].as_array().expect("bbox").iter().enumerate() {
        let f = f64s(&b["bb"]);
        let r = rle_from_bbox([f[0], f[1], f[2], f[3]], u32_of(&b["h"]), u32_of(&b["w"]));
        assert_eq!(
            r.to_compressed_string(),
            b["counts"].as_str().expect("counts"),
            "bbox #{k} {}",
            b["bb"]
        );
    }
}

#[test]
fn edge_segmentation_dispatch() {
    let g = golden("edge.json");
    for s in g["seg"].as_array().expect("seg") {
        let what = s["note"].as_str().expect("note");
        let got = segmentation_to_rle(
            &segmentation(&s["segmentation"]),
            u32_of(&s["h"]),
            u32_of(&s["w"]),
        );
        if s.get("error").is_some() {
            assert!(
                got.is_err(),
                "{what}: pycocotools raised {}, cocokit gave {got:?}",
                s["error"]
            );
            continue;
        }
        let sum_ok = match &s["segmentation"] {
            Value::Object(o) => {
                let size = o["size"].as_array().expect("size");
                let n = size[0].as_u64().expect("h") * size[1].as_u64().expect("w");
                o["counts"]
                    .as_array()
                    .expect("counts")
                    .iter()
                    .map(|c| c.as_u64().expect("c"))
                    .sum::<u64>()
                    == n
            }
            _ => true,
        };
        if !sum_ok {
            // pycocotools encodes it anyway and fails only when decoding; cocokit refuses at once.
            let e = got.expect_err(what);
            assert!(
                e.msg.starts_with("Invalid RLE mask representation"),
                "{what}: {e}"
            );
            continue;
        }
        let r = got.unwrap_or_else(|e| panic!("{what}: {e}")).expect("mask");
        check_described(what, &r, s);
    }
}

#[test]
fn edge_uncompressed_and_strings() {
    let g = golden("edge.json");
    for (k, u) in g["ucrle"].as_array().expect("ucrle").iter().enumerate() {
        let (h, w) = (u32_of(&u["h"]), u32_of(&u["w"]));
        let counts: Vec<u32> = u["counts"]
            .as_array()
            .expect("counts")
            .iter()
            .map(u32_of)
            .collect();
        let s = u["s"].as_str().expect("s");
        let raw = Rle {
            h,
            w,
            counts: counts.clone(),
        };
        let what = format!("ucrle #{k} {h}x{w} {counts:?}");
        // encoding, area and bbox work on any runs, as in pycocotools
        assert_eq!(raw.to_compressed_string(), s, "{what}: string");
        assert_eq!(
            raw.area(),
            u["area"].as_u64().expect("area"),
            "{what}: area"
        );
        assert_eq!(raw.to_bbox().to_vec(), f64s(&u["bbox"]), "{what}: bbox");
        let valid = counts.iter().map(|&c| c as u64).sum::<u64>() == h as u64 * w as u64;
        match Rle::from_compressed(h, w, s.as_bytes()) {
            Ok(p) => {
                assert!(valid, "{what}: accepted an invalid mask");
                assert_eq!(p.counts, counts, "{what}: parsed counts");
                assert_eq!(Rle::from_counts(h, w, counts.clone()).expect("valid"), p);
            }
            Err(e) => {
                assert!(!valid, "{what}: {e}");
                assert!(Rle::from_counts(h, w, counts.clone()).is_err());
            }
        }
        if let Some(ck) = u.get("ck") {
            assert_eq!(
                checksum(&raw).to_vec(),
                vec![ck[0].as_u64().expect("ck"), ck[1].as_u64().expect("ck")],
                "{what}"
            );
        }
    }
}

#[test]
fn edge_negative_deltas_are_exercised() {
    // The string codec's delta against counts[i-2] goes negative in these cases; make sure some exist.
    let g = golden("edge.json");
    let n = g["ucrle"]
        .as_array()
        .expect("ucrle")
        .iter()
        .filter(|u| {
            let c: Vec<u64> = u["counts"]
                .as_array()
                .expect("c")
                .iter()
                .map(|v| v.as_u64().expect("c"))
                .collect();
            (3..c.len()).any(|i| c[i] < c[i - 2])
        })
        .count();
    assert!(n > 50, "only {n} cases with negative deltas");
}

/// Masks of `m[key]` given as uncompressed counts of size `m["h"]` x `m["w"]`.
fn rles_from_counts(m: &Value, key: &str) -> Vec<Rle> {
    let (h, w) = (u32_of(&m["h"]), u32_of(&m["w"]));
    m[key]
        .as_array()
        .expect("counts")
        .iter()
        .map(|c| {
            Rle::from_counts(h, w, c.as_array().expect("c").iter().map(u32_of).collect())
                .expect("valid")
        })
        .collect()
}

#[test]
fn edge_merges() {
    let g = golden("edge.json");
    let mut noncanonical = 0;
    for (k, m) in g["merge"].as_array().expect("merge").iter().enumerate() {
        // `in_counts`: uncompressed inputs with empty runs anywhere (not canonical)
        let (ins, hk, wk) = match m.get("in_counts") {
            Some(_) => {
                noncanonical += 1;
                (rles_from_counts(m, "in_counts"), "out_h", "out_w")
            }
            None => (
                m["in"]
                    .as_array()
                    .expect("in")
                    .iter()
                    .map(rle_from_triple)
                    .collect(),
                "h",
                "w",
            ),
        };
        let r = Rle::merge(&ins, m["intersect"].as_bool().expect("intersect"));
        assert_eq!(
            (r.h, r.w),
            (u32_of(&m[hk]), u32_of(&m[wk])),
            "merge #{k}: size"
        );
        assert_eq!(
            r.to_compressed_string(),
            m["counts"].as_str().expect("counts"),
            "merge #{k}: {:?}",
            m.get("in_counts")
        );
    }
    assert!(noncanonical >= 300, "{noncanonical}");
}

#[test]
fn edge_iou() {
    let g = golden("edge.json");
    let mut noncanonical = 0;
    for (k, m) in g["iou"].as_array().expect("iou").iter().enumerate() {
        let (dt, gt): (Vec<Rle>, Vec<Rle>) = if m.get("dt_counts").is_some() {
            noncanonical += 1;
            (
                rles_from_counts(m, "dt_counts"),
                rles_from_counts(m, "gt_counts"),
            )
        } else {
            (
                m["dt"]
                    .as_array()
                    .expect("dt")
                    .iter()
                    .map(rle_from_triple)
                    .collect(),
                m["gt"]
                    .as_array()
                    .expect("gt")
                    .iter()
                    .map(rle_from_triple)
                    .collect(),
            )
        };
        let crowd: Vec<bool> = m["iscrowd"]
            .as_array()
            .expect("c")
            .iter()
            .map(|v| v.as_i64() == Some(1))
            .collect();
        let what = format!("iou #{k} {:?} {:?}", m.get("dt_counts"), m.get("gt_counts"));
        assert_bits_eq(&what, &iou(&dt, &gt, &crowd), &f64s(&m["iou"]));
    }
    assert!(noncanonical >= 80, "{noncanonical}");
    for (k, m) in g["bbox_iou"]
        .as_array()
        .expect("bbox_iou")
        .iter()
        .enumerate()
    {
        let boxes = |key: &str| -> Vec<[f64; 4]> {
            m[key]
                .as_array()
                .expect("boxes")
                .iter()
                .map(|b| {
                    let f = f64s(b);
                    [f[0], f[1], f[2], f[3]]
                })
                .collect()
        };
        let crowd: Vec<bool> = m["iscrowd"]
            .as_array()
            .expect("c")
            .iter()
            .map(|v| v.as_i64() == Some(1))
            .collect();
        assert_bits_eq(
            &format!("bbox iou #{k}"),
            &bbox_iou(&boxes("dt"), &boxes("gt"), &crowd),
            &f64s(&m["iou"]),
        );
    }
}

#[test]
fn edge_encode() {
    let g = golden("edge.json");
    for (k, e) in g["encode"].as_array().expect("encode").iter().enumerate() {
        let (h, w) = (u32_of(&e["h"]), u32_of(&e["w"]));
        let rows: Vec<u8> = e["rows"]
            .as_array()
            .expect("rows")
            .iter()
            .flat_map(|r| {
                r.as_str()
                    .expect("row")
                    .bytes()
                    .map(|b| b - b'0')
                    .collect::<Vec<_>>()
            })
            .collect();
        let r = Rle::encode_row_major(h, w, &rows).expect("size");
        assert_eq!(
            r.to_compressed_string(),
            e["counts"].as_str().expect("counts"),
            "encode #{k}"
        );
        let mut col = vec![0u8; rows.len()];
        for y in 0..h as usize {
            for x in 0..w as usize {
                col[x * h as usize + y] = rows[y * w as usize + x];
            }
        }
        assert_eq!(
            Rle::encode_col_major(h, w, &col).expect("size"),
            r,
            "encode #{k} col-major"
        );
        assert_eq!(r.decode_row_major(), rows, "decode #{k}");
        assert_eq!(r.decode_col_major(), col, "decode #{k} col-major");
    }
}

/// Encoding each segment of the panoptic PNGs (id = R + 256·G + 256²·B) gives the `counts` strings of
/// `panoptic_coco_detection_format.json` byte for byte (pycocotools wrote them from the same PNGs).
#[test]
fn panoptic_png_segments_encode_to_the_published_strings() {
    let dir = shared_data().join("panoptic/sample_data");
    let pan = load(&dir.join("panoptic_examples.json"));
    let det = load(&dir.join("panoptic_coco_detection_format.json"));
    let det_anns = det["annotations"].as_array().expect("annotations");
    let key = |v: &Value, image_id: &Value| {
        format!(
            "{image_id}/{}/{}/{}",
            v["bbox"], v["area"], v["category_id"]
        )
    };
    let by_key: HashMap<String, &Value> = det_anns
        .iter()
        .map(|a| (key(a, &a["image_id"]), a))
        .collect();
    let mut checked = 0;
    for a in pan["annotations"].as_array().expect("annotations") {
        let png = dir
            .join("panoptic_examples")
            .join(a["file_name"].as_str().expect("file_name"));
        let img = image::open(&png)
            .unwrap_or_else(|e| panic!("{}: {e}", png.display()))
            .to_rgb8();
        let (w, h) = img.dimensions();
        let ids: Vec<u32> = img
            .pixels()
            .map(|p| p[0] as u32 + 256 * p[1] as u32 + 65536 * p[2] as u32)
            .collect();
        for s in a["segments_info"].as_array().expect("segments_info") {
            let id = u32_of(&s["id"]);
            let bm: Vec<u8> = ids.iter().map(|&v| u8::from(v == id)).collect();
            let r = Rle::encode_row_major(h, w, &bm).expect("size");
            let want = by_key[&key(s, &a["image_id"])];
            assert_eq!(
                r.to_compressed_string(),
                want["segmentation"]["counts"].as_str().expect("counts"),
                "segment {id}"
            );
            assert_eq!(
                r.area(),
                s["area"].as_u64().expect("area"),
                "segment {id}: area"
            );
            assert_eq!(r.to_bbox().to_vec(), f64s(&s["bbox"]), "segment {id}: bbox");
            checked += 1;
        }
    }
    assert_eq!(checked, 50);
}
