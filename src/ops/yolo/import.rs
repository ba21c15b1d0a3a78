//! YOLO labels → COCO (`cocokit import --from yolo`): a dataset from a directory of images, their label files
//! and the class names.
//!
//! - Images: every file of the images directory (recursively) with an extension ultralytics loads
//!   ([`super::IMAGE_EXTENSIONS`]), in sorted path order, ids 1, 2, ...; `file_name` is the path relative to that
//!   directory (`/`-separated). Width and height are read from the file's header, never decoded (the `imagesize`
//!   crate); EXIF orientation is not applied (the stored size, as COCO's own files give).
//! - Labels: image `a/b.jpg` has label file `a/b.txt` under the labels directory; no file (or an empty one) means
//!   no objects. A line of 5 fields is a box, `class cx cy w h` → `bbox [(cx - w/2)·W, (cy - h/2)·H, w·W, h·H]`,
//!   `area` w·h (pixels), no `segmentation`; a line of 2k + 1 fields (k ≥ 3) is a polygon → `segmentation`
//!   (coordinates × W, H), `area` = pycocotools' area of the polygon's mask (`area(frPyObjects([poly], h, w))`),
//!   `bbox` = the polygon's extent (as COCO's own polygon annotations have it). Blank lines are skipped.
//! - Classes: `names` of a `data.yaml` (a list, or a map 0..n-1 → name, the two forms ultralytics writes), or a
//!   text file with one name per line (`classes.txt`). Category ids are class + 1, or the `coco_category_ids` list
//!   of a `data.yaml` written by `cocokit export --to yolo`, so an export → import keeps the ids.
//!
//! Errors (one line naming `file:line`, nothing written): a line whose field count is neither 5 nor odd ≥ 7, a
//! class that is not an integer or is out of range, a coordinate that is not a finite number, an image whose
//! header cannot be read. Label files with no image are not imported; the report counts them.
//!
//! Not here: keypoint (pose) and oriented-box (OBB) labels; the output's layout is written here, records one per
//! line.

use crate::coco::walk::par_map_ordered;
use crate::coco::Segmentation;
use crate::error::{Error, Result};
use crate::mask::segmentation::segmentation_to_rle;
use std::collections::{BTreeSet, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Options of an import.
#[derive(Clone, Debug)]
pub struct ImportOptions {
    /// The label files' directory.
    pub labels: PathBuf,
    /// The images' directory.
    pub images: PathBuf,
    /// `data.yaml` or a names text file; when `None`, `data.yaml` in the labels directory or its parent.
    pub names: Option<PathBuf>,
}

/// What an import read.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct ImportReport {
    pub images: u64,
    pub annotations: u64,
    pub boxes: u64,
    pub polygons: u64,
    pub categories: u64,
    /// Label files no image matches (not imported).
    pub unmatched_labels: u64,
}

/// The classes: names and category ids.
#[derive(Clone, Debug, PartialEq)]
pub struct Classes {
    pub names: Vec<String>,
    pub ids: Vec<i64>,
}

/// One object of a label file.
enum Object {
    Box([f64; 4]),
    Polygon(Vec<f64>),
}

/// An image with its objects.
struct Read {
    file_name: String,
    width: u32,
    height: u32,
    objects: Vec<(usize, Object)>,
}

