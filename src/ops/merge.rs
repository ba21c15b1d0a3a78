//! The union of COCO datasets (`cocokit merge`): images, annotations and categories of every input in one file.
//!
//! - Categories are unified by name (default) or by id. The first definition of a category is the one written;
//!   a later one must agree with it: the same `supercategory`, `keypoints` and `skeleton` where both have the
//!   key (compared as JSON values; a key only one of them has is no conflict, as in kwcoco's union, so LVIS
//!   categories without `supercategory` meet COCO's), and, by id, the same name. Anything else is an error
//!   naming both files and ids. Within one file a repeated category id (or, by name, a repeated name) is an
//!   error: the file's annotations would be ambiguous.
//! - Images are merged across files by `file_name` (default): the first record is written, a later one with the
//!   same `file_name` is dropped and its annotations point to the first (its width and height must be the
//!   same). With `Dedupe::None` every image record is kept. Images of one file are never merged with each
//!   other, so the merge of one file is that file; an image without a `file_name` (or with an empty one) is
//!   merged with none. A repeated image id within one file is an error.
//! - Ids (image, annotation, category) keep their value unless an earlier record of the output already has it.
//!   Then an image or annotation takes the next id above every id of its kind in every input, in output order;
//!   a category takes one more than the largest category id written before it (kwcoco's
//!   `_CategoryID_Remapper.remap`, so that category ids agree with `CocoDataset.union`).
//!   Annotations follow their images (`image_id`) and categories (`category_id`); an annotation whose
//!   `image_id` or `category_id` is not one of its own file's is an error. A repeated annotation id within one
//!   file is an error too (the id map would be ambiguous).
//! - Other top-level keys (`info`, `licenses`, ...) are written once, with the value of the first input that
//!   has the key; keys come in the first input's order, then those only later inputs have.
//!
//! Not kwcoco's `CocoDataset.union`: kwcoco renumbers every image and annotation (from 1, in order) and
//! rebuilds each record from its fields; here ids change only on a collision and a record is written as its
//! input bytes, with only the values that change (`id`, `image_id`, `category_id`) replaced
//! ([`crate::coco::writer::splice`]).
//!
//! The id map (`--map-out`) is `{"inputs": [{"file": F, "images": {OLD: NEW}, "annotations": {OLD: NEW},
//! "categories": {OLD: NEW}}, ...]}`, one entry per input in order, listing only the ids whose value
//! changed (an id not listed keeps its value); keys are the old ids as strings, in increasing order (the
//! annotations' in file order).
//!
//! Two passes over the (memory-mapped) inputs: the first parses and validates every record (in parallel
//! batches) and decides, per record, kept / renumbered / merged away, keeping a dense index and a few bits per
//! id, a 64-bit hash per `file_name` and the categories; the second writes each section from every input in
//! turn, finding only the values to change in records that change. Memory holds those indexes and bits, never
//! records.

use crate::coco::ids::{BitSet, IdIndex};
use crate::coco::reader::{parse_annotation_with, parse_category, parse_image, SegMode};
use crate::coco::walk::{
    par_map_ordered, scan_top_batched, walk_elements, Chunk, Event, Layout, Resume, Section, BATCH,
};
use crate::coco::writer::{int_at, int_text, member_values, TopWriter};
use crate::coco::Category;
use crate::error::{Error, Result};
use crate::io::Input;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::BuildHasher;
use std::io::Write;

/// How categories of different files are recognised as the same.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum CategoryKey {
    #[default]
    ByName,
    ById,
}

/// Which images of different files are one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Dedupe {
    /// The same `file_name`.
    #[default]
    FileName,
    /// None: every image record is kept.
    None,
}

/// How to merge.
#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    pub categories: CategoryKey,
    pub dedupe: Dedupe,
}

/// What the merge wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Report {
    pub inputs: u64,
    pub images: u64,
    /// Image records dropped because an earlier file has an image with the same `file_name`.
    pub images_merged: u64,
    pub annotations: u64,
    pub categories: u64,
    /// Records written with a new id.
    pub renumbered_images: u64,
    pub renumbered_annotations: u64,
    pub renumbered_categories: u64,
}

/// A new id decided in the first pass: an id as such, or the `n`-th fresh one (known once every id was seen).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Target {
    Id(i64),
    Fresh(u64),
}

