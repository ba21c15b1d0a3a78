//! Many-file inputs: the files, directories and globs a reading command names, presented to it as one COCO
//! document ([`Source`]).
//!
//! - Arguments: each is a file, a directory (its `*.json` files, not recursive, sorted by name) or a quoted
//!   glob (`'sa1b/*.json'`, expanded by the `glob` crate, sorted: a shell cannot pass millions of names);
//!   `-` (standard input) only alone. Files come in argument order, then name order.
//! - Each file is a whole COCO dataset, a results array, or a per-image file in SA-1B's layout
//!   (`{"image": {"image_id", "width", "height", "file_name"}, "annotations": [{"id", "segmentation", ...}]}`),
//!   told apart by its top-level keys ([`detect`]: the first of `images` / `categories` / `image` decides).
//!   A per-image file's image becomes an image record with `"image_id"` renamed `"id"` (an `id` it already has
//!   wins; the record is otherwise its bytes), and each of its annotations gets `"image_id": N` added before its
//!   closing brace (an `image_id` it has must be N). Nothing else is added: no `category_id`, no
//!   `categories` (validate then asks for no `category_id`); ids are kept as given.
//! - Across files: an image id in two files is an error naming both; the categories of every whole COCO file
//!   that has them must be the same list (ids and names, in order; the first file's records are written) —
//!   a many-file input is a concatenation, so a category id must mean one thing (`cocokit merge` unifies
//!   datasets whose categories differ); every other top-level key (`info`, `licenses`) is written once, with
//!   the first file's value. Results arrays concatenate into one results array; mixing them with datasets is
//!   an error.
//!
//! Why one assembled document rather than a record stream over many files: every operation works on one
//! byte-addressable input (two passes in split/sample, records written back byte for byte, convert's workers
//! cutting records from guessed starts), so one document serves every command unchanged. It is written to an
//! unnamed temporary file (gone when the process ends, however it ends) and mapped, so memory stays bounded:
//! files are read in parallel batches (rayon), written in order, and dropped. The annotations go after a
//! sparse hole where the images, known only at the end, are written last, so no byte is copied twice. Errors
//! of the command at a position in the document are told at the file and byte they came from
//! ([`Source::blame`]).
//!
//! One plain file (a COCO dataset or results file) is read as it is, with no copy.
//!
//! Not here: what a command does with the records.

use crate::coco::reader::{parse_category, record_id};
use crate::coco::walk::{par_map_ordered, scan_top, Event, Layout, Section, PIECE};
use crate::coco::writer::{int_at, member_values};
use crate::error::{Error, Result};
use crate::io::Input;
use crate::json::scan::{parse_string, skip_value, skip_value_fast, skip_ws, Cursor};
use rayon::prelude::*;
use std::collections::HashMap;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::fs::FileExt;

/// What a file holds, by its top-level keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    /// A COCO dataset object (or anything not recognised: the commands report what is wrong with it).
    Dataset,
    /// A results array.
    Results,
    /// An SA-1B per-image object: `image` and `annotations`.
    PerImage,
}

/// The kind of `buf`: an array is a results file; in an object, the first top-level key among `images`,
/// `categories` (a dataset) and `image` (a per-image file) decides; neither (or bytes that are not JSON) is
/// left to the dataset reader, which says what is wrong.
pub fn detect(buf: &[u8]) -> FileKind {
    let i = skip_ws(buf, 0);
    match buf.get(i) {
        Some(b'[') => return FileKind::Results,
        Some(b'{') => {}
        _ => return FileKind::Dataset,
    }
    let mut c = Cursor::new(buf, i);
    if c.begin_object().is_err() {
        return FileKind::Dataset;
    }
    let mut first = true;
    while let Ok(Some((key, _))) = c.next_key(&mut first) {
        match &*key {
            "images" | "categories" => return FileKind::Dataset,
            "image" => return FileKind::PerImage,
            _ => match skip_value_fast(buf, c.pos) {
                Ok(e) => c.pos = e,
                Err(_) => return FileKind::Dataset,
            },
        }
    }
    FileKind::Dataset
}

