//! Sharded evaluation: what `accumulate` needs from a COCOeval run on some of the images (a "partial"), its
//! versioned binary format, and the merge of partials back into one [`Evaluation`].
//!
//! pycocotools' `accumulate` reads, per category × area range × image, the kept detections' scores, their
//! matches per IoU threshold and ignore flags (`dtScores`, `dtMatches`, `dtIgnore`), and the count of
//! non-ignored ground truths (`gtIgnore`). A partial holds exactly that for the images of its shard: the
//! detections' outcome bytes (true positive / false positive / ignored, as `evaluate` leaves them) and
//! scores, cell by cell with the image's position in the evaluation's sorted image ids; and, for every
//! category and area range, the count of non-ignored ground truths over *all* images (it depends on the
//! ground truth and the parameters only, so every partial of one evaluation holds the same counts, and images
//! no shard holds results for count with their ground truths, as in a one-shot run).
//!
//! Order is what makes a merge bit-identical: `accumulate` concatenates cells in image-id order and sorts
//! the scores with a stable mergesort, so tied scores rank by image. [`merge`] therefore lays the cells of
//! all partials out in (category, image position) order before accumulating, whatever order the partials
//! come in.
//!
//! Refused: partials of different ground truths (a 128-bit XXH3 of the file's bytes), different parameters
//! (XXH3 of their encoding; the first differing one is named), different `loadRes` branches (pycocotools
//! picks one from the first result of each results file), and shards that share an image.
//!
//! Not here: reading the input files or writing the checkpoint file (see `ops::eval_shard`). The format
//! (little-endian) is documented in docs/SHARDING.md; [`VERSION`] changes with it.

use std::collections::HashMap;

use xxhash_rust::xxh3::{xxh3_128, xxh3_64};

use super::cell::Cell;
use super::evaluate::{Evaluation, IGNORED};
use super::load::Record;
use super::params::{EvalParams, IouType};
use crate::{Error, Result};

/// The file's first bytes.
pub const MAGIC: &[u8; 16] = b"cocokit-partial\n";
/// The format version this build writes and reads.
pub const VERSION: u32 = 1;
/// Magic, version, body length, body checksum.
const HEADER_LEN: usize = 16 + 4 + 8 + 8;

/// The 128-bit fingerprint of a ground-truth file (XXH3 of its bytes).
pub fn fingerprint(bytes: &[u8]) -> u128 {
    xxh3_128(bytes)
}

/// Which `loadRes` branch read the results: pycocotools decides on the first result of the file (a
/// non-empty `bbox`: boxes; else a `segmentation`: masks; else keypoints), and the branch changes areas.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResultsBranch {
    /// No results in the shard's file.
    Empty = 0,
    Boxes = 1,
    Masks = 2,
    Keypoints = 3,
}

impl ResultsBranch {
    /// The branch `loadRes` takes for these results (the checks on them are `prepare`'s).
    pub(crate) fn of(records: &[Record<'_>]) -> ResultsBranch {
        match records.first() {
            None => ResultsBranch::Empty,
            Some(r) if r.bbox.is_some() => ResultsBranch::Boxes,
            Some(r) if r.seg.is_some() => ResultsBranch::Masks,
            Some(_) => ResultsBranch::Keypoints,
        }
    }

    fn name(self) -> &'static str {
        match self {
            ResultsBranch::Empty => "empty",
            ResultsBranch::Boxes => "boxes (the first result has a bbox)",
            ResultsBranch::Masks => "masks (the first result has a segmentation and no bbox)",
            ResultsBranch::Keypoints => "keypoints (the first result has only keypoints)",
        }
    }
}

/// The evaluation state of one shard.
#[derive(Debug, Clone, PartialEq)]
pub struct Partial {
    /// Fingerprint of the ground-truth file ([`fingerprint`]).
    pub gt_fingerprint: u128,
    /// The parameters as evaluation resolved them (all images of the ground truth).
    pub params: EvalParams,
    pub branch: ResultsBranch,
    /// Category id and name, from the ground truth (for the per-class report).
    pub categories: Vec<(i64, String)>,
    /// The images this shard holds the results of (sorted, unique).
    pub shard: Vec<i64>,
    /// `[k][a]`: ground truths not ignored, over all images.
    npig: Vec<u64>,
    /// Cells with detections: (category index, image position, detections kept).
    cells: Vec<[u32; 3]>,
    /// The cells' scores, one after the other.
    scores: Vec<f64>,
    /// The cells' outcomes, `[a][t][d]` each, one after the other.
    states: Vec<u8>,
}

