//! Reading ground truth and results for evaluation only: the fields `COCOeval` looks at, straight from the
//! JSON bytes, with segmentations left as byte ranges until a cell needs their mask.
//!
//! What it mirrors: `coco::reader` (same top-level walk, same record rules, same errors). It is an
//! evaluation-only shortcut, not a second reader: each record is read by a fast path that accepts only the
//! common shapes (polygons of plain numbers, compressed RLE objects, plain decimal numbers); a record with
//! anything else — other shapes, exponents, odd keys' values, any error — is handed whole to the crate's
//! reader (`coco::reader::parse_annotation_with`), so what is accepted and every error message stay the
//! reader's. Images and categories are read by the reader as well (they are few).
//!
//! The annotation array is read without a separate cutting pass when it can be: workers start at guessed
//! record starts and read record after record, and each guess is confirmed by the job before it stopping
//! exactly there (`par_array_records`); on anything else the records are cut first, as the top-level walk
//! cuts the other sections, so the same records and the same first error come out either way.
//!
//! Not here: loadRes' rules (see `prepare`), making masks (see `masks`).

use std::borrow::Cow;

use rayon::prelude::*;

use crate::coco::reader::{parse_annotation_with, parse_category, parse_image, SegMode};
use crate::coco::walk::{
    par_map_ordered, scan_top_batched_handing_over, walk_elements, walk_records, Chunk, Layout,
    Piece, RecordsStop, Resume, Section, BATCH,
};
use crate::coco::{Annotation, Category, Image, Segmentation};
use crate::error::FirstFailure;
use crate::json::number::{decimal, json_int, skip_decimal};
use crate::json::scan::{scan_string, skip_value, skip_ws, Cursor, ElementGuess};
use crate::{Error, Result};

/// Where a record's mask comes from.
#[derive(Debug, Clone)]
pub(crate) enum Seg<'a> {
    /// No `segmentation` (absent or `null`).
    None,
    /// Decoded by the crate's reader (or given by the caller).
    Parsed(Cow<'a, Segmentation>),
    /// A polygon list `[[x, y, ...], ...]` whose numbers were checked to be plain decimals: its raw bytes.
    Polygons(&'a [u8]),
    /// Compressed RLE: the raw string between the quotes (`escaped`: it holds a backslash escape).
    Compressed {
        h: u32,
        w: u32,
        counts: &'a [u8],
        escaped: bool,
    },
    /// Present but not decoded (box evaluation reads segmentations as the reader's `SegMode::Kind` does).
    Unparsed,
}

impl Seg<'_> {
    pub(crate) fn is_some(&self) -> bool {
        !matches!(self, Seg::None)
    }
}

/// One annotation or result, as evaluation needs it.
#[derive(Debug, Clone)]
pub(crate) struct Record<'a> {
    pub id: Option<i64>,
    pub image_id: i64,
    pub category_id: Option<i64>,
    pub iscrowd: bool,
    pub area: Option<f64>,
    pub bbox: Option<[f64; 4]>,
    pub score: Option<f64>,
    pub seg: Seg<'a>,
    /// The `keypoints` value: its numbers when the reader was asked for them ([`ReadMode::keypoints`])
    /// and it is a list of numbers, else its JSON text (read into numbers by keypoint evaluation).
    pub keypoints: Option<Keypoints<'a>>,
    /// `num_keypoints == 0`, if present (a ground truth without keypoints is ignored in keypoint
    /// evaluation); only that comparison is ever made.
    pub no_keypoints: Option<bool>,
    /// Byte offset of the record's `{` (for messages about records without id).
    pub offset: u64,
}

/// What the evaluation reader decodes: segmentations as `seg` says (`SegMode::Kind`: checked, not decoded),
/// and, with `keypoints`, keypoint lists into numbers while the record is read (keypoint evaluation: the
/// lists are the bulk of its input, read once so).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadMode {
    pub seg: SegMode,
    pub keypoints: bool,
}

impl From<SegMode> for ReadMode {
    fn from(seg: SegMode) -> ReadMode {
        ReadMode {
            seg,
            keypoints: false,
        }
    }
}

/// A record's `keypoints` value.
#[derive(Debug, Clone)]
pub(crate) enum Keypoints<'a> {
    /// As JSON text (boxed: records are many, and most have no keypoints).
    Text(Box<Cow<'a, [u8]>>),
    /// A list of numbers, read (the same doubles as reading the text gives).
    Numbers(Box<[f64]>),
}

/// The raw JSON value of an unknown key of the model, and `num_keypoints` parsed from one.
fn extra<'e>(extra: &'e [(String, String)], key: &str) -> Option<&'e str> {
    extra
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

fn no_keypoints_of(extra_: &[(String, String)]) -> Option<bool> {
    let raw = extra(extra_, "num_keypoints")?;
    Cursor::new(raw.as_bytes(), 0).f64().ok().map(|n| n == 0.0)
}