/// The files the arguments name, in order: directories listed (`*.json`, sorted by name), globs expanded
/// (sorted). A name that exists is a file, never a pattern.
pub fn expand(args: &[String]) -> Result<Vec<String>> {
    if args.iter().any(|a| a == "-") {
        if args.len() > 1 {
            return Err(Error::msg(
                "standard input (-) can only be read alone, not with other inputs",
            ));
        }
        return Ok(args.to_vec());
    }
    let mut out = Vec::new();
    for a in args {
        let p = std::path::Path::new(a);
        if p.is_dir() {
            let mut names = Vec::new();
            for e in std::fs::read_dir(p).map_err(|e| Error::io(a.as_str(), e))? {
                let e = e.map_err(|e| Error::io(a.as_str(), e))?;
                let name = e.file_name();
                let path = e.path();
                if name.to_string_lossy().ends_with(".json") && path.is_file() {
                    names.push(path.to_string_lossy().into_owned());
                }
            }
            if names.is_empty() {
                return Err(Error::msg("directory has no *.json file").in_file(a.as_str()));
            }
            names.sort_unstable();
            out.extend(names);
        } else if !p.exists() && a.contains(['*', '?', '[']) {
            let paths = glob::glob(a)
                .map_err(|e| Error::msg(format!("bad glob pattern: {e}")).in_file(a.as_str()))?;
            let mut names = Vec::new();
            for p in paths {
                let p = p.map_err(|e| {
                    let path = e.path().to_string_lossy().into_owned();
                    Error::io(path, std::io::Error::from(e))
                })?;
                if p.is_file() {
                    names.push(p.to_string_lossy().into_owned());
                }
            }
            if names.is_empty() {
                return Err(Error::msg("no file matches this pattern").in_file(a.as_str()));
            }
            names.sort_unstable();
            out.extend(names);
        } else {
            out.push(a.clone());
        }
    }
    Ok(out)
}

/// A command's input: one file as it is, or the document assembled from many (see the module doc).
pub struct Source {
    input: Input,
    /// Every file read (outputs must not replace any of them).
    paths: Vec<String>,
    /// Where the assembled document's bytes came from; `None` for one plain file.
    map: Option<Map>,
}

impl Source {
    /// Open the inputs `args` names (see [`expand`]); `progress` gets the number of files read of many.
    pub fn open(args: &[String], progress: &dyn Fn(u64, u64)) -> Result<Source> {
        let paths = expand(args)?;
        let mut opened = None;
        if let [one] = paths.as_slice() {
            let input = Input::open(one)?;
            if detect(input.bytes()) != FileKind::PerImage {
                return Ok(Source {
                    input,
                    paths,
                    map: None,
                });
            }
            // One per-image file (perhaps standard input, which cannot be read twice).
            opened = Some(input);
        }
        let name = args.join(" ");
        let (input, map) = assemble(&name, &paths, opened, progress)?;
        Ok(Source {
            input,
            paths,
            map: Some(map),
        })
    }

    /// The document.
    pub fn input(&self) -> &Input {
        &self.input
    }

    /// The name used in messages that concern no one file.
    pub fn name(&self) -> &str {
        self.input.name()
    }

    /// The files read.
    pub fn paths(&self) -> Vec<&str> {
        self.paths.iter().map(String::as_str).collect()
    }

    /// Whether the document was assembled from several files (or a per-image file).
    pub fn is_assembled(&self) -> bool {
        self.map.is_some()
    }

    /// `e`, an error of a command reading [`Source::input`], told at the file and byte offset its position
    /// came from (an error that already names another file is left as it is). Without a position, or at
    /// one in the text the assembly added, it names the whole input.
    pub fn blame(&self, e: Error) -> Error {
        let Some(map) = &self.map else {
            return e.in_file(self.input.name());
        };
        if e.file.as_deref().is_some_and(|f| f != self.input.name()) {
            return e;
        }
        match e.offset.and_then(|off| map.origin(off)) {
            Some((file, off)) => Error {
                file: Some(file),
                offset: Some(off),
                line_col: None,
                ..e
            },
            None => {
                let mut e = e;
                e.file = Some(self.input.name().to_string());
                e
            }
        }
    }

    /// The file and byte offset that byte `off` of the document came from (`None` for one plain file, or
    /// for text the assembly added).
    pub fn origin(&self, off: u64) -> Option<(String, u64)> {
        self.map.as_ref()?.origin(off)
    }
}

/// A piece of a file's contribution to one section of the document.
#[derive(Clone, Debug)]
enum Span {
    /// The file's bytes `start..end`.
    File(usize, usize),
    /// `, ` between two records.
    Sep,
    /// `"id"` in place of a per-image file's `"image_id"` key.
    IdKey,
    /// The member closing an annotation of a per-image file: `, "image_id": N}` (or without the comma when
    /// the object was empty).
    ImageId { id: i64, comma: bool },
}

