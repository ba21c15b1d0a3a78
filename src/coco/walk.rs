//! The one record-walking engine: the top level of a dataset object (or a results array) walked once, its
//! records cut as byte ranges and handed out in batches, mapped in parallel with the results kept in file
//! order, the first error in file order winning.
//!
//! - [`scan_top`] walks the top level and hands out each element of `images`, `annotations` and `categories`
//!   as a byte range ([`Event::Record`]), and every other top-level key as its raw, validated JSON text
//!   ([`Event::Other`]). Keys may come in any order. Records are cut with the structural fast path of the
//!   scanner; they are validated when parsed (see [`crate::coco::reader`]), which callers may do in parallel.
//! - [`scan_top_batched`] pipelines the walk on its own thread, a batch or two ahead of the callers' workers;
//!   [`scan_top_batched_handing_over`] leaves one section's array to its caller instead, whose workers cut its
//!   records themselves ([`walk_records`], from guessed starts the caller checks; `convert`).
//! - [`par_map_ordered`] is the ordered parallel map every operation uses on a batch; [`BATCH`] and
//!   [`BATCH_HEAVY`] are the one batch-size policy.
//!
//! Not here: what a record means (see [`crate::coco::reader`]'s parsers), what an operation does with it.

use crate::error::{Error, Result};
use crate::json::scan::{skip_value, skip_value_fast, skip_value_in, skip_ws, unexpected, Cursor};
use rayon::prelude::*;

/// Records per batch handed to the workers by the operations that read a record into a few counters or
/// write it back unchanged (stats, filter, the evaluation reader): large enough that the pool's task
/// overhead is nothing next to a batch, small enough that a batch's records stay in cache.
pub const BATCH: usize = 8 * 1024;

/// Records per batch for the operations whose per-record work or output is large (convert, validate): each
/// batch's output is held until it is written, so half of [`BATCH`] keeps that bounded and the pipeline fed.
pub const BATCH_HEAVY: usize = 4 * 1024;

/// Records per batch for a pipeline whose steps (parse, encode, write) run on different threads at once (the
/// Parquet export): larger than [`BATCH_HEAVY`] for fewer hand-overs between the steps; the pipeline bounds
/// how many batches are in flight.
pub const BATCH_PIPELINE: usize = 4 * BATCH_HEAVY;

/// The three arrays cocokit reads record by record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Section {
    Images,
    Annotations,
    Categories,
}

impl Section {
    fn from_key(k: &str) -> Option<Section> {
        match k {
            "images" => Some(Section::Images),
            "annotations" => Some(Section::Annotations),
            "categories" => Some(Section::Categories),
            _ => None,
        }
    }
    /// The top-level key of this section.
    pub fn key(self) -> &'static str {
        match self {
            Section::Images => "images",
            Section::Annotations => "annotations",
            Section::Categories => "categories",
        }
    }
}

/// What the top level of a file is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// `{"images": [...], "annotations": [...], "categories": [...], ...}`
    Dataset,
    /// `[{"image_id": ..., "category_id": ..., "score": ...}, ...]` (a COCO results file)
    Results,
}

/// One step of the top-level walk.
#[derive(Debug)]
pub enum Event<'a> {
    /// A section array begins (`"annotations": [`). Not sent for results files.
    SectionStart { section: Section },
    /// One element of a section (results files: every element is an annotation). `start..end` is its byte
    /// range in the buffer.
    Record {
        section: Section,
        start: usize,
        end: usize,
    },
    /// A section array ended.
    SectionEnd { section: Section },
    /// Any other top-level key, with its value's raw JSON text (validated) and where it starts.
    Other {
        key: String,
        raw: &'a [u8],
        start: usize,
    },
}

/// Walk the top level of `buf`, calling `f` for each event in file order.
pub fn scan_top<'a>(buf: &'a [u8], f: impl FnMut(Event<'a>) -> Result<()>) -> Result<Layout> {
    scan_top_handing_over(buf, f, &mut |_, _| None)
}

