//! `export --to parquet` and `import --from parquet`: a COCO dataset as three Apache Parquet files that DuckDB,
//! Polars, Spark or pandas read directly, and back to a COCO file whose records are equal to the original's as
//! JSON values.
//!
//! The layout (documented for users in docs/SCALE.md):
//! - `images.parquet`: `id` int64, `file_name` utf8, `width` int64, `height` int64, `extra` utf8;
//! - `annotations.parquet`: `id`, `image_id`, `category_id`, `iscrowd` int64; `area` double; `bbox`
//!   fixed_size_list<double, 4>; `segmentation_kind` utf8 (`polygon`, `rle`, `counts-list`, `none`, `other`);
//!   `rle_counts` utf8 (the pycocotools compressed string, for `rle` and `counts-list`); `rle_size`
//!   fixed_size_list<int64, 2> (`[h, w]`); `polygons` list<list<double>>; `int_literals` uint8; `extra` utf8;
//! - `categories.parquet`: `id` int64, `name` utf8, `supercategory` utf8, `extra` utf8.
//!
//! Every key a typed column does not hold goes, with its value's JSON text as written, into `extra`: one JSON
//! object per row (one column rather than one per key: the keys differ between datasets and between records,
//! and DuckDB's `json_extract`, Polars' `json_path_match` and Spark's `get_json_object` read it). A value of the
//! wrong shape for its column (a string id, a bbox of 3 numbers, an area of `null`, polygons mixing integer
//! and decimal literals, an uncompressed RLE whose runs do not add up to h·w) goes to `extra` too, its column
//! left null, so nothing is lost. `counts-list` is an uncompressed RLE (`"counts": [...]`): its runs are stored
//! as the compressed string (pycocotools `rleToString`, lossless for valid runs) and expanded again on import.
//! `int_literals` keeps what a double column loses, whether a number was written as an integer (`702`) or a
//! decimal (`702.0`): bit 0 `area`, bits 1–4 the four `bbox` numbers, bit 5 every polygon coordinate. The
//! top-level keys (their order, and the value of every key other than the three sections) are kept in
//! `images.parquet`'s key-value metadata (`cocokit.top_level_keys`, `cocokit.top_level`).
//!
//! Not here: record order or key order inside a record (import writes typed keys first, then `extra`'s),
//! number spelling (`1e2` comes back as `100.0`, the same JSON value), or results files' scores as a column
//! (they are in `extra`). Export streams: records are cut by [`crate::coco::walk`] into batches, each batch
//! parsed in parallel pieces straight into Arrow builders (no intermediate row values) while the ones before
//! it are encoded, column by column in parallel, by the Parquet writer, which keeps at most one row group per
//! file in memory. Import reads record batches and formats them in parallel.

use crate::coco::reader::record_id;
use crate::coco::walk::{
    par_map_ordered, scan_top_batched, Chunk, Event, Layout, Section, BATCH_PIPELINE,
};
use crate::coco::writer::{TopWriter, RECORD_SEP};
use crate::error::{Error, Result};
use crate::io::{Input, Output};
use crate::json::pretty::write_escaped;
use crate::json::scan::{scan_string, skip_value, skip_ws, Cursor};
use crate::mask::rle::Rle;
use arrow_array::builder::{
    FixedSizeListBuilder, Float64Builder, Int64Builder, ListBuilder, StringBuilder, UInt8Builder,
};
use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int64Type, UInt8Type};
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::{Field, Schema, SchemaRef};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::arrow_writer::{
    compute_leaves, ArrowColumnChunk, ArrowColumnWriter, ArrowRowGroupWriterFactory,
};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::errors::{ParquetError, Result as ParquetResult};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::types::ColumnPath;
use rayon::prelude::*;
use std::borrow::Cow;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

/// Rows per row group unless asked otherwise: DuckDB's own default (122 880) rounded to a power of two. Each
/// row group is a unit of parallel reading for the engines, and the most the writer holds in memory per file.
pub const DEFAULT_ROW_GROUP_SIZE: usize = 128 * 1024;

/// The largest integer a double holds exactly (2⁵³): integer literals above it in a double column would not
/// come back as written, so they go to `extra`.
const EXACT_INT: i64 = 1 << 53;

/// Key-value metadata keys in `images.parquet`.
const KEY_LAYOUT: &str = "cocokit.layout";
const KEY_KEYS: &str = "cocokit.top_level_keys";
const KEY_TOP: &str = "cocokit.top_level";

/// `int_literals` bits.
const INT_AREA: u8 = 1;
const INT_BBOX0: u8 = 2;
const INT_POLYGONS: u8 = 1 << 5;

/// The file names of an export.
pub const FILES: [&str; 3] = [
    "images.parquet",
    "annotations.parquet",
    "categories.parquet",
];

/// Options of [`export`].
#[derive(Debug, Clone)]
pub struct ExportOptions {
    /// Rows per row group (at least 1).
    pub row_group_size: usize,
}

impl Default for ExportOptions {
    fn default() -> Self {
        ExportOptions {
            row_group_size: DEFAULT_ROW_GROUP_SIZE,
        }
    }
}

/// Rows written per file.
#[derive(Debug, Default, Clone, PartialEq, serde::Serialize)]
pub struct Counts {
    pub images: u64,
    pub annotations: u64,
    pub categories: u64,
}

// ---------------------------------------------------------------------------------------------------------
// Rows, parsed from records
// ---------------------------------------------------------------------------------------------------------

/// `segmentation_kind` values.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
enum Kind {
    #[default]
    None,
    Polygon,
    Rle,
    CountsList,
    Other,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::None => "none",
            Kind::Polygon => "polygon",
            Kind::Rle => "rle",
            Kind::CountsList => "counts-list",
            Kind::Other => "other",
        }
    }
    fn from_name(s: &str) -> Option<Kind> {
        Some(match s {
            "none" => Kind::None,
            "polygon" => Kind::Polygon,
            "rle" => Kind::Rle,
            "counts-list" => Kind::CountsList,
            "other" => Kind::Other,
            _ => return None,
        })
    }
}

/// The `extra` object of a row being built: `{"key": raw, ...}` with keys and values as written. A piece's
/// rows reuse one buffer ([`Scratch`]), cleared for each record.
#[derive(Default)]
struct Extra(Vec<u8>);

impl Extra {
    fn push(&mut self, raw_key: &[u8], raw_value: &[u8]) {
        self.0
            .extend_from_slice(if self.0.is_empty() { b"{" } else { b", " });
        self.0.extend_from_slice(raw_key);
        self.0.extend_from_slice(b": ");
        self.0.extend_from_slice(raw_value);
    }
    /// Close the object (nothing to close when no key went there).
    fn close(&mut self) {
        if !self.0.is_empty() {
            self.0.push(b'}');
        }
    }
    /// The closed object's text, `None` when no key went there.
    fn text(&self) -> Option<&str> {
        if self.0.is_empty() {
            return None;
        }
        // The bytes are whole JSON keys and values cut from validated UTF-8 input.
        std::str::from_utf8(&self.0).ok()
    }
}

/// The buffers a piece's rows reuse from record to record (no allocation per record): the `extra` text and
/// an annotation's polygon coordinates (all rings one after the other, and each ring's length), valid when
/// its kind is `Polygon`.
#[derive(Default)]
struct Scratch {
    extra: Extra,
    coords: Vec<f64>,
    rings: Vec<usize>,
}

#[derive(Default)]
struct ImageRow<'a> {
    id: Option<i64>,
    file_name: Option<Cow<'a, str>>,
    width: Option<i64>,
    height: Option<i64>,
}

#[derive(Default)]
struct CategoryRow<'a> {
    id: Option<i64>,
    name: Option<Cow<'a, str>>,
    supercategory: Option<Cow<'a, str>>,
}

#[derive(Default)]
struct AnnotationRow<'a> {
    id: Option<i64>,
    image_id: Option<i64>,
    category_id: Option<i64>,
    iscrowd: Option<i64>,
    area: Option<f64>,
    bbox: Option<[f64; 4]>,
    kind: Kind,
    rle_counts: Option<Cow<'a, str>>,
    rle_size: Option<[i64; 2]>,
    int_literals: u8,
}

fn is_int_literal(t: &str) -> bool {
    !t.bytes().any(|b| matches!(b, b'.' | b'e' | b'E'))
}