impl Span {
    /// The number of bytes [`Span::write`] writes.
    fn len(&self) -> u64 {
        match *self {
            Span::File(s, e) => (e - s) as u64,
            Span::Sep => 2,
            Span::IdKey => 4,
            Span::ImageId { id, comma } => {
                // `, "image_id": N}`: the comma and space, `"image_id": `, the digits, `}`.
                (if comma { 2 } else { 0 }) + 12 + itoa::Buffer::new().format(id).len() as u64 + 1
            }
        }
    }

    fn write(&self, buf: &[u8], w: &mut dyn Write) -> std::io::Result<u64> {
        let text: &[u8];
        let owned;
        match *self {
            Span::File(s, e) => text = &buf[s..e],
            Span::Sep => text = b", ",
            Span::IdKey => text = b"\"id\"",
            Span::ImageId { id, comma } => {
                owned = format!(
                    "{}\"image_id\": {}}}",
                    if comma { ", " } else { "" },
                    itoa::Buffer::new().format(id)
                );
                text = owned.as_bytes();
            }
        }
        w.write_all(text)?;
        Ok(text.len() as u64)
    }
}

/// Categories as compared between files: (id, name), in file order.
type CategoryList = Vec<(i64, String)>;

/// The categories kept: the file they came from, their list, their records' bytes and where those start.
type KeptCategories = (usize, CategoryList, Vec<u8>, u64);

/// What one file gives the document.
struct Part {
    input: Input,
    kind: FileKind,
    images: Vec<Span>,
    annotations: Vec<Span>,
    /// The image ids (per-image: the one).
    image_ids: Vec<i64>,
    /// The categories' (id, name) and the byte range of the records (first start, last end).
    categories: Option<(CategoryList, Option<(usize, usize)>)>,
    /// Other top-level keys with their values' ranges.
    others: Vec<(String, usize, usize)>,
}

/// Files up to this size are read into memory rather than mapped: a many-file input is typically many small
/// files (SA-1B's are ~100 KB), for which one `read` costs less than a mapping, its page faults and the
/// `munmap` (whose TLB shootdown interrupts every thread).
const READ_MAX: u64 = 1 << 20;

/// Read file `path` and decide what it gives (errors name it).
fn plan(path: &str) -> Result<Part> {
    let small = std::fs::metadata(path)
        .ok()
        .filter(|m| m.is_file() && m.len() <= READ_MAX);
    let input = match small {
        Some(m) => {
            let mut bytes = Vec::with_capacity(m.len() as usize + 1);
            File::open(path)
                .and_then(|mut f| f.read_to_end(&mut bytes))
                .map_err(|e| Error::io(path, e))?;
            Input::from_bytes(path, bytes)
        }
        // Large files, and whatever is not a plain file (Input::open says what is wrong with it).
        None => Input::open(path)?,
    };
    plan_input(path, input)
}

/// [`plan`] of a file already open.
fn plan_input(path: &str, input: Input) -> Result<Part> {
    let part = match detect(input.bytes()) {
        FileKind::PerImage => plan_per_image(input.bytes()),
        _ => plan_whole(input.bytes()),
    };
    let (kind, images, annotations, image_ids, categories, others) =
        part.map_err(|e| e.in_file(path))?;
    Ok(Part {
        input,
        kind,
        images,
        annotations,
        image_ids,
        categories,
        others,
    })
}

type Planned = (
    FileKind,
    Vec<Span>,
    Vec<Span>,
    Vec<i64>,
    Option<(CategoryList, Option<(usize, usize)>)>,
    Vec<(String, usize, usize)>,
);

/// A whole dataset or results file: each section's records as one span (the file's own separators kept).
fn plan_whole(buf: &[u8]) -> Result<Planned> {
    let mut ranges: [Option<(usize, usize)>; 3] = [None; 3];
    let mut image_ids = Vec::new();
    let mut cats: Option<Vec<(i64, String)>> = None;
    let mut others = Vec::new();
    let layout = scan_top(buf, |ev| {
        match ev {
            Event::Record {
                section,
                start,
                end,
            } => {
                let k = section as usize;
                let r = ranges[k].get_or_insert((start, end));
                r.1 = end;
                match section {
                    Section::Images => {
                        if let Some(id) = record_id(buf, start) {
                            image_ids.push(id);
                        }
                    }
                    Section::Categories => {
                        let c = parse_category(buf, start)?;
                        cats.get_or_insert_with(Vec::new).push((c.id, c.name));
                    }
                    Section::Annotations => {}
                }
            }
            Event::SectionStart {
                section: Section::Categories,
            } => {
                cats.get_or_insert_with(Vec::new);
            }
            Event::Other { key, raw, start } => others.push((key, start, start + raw.len())),
            _ => {}
        }
        Ok(())
    })?;
    let span = |r: Option<(usize, usize)>| -> Vec<Span> {
        r.map(|(s, e)| Span::File(s, e)).into_iter().collect()
    };
    let kind = match layout {
        Layout::Dataset => FileKind::Dataset,
        Layout::Results => FileKind::Results,
    };
    let categories = cats.map(|c| (c, ranges[Section::Categories as usize]));
    Ok((
        kind,
        span(ranges[Section::Images as usize]),
        span(ranges[Section::Annotations as usize]),
        image_ids,
        categories,
        others,
    ))
}