impl Partial {
    /// The state of `ev`, an evaluation over all images, for the images of `shard` (cells of other images,
    /// which hold no results or only the first result of the file, are left out).
    pub fn of_evaluation(
        ev: &Evaluation,
        gt_fingerprint: u128,
        branch: ResultsBranch,
        categories: Vec<(i64, String)>,
        mut shard: Vec<i64>,
    ) -> Partial {
        shard.sort_unstable();
        shard.dedup();
        let p = &ev.params;
        let a_n = p.area_rng.len();
        let mut npig = vec![0u64; p.n_cats() * a_n];
        let (mut cells, mut scores, mut states) = (Vec::new(), Vec::new(), Vec::new());
        for (c, cell) in ev.cells.iter().enumerate() {
            let k = cell.k as usize;
            for a in 0..a_n {
                npig[k * a_n + a] += u64::from(ev.npig[c * a_n + a]);
            }
            let in_shard = p
                .img_ids
                .get(cell.img as usize)
                .is_some_and(|id| shard.binary_search(id).is_ok());
            if cell.dt_len == 0 || !in_shard {
                continue;
            }
            cells.push([cell.k, cell.img, cell.dt_len]);
            let d0 = cell.dt_start as usize;
            scores.extend_from_slice(&ev.dt_score[d0..d0 + cell.dt_len as usize]);
            states.extend_from_slice(&ev.states[ev.state_off[c]..ev.state_off[c + 1]]);
        }
        Partial {
            gt_fingerprint,
            params: p.clone(),
            branch,
            categories,
            shard,
            npig,
            cells,
            scores,
            states,
        }
    }

    /// Number of detections held.
    pub fn detections(&self) -> usize {
        self.scores.len()
    }

