//! `cocokit split`: the parts partition the images and annotations exactly (every input record once, byte for
//! byte), the same bytes for the same seed whatever the thread count, categories stratified, groups never cut,
//! and every bad input one line, exit 1, nothing written.

use crate::common::*;
use cocokit::coco::walk::{scan_top, Event, Section};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

/// A file's records by section (as byte strings, in order) and its other top-level members (key, raw text).
struct Records {
    images: Vec<Vec<u8>>,
    annotations: Vec<Vec<u8>>,
    categories: Vec<Vec<u8>>,
    other: Vec<(String, Vec<u8>)>,
}

fn records(path: &Path) -> Records {
    let buf = std::fs::read(path).expect("read");
    let mut r = Records {
        images: vec![],
        annotations: vec![],
        categories: vec![],
        other: vec![],
    };
    scan_top(&buf, |ev| {
        match ev {
            Event::Record {
                section,
                start,
                end,
            } => {
                let rec = buf[start..end].to_vec();
                match section {
                    Section::Images => r.images.push(rec),
                    Section::Annotations => r.annotations.push(rec),
                    Section::Categories => r.categories.push(rec),
                }
            }
            Event::Other { key, raw, .. } => r.other.push((key, raw.to_vec())),
            _ => {}
        }
        Ok(())
    })
    .expect("walk");
    r
}

fn id_of(rec: &[u8], key: &str) -> Value {
    let v: Value = serde_json::from_slice(rec).expect("record is JSON");
    v[key].clone()
}

/// `parts` partition `input`: each image and annotation record once, byte for byte and in input order within a
/// part; each annotation with its image; categories and other keys everywhere. Returns the image ids per part.
fn assert_partition(input: &Path, parts: &[std::path::PathBuf]) -> Vec<HashSet<String>> {
    let inp = records(input);
    let outs: Vec<Records> = parts.iter().map(|p| records(p)).collect();
    for (sec, all, get) in [
        (
            "images",
            &inp.images,
            (|r: &Records| &r.images) as fn(&Records) -> &Vec<Vec<u8>>,
        ),
        ("annotations", &inp.annotations, |r: &Records| {
            &r.annotations
        }),
    ] {
        // Each part's records are a subsequence of the input's, and together they are all of them, once.
        let mut owner: Vec<Option<usize>> = vec![None; all.len()];
        for (k, o) in outs.iter().enumerate() {
            let mut at = 0usize;
            for rec in get(o) {
                let i = (at..all.len())
                    .find(|&i| owner[i].is_none() && all[i] == *rec)
                    .unwrap_or_else(|| {
                        panic!("{sec}: a record of part {k} is not in the input (in order)")
                    });
                owner[i] = Some(k);
                at = i + 1;
            }
        }
        assert!(
            owner.iter().all(Option::is_some),
            "{sec}: a record is in no part"
        );
    }
    let mut ids: Vec<HashSet<String>> = Vec::new();
    for o in &outs {
        assert_eq!(o.categories, inp.categories, "categories in every part");
        assert_eq!(o.other, inp.other, "other keys in every part, in order");
        let set: HashSet<String> = o
            .images
            .iter()
            .map(|r| id_of(r, "id").to_string())
            .collect();
        for a in &o.annotations {
            assert!(
                set.contains(&id_of(a, "image_id").to_string()),
                "annotation with its image"
            );
        }
        ids.push(set);
    }
    ids
}

fn part_files(w: &Work, prefix: &str, names: &[&str]) -> Vec<std::path::PathBuf> {
    names
        .iter()
        .map(|n| w.path(&format!("{prefix}_{n}.json")))
        .collect()
}