/// The files under `dir` (recursively), relative paths in sorted order.
fn walk(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![PathBuf::new()];
    while let Some(rel) = stack.pop() {
        let here = dir.join(&rel);
        let entries =
            std::fs::read_dir(&here).map_err(|e| Error::io(here.display().to_string(), e))?;
        for e in entries {
            let e = e.map_err(|e| Error::io(here.display().to_string(), e))?;
            let path = rel.join(e.file_name());
            // Follows symlinks (a dataset of linked images is common).
            let meta = std::fs::metadata(e.path())
                .map_err(|err| Error::io(e.path().display().to_string(), err))?;
            if meta.is_dir() {
                stack.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

fn has_extension(p: &Path, exts: &[&str]) -> bool {
    p.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| exts.iter().any(|x| x.eq_ignore_ascii_case(e)))
}

/// The classes of `path`: a `.txt` file has one name per line; anything else is read as YAML with `names`.
pub fn read_classes(path: &Path) -> Result<Classes> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(&name, e))?;
    if has_extension(path, &["txt"]) {
        let names: Vec<String> = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect();
        let ids = (1..=names.len() as i64).collect();
        return Ok(Classes { names, ids });
    }
    use yaml_rust2::{Yaml, YamlLoader};
    let bad = |msg: String| Error::msg(msg).in_file(name.clone());
    let docs = YamlLoader::load_from_str(&text).map_err(|e| bad(format!("not YAML: {e}")))?;
    let doc = docs
        .first()
        .and_then(Yaml::as_hash)
        .ok_or_else(|| bad("not a YAML mapping".into()))?;
    let get = |k: &str| doc.get(&Yaml::String(k.into()));
    let scalar = |v: &Yaml| match v {
        Yaml::String(s) | Yaml::Real(s) => Some(s.clone()),
        Yaml::Integer(i) => Some(i.to_string()),
        Yaml::Boolean(b) => Some(b.to_string()),
        _ => None,
    };
    let names: Vec<String> = match get("names") {
        Some(Yaml::Array(v)) => v
            .iter()
            .map(|n| scalar(n).ok_or_else(|| bad("a name in `names` is not a string".into())))
            .collect::<Result<_>>()?,
        Some(Yaml::Hash(h)) => {
            let mut names = Vec::with_capacity(h.len());
            for (k, (key, v)) in h.iter().enumerate() {
                if key.as_i64() != Some(k as i64) {
                    return Err(bad(format!(
                        "`names` must map 0, 1, 2, ... in order to names; key {} is {:?}",
                        k,
                        scalar(key).unwrap_or_default()
                    )));
                }
                names.push(scalar(v).ok_or_else(|| bad(format!("name {k} is not a string")))?);
            }
            names
        }
        _ => return Err(bad("no `names` list or map".into())),
    };
    if let Some(nc) = get("nc").and_then(Yaml::as_i64) {
        if nc != names.len() as i64 {
            return Err(bad(format!("nc is {nc} but `names` has {}", names.len())));
        }
    }
    let ids: Vec<i64> = match get("coco_category_ids") {
        None => (1..=names.len() as i64).collect(),
        Some(Yaml::Array(v)) => {
            let ids: Option<Vec<i64>> = v.iter().map(Yaml::as_i64).collect();
            let ids = ids.ok_or_else(|| bad("coco_category_ids holds a non-integer".into()))?;
            if ids.len() != names.len() || ids.iter().collect::<HashSet<_>>().len() != ids.len() {
                return Err(bad(format!(
                    "coco_category_ids must give {} distinct ids, one per name",
                    names.len()
                )));
            }
            ids
        }
        Some(_) => return Err(bad("coco_category_ids is not a list".into())),
    };
    Ok(Classes { names, ids })
}

/// The objects of one label file's text; errors name `name:line`.
fn parse_labels(text: &[u8], name: &str, classes: usize) -> Result<Vec<(usize, Object)>> {
    let mut out = Vec::new();
    for (k, line) in text.split(|&b| b == b'\n').enumerate() {
        let here = || format!("{name}:{}", k + 1);
        let line =
            std::str::from_utf8(line).map_err(|_| Error::msg("not UTF-8 text").in_file(here()))?;
        let fields: Vec<&str> = line.split_ascii_whitespace().collect();
        if fields.is_empty() {
            continue;
        }
        let n = fields.len();
        if n != 5 && (n < 7 || n.is_multiple_of(2)) {
            return Err(Error::msg(format!(
                "{n} fields; a YOLO label line is `class cx cy w h` (5) or `class x1 y1 x2 y2 x3 y3 ...` (an odd \
                 number, at least 7)"
            ))
            .in_file(here()));
        }
        let cls: usize = fields[0].parse().map_err(|_| {
            Error::msg(format!(
                "class {:?} is not a non-negative integer",
                fields[0]
            ))
            .in_file(here())
        })?;
        if cls >= classes {
            return Err(Error::msg(format!(
                "class {cls} is out of range: there are {classes} class names (0..{})",
                classes.saturating_sub(1)
            ))
            .in_file(here()));
        }
        let nums: Vec<f64> = fields[1..]
            .iter()
            .map(|f| {
                f.parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite())
                    .ok_or_else(|| {
                        Error::msg(format!("{f:?} is not a finite number")).in_file(here())
                    })
            })
            .collect::<Result<_>>()?;
        out.push((
            cls,
            if n == 5 {
                Object::Box([nums[0], nums[1], nums[2], nums[3]])
            } else {
                Object::Polygon(nums)
            },
        ));
    }
    Ok(out)
}