    /// The checkpoint file's bytes.
    pub fn encode(&self) -> Vec<u8> {
        let mut b = Vec::with_capacity(1024 + self.states.len() + 8 * self.scores.len());
        b.extend_from_slice(&self.gt_fingerprint.to_le_bytes());
        let params = encode_params(&self.params);
        b.extend_from_slice(&xxh3_128(&params).to_le_bytes());
        put_len(&mut b, params.len());
        b.extend_from_slice(&params);
        b.push(self.branch as u8);
        put_len(&mut b, self.categories.len());
        for (id, name) in &self.categories {
            b.extend_from_slice(&id.to_le_bytes());
            put_str(&mut b, name);
        }
        put_len(&mut b, self.shard.len());
        for id in &self.shard {
            b.extend_from_slice(&id.to_le_bytes());
        }
        put_len(&mut b, self.npig.len());
        for v in &self.npig {
            b.extend_from_slice(&v.to_le_bytes());
        }
        put_len(&mut b, self.cells.len());
        for cell in &self.cells {
            for v in cell {
                b.extend_from_slice(&v.to_le_bytes());
            }
        }
        for s in &self.scores {
            b.extend_from_slice(&s.to_bits().to_le_bytes());
        }
        b.extend_from_slice(&self.states);

        let mut out = Vec::with_capacity(HEADER_LEN + b.len());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&VERSION.to_le_bytes());
        out.extend_from_slice(&(b.len() as u64).to_le_bytes());
        out.extend_from_slice(&xxh3_64(&b).to_le_bytes());
        out.extend_from_slice(&b);
        out
    }

    /// Read a checkpoint file's bytes; every defect is a one-line error with its byte offset.
    pub fn decode(bytes: &[u8]) -> Result<Partial> {
        if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
            return Err(Error::msg(
                "not a cocokit partial evaluation (made by `cocokit eval coco --partial`)",
            ));
        }
        let mut c = Cursor {
            buf: bytes,
            pos: MAGIC.len(),
        };
        let version = c.u32()?;
        if version != VERSION {
            return Err(Error::msg(format!(
                "partial evaluation format version {version}; this cocokit reads version {VERSION}"
            )));
        }
        let len = c.u64()?;
        let sum = c.u64()?;
        let body = &bytes[HEADER_LEN..];
        if body.len() as u64 != len {
            return Err(Error::msg(format!(
                "truncated or extended partial evaluation: {} bytes of body, the header says {len}",
                body.len()
            )));
        }
        if xxh3_64(body) != sum {
            return Err(Error::msg(
                "corrupt partial evaluation: its checksum does not match its contents",
            ));
        }
        let gt_fingerprint = c.u128()?;
        let params_hash = c.u128()?;
        let n = c.len(1)?;
        let at = c.pos;
        let raw = c.take(n)?;
        if xxh3_128(raw) != params_hash {
            return Err(Error::at(at, "corrupt parameters (fingerprint mismatch)"));
        }
        // The parameters are read from their own section only.
        let mut pc = Cursor {
            buf: &bytes[..c.pos],
            pos: at,
        };
        let params = decode_params(&mut pc)?;
        if pc.pos != c.pos {
            return Err(Error::at(pc.pos, "corrupt parameters (trailing bytes)"));
        }
        let at = c.pos;
        let branch = match c.take(1)?[0] {
            0 => ResultsBranch::Empty,
            1 => ResultsBranch::Boxes,
            2 => ResultsBranch::Masks,
            3 => ResultsBranch::Keypoints,
            v => return Err(Error::at(at, format!("unknown results branch {v}"))),
        };
        let n = c.len(12)?;
        let mut categories = Vec::with_capacity(n);
        for _ in 0..n {
            let id = c.i64()?;
            categories.push((id, c.string()?));
        }
        let n = c.len(8)?;
        let shard = (0..n).map(|_| c.i64()).collect::<Result<Vec<_>>>()?;
        let (k_n, a_n, t_n) = (
            params.n_cats(),
            params.area_rng.len(),
            params.iou_thrs.len(),
        );
        let at = c.pos;
        let n = c.len(8)?;
        if n != k_n * a_n {
            return Err(Error::at(
                at,
                format!("{n} ground-truth counts for {k_n} categories x {a_n} area ranges"),
            ));
        }
        let npig = (0..n).map(|_| c.u64()).collect::<Result<Vec<_>>>()?;
        let n = c.len(12)?;
        let mut cells = Vec::with_capacity(n);
        let (mut dets, mut prev) = (0usize, None);
        for _ in 0..n {
            let at = c.pos;
            let cell = [c.u32()?, c.u32()?, c.u32()?];
            let (k, img) = (cell[0] as usize, cell[1] as usize);
            let id = params.img_ids.get(img).copied();
            let bad = if k >= k_n || id.is_none() {
                Some("a cell outside the categories or images")
            } else if prev.is_some_and(|p| p >= (cell[0], cell[1])) {
                Some("cells out of order")
            } else if cell[2] == 0 {
                Some("a cell without detections")
            } else if id.is_some_and(|id| shard.binary_search(&id).is_err()) {
                Some("a cell of an image outside the shard")
            } else {
                None
            };
            if let Some(what) = bad {
                return Err(Error::at(at, format!("corrupt partial evaluation: {what}")));
            }
            prev = Some((cell[0], cell[1]));
            dets += cell[2] as usize;
            cells.push(cell);
        }
        let at = c.pos;
        let raw = c.take(
            dets.checked_mul(8)
                .ok_or_else(|| Error::at(at, "too many detections"))?,
        )?;
        let scores: Vec<f64> = raw
            .chunks_exact(8)
            .map(|s| f64::from_bits(u64::from_le_bytes(s.try_into().unwrap_or([0; 8]))))
            .collect();
        if let Some(i) = scores.iter().position(|s| s.is_nan()) {
            return Err(Error::at(
                at + 8 * i,
                "corrupt partial evaluation: a NaN score",
            ));
        }
        let at = c.pos;
        let n_states = dets
            .checked_mul(a_n * t_n)
            .ok_or_else(|| Error::at(at, "too many detections"))?;
        let states = c.take(n_states)?.to_vec();
        if let Some(i) = states.iter().position(|&s| s > IGNORED) {
            return Err(Error::at(
                at + i,
                "corrupt partial evaluation: an unknown outcome",
            ));
        }
        if c.pos != bytes.len() {
            return Err(Error::at(
                c.pos,
                "corrupt partial evaluation: trailing bytes",
            ));
        }
        Ok(Partial {
            gt_fingerprint,
            params,
            branch,
            categories,
            shard,
            npig,
            cells,
            scores,
            states,
        })
    }
}

