//! Sharded evaluation (`eval coco --partial`, `eval merge`): merging the partials of any split of the images
//! gives the one-shot numbers bit for bit. Every golden pair of fixtures/golden/{cocoeval,keypoints,boundary}
//! (each evaluation whose parameters do not select images) is split at random into K = 1, 2 and 7 shards;
//! the merged accumulation arrays must equal the one-shot run's exactly, and the merged `--json` report
//! must be the one-shot's byte for byte. Checkpoints that do not belong together and corrupt ones are
//! refused with one line, exit 1.

use crate::common::*;
use std::path::Path;

use cocokit::coco::reader::SegMode;
use cocokit::eval::cocoeval::load::{EvalGt, EvalResults};
use cocokit::eval::cocoeval::partial::{self, Partial};
use cocokit::eval::cocoeval::{self, IouType, Params};
use cocokit::ops::eval_coco::{self, Options};
use cocokit::ops::eval_shard;
use serde_json::Value;

fn read_json(p: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(p).expect("read")).expect("json")
}

fn s(p: &Path) -> String {
    p.to_str().expect("utf-8").to_string()
}

/// A golden evaluation's parameters (the keys the golden scripts write), for the directory's iou type.
fn params_of(kind: &str, spec: &Value) -> Params {
    let iou = match kind {
        "keypoints" => IouType::Keypoints,
        "boundary" => IouType::Boundary,
        _ => IouType::parse(spec["iouType"].as_str().expect("iouType")).expect("iou"),
    };
    let mut p = Params::new(iou);
    let ints = |v: &Value| -> Vec<i64> {
        v.as_array()
            .expect("array")
            .iter()
            .map(|x| x.as_i64().expect("int"))
            .collect()
    };
    let floats = |v: &Value| -> Vec<f64> {
        v.as_array()
            .expect("array")
            .iter()
            .map(|x| x.as_f64().expect("number"))
            .collect()
    };
    if let Some(v) = spec.get("catIds") {
        p.cat_ids = Some(ints(v));
    }
    if let Some(v) = spec.get("maxDets") {
        p.max_dets = ints(v).into_iter().map(|m| m as usize).collect();
    }
    if let Some(v) = spec.get("areaRng") {
        p.area_rng = v
            .as_array()
            .expect("array")
            .iter()
            .map(|r| {
                let r = floats(r);
                [r[0], r[1]]
            })
            .collect();
        p.area_rng_lbl = match spec.get("areaRngLbl") {
            Some(l) => l
                .as_array()
                .expect("array")
                .iter()
                .map(|x| x.as_str().expect("label").to_string())
                .collect(),
            None => ["all", "small", "medium", "large"]
                .iter()
                .map(|x| x.to_string())
                .collect(),
        };
    }
    if let Some(v) = spec.get("useCats") {
        p.use_cats = v.as_i64().expect("int") != 0;
    }
    if let Some(v) = spec.get("kpt_oks_sigmas") {
        p.kpt_oks_sigmas = floats(v);
    }
    if let Some(v) = spec.get("dilation_ratio") {
        p.dilation_ratio = v.as_f64().expect("number");
    }
    p
}

/// A deterministic shuffle (64-bit LCG) and a split into `k` non-empty groups.
fn split(ids: &[i64], k: usize, seed: u64) -> Vec<Vec<i64>> {
    let mut ids = ids.to_vec();
    let mut x = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    for i in (1..ids.len()).rev() {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ids.swap(i, (x >> 33) as usize % (i + 1));
    }
    let mut groups = vec![Vec::new(); k];
    for (i, id) in ids.into_iter().enumerate() {
        groups[i % k].push(id);
    }
    groups
}

/// The one-shot accumulation, straight from the evaluation module.
fn one_shot_accumulation(opts: &Options) -> cocoeval::Accumulation {
    let (g, d) = (
        std::fs::read(&opts.gt).expect("gt"),
        std::fs::read(&opts.dt).expect("dt"),
    );
    let gt = EvalGt::parse(&g, SegMode::Full).expect("gt");
    let dt = EvalResults::parse(&d, SegMode::Full).expect("dt");
    cocoeval::run_loaded(&gt, &dt, &opts.params)
        .expect("one-shot")
        .accumulation
}