/// An integer literal as i64; `None` for anything else (a decimal, a string, out of range).
fn try_int(c: &mut Cursor) -> Option<i64> {
    if !matches!(c.peek(), Some(b'-' | b'0'..=b'9')) {
        return None;
    }
    let t = c.number_text().ok()?;
    if !is_int_literal(t) {
        return None;
    }
    t.parse().ok()
}

/// A number for a double column and whether it was an integer literal; `None` for anything that would not
/// come back as written (not a number, an integer beyond 2⁵³, out of range).
fn try_f64(c: &mut Cursor) -> Option<(f64, bool)> {
    if !matches!(c.peek(), Some(b'-' | b'0'..=b'9')) {
        return None;
    }
    // The number read once, by the scanner's own decimal parser; integer literals of up to 15 characters
    // are exact as doubles, longer ones take the exact way below (an i64, then the 2⁵³ bound).
    let mut fast = *c;
    if let Ok(v) = fast.f64() {
        let text = c.buf.get(c.pos..fast.pos).unwrap_or_default();
        let int = !text.iter().any(|b| matches!(b, b'.' | b'e' | b'E'));
        if !int || text.len() <= 15 {
            *c = fast;
            return Some((v, int));
        }
    }
    let t = c.number_text().ok()?;
    if is_int_literal(t) {
        let v: i64 = t.parse().ok()?;
        return (v.abs() <= EXACT_INT).then_some((v as f64, true));
    }
    let v: f64 = t.parse().ok()?;
    v.is_finite().then_some((v, false))
}

/// A string for a utf8 column; `None` for anything else, or for a string decoding would change (a lone
/// surrogate escape becomes U+FFFD).
fn try_string<'a>(c: &mut Cursor<'a>) -> Option<Cow<'a, str>> {
    if c.peek() != Some(b'"') {
        return None;
    }
    let s = c.string().ok()?;
    // Decoded from escapes and holding U+FFFD: possibly a lone surrogate, which decoding replaced.
    if matches!(s, Cow::Owned(_)) && s.contains('\u{FFFD}') {
        return None;
    }
    Some(s)
}

/// `[x, y, w, h]`: four numbers, and their integer-literal bits.
fn try_bbox(c: &mut Cursor) -> Option<([f64; 4], u8)> {
    if c.peek() != Some(b'[') {
        return None;
    }
    c.begin_array().ok()?;
    let mut first = true;
    let mut b = [0.0; 4];
    let mut ints = 0u8;
    for (k, v) in b.iter_mut().enumerate() {
        if !c.next_elem(&mut first).ok()? {
            return None;
        }
        let (x, int) = try_f64(c)?;
        *v = x;
        if int {
            ints |= INT_BBOX0 << k;
        }
    }
    if c.next_elem(&mut first).ok()? {
        return None;
    }
    Some((b, ints))
}

/// Integer and decimal literals among the `numbers` numbers of an array's text (validated JSON numbers: at
/// most one `.` each). The usual answers — all decimals, all integers — come from two counting passes the
/// compiler vectorises; a mix goes number by number.
fn literal_kinds_of(raw: &[u8], numbers: usize) -> (usize, usize) {
    let dots = raw.iter().filter(|&&b| b == b'.').count();
    let exponents = raw.iter().filter(|&&b| b | 0x20 == b'e').count();
    if exponents == 0 && dots == numbers {
        return (0, numbers);
    }
    if exponents == 0 && dots == 0 {
        return (numbers, 0);
    }
    literal_kinds(raw)
}

/// Integer and decimal literals among the numbers of an array's text.
fn literal_kinds(raw: &[u8]) -> (usize, usize) {
    let (mut ints, mut decimals) = (0, 0);
    let mut in_number = false;
    let mut decimal = false;
    for &b in raw {
        match b {
            b'0'..=b'9' | b'-' | b'+' => {
                in_number = true;
            }
            b'.' | b'e' | b'E' => {
                decimal = true;
            }
            _ => {
                if in_number {
                    if decimal {
                        decimals += 1;
                    } else {
                        ints += 1;
                    }
                }
                in_number = false;
                decimal = false;
            }
        }
    }
    (ints, decimals)
}

/// The segmentation into `row`; `false` leaves it to `extra` (and `row` untouched).
/// The segmentation into `row` (polygons into `coords` and `rings`); `false` leaves it to `extra` (and `row`
/// untouched).
fn try_segmentation<'a>(
    c: &mut Cursor<'a>,
    row: &mut AnnotationRow<'a>,
    coords: &mut Vec<f64>,
    rings: &mut Vec<usize>,
) -> bool {
    match c.peek() {
        Some(b'[') => try_polygons(c, row, coords, rings).is_some(),
        Some(b'{') => try_rle(c, row).is_some(),
        _ => false,
    }
}

fn try_polygons(
    c: &mut Cursor,
    row: &mut AnnotationRow,
    coords: &mut Vec<f64>,
    rings: &mut Vec<usize>,
) -> Option<()> {
    // Whatever a failed attempt left is read only under `Kind::Polygon`, which only success sets.
    coords.clear();
    rings.clear();
    let start = c.pos;
    c.begin_array().ok()?;
    let mut first = true;
    while c.next_elem(&mut first).ok()? {
        if c.peek() != Some(b'[') {
            return None;
        }
        c.pos += 1;
        let before = coords.len();
        c.f64_list(coords).ok()?;
        rings.push(coords.len() - before);
    }
    let (ints, decimals) = literal_kinds_of(c.buf.get(start..c.pos)?, coords.len());
    if ints > 0 && decimals > 0 {
        return None;
    }
    if ints > 0 {
        if coords.iter().any(|v| v.abs() > EXACT_INT as f64) {
            return None;
        }
        row.int_literals |= INT_POLYGONS;
    }
    row.kind = Kind::Polygon;
    Some(())
}

fn try_rle<'a>(c: &mut Cursor<'a>, row: &mut AnnotationRow<'a>) -> Option<()> {
    c.begin_object().ok()?;
    let mut first = true;
    let mut size: Option<[i64; 2]> = None;
    enum Runs<'a> {
        String(Cow<'a, str>),
        List(Vec<u32>),
    }
    let mut counts: Option<Runs> = None;
    while let Some((key, _)) = c.next_key(&mut first).ok()? {
        match &*key {
            "size" if size.is_none() => {
                c.begin_array().ok()?;
                let mut f = true;
                let mut s = [0i64; 2];
                for v in s.iter_mut() {
                    if !c.next_elem(&mut f).ok()? {
                        return None;
                    }
                    *v = try_int(c)?;
                }
                if c.next_elem(&mut f).ok()? {
                    return None;
                }
                size = Some(s);
            }
            "counts" if counts.is_none() => match c.peek() {
                Some(b'"') => counts = Some(Runs::String(try_string(c)?)),
                Some(b'[') => {
                    c.begin_array().ok()?;
                    let mut f = true;
                    let mut v = Vec::new();
                    while c.next_elem(&mut f).ok()? {
                        v.push(u32::try_from(try_int(c)?).ok()?);
                    }
                    counts = Some(Runs::List(v));
                }
                _ => return None,
            },
            _ => return None,
        }
    }
    let size = size?;
    match counts? {
        Runs::String(s) => {
            row.kind = Kind::Rle;
            row.rle_counts = Some(s);
        }
        Runs::List(v) => {
            // Only runs that add up to h·w come back from the compressed string; others stay as written.
            let h = u32::try_from(size[0]).ok()?;
            let w = u32::try_from(size[1]).ok()?;
            let rle = Rle::from_counts(h, w, v).ok()?;
            row.kind = Kind::CountsList;
            row.rle_counts = Some(Cow::Owned(rle.to_compressed_string()));
        }
    }
    row.rle_size = Some(size);
    Some(())
}

/// Walks a record's members: `typed` stores a member in the row when it can (from a copy of the cursor) and
/// says whether it did; every other member goes to `extra` (cleared first, closed at the end) as written.
/// `typed` refuses a key whose column is already filled: a key seen twice goes to `extra` the second time
/// (import writes `extra` last, so a JSON reader keeping the last value sees the same one).
fn members<'a>(
    buf: &'a [u8],
    start: usize,
    extra: &mut Extra,
    mut typed: impl FnMut(&str, &mut Cursor<'a>) -> bool,
) -> Result<()> {
    extra.0.clear();
    let mut c = Cursor::new(buf, start);
    c.begin_object()?;
    let mut first = true;
    while let Some((key, key_pos)) = c.next_key(&mut first)? {
        let value_pos = c.pos;
        let mut t = c;
        if typed(&key, &mut t) {
            c = t;
            continue;
        }
        let (key_end, _) = scan_string(buf, key_pos)?;
        c.pos = value_pos;
        let (s, e) = c.skip()?;
        extra.push(&buf[key_pos..key_end], &buf[s..e]);
    }
    extra.close();
    Ok(())
}

