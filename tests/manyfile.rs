//! Many-file inputs (`coco::source`): directories, globs and lists of SA-1B per-image files and whole COCO
//! files read as one dataset, compared with the equivalent single COCO file built here.

use crate::common::*;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

/// The per-image fixture files, sorted by name.
fn sa1b_files() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(shared("sa1b-like"))
        .expect("dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    v.sort();
    assert_eq!(v.len(), 6);
    v
}

fn read_json(p: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(p).expect("read")).expect("json")
}

/// The single COCO dataset the per-image files `files` stand for, as docs/SCALE.md says: the image's `id` is
/// its `image_id`, each annotation gets that `image_id`.
fn equivalent(files: &[PathBuf]) -> Value {
    let (mut images, mut anns) = (Vec::new(), Vec::new());
    for f in files {
        let d = read_json(f);
        let mut img = d["image"].as_object().expect("image").clone();
        let id = img.shift_remove("image_id").expect("image_id");
        img.insert("id".into(), id.clone());
        images.push(Value::Object(img));
        for a in d["annotations"].as_array().expect("annotations") {
            let mut a = a.as_object().expect("annotation").clone();
            a.insert("image_id".into(), id.clone());
            anns.push(Value::Object(a));
        }
    }
    json!({"images": images, "annotations": anns})
}

