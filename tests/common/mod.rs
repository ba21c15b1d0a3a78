//! Helpers shared by the CLI tests: run the real `cocokit` binary in a scratch directory (as xsv's tests do).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A scratch directory, removed when dropped.
pub struct Work {
    pub dir: tempfile::TempDir,
}

impl Work {
    pub fn new() -> Work {
        Work {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
    pub fn write(&self, name: &str, data: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, data).expect("write fixture");
        p
    }
    /// Names of the files in the directory (to check nothing was left behind).
    pub fn files(&self) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(self.dir.path())
            .expect("read dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }
}

/// The cocokit command.
pub fn cocokit() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_cocokit"));
    c.env_remove("NO_COLOR");
    c
}

/// Run cocokit with arguments.
pub fn run<I, S>(args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    cocokit().args(args).output().expect("run cocokit")
}

/// Run and require success; returns stdout.
pub fn ok<I, S>(args: I) -> Vec<u8>
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let out = run(args);
    assert!(
        out.status.success(),
        "cocokit failed ({:?}): {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Run and require a one-line error with exit code 1; returns the message.
pub fn fails<I, S>(args: I) -> String
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let out = run(args);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(1), "expected exit 1, stderr: {err}");
    assert_eq!(
        err.trim_end().lines().count(),
        1,
        "expected a one-line error, got: {err}"
    );
    assert!(err.starts_with("cocokit: error: "), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    err
}

/// A file from the repository.
pub fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(rel)
}

/// A file of the real data from other projects, copied into `fixtures/` with its license
/// (fixtures/SOURCES.md).
pub fn shared(rel: &str) -> PathBuf {
    let p = fixture(rel);
    assert!(p.exists(), "real test data missing: {}", p.display());
    p
}

/// Every real COCO JSON file of the shared data (datasets and results).
pub fn shared_json_files() -> Vec<PathBuf> {
    let mut v = vec![
        shared("coco-tiny-val2017/instances_val2017.json"),
        shared("cocoapi-val2014-100/instances_val2014_100.json"),
        shared("cocoapi-val2014-100/instances_val2014_fakebbox100_results.json"),
        shared("cocoapi-val2014-100/instances_val2014_fakesegm100_results.json"),
        shared("lvis-val-100/lvis_val_100.json"),
        shared("panoptic/panoptic_coco_categories.json"),
    ];
    let fv = shared("format-variants");
    let mut more: Vec<PathBuf> = std::fs::read_dir(fv)
        .expect("format-variants")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    more.sort();
    v.extend(more);
    v
}