impl<'a> Record<'a> {
    /// Borrow an [`Annotation`] of the crate's model.
    pub(crate) fn of(a: &'a Annotation) -> Record<'a> {
        Record {
            id: a.id,
            image_id: a.image_id,
            category_id: a.category_id,
            iscrowd: a.is_crowd(),
            area: a.area,
            bbox: a.bbox,
            score: a.score,
            seg: match &a.segmentation {
                Some(s) => Seg::Parsed(Cow::Borrowed(s)),
                None => Seg::None,
            },
            keypoints: extra(&a.extra, "keypoints")
                .map(|v| Keypoints::Text(Box::new(Cow::Borrowed(v.as_bytes())))),
            no_keypoints: no_keypoints_of(&a.extra),
            offset: a.offset,
        }
    }

    fn owned(a: Annotation, mode: SegMode) -> Record<'a> {
        let seg = match a.segmentation {
            Some(s) => Seg::Parsed(Cow::Owned(s)),
            None if mode == SegMode::Kind => Seg::Unparsed,
            None => Seg::None,
        };
        let no_keypoints = no_keypoints_of(&a.extra);
        let keypoints = a
            .extra
            .into_iter()
            .find(|(k, _)| k == "keypoints")
            .map(|(_, v)| Keypoints::Text(Box::new(Cow::Owned(v.into_bytes()))));
        Record {
            id: a.id,
            image_id: a.image_id,
            category_id: a.category_id,
            iscrowd: a.iscrowd.unwrap_or(0) != 0,
            area: a.area,
            bbox: a.bbox,
            score: a.score,
            seg,
            keypoints,
            no_keypoints,
            offset: a.offset,
        }
    }

    fn placeholder() -> Record<'a> {
        Record {
            id: None,
            image_id: 0,
            category_id: None,
            iscrowd: false,
            area: None,
            bbox: None,
            score: None,
            seg: Seg::None,
            keypoints: None,
            no_keypoints: None,
            offset: 0,
        }
    }

    /// How to name this record in an error message (as `Annotation::describe`).
    pub(crate) fn describe(&self) -> String {
        match self.id {
            Some(id) => format!("annotation id {id}"),
            None => format!("annotation at byte {}", self.offset),
        }
    }
}

/// Ground truth read for evaluation: images and categories as the crate's model, annotations as records.
pub struct EvalGt<'a> {
    pub images: Vec<Image>,
    pub categories: Vec<Category>,
    pub(crate) annotations: Vec<Record<'a>>,
}

/// Detections read for evaluation.
pub struct EvalResults<'a> {
    pub(crate) records: Vec<Record<'a>>,
}

impl EvalResults<'_> {
    /// Number of detections.
    pub fn len(&self) -> usize {
        self.records.len()
    }
    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }
    /// Whether the first detection has no box (pycocotools' `loadRes` then takes boxes and areas from the
    /// masks, so segmentations must be decoded even for box evaluation).
    pub fn first_has_no_bbox(&self) -> bool {
        self.records.first().is_some_and(|r| r.bbox.is_none())
    }
    /// Whether the first detection has a segmentation (decoded or not).
    pub fn first_has_segmentation(&self) -> bool {
        self.records.first().is_some_and(|r| r.seg.is_some())
    }
}

/// The fields of one annotation or result that pycocotools' `COCO` indexes and queries read (`id`,
/// `image_id`, `category_id`, `area`, `iscrowd`), for callers that answer those queries without building
/// the records themselves (the Python package's `COCO`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RecordKeys {
    pub id: Option<i64>,
    pub image_id: i64,
    pub category_id: Option<i64>,
    pub area: Option<f64>,
    pub iscrowd: bool,
    /// Byte offset of the record's `{` in the input.
    pub offset: u64,
}

impl RecordKeys {
    fn of(r: &Record<'_>) -> RecordKeys {
        RecordKeys {
            id: r.id,
            image_id: r.image_id,
            category_id: r.category_id,
            area: r.area,
            iscrowd: r.iscrowd,
            offset: r.offset,
        }
    }
}

impl EvalGt<'_> {
    /// The annotations' [`RecordKeys`], in file order.
    pub fn annotation_keys(&self) -> impl ExactSizeIterator<Item = RecordKeys> + '_ {
        self.annotations.iter().map(RecordKeys::of)
    }
}

impl EvalResults<'_> {
    /// The results' [`RecordKeys`], in file order.
    pub fn keys(&self) -> impl ExactSizeIterator<Item = RecordKeys> + '_ {
        self.records.iter().map(RecordKeys::of)
    }
}

