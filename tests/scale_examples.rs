use crate::common::*;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A file of docs/examples.
fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("docs/examples")
        .join(name)
}

/// docs/SCALE.md shows the example's commands as they are in the file.
fn shown_in_scale_md(file: &Path, from: &str) {
    let doc = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/SCALE.md"))
        .expect("docs/SCALE.md");
    let text = std::fs::read_to_string(file).expect("example");
    let at = text.find(from).expect("the excerpt's first line");
    let excerpt = &text[at..];
    assert!(
        doc.contains(excerpt),
        "docs/SCALE.md does not show {} from {from:?} on as it is:\n{excerpt}",
        file.display()
    );
}

/// docs/examples/xargs_eval.sh, run as documented: one results file per worker (the fixture's results cut by
/// image), evaluated in parallel by `xargs -P` into partials, merged: the output is `eval coco --json` of all
/// the results, byte for byte.
#[test]
fn xargs_sharded_evaluation_equals_one_shot() {
    let script = example("xargs_eval.sh");
    shown_in_scale_md(&script, "seq 0");
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_cocokit"))
        .parent()
        .expect("binary directory")
        .to_path_buf();
    let path = std::env::join_paths(std::iter::once(bin_dir).chain(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    )))
    .expect("PATH");
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
            "eval".as_ref(),
            "coco".as_ref(),
            "--gt".as_ref(),
            gt.as_os_str(),
            "--dt".as_ref(),
            dt.as_os_str(),
            "--iou-type".as_ref(),
            iou.as_ref(),
            "--json".as_ref(),
        ]);
        let results: Value =
            serde_json::from_slice(&std::fs::read(&dt).expect("results")).expect("json");
        let results = results.as_array().expect("a results file");
        for k in [1usize, 3, 8] {
            let w = Work::new();
            let mut files = vec![Vec::new(); k];
            for r in results {
                let id = r["image_id"].as_u64().expect("image_id");
                files[(id % k as u64) as usize].push(r);
            }
            for (i, f) in files.iter().enumerate() {
                assert!(!f.is_empty(), "{iou}: worker {i} of {k} has no results");
                w.write(
                    &format!("res{i}.json"),
                    serde_json::to_vec(f).expect("json"),
                );
            }
            let out = Command::new("sh")
                .arg(&script)
                .arg(&gt)
                .arg(w.dir.path())
                .arg(k.to_string())
                .arg(iou)
                .env("PATH", &path)
                .output()
                .expect("run sh");
            assert!(
                out.status.success(),
                "{iou}, {k} workers: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            assert_eq!(
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&one),
                "{iou}, {k} workers"
            );
            assert_eq!(w.files().iter().filter(|f| f.ends_with(".ckpt")).count(), k);
        }
    }
}