/// [`scan_top`], offering each section array to `hand` first (the section and the position of its `[`):
/// `Some` means `hand` walked the array itself and gives the position after its `]` (or an error); `None`
/// leaves the array to the walk (a [`Event::Record`] for each element).
fn scan_top_handing_over<'a>(
    buf: &'a [u8],
    mut f: impl FnMut(Event<'a>) -> Result<()>,
    hand: &mut dyn FnMut(Section, usize) -> Option<Result<usize>>,
) -> Result<Layout> {
    let mut i = skip_ws(buf, 0);
    match buf.get(i) {
        Some(b'{') => {}
        Some(b'[') => {
            let end = match hand(Section::Annotations, i) {
                Some(end) => end?,
                None => walk_array(buf, i, Section::Annotations, &mut f)?,
            };
            check_trailing(buf, end)?;
            return Ok(Layout::Results);
        }
        None if buf.is_empty() => {
            return Err(Error::at(
                0,
                "empty file: expected a COCO dataset object or a results array",
            ))
        }
        None => {
            return Err(Error::at(
                i,
                "no JSON value (only whitespace): expected a COCO dataset object",
            ))
        }
        Some(_) => {
            if i == 0 && buf.starts_with(b"\xEF\xBB\xBF") {
                return Err(unexpected(buf, 0, ""));
            }
            // Validate first so that e.g. a truncated or bad literal is reported as such.
            skip_value(buf, i)?;
            return Err(Error::at(
                i,
                "top level is neither a COCO dataset (an object) nor a results file (an array of annotations)",
            ));
        }
    }
    let open = i;
    let mut c = Cursor::new(buf, i);
    c.begin_object()?;
    let mut first = true;
    let mut seen: Vec<&'static str> = Vec::new();
    // The first few other keys, to name them if the object turns out not to be a COCO dataset.
    let mut others: Vec<String> = Vec::new();
    while let Some((key, key_pos)) = c.next_key(&mut first)? {
        let vpos = c.pos;
        if let Some(section) = Section::from_key(&key) {
            if seen.contains(&section.key()) {
                return Err(Error::at(
                    key_pos,
                    format!("duplicate top-level key \"{key}\""),
                ));
            }
            seen.push(section.key());
            if buf.get(vpos) != Some(&b'[') {
                if buf.get(vpos) == Some(&b'n') && buf[vpos..].starts_with(b"null") {
                    // "annotations": null — treat as absent, as pycocotools' `'annotations' in dataset` check
                    // would not (it would crash); report it clearly instead.
                    return Err(Error::at(
                        vpos,
                        format!("\"{key}\" is null: expected an array"),
                    ));
                }
                skip_value_in(buf, vpos, 1)?;
                return Err(Error::at(vpos, format!("\"{key}\" must be an array")));
            }
            f(Event::SectionStart { section })?;
            i = match hand(section, vpos) {
                Some(end) => end?,
                None => walk_array(buf, vpos, section, &mut f)?,
            };
            f(Event::SectionEnd { section })?;
            c.pos = i;
        } else {
            if others.len() < 8 {
                others.push(key.to_string());
            }
            let end = skip_value_in(buf, vpos, 1)?;
            f(Event::Other {
                key: key.into_owned(),
                raw: &buf[vpos..end],
                start: vpos,
            })?;
            c.pos = end;
        }
    }
    check_trailing(buf, c.pos)?;
    if seen.is_empty() {
        return Err(not_coco(open, &others));
    }
    Ok(Layout::Dataset)
}

/// The error for a top-level object with none of `images`, `annotations`, `categories` (its first keys
/// `others`): whatever it is, reading it as an empty dataset would only hide the mistake.
#[cold]
fn not_coco(open: usize, others: &[String]) -> Error {
    let keys = if others.is_empty() {
        "it is empty".to_string()
    } else {
        let names: Vec<String> = others.iter().map(|k| format!("\"{k}\"")).collect();
        format!("its keys: {}", names.join(", "))
    };
    Error::at(
        open,
        format!(
            "neither a COCO dataset nor a results array: the top-level object has no \"images\", \"annotations\" or \"categories\" ({keys})"
        ),
    )
}

/// A piece of the top-level walk as [`scan_top_batched`] hands it out: consecutive records of one section
/// grouped, or any other event.
#[derive(Debug)]
pub enum Chunk<'a> {
    /// Up to `batch` consecutive records of one section, as `(start, end)` byte ranges in file order.
    Records {
        section: Section,
        records: Vec<(usize, usize)>,
    },
    /// Any event other than a record.
    Event(Event<'a>),
}

/// The most records one rayon task takes in a batch (see [`par_map_ordered`]): small enough that the work
/// stays shared to the end of the batch, large enough that the tasks cost nothing next to it.
pub const PIECE: usize = 64;

