use crate::common::*;
use std::ffi::OsStr;

/// The export encodes columns and parses records on rayon's threads: its bytes are the same for any number
/// of threads, with row groups that end inside a parse batch (1 000 rows) or hold several (10 000), and the
/// import of every one of them gives the input back.
#[test]
fn export_bytes_do_not_depend_on_the_thread_count() {
    let w = Work::new();
    let synth = w.path("synth.json");
    ok([
        OsStr::new("synth"),
        OsStr::new("--images"),
        OsStr::new("5000"),
        OsStr::new("--seed"),
        OsStr::new("5"),
        OsStr::new("-q"),
        OsStr::new("-o"),
        synth.as_os_str(),
    ]);
    let input: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&synth).expect("synth")).expect("json");
    let annotations = input["annotations"].as_array().expect("annotations").len();
    // Several parse batches (parquet::BATCH_ROWS, 16 384 records each) and several row groups.
    assert!(annotations > 2 * 16_384, "{annotations} annotations");
    for rows in ["1000", "10000"] {
        let mut first: Option<Vec<Vec<u8>>> = None;
        for threads in ["1", "2", "3", "8"] {
            let dir = w.path(&format!("t{threads}-r{rows}"));
            let out = cocokit()
                .args([
                    OsStr::new("export"),
                    OsStr::new("--to"),
                    OsStr::new("parquet"),
                ])
                .arg(&synth)
                .args([OsStr::new("-o"), dir.as_os_str()])
                .args(["--row-group-size", rows, "-q"])
                .env("RAYON_NUM_THREADS", threads)
                .output()
                .expect("run cocokit");
            assert!(
                out.status.success(),
                "{threads} threads: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let files: Vec<Vec<u8>> = ["images", "annotations", "categories"]
                .iter()
                .map(|f| std::fs::read(dir.join(format!("{f}.parquet"))).expect("parquet file"))
                .collect();
            match &first {
                None => first = Some(files),
                Some(want) => {
                    for (k, (a, b)) in want.iter().zip(&files).enumerate() {
                        assert!(
                            a == b,
                            "file {k}: {threads} threads, {rows}-row groups differ"
                        );
                    }
                }
            }
            let back = w.path(&format!("t{threads}-r{rows}.json"));
            ok([
                OsStr::new("import"),
                OsStr::new("--from"),
                OsStr::new("parquet"),
                dir.as_os_str(),
                OsStr::new("-o"),
                back.as_os_str(),
                OsStr::new("-q"),
            ]);
            let got: serde_json::Value =
                serde_json::from_slice(&std::fs::read(&back).expect("import")).expect("json");
            assert!(
                got == input,
                "{threads} threads, {rows}: import(export(x)) != x"
            );
        }
    }
}