/// Partials of `groups` (by image ids) merged, as the merge command's report and as the raw accumulation.
fn merged(
    w: &Work,
    opts: &Options,
    groups: &[Vec<i64>],
    tag: &str,
) -> (Value, cocoeval::Accumulation) {
    let mut paths = Vec::new();
    for (i, g) in groups.iter().enumerate() {
        let mut o = opts.clone();
        o.params.img_ids = Some(g.clone());
        let path = s(&w.path(&format!("{tag}-{i}.ckpt")));
        eval_shard::partial(&o, &path).unwrap_or_else(|e| panic!("{tag}: partial {i}: {e}"));
        paths.push(path);
    }
    // Any order of the files.
    paths.reverse();
    let report = eval_shard::merge(&paths).unwrap_or_else(|e| panic!("{tag}: merge: {e}"));
    let parts: Vec<(String, Partial)> = paths
        .iter()
        .map(|p| {
            let b = std::fs::read(p).expect("ckpt");
            (p.clone(), Partial::decode(&b).expect("decode"))
        })
        .collect();
    let acc = partial::merge(&parts).expect("merge").0.accumulate();
    (report.to_json(), acc)
}

fn bits(v: &[f64]) -> Vec<u64> {
    v.iter().map(|x| x.to_bits()).collect()
}

#[test]
fn merged_partials_equal_one_shot_on_every_golden_pair() {
    let w = Work::new();
    let mut cases = 0;
    for kind in ["cocoeval", "keypoints", "boundary"] {
        let dir = fixture(&format!("golden/{kind}"));
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .expect("golden dir")
            .map(|e| e.expect("entry").path())
            .collect();
        files.sort();
        for file in files {
            let golden = read_json(&file);
            let Some(evals) = golden.get("evals").and_then(Value::as_array) else {
                continue; // boundary/bands.json: no evaluation
            };
            for (e, ev) in evals.iter().enumerate() {
                let spec = &ev["params"];
                if spec.get("imgIds").is_some() {
                    continue; // --img-ids names the shard with --partial
                }
                let results = ev
                    .get("results")
                    .or(golden.get("results"))
                    .and_then(Value::as_str)
                    .expect("results");
                let gt = fixture(&golden["gt"].as_str().expect("gt")["fixtures/".len()..]);
                let dt = fixture(&results["fixtures/".len()..]);
                let opts = Options::new(s(&gt), s(&dt), params_of(kind, spec));
                let tag = format!(
                    "{kind}/{}#{e}",
                    file.file_name().expect("name").to_string_lossy()
                );
                let one = eval_coco::run(&opts).expect("one-shot").to_json();
                let one_acc = one_shot_accumulation(&opts);
                let ids: Vec<i64> = read_json(&gt)["images"]
                    .as_array()
                    .expect("images")
                    .iter()
                    .map(|i| i["id"].as_i64().expect("id"))
                    .collect();
                for k in [1usize, 2, 7] {
                    if ids.len() < k {
                        continue;
                    }
                    let groups = split(&ids, k, k as u64 * 1000 + e as u64);
                    let label = format!("{tag} K={k}");
                    let (json, acc) = merged(&w, &opts, &groups, &format!("c{cases}k{k}"));
                    assert_eq!(
                        serde_json::to_string(&json).expect("json"),
                        serde_json::to_string(&one).expect("json"),
                        "{label}: merged report"
                    );
                    assert_eq!(acc.counts, one_acc.counts, "{label}: counts");
                    assert_eq!(
                        bits(&acc.precision),
                        bits(&one_acc.precision),
                        "{label}: precision"
                    );
                    assert_eq!(bits(&acc.recall), bits(&one_acc.recall), "{label}: recall");
                    assert_eq!(bits(&acc.scores), bits(&one_acc.scores), "{label}: scores");
                }
                cases += 1;
            }
        }
    }
    assert!(cases >= 60, "only {cases} golden evaluations sharded");
}