impl Target {
    fn resolve(self, base: i64) -> i64 {
        match self {
            Target::Id(v) => v,
            Target::Fresh(n) => base.saturating_add(n as i64),
        }
    }
}

/// A top-level member of an input, in its order.
enum Top {
    Other {
        key: String,
        start: usize,
        end: usize,
    },
    Section(Section),
}

impl Top {
    fn key(&self) -> &str {
        match self {
            Top::Other { key, .. } => key,
            Top::Section(s) => s.key(),
        }
    }
}

/// What the first pass keeps of one input.
#[derive(Default)]
struct InputPlan {
    top: Vec<Top>,
    /// The first record of each section (images, annotations, categories), where the second pass walks from.
    first: [Option<usize>; 3],
    categories: Vec<(Category, usize, usize)>,
    /// Image ids that change: old → new.
    images: HashMap<i64, Target>,
    /// The dense indexes of this file's image ids.
    image_set: BitSet,
    /// Category ids: old → new, for every category of the file.
    categories_map: HashMap<i64, i64>,
}

fn slot(s: Section) -> usize {
    match s {
        Section::Images => 0,
        Section::Annotations => 1,
        Section::Categories => 2,
    }
}

/// An image that other files' images with its `file_name` merge into.
struct FirstImage {
    input: u32,
    start: usize,
    id: i64,
    width: u32,
    height: u32,
    new: Target,
}

/// `file_name` → the first image with it, as a 64-bit hash (names are read back from the input to confirm a
/// hit); names whose hash collided with another name's are kept whole in `spill`.
#[derive(Default)]
struct NameIndex {
    hasher: foldhash::fast::FixedState,
    by_hash: HashMap<u64, u32>,
    spill: HashMap<String, u32>,
    firsts: Vec<FirstImage>,
}

impl NameIndex {
    fn name_of(&self, inputs: &[Input], j: u32) -> Result<String> {
        let f = &self.firsts[j as usize];
        Ok(parse_image(inputs[f.input as usize].bytes(), f.start)?.file_name)
    }

    /// The first image named `name`, if any.
    fn find(&self, inputs: &[Input], name: &str) -> Result<Option<u32>> {
        if let Some(&j) = self.spill.get(name) {
            return Ok(Some(j));
        }
        match self.by_hash.get(&self.hasher.hash_one(name)) {
            Some(&j) if self.name_of(inputs, j)? == name => Ok(Some(j)),
            _ => Ok(None),
        }
    }

    fn insert(&mut self, name: &str, first: FirstImage) {
        let j = self.firsts.len() as u32;
        self.firsts.push(first);
        let h = self.hasher.hash_one(name);
        if let std::collections::hash_map::Entry::Vacant(e) = self.by_hash.entry(h) {
            e.insert(j);
        } else {
            self.spill.insert(name.to_string(), j);
        }
    }
}

/// Ids of one kind over all inputs: a dense index, the last input each id was seen in (to find repeats
/// within a file) and which ids an output record already has.
#[derive(Default)]
struct IdSpace {
    ix: IdIndex,
    last: Vec<u32>,
    used: BitSet,
    max: Option<i64>,
    fresh: u64,
}

impl IdSpace {
    /// Note `id` of input `k`: its dense index, or `None` if the input had it already.
    fn see(&mut self, id: i64, k: usize) -> Option<u32> {
        let d = self.ix.index(id);
        if self.last.len() <= d as usize {
            self.last.resize(d as usize + 1, 0);
        }
        let mark = k as u32 + 1;
        if self.last[d as usize] == mark {
            return None;
        }
        self.last[d as usize] = mark;
        self.max = Some(self.max.map_or(id, |m| m.max(id)));
        Some(d)
    }

    /// The id an output record with old id of dense index `d` gets: its own if free, else a fresh one.
    fn claim(&mut self, id: i64, d: u32) -> Target {
        if self.used.insert(d) {
            Target::Id(id)
        } else {
            self.fresh += 1;
            Target::Fresh(self.fresh - 1)
        }
    }

    /// The first fresh id: above every id seen (and at least 1).
    fn base(&self) -> i64 {
        self.max.map_or(1, |m| m.saturating_add(1).max(1))
    }
}

