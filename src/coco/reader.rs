//! The streaming COCO reader: typed records out of the JSON scanner, in file order, without a DOM.
//!
//! - `parse_image`, `parse_annotation`, `parse_category` turn one record's bytes (cut by
//!   [`crate::coco::walk`]) into the model, keeping unknown fields verbatim; every error names the byte offset
//!   and, where known, the record id.
//!
//! [`Dataset::load`] and [`load_results`] are conveniences for commands that need everything in memory
//! anyway (evaluation); they still never hold a JSON tree. This module does no mask arithmetic.

use super::model::{Annotation, Category, Image, Segmentation};
use super::walk::{par_map_ordered, scan_top, Event, Layout, Section};
use crate::error::{Error, Result};
use crate::json::scan::{parse_string, skip_value, skip_ws, unexpected, Cursor};
use rayon::prelude::*;

/// The `id` of the record at `start`, looked for after the record failed to parse before its `id` was read
/// (`{"category_id": "1", "id": 7}`), so that the error can name it. `None` when the record is too broken to
/// walk, or has no integer `id`.
#[cold]
pub fn record_id(buf: &[u8], start: usize) -> Option<i64> {
    let mut c = Cursor::new(buf, start);
    c.begin_object().ok()?;
    let mut first = true;
    while let Some((key, _)) = c.next_key(&mut first).ok()? {
        if key == "id" {
            return c.i64().ok();
        }
        c.skip().ok()?;
    }
    None
}

/// `e` told as happening in the `what` record at `start`: named by its `id` (`known_id`, else looked for
/// with [`record_id`]), or by its byte offset when it has none.
#[cold]
pub fn name_record(e: Error, buf: &[u8], start: usize, what: &str, known_id: Option<i64>) -> Error {
    e.for_record(match known_id.or_else(|| record_id(buf, start)) {
        Some(id) => format!("{what} id {id}"),
        None => format!("{what} at byte {start}"),
    })
}

/// How much of an annotation's segmentation to decode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SegMode {
    /// Decode it into [`Segmentation`].
    Full,
    /// Only check that it is valid JSON and report its kind (fast: no numbers decoded, element types not
    /// checked), leaving `segmentation` as `None`.
    Kind,
}

/// The shape of a segmentation, without its data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SegKind {
    Polygons,
    Rle,
    CompressedRle,
    Empty,
    /// No `segmentation` key, or `null`.
    None,
}

impl SegKind {
    pub fn of(seg: Option<&Segmentation>) -> SegKind {
        match seg {
            Some(Segmentation::Polygons(_)) => SegKind::Polygons,
            Some(Segmentation::Rle { .. }) => SegKind::Rle,
            Some(Segmentation::CompressedRle { .. }) => SegKind::CompressedRle,
            Some(Segmentation::Empty) => SegKind::Empty,
            None => SegKind::None,
        }
    }
}

fn raw_text(buf: &[u8], s: usize, e: usize) -> String {
    // Validated JSON is UTF-8.
    String::from_utf8_lossy(&buf[s..e]).into_owned()
}

/// Parse the image record starting at `start`.
pub fn parse_image(buf: &[u8], start: usize) -> Result<Image> {
    parse_image_fields::<true>(buf, start)
}

/// [`parse_image`] for a caller that needs only `id`, `height` and `width` (`convert`): the other members
/// are skipped (still checked to be JSON), not decoded or copied — `file_name` and `extra` stay empty.
pub fn parse_image_size(buf: &[u8], start: usize) -> Result<Image> {
    parse_image_fields::<false>(buf, start)
}