/// `f` over `items` in parallel (rayon), the results in order; when several fail, the error of the first in
/// order. (`collect::<Result<_>>()` on a parallel iterator keeps whichever error a thread met first, so a
/// broken file's message would depend on timing; commands promise the first error in file order.)
pub fn par_map_ordered<I: Sync, T: Send>(
    items: &[I],
    f: impl Fn(&I) -> Result<T> + Sync + Send,
) -> Result<Vec<T>> {
    // Pieces of at most PIECE items: rayon otherwise cuts a batch into a few large pieces up front, and a
    // thread that finishes early finds nothing left to take while another works through its piece.
    let all: Vec<Result<T>> = items.par_iter().with_max_len(PIECE).map(f).collect();
    all.into_iter().collect()
}

/// [`scan_top`], pipelined: a separate thread cuts the records (the structural scan is sequential by nature)
/// while the caller's `f` runs on the calling thread with the previous batches — typically parsing a batch
/// in parallel with rayon. Chunks arrive in file order; at most two are buffered ahead, so memory stays
/// bounded. An error from `f` stops the walk; an error of the walk itself is returned after `f` has seen
/// every chunk before it, so the first error in file order wins either way.
pub fn scan_top_batched<'a>(
    buf: &'a [u8],
    batch: usize,
    mut f: impl FnMut(Chunk<'a>) -> Result<()>,
) -> Result<Layout> {
    batched(buf, batch, None, |piece| match piece {
        Piece::Chunk(chunk) => f(chunk),
        // Not asked for: nothing is handed over.
        Piece::Array(_) => Err(Error::msg("internal error: an array was handed over")),
    })
}

/// What [`scan_top_batched_handing_over`] hands out: a [`Chunk`] of the walk, or the section array it
/// leaves to the caller.
pub enum Piece<'a> {
    Chunk(Chunk<'a>),
    Array(HandedOver),
}

/// A section array left to the caller of [`scan_top_batched_handing_over`], which walks it and then tells
/// the walk where it ended ([`HandedOver::done`]; dropping it unanswered stops the walk).
#[derive(Debug)]
pub struct HandedOver {
    /// The position of the array's `[`.
    pub open: usize,
    reply: std::sync::mpsc::SyncSender<usize>,
}

impl HandedOver {
    /// The array ended at `end` (the position after its `]`): the walk goes on from there.
    pub fn done(self, end: usize) {
        // The walk waits for this answer; if it is gone, so is the walk.
        let _ = self.reply.send(end);
    }
}

/// [`scan_top_batched`], except that the array of `section` (the whole results array for a results file)
/// is handed to `f` as a [`Piece::Array`] instead of being cut into records — for a caller that cuts its
/// records in parallel itself (`convert`). The walk waits until `f` says where the array ended.
pub fn scan_top_batched_handing_over<'a>(
    buf: &'a [u8],
    batch: usize,
    section: Section,
    f: impl FnMut(Piece<'a>) -> Result<()>,
) -> Result<Layout> {
    batched(buf, batch, Some(section), f)
}

/// The records of one section cut so far and not sent.
type SectionRecords = (Section, Vec<(usize, usize)>);

fn batched<'a>(
    buf: &'a [u8],
    batch: usize,
    hand_over: Option<Section>,
    mut f: impl FnMut(Piece<'a>) -> Result<()>,
) -> Result<Layout> {
    let batch = batch.max(1);
    std::thread::scope(|s| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Piece<'a>>(2);
        let cutter = s.spawn(move || -> Result<Layout> {
            // The receiver hangs up only when `f` failed; its error is the one reported.
            let hung_up = || Error::msg("stopped");
            let mut cur: Option<SectionRecords> = None;
            let send = |chunk: Chunk<'a>| tx.send(Piece::Chunk(chunk)).map_err(|_| hung_up());
            let flush = |cur: &mut Option<SectionRecords>| match cur.take() {
                Some((section, records)) => send(Chunk::Records { section, records }),
                None => Ok(()),
            };
            // No records are pending when an array is offered: a section's array comes right after its
            // `SectionStart` event, which flushed them, and a results array comes first.
            let mut hand = |section: Section, open: usize| -> Option<Result<usize>> {
                if hand_over != Some(section) {
                    return None;
                }
                let (reply, answer) = std::sync::mpsc::sync_channel(1);
                let sent = tx.send(Piece::Array(HandedOver { open, reply }));
                Some(
                    sent.map_err(|_| hung_up())
                        .and_then(|()| answer.recv().map_err(|_| hung_up())),
                )
            };
            let layout = scan_top_handing_over(
                buf,
                |ev| {
                    match ev {
                        Event::Record {
                            section,
                            start,
                            end,
                        } => {
                            if let Some((s, _)) = &cur {
                                if *s != section {
                                    let (section, records) = cur.take().expect("checked");
                                    send(Chunk::Records { section, records })?;
                                }
                            }
                            let (_, records) =
                                cur.get_or_insert_with(|| (section, Vec::with_capacity(batch)));
                            records.push((start, end));
                            if records.len() >= batch {
                                let (section, records) = cur.take().expect("just filled");
                                send(Chunk::Records { section, records })?;
                            }
                        }
                        ev => {
                            flush(&mut cur)?;
                            send(Chunk::Event(ev))?;
                        }
                    }
                    Ok(())
                },
                &mut hand,
            )?;
            flush(&mut cur)?;
            Ok(layout)
        });
        let mut failed = None;
        for piece in rx.iter() {
            if let Err(e) = f(piece) {
                failed = Some(e);
                break;
            }
        }
        drop(rx);
        let walked = match cutter.join() {
            Ok(r) => r,
            Err(panic) => std::panic::resume_unwind(panic),
        };
        match failed {
            Some(e) => Err(e),
            None => walked,
        }
    })
}

