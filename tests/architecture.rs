//! Plain-text checks of the source tree that keep the architecture true after its authors have left (as
//! hotcoco's `tests/architecture.rs` does): data flows one way through the layers, each reference formula and
//! each tuning constant has one home. They read `src/` as text; they run nothing.

use std::path::{Path, PathBuf};

/// The library's layers, lowest first: a module may use its own layer and those before it.
const LAYERS: [&[&str]; 8] = [
    &["error", "io", "testing"],
    &["json"],
    &["coco"],
    &["mask"],
    &["eval"],
    &["render"],
    &["ops"],
    &["cmd"],
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

/// Every `.rs` file under `dir`, sorted.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).expect("read src") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                todo.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// The top-level module a file of `src/` belongs to (`src/coco/reader.rs` → `coco`, `src/io.rs` → `io`).
fn module_of(file: &Path) -> String {
    let rel = file.strip_prefix(src()).expect("under src");
    let first = rel.components().next().expect("component");
    let s = first.as_os_str().to_string_lossy();
    s.trim_end_matches(".rs").to_string()
}

/// Code lines of a file: comments and doc comments dropped (they may name any module).
fn code_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.split("//").next().unwrap_or("")))
}

#[test]
fn no_module_uses_a_layer_above_its_own() {
    let mut bad = Vec::new();
    for f in rust_files(&src()) {
        let m = module_of(&f);
        let Some(own) = layer_of(&m) else { continue };
        let text = std::fs::read_to_string(&f).expect("read");
        for (n, line) in code_lines(&text) {
            for (k, _) in line.match_indices("crate::") {
                let used: String = line[k + 7..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if let Some(l) = layer_of(&used) {
                    if l > own {
                        bad.push(format!("{}:{n}: {m} uses {used}", f.display()));
                    }
                }
            }
        }
    }
    assert!(bad.is_empty(), "upward imports:\n{}", bad.join("\n"));
}

/// Files whose code contains `needle`.
fn files_containing(needle: &str) -> Vec<String> {
    rust_files(&src())
        .into_iter()
        .filter(|f| {
            let text = std::fs::read_to_string(f).expect("read");
            let found = code_lines(&text).any(|(_, l)| l.contains(needle));
            found
        })
        .map(|f| f.strip_prefix(src()).expect("src").display().to_string())
        .collect()
}

#[test]
fn one_box_iou() {
    // pycocotools' bbIou intersection width, `min(x + w) - max(x)`, in any variable names: written once.
    let mut hits = Vec::new();
    for f in rust_files(&src()) {
        let text = std::fs::read_to_string(&f).expect("read");
        for (n, l) in code_lines(&text) {
            let l: String = l.chars().filter(|c| !c.is_whitespace()).collect();
            if l.contains("[2]+") && l.contains("[0]).min(") && l.contains("[0].max(") {
                hits.push(format!("{}:{n}", f.display()));
            }
        }
    }
    assert_eq!(
        hits.len(),
        1,
        "the box IoU formula must have one home: {hits:?}"
    );
    assert!(hits[0].contains("mask/rle.rs"), "{hits:?}");
}

#[test]
fn one_batch_size_policy() {
    let homes = files_containing("const BATCH");
    assert_eq!(
        homes,
        ["coco/walk.rs"],
        "batch sizes live in coco::walk only"
    );
}

#[test]
fn one_ordered_parallel_map() {
    let homes = files_containing("fn par_map_ordered");
    assert_eq!(homes, ["coco/walk.rs"]);
}