#[inline(always)]
fn parse_image_fields<const ALL: bool>(buf: &[u8], start: usize) -> Result<Image> {
    let mut c = Cursor::new(buf, start);
    c.begin_object()?;
    let mut first = true;
    let mut img = Image::default();
    let mut has_id = false;
    let mut r = || -> Result<()> {
        while let Some((key, _)) = c.next_key(&mut first)? {
            match &*key {
                "id" => {
                    img.id = c.i64()?;
                    has_id = true;
                }
                "width" => img.width = dim(&mut c)?,
                "height" => img.height = dim(&mut c)?,
                // The lean parse (`parse_image_size`) stops decoding here.
                _ if !ALL => {
                    c.skip()?;
                }
                "file_name" => img.file_name = c.string()?.into_owned(),
                _ => {
                    let (s, e) = c.skip()?;
                    img.extra.push((key.into_owned(), raw_text(buf, s, e)));
                }
            }
        }
        Ok(())
    };
    r().map_err(|e| name_record(e, buf, start, "image", has_id.then_some(img.id)))?;
    if !has_id {
        return Err(Error::at(start, "image record has no \"id\""));
    }
    Ok(img)
}

fn dim(c: &mut Cursor) -> Result<u32> {
    let at = skip_ws(c.buf, c.pos);
    let v = c.i64()?;
    u32::try_from(v).map_err(|_| Error::at(at, format!("image size {v} is negative or too large")))
}

/// Parse the category record starting at `start`.
pub fn parse_category(buf: &[u8], start: usize) -> Result<Category> {
    let mut c = Cursor::new(buf, start);
    c.begin_object()?;
    let mut first = true;
    let mut cat = Category::default();
    let mut has_id = false;
    let mut r = || -> Result<()> {
        while let Some((key, _)) = c.next_key(&mut first)? {
            match &*key {
                "id" => {
                    cat.id = c.i64()?;
                    has_id = true;
                }
                "name" => cat.name = c.string()?.into_owned(),
                "supercategory" => {
                    if !c.null() {
                        cat.supercategory = Some(c.string()?.into_owned());
                    }
                }
                _ => {
                    let (s, e) = c.skip()?;
                    cat.extra.push((key.into_owned(), raw_text(buf, s, e)));
                }
            }
        }
        Ok(())
    };
    r().map_err(|e| name_record(e, buf, start, "category", has_id.then_some(cat.id)))?;
    if !has_id {
        return Err(Error::at(start, "category record has no \"id\""));
    }
    Ok(cat)
}

/// Parse the annotation record starting at `start`, decoding the segmentation fully.
pub fn parse_annotation(buf: &[u8], start: usize) -> Result<Annotation> {
    parse_annotation_with(buf, start, SegMode::Full).map(|(a, _)| a)
}

/// Parse the annotation record starting at `start`; also returns the segmentation's kind and byte range.
pub fn parse_annotation_with(
    buf: &[u8],
    start: usize,
    mode: SegMode,
) -> Result<(Annotation, SegInfo)> {
    parse_annotation_fields::<true>(buf, start, mode)
}

/// [`parse_annotation_with`] (segmentation decoded) for a caller that needs only `id`, `image_id` and the
/// segmentation — `convert`, which copies every other byte of the record as it is: the other members are
/// skipped (still checked to be JSON), not decoded, so their types are not checked.
pub fn parse_annotation_segmentation(buf: &[u8], start: usize) -> Result<(Annotation, SegInfo)> {
    parse_annotation_fields::<false>(buf, start, SegMode::Full)
}