fn with_record(buf: &[u8], start: usize, e: Error, what: &str) -> Error {
    match record_id(buf, start) {
        Some(id) => e.for_record(format!("{what} id {id}")),
        None => e.for_record(format!("{what} at byte {start}")),
    }
}

/// `slot` set from `parse` unless already set; whether it was.
fn fill<T>(slot: &mut Option<T>, parse: impl FnOnce() -> Option<T>) -> bool {
    if slot.is_some() {
        return false;
    }
    *slot = parse();
    slot.is_some()
}

fn parse_image_row<'a>(buf: &'a [u8], start: usize, s: &mut Scratch) -> Result<ImageRow<'a>> {
    let mut r = ImageRow::default();
    members(buf, start, &mut s.extra, |k, c| match k {
        "id" => fill(&mut r.id, || try_int(c)),
        "file_name" => fill(&mut r.file_name, || try_string(c)),
        "width" => fill(&mut r.width, || try_int(c)),
        "height" => fill(&mut r.height, || try_int(c)),
        _ => false,
    })
    .map_err(|e| with_record(buf, start, e, "image"))?;
    Ok(r)
}

fn parse_category_row<'a>(buf: &'a [u8], start: usize, s: &mut Scratch) -> Result<CategoryRow<'a>> {
    let mut r = CategoryRow::default();
    members(buf, start, &mut s.extra, |k, c| match k {
        "id" => fill(&mut r.id, || try_int(c)),
        "name" => fill(&mut r.name, || try_string(c)),
        "supercategory" => fill(&mut r.supercategory, || try_string(c)),
        _ => false,
    })
    .map_err(|e| with_record(buf, start, e, "category"))?;
    Ok(r)
}

fn parse_annotation_row<'a>(
    buf: &'a [u8],
    start: usize,
    s: &mut Scratch,
) -> Result<AnnotationRow<'a>> {
    let mut r = AnnotationRow::default();
    let mut has_segmentation = false;
    let (coords, rings) = (&mut s.coords, &mut s.rings);
    members(buf, start, &mut s.extra, |k, c| match k {
        "id" => fill(&mut r.id, || try_int(c)),
        "image_id" => fill(&mut r.image_id, || try_int(c)),
        "category_id" => fill(&mut r.category_id, || try_int(c)),
        "iscrowd" => fill(&mut r.iscrowd, || try_int(c)),
        "area" if r.area.is_none() => try_f64(c)
            .map(|(v, int)| {
                r.area = Some(v);
                if int {
                    r.int_literals |= INT_AREA;
                }
            })
            .is_some(),
        "bbox" if r.bbox.is_none() => try_bbox(c)
            .map(|(b, ints)| {
                r.bbox = Some(b);
                r.int_literals |= ints;
            })
            .is_some(),
        "segmentation" => {
            has_segmentation = true;
            r.kind == Kind::None && try_segmentation(c, &mut r, coords, rings)
        }
        _ => false,
    })
    .map_err(|e| with_record(buf, start, e, "annotation"))?;
    if has_segmentation && r.kind == Kind::None {
        r.kind = Kind::Other;
    }
    Ok(r)
}

// ---------------------------------------------------------------------------------------------------------
// Columns
// ---------------------------------------------------------------------------------------------------------

/// A file's Arrow builders: records parsed and appended as rows one by one, taken out as arrays.
trait Columns: Default {
    fn names() -> &'static [&'static str];
    /// Empty builders for a piece of `n` rows.
    fn with_rows(_n: usize) -> Self {
        Self::default()
    }
    /// Columns written without a dictionary: values that are (nearly) all different (ids, areas, names, RLE
    /// strings, `extra`), for which a dictionary only costs a hash per value and makes the file larger.
    /// Repeating values (category ids, sizes, kinds) and polygon and box coordinates (two decimals within
    /// the image: a dictionary holds them in about 2 bytes instead of 8) keep Parquet's default.
    fn without_dictionary() -> &'static [&'static str];
    /// The record at `start` parsed and appended as a row.
    fn push(&mut self, buf: &[u8], start: usize, scratch: &mut Scratch) -> Result<()>;
    fn finish(&mut self) -> Vec<ArrayRef>;
    /// The schema, read off the arrays empty builders make (so it always matches what `finish` gives).
    fn schema() -> SchemaRef {
        let arrays = Self::default().finish();
        let fields: Vec<Field> = Self::names()
            .iter()
            .zip(&arrays)
            .map(|(n, a)| Field::new(*n, a.data_type().clone(), true))
            .collect();
        Arc::new(Schema::new(fields))
    }
}

#[derive(Default)]
struct ImageColumns {
    id: Int64Builder,
    file_name: StringBuilder,
    width: Int64Builder,
    height: Int64Builder,
    extra: StringBuilder,
}

impl Columns for ImageColumns {
    fn names() -> &'static [&'static str] {
        &["id", "file_name", "width", "height", "extra"]
    }
    fn without_dictionary() -> &'static [&'static str] {
        &["id", "file_name", "extra"]
    }
    fn push(&mut self, buf: &[u8], start: usize, s: &mut Scratch) -> Result<()> {
        let r = parse_image_row(buf, start, s)?;
        self.id.append_option(r.id);
        self.file_name.append_option(r.file_name);
        self.width.append_option(r.width);
        self.height.append_option(r.height);
        self.extra.append_option(s.extra.text());
        Ok(())
    }
    fn finish(&mut self) -> Vec<ArrayRef> {
        vec![
            Arc::new(self.id.finish()),
            Arc::new(self.file_name.finish()),
            Arc::new(self.width.finish()),
            Arc::new(self.height.finish()),
            Arc::new(self.extra.finish()),
        ]
    }
}

#[derive(Default)]
struct CategoryColumns {
    id: Int64Builder,
    name: StringBuilder,
    supercategory: StringBuilder,
    extra: StringBuilder,
}

impl Columns for CategoryColumns {
    fn names() -> &'static [&'static str] {
        &["id", "name", "supercategory", "extra"]
    }
    fn without_dictionary() -> &'static [&'static str] {
        &["id", "name", "extra"]
    }
    fn push(&mut self, buf: &[u8], start: usize, s: &mut Scratch) -> Result<()> {
        let r = parse_category_row(buf, start, s)?;
        self.id.append_option(r.id);
        self.name.append_option(r.name);
        self.supercategory.append_option(r.supercategory);
        self.extra.append_option(s.extra.text());
        Ok(())
    }
    fn finish(&mut self) -> Vec<ArrayRef> {
        vec![
            Arc::new(self.id.finish()),
            Arc::new(self.name.finish()),
            Arc::new(self.supercategory.finish()),
            Arc::new(self.extra.finish()),
        ]
    }
}

struct AnnotationColumns {
    id: Int64Builder,
    image_id: Int64Builder,
    category_id: Int64Builder,
    iscrowd: Int64Builder,
    area: Float64Builder,
    bbox: FixedSizeListBuilder<Float64Builder>,
    kind: StringBuilder,
    rle_counts: StringBuilder,
    rle_size: FixedSizeListBuilder<Int64Builder>,
    polygons: ListBuilder<ListBuilder<Float64Builder>>,
    int_literals: UInt8Builder,
    extra: StringBuilder,
}

impl Default for AnnotationColumns {
    fn default() -> Self {
        Self::with_rows(0)
    }
}