/// Import: read every image header and label file, then write the dataset to `out`.
pub fn import(
    opts: &ImportOptions,
    out: &mut dyn Write,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<ImportReport> {
    let names_path = match &opts.names {
        Some(p) => p.clone(),
        None => {
            let mut candidates = vec![opts.labels.join("data.yaml")];
            if let Some(parent) = opts.labels.parent() {
                candidates.push(parent.join("data.yaml"));
            }
            candidates.into_iter().find(|p| p.is_file()).ok_or_else(|| {
                Error::msg(format!(
                    "no data.yaml in {} or its parent: give the class names with --names data.yaml (or a text \
                     file with one name per line)",
                    opts.labels.display()
                ))
            })?
        }
    };
    let classes = read_classes(&names_path)?;
    let image_files: Vec<PathBuf> = walk(&opts.images)?
        .into_iter()
        .filter(|p| has_extension(p, &super::IMAGE_EXTENSIONS))
        .collect();
    let label_files: BTreeSet<PathBuf> = walk(&opts.labels)?
        .into_iter()
        .filter(|p| has_extension(p, &["txt"]))
        .collect();
    let done = std::sync::atomic::AtomicU64::new(0);
    let read: Vec<Read> = par_map_ordered(&image_files, |rel| {
        let path = opts.images.join(rel);
        let pname = path.display().to_string();
        let size = imagesize::size(&path).map_err(|e| {
            Error::msg(format!("cannot read the image size from its header: {e}")).in_file(&pname)
        })?;
        let (width, height) = (
            u32::try_from(size.width).map_err(|_| Error::msg("image too wide").in_file(&pname))?,
            u32::try_from(size.height).map_err(|_| Error::msg("image too high").in_file(&pname))?,
        );
        let label = opts.labels.join(rel.with_extension("txt"));
        let objects = match std::fs::read(&label) {
            Ok(text) => parse_labels(&text, &label.display().to_string(), classes.names.len())?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(Error::io(label.display().to_string(), e)),
        };
        progress(done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1);
        let file_name = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        Ok(Read {
            file_name,
            width,
            height,
            objects,
        })
    })?;
    let matched: HashSet<PathBuf> = image_files
        .iter()
        .map(|p| p.with_extension("txt"))
        .collect();
    let mut rep = ImportReport {
        images: read.len() as u64,
        categories: classes.names.len() as u64,
        unmatched_labels: label_files.iter().filter(|p| !matched.contains(*p)).count() as u64,
        ..Default::default()
    };
    write_dataset(&read, &classes, &image_files, opts, out, &mut rep)?;
    Ok(rep)
}

/// A JSON string.
fn q(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

fn push_f(out: &mut Vec<u8>, v: f64) {
    out.extend_from_slice(ryu::Buffer::new().format(v).as_bytes());
}

fn write_dataset(
    read: &[Read],
    classes: &Classes,
    image_files: &[PathBuf],
    opts: &ImportOptions,
    out: &mut dyn Write,
    rep: &mut ImportReport,
) -> Result<()> {
    let mut b: Vec<u8> = Vec::with_capacity(1 << 16);
    b.extend_from_slice(b"{\"images\": [");
    for (k, r) in read.iter().enumerate() {
        b.extend_from_slice(if k == 0 { b"\n" } else { b",\n" });
        let _ = write!(
            b,
            "{{\"id\": {}, \"file_name\": {}, \"width\": {}, \"height\": {}}}",
            k + 1,
            q(&r.file_name),
            r.width,
            r.height
        );
    }
    b.extend_from_slice(b"],\n\"annotations\": [");
    let mut id = 0u64;
    for (k, r) in read.iter().enumerate() {
        let (w, h) = (f64::from(r.width), f64::from(r.height));
        for (cls, obj) in &r.objects {
            id += 1;
            b.extend_from_slice(if id == 1 { b"\n" } else { b",\n" });
            let _ = write!(
                b,
                "{{\"id\": {id}, \"image_id\": {}, \"category_id\": {}, ",
                k + 1,
                classes.ids[*cls]
            );
            let (bbox, area) = match obj {
                Object::Box([cx, cy, bw, bh]) => {
                    rep.boxes += 1;
                    let (bw, bh) = (bw * w, bh * h);
                    ([cx * w - bw / 2.0, cy * h - bh / 2.0, bw, bh], bw * bh)
                }
                Object::Polygon(norm) => {
                    rep.polygons += 1;
                    let xy: Vec<f64> = norm
                        .chunks_exact(2)
                        .flat_map(|p| [p[0] * w, p[1] * h])
                        .collect();
                    let here = || {
                        opts.labels
                            .join(image_files[k].with_extension("txt"))
                            .display()
                            .to_string()
                    };
                    let seg = Segmentation::Polygons(vec![xy.clone()]);
                    let area = segmentation_to_rle(&seg, r.height, r.width)
                        .map_err(|e| e.in_file(here()))?
                        .map_or(0, |m| m.area());
                    let (mut x0, mut y0, mut x1, mut y1) = (
                        f64::INFINITY,
                        f64::INFINITY,
                        f64::NEG_INFINITY,
                        f64::NEG_INFINITY,
                    );
                    for p in xy.chunks_exact(2) {
                        (x0, x1, y0, y1) = (x0.min(p[0]), x1.max(p[0]), y0.min(p[1]), y1.max(p[1]));
                    }
                    b.extend_from_slice(b"\"segmentation\": [[");
                    for (i, &v) in xy.iter().enumerate() {
                        if i > 0 {
                            b.push(b',');
                        }
                        push_f(&mut b, v);
                    }
                    b.extend_from_slice(b"]], ");
                    ([x0, y0, x1 - x0, y1 - y0], area as f64)
                }
            };
            b.extend_from_slice(b"\"area\": ");
            push_f(&mut b, area);
            b.extend_from_slice(b", \"bbox\": [");
            for (i, &v) in bbox.iter().enumerate() {
                if i > 0 {
                    b.extend_from_slice(b", ");
                }
                push_f(&mut b, v);
            }
            b.extend_from_slice(b"], \"iscrowd\": 0}");
            if b.len() > (1 << 16) {
                out.write_all(&b)?;
                b.clear();
            }
        }
    }
    rep.annotations = id;
    b.extend_from_slice(b"],\n\"categories\": [");
    for (k, (name, cid)) in classes.names.iter().zip(&classes.ids).enumerate() {
        b.extend_from_slice(if k == 0 { b"\n" } else { b",\n" });
        let _ = write!(
            b,
            "{{\"id\": {cid}, \"name\": {}, \"supercategory\": \"\"}}",
            q(name)
        );
    }
    b.extend_from_slice(b"]}\n");
    out.write_all(&b)?;
    Ok(())
}