/// The record loop of [`parse_annotation_with`]; with `ALL` false, only `id`, `image_id` and
/// `segmentation` are decoded.
#[inline(always)]
fn parse_annotation_fields<const ALL: bool>(
    buf: &[u8],
    start: usize,
    mode: SegMode,
) -> Result<(Annotation, SegInfo)> {
    let mut c = Cursor::new(buf, start);
    let mut ann = Annotation {
        offset: start as u64,
        ..Default::default()
    };
    let mut info = SegInfo {
        kind: SegKind::None,
        range: None,
        // Set once the record is parsed.
        end: start,
    };
    let mut has_image = false;
    let res = (|| -> Result<()> {
        c.begin_object()?;
        let mut first = true;
        while let Some((key, _)) = c.next_key(&mut first)? {
            match &*key {
                "id" => ann.id = Some(c.i64()?),
                "image_id" => {
                    ann.image_id = c.i64()?;
                    has_image = true;
                }
                "segmentation" => {
                    let s = skip_ws(buf, c.pos);
                    let (seg, kind) = parse_segmentation(&mut c, mode)?;
                    info = SegInfo {
                        kind,
                        range: Some((s, c.pos)),
                        ..info
                    };
                    ann.segmentation = seg;
                }
                // The lean parse (`parse_annotation_segmentation`) stops decoding here.
                _ if !ALL => {
                    c.skip()?;
                }
                "category_id" => ann.category_id = Some(c.i64()?),
                "iscrowd" => ann.iscrowd = Some(c.i64()?),
                "area" => ann.area = if c.null() { None } else { Some(c.f64()?) },
                "score" => ann.score = Some(c.f64()?),
                "bbox" => ann.bbox = parse_bbox(&mut c)?,
                _ => {
                    let (s, e) = c.skip()?;
                    ann.extra.push((key.into_owned(), raw_text(buf, s, e)));
                }
            }
        }
        Ok(())
    })();
    res.map_err(|e| {
        if ann.id.is_none() {
            ann.id = record_id(buf, start);
        }
        e.for_record(ann.describe())
    })?;
    if !has_image {
        return Err(Error::at(start, "annotation has no \"image_id\"").for_record(ann.describe()));
    }
    info.end = c.pos;
    Ok((ann, info))
}

/// Where an annotation's segmentation was and what shape it had.
#[derive(Clone, Copy, Debug)]
pub struct SegInfo {
    pub kind: SegKind,
    /// Byte range of the segmentation value in the buffer.
    pub range: Option<(usize, usize)>,
    /// Where the record ended (after its `}`).
    pub end: usize,
}

fn parse_bbox(c: &mut Cursor) -> Result<Option<[f64; 4]>> {
    if c.null() {
        return Ok(None);
    }
    let at = skip_ws(c.buf, c.pos);
    c.begin_array()?;
    let mut first = true;
    let mut v = [0.0; 4];
    let mut n = 0;
    while c.next_elem(&mut first)? {
        let x = c.f64()?;
        if n < 4 {
            v[n] = x;
        }
        n += 1;
    }
    match n {
        0 => Ok(None),
        4 => Ok(Some(v)),
        _ => Err(Error::at(
            at,
            format!("bbox must have 4 numbers [x, y, w, h], found {n}"),
        )),
    }
}

thread_local! {
    /// The coordinates of the polygon being parsed (see [`parse_segmentation`]).
    static COORDS: std::cell::RefCell<Vec<f64>> = const { std::cell::RefCell::new(Vec::new()) };
    /// Polygon lists handed back by [`recycle_segmentation`] (the outer list, emptied, and its
    /// polygons), reused by the next parses on this thread instead of allocating.
    static SPARE: std::cell::RefCell<Spare> = const { std::cell::RefCell::new((Vec::new(), Vec::new())) };
}

/// A spare outer list of polygons (empty) and spare polygons.
type Spare = (Vec<Vec<f64>>, Vec<Vec<f64>>);

/// How many spare polygons a thread keeps (a record with more parts allocates the rest).
const SPARE_POLYGONS: usize = 64;

/// Hands a parsed segmentation's memory back for the next parse on this thread: a caller that parses
/// record after record (`convert`) then allocates nothing per polygon. Optional: dropping it is fine.
pub fn recycle_segmentation(seg: Segmentation) {
    if let Segmentation::Polygons(mut polys) = seg {
        let _ = SPARE.try_with(|cell| {
            if let Ok(mut spare) = cell.try_borrow_mut() {
                let (outer, inner) = &mut *spare;
                let room = SPARE_POLYGONS.saturating_sub(inner.len());
                inner.extend(polys.drain(..).take(room));
                if polys.capacity() > outer.capacity() {
                    *outer = polys;
                }
            }
        });
    }
}