impl AnnotationColumns {
    /// Builders sized for `n` rows of the usual shape (one polygon ring of up to 32 numbers, no RLE, no
    /// `extra`), so that filling a piece seldom grows (copies) a buffer.
    fn with_rows(n: usize) -> Self {
        AnnotationColumns {
            id: Int64Builder::with_capacity(n),
            image_id: Int64Builder::with_capacity(n),
            category_id: Int64Builder::with_capacity(n),
            iscrowd: Int64Builder::with_capacity(n),
            area: Float64Builder::with_capacity(n),
            bbox: FixedSizeListBuilder::with_capacity(Float64Builder::with_capacity(4 * n), 4, n),
            kind: StringBuilder::with_capacity(n, 8 * n),
            rle_counts: StringBuilder::new(),
            rle_size: FixedSizeListBuilder::with_capacity(Int64Builder::with_capacity(2 * n), 2, n),
            polygons: ListBuilder::with_capacity(
                ListBuilder::with_capacity(Float64Builder::with_capacity(32 * n), n),
                n,
            ),
            int_literals: UInt8Builder::with_capacity(n),
            extra: StringBuilder::new(),
        }
    }
}

impl Columns for AnnotationColumns {
    fn with_rows(n: usize) -> Self {
        AnnotationColumns::with_rows(n)
    }
    fn names() -> &'static [&'static str] {
        &[
            "id",
            "image_id",
            "category_id",
            "iscrowd",
            "area",
            "bbox",
            "segmentation_kind",
            "rle_counts",
            "rle_size",
            "polygons",
            "int_literals",
            "extra",
        ]
    }
    fn without_dictionary() -> &'static [&'static str] {
        &["id", "area", "rle_counts", "extra"]
    }
    fn push(&mut self, buf: &[u8], start: usize, s: &mut Scratch) -> Result<()> {
        let r = parse_annotation_row(buf, start, s)?;
        self.id.append_option(r.id);
        self.image_id.append_option(r.image_id);
        self.category_id.append_option(r.category_id);
        self.iscrowd.append_option(r.iscrowd);
        self.area.append_option(r.area);
        match r.bbox {
            Some(b) => {
                self.bbox.values().append_slice(&b);
                self.bbox.append(true);
            }
            None => {
                self.bbox.values().append_nulls(4);
                self.bbox.append(false);
            }
        }
        self.kind.append_value(r.kind.name());
        self.rle_counts.append_option(r.rle_counts);
        match r.rle_size {
            Some(s) => {
                self.rle_size.values().append_slice(&s);
                self.rle_size.append(true);
            }
            None => {
                self.rle_size.values().append_nulls(2);
                self.rle_size.append(false);
            }
        }
        if r.kind == Kind::Polygon {
            let mut rest = s.coords.as_slice();
            for &n in &s.rings {
                // `rings` adds up to `coords`' length (both filled together).
                let (ring, after) = rest.split_at(n.min(rest.len()));
                self.polygons.values().values().append_slice(ring);
                self.polygons.values().append(true);
                rest = after;
            }
            self.polygons.append(true);
        } else {
            self.polygons.append(false);
        }
        self.int_literals.append_value(r.int_literals);
        self.extra.append_option(s.extra.text());
        Ok(())
    }
    fn finish(&mut self) -> Vec<ArrayRef> {
        vec![
            Arc::new(self.id.finish()),
            Arc::new(self.image_id.finish()),
            Arc::new(self.category_id.finish()),
            Arc::new(self.iscrowd.finish()),
            Arc::new(self.area.finish()),
            Arc::new(self.bbox.finish()),
            Arc::new(self.kind.finish()),
            Arc::new(self.rle_counts.finish()),
            Arc::new(self.rle_size.finish()),
            Arc::new(self.polygons.finish()),
            Arc::new(self.int_literals.finish()),
            Arc::new(self.extra.finish()),
        ]
    }
}

fn parquet_error(file: &str, e: impl std::fmt::Display) -> Error {
    Error::msg(format!("Parquet: {e}")).in_file(file)
}

/// Records per piece: a batch is cut into pieces of this many records, each parsed into its own arrays by
/// one task, and the pieces are fed to the column writers in order. Pieces are cut by count (`par_chunks`),
/// never by how rayon splits work, because the writers' page boundaries follow the arrays they are given.
const PIECE_ROWS: usize = 512;

/// Parsed batches (or batches being parsed) queued for the encoder besides the one it encodes: enough to keep
/// both cores busy while the encoder closes a row group, few enough to bound memory (the arrays of at most
/// `IN_FLIGHT` + 2 batches of [`BATCH_PIPELINE`] records: 16 384 annotations with their polygons, about 6 MB
/// each).
const IN_FLIGHT: usize = 2;

/// One output file. Each row group's columns are encoded by one `ArrowColumnWriter` per leaf column, fed
/// piece after piece and closed when the group holds `row_group_size` rows; the columns of a batch are
/// encoded in parallel (rayon), then the closed column chunks are appended in schema order. The bytes depend
/// only on the rows and the piece boundaries, never on the number of threads. The file writer writes into a
/// buffer that the encoder empties after every batch ([`Sink::take_encoded`]) and hands to the calling
/// thread, which appends it to the file's atomic [`Output`] while later batches are encoded (the output stays
/// on the calling thread, as standard output's writer cannot move between threads): finished row groups go
/// straight out, and the encoded pages of the group being filled are all it holds.
struct Sink<C: Columns> {
    file: SerializedFileWriter<Vec<u8>>,
    factory: ArrowRowGroupWriterFactory,
    /// The column writers of the row group being filled (none before its first row) and its rows so far.
    group: Option<Vec<ArrowColumnWriter>>,
    group_rows: usize,
    row_group_size: usize,
    name: String,
    schema: SchemaRef,
    rows: u64,
    columns: std::marker::PhantomData<C>,
}

/// Rows `at..at + len` of one piece's arrays.
type Segment<'p> = (&'p [ArrayRef], usize, usize);

impl<C: Columns> Sink<C> {
    /// The sink of `file` in `dir` and its output.
    fn create(
        dir: &Path,
        file: &str,
        row_group_size: usize,
        inputs: &[&str],
    ) -> Result<(Self, Output)> {
        let path = dir.join(file);
        let name = path.display().to_string();
        let out = Output::create(Some(name.as_str()), inputs)?;
        let mut props = WriterProperties::builder().set_compression(Compression::SNAPPY);
        for column in C::without_dictionary() {
            props = props.set_column_dictionary_enabled(ColumnPath::from(*column), false);
        }
        let schema = C::schema();
        // ArrowWriter writes the magic and records the Arrow schema in the footer's metadata; its lower-level
        // halves are what encode columns on several threads.
        let (file, factory) = ArrowWriter::try_new(Vec::new(), schema.clone(), Some(props.build()))
            .and_then(|w| w.into_serialized_writer())
            .map_err(|e| parquet_error(&name, e))?;
        let sink = Sink {
            file,
            factory,
            group: None,
            group_rows: 0,
            row_group_size,
            name,
            schema,
            rows: 0,
            columns: std::marker::PhantomData,
        };
        Ok((sink, out))
    }

    /// A batch's pieces, in order, into row groups.
    fn write_pieces(&mut self, pieces: &[Vec<ArrayRef>]) -> Result<()> {
        self.write_segments(pieces)
            .map_err(|e| parquet_error(&self.name, e))
    }

    fn write_segments(&mut self, pieces: &[Vec<ArrayRef>]) -> ParquetResult<()> {
        let mut segments: Vec<Segment> = Vec::new();
        for arrays in pieces {
            let n = arrays.first().map_or(0, |a| a.len());
            self.rows += n as u64;
            let mut at = 0;
            while at < n {
                let take = (self.row_group_size - self.group_rows).min(n - at);
                segments.push((arrays, at, take));
                self.group_rows += take;
                at += take;
                if self.group_rows == self.row_group_size {
                    self.encode(&segments)?;
                    segments.clear();
                    self.close_group()?;
                }
            }
        }
        if !segments.is_empty() {
            self.encode(&segments)?;
        }
        Ok(())
    }

    /// `segments` into the row group being filled, one task per column.
    fn encode(&mut self, segments: &[Segment]) -> ParquetResult<()> {
        let mut writers = match self.group.take() {
            Some(w) => w,
            None => self
                .factory
                .create_column_writers(self.file.flushed_row_groups().len())?,
        };
        // Every column of the three schemas is one leaf (no structs): writer k encodes field k.
        let n = self.schema.fields().len();
        if writers.len() != n || segments.iter().any(|(arrays, _, _)| arrays.len() != n) {
            return Err(ParquetError::General(format!(
                "{} column writers for {n} columns",
                writers.len(),
            )));
        }
        writers
            .par_iter_mut()
            .zip(self.schema.fields().par_iter())
            .enumerate()
            .with_max_len(1)
            .try_for_each(|(k, (w, field))| {
                for &(arrays, at, len) in segments {
                    let leaves = compute_leaves(field, &arrays[k].slice(at, len))?;
                    let [leaf] = leaves.as_slice() else {
                        return Err(ParquetError::General(format!(
                            "column {} has {} leaves",
                            field.name(),
                            leaves.len()
                        )));
                    };
                    w.write(leaf)?;
                }
                Ok(())
            })?;
        self.group = Some(writers);
        Ok(())
    }

