//! Guard rails: nesting beyond jq's limit, errors with line and column, a full disk blamed on the output, a
//! file without annotations filtered, and temporary files removed when a command is interrupted.

use crate::common::*;
use std::path::Path;
use std::time::Duration;

#[test]
fn too_deep_fails_fast_and_writes_nothing() {
    let f = fixture("bad/too_deep.json");
    let f = f.to_str().expect("p");
    // To standard output: a few KB of indentation at most before the error, not gigabytes.
    let out = run(["pretty", f]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(
            "too_deep.json: line 1, column 10009, byte 10008: nesting deeper than 10000 levels"
        ),
        "{err}"
    );
    assert!(
        out.stdout.len() < 64 << 10,
        "{} bytes printed",
        out.stdout.len()
    );
    // Every command refuses it the same way; nothing is left behind with -o.
    for cmd in [
        &["pretty"][..],
        &["stats"],
        &["filter", "--cats", "1"],
        &["convert", "--to", "rle"],
    ] {
        let w = Work::new();
        let o = w.path("out.json");
        let mut args: Vec<&str> = cmd.to_vec();
        args.extend([f, "-o", o.to_str().expect("p")]);
        let e = fails(&args);
        assert!(
            e.contains("byte 10008: nesting deeper than 10000 levels"),
            "{cmd:?}: {e}"
        );
        assert!(w.files().is_empty(), "{cmd:?} left {:?}", w.files());
    }
    // The deepest nesting allowed prints.
    ok([
        "pretty",
        fixture("json/deep_valid.json").to_str().expect("p"),
    ]);
}

#[test]
fn errors_in_pretty_printed_files_give_line_and_column() {
    let w = Work::new();
    let good = ok([
        "pretty",
        shared("cocoapi-val2014-100/instances_val2014_100.json")
            .to_str()
            .expect("p"),
    ]);
    let text = String::from_utf8(good).expect("utf-8");
    // Break the 1000th line: an object key replaced by a bare word.
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    let k = (999..lines.len())
        .find(|&k| lines[k].trim_start().starts_with("\"id\": "))
        .expect("an id line");
    let col = lines[k].find('"').expect("quote") + 1;
    lines[k] = lines[k].replacen("\"id\": ", "id: ", 1);
    let byte: usize = lines[..k].iter().map(|l| l.len() + 1).sum::<usize>() + col - 1;
    let p = w.write("broken.json", lines.join("\n"));
    for cmd in ["pretty", "stats"] {
        let e = fails([cmd, p.to_str().expect("p")]);
        let want = format!("broken.json: line {}, column {col}, byte {byte}: ", k + 1);
        assert!(e.contains(&want), "{cmd}: {e} lacks {want}");
    }
    // Standard input cannot be read again: the byte offset alone.
    let out = cocokit()
        .args(["stats", "-"])
        .stdin(std::fs::File::open(&p).expect("open"))
        .output()
        .expect("run");
    let e = String::from_utf8_lossy(&out.stderr);
    assert!(e.contains(&format!("<stdin>: byte {byte}: ")), "{e}");
}

#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_blames_the_output() {
    let src = shared("cocoapi-val2014-100/instances_val2014_100.json");
    let src = src.to_str().expect("p");
    for cmd in [
        &["filter", "--cats", "person"][..],
        &["pretty"],
        &["convert", "--to", "rle"],
        &["stats", "--json"],
    ] {
        let mut args: Vec<&str> = cmd.to_vec();
        args.extend([src, "-o", "/dev/full"]);
        let e = fails(&args);
        assert!(
            e.starts_with("cocokit: error: /dev/full: No space left on device"),
            "{cmd:?}: {e}"
        );
        assert!(!e.contains("instances_val2014_100"), "{cmd:?}: {e}");
    }
}

#[test]
fn filter_writes_annotations_when_the_input_has_none() {
    let w = Work::new();
    let p = w.write(
        "no_anns.json",
        r#"{"info": {"year": 2017}, "images": [{"id": 1, "width": 4, "height": 4}], "categories": [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}]}"#,
    );
    let out = ok(["filter", p.to_str().expect("p"), "--cats", "a", "-q"]);
    let v: serde_json::Value = serde_json::from_slice(&out).expect("json");
    assert_eq!(v["annotations"], serde_json::json!([]));
    assert_eq!(v["categories"].as_array().expect("cats").len(), 1);
    assert_eq!(v["images"], serde_json::json!([]));
}