/// The spare outer list (empty) [`recycle_segmentation`] left, or a new one.
fn spare_outer() -> Vec<Vec<f64>> {
    SPARE
        .try_with(|cell| {
            cell.try_borrow_mut()
                .map(|mut s| std::mem::take(&mut s.0))
                .unwrap_or_default()
        })
        .unwrap_or_default()
}

/// A spare polygon vector (its old values still in it) [`recycle_segmentation`] left, if any.
fn spare_polygon() -> Option<Vec<f64>> {
    SPARE
        .try_with(|cell| cell.try_borrow_mut().ok().and_then(|mut s| s.1.pop()))
        .ok()
        .flatten()
}

fn parse_segmentation(c: &mut Cursor, mode: SegMode) -> Result<(Option<Segmentation>, SegKind)> {
    let at = skip_ws(c.buf, c.pos);
    match c.peek() {
        Some(b'n') if c.null() => Ok((None, SegKind::None)),
        Some(b'[') => {
            c.begin_array()?;
            if c.peek() == Some(b']') {
                c.pos += 1;
                return Ok((
                    (mode == SegMode::Full).then_some(Segmentation::Empty),
                    SegKind::Empty,
                ));
            }
            match c.peek() {
                Some(b'[') => {}
                Some(b'{') => {
                    return Err(Error::at(
                        c.pos,
                        "segmentation as a list of RLE objects is not supported (expected polygons or one RLE)",
                    ))
                }
                _ => {
                    return Err(Error::at(
                        c.pos,
                        "segmentation polygons must be a list of lists of numbers, e.g. [[x1, y1, x2, y2, ...]]",
                    ))
                }
            }
            let mut first = true;
            if mode == SegMode::Kind {
                // Validate the JSON, not the element types (that is `validate`'s and the mask layer's job).
                c.pos = skip_value(c.buf, at)?;
                return Ok((None, SegKind::Polygons));
            }
            let mut polys = spare_outer();
            while c.next_elem(&mut first)? {
                let ps = c.pos;
                c.begin_array()
                    .map_err(|_| unexpected(c.buf, ps, "a polygon (a list of numbers)"))?;
                if let Some(mut coords) = spare_polygon() {
                    coords.clear();
                    c.f64_list(&mut coords)?;
                    polys.push(coords);
                    continue;
                }
                // Parsed into a reused buffer, then copied once at its final size.
                COORDS.with(|cell| -> Result<()> {
                    let mut own = Vec::new();
                    let mut guard = cell.try_borrow_mut();
                    let coords = guard.as_deref_mut().unwrap_or(&mut own);
                    coords.clear();
                    c.f64_list(coords)?;
                    polys.push(coords.to_vec());
                    Ok(())
                })?;
            }
            Ok((
                if mode == SegMode::Full {
                    Some(Segmentation::Polygons(polys))
                } else {
                    None
                },
                SegKind::Polygons,
            ))
        }
        Some(b'{') => parse_rle(c, mode, at),
        _ => {
            skip_value(c.buf, at)?;
            Err(Error::at(
                at,
                "segmentation must be a list of polygons or an RLE object",
            ))
        }
    }
}