/// An SA-1B per-image file: `{"image": {...}, "annotations": [{...}, ...]}` (other top-level keys kept as such).
fn plan_per_image(buf: &[u8]) -> Result<Planned> {
    let mut c = Cursor::new(buf, skip_ws(buf, 0));
    c.begin_object()?;
    let mut first = true;
    let mut image: Option<(i64, Vec<Span>)> = None;
    let mut anns: Option<Vec<(usize, usize)>> = None;
    let mut others = Vec::new();
    while let Some((key, key_pos)) = c.next_key(&mut first)? {
        let vpos = c.pos;
        match &*key {
            "image" if image.is_some() => {
                return Err(Error::at(key_pos, "duplicate top-level key \"image\""))
            }
            "annotations" if anns.is_some() => {
                return Err(Error::at(
                    key_pos,
                    "duplicate top-level key \"annotations\"",
                ))
            }
            "image" => {
                let end = skip_value(buf, vpos)?;
                image = Some(per_image_image(buf, vpos, end)?);
                c.pos = end;
            }
            "annotations" => {
                let mut a = Cursor::new(buf, vpos);
                a.begin_array()?;
                let mut list = Vec::new();
                let mut first_elem = true;
                while a.next_elem(&mut first_elem)? {
                    let s = a.pos;
                    let e = skip_value(buf, s)?;
                    if buf.get(s) != Some(&b'{') {
                        return Err(Error::at(s, "an annotation must be an object"));
                    }
                    list.push((s, e));
                    a.pos = e;
                }
                anns = Some(list);
                c.pos = a.pos;
            }
            _ => {
                let end = skip_value(buf, vpos)?;
                others.push((key.into_owned(), vpos, end));
                c.pos = end;
            }
        }
    }
    let tail = skip_ws(buf, c.pos);
    if tail < buf.len() {
        return Err(Error::at(
            tail,
            "unexpected data after the top-level object",
        ));
    }
    let Some((id, images)) = image else {
        return Err(Error::at(0, "per-image file without \"image\""));
    };
    let mut annotations = Vec::new();
    for (k, &(s, e)) in anns.iter().flatten().enumerate() {
        if k > 0 {
            annotations.push(Span::Sep);
        }
        let [own] = member_values(buf, s, ["image_id"])?;
        match own {
            Some(r) => {
                let v = int_at(buf, r).map_err(|e| e.at_offset(r.0))?;
                if v != id {
                    let what = match record_id(buf, s) {
                        Some(a) => format!("annotation id {a}"),
                        None => format!("annotation at byte {s}"),
                    };
                    return Err(Error::at(
                        r.0,
                        format!("image_id {v} is not the file's image id {id}"),
                    )
                    .for_record(what));
                }
                annotations.push(Span::File(s, e));
            }
            None => {
                // The record ends with `}`: the member goes before it.
                let close = e - 1;
                let empty = skip_ws(buf, s + 1) == close;
                annotations.push(Span::File(s, close));
                annotations.push(Span::ImageId { id, comma: !empty });
            }
        }
    }
    Ok((
        FileKind::PerImage,
        images,
        annotations,
        vec![id],
        None,
        others,
    ))
}

/// The image record of a per-image file at `start..end`: its id, and its spans with `"image_id"` renamed
/// `"id"` (left as it is when it has an `id`).
fn per_image_image(buf: &[u8], start: usize, end: usize) -> Result<(i64, Vec<Span>)> {
    let mut c = Cursor::new(buf, start);
    c.begin_object()
        .map_err(|_| Error::at(start, "\"image\" must be an object"))?;
    let mut first = true;
    let (mut id, mut image_id) = (None, None);
    while let Some((key, key_pos)) = c.next_key(&mut first)? {
        match &*key {
            "id" => id = Some(c.i64()?),
            "image_id" => {
                let (_, key_end) = parse_string(buf, key_pos)?;
                image_id = Some((c.i64()?, key_pos, key_end));
            }
            _ => {
                c.skip()?;
            }
        }
    }
    match (id, image_id) {
        (Some(id), _) => Ok((id, vec![Span::File(start, end)])),
        (None, Some((id, ks, ke))) => Ok((
            id,
            vec![Span::File(start, ks), Span::IdKey, Span::File(ke, end)],
        )),
        (None, None) => Err(Error::at(
            start,
            "\"image\" has no \"image_id\" (nor \"id\")",
        )),
    }
}