fn check_trailing(buf: &[u8], end: usize) -> Result<()> {
    let j = skip_ws(buf, end);
    if j < buf.len() {
        return Err(Error::at(
            j,
            "unexpected data after the end of the JSON document",
        ));
    }
    Ok(())
}

/// Cut the array at `i` into records; returns the index after the array.
fn walk_array<'a>(
    buf: &'a [u8],
    i: usize,
    section: Section,
    f: &mut impl FnMut(Event<'a>) -> Result<()>,
) -> Result<usize> {
    let mut c = Cursor::new(buf, i);
    c.begin_array()?;
    walk_elements(buf, Resume::at_open(c.pos), section, |start, end| {
        f(Event::Record {
            section,
            start,
            end,
        })
    })
}

/// Where the walk of an array's elements can take up: a position between elements and whether no element
/// has been taken yet (the cursor state of [`Cursor::next_elem`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Resume {
    pub pos: usize,
    pub first: bool,
}

impl Resume {
    /// Right after the array's `[`.
    pub fn at_open(pos: usize) -> Resume {
        Resume { pos, first: true }
    }
    /// Right after an element that ended at `pos`.
    pub fn after(pos: usize) -> Resume {
        Resume { pos, first: false }
    }
}

/// The elements of a section array from `from` on, each checked to be an object and cut by the structural
/// fast path, given to `f` as byte ranges: the walk of [`scan_top`]. Returns the position after the `]`.
pub fn walk_elements(
    buf: &[u8],
    from: Resume,
    section: Section,
    mut f: impl FnMut(usize, usize) -> Result<()>,
) -> Result<usize> {
    let mut c = Cursor::new(buf, from.pos);
    let mut first = from.first;
    while c.next_elem(&mut first)? {
        let start = c.pos;
        if buf.get(start) != Some(&b'{') {
            skip_value(buf, start)?;
            return Err(Error::at(
                start,
                format!("each element of \"{}\" must be an object", section.key()),
            ));
        }
        let end = skip_value_fast(buf, start)?;
        f(start, end)?;
        c.pos = end;
    }
    Ok(c.pos)
}

/// How [`walk_records`] stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecordsStop {
    /// Before the record starting at `next` (not taken); the last record taken ended at `after`.
    Next { next: usize, after: usize },
    /// At the end of the array: the position after its `]`.
    End(usize),
    /// At something only [`walk_elements`] reports exactly (not an object, broken structure, a bad
    /// separator): it takes up from here, or, for `None`, from before the first record.
    Broken(Option<Resume>),
}