/// What the reader makes of the records it read: the records themselves, borrowing the input
/// ([`Keep::BORROWED`]), or records converted to another lifetime (`owned`: detached from the input).
pub(crate) struct Keep<'a, 'o> {
    /// Whether `take` keeps the record as it is (checked for every record before any is converted; one
    /// that does not fit makes the read fail).
    pub fits: fn(&Record<'a>) -> bool,
    pub take: fn(Record<'a>) -> Record<'o>,
}

impl<'a, 'o> Clone for Keep<'a, 'o> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<'a, 'o> Copy for Keep<'a, 'o> {}

impl<'a> Keep<'a, 'a> {
    pub(crate) const BORROWED: Keep<'a, 'a> = Keep {
        fits: |_| true,
        take: |r| r,
    };
}

impl<'a, 'o> Keep<'a, 'o> {
    /// `records` converted, in order; an error when one does not fit.
    fn all(self, records: Vec<Record<'a>>) -> Result<Vec<Record<'o>>> {
        if !records.iter().all(self.fits) {
            return Err(Error::msg(
                "a record cannot be kept apart from the input it was read from",
            ));
        }
        Ok(records.into_iter().map(self.take).collect())
    }
}

impl<'a> EvalGt<'a> {
    /// Read a dataset (`Dataset::parse_with` semantics; `mode` as there: `Kind` leaves segmentations
    /// undecoded, for box evaluation).
    pub fn parse(buf: &'a [u8], mode: impl Into<ReadMode>) -> Result<EvalGt<'a>> {
        EvalGt::parse_keeping(buf, mode.into(), Keep::BORROWED)
    }
}

impl<'o> EvalGt<'o> {
    /// [`EvalGt::parse`], the annotations converted by `keep` as they are gathered.
    pub(crate) fn parse_keeping<'a>(
        buf: &'a [u8],
        mode: ReadMode,
        keep: Keep<'a, 'o>,
    ) -> Result<EvalGt<'o>> {
        // Images and categories: records are cut on one thread while the previous batch is parsed on the
        // pool. The annotations are handed over and read by `array_records`.
        let (mut images, mut annotations, mut categories) = (Vec::new(), Vec::new(), Vec::new());
        let layout = scan_top_batched_handing_over(buf, BATCH, Section::Annotations, |piece| {
            let chunk = match piece {
                Piece::Array(array) => {
                    let (r, end) = array_records(buf, array.open, mode, keep)?;
                    // Moved, not copied, when it is the only annotation array (the usual file).
                    if annotations.is_empty() {
                        annotations = r;
                    } else {
                        annotations.extend(r);
                    }
                    array.done(end);
                    return Ok(());
                }
                Piece::Chunk(chunk) => chunk,
            };
            let Chunk::Records {
                section,
                records: r,
            } = chunk
            else {
                return Ok(());
            };
            let starts: Vec<usize> = r.iter().map(|&(s, _)| s).collect();
            match section {
                Section::Images => {
                    images.extend(par_map_ordered(&starts, |&s| parse_image(buf, s))?)
                }
                Section::Annotations => annotations.extend(keep.all(records(buf, &starts, mode)?)?),
                Section::Categories => {
                    categories.extend(par_map_ordered(&starts, |&s| parse_category(buf, s))?)
                }
            }
            Ok(())
        })?;
        if layout == Layout::Results {
            return Err(Error::msg(
                "expected a COCO dataset (an object with \"images\"), found a results array",
            ));
        }
        Ok(EvalGt {
            images,
            categories,
            annotations,
        })
    }
}

impl<'a> EvalResults<'a> {
    /// Read a results file (`parse_results_with` semantics).
    pub fn parse(buf: &'a [u8], mode: impl Into<ReadMode>) -> Result<EvalResults<'a>> {
        EvalResults::parse_keeping(buf, mode.into(), Keep::BORROWED)
    }
}

impl<'o> EvalResults<'o> {
    /// [`EvalResults::parse`], the records converted by `keep` as they are gathered.
    pub(crate) fn parse_keeping<'a>(
        buf: &'a [u8],
        mode: ReadMode,
        keep: Keep<'a, 'o>,
    ) -> Result<EvalResults<'o>> {
        let mut records = Vec::new();
        let layout = scan_top_batched_handing_over(buf, BATCH, Section::Annotations, |piece| {
            if let Piece::Array(array) = piece {
                let (r, end) = array_records(buf, array.open, mode, keep)?;
                records = r;
                array.done(end);
            }
            Ok(())
        })?;
        if layout != Layout::Results {
            return Err(Error::msg(
                "results must be a JSON array of annotations (a COCO results file), found an object",
            ));
        }
        Ok(EvalResults { records })
    }
}

/// Bytes of an annotation array each parallel job of [`par_array_records`] reads, at least.
const SPAN_MIN: usize = 256 * 1024;
/// Jobs per thread of [`par_array_records`] (several, so that a thread finishing early finds more).
const SPANS_PER_THREAD: usize = 8;

/// The records of the annotation array whose `[` is at `open`, and the position after its `]`: as the
/// top-level walk cuts them and [`records`] reads them, errors included. Read by [`par_array_records`]
/// when it can; otherwise the records are cut first, then read in parallel.
fn array_records<'a, 'o>(
    buf: &'a [u8],
    open: usize,
    mode: ReadMode,
    keep: Keep<'a, 'o>,
) -> Result<(Vec<Record<'o>>, usize)> {
    match par_array_records_keeping(buf, open, mode, keep) {
        Some(done) => Ok(done),
        None => {
            let (r, end) = cut_then_read(buf, open, mode)?;
            Ok((keep.all(r)?, end))
        }
    }
}

/// [`array_records`] the way the top-level walk does it: every record cut by the structural walk, then all
/// read in parallel.
fn cut_then_read(buf: &[u8], open: usize, mode: ReadMode) -> Result<(Vec<Record<'_>>, usize)> {
    let mut starts = Vec::new();
    let walked = walk_elements(
        buf,
        Resume::at_open(open + 1),
        Section::Annotations,
        |s, _| {
            starts.push(s);
            Ok(())
        },
    );
    // A bad record before the place where the walk failed is the first error in file order.
    let r = records(buf, &starts, mode)?;
    Ok((r, walked?))
}

/// One job of [`par_array_records`]: its records (byte range and record, `None` for one the reader
/// refuses) and where its walk stopped.
type Job<'a> = (Vec<(usize, usize, Option<Record<'a>>)>, RecordsStop);

/// [`array_records`] without a separate cutting pass: the array is split at guessed record starts
/// ([`ElementGuess`]) into jobs that read their records one after the other in parallel
/// ([`walk_records`]), each record's end being where its parse ended. The guesses are then checked in
/// order: each job must start exactly where the job before it stopped, which makes its start a record
/// start. `None` — and the caller's exact path, which reports what is wrong — on anything else: a wrong
/// guess, a record that fails, a broken separator, an array too small to split.
#[cfg(test)]
fn par_array_records(buf: &[u8], open: usize, mode: ReadMode) -> Option<(Vec<Record<'_>>, usize)> {
    par_array_records_keeping(buf, open, mode, Keep::BORROWED)
}