fn parse_rle(c: &mut Cursor, mode: SegMode, at: usize) -> Result<(Option<Segmentation>, SegKind)> {
    c.begin_object()?;
    let mut first = true;
    let mut size: Option<(u32, u32)> = None;
    let mut counts_list: Option<Vec<u32>> = None;
    let mut counts_str: Option<Vec<u8>> = None;
    while let Some((key, _)) = c.next_key(&mut first)? {
        match &*key {
            "size" => {
                let sp = c.pos;
                c.begin_array()?;
                let mut f = true;
                let mut v = Vec::new();
                while c.next_elem(&mut f)? {
                    let p = c.pos;
                    let x = c.i64()?;
                    let x = u32::try_from(x).map_err(|_| {
                        Error::at(p, format!("RLE size {x} is negative or too large"))
                    })?;
                    v.push(x);
                }
                if v.len() != 2 {
                    return Err(Error::at(sp, "RLE size must be [height, width]"));
                }
                size = Some((v[0], v[1]));
            }
            "counts" => match c.peek() {
                Some(b'"') => {
                    let s = c.string()?;
                    counts_str = Some(s.into_owned().into_bytes());
                }
                Some(b'[') => {
                    c.begin_array()?;
                    let mut f = true;
                    let mut v = Vec::new();
                    while c.next_elem(&mut f)? {
                        let p = c.pos;
                        let x = c.i64()?;
                        let x = u32::try_from(x).map_err(|_| {
                            Error::at(
                                p,
                                format!("RLE count {x} is negative or larger than 2^32-1"),
                            )
                        })?;
                        if mode == SegMode::Full {
                            v.push(x);
                        }
                    }
                    counts_list = Some(v);
                }
                _ => {
                    return Err(unexpected(
                        c.buf,
                        c.pos,
                        "RLE counts (a string or a list of integers)",
                    ))
                }
            },
            _ => {
                c.skip()?;
            }
        }
    }
    let Some((h, w)) = size else {
        return Err(Error::at(
            at,
            "RLE segmentation has no \"size\": [height, width]",
        ));
    };
    match (counts_list, counts_str) {
        (Some(counts), None) => {
            let seg = (mode == SegMode::Full).then_some(Segmentation::Rle { h, w, counts });
            Ok((seg, SegKind::Rle))
        }
        (None, Some(counts)) => {
            let seg =
                (mode == SegMode::Full).then_some(Segmentation::CompressedRle { h, w, counts });
            Ok((seg, SegKind::CompressedRle))
        }
        _ => Err(Error::at(at, "RLE segmentation has no \"counts\"")),
    }
}

/// A whole dataset in memory as typed records (for evaluation, which needs everything at once).
#[derive(Debug, Default, Clone)]
pub struct Dataset {
    pub images: Vec<Image>,
    pub annotations: Vec<Annotation>,
    pub categories: Vec<Category>,
    /// Other top-level keys, raw.
    pub other: Vec<(String, String)>,
}

impl Dataset {
    /// Parse a dataset from a buffer (records parsed in parallel, kept in file order).
    pub fn parse(buf: &[u8]) -> Result<Dataset> {
        Dataset::parse_with(buf, SegMode::Full)
    }

    /// [`Dataset::parse`], decoding segmentations only when `mode` is `Full` (box evaluation needs none).
    pub fn parse_with(buf: &[u8], mode: SegMode) -> Result<Dataset> {
        let mut recs: [Vec<usize>; 3] = Default::default();
        let mut ds = Dataset::default();
        let layout = scan_top(buf, |ev| {
            match ev {
                Event::Record { section, start, .. } => recs[section as usize].push(start),
                Event::Other { key, raw, .. } => ds
                    .other
                    .push((key, String::from_utf8_lossy(raw).into_owned())),
                _ => {}
            }
            Ok(())
        })?;
        if layout == Layout::Results {
            return Err(Error::msg(
                "expected a COCO dataset (an object with \"images\"), found a results array",
            ));
        }
        let [imgs, anns, cats] = recs;
        ds.images = par_map_ordered(&imgs, |&s| parse_image(buf, s))?;
        ds.annotations = par_map_ordered(&anns, |&s| {
            parse_annotation_with(buf, s, mode).map(|(a, _)| a)
        })?;
        ds.categories = par_map_ordered(&cats, |&s| parse_category(buf, s))?;
        Ok(ds)
    }

    /// Load a dataset file (`-` = stdin). Errors name the file.
    pub fn load(path: &str) -> Result<Dataset> {
        Dataset::load_with(path, SegMode::Full)
    }

    /// [`Dataset::load`] with a segmentation mode (see [`Dataset::parse_with`]).
    pub fn load_with(path: &str, mode: SegMode) -> Result<Dataset> {
        let input = crate::io::Input::open(path)?;
        Dataset::parse_with(input.bytes(), mode).map_err(|e| e.in_file(path))
    }
}