    /// The row group being filled, closed (its columns in parallel) and appended to the file.
    fn close_group(&mut self) -> ParquetResult<()> {
        let Some(writers) = self.group.take() else {
            return Ok(());
        };
        self.group_rows = 0;
        let chunks: Vec<ArrowColumnChunk> = writers
            .into_par_iter()
            .with_max_len(1)
            .map(|w| w.close())
            .collect::<ParquetResult<_>>()?;
        let mut group = self.file.next_row_group()?;
        for chunk in chunks {
            chunk.append_to_row_group(&mut group)?;
        }
        group.close()?;
        Ok(())
    }

    /// The bytes encoded so far, taken out of the file writer's buffer (to be written to the file's
    /// [`Output`], in order, by the thread that holds it).
    fn take_encoded(&mut self) -> Vec<u8> {
        std::mem::take(self.file.inner_mut())
    }

    /// Close the file (last row group, footer, `metadata`) into `out`, left to be committed with the others.
    fn close(mut self, metadata: Vec<KeyValue>, mut out: Output) -> Result<Output> {
        self.close_group()
            .map_err(|e| parquet_error(&self.name, e))?;
        for kv in metadata {
            self.file.append_key_value_metadata(kv);
        }
        let rest = self
            .file
            .into_inner()
            .map_err(|e| parquet_error(&self.name, e))?;
        out.writer().write_all(&rest)?;
        Ok(out)
    }
}

/// One batch parsed into arrays, piece by piece, waiting to be encoded.
struct Parsed {
    section: Section,
    pieces: Vec<Vec<ArrayRef>>,
    /// Where the batch's last record ends in the input.
    end: usize,
}

/// The records of a batch parsed into one set of arrays per piece of [`PIECE_ROWS`], in parallel; the first
/// error in record order is the one reported.
fn build<C: Columns>(buf: &[u8], records: &[(usize, usize)]) -> Result<Vec<Vec<ArrayRef>>> {
    let pieces: Vec<Result<Vec<ArrayRef>>> = records
        .par_chunks(PIECE_ROWS)
        .with_max_len(1)
        .map(|piece| {
            let mut columns = C::with_rows(piece.len());
            let mut scratch = Scratch::default();
            for &(start, _) in piece {
                columns.push(buf, start, &mut scratch)?;
            }
            Ok(columns.finish())
        })
        .collect();
    pieces.into_iter().collect()
}

fn parse_batch(buf: &[u8], section: Section, records: &[(usize, usize)]) -> Result<Parsed> {
    let pieces = match section {
        Section::Images => build::<ImageColumns>(buf, records)?,
        Section::Annotations => build::<AnnotationColumns>(buf, records)?,
        Section::Categories => build::<CategoryColumns>(buf, records)?,
    };
    let end = records.last().map_or(0, |&(_, end)| end);
    Ok(Parsed {
        section,
        pieces,
        end,
    })
}

/// The three files being written.
struct Sinks {
    images: Sink<ImageColumns>,
    annotations: Sink<AnnotationColumns>,
    categories: Sink<CategoryColumns>,
}

impl Sinks {
    fn write(&mut self, parsed: Parsed) -> Result<()> {
        match parsed.section {
            Section::Images => self.images.write_pieces(&parsed.pieces),
            Section::Annotations => self.annotations.write_pieces(&parsed.pieces),
            Section::Categories => self.categories.write_pieces(&parsed.pieces),
        }
    }

    /// What the three encoded so far, taken out of their writers.
    fn take_encoded(&mut self) -> [Vec<u8>; 3] {
        [
            self.images.take_encoded(),
            self.annotations.take_encoded(),
            self.categories.take_encoded(),
        ]
    }
}

/// Bytes taken out of the three writers ([`Sinks::take_encoded`]), appended to their outputs.
fn write_encoded(outs: &mut [Output; 3], encoded: [Vec<u8>; 3]) -> Result<()> {
    for (out, bytes) in outs.iter_mut().zip(encoded) {
        if !bytes.is_empty() {
            out.writer().write_all(&bytes)?;
        }
    }
    Ok(())
}

/// Export `input` (a dataset or a results file) as the three Parquet files in `dir` (created if needed). All
/// three are written atomically: on an error none of them is. Call it from outside rayon's pool (as the
/// command does): the calling thread waits for the encoder, which waits for parse tasks that, spawned from a
/// pool thread, would sit in that thread's own queue — a deadlock in a one-thread pool.
pub fn export(
    input: &Input,
    dir: &Path,
    opts: &ExportOptions,
    progress: &dyn Fn(u64),
) -> Result<Counts> {
    if opts.row_group_size == 0 {
        return Err(Error::msg("the row group size must be at least 1"));
    }
    let created = !dir.exists();
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir.display().to_string(), e))?;
    let done = export_into(input, dir, opts, progress);
    if done.is_err() && created {
        // Nothing was written: the directory this call made goes too.
        let _ = std::fs::remove_dir(dir);
    }
    done
}

fn export_into(
    input: &Input,
    dir: &Path,
    opts: &ExportOptions,
    progress: &dyn Fn(u64),
) -> Result<Counts> {
    let buf = input.bytes();
    let inputs = [input.name()];
    let rg = opts.row_group_size;
    let (images, images_out) = Sink::create(dir, FILES[0], rg, &inputs)?;
    let (annotations, annotations_out) = Sink::create(dir, FILES[1], rg, &inputs)?;
    let (categories, categories_out) = Sink::create(dir, FILES[2], rg, &inputs)?;
    let mut sinks = Sinks {
        images,
        annotations,
        categories,
    };
    let mut outs = [images_out, annotations_out, categories_out];
    // Top-level keys in order, and the raw value of each one that is not a section.
    let mut keys: Vec<String> = Vec::new();
    let mut top = Extra::default();
    // The pipeline: this thread takes the walk's batches and hands each to a rayon task that parses it; the
    // encoder thread takes the parsed batches in order and encodes them (its column tasks run on rayon's
    // threads too, beside the parsing of the batches after), and this thread appends the encoded bytes to
    // the outputs (which stay on it). No step waits for another batch's: at most IN_FLIGHT batches are
    // queued for the encoder, besides the one it encodes, so the arrays of IN_FLIGHT + 2 batches at most
    // are in memory (BATCH_PIPELINE records each), besides the row groups being filled.
    let (queue, queued) =
        std::sync::mpsc::sync_channel::<std::sync::mpsc::Receiver<Result<Parsed>>>(IN_FLIGHT);
    let (encoded_tx, encoded_rx) = std::sync::mpsc::channel::<([Vec<u8>; 3], usize)>();
    let mut encoder_gone = false;
    let (scanned, encoder) = std::thread::scope(|threads| {
        let encoder = threads.spawn(move || -> Result<Sinks> {
            for parsed in queued {
                let parsed = parsed
                    .recv()
                    .map_err(|_| Error::msg("internal error: a batch was not parsed"))??;
                let end = parsed.end;
                sinks.write(parsed)?;
                // Fails only when this thread's receiver is gone, which the main thread reports.
                let _ = encoded_tx.send((sinks.take_encoded(), end));
            }
            Ok(sinks)
        });
        let move_out = |outs: &mut [Output; 3], (bytes, end): ([Vec<u8>; 3], usize)| {
            // The batch up to `end` is parsed and its arrays own their data: the mapped input's pages
            // behind it can go.
            input.release(end);
            progress(end as u64);
            write_encoded(outs, bytes)
        };
        let scanned = rayon::in_place_scope(|s| {
            scan_top_batched(buf, BATCH_PIPELINE, |chunk| {
                match chunk {
                    Chunk::Records { section, records } => {
                        let (parsed_tx, parsed_rx) = std::sync::mpsc::sync_channel(1);
                        s.spawn(move |_| {
                            // Fails only when the encoder stopped, which is reported.
                            let _ = parsed_tx.send(parse_batch(buf, section, &records));
                        });
                        if queue.send(parsed_rx).is_err() {
                            encoder_gone = true;
                            return Err(Error::msg("stopped"));
                        }
                        for done in encoded_rx.try_iter() {
                            move_out(&mut outs, done)?;
                        }
                    }
                    Chunk::Event(Event::SectionStart { section }) => {
                        keys.push(section.key().to_string())
                    }
                    Chunk::Event(Event::Other { key, raw, .. }) => {
                        let mut k = Vec::new();
                        write_escaped(&mut k, key.as_bytes());
                        top.push(&k, raw);
                        keys.push(key);
                    }
                    Chunk::Event(_) => {}
                }
                Ok(())
            })
        });
        // The encoder finishes what is queued, then stops; everything it encoded goes out in order.
        drop(queue);
        let moved = encoded_rx
            .iter()
            .try_for_each(|done| move_out(&mut outs, done));
        let encoder = encoder
            .join()
            .unwrap_or_else(|_| Err(Error::msg("internal error: the Parquet encoder stopped")));
        (scanned.and_then(|layout| moved.map(|()| layout)), encoder)
    });
    // The first error in the file's order: a batch's (found by the encoder, in order) comes before the
    // walk's, which is past every batch cut.
    let (layout, mut sinks) = match (scanned, encoder) {
        (_, Err(e)) => return Err(e.in_file(input.name())),
        (Err(_), Ok(_)) if encoder_gone => {
            return Err(Error::msg("internal error: the Parquet encoder stopped"))
        }
        (Err(e), Ok(_)) => return Err(e.in_file(input.name())),
        (Ok(layout), Ok(sinks)) => (layout, sinks),
    };
    write_encoded(&mut outs, sinks.take_encoded())?;
    let Sinks {
        images,
        annotations,
        categories,
    } = sinks;
    let counts = Counts {
        images: images.rows,
        annotations: annotations.rows,
        categories: categories.rows,
    };
    let keys_json = serde_json::to_string(&keys).map_err(|e| Error::msg(e.to_string()))?;
    let layout = match layout {
        Layout::Dataset => "dataset",
        Layout::Results => "results",
    };
    let metadata = vec![
        KeyValue::new(KEY_LAYOUT.to_string(), layout.to_string()),
        KeyValue::new(KEY_KEYS.to_string(), keys_json),
        KeyValue::new(KEY_TOP.to_string(), {
            top.close();
            top.text().unwrap_or("{}").to_string()
        }),
    ];
    let [images_out, annotations_out, categories_out] = outs;
    let outs = [
        images.close(metadata, images_out)?,
        annotations.close(Vec::new(), annotations_out)?,
        categories.close(Vec::new(), categories_out)?,
    ];
    for out in outs {
        out.commit()?;
    }
    Ok(counts)
}

