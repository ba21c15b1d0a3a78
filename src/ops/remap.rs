//! Category remapping (`cocokit remap`): rename, merge and drop categories of a dataset.
//!
//! A [`Spec`] gives categories, by name, a fate: a new name, or none (dropped). Categories are then grouped by
//! their resulting name: a category renamed to the name of a category left alone joins it; several renamed to
//! the same new name become one. Each group is written as one record, its target's: the category that keeps
//! its name if there is one (the first such, in the file's order), else the first source listed in
//! `--merge A,B=C`, else the first renamed category in the file's order. Its `name` (when it changes) and `id`
//! are the only bytes of it rewritten. Categories left alone are never grouped with each other, even when a
//! file repeats a name.
//!
//! Ids: the groups are numbered 1..N in the order of their targets in the file, or keep their target's id
//! (`keep_ids`). Annotations of a dropped category are dropped; the others get their group's id as
//! `category_id` (only that value's bytes rewritten). With `drop_empty_images`, an image is dropped when it
//! had annotations and all of them were dropped (an image that had none stays).
//!
//! The `--map` file is a JSON object `{"old name": "new name" | null, ...}` (`null`: drop). A name no category
//! has, or a name given two different fates, is an error.
//!
//! Not here: merging files (see [`crate::ops::merge`]). Three passes over the (memory-mapped) input, as
//! `filter`: the categories (records only cut); images and annotations parsed and validated in parallel
//! batches, counted per category, with two bits per image id for `drop_empty_images`; then the output, in file
//! order, records written as read except the values that change.

use crate::coco::ids::{BitSet, IdIndex};
use crate::coco::reader::{parse_annotation_with, parse_category, parse_image, SegMode};
use crate::coco::walk::{par_map_ordered, scan_top_batched, Chunk, Event, Layout, Section, BATCH};
use crate::coco::writer::{int_at, int_text, member_values, string_text, TopWriter};
use crate::coco::Category;
use crate::error::{Error, Result};
use crate::io::Input;
use crate::ops::filter::unknown;
use std::collections::HashMap;
use std::io::Write;

/// What becomes of each category named.
#[derive(Debug, Clone, Default)]
pub struct Spec {
    /// Old name → new name (`None`: dropped), in the order given.
    fates: Vec<(String, Option<String>)>,
    /// New name → the source `--merge` listed first (its record is the group's when the name is new).
    preferred: HashMap<String, String>,
}

impl Spec {
    fn set(&mut self, old: &str, new: Option<&str>) -> Result<()> {
        let new = new.map(str::to_string);
        if let Some((_, before)) = self.fates.iter().find(|(o, _)| o == old) {
            if *before != new {
                let say = |f: &Option<String>| match f {
                    Some(n) => format!("renamed to \"{n}\""),
                    None => "dropped".to_string(),
                };
                return Err(Error::msg(format!(
                    "category \"{old}\" is both {} and {}",
                    say(before),
                    say(&new)
                )));
            }
            return Ok(());
        }
        self.fates.push((old.to_string(), new));
        Ok(())
    }

    /// `old` is renamed `new`.
    pub fn rename(&mut self, old: &str, new: &str) -> Result<()> {
        if new.is_empty() {
            return Err(Error::msg(format!(
                "category \"{old}\": the new name is empty"
            )));
        }
        self.set(old, Some(new))
    }

    /// `name` is dropped with its annotations.
    pub fn drop_category(&mut self, name: &str) -> Result<()> {
        self.set(name, None)
    }

    /// `sources` become one category named `target`.
    pub fn merge(&mut self, sources: &[String], target: &str) -> Result<()> {
        let Some(first) = sources.first() else {
            return Err(Error::msg(format!(
                "--merge ...={target}: no category to merge"
            )));
        };
        for s in sources {
            self.rename(s, target)?;
        }
        self.preferred
            .entry(target.to_string())
            .or_insert_with(|| first.clone());
        Ok(())
    }

    /// The entries of a map file: `{"old name": "new name" | null}`.
    pub fn add_map_json(&mut self, bytes: &[u8]) -> Result<()> {
        let v: serde_json::Value = serde_json::from_slice(bytes)
            .map_err(|e| Error::msg(format!("not a JSON object of category names: {e}")))?;
        let serde_json::Value::Object(m) = v else {
            return Err(Error::msg(
                "expected a JSON object {\"old name\": \"new name\" | null, ...}",
            ));
        };
        for (old, new) in m {
            match new {
                serde_json::Value::String(n) => self.rename(&old, &n)?,
                serde_json::Value::Null => self.drop_category(&old)?,
                other => {
                    return Err(Error::msg(format!(
                        "\"{old}\": expected a new name (a string) or null, found {other}"
                    )))
                }
            }
        }
        Ok(())
    }