/// [`par_array_records`], the records converted by `keep` (`None` too when one does not fit) while they
/// are gathered into one list, job by job in parallel.
fn par_array_records_keeping<'a, 'o>(
    buf: &'a [u8],
    open: usize,
    mode: ReadMode,
    keep: Keep<'a, 'o>,
) -> Option<(Vec<Record<'o>>, usize)> {
    let first = skip_ws(buf, open + 1);
    let guess = ElementGuess::new(buf, first)?;
    let threads = rayon::current_num_threads().max(1);
    let span = ((buf.len() - first) / (threads * SPANS_PER_THREAD)).max(SPAN_MIN);
    let mut starts = vec![first];
    while let Some(next) = guess.next(buf, *starts.last()?, span) {
        starts.push(next);
    }
    if starts.len() < 2 {
        return None; // one job: the cut-then-read path is parallel, this would not be
    }
    let mut jobs: Vec<Job> = starts
        .par_iter()
        .enumerate()
        .with_max_len(1)
        .map(|(j, &start)| {
            let limit = starts.get(j + 1).copied().unwrap_or(usize::MAX);
            let mut out = Vec::new();
            let stop = walk_records(
                buf,
                start,
                limit,
                usize::MAX,
                &mut out,
                |pos| match fast_record(buf, pos, mode) {
                    Some((r, end)) => (Some(end), Some(r)),
                    None => (None, slow_record(buf, pos, mode).ok()),
                },
            );
            (out, stop)
        })
        .collect();
    // Each job must start where the one before stopped, up to the one that reached the array's end; the
    // jobs after it started at guesses beyond the array (the same opening in a later section).
    let mut end = None;
    let mut used = 0;
    for (j, (_, stop)) in jobs.iter().enumerate() {
        used = j + 1;
        match (*stop, starts.get(j + 1)) {
            (RecordsStop::Next { next, .. }, Some(&s)) if next == s => {}
            (RecordsStop::End(e), _) => {
                end = Some(e);
                break;
            }
            _ => return None,
        }
    }
    let end = end?;
    let jobs = &mut jobs[..used];
    // Every record read (a `None` is one the reader refused) and kept as it is.
    let ok = jobs.par_iter().all(|(out, _)| {
        out.iter()
            .all(|(_, _, r)| r.as_ref().is_some_and(|r| (keep.fits)(r)))
    });
    if !ok {
        return None;
    }
    let n = jobs.iter().map(|(out, _)| out.len()).sum();
    let mut all: Vec<Record<'o>> = Vec::with_capacity(n);
    // Each job's records moved into their place by the pool (one thread copying them all was a serial
    // step of every read), each job's list freed once moved: the records are not held twice.
    let mut rest = all.spare_capacity_mut().get_mut(..n)?;
    let mut parts = Vec::with_capacity(jobs.len());
    for (out, _) in jobs.iter_mut() {
        let (dst, tail) = std::mem::take(&mut rest).split_at_mut(out.len());
        rest = tail;
        parts.push((dst, std::mem::take(out)));
    }
    parts.into_par_iter().for_each(|(dst, out)| {
        for (slot, (_, _, r)) in dst.iter_mut().zip(out) {
            if let Some(r) = r {
                slot.write((keep.take)(r));
            }
        }
    });
    // SAFETY: the parts split `all`'s first `n` slots without overlap, each as long as its job's list,
    // and every element of every list is `Some` (checked above), so each slot was written exactly once.
    // (A panic in the loop would leave the length 0: written records leak, none is read.)
    unsafe { all.set_len(n) };
    Some((all, end))
}

/// The records starting at `starts`, in parallel, written straight into place (a collect into `Result`
/// goes through a list of pieces and a copy); the first failing record in file order is reported.
fn records<'a>(buf: &'a [u8], starts: &[usize], mode: ReadMode) -> Result<Vec<Record<'a>>> {
    let failed = FirstFailure::default();
    let mut out = Vec::with_capacity(starts.len());
    starts
        .par_iter()
        .enumerate()
        .map(|(i, &s)| {
            record(buf, s, mode).unwrap_or_else(|e| {
                failed.record(i, e);
                Record::placeholder()
            })
        })
        .collect_into_vec(&mut out);
    failed.into_result().map(|()| out)
}

/// One annotation: the fast path, or the crate's reader when the fast path meets anything unusual.
fn record(buf: &[u8], start: usize, mode: ReadMode) -> Result<Record<'_>> {
    if let Some((r, _)) = fast_record(buf, start, mode) {
        return Ok(r);
    }
    slow_record(buf, start, mode)
}

/// One annotation read by the crate's reader.
fn slow_record(buf: &[u8], start: usize, mode: ReadMode) -> Result<Record<'_>> {
    parse_annotation_with(buf, start, mode.seg).map(|(a, _)| Record::owned(a, mode.seg))
}