/// The decisions of the first pass.
#[derive(Default)]
struct Plan {
    inputs: Vec<InputPlan>,
    images: IdSpace,
    annotations: IdSpace,
    /// Per image record (all inputs, in order): merged into an earlier file's image (not written).
    merged: BitSet,
    /// Per image record: written with a fresh id.
    images_renumbered: BitSet,
    /// Per annotation record: written with a fresh id.
    annotations_renumbered: BitSet,
    /// The categories written: (input, record range, old id, new id).
    categories: Vec<(usize, (usize, usize), i64, i64)>,
}

fn named(e: Error, input: &Input) -> Error {
    if e.broken_pipe {
        e
    } else {
        e.in_file(input.name())
    }
}

/// Merge `inputs` into `w`; the id map (module doc) into `map_out` when given. `progress` gets the bytes
/// done out of twice the inputs' total.
pub fn merge(
    inputs: &[Input],
    opts: &Options,
    w: &mut dyn Write,
    map_out: Option<&mut dyn Write>,
    progress: &dyn Fn(u64),
) -> Result<Report> {
    if inputs.is_empty() {
        return Err(Error::msg("merge needs at least one input"));
    }
    let mut plan = Plan::default();
    let mut names = NameIndex::default();
    let (mut image_ord, mut ann_ord) = (0u32, 0u32);
    let mut done = 0u64;
    let mut rep = Report {
        inputs: inputs.len() as u64,
        ..Report::default()
    };
    for (k, input) in inputs.iter().enumerate() {
        let mut ip = InputPlan::default();
        first_pass(
            inputs,
            k,
            opts,
            &mut plan,
            &mut ip,
            &mut names,
            (&mut image_ord, &mut ann_ord),
            &mut rep,
            &|p| progress(done + p),
        )
        .map_err(|e| named(e, input))?;
        done += input.bytes().len() as u64;
        plan.inputs.push(ip);
    }
    unify_categories(inputs, opts, &mut plan, &mut rep)?;
    rep.renumbered_images = plan.images_renumbered.len();
    rep.renumbered_annotations = plan.annotations_renumbered.len();
    write(inputs, &plan, w, map_out, &mut rep, &|p| progress(done + p))?;
    Ok(rep)
}

