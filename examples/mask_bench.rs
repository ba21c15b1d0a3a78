//! cocokit timings of the mask operations `bench/mask_bench.py` times in pycocotools, on the same masks.
//!
//!     cargo run --release --example mask_bench -- [--data fixtures]
//!
//! Single thread, CPU time of the thread. Each line: operation, items per round, microseconds per item
//! (best of 5 rounds of about 0.3 s each). The
//! operations include the same string parsing / formatting pycocotools does inside each call (its Python
//! API takes and returns compressed strings); "(runs)" lines time the run arithmetic alone.

use cocokit::coco::model::Segmentation;
use cocokit::mask::rle::{iou, Rle};
use cocokit::mask::segmentation::segmentation_to_rle;
use serde_json::Value;
use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::Instant;

const FILES: [&str; 3] = [
    "cocoapi-val2014-100/instances_val2014_100.json",
    "coco-tiny-val2017/instances_val2017.json",
    "lvis-val-100/lvis_val_100.json",
];

/// CPU time of this thread in seconds (Linux `/proc/thread-self/schedstat`), so that other processes on a
/// busy machine do not count; wall-clock time where that file is missing.
fn cpu_now() -> f64 {
    static START: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .map(|ns| ns as f64 * 1e-9)
        .unwrap_or_else(|| START.get_or_init(Instant::now).elapsed().as_secs_f64())
}

/// Seconds per call of `f`: best of 5 rounds, each repeating `f` for about 0.3 s of CPU time.
fn best(mut f: impl FnMut()) -> f64 {
    let t = Instant::now();
    f();
    let once = t.elapsed().as_secs_f64().max(1e-6);
    let reps = ((0.3 / once).ceil() as usize).max(1);
    (0..5)
        .map(|_| {
            let t = cpu_now();
            for _ in 0..reps {
                f();
            }
            (cpu_now() - t) / reps as f64
        })
        .fold(f64::INFINITY, f64::min)
}

fn report(name: &str, n: usize, secs: f64) {
    println!(
        "{name:<28} {n:>7} items  {:>10.3} us/item",
        secs / n as f64 * 1e6
    );
}

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