/// Parse a results file: a top-level array of annotations (no `id` needed). A dataset object is accepted too
/// (its `annotations` are taken), as pycocotools' `loadRes` does not accept it but users often pass one.
pub fn parse_results(buf: &[u8]) -> Result<Vec<Annotation>> {
    parse_results_with(buf, SegMode::Full)
}

/// [`parse_results`], decoding segmentations only when `mode` is `Full`.
pub fn parse_results_with(buf: &[u8], mode: SegMode) -> Result<Vec<Annotation>> {
    let mut starts = Vec::new();
    let layout = scan_top(buf, |ev| {
        if let Event::Record {
            section: Section::Annotations,
            start,
            ..
        } = ev
        {
            starts.push(start);
        }
        Ok(())
    })?;
    if layout != Layout::Results {
        return Err(Error::msg(
            "results must be a JSON array of annotations (a COCO results file), found an object",
        ));
    }
    starts
        .par_iter()
        .map(|&s| parse_annotation_with(buf, s, mode).map(|(a, _)| a))
        .collect()
}

/// Load a results file (`-` = stdin). Errors name the file.
pub fn load_results(path: &str) -> Result<Vec<Annotation>> {
    load_results_with(path, SegMode::Full)
}

/// [`load_results`] with a segmentation mode.
pub fn load_results_with(path: &str, mode: SegMode) -> Result<Vec<Annotation>> {
    let input = crate::io::Input::open(path)?;
    parse_results_with(input.bytes(), mode).map_err(|e| e.in_file(path))
}