/// The first pass over input `k`: validate, collect its layout and categories, decide each image's and
/// annotation's fate.
#[allow(clippy::too_many_arguments)]
fn first_pass(
    inputs: &[Input],
    k: usize,
    opts: &Options,
    plan: &mut Plan,
    ip: &mut InputPlan,
    names: &mut NameIndex,
    (image_ord, ann_ord): (&mut u32, &mut u32),
    rep: &mut Report,
    progress: &dyn Fn(u64),
) -> Result<()> {
    let input = &inputs[k];
    let buf = input.bytes();
    let layout = scan_top_batched(buf, BATCH, |chunk| {
        let records = match chunk {
            Chunk::Event(Event::Other { key, raw, start }) => {
                ip.top.push(Top::Other {
                    key,
                    start,
                    end: start + raw.len(),
                });
                return Ok(());
            }
            Chunk::Event(Event::SectionStart { section }) => {
                ip.top.push(Top::Section(section));
                return Ok(());
            }
            Chunk::Event(_) => return Ok(()),
            Chunk::Records { section, records } => {
                if let Some(&(s, _)) = records.first() {
                    ip.first[slot(section)].get_or_insert(s);
                }
                match section {
                    Section::Categories => {
                        for &(s, e) in &records {
                            ip.categories.push((parse_category(buf, s)?, s, e));
                        }
                    }
                    Section::Images => {
                        let images = par_map_ordered(&records, |&(s, _)| parse_image(buf, s))?;
                        for (im, &(s, _)) in images.into_iter().zip(&records) {
                            let ord = *image_ord;
                            *image_ord = ord.checked_add(1).ok_or_else(too_many)?;
                            let d = plan.images.see(im.id, k).ok_or_else(|| {
                                Error::at(s, format!("duplicate image id {}", im.id))
                            })?;
                            ip.image_set.insert(d);
                            // An image without a file_name (or with an empty one) is merged with none.
                            if opts.dedupe == Dedupe::FileName && !im.file_name.is_empty() {
                                if let Some(j) = names.find(inputs, &im.file_name)? {
                                    let f = &names.firsts[j as usize];
                                    if f.input as usize != k {
                                        if (f.width, f.height) != (im.width, im.height) {
                                            return Err(Error::at(
                                                s,
                                                format!(
                                                    "image \"{}\" is {}x{} here (id {}) but {}x{} in {} (id {})",
                                                    im.file_name, im.width, im.height, im.id, f.width,
                                                    f.height, inputs[f.input as usize].name(), f.id
                                                ),
                                            ));
                                        }
                                        plan.merged.insert(ord);
                                        rep.images_merged += 1;
                                        if f.new != Target::Id(im.id) {
                                            ip.images.insert(im.id, f.new);
                                        }
                                        continue;
                                    }
                                    // Images of one file are not merged with each other.
                                    claim_image(plan, ip, im.id, d, ord);
                                    continue;
                                }
                                let new = claim_image(plan, ip, im.id, d, ord);
                                names.insert(
                                    &im.file_name,
                                    FirstImage {
                                        input: k as u32,
                                        start: s,
                                        id: im.id,
                                        width: im.width,
                                        height: im.height,
                                        new,
                                    },
                                );
                            } else {
                                claim_image(plan, ip, im.id, d, ord);
                            }
                        }
                    }
                    Section::Annotations => {
                        let ids = par_map_ordered(&records, |&(s, _)| {
                            parse_annotation_with(buf, s, SegMode::Kind).map(|(a, _)| a.id)
                        })?;
                        for (id, &(s, _)) in ids.into_iter().zip(&records) {
                            let ord = *ann_ord;
                            *ann_ord = ord.checked_add(1).ok_or_else(too_many)?;
                            let Some(id) = id else { continue };
                            let d = plan.annotations.see(id, k).ok_or_else(|| {
                                Error::at(s, format!("duplicate annotation id {id}"))
                            })?;
                            if let Target::Fresh(_) = plan.annotations.claim(id, d) {
                                plan.annotations_renumbered.insert(ord);
                            }
                        }
                    }
                }
                records
            }
        };
        if let Some(&(_, last)) = records.last() {
            input.release(last);
            progress(last as u64);
        }
        Ok(())
    })?;
    if layout != Layout::Dataset {
        return Err(Error::msg(
            "merge needs COCO datasets (objects with \"images\", \"annotations\", \"categories\"), not a results array",
        ));
    }
    Ok(())
}

fn too_many() -> Error {
    Error::msg("more than 2^32 - 1 records in one section: not supported")
}

/// The id the image record `ord` (old id `id`, dense index `d`) is written with.
fn claim_image(plan: &mut Plan, ip: &mut InputPlan, id: i64, d: u32, ord: u32) -> Target {
    let new = plan.images.claim(id, d);
    if new != Target::Id(id) {
        plan.images_renumbered.insert(ord);
        ip.images.insert(id, new);
    }
    new
}

/// A category's fields that must agree between files, as JSON values.
fn definition(c: &Category) -> Result<[Option<serde_json::Value>; 3]> {
    let field = |key: &str| -> Result<Option<serde_json::Value>> {
        match c.extra.iter().find(|(k, _)| k == key) {
            Some((_, raw)) => serde_json::from_str(raw)
                .map(Some)
                .map_err(|e| Error::msg(format!("category id {}: {key}: {e}", c.id))),
            None => Ok(None),
        }
    };
    Ok([
        c.supercategory.clone().map(serde_json::Value::String),
        field("keypoints")?,
        field("skeleton")?,
    ])
}

