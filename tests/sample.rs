//! `cocokit sample`: a deterministic subset of the images with all their annotations, records byte for byte;
//! per-category quotas; bad input one line, exit 1, nothing written.

use crate::common::*;
use serde_json::Value;
use std::collections::{HashMap, HashSet};

fn load(p: &std::path::Path) -> Value {
    serde_json::from_slice(&std::fs::read(p).expect("read")).expect("json")
}

fn image_ids(v: &Value) -> Vec<i64> {
    v["images"]
        .as_array()
        .expect("a")
        .iter()
        .map(|i| i["id"].as_i64().expect("id"))
        .collect()
}

fn sample(w: &Work, input: &std::path::Path, name: &str, extra: &[&str]) -> Value {
    let out = w.path(name);
    let mut args = vec![
        "sample",
        input.to_str().expect("p"),
        "-q",
        "-o",
        out.to_str().expect("p"),
    ];
    args.extend(extra);
    ok(&args);
    load(&out)
}

#[test]
fn a_sample_keeps_its_images_annotations_and_bytes() {
    let w = Work::new();
    let f = shared("cocoapi-val2014-100/instances_val2014_100.json");
    let input = load(&f);
    let text = std::fs::read_to_string(&f).expect("read");
    let s = sample(&w, &f, "s.json", &["--images", "25", "--seed", "4"]);
    let ids: HashSet<i64> = image_ids(&s).into_iter().collect();
    assert_eq!(ids.len(), 25);
    let want: Vec<&Value> = input["annotations"]
        .as_array()
        .expect("a")
        .iter()
        .filter(|a| ids.contains(&a["image_id"].as_i64().expect("i")))
        .collect();
    let got: Vec<&Value> = s["annotations"].as_array().expect("a").iter().collect();
    assert_eq!(
        got, want,
        "all annotations of the sampled images, in input order"
    );
    assert_eq!(s["categories"], input["categories"]);
    assert_eq!(s["info"], input["info"]);
    assert_eq!(s["licenses"], input["licenses"]);
    // Records are the input's bytes: each output record occurs in the input text.
    let out_text = std::fs::read_to_string(w.path("s.json")).expect("read");
    let first_ann = &out_text[out_text.find("\"annotations\": [").expect("a") + 16..];
    let rec_end = first_ann.find("}, {").expect("two records") + 1;
    assert!(text.contains(&first_ann[..rec_end]));
}

#[test]
fn samples_are_deterministic_and_nested() {
    let w = Work::new();
    let syn = w.path("syn.json");
    ok([
        "synth",
        "--images",
        "300",
        "--seed",
        "5",
        "-q",
        "-o",
        syn.to_str().expect("p"),
    ]);
    let run_with = |threads: &str, n: &str, seed: &str| -> Vec<u8> {
        let out = cocokit()
            .env("RAYON_NUM_THREADS", threads)
            .args([
                "sample",
                syn.to_str().expect("p"),
                "--images",
                n,
                "--seed",
                seed,
                "-q",
            ])
            .output()
            .expect("run");
        assert!(out.status.success());
        out.stdout
    };
    let a = run_with("1", "40", "1");
    assert_eq!(a, run_with("3", "40", "1"));
    assert_ne!(a, run_with("2", "40", "2"));
    let small: HashSet<i64> = image_ids(&serde_json::from_slice(&a).expect("j"))
        .into_iter()
        .collect();
    let large: HashSet<i64> =
        image_ids(&serde_json::from_slice(&run_with("2", "120", "1")).expect("j"))
            .into_iter()
            .collect();
    assert_eq!(small.len(), 40);
    assert!(
        small.is_subset(&large),
        "a larger sample with the same seed contains a smaller one"
    );
    let f = sample(&w, &syn, "f.json", &["--fraction", "0.1", "--seed", "1"]);
    assert_eq!(image_ids(&f).len(), 30);
    let f: HashSet<i64> = image_ids(&f).into_iter().collect();
    assert!(f.is_subset(&small));
}

#[test]
fn per_category_quotas_come_first() {
    let w = Work::new();
    let f = shared("coco-tiny-val2017/instances_val2017.json");
    let input = load(&f);
    let mut images_of: HashMap<i64, HashSet<i64>> = HashMap::new();
    for a in input["annotations"].as_array().expect("a") {
        images_of
            .entry(a["category_id"].as_i64().expect("c"))
            .or_default()
            .insert(a["image_id"].as_i64().expect("i"));
    }
    for k in [1usize, 2] {
        let s = sample(
            &w,
            &f,
            "q.json",
            &[
                "--images",
                "60",
                "--per-category",
                &k.to_string(),
                "--seed",
                "2",
            ],
        );
        let ids: HashSet<i64> = image_ids(&s).into_iter().collect();
        assert_eq!(ids.len(), 60);
        for (c, imgs) in &images_of {
            let have = imgs.intersection(&ids).count();
            assert!(
                have >= k.min(imgs.len()),
                "category {c}: {have} of {} images",
                imgs.len()
            );
        }
    }
}

#[test]
fn bad_input_is_one_line_exit_1_and_nothing_written() {
    let w = Work::new();
    let f = shared("coco-tiny-val2017/instances_val2017.json");
    let f = f.to_str().expect("p");
    let out = w.path("out.json");
    let out = out.to_str().expect("p");
    for (args, want) in [
        (vec![f, "--images", "1000", "--seed", "1"], "only 80 images"),
        (vec![f, "--fraction", "1.5", "--seed", "1"], "(0, 1]"),
        (vec![f, "--fraction", "0", "--seed", "1"], "(0, 1]"),
        (
            vec![f, "--images", "5", "--per-category", "3", "--seed", "1"],
            "more than the 5 asked for",
        ),
        (
            vec!["missing.json", "--images", "5", "--seed", "1"],
            "missing.json",
        ),
    ] {
        let mut all = vec!["sample"];
        all.extend(&args);
        all.extend(["-o", out]);
        let e = fails(&all);
        assert!(e.contains(want), "{args:?}: {e}");
        assert!(w.files().is_empty(), "{args:?}: nothing written");
    }
    // Neither or both of --images / --fraction: a usage error.
    assert_eq!(
        run(["sample", f, "--seed", "1", "-o", out]).status.code(),
        Some(2)
    );
    assert_eq!(
        run([
            "sample",
            f,
            "--images",
            "3",
            "--fraction",
            "0.5",
            "--seed",
            "1",
            "-o",
            out
        ])
        .status
        .code(),
        Some(2)
    );
}