/// Decode a top-level string value kept raw (e.g. to show `info.description`). Helper for commands.
pub fn raw_string(raw: &[u8]) -> Option<String> {
    parse_string(raw, skip_ws(raw, 0))
        .ok()
        .map(|(s, _)| s.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coco::walk::tests::DS;

    /// Recycled polygon memory gives the same parses as fresh memory, whatever the sizes before.
    #[test]
    fn recycled_polygons_parse_the_same() {
        let recs = [
            r#"{"id": 1, "image_id": 2, "segmentation": [[1, 2, 3, 4, 5, 6, 7.5, 8], [9, 10, 11, 12, 13, 14]]}"#,
            r#"{"id": 2, "image_id": 2, "segmentation": [[0.5, 1, 2, 3, 4, 5]]}"#,
            r#"{"id": 3, "image_id": 2, "segmentation": [[1, 1, 2, 2, 3, 3], [4, 4, 5, 5, 6, 6, 7, 7, 8, 8], [], [1, 2]]}"#,
            r#"{"id": 4, "image_id": 2, "segmentation": [[1, 1, 2, 2, 3, "x"]]}"#,
            r#"{"id": 5, "image_id": 2, "segmentation": []}"#,
            r#"{"id": 6, "image_id": 2, "segmentation": [[6, 5, 4, 3, 2, 1]]}"#,
        ];
        let fresh: Vec<_> = recs
            .iter()
            .map(|r| parse_annotation_segmentation(r.as_bytes(), 0).map(|(a, _)| a.segmentation))
            .collect();
        for _ in 0..3 {
            for (r, want) in recs.iter().zip(&fresh) {
                let got = parse_annotation_segmentation(r.as_bytes(), 0);
                match (got, want) {
                    (Ok((mut a, _)), Ok(w)) => {
                        assert_eq!(&a.segmentation, w, "{r}");
                        if let Some(seg) = a.segmentation.take() {
                            recycle_segmentation(seg);
                        }
                    }
                    (Err(_), Err(_)) => {}
                    (g, w) => panic!("{r}: {:?} vs {w:?}", g.map(|x| x.0.segmentation)),
                }
            }
        }
        // The spare polygons are there to be reused, and bounded.
        SPARE.with(|s| assert!((1..=SPARE_POLYGONS).contains(&s.borrow().1.len())));
    }

    #[test]
    fn reads_a_dataset_in_any_key_order() {
        let ds = Dataset::parse(DS.as_bytes()).unwrap();
        assert_eq!(ds.images.len(), 1);
        assert_eq!(
            ds.images[0].extra,
            vec![("license".to_string(), "3".to_string())]
        );
        assert_eq!(ds.categories[0].supercategory.as_deref(), Some("human"));
        assert_eq!(
            ds.other,
            vec![("info".to_string(), "{\"v\": 1.0}".to_string())]
        );
        let a = &ds.annotations;
        assert_eq!(a[0].id, Some(900100000257));
        assert!(a[0].is_crowd());
        assert_eq!(
            a[0].segmentation,
            Some(Segmentation::Rle {
                h: 480,
                w: 640,
                counts: vec![5, 10, 307185]
            })
        );
        assert_eq!(
            a[1].segmentation,
            Some(Segmentation::Polygons(vec![vec![
                1.5, 2.0, 3.0, 4.0, 5.0, 6.0
            ]]))
        );
        assert_eq!(a[1].extra[0].0, "keypoints");
        assert_eq!(
            a[2].segmentation,
            Some(Segmentation::CompressedRle {
                h: 2,
                w: 3,
                counts: b"a\\b".to_vec()
            })
        );
        assert_eq!(a[3].segmentation, Some(Segmentation::Empty));
    }

    #[test]
    fn kind_mode_classifies_without_decoding() {
        let buf = DS.as_bytes();
        let mut kinds = vec![];
        scan_top(buf, |ev| {
            if let Event::Record {
                section: Section::Annotations,
                start,
                ..
            } = ev
            {
                let (a, info) = parse_annotation_with(buf, start, SegMode::Kind)?;
                assert!(a.segmentation.is_none());
                kinds.push(info.kind);
            }
            Ok(())
        })
        .unwrap();
        assert_eq!(
            kinds,
            [
                SegKind::Rle,
                SegKind::Polygons,
                SegKind::CompressedRle,
                SegKind::Empty
            ]
        );
    }

    #[test]
    fn results_and_errors() {
        let r = parse_results(
            br#"[{"image_id": 1, "category_id": 2, "bbox": [0,0,1,1], "score": 0.5}]"#,
        )
        .unwrap();
        assert_eq!(r[0].score, Some(0.5));
        let cases: &[(&str, &str)] = &[
            ("", "empty file"),
            ("\u{feff}{}", "byte order mark"),
            ("3", "neither"),
            (r#"{"images": [{"id": "x"}]}"#, "expected a number"),
            (
                r#"{"annotations": [{"id": 5, "image_id": 1, "segmentation": [[1, NaN]]}]}"#,
                "NaN",
            ),
            (
                r#"{"annotations": [{"id": 5, "image_id": 1, "segmentation": {"counts": [1]}}]}"#,
                "no \"size\"",
            ),
            (
                r#"{"annotations": [{"id": 5, "image_id": 1, "segmentation": {"size": [1, 1], "counts": [-1]}}]}"#,
                "negative",
            ),
            (
                r#"{"annotations": [{"id": 5, "image_id": 1, "bbox": [1, 2]}]}"#,
                "4 numbers",
            ),
            (r#"{"annotations": [{"id": 5, "image_id": 1}"#, "truncated"),
            (r#"{"annotations": [{"id": 5}]}"#, "no \"image_id\""),
            (r#"{"images": 3}"#, "must be an array"),
            (r#"{"images": [], "images": []}"#, "duplicate"),
            ("{} x", "after the end"),
        ];
        for (s, want) in cases {
            let e = Dataset::parse(s.as_bytes()).unwrap_err();
            assert!(e.to_string().contains(want), "{s}: {e}");
            assert!(e.offset.is_some(), "{s}: {e}");
        }
        let e = Dataset::parse(br#"{"annotations": [{"id": 5, "image_id": 1, "area": "x"}]}"#)
            .unwrap_err();
        assert_eq!(e.record.as_deref(), Some("annotation id 5"));
    }
}