/// A synthetic dataset of `images` images in `w` (cached per test).
fn synth(w: &Work, images: u32) -> std::path::PathBuf {
    let p = w.path(&format!("synth-{images}.json"));
    ok([
        "synth",
        "--images",
        &images.to_string(),
        "-q",
        "-o",
        p.to_str().expect("p"),
    ]);
    p
}

fn cocokit_temps(dir: &Path) -> Vec<String> {
    let mut v = Vec::new();
    for e in walk(dir) {
        let name = e
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if name.starts_with(".cocokit-") || name.starts_with(".tmp") {
            v.push(e.display().to_string());
        }
    }
    v
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            }
            out.push(p);
        }
    }
    out
}

/// Start `args`, wait until `ready` says the command is writing, send `sig`; returns the exit code.
#[cfg(unix)]
fn interrupt(args: &[&str], sig: i32, ready: impl Fn() -> bool) -> Option<i32> {
    let mut child = cocokit()
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn");
    // A bound on the wait (about two minutes of 2 ms naps), not a timing.
    let mut naps = 0u32;
    while !ready() {
        if let Ok(Some(st)) = child.try_wait() {
            panic!("{args:?} ended ({st}) before it could be interrupted");
        }
        naps += 1;
        assert!(naps < 60_000, "never ready");
        std::thread::sleep(Duration::from_millis(2));
    }
    // SAFETY: kill(2) on our own child's pid.
    let r = unsafe { libc::kill(child.id() as libc::pid_t, sig) };
    assert_eq!(r, 0);
    child.wait().expect("wait").code()
}

#[cfg(unix)]
#[test]
fn an_interrupted_output_leaves_no_temporary_file() {
    let w = Work::new();
    let src = synth(&w, 20_000);
    let src = src.to_str().expect("p");
    let out = w.path("out.json");
    let o = out.to_str().expect("p");
    for (sig, code) in [(libc::SIGINT, 130), (libc::SIGTERM, 143)] {
        let writing = || {
            cocokit_temps(w.dir.path())
                .iter()
                .any(|t| std::fs::metadata(t).is_ok_and(|m| m.len() > 0))
        };
        let got = interrupt(&["convert", src, "--to", "rle", "-o", o], sig, writing);
        assert_eq!(got, Some(code), "signal {sig}");
        assert_eq!(
            cocokit_temps(w.dir.path()),
            Vec::<String>::new(),
            "signal {sig}"
        );
        assert!(!out.exists(), "signal {sig}: a partial output was left");
    }
}

#[cfg(unix)]
#[test]
fn an_interrupted_rasterize_leaves_no_temporary_file() {
    let w = Work::new();
    let src = synth(&w, 3_000);
    let src = src.to_str().expect("p");
    let pngs = |dir: &Path| {
        walk(dir)
            .iter()
            .filter(|p| p.extension().is_some_and(|e| e == "png"))
            .count()
    };
    // A new directory: interrupted once a few hundred maps are written.
    let fresh = w.path("fresh");
    let f = fresh.to_str().expect("p");
    let got = interrupt(
        &["rasterize", src, "--out", f, "--palette", "-q"],
        libc::SIGTERM,
        || pngs(&fresh) >= 400,
    );
    assert_eq!(got, Some(143));
    assert_eq!(cocokit_temps(w.dir.path()), Vec::<String>::new());
    assert!(pngs(&fresh) < 6_000);
    // Over a complete earlier run: interrupted once a map has been replaced (a new inode).
    let again = w.path("again");
    let a = again.to_str().expect("p");
    ok(["rasterize", src, "--out", a, "--palette", "-q"]);
    let inodes = |dir: &Path| -> std::collections::HashSet<u64> {
        use std::os::unix::fs::MetadataExt;
        walk(dir)
            .iter()
            .filter(|p| p.extension().is_some_and(|e| e == "png"))
            .filter_map(|p| std::fs::metadata(p).ok().map(|m| m.ino()))
            .collect()
    };
    let before = inodes(&again);
    let replaced = || inodes(&again).difference(&before).next().is_some();
    let got = interrupt(
        &["rasterize", src, "--out", a, "--palette", "-q"],
        libc::SIGINT,
        replaced,
    );
    assert_eq!(got, Some(130));
    assert_eq!(cocokit_temps(w.dir.path()), Vec::<String>::new());
    assert_eq!(pngs(&again), 6_000);
}