/// Merge the partials of a split of the images (`(name, partial)`; names are for errors) into the
/// [`Evaluation`] a one-shot run over all their results would give, and the categories' names.
pub fn merge(parts: &[(String, Partial)]) -> Result<(Evaluation, Vec<(i64, String)>)> {
    let Some((first_name, first)) = parts.first() else {
        return Err(Error::msg("no partial evaluations to merge"));
    };
    let mut owner: HashMap<i64, usize> = HashMap::new();
    for (i, (name, p)) in parts.iter().enumerate() {
        let both = |what: String| Error::msg(format!("{first_name} and {name}: {what}"));
        if p.gt_fingerprint != first.gt_fingerprint || p.npig != first.npig {
            return Err(both(format!(
                "made with different ground truths (fingerprints {:032x} and {:032x})",
                first.gt_fingerprint, p.gt_fingerprint
            )));
        }
        if let Some(field) = params_difference(&first.params, &p.params) {
            return Err(both(format!(
                "made with different parameters ({field} differ)"
            )));
        }
        if p.categories != first.categories {
            return Err(both("made with different category names".into()));
        }
        if let Some(b) = parts[..i].iter().map(|(_, q)| q.branch).find(|&b| {
            b != p.branch && b != ResultsBranch::Empty && p.branch != ResultsBranch::Empty
        }) {
            return Err(both(format!(
                "results read differently by loadRes: {} vs {}",
                b.name(),
                p.branch.name()
            )));
        }
        for &id in &p.shard {
            if let Some(j) = owner.insert(id, i) {
                return Err(Error::msg(format!(
                    "{} and {name} both hold image {id}: shards must not overlap",
                    parts[j].0
                )));
            }
        }
    }

    let params = first.params.clone();
    let (k_n, a_n, t_n) = (
        params.n_cats(),
        params.area_rng.len(),
        params.iou_thrs.len(),
    );
    // Every cell of every partial, in (category, image position) order: accumulate's order.
    let mut order: Vec<(u32, u32, u32, u32)> = Vec::new(); // (k, img, partial, cell)
    let mut firsts: Vec<Vec<(usize, usize)>> = Vec::with_capacity(parts.len()); // per cell: score, state start
    for (pi, (_, p)) in parts.iter().enumerate() {
        let (mut d, mut s) = (0usize, 0usize);
        let mut f = Vec::with_capacity(p.cells.len());
        for (ci, cell) in p.cells.iter().enumerate() {
            order.push((cell[0], cell[1], pi as u32, ci as u32));
            f.push((d, s));
            d += cell[2] as usize;
            s += cell[2] as usize * a_n * t_n;
        }
        firsts.push(f);
    }
    order.sort_unstable();
    let total: usize = parts.iter().map(|(_, p)| p.scores.len()).sum();
    let mut cells = Vec::with_capacity(order.len() + k_n);
    let mut dt_score = Vec::with_capacity(total);
    let mut states = Vec::with_capacity(total * a_n * t_n);
    let mut state_off = Vec::with_capacity(order.len() + k_n + 1);
    let mut npig = Vec::with_capacity((order.len() + k_n) * a_n);
    let mut next = order.iter().peekable();
    for k in 0..k_n as u32 {
        while let Some(&&(_, img, pi, ci)) = next.peek().filter(|o| o.0 == k) {
            next.next();
            let p = &parts[pi as usize].1;
            let dt_len = p.cells[ci as usize][2];
            let (d0, s0) = firsts[pi as usize][ci as usize];
            cells.push(cell(k, img, dt_score.len(), dt_len));
            state_off.push(states.len());
            dt_score.extend_from_slice(&p.scores[d0..d0 + dt_len as usize]);
            states.extend_from_slice(&p.states[s0..s0 + dt_len as usize * a_n * t_n]);
            npig.extend(std::iter::repeat_n(0, a_n));
        }
        // The ground-truth counts of all images, as one cell without detections after the category's others.
        let counts = &first.npig[k as usize * a_n..(k as usize + 1) * a_n];
        if counts.iter().any(|&v| v > 0) {
            cells.push(cell(k, u32::MAX, dt_score.len(), 0));
            state_off.push(states.len());
            for &v in counts {
                npig.push(u32::try_from(v).map_err(|_| {
                    Error::msg(format!(
                        "{first_name}: more ground truths than this build counts"
                    ))
                })?);
            }
        }
    }
    state_off.push(states.len());
    let ev = Evaluation {
        params,
        cells,
        dt_score,
        states,
        state_off,
        npig,
    };
    Ok((ev, first.categories.clone()))
}