// ---------------------------------------------------------------------------------------------------------
// Import
// ---------------------------------------------------------------------------------------------------------

/// Rows formatted per parallel task on import.
const IMPORT_PIECE: usize = 256;

/// The columns of one record batch, looked up by name and type once.
struct Batch<'a> {
    file: &'a str,
    batch: &'a RecordBatch,
}

impl<'a> Batch<'a> {
    fn column(&self, name: &str) -> Result<&'a ArrayRef> {
        self.batch
            .column_by_name(name)
            .ok_or_else(|| Error::msg(format!("no column {name:?}")).in_file(self.file))
    }
    fn wrong_type(&self, name: &str, want: &str) -> Error {
        Error::msg(format!("column {name:?} is not {want}")).in_file(self.file)
    }
    fn i64(&self, name: &str) -> Result<&'a arrow_array::Int64Array> {
        self.column(name)?
            .as_primitive_opt::<Int64Type>()
            .ok_or_else(|| self.wrong_type(name, "int64"))
    }
    fn f64(&self, name: &str) -> Result<&'a arrow_array::Float64Array> {
        self.column(name)?
            .as_primitive_opt::<Float64Type>()
            .ok_or_else(|| self.wrong_type(name, "double"))
    }
    fn u8(&self, name: &str) -> Result<&'a arrow_array::UInt8Array> {
        self.column(name)?
            .as_primitive_opt::<UInt8Type>()
            .ok_or_else(|| self.wrong_type(name, "uint8"))
    }
    fn str(&self, name: &str) -> Result<&'a arrow_array::StringArray> {
        self.column(name)?
            .as_string_opt::<i32>()
            .ok_or_else(|| self.wrong_type(name, "utf8"))
    }
    fn fixed(&self, name: &str, n: i32) -> Result<&'a arrow_array::FixedSizeListArray> {
        self.column(name)?
            .as_fixed_size_list_opt()
            .filter(|a| a.value_length() == n)
            .ok_or_else(|| self.wrong_type(name, &format!("a fixed-size list of {n}")))
    }
}

fn get<A: Array>(a: &A, i: usize) -> Option<usize> {
    a.is_valid(i).then_some(i)
}

/// A record being written: `{"key": value, ...}`.
struct Rec<'o> {
    out: &'o mut Vec<u8>,
    first: bool,
}

impl<'o> Rec<'o> {
    fn new(out: &'o mut Vec<u8>) -> Self {
        out.extend_from_slice(RECORD_SEP);
        out.push(b'{');
        Rec { out, first: true }
    }
    fn key(&mut self, k: &str) -> &mut Vec<u8> {
        if !self.first {
            self.out.extend_from_slice(b", ");
        }
        self.first = false;
        self.out.push(b'"');
        self.out.extend_from_slice(k.as_bytes());
        self.out.extend_from_slice(b"\": ");
        self.out
    }
    fn int(&mut self, k: &str, v: Option<i64>) {
        if let Some(v) = v {
            let out = self.key(k);
            out.extend_from_slice(itoa::Buffer::new().format(v).as_bytes());
        }
    }
    fn string(&mut self, k: &str, v: Option<&str>) {
        if let Some(v) = v {
            let out = self.key(k);
            write_escaped(out, v.as_bytes());
        }
    }
    /// The members of an `extra` object, after the typed ones.
    fn extra(&mut self, file: &str, row: usize, v: Option<&str>) -> Result<()> {
        let Some(v) = v else { return Ok(()) };
        let b = v.as_bytes();
        let bad = || Error::msg(format!("row {row}: `extra` is not a JSON object")).in_file(file);
        let open = skip_ws(b, 0);
        if b.get(open) != Some(&b'{') {
            return Err(bad());
        }
        let end = skip_value(b, open).map_err(|_| bad())?;
        if skip_ws(b, end) != b.len() {
            return Err(bad());
        }
        let inner = &b[open + 1..end - 1];
        if skip_ws(inner, 0) < inner.len() {
            if !self.first {
                self.out.extend_from_slice(b", ");
            }
            self.first = false;
            self.out.extend_from_slice(inner);
        }
        Ok(())
    }
    fn end(self) {
        self.out.push(b'}');
    }
}

/// A double as written: an integer literal when `int` (it was one in the input), else the shortest decimal
/// that reads back as the same double (always with a `.` or an exponent, so it stays a float).
fn write_f64(out: &mut Vec<u8>, v: f64, int: bool, file: &str, row: usize) -> Result<()> {
    if !v.is_finite() {
        return Err(Error::msg(format!("row {row}: number {v} is not finite")).in_file(file));
    }
    if int && v.fract() == 0.0 && v.abs() <= EXACT_INT as f64 {
        if v == 0.0 && v.is_sign_negative() {
            out.extend_from_slice(b"-0");
        } else {
            out.extend_from_slice(itoa::Buffer::new().format(v as i64).as_bytes());
        }
    } else {
        out.extend_from_slice(ryu::Buffer::new().format_finite(v).as_bytes());
    }
    Ok(())
}

fn f64_list(
    out: &mut Vec<u8>,
    vs: &[f64],
    int: impl Fn(usize) -> bool,
    f: &str,
    row: usize,
) -> Result<()> {
    out.push(b'[');
    for (k, &v) in vs.iter().enumerate() {
        if k > 0 {
            out.extend_from_slice(b", ");
        }
        write_f64(out, v, int(k), f, row)?;
    }
    out.push(b']');
    Ok(())
}