thread_local! {
    /// [`fast_record`]'s buffer for a keypoint list.
    static KEYPOINTS: std::cell::RefCell<Vec<f64>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// The fast path: `None` whenever the record is not made of the common shapes (the reader decides then);
/// else the record and the position after its `}`.
fn fast_record(buf: &[u8], start: usize, mode: ReadMode) -> Option<(Record<'_>, usize)> {
    let mut c = Cursor::new(buf, start);
    c.begin_object().ok()?;
    let mut r = Record {
        offset: start as u64,
        ..Record::placeholder()
    };
    let mut has_image = false;
    let mut first = true;
    while let Some(key) = plain_key(&mut c, &mut first)? {
        match key {
            b"id" => r.id = Some(int(&mut c)?),
            b"image_id" => {
                r.image_id = int(&mut c)?;
                has_image = true;
            }
            b"category_id" => r.category_id = Some(int(&mut c)?),
            b"iscrowd" => r.iscrowd = int(&mut c)? != 0,
            b"area" => r.area = Some(num(&mut c)?),
            b"score" => r.score = Some(num(&mut c)?),
            b"bbox" => r.bbox = Some(bbox(&mut c)?),
            b"segmentation" => r.seg = segmentation(&mut c, mode.seg)?,
            b"keypoints" => {
                let s = skip_ws(buf, c.pos);
                if mode.keypoints {
                    // Numbers straight away (into a reused buffer, then an allocation of their size);
                    // a list of anything else (or broken JSON) as below.
                    let mut kc = Cursor::new(buf, s);
                    let read = KEYPOINTS.with_borrow_mut(|v| {
                        v.clear();
                        kc.begin_array().and_then(|()| kc.f64_list(v)).ok()?;
                        Some(Box::<[f64]>::from(&v[..]))
                    });
                    if let Some(v) = read {
                        c.pos = kc.pos;
                        r.keypoints = Some(Keypoints::Numbers(v));
                        continue;
                    }
                }
                // A list of plain decimals (checked as cheaply as polygons are); anything else by the skip
                // that validates any JSON value.
                let e = match number_list_end(buf, s) {
                    Some(e) => e,
                    None => c.skip().ok()?.1,
                };
                c.pos = e;
                r.keypoints = Some(Keypoints::Text(Box::new(Cow::Borrowed(&buf[s..e]))));
            }
            b"num_keypoints" => r.no_keypoints = Some(num(&mut c)? == 0.0),
            _ => {
                c.skip().ok()?;
            }
        }
    }
    has_image.then_some((r, c.pos))
}

/// `Cursor::next_key` for keys of plain ASCII without escapes (all of COCO's): the key's bytes, `None`
/// inside for the object's end; `None` for anything else (other keys, broken JSON: the reader's business).
#[inline]
fn plain_key<'a>(c: &mut Cursor<'a>, first: &mut bool) -> Option<Option<&'a [u8]>> {
    let buf = c.buf;
    let mut i = skip_ws(buf, c.pos);
    match *buf.get(i)? {
        b'}' => {
            c.pos = i + 1;
            return Some(None);
        }
        b',' if !*first => i = skip_ws(buf, i + 1),
        _ if *first => {}
        _ => return None,
    }
    *first = false;
    if buf.get(i) != Some(&b'"') {
        return None;
    }
    let s = i + 1;
    let mut j = s;
    loop {
        match *buf.get(j)? {
            b'"' => break,
            b'\\' | 0..0x20 | 0x80.. => return None,
            _ => j += 1,
        }
    }
    let colon = skip_ws(buf, j + 1);
    if buf.get(colon) != Some(&b':') {
        return None;
    }
    c.pos = skip_ws(buf, colon + 1);
    Some(Some(&buf[s..j]))
}

/// A plain integer (`-?digits`, at most 18 digits).
fn int(c: &mut Cursor) -> Option<i64> {
    let (v, end) = json_int(c.buf, skip_ws(c.buf, c.pos))?;
    c.pos = end;
    Some(v)
}

/// A plain decimal number (`-?int(.frac)?`, no exponent), parsed to the same double as `str::parse`.
fn num(c: &mut Cursor) -> Option<f64> {
    let (v, end) = decimal(c.buf, skip_ws(c.buf, c.pos))?;
    c.pos = end;
    Some(v)
}

fn bbox(c: &mut Cursor) -> Option<[f64; 4]> {
    c.begin_array().ok()?;
    let mut v = [0.0; 4];
    let mut first = true;
    for x in &mut v {
        if !c.next_elem(&mut first).ok()? {
            return None; // fewer than 4 (or `[]`): the reader's business
        }
        *x = num(c)?;
    }
    (!c.next_elem(&mut first).ok()?).then_some(v)
}