fn cell(k: u32, img: u32, dt_start: usize, dt_len: u32) -> Cell {
    Cell {
        k,
        img,
        gt_start: 0,
        gt_len: 0,
        dt_start: dt_start as u32,
        dt_len,
        unmatched_ignored: false,
    }
}

/// The first parameter that differs, named for the user.
fn params_difference(a: &EvalParams, b: &EvalParams) -> Option<&'static str> {
    let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    let rng = |v: &[[f64; 2]]| v.iter().flatten().map(|x| x.to_bits()).collect::<Vec<_>>();
    if a.iou_type != b.iou_type {
        Some("iou types")
    } else if a.img_ids != b.img_ids {
        Some("image ids")
    } else if a.cat_ids != b.cat_ids {
        Some("category ids")
    } else if a.use_cats != b.use_cats {
        Some("use of categories")
    } else if bits(&a.iou_thrs) != bits(&b.iou_thrs) {
        Some("IoU thresholds")
    } else if bits(&a.rec_thrs) != bits(&b.rec_thrs) {
        Some("recall thresholds")
    } else if a.max_dets != b.max_dets {
        Some("max dets")
    } else if rng(&a.area_rng) != rng(&b.area_rng) || a.area_rng_lbl != b.area_rng_lbl {
        Some("area ranges")
    } else if bits(&a.kpt_oks_sigmas) != bits(&b.kpt_oks_sigmas) {
        Some("keypoint sigmas")
    } else if a.dilation_ratio.to_bits() != b.dilation_ratio.to_bits() {
        Some("dilation ratios")
    } else {
        None
    }
}

fn put_len(b: &mut Vec<u8>, n: usize) {
    b.extend_from_slice(&(n as u64).to_le_bytes());
}

fn put_str(b: &mut Vec<u8>, s: &str) {
    put_len(b, s.len());
    b.extend_from_slice(s.as_bytes());
}

fn put_f64s(b: &mut Vec<u8>, v: &[f64]) {
    put_len(b, v.len());
    for x in v {
        b.extend_from_slice(&x.to_bits().to_le_bytes());
    }
}

fn put_i64s(b: &mut Vec<u8>, v: &[i64]) {
    put_len(b, v.len());
    for x in v {
        b.extend_from_slice(&x.to_le_bytes());
    }
}

fn encode_params(p: &EvalParams) -> Vec<u8> {
    let mut b = Vec::new();
    b.push(match p.iou_type {
        IouType::Bbox => 0,
        IouType::Segm => 1,
        IouType::Keypoints => 2,
        IouType::Boundary => 3,
    });
    b.push(u8::from(p.use_cats));
    put_i64s(&mut b, &p.img_ids);
    put_i64s(&mut b, &p.cat_ids);
    put_f64s(&mut b, &p.iou_thrs);
    put_f64s(&mut b, &p.rec_thrs);
    put_len(&mut b, p.max_dets.len());
    for &m in &p.max_dets {
        b.extend_from_slice(&(m as u64).to_le_bytes());
    }
    let flat: Vec<f64> = p.area_rng.iter().flatten().copied().collect();
    put_f64s(&mut b, &flat);
    put_len(&mut b, p.area_rng_lbl.len());
    for l in &p.area_rng_lbl {
        put_str(&mut b, l);
    }
    put_f64s(&mut b, &p.kpt_oks_sigmas);
    b.extend_from_slice(&p.dilation_ratio.to_bits().to_le_bytes());
    b
}

