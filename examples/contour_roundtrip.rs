//! Mask → polygons → mask on real data: the IoU distribution behind docs/MASKS.md.
//!
//!     cargo run --release --example contour_roundtrip -- [--data fixtures]
//!
//! Every annotation mask of the real files (ground truths as `annToRLE` gives them, crowd RLEs included,
//! and the cocoapi fake segm results) is turned into polygons with `polygons_from_mask` at several
//! tolerances, rasterized back with `segmentation_to_rle` (pycocotools-exact), and compared by IoU.

use cocokit::coco::model::Segmentation;
use cocokit::mask::contour::polygons_from_mask;
use cocokit::mask::rle::{iou, Rle};
use cocokit::mask::segmentation::segmentation_to_rle;
use serde_json::Value;
use std::collections::HashMap;

const FILES: [(&str, Option<&str>); 4] = [
    ("cocoapi-val2014-100/instances_val2014_100.json", None),
    (
        "cocoapi-val2014-100/instances_val2014_fakesegm100_results.json",
        Some("cocoapi-val2014-100/instances_val2014_100.json"),
    ),
    ("coco-tiny-val2017/instances_val2017.json", None),
    ("lvis-val-100/lvis_val_100.json", None),
];

fn segmentation(v: &Value) -> Option<Segmentation> {
    Some(match v {
        Value::Array(p) if p.is_empty() => Segmentation::Empty,
        Value::Array(p) => Segmentation::Polygons(
            p.iter()
                .map(|q| {
                    q.as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_f64)
                        .collect()
                })
                .collect(),
        ),
        Value::Object(o) => {
            let size = o.get("size")?.as_array()?;
            let (h, w) = (size[0].as_u64()? as u32, size[1].as_u64()? as u32);
            match o.get("counts")? {
                Value::String(s) => Segmentation::CompressedRle {
                    h,
                    w,
                    counts: s.as_bytes().to_vec(),
                },
                Value::Array(c) => Segmentation::Rle {
                    h,
                    w,
                    counts: c
                        .iter()
                        .filter_map(|x| x.as_u64().map(|x| x as u32))
                        .collect(),
                },
                _ => return None,
            }
        }
        _ => return None,
    })
}

fn load(path: &str) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn main() {
    let mut data = "fixtures".to_string();
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--data") {
        data = args.get(i + 1).cloned().unwrap_or(data);
    }
    let mut masks: Vec<(Rle, bool)> = Vec::new(); // (mask, came from polygons)
    for (file, gt) in FILES {
        let doc = load(&format!("{data}/{file}"));
        let gt_doc = gt.map(|g| load(&format!("{data}/{g}")));
        let sizes: HashMap<i64, (u32, u32)> = gt_doc.as_ref().unwrap_or(&doc)["images"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|im| {
                Some((
                    im["id"].as_i64()?,
                    (im["height"].as_u64()? as u32, im["width"].as_u64()? as u32),
                ))
            })
            .collect();
        let anns = match &doc {
            Value::Array(a) => a.clone(),
            v => v["annotations"].as_array().cloned().unwrap_or_default(),
        };
        for a in &anns {
            let Some(seg) = segmentation(&a["segmentation"]) else {
                continue;
            };
            let (h, w) = sizes[&a["image_id"].as_i64().unwrap_or(0)];
            let from_poly = matches!(seg, Segmentation::Polygons(_));
            if let Ok(Some(r)) = segmentation_to_rle(&seg, h, w) {
                masks.push((r, from_poly));
            }
        }
    }
    println!(
        "{} masks, {} over 100 px",
        masks.len(),
        masks.iter().filter(|(m, _)| m.area() > 100).count()
    );
    println!(
        "{:>9} {:>7} {:>9} {:>9} {:>9} {:>9} {:>10} {:>12}",
        "tolerance", "masks", "min IoU", "p1", "p5", "median", ">= 0.98", "points/mask"
    );
    for tol in [0.0, 0.25, 0.5, 0.75, 1.0, 2.0] {
        for (label, only_poly) in [("all", None), ("poly", Some(true)), ("rle", Some(false))] {
            let mut ious = Vec::new();
            let mut points = 0usize;
            for (m, fp) in &masks {
                if m.area() <= 100 || only_poly.is_some_and(|p| p != *fp) {
                    continue;
                }
                let parts = polygons_from_mask(m, tol);
                points += parts.iter().map(|p| p.len() / 2).sum::<usize>();
                let back = segmentation_to_rle(&Segmentation::Polygons(parts), m.h, m.w)
                    .expect("valid polygons")
                    .unwrap_or_else(|| Rle::zeros(m.h, m.w));
                ious.push(iou(&[back], std::slice::from_ref(m), &[false])[0]);
            }
            if ious.is_empty() {
                continue;
            }
            ious.sort_by(f64::total_cmp);
            let q = |p: f64| ious[((ious.len() - 1) as f64 * p) as usize];
            let ok = ious.iter().filter(|&&v| v >= 0.98).count();
            println!(
                "{:>5} {:<4}{:>7} {:>9.5} {:>9.5} {:>9.5} {:>9.5} {:>9.2}% {:>12.1}",
                tol,
                label,
                ious.len(),
                ious[0],
                q(0.01),
                q(0.05),
                q(0.5),
                ok as f64 * 100.0 / ious.len() as f64,
                points as f64 / ious.len() as f64
            );
        }
    }
}