    pub fn is_empty(&self) -> bool {
        self.fates.is_empty()
    }
}

/// How to remap.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub spec: Spec,
    /// Drop images whose annotations were all dropped.
    pub drop_empty_images: bool,
    /// Keep the target categories' ids instead of numbering 1..N.
    pub keep_ids: bool,
}

/// Annotations of one category.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CategoryCount {
    pub id: i64,
    pub name: String,
    pub annotations: u64,
}

/// What was written.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Report {
    pub images: u64,
    pub images_dropped: u64,
    pub annotations: u64,
    pub annotations_dropped: u64,
    /// Per input category, in the file's order.
    pub before: Vec<CategoryCount>,
    /// Per output category, in the output's order.
    pub after: Vec<CategoryCount>,
}

/// A category written: its target's record, new id, and new name when it changes.
struct Group {
    target: usize,
    id: i64,
    name: String,
    renamed: bool,
}

/// The output categories and, per input category id, its group (`None`: dropped).
struct Plan {
    groups: Vec<Group>,
    of_id: HashMap<i64, Option<usize>>,
}

fn plan(categories: &[Category], spec: &Spec, keep_ids: bool) -> Result<Plan> {
    let names: Vec<&str> = categories.iter().map(|c| c.name.as_str()).collect();
    for (old, _) in &spec.fates {
        if !names.contains(&old.as_str()) {
            return Err(unknown("category", old, &names));
        }
    }
    let fate = |c: &Category| {
        spec.fates
            .iter()
            .find(|(o, _)| *o == c.name)
            .map(|(_, f)| f)
    };
    // member → group, by category index.
    let mut group_of: Vec<Option<usize>> = vec![None; categories.len()];
    let mut groups: Vec<(usize, String, bool)> = Vec::new();
    let mut by_name: HashMap<String, usize> = HashMap::new();
    for (i, c) in categories.iter().enumerate() {
        let untouched = fate(c).is_none_or(|f| f.as_deref() == Some(c.name.as_str()));
        if untouched {
            group_of[i] = Some(groups.len());
            by_name.entry(c.name.clone()).or_insert(groups.len());
            groups.push((i, c.name.clone(), false));
        }
    }
    for (i, c) in categories.iter().enumerate() {
        if let Some(Some(new)) = fate(c) {
            if *new == c.name {
                continue;
            }
            let g = match by_name.get(new) {
                Some(&g) => g,
                None => {
                    by_name.insert(new.clone(), groups.len());
                    groups.push((i, new.clone(), true));
                    groups.len() - 1
                }
            };
            group_of[i] = Some(g);
            // A new name takes the record of the source `--merge` listed first.
            if let Some(p) = spec.preferred.get(new) {
                if groups[g].2 && c.name == *p && categories[groups[g].0].name != *p {
                    groups[g].0 = i;
                }
            }
        }
    }
    // Groups in the order of their targets; ids 1..N in that order, or the target's.
    let mut order: Vec<usize> = (0..groups.len()).collect();
    order.sort_by_key(|&g| groups[g].0);
    let mut rank = vec![0usize; groups.len()];
    for (r, &g) in order.iter().enumerate() {
        rank[g] = r;
    }
    let out: Vec<Group> = order
        .iter()
        .enumerate()
        .map(|(r, &g)| {
            let (target, name, renamed) = &groups[g];
            Group {
                target: *target,
                id: if keep_ids {
                    categories[*target].id
                } else {
                    r as i64 + 1
                },
                name: name.clone(),
                renamed: *renamed,
            }
        })
        .collect();
    let mut of_id = HashMap::new();
    for (i, c) in categories.iter().enumerate() {
        if of_id.insert(c.id, group_of[i].map(|g| rank[g])).is_some() {
            return Err(Error::msg(format!(
                "two categories have id {} (their annotations would be ambiguous)",
                c.id
            )));
        }
    }
    Ok(Plan { groups: out, of_id })
}