fn split(w: &Work, input: &Path, extra: &[&str]) -> Vec<std::path::PathBuf> {
    let mut args = vec![
        "split".to_string(),
        input.display().to_string(),
        "-q".into(),
        "-o".into(),
        w.path("p").display().to_string(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    ok(&args);
    let names: Vec<&str> = match extra.iter().position(|a| *a == "--names") {
        Some(i) => extra[i + 1].split(',').collect(),
        None if extra.iter().any(|a| a.matches(',').count() == 2) => vec!["train", "val", "test"],
        None => vec!["train", "val"],
    };
    part_files(w, "p", &names)
}

fn datasets() -> Vec<std::path::PathBuf> {
    vec![
        shared("cocoapi-val2014-100/instances_val2014_100.json"),
        shared("coco-tiny-val2017/instances_val2017.json"),
        shared("lvis-val-100/lvis_val_100.json"),
        shared("format-variants/person_keypoints_val.json"),
        shared("format-variants/captions_val.json"),
    ]
}

#[test]
fn parts_partition_the_real_fixtures_byte_for_byte() {
    for f in datasets() {
        for extra in [
            &["--ratios", "0.8,0.1,0.1", "--seed", "1"][..],
            &[
                "--ratios",
                "0.5,0.5",
                "--seed",
                "2",
                "--stratify",
                "category",
            ],
            &[
                "--ratios",
                "0.6,0.3,0.1",
                "--seed",
                "3",
                "--group-by",
                "license",
            ],
            &[
                "--ratios",
                "0.4,0.3,0.2,0.1",
                "--names",
                "a,b,c,d",
                "--seed",
                "4",
            ],
        ] {
            let w = Work::new();
            let parts = split(&w, &f, extra);
            let ids = assert_partition(&f, &parts);
            let n: usize = ids.iter().map(HashSet::len).sum();
            assert!(n > 0, "{}", f.display());
        }
    }
}

#[test]
fn plain_parts_have_their_share_of_images() {
    let f = shared("cocoapi-val2014-100/instances_val2014_100.json");
    let w = Work::new();
    let out = ok([
        "split",
        f.to_str().expect("p"),
        "--ratios",
        "0.7,0.2,0.1",
        "--seed",
        "5",
        "-o",
        w.path("s").to_str().expect("p"),
        "-q",
        "--json",
    ]);
    let v: Value = serde_json::from_slice(&out).expect("json");
    let images: Vec<u64> = v["parts"]
        .as_array()
        .expect("parts")
        .iter()
        .map(|p| p["images"].as_u64().expect("n"))
        .collect();
    assert_eq!(images, [70, 20, 10]);
    let anns: u64 = v["parts"]
        .as_array()
        .expect("parts")
        .iter()
        .map(|p| p["annotations"].as_u64().expect("n"))
        .sum();
    assert_eq!(anns, records(&f).annotations.len() as u64);
}

#[test]
fn same_seed_same_bytes_whatever_the_threads_and_record_order() {
    let w = Work::new();
    let syn = w.path("syn.json");
    ok([
        "synth",
        "--images",
        "400",
        "--seed",
        "2",
        "-q",
        "-o",
        syn.to_str().expect("p"),
    ]);
    let run_with = |threads: &str, prefix: &str, seed: &str, input: &Path| -> Vec<Vec<u8>> {
        let out = cocokit()
            .env("RAYON_NUM_THREADS", threads)
            .args([
                "split",
                input.to_str().expect("p"),
                "--ratios",
                "0.8,0.1,0.1",
                "--seed",
                seed,
            ])
            .args([
                "--stratify",
                "category",
                "-q",
                "-o",
                w.path(prefix).to_str().expect("p"),
            ])
            .output()
            .expect("run");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        ["train", "val", "test"]
            .iter()
            .map(|n| std::fs::read(w.path(&format!("{prefix}_{n}.json"))).expect("part"))
            .collect()
    };
    let one = run_with("1", "a", "7", &syn);
    assert_eq!(one, run_with("2", "b", "7", &syn));
    assert_eq!(one, run_with("3", "c", "7", &syn));
    assert_ne!(
        one,
        run_with("2", "d", "8", &syn),
        "another seed, other parts"
    );
    // The parts depend on the file names, not on where the records are: reversed images, same assignment.
    let mut v: Value = serde_json::from_slice(&std::fs::read(&syn).expect("read")).expect("json");
    v["images"].as_array_mut().expect("images").reverse();
    let rev = w.write("rev.json", serde_json::to_vec(&v).expect("json"));
    let ids = |parts: &[Vec<u8>]| -> Vec<Vec<i64>> {
        parts
            .iter()
            .map(|p| {
                let v: Value = serde_json::from_slice(p).expect("json");
                let mut ids: Vec<i64> = v["images"]
                    .as_array()
                    .expect("a")
                    .iter()
                    .map(|i| i["id"].as_i64().expect("id"))
                    .collect();
                ids.sort_unstable();
                ids
            })
            .collect()
    };
    assert_eq!(ids(&one), ids(&run_with("2", "e", "7", &rev)));
}

/// Per category (by id), the number of images showing it in each part, and in all.
fn category_images(parts: &[std::path::PathBuf]) -> (BTreeMap<i64, Vec<u64>>, Vec<u64>) {
    let mut per: BTreeMap<i64, Vec<u64>> = BTreeMap::new();
    let mut sizes = Vec::new();
    for (k, p) in parts.iter().enumerate() {
        let v: Value = serde_json::from_slice(&std::fs::read(p).expect("read")).expect("json");
        sizes.push(v["images"].as_array().expect("a").len() as u64);
        let pairs: HashSet<(i64, i64)> = v["annotations"]
            .as_array()
            .expect("a")
            .iter()
            .map(|a| {
                (
                    a["category_id"].as_i64().expect("c"),
                    a["image_id"].as_i64().expect("i"),
                )
            })
            .collect();
        for (c, _) in pairs {
            per.entry(c).or_insert_with(|| vec![0; parts.len()])[k] += 1;
        }
    }
    (per, sizes)
}

/// The largest distance of a part's count of a category's images from its share.
fn worst_deviation(per: &BTreeMap<i64, Vec<u64>>, ratios: &[f64]) -> f64 {
    let mut worst = 0f64;
    for counts in per.values() {
        let n: u64 = counts.iter().sum();
        for (k, r) in ratios.iter().enumerate() {
            worst = worst.max((counts[k] as f64 - r * n as f64).abs());
        }
    }
    worst
}

#[test]
fn stratified_parts_keep_each_categorys_share() {
    let w = Work::new();
    let syn = w.path("syn.json");
    ok([
        "synth",
        "--images",
        "2000",
        "--seed",
        "3",
        "-q",
        "-o",
        syn.to_str().expect("p"),
    ]);
    let ratios = [0.8, 0.1, 0.1];
    let files = [
        syn.clone(),
        shared("coco-tiny-val2017/instances_val2017.json"),
        shared("lvis-val-100/lvis_val_100.json"),
    ];
    for f in files {
        let plain = split(&w, &f, &["--ratios", "0.8,0.1,0.1", "--seed", "1"]);
        let (per_plain, _) = category_images(&plain);
        let strat = split(
            &w,
            &f,
            &[
                "--ratios",
                "0.8,0.1,0.1",
                "--seed",
                "1",
                "--stratify",
                "category",
            ],
        );
        assert_partition(&f, &strat);
        let (per, sizes) = category_images(&strat);
        let (wp, ws) = (
            worst_deviation(&per_plain, &ratios),
            worst_deviation(&per, &ratios),
        );
        eprintln!(
            "{}: worst deviation plain {wp:.1}, stratified {ws:.1}",
            f.display()
        );
        assert!(ws <= STRATIFY_TOLERANCE, "{}: {ws}", f.display());
        assert!(ws <= wp, "{}: stratified {ws}, plain {wp}", f.display());
        // Categories on few images are placed first: those are within one image of every share.
        for (c, counts) in &per {
            let n: u64 = counts.iter().sum();
            if n <= 10 {
                for (k, r) in ratios.iter().enumerate() {
                    assert!(
                        (counts[k] as f64 - r * n as f64).abs() < 1.0 + 1e-9,
                        "category {c}: {counts:?}"
                    );
                }
            }
        }
        let total: u64 = sizes.iter().sum();
        for (k, r) in ratios.iter().enumerate() {
            assert!(
                (sizes[k] as f64 - r * total as f64).abs() <= 0.1 * total as f64 + 1.0,
                "{sizes:?}"
            );
        }
    }
}

/// How far (images) a stratified part may be from a category's share on the files above.
const STRATIFY_TOLERANCE: f64 = 1.5;

#[test]
fn groups_are_never_cut() {
    let w = Work::new();
    let f = shared("cocoapi-val2014-100/instances_val2014_100.json");
    let mut v: Value = serde_json::from_slice(&std::fs::read(&f).expect("read")).expect("json");
    let mut video: HashMap<i64, i64> = HashMap::new();
    for (i, im) in v["images"]
        .as_array_mut()
        .expect("a")
        .iter_mut()
        .enumerate()
    {
        let g = (i as i64 * 7) % 13;
        video.insert(im["id"].as_i64().expect("id"), g);
        im["video_id"] = Value::from(g);
    }
    let input = w.write("videos.json", serde_json::to_vec(&v).expect("json"));
    for extra in [
        &[
            "--ratios",
            "0.7,0.3",
            "--seed",
            "1",
            "--group-by",
            "video_id",
        ][..],
        &[
            "--ratios",
            "0.5,0.25,0.25",
            "--seed",
            "9",
            "--group-by",
            "video_id",
            "--stratify",
            "category",
        ],
    ] {
        let parts = split(&w, &input, extra);
        let ids = assert_partition(&input, &parts);
        let mut part_of_video: HashMap<i64, usize> = HashMap::new();
        for (k, set) in ids.iter().enumerate() {
            for id in set {
                let g = video[&id.parse::<i64>().expect("id")];
                assert_eq!(*part_of_video.entry(g).or_insert(k), k, "video {g} cut");
            }
        }
        assert!(ids.iter().all(|s| !s.is_empty()), "every part has a group");
    }
}

#[test]
fn bad_input_is_one_line_exit_1_and_nothing_written() {
    let w = Work::new();
    let f = shared("cocoapi-val2014-100/instances_val2014_100.json");
    let f = f.to_str().expect("p");
    let prefix = w.path("out");
    let prefix = prefix.to_str().expect("p");
    let orphan = w.write(
        "orphan.json",
        r#"{"images": [{"id": 1, "file_name": "a.jpg"}], "annotations": [{"id": 5, "image_id": 2, "category_id": 1}], "categories": []}"#,
    );
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec![f, "--ratios", "0.8,0.3", "--seed", "1"], "sum to 1"),
        (
            vec![
                f,
                "--ratios",
                "0.8,0.1,0.1,0.1",
                "--names",
                "a,b,c,d",
                "--seed",
                "1",
            ],
            "sum to 1",
        ),
        (
            vec![f, "--ratios", "1.2,-0.2", "--seed", "1"],
            "not a positive number",
        ),
        (
            vec![f, "--ratios", "0.5,0.5,0", "--seed", "1"],
            "not a positive number",
        ),
        (vec![f, "--ratios", "1", "--seed", "1"], "at least two"),
        (
            vec![f, "--ratios", "0.4,0.3,0.2,0.1", "--seed", "1"],
            "--names",
        ),
        (
            vec![f, "--ratios", "0.5,0.5", "--names", "a,a", "--seed", "1"],
            "given twice",
        ),
        (
            vec![f, "--ratios", "0.5,0.5", "--names", "a,b,c", "--seed", "1"],
            "3 names for 2 ratios",
        ),
        (
            vec![
                f,
                "--ratios",
                "0.5,0.5",
                "--seed",
                "1",
                "--group-by",
                "video_id",
            ],
            "image id 1146: --group-by: the image has no \"video_id\"",
        ),
        (
            vec!["missing.json", "--ratios", "0.5,0.5", "--seed", "1"],
            "missing.json",
        ),
        (
            vec![
                orphan.to_str().expect("p"),
                "--ratios",
                "0.5,0.5",
                "--seed",
                "1",
            ],
            "image id 2, which no image has",
        ),
    ];
    for (args, want) in cases {
        let mut all = vec!["split"];
        all.extend(&args);
        all.extend(["-o", prefix]);
        let e = fails(&all);
        assert!(e.contains(want), "{args:?}: {e}");
        assert_eq!(w.files(), ["orphan.json"], "{args:?}: nothing written");
    }
    // A results file is not a dataset.
    let res = shared("cocoapi-val2014-100/instances_val2014_fakebbox100_results.json");
    let e = fails([
        "split",
        res.to_str().expect("p"),
        "--ratios",
        "0.5,0.5",
        "--seed",
        "1",
        "-o",
        prefix,
    ]);
    assert!(e.contains("results"), "{e}");
    // An unknown --stratify is a usage error.
    assert_eq!(
        run([
            "split",
            f,
            "--ratios",
            "0.5,0.5",
            "--seed",
            "1",
            "--stratify",
            "size",
            "-o",
            prefix
        ])
        .status
        .code(),
        Some(2)
    );
    assert_eq!(w.files(), ["orphan.json"]);
}

#[test]
fn a_directory_prefix_holds_name_json() {
    let w = Work::new();
    let f = shared("coco-tiny-val2017/instances_val2017.json");
    std::fs::create_dir(w.path("parts")).expect("mkdir");
    let dir = format!("{}/", w.path("parts").display());
    ok([
        "split",
        f.to_str().expect("p"),
        "--ratios",
        "0.5,0.5",
        "--names",
        "x,y",
        "--seed",
        "1",
        "-q",
        "-o",
        &dir,
    ]);
    assert_partition(&f, &[w.path("parts/x.json"), w.path("parts/y.json")]);
}