/// Where the bytes of the assembled document came from: one entry per file and section, in document order.
struct Map {
    files: Vec<String>,
    regions: Vec<Region>,
}

#[derive(Clone, Copy, Debug)]
struct Region {
    /// Where it starts and ends in the document.
    start: u64,
    end: u64,
    file: u32,
    /// The file's bytes copied as they are from this offset on; `None`: a per-image file's section,
    /// mapped by planning the file again ([`Map::origin`]).
    linear: Option<u64>,
    section: Section,
}

impl Map {
    fn origin(&self, off: u64) -> Option<(String, u64)> {
        let k = self
            .regions
            .partition_point(|r| r.start <= off)
            .checked_sub(1)?;
        let r = self.regions[k];
        if off >= r.end {
            // Text the assembly added between two files' records.
            return None;
        }
        let file = self.files.get(r.file as usize)?.clone();
        if let Some(base) = r.linear {
            return Some((file, base + (off - r.start)));
        }
        // A per-image file: its spans again, walked to `off`.
        let part = plan(&file).ok()?;
        let spans = match r.section {
            Section::Images => &part.images,
            _ => &part.annotations,
        };
        let mut at = r.start;
        let mut last = None;
        for s in spans {
            let len = s.write(part.input.bytes(), &mut std::io::sink()).ok()?;
            if let Span::File(s, _) = *s {
                if off < at + len {
                    return Some((file, s as u64 + (off - at)));
                }
                last = Some(s as u64);
            } else if off < at + len {
                // Text the assembly added: the record it belongs to.
                return last.map(|l| (file, l));
            }
            at += len;
        }
        None
    }
}

/// Bytes before the annotations in the document's temporary file: a hole (sparse, so it costs no disk) where
/// the images and the other top-level keys are written at the end, just before the annotations.
const HOLE: u64 = 1 << 36;

/// The fewest files per parallel batch (more with more threads: two rayon pieces per thread, see
/// [`par_map_ordered`]).
const FILES_PER_BATCH: usize = 256;

/// The state of the assembly between batches.
struct Assembly<'a> {
    files: &'a [String],
    next_file: usize,
    kind: Option<(FileKind, usize)>,
    /// The annotations (or results records), written from [`HOLE`] on.
    body: File,
    body_len: u64,
    any_ann: bool,
    /// The images, written to their own temporary file until their place is known.
    images: File,
    images_len: u64,
    any_image: bool,
    regions: Vec<Region>,
    image_regions: Vec<Region>,
    image_files: HashMap<i64, u32, foldhash::fast::RandomState>,
    categories: Option<KeptCategories>,
    others: Vec<(String, Vec<u8>, usize, u64)>,
}

fn tmp_error(e: std::io::Error) -> Error {
    Error::msg(format!("temporary file for the assembled input: {e}"))
}

/// Where a part's records go: the offset of its images in the images' file and of its annotations in the
/// document's file, each with whether a separator comes first.
#[derive(Clone, Copy, Default)]
struct Place {
    images: Option<(u64, bool)>,
    annotations: Option<(u64, bool)>,
}

/// Spans longer than this are written straight from the file's bytes rather than gathered with the others.
const GATHER_MAX: usize = 1 << 16;

/// Write `spans` of `buf` (after a separator if `sep`) at `at` in `to`.
fn write_spans(buf: &[u8], spans: &[Span], sep: bool, to: &File, mut at: u64) -> Result<()> {
    let mut gathered: Vec<u8> = Vec::new();
    if sep {
        Span::Sep.write(buf, &mut gathered).map_err(tmp_error)?;
    }
    for s in spans {
        match *s {
            Span::File(a, b) if b - a > GATHER_MAX => {
                to.write_all_at(&gathered, at).map_err(tmp_error)?;
                at += gathered.len() as u64;
                gathered.clear();
                to.write_all_at(&buf[a..b], at).map_err(tmp_error)?;
                at += (b - a) as u64;
            }
            _ => {
                s.write(buf, &mut gathered).map_err(tmp_error)?;
            }
        }
    }
    to.write_all_at(&gathered, at).map_err(tmp_error)
}