/// Remap the categories of `input` by `opts`, writing the result to `w`. `progress` gets the bytes done out of
/// three times the input's size.
pub fn remap(
    input: &Input,
    opts: &Options,
    w: &mut dyn Write,
    progress: &dyn Fn(u64),
) -> Result<Report> {
    let buf = input.bytes();
    let len = buf.len() as u64;
    // Pass 1: the categories.
    let mut categories: Vec<Category> = Vec::new();
    let layout = scan_top_batched(buf, BATCH, |chunk| {
        if let Chunk::Records { section, records } = chunk {
            if section == Section::Categories {
                for &(s, _) in &records {
                    categories.push(parse_category(buf, s)?);
                }
            }
            if let Some(&(_, last)) = records.last() {
                input.release(last);
                progress(last as u64);
            }
        }
        Ok(())
    })?;
    if layout != Layout::Dataset {
        return Err(Error::msg(
            "remap needs a COCO dataset (an object with \"categories\"), not a results array",
        ));
    }
    let plan = plan(&categories, &opts.spec, opts.keep_ids)?;

    // Pass 2: validate images and annotations; count per category; which images lose all their annotations.
    let mut before: HashMap<i64, u64> = HashMap::new();
    let mut image_ix = IdIndex::new();
    let (mut had, mut kept) = (BitSet::default(), BitSet::default());
    let mut image_recs: Vec<u32> = Vec::new();
    scan_top_batched(buf, BATCH, |chunk| {
        let Chunk::Records { section, records } = chunk else {
            return Ok(());
        };
        match section {
            Section::Images => {
                let ids = par_map_ordered(&records, |&(s, _)| parse_image(buf, s).map(|im| im.id))?;
                if opts.drop_empty_images {
                    image_recs.extend(ids.into_iter().map(|id| image_ix.index(id)));
                }
            }
            Section::Annotations => {
                let anns = par_map_ordered(&records, |&(s, _)| {
                    let (a, _) = parse_annotation_with(buf, s, SegMode::Kind)?;
                    if let Some(c) = a.category_id {
                        if !plan.of_id.contains_key(&c) {
                            return Err(Error::at(
                                s,
                                format!("category_id {c} is not one of the file's categories"),
                            )
                            .for_record(a.describe()));
                        }
                    }
                    Ok((a.category_id, a.image_id))
                })?;
                for (c, img) in anns {
                    let keep = match c {
                        Some(c) => {
                            *before.entry(c).or_default() += 1;
                            plan.of_id.get(&c).is_some_and(|g| g.is_some())
                        }
                        None => true,
                    };
                    if opts.drop_empty_images {
                        let d = image_ix.index(img);
                        had.insert(d);
                        if keep {
                            kept.insert(d);
                        }
                    }
                }
            }
            Section::Categories => {}
        }
        if let Some(&(_, last)) = records.last() {
            input.release(last);
            progress(len + last as u64);
        }
        Ok(())
    })?;

    // Pass 3: write in file order.
    let mut rep = Report::default();
    let mut t = TopWriter::new(w);
    t.begin_object()?;
    let (mut img_index, mut cat_index) = (0usize, 0usize);
    let mut had_annotations = false;
    scan_top_batched(buf, BATCH, |chunk| {
        let (section, records) = match chunk {
            Chunk::Event(Event::Other { key, raw, .. }) => return t.raw_member(&key, raw),
            Chunk::Event(Event::SectionStart { section }) => {
                had_annotations |= section == Section::Annotations;
                return t.begin_section(section.key());
            }
            Chunk::Event(Event::SectionEnd { .. }) => return t.end_array(),
            Chunk::Event(Event::Record { .. }) => return Ok(()),
            Chunk::Records { section, records } => (section, records),
        };
        match section {
            Section::Images => {
                for &(s, e) in &records {
                    let drop = opts.drop_empty_images
                        && image_recs
                            .get(img_index)
                            .is_some_and(|&d| had.contains(d) && !kept.contains(d));
                    img_index += 1;
                    if drop {
                        rep.images_dropped += 1;
                    } else {
                        rep.images += 1;
                        t.record(&buf[s..e])?;
                    }
                }
            }
            Section::Annotations => {
                let cats = par_map_ordered(&records, |&(s, _)| {
                    let [c] = member_values(buf, s, ["category_id"])?;
                    c.map(|r| int_at(buf, r).map(|v| (r, v))).transpose()
                })?;
                for (&(s, e), c) in records.iter().zip(cats) {
                    let Some((r, c)) = c else {
                        rep.annotations += 1;
                        t.record(&buf[s..e])?;
                        continue;
                    };
                    // Pass 2 checked every category_id.
                    let Some(&Some(g)) = plan.of_id.get(&c) else {
                        rep.annotations_dropped += 1;
                        continue;
                    };
                    rep.annotations += 1;
                    let new = plan.groups[g].id;
                    if new == c {
                        t.record(&buf[s..e])?;
                    } else {
                        t.record_edited(buf, (s, e), &mut [(r, int_text(new))])?;
                    }
                }
            }
            Section::Categories => {
                for &(s, e) in &records {
                    let i = cat_index;
                    cat_index += 1;
                    let Some(g) = plan.groups.iter().find(|g| g.target == i) else {
                        continue;
                    };
                    let c = &categories[i];
                    let [id, name] = member_values(buf, s, ["id", "name"])?;
                    let mut edits = Vec::new();
                    if g.id != c.id {
                        let r = id.ok_or_else(|| Error::at(s, "category has no \"id\""))?;
                        edits.push((r, int_text(g.id)));
                    }
                    if g.renamed {
                        let r = name.ok_or_else(|| {
                            Error::at(s, "category has no \"name\" to rename")
                                .for_record(format!("category id {}", c.id))
                        })?;
                        edits.push((r, string_text(&g.name)));
                    }
                    t.record_edited(buf, (s, e), &mut edits)?;
                }
            }
        }
        if let Some(&(_, last)) = records.last() {
            input.release(last);
            progress(2 * len + last as u64);
        }
        Ok(())
    })?;
    if !had_annotations {
        t.begin_section(Section::Annotations.key())?;
        t.end_array()?;
    }
    t.end_object()?;
    rep.before = categories
        .iter()
        .map(|c| CategoryCount {
            id: c.id,
            name: c.name.clone(),
            annotations: before.get(&c.id).copied().unwrap_or(0),
        })
        .collect();
    let mut after = vec![0u64; plan.groups.len()];
    for (c, n) in &before {
        if let Some(Some(g)) = plan.of_id.get(c) {
            after[*g] += n;
        }
    }
    rep.after = plan
        .groups
        .iter()
        .zip(after)
        .map(|(g, n)| CategoryCount {
            id: g.id,
            name: g.name.clone(),
            annotations: n,
        })
        .collect();
    Ok(rep)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DS: &str = r#"{"images": [{"id": 1}, {"id": 2}, {"id": 3}],
      "annotations": [{"id": 10, "image_id": 1, "category_id": 3}, {"id": 11, "image_id": 2, "category_id": 7},
                      {"id": 12, "image_id": 2, "category_id": 9}, {"id": 13, "image_id": 1, "category_id": 7}],
      "categories": [{"id": 3, "name": "person"}, {"id": 7, "name": "dog", "x": 1}, {"id": 9, "name": "cat"}]}"#;

    fn run(opts: &Options) -> Result<(serde_json::Value, Report)> {
        let mut out = Vec::new();
        let rep = remap(
            &Input::from_bytes("t", DS.as_bytes().to_vec()),
            opts,
            &mut out,
            &|_| {},
        )?;
        Ok((serde_json::from_slice(&out).expect("JSON"), rep))
    }

    #[test]
    fn merges_into_the_target_and_renumbers() {
        let mut spec = Spec::default();
        spec.merge(&["cat".into(), "dog".into()], "pet").unwrap();
        spec.drop_category("person").unwrap();
        let (out, rep) = run(&Options {
            spec,
            drop_empty_images: true,
            keep_ids: false,
        })
        .unwrap();
        // "pet" is new: the record of "cat", listed first, though "dog" comes first in the file.
        assert_eq!(
            out["categories"],
            serde_json::json!([{"id": 1, "name": "pet"}])
        );
        assert_eq!(
            out["annotations"],
            serde_json::json!([{"id": 11, "image_id": 2, "category_id": 1}, {"id": 12, "image_id": 2, "category_id": 1},
                               {"id": 13, "image_id": 1, "category_id": 1}])
        );
        // Image 1 keeps annotation 13; image 3 had none and stays.
        assert_eq!(
            out["images"],
            serde_json::json!([{"id": 1}, {"id": 2}, {"id": 3}])
        );
        assert_eq!((rep.annotations, rep.annotations_dropped), (3, 1));
        assert_eq!(rep.after[0].annotations, 3);
    }

    #[test]
    fn renames_onto_an_existing_name_keep_its_id() {
        let mut spec = Spec::default();
        spec.rename("cat", "dog").unwrap();
        let (out, _) = run(&Options {
            spec,
            keep_ids: true,
            ..Options::default()
        })
        .unwrap();
        assert_eq!(
            out["categories"],
            serde_json::json!([{"id": 3, "name": "person"}, {"id": 7, "name": "dog", "x": 1}])
        );
        assert_eq!(out["annotations"][2]["category_id"], 7);
    }

    #[test]
    fn unknown_and_conflicting_names_are_errors() {
        let mut spec = Spec::default();
        spec.rename("dgo", "x").unwrap();
        let e = run(&Options {
            spec,
            ..Options::default()
        })
        .unwrap_err();
        assert!(e.msg.contains("did you mean \"dog\""), "{e}");
        let mut spec = Spec::default();
        spec.rename("dog", "x").unwrap();
        assert!(spec
            .drop_category("dog")
            .unwrap_err()
            .msg
            .contains("both renamed"));
        let mut spec = Spec::default();
        assert!(spec.add_map_json(br#"{"dog": 3}"#).is_err());
        spec.add_map_json(br#"{"dog": null, "cat": "kitty"}"#)
            .unwrap();
        let (out, _) = run(&Options {
            spec,
            ..Options::default()
        })
        .unwrap();
        assert_eq!(
            out["categories"],
            serde_json::json!([{"id": 1, "name": "person"}, {"id": 2, "name": "kitty"}])
        );
    }
}