fn stats_json(args: &[&str]) -> Value {
    let mut a = vec!["stats", "--json"];
    a.extend_from_slice(args);
    serde_json::from_slice(&ok(a)).expect("stats json")
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

#[test]
fn stats_of_a_directory_equal_stats_of_the_equivalent_coco_file() {
    let w = Work::new();
    let single = w.write("single.json", equivalent(&sa1b_files()).to_string());
    let want = stats_json(&[s(&single)]);
    assert_eq!(want["images"], 6);
    assert_eq!(want["annotations"], 36);
    assert_eq!(want["segmentation"]["compressed_rle"], 36);
    let dir = shared("sa1b-like");
    assert_eq!(stats_json(&[s(&dir)]), want);
    // The table too, but for the name in its first line.
    let table = |args: &[&str]| {
        let mut a = vec!["stats"];
        a.extend_from_slice(args);
        let out = String::from_utf8(ok(a)).expect("utf-8");
        out.split_once('\n').expect("lines").1.to_string()
    };
    assert_eq!(table(&[s(&dir)]), table(&[s(&single)]));
}

#[test]
fn glob_directory_and_list_give_the_same_dataset() {
    let dir = shared("sa1b-like");
    let files = sa1b_files();
    let glob = format!("{}/sa_*.json", s(&dir));
    let list: Vec<&str> = files.iter().map(|p| s(p)).collect();
    let w = Work::new();
    let out = |name: &str, inputs: &[&str]| {
        let o = w.path(name);
        let mut a = vec!["convert", "--to", "polygon", "-q", "-o", s(&o)];
        a.extend_from_slice(inputs);
        ok(a);
        std::fs::read(&o).expect("output")
    };
    let by_dir = out("dir.json", &[s(&dir)]);
    assert_eq!(out("glob.json", &[&glob]), by_dir);
    assert_eq!(out("list.json", &list), by_dir);
    // Files and a glob: the first four files by name, then a glob matching the other two.
    let rest = format!("{}/sa_[3-9]*.json", s(&dir));
    let split = out(
        "split.json",
        &[list[0], list[1], list[2], list[3], rest.as_str()],
    );
    assert_eq!(split, by_dir);
    let v: Value = serde_json::from_slice(&by_dir).expect("json");
    assert_eq!(v["images"].as_array().expect("images").len(), 6);
    assert_eq!(v["annotations"].as_array().expect("anns").len(), 36);
    assert!(v.get("categories").is_none());
    // Records as the files have them, with `id` and `image_id` as documented.
    let first = read_json(&files[0]);
    assert_eq!(v["images"][0]["id"], first["image"]["image_id"]);
    assert_eq!(v["images"][0]["file_name"], first["image"]["file_name"]);
    assert_eq!(v["annotations"][0]["image_id"], first["image"]["image_id"]);
    assert_eq!(
        v["annotations"][0]["predicted_iou"],
        first["annotations"][0]["predicted_iou"]
    );
}

/// `n` per-image files in `w` (copies of the fixtures with new image and annotation ids).
fn many_copies(w: &Work, n: usize) -> PathBuf {
    let dir = w.path("many");
    std::fs::create_dir(&dir).expect("mkdir");
    let files = sa1b_files();
    for k in 0..n {
        let mut d = read_json(&files[k % files.len()]);
        d["image"]["image_id"] = json!(k + 1);
        for (j, a) in d["annotations"]
            .as_array_mut()
            .expect("anns")
            .iter_mut()
            .enumerate()
        {
            a["id"] = json!(k * 100 + j + 1);
        }
        std::fs::write(dir.join(format!("sa_{k:05}.json")), d.to_string()).expect("write");
    }
    dir
}

#[test]
fn the_same_output_with_any_number_of_threads() {
    let w = Work::new();
    // More files than one parallel batch holds.
    let dir = many_copies(&w, 700);
    let run_with = |threads: &str, name: &str| {
        let o = w.path(name);
        let out = cocokit()
            .env("RAYON_NUM_THREADS", threads)
            .args(["convert", "--to", "rle", "-q", "-o", s(&o), s(&dir)])
            .output()
            .expect("run");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        std::fs::read(&o).expect("output")
    };
    let one = run_with("1", "one.json");
    assert_eq!(run_with("3", "three.json"), one);
    let v: Value = serde_json::from_slice(&one).expect("json");
    let ids: Vec<i64> = v["images"]
        .as_array()
        .expect("images")
        .iter()
        .map(|i| i["id"].as_i64().expect("id"))
        .collect();
    assert_eq!(ids, (1..=700).collect::<Vec<i64>>());
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("dir")
        .map(|e| e.expect("e").path())
        .collect();
    files.sort();
    let single = w.write("single.json", equivalent(&files).to_string());
    assert_eq!(stats_json(&[s(&dir)]), stats_json(&[s(&single)]));
}

#[test]
fn a_bad_file_in_the_middle_is_named_and_nothing_is_written() {
    let w = Work::new();
    let dir = many_copies(&w, 5);
    // Broken JSON in the third file: the planning step reports it.
    let bad = dir.join("sa_00002.json");
    let text = std::fs::read_to_string(&bad).expect("read");
    let cut = text.find("\"bbox\"").expect("bbox");
    std::fs::write(&bad, &text[..cut]).expect("write");
    let out = w.path("out.json");
    let err = fails(["convert", "--to", "rle", "-q", "-o", s(&out), s(&dir)]);
    assert!(err.contains(&format!("{}:", s(&bad))), "{err}");
    assert!(!out.exists());
    assert_eq!(w.files(), vec!["many".to_string()]);
    for cmd in [
        vec!["stats"],
        vec!["validate"],
        vec!["filter", "--img-ids", "1"],
    ] {
        let mut a = cmd.clone();
        a.push(s(&dir));
        let err = fails(a);
        assert!(err.contains(s(&bad)), "{cmd:?}: {err}");
    }
}

#[test]
fn an_error_of_the_command_is_told_at_its_file_line_and_byte() {
    let w = Work::new();
    let dir = many_copies(&w, 4);
    // Valid JSON that the command's reader refuses: a bbox of three numbers in the second file.
    let bad = dir.join("sa_00001.json");
    let mut d = read_json(&bad);
    d["annotations"][1]["bbox"] = json!([1, 2, 3]);
    let text = serde_json::to_string_pretty(&d).expect("json");
    std::fs::write(&bad, &text).expect("write");
    let bbox = "[\n        1,\n        2,\n        3\n      ]";
    let at = text.find(bbox).expect("bbox");
    let out = w.path("out.json");
    // `convert` reads only ids and segmentations: `stats` parses the bbox.
    let err = fails(["stats", "-q", "-o", s(&out), s(&dir)]);
    // `FILE: line L, column C, byte N: annotation id 103: ...`, N inside the bbox, L its line in FILE.
    let rest = err
        .split_once(&format!("{}: line ", s(&bad)))
        .expect("file and line")
        .1;
    let line: usize = rest
        .split(',')
        .next()
        .and_then(|n| n.parse().ok())
        .expect("line");
    let byte: usize = rest
        .split("byte ")
        .nth(1)
        .and_then(|r| r.split(':').next())
        .and_then(|n| n.parse().ok())
        .expect("byte offset");
    assert!(
        (at..=at + bbox.len()).contains(&byte),
        "{err} (bbox at {at})"
    );
    assert_eq!(text[..byte].matches('\n').count() + 1, line, "{err}");
    assert!(err.contains("annotation id 102"), "{err}");
    assert!(!out.exists());
    let stats_err = fails(["filter", "--img-ids", "1", "-q", "-o", s(&out), s(&dir)]);
    assert!(
        stats_err.contains(&format!("{}: line {line}, ", s(&bad))),
        "{stats_err}"
    );
    assert!(!out.exists());
}

#[test]
fn an_image_id_in_two_files_names_both() {
    let w = Work::new();
    let files = sa1b_files();
    let mut d = read_json(&files[1]);
    d["image"]["image_id"] = read_json(&files[0])["image"]["image_id"].clone();
    let again = w.write("again.json", d.to_string());
    let err = fails(["stats", s(&files[0]), s(&again)]);
    assert!(
        err.contains(s(&files[0])) && err.contains(s(&again)),
        "{err}"
    );
    assert!(err.contains("image id"), "{err}");
}

#[test]
fn an_annotation_of_another_image_is_an_error() {
    let w = Work::new();
    let files = sa1b_files();
    let mut d = read_json(&files[0]);
    d["annotations"][1]["image_id"] = json!(12345);
    let odd = w.write("odd.json", d.to_string());
    let err = fails(["stats", s(&odd), s(&files[1])]);
    assert!(err.contains("odd.json: "), "{err}");
    assert!(err.contains("is not the file's image id"), "{err}");
}

#[test]
fn one_per_image_file_alone_is_read_as_a_dataset() {
    let files = sa1b_files();
    let w = Work::new();
    let single = w.write("single.json", equivalent(&files[..1]).to_string());
    assert_eq!(stats_json(&[s(&files[0])]), stats_json(&[s(&single)]));
}

/// coco-tiny-val2017 cut into two whole COCO files (images and their annotations), the categories in both.
fn two_halves(w: &Work) -> (PathBuf, PathBuf, PathBuf) {
    let whole_path = shared("coco-tiny-val2017/instances_val2017.json");
    let whole = read_json(&whole_path);
    let images = whole["images"].as_array().expect("images");
    let (a, b) = images.split_at(30);
    let half = |imgs: &[Value]| {
        let ids: Vec<&Value> = imgs.iter().map(|i| &i["id"]).collect();
        let anns: Vec<&Value> = whole["annotations"]
            .as_array()
            .expect("anns")
            .iter()
            .filter(|a| ids.contains(&&a["image_id"]))
            .collect();
        json!({"images": imgs, "annotations": anns, "categories": whole["categories"]})
    };
    (
        whole_path,
        w.write("a.json", half(a).to_string()),
        w.write("b.json", half(b).to_string()),
    )
}

#[test]
fn whole_coco_files_concatenate() {
    let w = Work::new();
    let (whole, a, b) = two_halves(&w);
    let mut want = stats_json(&[s(&whole)]);
    let mut got = stats_json(&[s(&a), s(&b)]);
    // The halves list the annotations image by image, not in the original's order: counts do not see that.
    for v in [&mut want, &mut got] {
        v.as_object_mut().expect("obj").remove("other_keys");
    }
    assert_eq!(got, want);
    // And mixed with per-image files (no categories of their own; image ids 1..=6, not coco-tiny's).
    let dir = many_copies(&w, 6);
    let mixed = stats_json(&[s(&a), s(&dir), s(&b)]);
    assert_eq!(mixed["images"], json!(80 + 6));
    // The fixtures' image ids are coco-tiny's: with the halves, each is in two files.
    let err = fails(["stats", s(&a), s(&b), s(&shared("sa1b-like"))]);
    assert!(err.contains("is also in"), "{err}");
    assert_eq!(mixed["categories"], json!(80));
}

#[test]
fn datasets_whose_categories_differ_are_refused() {
    let w = Work::new();
    let (_, a, b) = two_halves(&w);
    let mut d = read_json(&b);
    d["categories"][3]["name"] = json!("scooter");
    let b2 = w.write("b2.json", d.to_string());
    let out = w.path("out.json");
    let err = fails(["filter", "--cats", "person", "-o", s(&out), s(&a), s(&b2)]);
    assert!(err.contains("b2.json") && err.contains("a.json"), "{err}");
    assert!(err.contains("scooter"), "{err}");
    assert!(!out.exists());
}

#[test]
fn results_files_concatenate_into_one_results_array() {
    let w = Work::new();
    let res = shared("cocoapi-val2014-100/instances_val2014_fakebbox100_results.json");
    let all = read_json(&res);
    let dets = all.as_array().expect("array");
    let (x, y) = dets.split_at(dets.len() / 3);
    let a = w.write("a.json", Value::Array(x.to_vec()).to_string());
    let b = w.write("b.json", Value::Array(y.to_vec()).to_string());
    assert_eq!(stats_json(&[s(&a), s(&b)]), stats_json(&[s(&res)]));
    let err = fails(["stats", s(&a), s(&shared("sa1b-like"))]);
    assert!(err.contains("results file"), "{err}");
}

#[test]
fn validate_names_the_file_of_each_finding() {
    let w = Work::new();
    let dir = many_copies(&w, 3);
    let f = dir.join("sa_00001.json");
    let mut d = read_json(&f);
    d["annotations"][0]["bbox"] = json!([600, 400, 100, 100]);
    std::fs::write(&f, d.to_string()).expect("write");
    let out = run(["validate", "--json", s(&dir)]);
    let rep: Value = serde_json::from_slice(&out.stdout).expect("json");
    let text = d.to_string();
    let examples: Vec<&Value> = rep["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .flat_map(|f| f["examples"].as_array().expect("examples"))
        .filter(|e| e["record"] == "annotation id 101")
        .collect();
    assert!(!examples.is_empty(), "{rep}");
    for e in examples {
        assert_eq!(e["file"], json!(s(&f)), "{e}");
        let off = e["offset"].as_u64().expect("offset") as usize;
        assert!(text[off..].starts_with("{\"id\":101"), "{e}");
        assert_eq!(e["line"], 1, "{e}");
    }
}

#[test]
fn export_to_parquet_of_a_directory_is_the_export_of_the_single_file() {
    let w = Work::new();
    let dir = shared("sa1b-like");
    let single = w.write("single.json", equivalent(&sa1b_files()).to_string());
    let back = |input: &Path, name: &str| {
        let pq = w.path(name);
        ok(["export", "--to", "parquet", "-q", s(input), "-o", s(&pq)]);
        let j = w.path(&format!("{name}.json"));
        ok(["import", "--from", "parquet", s(&pq), "-o", s(&j)]);
        read_json(&j)
    };
    let got = back(&dir, "dir_pq");
    assert_eq!(got, back(&single, "single_pq"));
    assert_eq!(got["annotations"].as_array().expect("anns").len(), 36);
}

#[test]
fn rasterize_reads_a_directory() {
    let w = Work::new();
    let out = w.path("inst");
    ok([
        "rasterize",
        "--mode",
        "instance",
        "-q",
        "-o",
        s(&out),
        s(&shared("sa1b-like")),
    ]);
    let mut pngs: Vec<String> = std::fs::read_dir(&out)
        .expect("out")
        .map(|e| e.expect("e").file_name().to_string_lossy().into_owned())
        .collect();
    pngs.sort();
    assert_eq!(pngs.len(), 6, "{pngs:?}");
    assert!(pngs.contains(&"sa_5001.png".to_string()), "{pngs:?}");
}

#[test]
fn arguments_that_name_nothing_are_errors() {
    let w = Work::new();
    let empty = w.path("empty");
    std::fs::create_dir(&empty).expect("mkdir");
    let err = fails(["stats", s(&empty)]);
    assert!(err.contains("no *.json file"), "{err}");
    let err = fails(["stats", &format!("{}/*.json", s(&empty))]);
    assert!(err.contains("no file matches"), "{err}");
    let err = fails(["stats", "-", s(&shared("sa1b-like"))]);
    assert!(err.contains("standard input"), "{err}");
}

/// The fixture's results cut into `k` consecutive pieces `res0.json`, `res1.json`, ... in a directory of `w`.
fn cut_results(w: &Work, res: &Path, k: usize) -> PathBuf {
    let all = read_json(res);
    let dets = all.as_array().expect("array");
    let dir = w.path(&format!("res{k}"));
    std::fs::create_dir(&dir).expect("mkdir");
    let per = dets.len().div_ceil(k);
    for (i, piece) in dets.chunks(per).enumerate() {
        std::fs::write(
            dir.join(format!("res{i}.json")),
            Value::Array(piece.to_vec()).to_string(),
        )
        .expect("write");
    }
    dir
}

/// `eval coco --dt` of several results files (a list, a directory, a quoted glob), as written by several
/// GPUs: the same output, byte for byte, as the one file they were cut from.
#[test]
fn eval_coco_reads_several_results_files_as_one() {
    let gt = shared("cocoapi-val2014-100/instances_val2014_100.json");
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
        let res = shared(res);
        let eval = |dt: &[&str]| {
            let mut a = vec!["eval", "coco", "--gt", s(&gt), "--iou-type", iou, "--json"];
            a.push("--dt");
            a.extend_from_slice(dt);
            ok(a)
        };
        let want = eval(&[s(&res)]);
        let w = Work::new();
        let dir = cut_results(&w, &res, 3);
        let list: Vec<String> = (0..3)
            .map(|i| s(&dir.join(format!("res{i}.json"))).to_string())
            .collect();
        let list: Vec<&str> = list.iter().map(String::as_str).collect();
        assert_eq!(eval(&list), want, "{iou}: a list of files");
        assert_eq!(eval(&[s(&dir)]), want, "{iou}: a directory");
        let glob = format!("{}/res*.json", s(&dir));
        assert_eq!(eval(&[&glob]), want, "{iou}: a glob");
        // A partial of several files merges to the same numbers.
        let ckpt = w.path("all.ckpt");
        let mut a = vec!["eval", "coco", "--gt", s(&gt), "--iou-type", iou, "-q"];
        a.extend(["--partial", s(&ckpt), "--dt"]);
        a.extend_from_slice(&list);
        ok(a);
        assert_eq!(ok(["eval", "merge", s(&ckpt), "--json"]), want, "{iou}");
    }
}

#[test]
fn eval_coco_names_the_broken_results_file() {
    let gt = shared("cocoapi-val2014-100/instances_val2014_100.json");
    let res = shared("cocoapi-val2014-100/instances_val2014_fakebbox100_results.json");
    let w = Work::new();
    let dir = cut_results(&w, &res, 3);
    // A result without a score in the second file: the message names that file and a byte in it.
    let bad = dir.join("res1.json");
    let mut v = read_json(&bad);
    let first = v
        .as_array_mut()
        .and_then(|a| a.get_mut(1))
        .and_then(Value::as_object_mut)
        .expect("a result");
    first.remove("score");
    std::fs::write(&bad, v.to_string()).expect("write");
    let err = fails([
        "eval",
        "coco",
        "--gt",
        s(&gt),
        "--iou-type",
        "bbox",
        "--dt",
        s(&dir),
    ]);
    assert!(err.contains(s(&bad)), "{err}");
    assert!(
        !err.contains("res0.json") && !err.contains("res2.json"),
        "{err}"
    );
    // A dataset among results files is refused, naming it.
    let err = fails([
        "eval",
        "coco",
        "--gt",
        s(&gt),
        "--iou-type",
        "bbox",
        "--dt",
        s(&res),
        s(&gt),
    ]);
    assert!(err.contains(s(&gt)) && err.contains("results"), "{err}");
}

#[test]
fn remap_of_two_files_is_the_remap_of_their_union() {
    let w = Work::new();
    let (_, a, b) = two_halves(&w);
    let (va, vb) = (read_json(&a), read_json(&b));
    let cat = |v: &Value, k: &str| v[k].as_array().expect("array").clone();
    let images = [cat(&va, "images"), cat(&vb, "images")].concat();
    let annotations = [cat(&va, "annotations"), cat(&vb, "annotations")].concat();
    let union =
        json!({"images": images, "annotations": annotations, "categories": va["categories"]});
    let one = w.write("union.json", union.to_string());
    let remap = |inputs: &[&Path], out: &str| {
        let out = w.path(out);
        let mut args = vec!["remap"];
        args.extend(inputs.iter().map(|p| s(p)));
        args.extend([
            "--rename",
            "person=human",
            "--drop",
            "car",
            "-q",
            "-o",
            s(&out),
        ]);
        ok(args);
        read_json(&out)
    };
    let want = remap(&[&one], "want.json");
    let got = remap(&[&a, &b], "got.json");
    assert_eq!(got, want);
    assert!(got["categories"].to_string().contains("\"human\""));
    // A broken second file is named, and nothing is written.
    let bad = w.write("bad.json", "{\"images\": [{\"id\": 1}, ");
    let out = w.path("none.json");
    let err = fails(["remap", s(&a), s(&bad), "--drop", "car", "-o", s(&out)]);
    assert!(err.contains("bad.json"), "{err}");
    assert!(!out.exists());
}