fn segmentation<'a>(c: &mut Cursor<'a>, mode: SegMode) -> Option<Seg<'a>> {
    let buf = c.buf;
    let at = skip_ws(buf, c.pos);
    match buf.get(at) {
        Some(b'[') => {
            // Polygons: `[[`, as the reader requires (anything else is its business).
            let j = skip_ws(buf, at + 1);
            if buf.get(j) != Some(&b'[') {
                return None;
            }
            if mode == SegMode::Kind {
                // The reader validates the JSON only.
                c.pos = skip_value(buf, at).ok()?;
                return Some(Seg::Unparsed);
            }
            let end = polygons_end(buf, at)?;
            c.pos = end;
            Some(Seg::Polygons(&buf[at..end]))
        }
        Some(b'{') => {
            // The reader checks an RLE object's fields in both modes: `size` two integers, `counts` a string
            // here (lists of counts go to the reader).
            c.pos = at;
            c.begin_object().ok()?;
            let mut first = true;
            let (mut size, mut counts) = (None, None);
            while let Some((key, _)) = c.next_key(&mut first).ok()? {
                match &*key {
                    "size" => {
                        c.begin_array().ok()?;
                        let mut f = true;
                        c.next_elem(&mut f).ok()?.then_some(())?;
                        let h = u32::try_from(int(c)?).ok()?;
                        c.next_elem(&mut f).ok()?.then_some(())?;
                        let w = u32::try_from(int(c)?).ok()?;
                        (!c.next_elem(&mut f).ok()?).then_some(())?;
                        size = Some((h, w));
                    }
                    "counts" => {
                        let s = skip_ws(buf, c.pos);
                        if buf.get(s) != Some(&b'"') {
                            return None;
                        }
                        let (end, escaped) = string_end(buf, s)?;
                        c.pos = end;
                        counts = Some((&buf[s + 1..end - 1], escaped));
                    }
                    _ => {
                        c.skip().ok()?;
                    }
                }
            }
            let ((h, w), (counts, escaped)) = (size?, counts?);
            if mode == SegMode::Kind {
                return Some(Seg::Unparsed);
            }
            Some(Seg::Compressed {
                h,
                w,
                counts,
                escaped,
            })
        }
        Some(b'n') => {
            c.null().then_some(())?;
            Some(Seg::None)
        }
        _ => None,
    }
}

/// `scan_string` for the strings of compressed RLE (long, ASCII, few escapes): 8 bytes at a time until a
/// quote, a backslash, a control or a non-ASCII byte. Simple escapes are stepped over here; anything
/// else (`\u`, control bytes, non-ASCII, errors) is left to `scan_string`, from the string's start.
fn string_end(buf: &[u8], i: usize) -> Option<(usize, bool)> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    #[inline(always)]
    fn zero_byte(x: u64) -> u64 {
        x.wrapping_sub(ONES) & !x & HIGH
    }
    let mut j = i + 1;
    let mut escaped = false;
    loop {
        j = plain_run_end(buf, j);
        while let Some(chunk) = buf.get(j..j + 8) {
            let x = u64::from_le_bytes(chunk.try_into().ok()?);
            // bytes < 0x20 (top three bits clear), '"', '\\' or >= 0x80; the lowest flag is exact
            let stop = zero_byte(x & 0xe0e0_e0e0_e0e0_e0e0)
                | zero_byte(x ^ (b'"' as u64 * ONES))
                | zero_byte(x ^ (b'\\' as u64 * ONES))
                | (x & HIGH);
            if stop != 0 {
                j += (stop.trailing_zeros() / 8) as usize;
                break;
            }
            j += 8;
        }
        match buf.get(j) {
            Some(b'"') => return Some((j + 1, escaped)),
            Some(b'\\')
                if matches!(
                    buf.get(j + 1),
                    Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't')
                ) =>
            {
                escaped = true;
                j += 2;
            }
            Some(&b) if (0x20..0x80).contains(&b) && b != b'\\' => j += 1,
            _ => return scan_string(buf, i).ok(),
        }
    }
}

/// The first position at or after `j` whose 16-byte block holds a quote, a backslash, a control or a
/// non-ASCII byte (SSE2, the x86_64 baseline): the bytes before it are plain string content. Stops short
/// of the buffer's last 16 bytes (the caller's word loop finishes); elsewhere returns `j`.
#[inline(always)]
fn plain_run_end(buf: &[u8], mut j: usize) -> usize {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::*;
        // SAFETY: SSE2 is baseline on x86_64; every load reads buf[j..j + 16] with j + 16 <= buf.len().
        unsafe {
            let quote = _mm_set1_epi8(b'"' as i8);
            let bslash = _mm_set1_epi8(b'\\' as i8);
            // Signed compare: bytes < 0x20 and bytes >= 0x80 (negative as i8) are both "less than 0x20".
            let space = _mm_set1_epi8(0x20);
            while j + 16 <= buf.len() {
                let v = _mm_loadu_si128(buf.as_ptr().add(j) as *const __m128i);
                let stop = _mm_or_si128(
                    _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, bslash)),
                    _mm_cmplt_epi8(v, space),
                );
                if _mm_movemask_epi8(stop) != 0 {
                    break;
                }
                j += 16;
            }
        }
    }
    j
}

/// End of a `[[n, ...], ...]` polygon list whose numbers are all plain decimals; `None` otherwise.
fn polygons_end(buf: &[u8], at: usize) -> Option<usize> {
    let mut c = Cursor::new(buf, at);
    c.begin_array().ok()?;
    let mut first = true;
    while c.next_elem(&mut first).ok()? {
        c.begin_array().ok()?;
        let mut f = true;
        while c.next_elem(&mut f).ok()? {
            c.pos = skip_decimal(buf, c.pos)?;
        }
    }
    Some(c.pos)
}

/// End of a `[n, ...]` list whose numbers are all plain decimals; `None` otherwise.
fn number_list_end(buf: &[u8], at: usize) -> Option<usize> {
    let mut c = Cursor::new(buf, at);
    c.begin_array().ok()?;
    let mut f = true;
    while c.next_elem(&mut f).ok()? {
        c.pos = skip_decimal(buf, c.pos)?;
    }
    Some(c.pos)
}