/// Shards made of results files (no --img-ids), through the binary: each shard's file holds the results of
/// its images, in the original order; images no shard has results for count with their ground truths only.
#[test]
fn shards_of_results_files_merge_to_the_one_shot_cli_output() {
    let w = Work::new();
    let gt = fixture("cocoapi-val2014-100/instances_val2014_100.json");
    for (iou, res) in [
        (
            "bbox",
            "cocoapi-val2014-100/instances_val2014_fakebbox100_results.json",
        ),
        (
            "segm",
            "cocoapi-val2014-100/instances_val2014_fakesegm100_results.json",
        ),
    ] {
        let dt = fixture(res);
        let one = ok([
            "eval",
            "coco",
            "--gt",
            &s(&gt),
            "--dt",
            &s(&dt),
            "--iou-type",
            iou,
            "--json",
        ]);
        let results = read_json(&dt);
        let results = results.as_array().expect("results");
        let mut ids: Vec<i64> = results
            .iter()
            .map(|r| r["image_id"].as_i64().expect("id"))
            .collect();
        ids.sort_unstable();
        ids.dedup();
        for k in [1usize, 2, 7] {
            let groups = split(&ids, k, 7 + k as u64);
            let mut ckpts = Vec::new();
            for (i, g) in groups.iter().enumerate() {
                let mine: Vec<&Value> = results
                    .iter()
                    .filter(|r| g.contains(&r["image_id"].as_i64().expect("id")))
                    .collect();
                let f = w.write(
                    &format!("{iou}{k}-{i}.json"),
                    serde_json::to_vec(&mine).expect("json"),
                );
                let ck = s(&w.path(&format!("{iou}{k}-{i}.ckpt")));
                ok([
                    "eval",
                    "coco",
                    "--gt",
                    &s(&gt),
                    "--dt",
                    &s(&f),
                    "--iou-type",
                    iou,
                    "--partial",
                    &ck,
                    "-q",
                ]);
                ckpts.push(ck);
            }
            let mut args = vec!["eval".to_string(), "merge".into(), "--json".into()];
            args.extend(ckpts);
            assert_eq!(
                String::from_utf8_lossy(&ok(&args)),
                String::from_utf8_lossy(&one),
                "{iou}, {k} results files"
            );
        }
        // The text report too, with --per-class, written with -o.
        let ck = s(&w.path(&format!("{iou}-all.ckpt")));
        ok([
            "eval",
            "coco",
            "--gt",
            &s(&gt),
            "--dt",
            &s(&dt),
            "--iou-type",
            iou,
            "--partial",
            &ck,
            "-q",
        ]);
        let text = ok([
            "eval",
            "coco",
            "--gt",
            &s(&gt),
            "--dt",
            &s(&dt),
            "--iou-type",
            iou,
            "--per-class",
        ]);
        let out = w.path(&format!("{iou}.txt"));
        ok(["eval", "merge", &ck, "--per-class", "-o", &s(&out)]);
        assert_eq!(std::fs::read(&out).expect("report"), text);
    }
}

fn partial_of(w: &Work, name: &str, args: &[&str]) -> String {
    let gt = fixture("cocoapi-val2014-100/instances_val2014_100.json");
    let dt = fixture("cocoapi-val2014-100/instances_val2014_fakebbox100_results.json");
    let ck = s(&w.path(name));
    let mut all = vec!["eval", "coco", "-q", "--partial", &ck];
    let (g, d) = (s(&gt), s(&dt));
    all.extend(["--gt", &g, "--dt", &d]);
    all.extend(args);
    ok(&all);
    ck
}

#[test]
fn partials_that_do_not_belong_together_are_refused() {
    let w = Work::new();
    let a = partial_of(
        &w,
        "a.ckpt",
        &["--iou-type", "bbox", "--img-ids", "139,285"],
    );
    let b = partial_of(
        &w,
        "b.ckpt",
        &["--iou-type", "bbox", "--img-ids", "285,632"],
    );
    let err = fails(["eval", "merge", &a, &b]);
    assert!(
        err.contains("both hold image 285") && err.contains("a.ckpt") && err.contains("b.ckpt"),
        "{err}"
    );
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");

    let c = partial_of(&w, "c.ckpt", &["--iou-type", "segm", "--img-ids", "632"]);
    let err = fails(["eval", "merge", &a, &c]);
    assert!(
        err.contains("different parameters (iou types differ)"),
        "{err}"
    );
    let d = partial_of(
        &w,
        "d.ckpt",
        &[
            "--iou-type",
            "bbox",
            "--img-ids",
            "632",
            "--max-dets",
            "1,10,20",
        ],
    );
    let err = fails(["eval", "merge", &a, &d]);
    assert!(
        err.contains("different parameters (max dets differ)"),
        "{err}"
    );

    // The same ground truth with one byte changed (a space): a different fingerprint.
    let gt = fixture("cocoapi-val2014-100/instances_val2014_100.json");
    let mut bytes = std::fs::read(&gt).expect("gt");
    bytes.push(b'\n');
    let gt2 = w.write("gt2.json", bytes);
    let e = s(&w.path("e.ckpt"));
    let dt = s(&fixture(
        "cocoapi-val2014-100/instances_val2014_fakebbox100_results.json",
    ));
    ok([
        "eval",
        "coco",
        "-q",
        "--gt",
        &s(&gt2),
        "--dt",
        &dt,
        "--iou-type",
        "bbox",
        "--img-ids",
        "632",
        "--partial",
        &e,
    ]);
    let err = fails(["eval", "merge", &a, &e]);
    assert!(err.contains("different ground truths"), "{err}");
    assert!(!w.path("out.json").exists());
    let out = s(&w.path("out.json"));
    fails(["eval", "merge", &a, &e, "--json", "-o", &out]);
    assert!(!w.path("out.json").exists(), "no output on error");
}