/// Decide the output categories and every input's category id map.
fn unify_categories(
    inputs: &[Input],
    opts: &Options,
    plan: &mut Plan,
    rep: &mut Report,
) -> Result<()> {
    // kwcoco's _CategoryID_Remapper: a colliding category takes one more than the largest id written so far.
    let mut next: i64 = 1;
    // The output categories: (input, index in its categories, new id).
    let mut out: Vec<(usize, usize, i64)> = Vec::new();
    let mut by_key: HashMap<String, usize> = HashMap::new();
    let mut used: HashSet<i64> = HashSet::new();
    for k in 0..plan.inputs.len() {
        let mut ids_here: HashSet<i64> = HashSet::new();
        let mut names_here: HashSet<&str> = HashSet::new();
        let mut map = HashMap::new();
        for (i, (c, s, _)) in plan.inputs[k].categories.iter().enumerate() {
            let here = || inputs[k].name();
            if !ids_here.insert(c.id) {
                return Err(
                    Error::at(*s, format!("duplicate category id {}", c.id)).in_file(here())
                );
            }
            if opts.categories == CategoryKey::ByName && !names_here.insert(&c.name) {
                return Err(Error::at(
                    *s,
                    format!(
                        "two categories are named \"{}\" (merging by name needs one per name)",
                        c.name
                    ),
                )
                .in_file(here()));
            }
            let key = match opts.categories {
                CategoryKey::ByName => c.name.clone(),
                CategoryKey::ById => c.id.to_string(),
            };
            if let Some(&o) = by_key.get(&key) {
                let (ko, io, new) = out[o];
                let first = &plan.inputs[ko].categories[io].0;
                check_same(first, inputs[ko].name(), c, here())?;
                map.insert(c.id, new);
            } else {
                let new = if used.contains(&c.id) {
                    rep.renumbered_categories += 1;
                    next
                } else {
                    c.id
                };
                next = next.max(new.saturating_add(1));
                used.insert(new);
                by_key.insert(key, out.len());
                out.push((k, i, new));
                map.insert(c.id, new);
            }
        }
        plan.inputs[k].categories_map = map;
    }
    plan.categories = out
        .into_iter()
        .map(|(k, i, new)| {
            let (c, s, e) = &plan.inputs[k].categories[i];
            (k, (*s, *e), c.id, new)
        })
        .collect();
    rep.categories = plan.categories.len() as u64;
    Ok(())
}

/// A later file's category `c` (in `file`) agrees with the first definition `first` (in `first_file`).
fn check_same(first: &Category, first_file: &str, c: &Category, file: &str) -> Result<()> {
    let what = if first.name != c.name {
        Some("name")
    } else {
        let (a, b) = (definition(first)?, definition(c)?);
        ["supercategory", "keypoints", "skeleton"]
            .into_iter()
            .zip(a.iter().zip(&b))
            .find(|(_, (x, y))| x.is_some() && y.is_some() && x != y)
            .map(|(w, _)| w)
    };
    match what {
        None => Ok(()),
        Some(w) => Err(Error::msg(format!(
            "category \"{}\" (id {}) of {file} and category \"{}\" (id {}) of {first_file} differ in {w}",
            c.name, c.id, first.name, first.id
        ))),
    }
}

/// The second pass: the output object, and the id map.
fn write(
    inputs: &[Input],
    plan: &Plan,
    w: &mut dyn Write,
    mut map_out: Option<&mut dyn Write>,
    rep: &mut Report,
    progress: &dyn Fn(u64),
) -> Result<()> {
    // Top-level keys: the first input's order, then keys only later inputs have; a key's value from the
    // first input that has it.
    let mut order: Vec<(usize, &Top)> = Vec::new();
    let mut seen: HashSet<&str> = HashSet::new();
    for (k, ip) in plan.inputs.iter().enumerate() {
        for t in &ip.top {
            if seen.insert(t.key()) {
                order.push((k, t));
            }
        }
    }
    let annotations = Top::Section(Section::Annotations);
    if !seen.contains("annotations") {
        // As `filter`: tools read `dataset["annotations"]` without checking it is there.
        order.push((0, &annotations));
    }
    let mut t = TopWriter::new(w);
    t.begin_object()?;
    let mut done = 0u64;
    for (k, top) in order {
        match top {
            Top::Other { key, start, end } => {
                t.raw_member(key, &inputs[k].bytes()[*start..*end])?
            }
            Top::Section(section) => {
                t.begin_section(section.key())?;
                match section {
                    Section::Images => {
                        write_images(inputs, plan, &mut t, rep, &mut done, progress)?
                    }
                    Section::Annotations => write_annotations(
                        inputs,
                        plan,
                        &mut t,
                        &mut map_out,
                        rep,
                        &mut done,
                        progress,
                    )?,
                    Section::Categories => {
                        for &(k, (s, e), old, new) in &plan.categories {
                            let buf = inputs[k].bytes();
                            if old == new {
                                t.record(&buf[s..e])?;
                            } else {
                                let [id] = member_values(buf, s, ["id"])?;
                                let id =
                                    id.ok_or_else(|| Error::at(s, "category has no \"id\""))?;
                                t.record_edited(buf, (s, e), &mut [(id, int_text(new))])?;
                            }
                        }
                    }
                }
                t.end_array()?;
            }
        }
    }
    t.end_object()?;
    if let Some(m) = map_out {
        m.write_all(b"]}\n")?;
    }
    Ok(())
}