/// Parse a polygon list checked by `polygons_end` into `coords` (all parts concatenated) and `lens`.
pub(crate) fn read_polygons(
    raw: &[u8],
    coords: &mut Vec<f64>,
    lens: &mut Vec<usize>,
) -> Result<()> {
    coords.clear();
    lens.clear();
    let bad = || Error::msg("segmentation changed while reading it");
    let mut c = Cursor::new(raw, 0);
    c.begin_array()?;
    let mut first = true;
    while c.next_elem(&mut first)? {
        c.begin_array()?;
        let n0 = coords.len();
        let mut f = true;
        while c.next_elem(&mut f)? {
            coords.push(num(&mut c).ok_or_else(bad)?);
        }
        lens.push(coords.len() - n0);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_path_hands_unusual_records_to_the_reader() {
        let buf =
            br#"{"id": 1, "image_id": 2, "category_id": 3, "bbox": [1, 2, 3, 4.5], "area": 1e2,
            "segmentation": [[1, 2, 3, 4, 5, 6]], "iscrowd": 0}"#;
        assert!(fast_record(buf, 0, SegMode::Full.into()).is_none()); // exponent
        let r = record(buf, 0, SegMode::Full.into()).unwrap();
        assert_eq!(r.area, Some(100.0));
        assert!(matches!(r.seg, Seg::Parsed(_)));
        let buf = br#"{"id": 1, "image_id": 2, "category_id": 3, "bbox": [1, 2, 3, 4.5], "area": 10,
            "segmentation": {"size": [4, 5], "counts": "a\\b"}, "score": 0.5, "other": {"x": [1]}}"#;
        let (r, end) = fast_record(buf, 0, SegMode::Full.into()).unwrap();
        assert_eq!(end, buf.len());
        assert_eq!(r.bbox, Some([1.0, 2.0, 3.0, 4.5]));
        assert_eq!(r.score, Some(0.5));
        assert!(matches!(
            r.seg,
            Seg::Compressed {
                h: 4,
                w: 5,
                counts: b"a\\\\b",
                escaped: true
            }
        ));
        // Errors are the reader's.
        let buf = br#"{"id": 1, "image_id": 2, "bbox": [1, 2, 3]}"#;
        let e = record(buf, 0, SegMode::Full.into())
            .unwrap_err()
            .to_string();
        let want = parse_annotation_with(buf, 0, SegMode::Full)
            .unwrap_err()
            .to_string();
        assert_eq!(e, want);
        let buf = br#"{"id": 1, "bbox": [1, 2, 3, 4]}"#;
        assert!(record(buf, 0, SegMode::Full.into()).is_err());
    }

    /// A results array of `n` records (with a mix of shapes the fast path reads and hands to the reader),
    /// `extra` spliced into record `at`.
    fn results_array(n: usize, at: usize, extra: &str) -> Vec<u8> {
        let mut s = String::from("[");
        for i in 0..n {
            if i > 0 {
                s.push_str(", ");
            }
            let seg = match i % 3 {
                0 => format!(
                    r#"{{"size": [40, 60], "counts": "{}"}}"#,
                    "a1b2".repeat(40 + i % 7)
                ),
                1 => "[[1.5, 2, 3.25, 4, 5, 6e0]]".to_string(),
                _ => format!("[[{}, 2, 3, 4, 5, 6]]", i),
            };
            s.push_str(&format!(
                r#"{{"image_id": {}, "category_id": {}, "segmentation": {seg}, "bbox": [{}.5, 2, 3, 4], "score": 0.{}{}}}"#,
                i / 7,
                1 + i % 5,
                i % 100,
                i % 1000,
                if i == at { extra } else { "" }
            ));
        }
        s.push(']');
        s.into_bytes()
    }

    fn same(buf: &[u8], mode: SegMode) -> String {
        let want = cut_then_read(buf, 0, mode.into());
        let got = array_records(buf, 0, mode.into(), Keep::BORROWED);
        let show = |r: &Result<(Vec<Record>, usize)>| match r {
            Ok((v, end)) => format!("{v:?} {end}"),
            Err(e) => format!("error {e}"),
        };
        assert_eq!(show(&got), show(&want));
        show(&got)
    }

    #[test]
    fn parallel_array_reading_is_the_cut_then_read_reading() {
        const N: usize = 10_000;
        for mode in [SegMode::Kind, SegMode::Full] {
            let buf = results_array(N, usize::MAX, "");
            assert!(buf.len() > 4 * SPAN_MIN);
            // The plain case takes the parallel path.
            let (recs, end) = par_array_records(&buf, 0, mode.into()).expect("parallel path");
            assert_eq!(end, buf.len());
            assert_eq!(recs.len(), N);
            same(&buf, mode);
            // The guessed opening inside records: wrong guesses, found out.
            let nested =
                r#", "other": [{"a": 1}, {"image_id": 3, "x": {"y": [1, 2]}}, {"image_id": 4}]"#;
            for at in [1000, 2500, 3100, 4000, 5999] {
                same(&results_array(N, at, nested), mode);
            }
            // Every record nested so: the answer is still the cut-then-read one.
            let many: Vec<u8> = String::from_utf8(results_array(N, usize::MAX, ""))
                .unwrap()
                .replace(r#", "score""#, &format!(r#"{nested}, "score""#))
                .into_bytes();
            same(&many, mode);
            // Errors: a record the reader refuses, a broken separator, a truncated array; the first
            // in file order is reported.
            for bad in [
                r#", "bbox": [1, 2]"#,
                r#", "score": 1e999x"#,
                r#"} {"#,
                "\u{1}",
            ] {
                for at in [0, 2999, N - 1] {
                    let out = same(&results_array(N, at, bad), mode);
                    assert!(out.starts_with("error"), "{bad} at {at}: {out}");
                }
            }
            for cut in [buf.len() - 1, buf.len() / 2, buf.len() / 3 + 7] {
                let out = same(&buf[..cut], mode);
                assert!(out.starts_with("error"), "{out}");
            }
        }
    }

    #[test]
    fn keypoints_read_as_numbers_are_the_texts_numbers() {
        let kp = ReadMode {
            seg: SegMode::Kind,
            keypoints: true,
        };
        let text_numbers = |r: &Record| match &r.keypoints {
            Some(Keypoints::Text(t)) => {
                let mut c = Cursor::new(t, 0);
                let mut v = Vec::new();
                c.begin_array().and_then(|()| c.f64_list(&mut v)).ok()?;
                Some(v)
            }
            _ => None,
        };
        for value in [
            "[1, 2.5, -3, 0.1, 272.47, 0.30000000000000004]",
            "[1e2, 12345678901234567890123, -0.0]",
            "[ ]",
        ] {
            let buf = format!(r#"{{"image_id": 1, "keypoints": {value}, "score": 0.5}}"#);
            let (as_text, e1) = fast_record(buf.as_bytes(), 0, SegMode::Kind.into()).unwrap();
            let (as_numbers, e2) = fast_record(buf.as_bytes(), 0, kp).unwrap();
            assert_eq!(e1, e2);
            assert_eq!(as_numbers.score, Some(0.5));
            let Some(Keypoints::Numbers(v)) = &as_numbers.keypoints else {
                panic!("{value}: not read as numbers");
            };
            let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(v), bits(&text_numbers(&as_text).unwrap()), "{value}");
        }
        // Not numbers: kept as text (prepare reports it); broken JSON: the reader's error.
        let buf = br#"{"image_id": 1, "keypoints": [1, "a"]}"#;
        let r = record(buf, 0, kp).unwrap();
        assert!(matches!(r.keypoints, Some(Keypoints::Text(_))));
        let buf = br#"{"image_id": 1, "keypoints": [1,, 2]}"#;
        let want = parse_annotation_with(buf, 0, SegMode::Kind)
            .unwrap_err()
            .to_string();
        assert_eq!(record(buf, 0, kp).unwrap_err().to_string(), want);
    }

    #[test]
    fn guesses_beyond_the_annotations_are_dropped() {
        // A dataset whose categories open as its annotations do: guesses land in the categories.
        let recs = results_array(10_000, usize::MAX, "");
        let mut buf = br#"{"images": [{"id": 1, "width": 60, "height": 40, "file_name": "a"}], "annotations": "#.to_vec();
        buf.extend_from_slice(&recs);
        buf.extend_from_slice(br#", "categories": ["#);
        for i in 0..20_000 {
            if i > 0 {
                buf.extend_from_slice(b", ");
            }
            buf.extend_from_slice(
                format!(r#"{{"image_id": {i}, "id": {i}, "name": "c{i}"}}"#).as_bytes(),
            );
        }
        buf.extend_from_slice(b"]}");
        let open = buf.iter().position(|&b| b == b'[').unwrap();
        let open = open + 1 + buf[open + 1..].iter().position(|&b| b == b'[').unwrap();
        let (recs, end) =
            par_array_records(&buf, open, SegMode::Kind.into()).expect("parallel path");
        let (want, want_end) = cut_then_read(&buf, open, SegMode::Kind.into()).unwrap();
        assert_eq!((format!("{recs:?}"), end), (format!("{want:?}"), want_end));
    }

    #[test]
    fn string_end_is_scan_string() {
        let mut cases: Vec<Vec<u8>> = [
            &b"\"\""[..],
            b"\"abc\"",
            b"\"0123456789abcdefghij\"",
            b"\"a\\\\b\\\"c\\/d\\ne\"",
            b"\"x\\u0041y\"",
            "\"caf\u{e9} au lait\"".as_bytes(),
            b"\"bad \xff utf8\"",
            b"\"tab\there\"",
            b"\"unterminated",
            b"\"bad \\q escape\"",
            b"\"ends in backslash\\",
        ]
        .iter()
        .map(|c| c.to_vec())
        .collect();
        // a stop byte at every position of a word
        for k in 0..40 {
            for stop in [&b"\\\\"[..], b"\\\"", b"\x01", "\u{e9}".as_bytes(), b"\""] {
                let mut v = b"\"".to_vec();
                v.extend(std::iter::repeat_n(b'a', k));
                v.extend_from_slice(stop);
                v.extend_from_slice(b"bcdefghijklmnop\" tail");
                cases.push(v);
            }
        }
        for c in &cases {
            let want = scan_string(c, 0).ok();
            assert_eq!(string_end(c, 0), want, "{}", String::from_utf8_lossy(c));
        }
    }

    #[test]
    fn polygons_read_back() {
        let raw = b"[[1, 2.5, -3, 4, 5, 6], [7, 8, 9, 10, 11, 12.25]]";
        assert_eq!(polygons_end(raw, 0), Some(raw.len()));
        let (mut c, mut l) = (Vec::new(), Vec::new());
        read_polygons(raw, &mut c, &mut l).unwrap();
        assert_eq!(l, vec![6, 6]);
        assert_eq!(c[1], 2.5);
        assert_eq!(c[11], 12.25);
        assert_eq!(polygons_end(b"[[1, \"a\"]]", 0), None);
        assert_eq!(polygons_end(b"[[1, 2e3]]", 0), None);
    }
}