struct Ann {
    key: (usize, i64, i64), // file, image, category
    seg: Segmentation,
    size: (u32, u32),
    iscrowd: bool,
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
    let mut anns = Vec::new();
    for (fi, f) in FILES.iter().enumerate() {
        let doc = load(&format!("{data}/{f}"));
        let sizes: BTreeMap<i64, (u32, u32)> = doc["images"]
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
        for a in doc["annotations"].as_array().into_iter().flatten() {
            let Some(seg) = segmentation(&a["segmentation"]) else {
                continue;
            };
            if seg == Segmentation::Empty {
                continue;
            }
            let img = a["image_id"].as_i64().unwrap_or(0);
            anns.push(Ann {
                key: (fi, img, a["category_id"].as_i64().unwrap_or(0)),
                seg,
                size: sizes[&img],
                iscrowd: a["iscrowd"].as_i64().unwrap_or(0) != 0,
            });
        }
    }
    let polys: Vec<&Ann> = anns
        .iter()
        .filter(|a| matches!(a.seg, Segmentation::Polygons(_)))
        .collect();
    report(
        "annToRLE (polygons)",
        polys.len(),
        best(|| {
            for a in &polys {
                let r = segmentation_to_rle(&a.seg, a.size.0, a.size.1).expect("valid");
                black_box(r.map(|r| r.to_compressed()));
            }
        }),
    );
    let parts: Vec<(&[f64], u32, u32)> = polys
        .iter()
        .flat_map(|a| match &a.seg {
            Segmentation::Polygons(p) => p
                .iter()
                .map(|q| (q.as_slice(), a.size.0, a.size.1))
                .collect::<Vec<_>>(),
            _ => Vec::new(),
        })
        .collect();
    let mut scratch = cocokit::mask::polygon::PolyScratch::default();
    report(
        "frPoly (runs, per part)",
        parts.len(),
        best(|| {
            for (xy, h, w) in &parts {
                black_box(cocokit::mask::polygon::rle_from_polygon_with(
                    xy,
                    *h,
                    *w,
                    &mut scratch,
                ));
            }
        }),
    );
    let rles: Vec<Rle> = anns
        .iter()
        .map(|a| {
            segmentation_to_rle(&a.seg, a.size.0, a.size.1)
                .expect("valid")
                .expect("mask")
        })
        .collect();
    let strings: Vec<Vec<u8>> = rles.iter().map(Rle::to_compressed).collect();
    let bitmaps: Vec<Vec<u8>> = rles.iter().map(Rle::decode_col_major).collect();
    report(
        "encode (bitmap->string)",
        bitmaps.len(),
        best(|| {
            for (r, b) in rles.iter().zip(&bitmaps) {
                black_box(
                    Rle::encode_col_major(r.h, r.w, b)
                        .expect("size")
                        .to_compressed(),
                );
            }
        }),
    );
    report(
        "encode (runs)",
        bitmaps.len(),
        best(|| {
            for (r, b) in rles.iter().zip(&bitmaps) {
                black_box(Rle::encode_col_major(r.h, r.w, b).expect("size"));
            }
        }),
    );
    let row_major: Vec<Vec<u8>> = rles.iter().map(Rle::decode_row_major).collect();
    report(
        "encode row-major (runs)",
        row_major.len(),
        best(|| {
            for (r, b) in rles.iter().zip(&row_major) {
                black_box(Rle::encode_row_major(r.h, r.w, b).expect("size"));
            }
        }),
    );
    report(
        "decode (string->bitmap)",
        rles.len(),
        best(|| {
            for (r, s) in rles.iter().zip(&strings) {
                black_box(
                    Rle::from_compressed(r.h, r.w, s)
                        .expect("valid")
                        .decode_col_major(),
                );
            }
        }),
    );
    report(
        "decode (runs)",
        rles.len(),
        best(|| {
            for r in &rles {
                black_box(r.decode_col_major());
            }
        }),
    );
    report(
        "area",
        rles.len(),
        best(|| {
            for (r, s) in rles.iter().zip(&strings) {
                black_box(Rle::from_compressed(r.h, r.w, s).expect("valid").area());
            }
        }),
    );
    report(
        "toBbox",
        rles.len(),
        best(|| {
            for (r, s) in rles.iter().zip(&strings) {
                black_box(Rle::from_compressed(r.h, r.w, s).expect("valid").to_bbox());
            }
        }),
    );
    report(
        "mask->polygons (tol 0)",
        rles.len(),
        best(|| {
            for r in &rles {
                black_box(cocokit::mask::contour::polygons_from_mask(r, 0.0));
            }
        }),
    );
    // merge: union of all masks of each image
    let mut groups: BTreeMap<(usize, i64), Vec<usize>> = BTreeMap::new();
    for (i, a) in anns.iter().enumerate() {
        groups.entry((a.key.0, a.key.1)).or_default().push(i);
    }
    let glist: Vec<Vec<usize>> = groups.into_values().filter(|g| g.len() > 1).collect();
    let nmerged: usize = glist.iter().map(Vec::len).sum();
    for (name, inter) in [
        ("merge union (per input)", false),
        ("merge inter (per input)", true),
    ] {
        report(
            name,
            nmerged,
            best(|| {
                for g in &glist {
                    let parsed: Vec<Rle> = g
                        .iter()
                        .map(|&i| {
                            Rle::from_compressed(rles[i].h, rles[i].w, &strings[i]).expect("valid")
                        })
                        .collect();
                    black_box(Rle::merge(&parsed, inter).to_compressed());
                }
            }),
        );
    }
    let parsed_groups: Vec<Vec<Rle>> = glist
        .iter()
        .map(|g| g.iter().map(|&i| rles[i].clone()).collect())
        .collect();
    for (name, inter) in [("merge union (runs)", false), ("merge inter (runs)", true)] {
        report(
            name,
            nmerged,
            best(|| {
                for g in &parsed_groups {
                    black_box(Rle::merge(g, inter));
                }
            }),
        );
    }
    report(
        "parse strings",
        nmerged,
        best(|| {
            for g in &glist {
                for &i in g {
                    black_box(
                        Rle::from_compressed(rles[i].h, rles[i].w, &strings[i]).expect("valid"),
                    );
                }
            }
        }),
    );
    // iou: cocoapi fake segm results vs ground truth, per image x category as COCOeval does
    let dts = load(&format!(
        "{data}/cocoapi-val2014-100/instances_val2014_fakesegm100_results.json"
    ));
    type Work = (
        Vec<(u32, u32, Vec<u8>)>,
        Vec<(u32, u32, Vec<u8>)>,
        Vec<bool>,
    );
    let mut per_cat: BTreeMap<(i64, i64), Work> = BTreeMap::new();
    let mut per_img: BTreeMap<i64, Work> = BTreeMap::new();
    for d in dts.as_array().into_iter().flatten() {
        let Some(Segmentation::CompressedRle { h, w, counts }) = segmentation(&d["segmentation"])
        else {
            continue;
        };
        let (img, cat) = (
            d["image_id"].as_i64().unwrap_or(0),
            d["category_id"].as_i64().unwrap_or(0),
        );
        per_cat
            .entry((img, cat))
            .or_default()
            .0
            .push((h, w, counts.clone()));
        per_img.entry(img).or_default().0.push((h, w, counts));
    }
    for (a, (r, s)) in anns
        .iter()
        .zip(rles.iter().zip(&strings))
        .filter(|(a, _)| a.key.0 == 0)
    {
        if let Some(e) = per_cat.get_mut(&(a.key.1, a.key.2)) {
            e.1.push((r.h, r.w, s.clone()));
            e.2.push(a.iscrowd);
        }
        if let Some(e) = per_img.get_mut(&a.key.1) {
            e.1.push((r.h, r.w, s.clone()));
            e.2.push(a.iscrowd);
        }
    }
    let parse = |v: &Vec<(u32, u32, Vec<u8>)>| -> Vec<Rle> {
        v.iter()
            .map(|(h, w, s)| Rle::from_compressed(*h, *w, s).expect("valid"))
            .collect()
    };
    let cat_work: Vec<&Work> = per_cat.values().collect();
    let img_work: Vec<&Work> = per_img.values().collect();
    for (name, work) in [
        ("iou per img x cat (cells)", cat_work),
        ("iou per image (cells)", img_work),
    ] {
        let work: Vec<&Work> = work
            .into_iter()
            .filter(|w| !w.0.is_empty() && !w.1.is_empty())
            .collect();
        let cells: usize = work.iter().map(|w| w.0.len() * w.1.len()).sum();
        report(
            name,
            cells,
            best(|| {
                for w in &work {
                    black_box(iou(&parse(&w.0), &parse(&w.1), &w.2));
                }
            }),
        );
        let parsed: Vec<(Vec<Rle>, Vec<Rle>, &Vec<bool>)> = work
            .iter()
            .map(|w| (parse(&w.0), parse(&w.1), &w.2))
            .collect();
        report(
            &format!("{} (runs)", &name[..name.len() - 8]),
            cells,
            best(|| {
                for (d, g, c) in &parsed {
                    black_box(iou(d, g, c));
                }
            }),
        );
    }
}