fn decode_params(c: &mut Cursor<'_>) -> Result<EvalParams> {
    let at = c.pos;
    let iou_type = match c.take(1)?[0] {
        0 => IouType::Bbox,
        1 => IouType::Segm,
        2 => IouType::Keypoints,
        3 => IouType::Boundary,
        v => return Err(Error::at(at, format!("unknown iou type {v}"))),
    };
    let use_cats = c.take(1)?[0] != 0;
    let img_ids = c.i64s()?;
    let cat_ids = c.i64s()?;
    let iou_thrs = c.f64s()?;
    let rec_thrs = c.f64s()?;
    let n = c.len(8)?;
    let max_dets = (0..n)
        .map(|_| c.u64().map(|v| v as usize))
        .collect::<Result<Vec<_>>>()?;
    let at = c.pos;
    let flat = c.f64s()?;
    if flat.len() % 2 != 0 {
        return Err(Error::at(at, "an odd number of area range bounds"));
    }
    let area_rng = flat.chunks_exact(2).map(|r| [r[0], r[1]]).collect();
    let n = c.len(8)?;
    let area_rng_lbl = (0..n).map(|_| c.string()).collect::<Result<Vec<_>>>()?;
    let kpt_oks_sigmas = c.f64s()?;
    let dilation_ratio = f64::from_bits(c.u64()?);
    let p = EvalParams {
        iou_type,
        img_ids,
        cat_ids,
        iou_thrs,
        rec_thrs,
        max_dets,
        area_rng,
        area_rng_lbl,
        use_cats,
        kpt_oks_sigmas,
        dilation_ratio,
    };
    if p.area_rng.len() != p.area_rng_lbl.len() || p.iou_thrs.is_empty() || p.max_dets.is_empty() {
        return Err(Error::at(at, "inconsistent parameters"));
    }
    Ok(p)
}

/// Bounds-checked little-endian reads; errors carry the byte offset.
struct Cursor<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.buf.len());
        let Some(end) = end else {
            return Err(Error::at(
                self.pos,
                "truncated partial evaluation: the file ends inside a record",
            ));
        };
        let s = &self.buf[self.pos..end];
        self.pos = end;
        Ok(s)
    }
    fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let s = self.take(N)?;
        let mut a = [0u8; N];
        a.copy_from_slice(s);
        Ok(a)
    }
    fn u32(&mut self) -> Result<u32> {
        self.array().map(u32::from_le_bytes)
    }
    fn u64(&mut self) -> Result<u64> {
        self.array().map(u64::from_le_bytes)
    }
    fn i64(&mut self) -> Result<i64> {
        self.array().map(i64::from_le_bytes)
    }
    fn u128(&mut self) -> Result<u128> {
        self.array().map(u128::from_le_bytes)
    }
    /// A count of items of at least `min_size` bytes each, checked against what is left of the file.
    fn len(&mut self, min_size: usize) -> Result<usize> {
        let at = self.pos;
        let n = self.u64()?;
        let left = (self.buf.len() - self.pos) as u64;
        if n.saturating_mul(min_size as u64) > left {
            return Err(Error::at(
                at,
                format!("truncated partial evaluation: {n} items announced, {left} bytes left"),
            ));
        }
        Ok(n as usize)
    }
    fn string(&mut self) -> Result<String> {
        let n = self.len(1)?;
        let at = self.pos;
        let s = self.take(n)?;
        String::from_utf8(s.to_vec()).map_err(|_| Error::at(at, "a name that is not UTF-8"))
    }
    fn i64s(&mut self) -> Result<Vec<i64>> {
        let n = self.len(8)?;
        (0..n).map(|_| self.i64()).collect()
    }
    fn f64s(&mut self) -> Result<Vec<f64>> {
        let n = self.len(8)?;
        (0..n).map(|_| self.u64().map(f64::from_bits)).collect()
    }
}