/// Formats rows `range` of a batch into `out` (each preceded by [`RECORD_SEP`]).
type Formatter<'a> = dyn Fn(std::ops::Range<usize>, &mut Vec<u8>) -> Result<()> + Sync + 'a;

fn image_formatter<'a>(b: &Batch<'a>, base: usize) -> Result<Box<Formatter<'a>>> {
    let (id, name, width, height, extra) = (
        b.i64("id")?,
        b.str("file_name")?,
        b.i64("width")?,
        b.i64("height")?,
        b.str("extra")?,
    );
    let file = b.file;
    Ok(Box::new(move |rows, out| {
        for i in rows {
            let mut r = Rec::new(out);
            r.int("id", get(id, i).map(|i| id.value(i)));
            r.string("file_name", get(name, i).map(|i| name.value(i)));
            r.int("width", get(width, i).map(|i| width.value(i)));
            r.int("height", get(height, i).map(|i| height.value(i)));
            r.extra(file, base + i, get(extra, i).map(|i| extra.value(i)))?;
            r.end();
        }
        Ok(())
    }))
}

fn category_formatter<'a>(b: &Batch<'a>, base: usize) -> Result<Box<Formatter<'a>>> {
    let (id, name, sup, extra) = (
        b.i64("id")?,
        b.str("name")?,
        b.str("supercategory")?,
        b.str("extra")?,
    );
    let file = b.file;
    Ok(Box::new(move |rows, out| {
        for i in rows {
            let mut r = Rec::new(out);
            r.int("id", get(id, i).map(|i| id.value(i)));
            r.string("name", get(name, i).map(|i| name.value(i)));
            r.string("supercategory", get(sup, i).map(|i| sup.value(i)));
            r.extra(file, base + i, get(extra, i).map(|i| extra.value(i)))?;
            r.end();
        }
        Ok(())
    }))
}

fn annotation_formatter<'a>(b: &Batch<'a>, base: usize) -> Result<Box<Formatter<'a>>> {
    let file = b.file;
    let (id, image_id, category_id, iscrowd) = (
        b.i64("id")?,
        b.i64("image_id")?,
        b.i64("category_id")?,
        b.i64("iscrowd")?,
    );
    let area = b.f64("area")?;
    let bbox = b.fixed("bbox", 4)?;
    let bbox_values = bbox
        .values()
        .as_primitive_opt::<Float64Type>()
        .ok_or_else(|| b.wrong_type("bbox", "a list of doubles"))?;
    let kind = b.str("segmentation_kind")?;
    let counts = b.str("rle_counts")?;
    let size = b.fixed("rle_size", 2)?;
    let size_values = size
        .values()
        .as_primitive_opt::<Int64Type>()
        .ok_or_else(|| b.wrong_type("rle_size", "a list of int64"))?;
    let polygons = b
        .column("polygons")?
        .as_list_opt::<i32>()
        .ok_or_else(|| b.wrong_type("polygons", "a list of lists of doubles"))?;
    let rings = polygons
        .values()
        .as_list_opt::<i32>()
        .ok_or_else(|| b.wrong_type("polygons", "a list of lists of doubles"))?;
    let coords = rings
        .values()
        .as_primitive_opt::<Float64Type>()
        .ok_or_else(|| b.wrong_type("polygons", "a list of lists of doubles"))?;
    let ints = b.u8("int_literals")?;
    let extra = b.str("extra")?;
    Ok(Box::new(move |rows, out| {
        for i in rows {
            let row = base + i;
            let bad = |what: &str| Error::msg(format!("row {row}: {what}")).in_file(file);
            let int_bits = get(ints, i).map_or(0, |i| ints.value(i));
            let mut r = Rec::new(out);
            r.int("id", get(id, i).map(|i| id.value(i)));
            r.int("image_id", get(image_id, i).map(|i| image_id.value(i)));
            r.int(
                "category_id",
                get(category_id, i).map(|i| category_id.value(i)),
            );
            let k = match get(kind, i) {
                None => Kind::None,
                Some(i) => Kind::from_name(kind.value(i)).ok_or_else(|| {
                    bad(&format!("unknown segmentation_kind {:?}", kind.value(i)))
                })?,
            };
            match k {
                Kind::None | Kind::Other => {}
                Kind::Polygon => {
                    if polygons.is_null(i) {
                        return Err(bad("segmentation_kind polygon without polygons"));
                    }
                    let o = r.key("segmentation");
                    o.push(b'[');
                    let (s, e) = (polygons.value_offsets()[i], polygons.value_offsets()[i + 1]);
                    for ring in s as usize..e as usize {
                        if ring > s as usize {
                            o.extend_from_slice(b", ");
                        }
                        let (a, z) = (rings.value_offsets()[ring], rings.value_offsets()[ring + 1]);
                        let vs = &coords.values()[a as usize..z as usize];
                        f64_list(o, vs, |_| int_bits & INT_POLYGONS != 0, file, row)?;
                    }
                    o.push(b']');
                }
                Kind::Rle | Kind::CountsList => {
                    let (Some(c), Some(sz)) = (get(counts, i), get(size, i)) else {
                        return Err(bad("RLE without rle_counts or rle_size"));
                    };
                    let at = size.value_offset_at(sz);
                    let (h, w) = (size_values.value(at), size_values.value(at + 1));
                    let o = r.key("segmentation");
                    o.extend_from_slice(b"{\"size\": [");
                    o.extend_from_slice(itoa::Buffer::new().format(h).as_bytes());
                    o.extend_from_slice(b", ");
                    o.extend_from_slice(itoa::Buffer::new().format(w).as_bytes());
                    o.extend_from_slice(b"], \"counts\": ");
                    let s = counts.value(c);
                    if k == Kind::Rle {
                        write_escaped(o, s.as_bytes());
                    } else {
                        let (Ok(h), Ok(w)) = (u32::try_from(h), u32::try_from(w)) else {
                            return Err(bad("rle_size out of range"));
                        };
                        let rle = Rle::from_compressed(h, w, s.as_bytes())
                            .map_err(|e| bad(&e.to_string()))?;
                        o.push(b'[');
                        for (n, v) in rle.counts.iter().enumerate() {
                            if n > 0 {
                                o.extend_from_slice(b", ");
                            }
                            o.extend_from_slice(itoa::Buffer::new().format(*v).as_bytes());
                        }
                        o.push(b']');
                    }
                    o.push(b'}');
                }
            }
            if let Some(a) = get(area, i) {
                let o = r.key("area");
                write_f64(o, area.value(a), int_bits & INT_AREA != 0, file, row)?;
            }
            if bbox.is_valid(i) {
                let at = bbox.value_offset_at(i);
                let vs = &bbox_values.values()[at..at + 4];
                let o = r.key("bbox");
                f64_list(o, vs, |k| int_bits & (INT_BBOX0 << k) != 0, file, row)?;
            }
            r.int("iscrowd", get(iscrowd, i).map(|i| iscrowd.value(i)));
            r.extra(file, row, get(extra, i).map(|i| extra.value(i)))?;
            r.end();
        }
        Ok(())
    }))
}

type MakeFormatter = for<'a> fn(&Batch<'a>, usize) -> Result<Box<Formatter<'a>>>;

/// Writes the records of one Parquet file as the elements of a section.
fn write_section(
    dir: &Path,
    section: Section,
    top: &mut TopWriter,
    progress: &dyn Fn(u64),
) -> Result<u64> {
    let (file, make): (&str, MakeFormatter) = match section {
        Section::Images => (FILES[0], image_formatter),
        Section::Annotations => (FILES[1], annotation_formatter),
        Section::Categories => (FILES[2], category_formatter),
    };
    let path = dir.join(file);
    let name = path.display().to_string();
    let f = std::fs::File::open(&path).map_err(|e| Error::io(&name, e))?;
    let reader = ParquetRecordBatchReaderBuilder::try_new(f)
        .map_err(|e| parquet_error(&name, e))?
        .with_batch_size(crate::coco::walk::BATCH)
        .build()
        .map_err(|e| parquet_error(&name, e))?;
    let mut rows = 0usize;
    for batch in reader {
        let batch = batch.map_err(|e| parquet_error(&name, e))?;
        let n = batch.num_rows();
        let b = Batch {
            file: &name,
            batch: &batch,
        };
        let fmt = make(&b, rows)?;
        let pieces: Vec<std::ops::Range<usize>> = (0..n)
            .step_by(IMPORT_PIECE)
            .map(|s| s..(s + IMPORT_PIECE).min(n))
            .collect();
        let texts = par_map_ordered(&pieces, |r| {
            let mut out = Vec::new();
            fmt(r.clone(), &mut out)?;
            Ok(out)
        })?;
        for t in texts {
            top.records_joined(&t)?;
        }
        rows += n;
        progress(rows as u64);
    }
    Ok(rows as u64)
}