/// The records of a section of one input, from its first record, in batches of [`BATCH`].
fn batches(
    buf: &[u8],
    first: Option<usize>,
    section: Section,
    mut f: impl FnMut(&[(usize, usize)]) -> Result<()>,
) -> Result<()> {
    let Some(first) = first else { return Ok(()) };
    let mut batch = Vec::with_capacity(BATCH);
    walk_elements(buf, Resume::at_open(first), section, |s, e| {
        batch.push((s, e));
        if batch.len() == BATCH {
            f(&batch)?;
            batch.clear();
        }
        Ok(())
    })?;
    if !batch.is_empty() {
        f(&batch)?;
    }
    Ok(())
}

fn write_images(
    inputs: &[Input],
    plan: &Plan,
    t: &mut TopWriter,
    rep: &mut Report,
    done: &mut u64,
    progress: &dyn Fn(u64),
) -> Result<()> {
    let base = plan.images.base();
    let (mut ord, mut fresh) = (0u32, 0i64);
    for (k, input) in inputs.iter().enumerate() {
        let buf = input.bytes();
        batches(buf, plan.inputs[k].first[0], Section::Images, |recs| {
            for &(s, e) in recs {
                let o = ord;
                ord += 1;
                if plan.merged.contains(o) {
                    continue;
                }
                rep.images += 1;
                if plan.images_renumbered.contains(o) {
                    let [id] = member_values(buf, s, ["id"])?;
                    let id = id.ok_or_else(|| Error::at(s, "image has no \"id\""))?;
                    t.record_edited(buf, (s, e), &mut [(id, int_text(base + fresh))])?;
                    fresh += 1;
                } else {
                    t.record(&buf[s..e])?;
                }
            }
            if let Some(&(_, e)) = recs.last() {
                *done += (e - recs[0].0) as u64;
                input.release(e);
                progress(*done);
            }
            Ok(())
        })
        .map_err(|e| named(e, input))?;
    }
    Ok(())
}

/// What the second pass needs of an annotation: the ranges and values of `id`, `image_id`, `category_id`.
type AnnRefs = (
    Option<((usize, usize), i64)>,
    Option<((usize, usize), i64)>,
    Option<((usize, usize), i64)>,
);