impl Assembly<'_> {
    /// Write `part`'s records where [`Assembly::place`] put them (called in parallel: positional writes).
    fn write(&self, part: &Part, place: Place) -> Result<()> {
        let buf = part.input.bytes();
        if let Some((at, sep)) = place.images {
            write_spans(buf, &part.images, sep, &self.images, at)?;
        }
        if let Some((at, sep)) = place.annotations {
            write_spans(buf, &part.annotations, sep, &self.body, at)?;
        }
        Ok(())
    }

    /// Check `part` against the files before it, keep what it gives besides records, and decide where its
    /// records go (in file order, so that the document is the files' concatenation).
    fn place(&mut self, part: &mut Part) -> Result<Place> {
        let k = self.next_file;
        self.next_file += 1;
        let name = &self.files[k];
        let results = part.kind == FileKind::Results;
        match self.kind {
            None => self.kind = Some((part.kind, k)),
            Some((kind, first)) if (kind == FileKind::Results) != results => {
                let (this, other) = if results {
                    ("a results file (a top-level array)", "datasets")
                } else {
                    ("a dataset", "results files (top-level arrays)")
                };
                return Err(Error::msg(format!(
                    "{this} cannot be read together with {other} (such as {})",
                    self.files[first]
                ))
                .in_file(name.as_str()));
            }
            Some(_) => {}
        }
        let buf = part.input.bytes();
        let mut place = Place::default();
        for &id in &part.image_ids {
            match self.image_files.entry(id) {
                std::collections::hash_map::Entry::Vacant(v) => {
                    v.insert(k as u32);
                }
                std::collections::hash_map::Entry::Occupied(o) if *o.get() as usize != k => {
                    return Err(Error::msg(format!(
                        "image id {id} is also in {}",
                        self.files[*o.get() as usize]
                    ))
                    .in_file(name.as_str()));
                }
                std::collections::hash_map::Entry::Occupied(_) => {}
            }
        }
        let linear = |spans: &[Span]| match (part.kind, spans.first()) {
            (FileKind::PerImage, _) | (_, None) => None,
            (_, Some(Span::File(s, _))) => Some(*s as u64),
            _ => None,
        };
        if !part.images.is_empty() {
            let sep = self.any_image;
            place.images = Some((self.images_len, sep));
            if sep {
                self.images_len += Span::Sep.len();
            }
            self.any_image = true;
            let start = self.images_len;
            self.images_len += part.images.iter().map(Span::len).sum::<u64>();
            self.image_regions.push(Region {
                start,
                end: self.images_len,
                file: k as u32,
                linear: linear(&part.images),
                section: Section::Images,
            });
        }
        if !part.annotations.is_empty() {
            let sep = self.any_ann;
            place.annotations = Some((HOLE + self.body_len, sep));
            if sep {
                self.body_len += Span::Sep.len();
            }
            self.any_ann = true;
            let start = HOLE + self.body_len;
            self.body_len += part.annotations.iter().map(Span::len).sum::<u64>();
            self.regions.push(Region {
                start,
                end: HOLE + self.body_len,
                file: k as u32,
                linear: linear(&part.annotations),
                section: Section::Annotations,
            });
        }
        if let Some((cats, range)) = part.categories.take() {
            let earlier = self
                .categories
                .as_ref()
                .map(|(first, theirs, _, _)| (*first, category_difference(theirs, &cats)));
            match earlier {
                None => {
                    let (raw, base) = match range {
                        Some((s, e)) => (buf[s..e].to_vec(), s as u64),
                        None => (Vec::new(), 0),
                    };
                    self.categories = Some((k, cats, raw, base));
                }
                Some((first, Some(d))) => {
                    return Err(Error::msg(format!(
                        "categories differ from those of {} ({d}); `cocokit merge` unifies datasets whose categories differ",
                        self.files[first]
                    ))
                    .in_file(name.as_str()));
                }
                Some((_, None)) => {}
            }
        }
        for (key, s, e) in std::mem::take(&mut part.others) {
            if !self.others.iter().any(|(k2, ..)| *k2 == key) {
                self.others.push((key, buf[s..e].to_vec(), k, s as u64));
            }
        }
        Ok(place)
    }

    /// Write the parts before and after the annotations; the document's file and where it starts in it.
    fn finish(self) -> Result<(File, u64, Vec<Region>)> {
        let results = matches!(self.kind, Some((FileKind::Results, _)));
        let mut regions = self.regions;
        let (mut head, mut tail, mid): (Vec<u8>, Vec<u8>, &[u8]) = if results {
            (b"[".to_vec(), b"]\n".to_vec(), &b""[..])
        } else {
            (b"{".to_vec(), b"]".to_vec(), &b"], \"annotations\": ["[..])
        };
        // Regions in `head`, relative to its start (placed below).
        let mut head_regions = Vec::new();
        if !results {
            for (key, raw, file, base) in &self.others {
                head.extend_from_slice(&crate::coco::writer::string_text(key));
                head.extend_from_slice(b": ");
                head_regions.push(Region {
                    start: head.len() as u64,
                    end: (head.len() + raw.len()) as u64,
                    file: *file as u32,
                    linear: Some(*base),
                    section: Section::Categories,
                });
                head.extend_from_slice(raw);
                head.extend_from_slice(b", ");
            }
            head.extend_from_slice(b"\"images\": [");
            if let Some((file, _, raw, base)) = &self.categories {
                tail.extend_from_slice(b", \"categories\": [");
                regions.push(Region {
                    start: HOLE + self.body_len + tail.len() as u64,
                    end: HOLE + self.body_len + (tail.len() + raw.len()) as u64,
                    file: *file as u32,
                    linear: Some(*base),
                    section: Section::Categories,
                });
                tail.extend_from_slice(raw);
                tail.extend_from_slice(b"]");
            }
            tail.extend_from_slice(b"}\n");
        }
        // `head` + images + `mid` end where the annotations begin; the document starts on a page boundary
        // (so that `Input::release` can let its pages go), spaces before its first byte.
        let before = head.len() as u64 + self.images_len + mid.len() as u64;
        if before + PAGE > HOLE {
            return Err(Error::msg(
                "the images and top-level keys of the inputs take more than 64 GiB",
            ));
        }
        let doc_start = (HOLE - before) / PAGE * PAGE;
        let pad = (HOLE - before - doc_start) as usize;
        let (images, body) = (self.images, self.body);
        let mut at = doc_start;
        let put = |bytes: &[u8], at: &mut u64| -> Result<()> {
            body.write_all_at(bytes, *at).map_err(tmp_error)?;
            *at += bytes.len() as u64;
            Ok(())
        };
        put(&vec![b' '; pad], &mut at)?;
        let head_at = at;
        put(&head, &mut at)?;
        let images_at = at;
        copy_into(&images, &body, at).map_err(tmp_error)?;
        at += self.images_len;
        put(mid, &mut at)?;
        put(&tail, &mut (HOLE + self.body_len))?;
        for mut r in head_regions {
            r.start += head_at;
            r.end += head_at;
            regions.push(r);
        }
        for mut r in self.image_regions {
            r.start += images_at;
            r.end += images_at;
            regions.push(r);
        }
        regions.sort_by_key(|r| r.start);
        Ok((body, doc_start, regions))
    }
}