/// The records of an array from `start` (a record's first byte, after a separator), one after the other,
/// as one worker's share of a parallel walk: each is handed to `take`, which handles it and returns where
/// it ended when it parsed it (`None`: its end is found by the structural skip, as [`walk_elements`]
/// does), with a result kept in `out` together with its byte range. Stops before the first record
/// starting at or after `limit` or more than `max_bytes` after `start`, at the end of the array, or at
/// anything [`walk_elements`] would report (a record whose end is unknown is then not kept).
///
/// The walk is exact from an exact start: a caller that guessed `start` checks it against the `next` of
/// the walk before it.
pub fn walk_records<T>(
    buf: &[u8],
    start: usize,
    limit: usize,
    max_bytes: usize,
    out: &mut Vec<(usize, usize, T)>,
    mut take: impl FnMut(usize) -> (Option<usize>, T),
) -> RecordsStop {
    let mut pos = start;
    let mut before = None;
    loop {
        if buf.get(pos) != Some(&b'{') {
            return RecordsStop::Broken(before);
        }
        let (end, t) = take(pos);
        let end = match end {
            Some(end) => end,
            None => match skip_value_fast(buf, pos) {
                Ok(end) => end,
                Err(_) => return RecordsStop::Broken(before),
            },
        };
        out.push((pos, end, t));
        let j = skip_ws(buf, end);
        match buf.get(j) {
            Some(b',') => {
                let next = skip_ws(buf, j + 1);
                if next >= limit || next - start > max_bytes {
                    return RecordsStop::Next { next, after: end };
                }
                before = Some(Resume::after(end));
                pos = next;
            }
            Some(b']') => return RecordsStop::End(j + 1),
            _ => return RecordsStop::Broken(Some(Resume::after(end))),
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn par_map_ordered_reports_the_first_error_in_order() {
        let items: Vec<usize> = (0..20_000).collect();
        for _ in 0..20 {
            let r = par_map_ordered(&items, |&i| {
                if i % 997 == 5 {
                    Err(Error::at(i, "bad"))
                } else {
                    Ok(i * 2)
                }
            });
            assert_eq!(r.unwrap_err().offset, Some(5));
        }
        let ok = par_map_ordered(&items, |&i| Ok(i + 1)).unwrap();
        assert!(ok.iter().enumerate().all(|(i, &v)| v == i + 1));
    }

    pub(crate) const DS: &str = r#"{"info": {"v": 1.0}, "categories": [{"id": 1, "name": "person", "supercategory": "human", "extra": [1]}],
      "images": [{"id": 7, "width": 640, "height": 480, "file_name": "a.jpg", "license": 3}],
      "annotations": [
        {"id": 900100000257, "image_id": 7, "category_id": 1, "iscrowd": 1, "area": 10.5, "bbox": [1, 2, 3, 4],
         "segmentation": {"size": [480, 640], "counts": [5, 10, 307185]}},
        {"id": 2, "image_id": 7, "category_id": 1, "iscrowd": 0, "segmentation": [[1.5, 2, 3, 4, 5, 6]], "keypoints": [1,2,2]},
        {"id": 3, "image_id": 7, "category_id": 1, "segmentation": {"size": [2, 3], "counts": "a\\b"}},
        {"id": 4, "image_id": 7, "category_id": 1, "segmentation": []}
      ]}"#;

    #[test]
    fn batched_walk_gives_the_same_events_grouped() {
        let ds = br#"{"annotations": [{"id": 1}, {"id": 2}, {"id": 3}], "info": {"a": 1},
            "images": [{"id": 7}], "categories": [], "x": 2}"#;
        let mut plain = Vec::new();
        let l1 = scan_top(ds, |ev| {
            plain.push(format!("{ev:?}"));
            Ok(())
        })
        .unwrap();
        let mut batched = Vec::new();
        let mut sizes = Vec::new();
        let l2 = scan_top_batched(ds, 2, |chunk| {
            match chunk {
                Chunk::Records { section, records } => {
                    sizes.push(records.len());
                    for (start, end) in records {
                        batched.push(format!(
                            "{:?}",
                            Event::Record {
                                section,
                                start,
                                end
                            }
                        ));
                    }
                }
                Chunk::Event(ev) => batched.push(format!("{ev:?}")),
            }
            Ok(())
        })
        .unwrap();
        assert_eq!((l1, plain), (l2, batched));
        assert_eq!(sizes, [2, 1, 1]);
    }

    #[test]
    fn batched_walk_reports_the_first_error_in_file_order() {
        // The consumer fails on the first batch: its error wins over the walk's later syntax error.
        let bad = br#"{"annotations": [{"id": 1}, {"id": 2}, {"id": 3}] "#;
        let e = scan_top_batched(bad, 1, |_| Err(Error::at(3, "consumer"))).unwrap_err();
        assert_eq!(e.msg, "consumer");
        // Otherwise the walk's error comes after every chunk before it was handed out.
        let mut seen = 0;
        let e = scan_top_batched(bad, 1, |_| {
            seen += 1;
            Ok(())
        })
        .unwrap_err();
        assert_eq!(seen, 5, "SectionStart, three records, SectionEnd");
        assert!(e.offset.is_some(), "{e}");
    }
}