fn write_annotations(
    inputs: &[Input],
    plan: &Plan,
    t: &mut TopWriter,
    map_out: &mut Option<&mut dyn Write>,
    rep: &mut Report,
    done: &mut u64,
    progress: &dyn Fn(u64),
) -> Result<()> {
    let (ann_base, img_base) = (plan.annotations.base(), plan.images.base());
    let (mut ord, mut fresh) = (0u32, 0i64);
    let mut first_entry;
    if let Some(m) = map_out.as_deref_mut() {
        m.write_all(b"{\"inputs\": [")?;
    }
    for (k, input) in inputs.iter().enumerate() {
        let buf = input.bytes();
        let ip = &plan.inputs[k];
        if let Some(m) = map_out.as_deref_mut() {
            map_head(m, k, input.name(), ip, img_base)?;
        }
        first_entry = true;
        let cats_change = ip.categories_map.iter().any(|(a, b)| a != b);
        batches(buf, ip.first[1], Section::Annotations, |recs| {
            let refs: Vec<AnnRefs> = par_map_ordered(recs, |&(s, _)| {
                let [id, img, cat] = member_values(buf, s, ["id", "image_id", "category_id"])?;
                let val = |r: Option<(usize, usize)>| -> Result<Option<((usize, usize), i64)>> {
                    r.map(|r| int_at(buf, r).map(|v| (r, v))).transpose()
                };
                Ok((val(id)?, val(img)?, val(cat)?))
            })?;
            for (&(s, e), (id, img, cat)) in recs.iter().zip(refs) {
                let o = ord;
                ord += 1;
                let mut edits: Vec<((usize, usize), Vec<u8>)> = Vec::new();
                if plan.annotations_renumbered.contains(o) {
                    if let Some((r, old)) = id {
                        let new = ann_base + fresh;
                        fresh += 1;
                        edits.push((r, int_text(new)));
                        if let Some(m) = map_out.as_deref_mut() {
                            let sep = if first_entry { "" } else { ", " };
                            first_entry = false;
                            write!(m, "{sep}\"{old}\": {new}")?;
                        }
                    }
                }
                let describe = || match id {
                    Some((_, v)) => format!("annotation id {v}"),
                    None => format!("annotation at byte {s}"),
                };
                let Some((r, img)) = img else {
                    return Err(
                        Error::at(s, "annotation has no \"image_id\"").for_record(describe())
                    );
                };
                let known = plan
                    .images
                    .ix
                    .get(img)
                    .is_some_and(|d| ip.image_set.contains(d));
                if !known {
                    return Err(Error::at(
                        r.0,
                        format!("image_id {img} is not an image of this file"),
                    )
                    .for_record(describe()));
                }
                if let Some(new) = ip.images.get(&img) {
                    edits.push((r, int_text(new.resolve(img_base))));
                }
                if let Some((r, c)) = cat {
                    let Some(&new) = ip.categories_map.get(&c) else {
                        return Err(Error::at(
                            r.0,
                            format!("category_id {c} is not a category of this file"),
                        )
                        .for_record(describe()));
                    };
                    if cats_change && new != c {
                        edits.push((r, int_text(new)));
                    }
                }
                rep.annotations += 1;
                t.record_edited(buf, (s, e), &mut edits)?;
            }
            if let Some(&(_, e)) = recs.last() {
                *done += (e - recs[0].0) as u64;
                input.release(e);
                progress(*done);
            }
            Ok(())
        })
        .map_err(|e| named(e, input))?;
        if let Some(m) = map_out.as_deref_mut() {
            m.write_all(b"}}")?;
        }
    }
    Ok(())
}