/// The key-value metadata of `images.parquet`: layout, top-level keys, and the other keys' raw values.
fn top_level(dir: &Path) -> Result<(String, Vec<String>, String)> {
    let path = dir.join(FILES[0]);
    let name = path.display().to_string();
    let f = std::fs::File::open(&path).map_err(|e| Error::io(&name, e))?;
    let builder =
        ParquetRecordBatchReaderBuilder::try_new(f).map_err(|e| parquet_error(&name, e))?;
    let kv = builder.metadata().file_metadata().key_value_metadata();
    let value = |key: &str| -> Option<String> {
        kv.and_then(|kv| kv.iter().find(|k| k.key == key))
            .and_then(|k| k.value.clone())
    };
    let missing = |key: &str| {
        Error::msg(format!(
            "no {key:?} metadata: not written by `cocokit export --to parquet`"
        ))
        .in_file(&name)
    };
    let layout = value(KEY_LAYOUT).ok_or_else(|| missing(KEY_LAYOUT))?;
    let keys_text = value(KEY_KEYS).ok_or_else(|| missing(KEY_KEYS))?;
    let keys: Vec<String> = serde_json::from_str(&keys_text)
        .map_err(|e| Error::msg(format!("{KEY_KEYS} metadata: {e}")).in_file(&name))?;
    let top = value(KEY_TOP).ok_or_else(|| missing(KEY_TOP))?;
    Ok((layout, keys, top))
}

/// The raw value of each key of a JSON object's text.
fn raw_members(text: &str) -> Result<Vec<(String, &str)>> {
    let b = text.as_bytes();
    let mut c = Cursor::new(b, 0);
    c.begin_object()?;
    let mut first = true;
    let mut out = Vec::new();
    while let Some((k, _)) = c.next_key(&mut first)? {
        let (s, e) = c.skip()?;
        out.push((k.into_owned(), &text[s..e]));
    }
    Ok(out)
}

/// Write the COCO file an export in `dir` holds to `w`. `progress` gets the rows written so far.
pub fn import(dir: &Path, w: &mut dyn Write, progress: &dyn Fn(u64)) -> Result<Counts> {
    let (layout, keys, top_text) = top_level(dir)?;
    let meta_file = dir.join(FILES[0]).display().to_string();
    let others = raw_members(&top_text)
        .map_err(|e| Error::msg(format!("{KEY_TOP} metadata: {e}")).in_file(&meta_file))?;
    let mut counts = Counts::default();
    let mut done = 0u64;
    let mut t = TopWriter::new(w);
    let mut section = |s: Section, t: &mut TopWriter, counts: &mut Counts| -> Result<()> {
        let base = done;
        let n = write_section(dir, s, t, &|k| progress(base + k))?;
        done += n;
        match s {
            Section::Images => counts.images = n,
            Section::Annotations => counts.annotations = n,
            Section::Categories => counts.categories = n,
        }
        Ok(())
    };
    match layout.as_str() {
        "results" => {
            t.begin_array()?;
            section(Section::Annotations, &mut t, &mut counts)?;
            t.end_array()?;
            t.raw_bytes(b"\n")?;
        }
        "dataset" => {
            t.begin_object()?;
            let mut next_other = others.iter();
            for key in &keys {
                let s = match key.as_str() {
                    "images" => Some(Section::Images),
                    "annotations" => Some(Section::Annotations),
                    "categories" => Some(Section::Categories),
                    _ => None,
                };
                match s {
                    Some(s) => {
                        t.begin_section(key)?;
                        section(s, &mut t, &mut counts)?;
                        t.end_array()?;
                    }
                    None => {
                        let Some((k, raw)) = next_other.next().filter(|(k, _)| k == key) else {
                            return Err(Error::msg(format!(
                                "{KEY_TOP} metadata has no value for top-level key {key:?}"
                            ))
                            .in_file(&meta_file));
                        };
                        t.raw_member(k, raw.as_bytes())?;
                    }
                }
            }
            t.end_object()?;
        }
        other => {
            return Err(Error::msg(format!("unknown {KEY_LAYOUT} {other:?}")).in_file(&meta_file))
        }
    }
    Ok(counts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_kinds_counts_integers_and_decimals() {
        assert_eq!(literal_kinds(b"[[1, 2.5, -3e2, 4]]"), (2, 2));
        assert_eq!(literal_kinds(b"[]"), (0, 0));
        assert_eq!(literal_kinds(b"[[10,20],[1E2]]"), (2, 1));
        for (raw, n) in [
            &b"[[1.5, 2.25], [3.0]]"[..],
            b"[[1, 2], [3]]",
            b"[[1, 2.5]]",
            b"[[1e2, 2.5]]",
            b"[[1E2, 2, 3.5]]",
            b"[]",
        ]
        .iter()
        .map(|raw| (*raw, literal_kinds(raw).0 + literal_kinds(raw).1))
        {
            assert_eq!(literal_kinds_of(raw, n), literal_kinds(raw), "{raw:?}");
        }
    }

    #[test]
    fn doubles_read_once_keep_their_literal_kind_and_exactness() {
        for (text, want) in [
            ("702", Some((702.0, true))),
            ("702.0", Some((702.0, false))),
            ("-0.5", Some((-0.5, false))),
            ("1e2", Some((100.0, false))),
            ("9007199254740992", Some((9007199254740992.0, true))),
            // 2⁵³ + 1: no double holds it, so it is not stored in a double column.
            ("9007199254740993", None),
            ("1e999", None),
            ("\"1\"", None),
        ] {
            let mut c = Cursor::new(text.as_bytes(), 0);
            assert_eq!(try_f64(&mut c), want, "{text}");
        }
    }

    #[test]
    fn numbers_come_back_as_written() {
        let mut out = Vec::new();
        for (v, int, want) in [
            (702.0, true, "702"),
            (702.0, false, "702.0"),
            (0.1, false, "0.1"),
            (-0.0, true, "-0"),
            (1e300, false, "1e300"),
        ] {
            out.clear();
            write_f64(&mut out, v, int, "f", 0).unwrap();
            assert_eq!(std::str::from_utf8(&out).unwrap(), want);
        }
    }

    #[test]
    fn shapes_that_do_not_fit_go_to_extra() {
        let buf = br#"{"id": "a", "image_id": 1, "bbox": [1, 2, 3], "area": null, "segmentation": [[1, 2.5, 3, 4, 5, 6]]}"#;
        let mut s = Scratch::default();
        let r = parse_annotation_row(buf, 0, &mut s).unwrap();
        assert_eq!(r.id, None);
        assert_eq!(r.image_id, Some(1));
        assert_eq!(r.kind, Kind::Other);
        assert_eq!(
            s.extra.text(),
            Some(
                r#"{"id": "a", "bbox": [1, 2, 3], "area": null, "segmentation": [[1, 2.5, 3, 4, 5, 6]]}"#
            )
        );
    }

    #[test]
    fn counts_lists_are_stored_compressed() {
        let buf = br#"{"segmentation": {"counts": [2, 3, 1], "size": [2, 3]}, "area": 3}"#;
        let mut s = Scratch::default();
        let r = parse_annotation_row(buf, 0, &mut s).unwrap();
        assert_eq!(r.kind, Kind::CountsList);
        assert_eq!(r.rle_size, Some([2, 3]));
        assert_eq!(r.int_literals, INT_AREA);
        let counts = r.rle_counts.unwrap();
        assert_eq!(
            Rle::from_compressed(2, 3, counts.as_bytes())
                .unwrap()
                .counts,
            [2, 3, 1]
        );
        // Runs that do not add up to h·w stay in `extra`, as written.
        let buf = br#"{"segmentation": {"counts": [2, 3], "size": [2, 3]}}"#;
        let r = parse_annotation_row(buf, 0, &mut s).unwrap();
        assert_eq!(r.kind, Kind::Other);
        assert!(s.extra.text().unwrap().contains("[2, 3]"));
    }
}