#[test]
fn corrupt_checkpoints_give_one_line_errors() {
    let w = Work::new();
    let a = partial_of(
        &w,
        "a.ckpt",
        &["--iou-type", "bbox", "--img-ids", "139,285"],
    );
    let good = std::fs::read(&a).expect("ckpt");
    let mut flipped = good.clone();
    let mid = flipped.len() / 2;
    flipped[mid] ^= 0x40;
    let mut version = good.clone();
    version[16] = 9;
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty.ckpt", Vec::new(), "not a cocokit partial evaluation"),
        (
            "json.ckpt",
            b"[]".to_vec(),
            "not a cocokit partial evaluation",
        ),
        ("short.ckpt", good[..good.len() - 7].to_vec(), "truncated"),
        ("header.ckpt", good[..20].to_vec(), "truncated"),
        ("flip.ckpt", flipped, "checksum"),
        ("version.ckpt", version, "version 9"),
    ];
    for (name, bytes, want) in cases {
        let p = w.write(name, bytes);
        let err = fails(["eval", "merge", &a, &s(&p)]);
        assert!(err.contains(want) && err.contains(name), "{name}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{name}: {err}");
    }
    let err = fails(["eval", "merge", &s(&w.path("missing.ckpt"))]);
    assert!(err.contains("missing.ckpt"), "{err}");
    // --partial writes nothing over an input, and refuses --json.
    let gt = s(&fixture("cocoapi-val2014-100/instances_val2014_100.json"));
    let dt = s(&fixture(
        "cocoapi-val2014-100/instances_val2014_fakebbox100_results.json",
    ));
    assert_eq!(
        run([
            "eval",
            "coco",
            "--gt",
            &gt,
            "--dt",
            &dt,
            "--iou-type",
            "bbox",
            "--partial",
            &a,
            "--json"
        ])
        .status
        .code(),
        Some(2)
    );
}

/// The checkpoints the `--help` examples merge (fixtures/shard/) are what this build writes.
#[test]
fn example_checkpoints_are_current() {
    let w = Work::new();
    let gt = s(&fixture("cocoapi-val2014-100/instances_val2014_100.json"));
    let dt = s(&fixture(
        "cocoapi-val2014-100/instances_val2014_fakebbox100_results.json",
    ));
    let ids: Vec<i64> = read_json(Path::new(&gt))["images"]
        .as_array()
        .expect("images")
        .iter()
        .map(|i| i["id"].as_i64().expect("id"))
        .collect();
    let half = ids.len() / 2;
    for (name, part) in [("shard1.ckpt", &ids[..half]), ("shard2.ckpt", &ids[half..])] {
        let list: Vec<String> = part.iter().map(i64::to_string).collect();
        let out = s(&w.path(name));
        ok([
            "eval",
            "coco",
            "-q",
            "--gt",
            &gt,
            "--dt",
            &dt,
            "--iou-type",
            "bbox",
            "--img-ids",
            &list.join(","),
            "--partial",
            &out,
        ]);
        let want = std::fs::read(&out).expect("written");
        let fixture_path = fixture(&format!("shard/{name}"));
        if std::env::var_os("COCOKIT_BLESS").is_some() {
            std::fs::create_dir_all(fixture_path.parent().expect("dir")).expect("mkdir");
            std::fs::write(&fixture_path, &want).expect("bless");
        }
        assert_eq!(
            std::fs::read(&fixture_path).unwrap_or_default(),
            want,
            "fixtures/shard/{name} is stale: COCOKIT_BLESS=1 cargo test --test tests shard"
        );
    }
}