/// The page size the document's start is aligned to.
const PAGE: u64 = 4096;

/// Copy the whole of `from` into `to` at `at`.
fn copy_into(from: &File, to: &File, mut at: u64) -> std::io::Result<()> {
    let mut from = from;
    from.seek(SeekFrom::Start(0))?;
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = from.read(&mut buf)?;
        if n == 0 {
            return Ok(());
        }
        to.write_all_at(&buf[..n], at)?;
        at += n as u64;
    }
}

/// The first difference between two category lists, told for a message.
fn category_difference(a: &[(i64, String)], b: &[(i64, String)]) -> Option<String> {
    for (x, y) in a.iter().zip(b) {
        if x != y {
            return Some(format!(
                "category id {} \"{}\" where the first has id {} \"{}\"",
                y.0, y.1, x.0, x.1
            ));
        }
    }
    match a.len().cmp(&b.len()) {
        std::cmp::Ordering::Equal => None,
        _ => Some(format!("{} categories, the first {}", b.len(), a.len())),
    }
}

/// Read `files` in parallel batches into one document (see the module doc).
fn assemble(
    name: &str,
    files: &[String],
    opened: Option<Input>,
    progress: &dyn Fn(u64, u64),
) -> Result<(Input, Map)> {
    let body = tempfile::tempfile().map_err(tmp_error)?;
    let images = tempfile::tempfile().map_err(tmp_error)?;
    let mut asm = Assembly {
        files,
        next_file: 0,
        kind: None,
        body,
        body_len: 0,
        any_ann: false,
        images,
        images_len: 0,
        any_image: false,
        regions: Vec::new(),
        image_regions: Vec::new(),
        image_files: HashMap::default(),
        categories: None,
        others: Vec::new(),
    };
    let total = files.len() as u64;
    // The parts of the batch before, placed, and the number of files read.
    let mut ready: Vec<(Part, Place)> = Vec::new();
    let mut done = 0u64;
    let mut rest = files;
    if let (Some(input), Some(first)) = (opened, files.first()) {
        let mut part = plan_input(first, input)?;
        let place = asm.place(&mut part)?;
        ready.push((part, place));
        rest = &files[1..];
        done = 1;
    }
    // Each batch of files is read and planned in parallel while the batch before it is written in parallel
    // (positional writes: every part's place is known); placing is the only sequential step, in file order,
    // so that the first error in file order wins.
    let per_batch = FILES_PER_BATCH.max(2 * PIECE * rayon::current_num_threads());
    for batch in rest.chunks(per_batch) {
        let prev = std::mem::take(&mut ready);
        let asm_ref = &asm;
        let (written, planned) = rayon::join(
            || par_map_ordered(&prev, |(part, place)| asm_ref.write(part, *place)),
            || -> Vec<Result<Part>> {
                batch
                    .par_iter()
                    .with_max_len(PIECE)
                    .map(|p| plan(p))
                    .collect()
            },
        );
        written?;
        drop(prev);
        progress(done, total);
        done += batch.len() as u64;
        for part in planned {
            let mut part = part?;
            let place = asm.place(&mut part)?;
            ready.push((part, place));
        }
    }
    par_map_ordered(&ready, |(part, place)| asm.write(part, *place))?;
    drop(ready);
    progress(total, total);
    let (file, start, mut regions) = asm.finish()?;
    for r in &mut regions {
        r.start -= start;
        r.end -= start;
    }
    let input = Input::map_file(&file, name, start)?;
    Ok((
        input,
        Map {
            files: files.to_vec(),
            regions,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_the_three_kinds() {
        assert_eq!(detect(b" [1]"), FileKind::Results);
        assert_eq!(
            detect(br#"{"info": {}, "images": [], "image": {}}"#),
            FileKind::Dataset
        );
        assert_eq!(
            detect(br#"{"annotations": [{"id": 1}], "image": {"image_id": 1}}"#),
            FileKind::PerImage
        );
        assert_eq!(detect(br#"{"annotations": []}"#), FileKind::Dataset);
        assert_eq!(detect(b"nonsense"), FileKind::Dataset);
    }

    #[test]
    fn a_per_image_file_becomes_coco_records() {
        let buf = br#"{"image": {"image_id": 7, "width": 4, "height": 3}, "annotations": [{"id": 1, "bbox": [0, 0, 1, 1]}, {}, {"id": 3, "image_id": 7}]}"#;
        let (kind, images, anns, ids, cats, others) = plan_per_image(buf).unwrap();
        assert_eq!(kind, FileKind::PerImage);
        assert_eq!(ids, vec![7]);
        assert!(cats.is_none() && others.is_empty());
        let text = |spans: &[Span]| {
            let mut out = Vec::new();
            for s in spans {
                s.write(buf, &mut out).unwrap();
            }
            String::from_utf8(out).unwrap()
        };
        assert_eq!(text(&images), r#"{"id": 7, "width": 4, "height": 3}"#);
        // The lengths the parallel writes are placed by are the lengths written.
        for spans in [&images, &anns] {
            let len: u64 = spans.iter().map(Span::len).sum();
            assert_eq!(len, text(spans).len() as u64);
        }
        let big = Span::ImageId {
            id: -1234567890123,
            comma: false,
        };
        assert_eq!(big.len(), text(std::slice::from_ref(&big)).len() as u64);
        assert_eq!(
            text(&anns),
            r#"{"id": 1, "bbox": [0, 0, 1, 1], "image_id": 7}, {"image_id": 7}, {"id": 3, "image_id": 7}"#
        );
    }

    #[test]
    fn a_per_image_annotation_of_another_image_is_an_error() {
        let buf = br#"{"image": {"image_id": 7}, "annotations": [{"id": 5, "image_id": 8}]}"#;
        let e = plan_per_image(buf).err().unwrap();
        assert_eq!(e.record.as_deref(), Some("annotation id 5"));
        assert!(
            e.msg.contains("image_id 8 is not the file's image id 7"),
            "{e}"
        );
    }

    #[test]
    fn categories_must_be_the_same() {
        let a = vec![(1, "cat".to_string()), (2, "dog".to_string())];
        assert_eq!(category_difference(&a, &a), None);
        let b = vec![(1, "cat".to_string())];
        assert!(category_difference(&a, &b).is_some());
        let c = vec![(1, "cat".to_string()), (2, "bird".to_string())];
        assert!(category_difference(&a, &c).unwrap().contains("bird"));
    }
}