/// The id map's entry for input `k` up to its annotations' `{`.
fn map_head(m: &mut dyn Write, k: usize, name: &str, ip: &InputPlan, img_base: i64) -> Result<()> {
    let images: BTreeMap<i64, i64> = ip
        .images
        .iter()
        .map(|(&a, b)| (a, b.resolve(img_base)))
        .collect();
    let cats: BTreeMap<i64, i64> = ip
        .categories_map
        .iter()
        .filter(|(a, b)| a != b)
        .map(|(&a, &b)| (a, b))
        .collect();
    let obj = |m: &BTreeMap<i64, i64>| -> String {
        let v: Vec<String> = m.iter().map(|(a, b)| format!("\"{a}\": {b}")).collect();
        format!("{{{}}}", v.join(", "))
    };
    let file = serde_json::to_string(name).map_err(|e| Error::msg(e.to_string()))?;
    write!(
        m,
        "{}{{\"file\": {file}, \"images\": {}, \"categories\": {}, \"annotations\": {{",
        if k == 0 { "" } else { ", " },
        obj(&images),
        obj(&cats)
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(
        files: &[&str],
        opts: Options,
    ) -> Result<(serde_json::Value, serde_json::Value, Report)> {
        let inputs: Vec<Input> = files
            .iter()
            .enumerate()
            .map(|(i, f)| Input::from_bytes(&format!("in{i}.json"), f.as_bytes().to_vec()))
            .collect();
        let (mut out, mut map) = (Vec::new(), Vec::new());
        let rep = merge(&inputs, &opts, &mut out, Some(&mut map), &|_| {})?;
        Ok((
            serde_json::from_slice(&out).expect("output is JSON"),
            serde_json::from_slice(&map).expect("map is JSON"),
            rep,
        ))
    }

    const A: &str = r#"{"info": {"v": 1}, "images": [{"id": 1, "file_name": "a.jpg", "width": 4, "height": 3}],
      "annotations": [{"id": 1, "image_id": 1, "category_id": 5, "bbox": [1, 2, 3, 4.0]}],
      "categories": [{"id": 5, "name": "dog", "supercategory": "animal"}]}"#;
    const B: &str = r#"{"images": [{"id": 1, "file_name": "b.jpg", "width": 4, "height": 3},
                                   {"id": 2, "file_name": "a.jpg", "width": 4, "height": 3}],
      "annotations": [{"id": 1, "image_id": 1, "category_id": 1}, {"id": 7, "image_id": 2, "category_id": 5}],
      "categories": [{"id": 1, "name": "cat", "supercategory": "animal"}, {"id": 5, "name": "dog", "supercategory": "animal"}],
      "licenses": []}"#;

    #[test]
    fn renumbers_only_collisions_and_merges_images_by_file_name() {
        let (out, map, rep) = run(&[A, B], Options::default()).unwrap();
        assert_eq!(
            out,
            serde_json::json!({"info": {"v": 1},
              "images": [{"id": 1, "file_name": "a.jpg", "width": 4, "height": 3},
                         {"id": 3, "file_name": "b.jpg", "width": 4, "height": 3}],
              "annotations": [{"id": 1, "image_id": 1, "category_id": 5, "bbox": [1, 2, 3, 4.0]},
                              {"id": 8, "image_id": 3, "category_id": 1}, {"id": 7, "image_id": 1, "category_id": 5}],
              "categories": [{"id": 5, "name": "dog", "supercategory": "animal"},
                             {"id": 1, "name": "cat", "supercategory": "animal"}],
              "licenses": []})
        );
        assert_eq!(
            map,
            serde_json::json!({"inputs": [
              {"file": "in0.json", "images": {}, "categories": {}, "annotations": {}},
              {"file": "in1.json", "images": {"1": 3, "2": 1}, "categories": {}, "annotations": {"1": 8}}]})
        );
        assert_eq!(
            (
                rep.images,
                rep.images_merged,
                rep.annotations,
                rep.categories
            ),
            (2, 1, 3, 2)
        );
        // Without merging by file name, B's second image is kept and renumbered (id 2 is free).
        let (out, _, _) = run(
            &[A, B],
            Options {
                dedupe: Dedupe::None,
                ..Options::default()
            },
        )
        .unwrap();
        assert_eq!(out["images"].as_array().unwrap().len(), 3);
        assert_eq!(out["images"][2]["id"], 2);
    }

    #[test]
    fn by_id_unifies_ids_and_rejects_conflicts() {
        let c = r#"{"images": [], "annotations": [], "categories": [{"id": 5, "name": "dog", "supercategory": "pet"}]}"#;
        let e = run(&[A, c], Options::default()).unwrap_err();
        assert!(e.msg.contains("differ in supercategory"), "{e}");
        assert!(
            e.msg.contains("in0.json") && e.msg.contains("in1.json"),
            "{e}"
        );
        let d = r#"{"categories": [{"id": 5, "name": "wolf", "supercategory": "animal"}]}"#;
        let e = run(
            &[A, d],
            Options {
                categories: CategoryKey::ById,
                ..Options::default()
            },
        )
        .unwrap_err();
        assert!(e.msg.contains("differ in name"), "{e}");
        // By name, "wolf" is a new category; its id 5 is taken, so it gets 6.
        let (out, map, _) = run(&[A, d], Options::default()).unwrap();
        assert_eq!(
            out["categories"][1],
            serde_json::json!({"id": 6, "name": "wolf", "supercategory": "animal"})
        );
        assert_eq!(map["inputs"][1]["categories"], serde_json::json!({"5": 6}));
    }

    #[test]
    fn rejects_what_would_be_ambiguous() {
        let dup = r#"{"images": [{"id": 1}, {"id": 1}], "annotations": [], "categories": []}"#;
        assert!(run(&[dup], Options::default())
            .unwrap_err()
            .msg
            .contains("duplicate image id 1"));
        let size = r#"{"images": [{"id": 9, "file_name": "a.jpg", "width": 5, "height": 3}]}"#;
        let e = run(&[A, size], Options::default()).unwrap_err();
        assert!(e.msg.contains("4x3 in in0.json (id 1)"), "{e}");
        let dangling = r#"{"images": [], "annotations": [{"id": 1, "image_id": 4, "category_id": 5}], "categories": []}"#;
        let e = run(&[dangling], Options::default()).unwrap_err();
        assert!(
            e.msg.contains("image_id 4 is not an image of this file"),
            "{e}"
        );
    }
}
