//! A COCO dataset (or a `loadRes` results set) kept on the Rust side, for the Python `COCO` class: the
//! evaluation reader's records of the file (`cocokit::eval::cocoeval::load`, segmentations checked but
//! not kept), detached from the file's bytes, which are dropped once read; plus the ids that pycocotools'
//! `getImgIds` / `getCatIds` / `getAnnIds` return. No Python dict is built until the Python side asks for
//! the whole value (`to_python`, what `json.load` returns: the file is read again then), and `COCOeval` on
//! two such objects runs wholly in the engine (`evaluate_datasets`, the path of `cocokit eval coco`; a
//! mask evaluation reads both files again for their segmentations).
//!
//! Reading again is checked: a file whose length, modification time or inode changed since it was loaded
//! raises an error naming it instead of giving other data than the object was made from. Keeping the
//! bytes instead would keep both files resident for the object's lifetime (a third of the peak memory of a
//! box evaluation), and mapping them was rejected: a file truncated under a live mapping kills the process
//! (SIGBUS).
//!
//! What it is not: a second reader or a second `loadRes` (the engine's `prepare` applies `loadRes`' rules),
//! nor an answer to every query. `load` and `load_results` return `None` whenever the file is one whose
//! Python objects would behave differently from these indexes (a record the reader refuses, an annotation
//! without `id`, duplicate ids, no images, annotations or categories, a caption or empty results list, a
//! result on an unknown image): the Python side then takes pycocotools' own path, errors included.

use std::fs::File;
use std::io;
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::SystemTime;

use cocokit::coco::reader::{parse_annotation, SegMode};
use cocokit::eval::cocoeval::load::{EvalGt, EvalResults, RecordKeys};
use cocokit::eval::cocoeval::{self, IouType, Params};
use foldhash::{HashMap, HashMapExt, HashSet};
use pyo3::prelude::*;
use pyo3::types::PyList;
use rayon::prelude::*;

use crate::eval::{interruptible_on, NativeEvaluation};
use crate::{err, json};

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(load_dataset, m)?)?;
    m.add_function(wrap_pyfunction!(evaluate_datasets, m)?)?;
    m.add_class::<NativeDataset>()?;
    Ok(())
}

/// What identifies the content of a file read earlier, short of reading it: length, modification time
/// and inode (a file replaced by a rename has another inode).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    len: u64,
    modified: Option<SystemTime>,
    dev: u64,
    ino: u64,
}

impl Stamp {
    fn of(meta: &std::fs::Metadata) -> Stamp {
        Stamp {
            len: meta.len(),
            modified: meta.modified().ok(),
            dev: meta.dev(),
            ino: meta.ino(),
        }
    }
}

/// The file a dataset was read from, to read it again.
struct Source {
    path: PathBuf,
    stamp: Stamp,
}

/// The buffer of the last ground-truth file read, kept for the next read (usually `loadRes`' results):
/// its pages are then already in place. Faulting fresh pages in is most of the cost of reading a file
/// into memory (more than copying it), and a results file is usually larger than its ground truth, so the
/// buffer is made up to twice the file's size (the part not written is not resident).
static SPARE: Mutex<Vec<u8>> = Mutex::new(Vec::new());

fn take_spare() -> Vec<u8> {
    SPARE
        .lock()
        .map(|mut s| std::mem::take(&mut *s))
        .unwrap_or_default()
}

fn keep_spare(buf: Vec<u8>) {
    if let Ok(mut s) = SPARE.lock() {
        *s = buf;
    }
}

/// Files are read in pieces (at most 16, at least this large) by the thread pool.
const MIN_PIECE: usize = 1 << 20;

/// The bytes of `path` (in `buf[..len]`: `buf` may be longer, see [`SPARE`]) and its [`Stamp`]. A regular
/// file is read into the spare buffer when it is large enough, else into a fresh zeroed one (its pages are
/// faulted in by the reads, on the pool's threads at once); anything else as `std::fs::read` reads it.
fn read_file(path: &Path, spare_room: bool) -> io::Result<(Vec<u8>, usize, Stamp)> {
    let file = File::open(path)?;
    let meta = file.metadata()?;
    let stamp = Stamp::of(&meta);
    let len = usize::try_from(meta.len()).map_err(|_| io::Error::other("file too large"))?;
    if !meta.is_file() {
        let bytes = std::fs::read(path)?;
        let n = bytes.len();
        return Ok((bytes, n, stamp));
    }
    let mut buf = take_spare();
    if buf.len() < len {
        drop(buf);
        // Room for a results file twice as large, up to 1 GiB more: address space, not memory, but a
        // single allocation far beyond the machine's memory may be refused.
        let room = if spare_room {
            len.saturating_add(len.min(1 << 30))
        } else {
            len
        };
        buf = vec![0u8; room];
    }
    let dst = buf
        .get_mut(..len)
        .ok_or_else(|| io::Error::other("read buffer"))?;
    // Pieces rather than halves: the spare's pages are in place at its start only, so equal halves would
    // be unequal work.
    let piece = (len / 16).max(MIN_PIECE);
    dst.par_chunks_mut(piece)
        .enumerate()
        .try_for_each(|(i, chunk)| {
            populate(chunk);
            file.read_exact_at(chunk, (i * piece) as u64)
        })?;
    // Written to while read: read it as a whole, as `std::fs::read` would.
    if Stamp::of(&file.metadata()?) != stamp {
        let bytes = std::fs::read(path)?;
        let n = bytes.len();
        return Ok((bytes, n, Stamp::of(&std::fs::metadata(path)?)));
    }
    Ok((buf, len, stamp))
}

/// Maps in the whole pages of `chunk` at once before it is read into (Linux' `MADV_POPULATE_WRITE`): a
/// fresh page faulted in by the read's copy costs more than one mapped in a batch (reading 33 MB into
/// fresh memory on two threads: 8.6-9.1 ms instead of 10.4-11.3 ms, in C on this VM). Pages already in
/// place are left as they are; a kernel without it (before 5.14) refuses, and the read faults them in.
fn populate(chunk: &mut [u8]) {
    #[cfg(target_os = "linux")]
    {
        const PAGE: usize = 4096;
        let start = chunk.as_mut_ptr() as usize;
        let first = start.next_multiple_of(PAGE);
        let end = (start + chunk.len()) / PAGE * PAGE;
        if end > first {
            // SAFETY: [first, end) lies inside `chunk`, memory this process owns and may write; populating
            // its pages for writing changes no byte of it.
            unsafe {
                libc::madvise(
                    first as *mut libc::c_void,
                    end - first,
                    libc::MADV_POPULATE_WRITE,
                );
            }
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = chunk;
}

impl Source {
    /// The file's bytes again, or an error when it is no longer the file that was loaded.
    fn reread(&self) -> PyResult<Vec<u8>> {
        let changed = || {
            crate::msg(format!(
                "{}: the file changed since it was loaded (cocokit's COCO keeps what evaluation needs and \
                 reads the file again for the rest); load it again",
                self.path.display()
            ))
        };
        let (mut buf, len, stamp) = match read_file(&self.path, false) {
            Ok(r) => r,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(changed()),
            Err(e) => return Err(e.into()),
        };
        if stamp != self.stamp {
            return Err(changed());
        }
        buf.truncate(len);
        Ok(buf)
    }
}

/// A ground truth: records detached from the file.
struct Gt {
    src: Source,
    data: EvalGt<'static>,
}

/// A results set: records detached from the file.
struct Res {
    src: Source,
    data: EvalResults<'static>,
}

/// A dataset loaded by `COCO(path)`, or the results of `loadRes(path)` on one.
#[pyclass(module = "cocokit._native", name = "Dataset", frozen)]
pub(crate) struct NativeDataset {
    gt: Arc<Gt>,
    /// `Some` for a `loadRes` results set (its images and categories are `gt`'s).
    res: Option<Arc<Res>>,
    /// `imgToAnns` as positions, made on first use.
    by_img: OnceLock<HashMap<i64, Vec<u32>>>,
}

/// Whether `ids` holds no id twice.
fn distinct(ids: impl Iterator<Item = i64>) -> bool {
    let mut ids: Vec<i64> = ids.collect();
    ids.par_sort_unstable();
    ids.windows(2).all(|w| w[0] != w[1])
}

impl NativeDataset {
    /// The records' keys, in file order.
    fn keys(&self) -> Box<dyn ExactSizeIterator<Item = RecordKeys> + '_> {
        match &self.res {
            Some(r) => Box::new(r.data.keys()),
            None => Box::new(self.gt.data.annotation_keys()),
        }
    }

    /// Annotation (or result) ids, in file order; results are numbered from 1 as `loadRes` numbers them.
    fn id_of(&self, i: usize, k: &RecordKeys) -> i64 {
        match self.res {
            Some(_) => i as i64 + 1,
            None => k.id.unwrap_or_default(),
        }
    }

    fn by_img(&self) -> &HashMap<i64, Vec<u32>> {
        self.by_img.get_or_init(|| {
            let mut m: HashMap<i64, Vec<u32>> = HashMap::new();
            for (i, k) in self.keys().enumerate() {
                m.entry(k.image_id).or_default().push(i as u32);
            }
            m
        })
    }
}

/// `COCO(path)`'s dataset kept native, or `None` when the Python objects are needed from the start (see
/// the module header). A file that cannot be read raises the matching `OSError`.
#[pyfunction]
fn load_dataset(py: Python<'_>, path: PathBuf) -> PyResult<Option<NativeDataset>> {
    let (buf, len, stamp) = py.detach(|| read_file(&path, true))?;
    let parsed = py.detach(|| {
        let g = EvalGt::parse_owned(buf.get(..len).unwrap_or_default(), SegMode::Kind).ok()?;
        let keys_ok = !g.images.is_empty()
            && !g.categories.is_empty()
            && g.annotation_keys().len() > 0
            // createIndex raises KeyError('id')
            && g.annotation_keys().all(|k| k.id.is_some())
            // pycocotools' dicts keep the last of equal ids
            && distinct(g.images.iter().map(|i| i.id))
            && distinct(g.categories.iter().map(|c| c.id))
            && distinct(g.annotation_keys().map(|k| k.id.unwrap_or_default()));
        keys_ok.then_some(g)
    });
    keep_spare(buf);
    let Some(data) = parsed else { return Ok(None) };
    Ok(Some(NativeDataset {
        gt: Arc::new(Gt {
            src: Source { path, stamp },
            data,
        }),
        res: None,
        by_img: OnceLock::new(),
    }))
}

#[pymethods]
impl NativeDataset {
    /// `loadRes(path)` on this dataset, kept native, or `None` (see the module header).
    fn load_results(&self, py: Python<'_>, path: PathBuf) -> PyResult<Option<Self>> {
        if self.res.is_some() {
            return Ok(None);
        }
        let (buf, len, stamp) = py.detach(|| read_file(&path, false))?;
        let gt = &self.gt.data;
        let data = py.detach(|| {
            let bytes = buf.get(..len).unwrap_or_default();
            let r = EvalResults::parse_owned(bytes, SegMode::Kind).ok()?;
            // loadRes reads anns[0] (IndexError when empty) and takes the caption branch when the
            // first result has a caption.
            let first = r.keys().next()?;
            match parse_annotation(bytes, first.offset as usize) {
                Ok(a) if !a.extra.iter().any(|(k, _)| k == "caption") => {}
                _ => return None,
            }
            // "Results do not correspond to current coco set"
            let imgs: HashSet<i64> = gt.images.iter().map(|i| i.id).collect();
            let known = r.keys().all(|k| imgs.contains(&k.image_id));
            known.then_some(r)
        });
        // Unmapping 33 MB takes a few milliseconds: off the caller's path.
        let _ = std::thread::Builder::new().spawn(move || drop(buf));
        let Some(data) = data else { return Ok(None) };
        Ok(Some(NativeDataset {
            gt: Arc::clone(&self.gt),
            res: Some(Arc::new(Res {
                src: Source { path, stamp },
                data,
            })),
            by_img: OnceLock::new(),
        }))
    }

    /// Whether this is a results set made by `load_results` on `gt`.
    fn is_results_of(&self, gt: &NativeDataset) -> bool {
        self.res.is_some() && gt.res.is_none() && Arc::ptr_eq(&self.gt, &gt.gt)
    }

    /// The whole file as `json.load` returns it (a results set: its list of results, before `loadRes`
    /// adds anything), read again; an error when the file changed since it was loaded.
    fn to_python<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let src = match &self.res {
            Some(r) => &r.src,
            None => &self.gt.src,
        };
        let bytes = py.detach(|| src.reread())?;
        json::parse(py, &bytes).map_err(|e| crate::msg(e.to_string()))
    }

    /// Image ids in file order (`list(imgs.keys())`).
    fn img_ids<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        PyList::new(py, self.gt.data.images.iter().map(|i| i.id))
    }

    /// Category ids in file order.
    fn cat_ids<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        PyList::new(py, self.gt.data.categories.iter().map(|c| c.id))
    }

    /// `getAnnIds(imgIds, catIds)` without area or crowd filters: the annotations of `img_ids` (each in
    /// the order given, repeats repeated; all when empty) whose category is in `cat_ids` (all when empty).
    fn ann_ids<'py>(
        &self,
        py: Python<'py>,
        img_ids: Vec<i64>,
        cat_ids: Vec<i64>,
    ) -> PyResult<Bound<'py, PyList>> {
        let cats: HashSet<i64> = cat_ids.iter().copied().collect();
        let keep =
            |k: &RecordKeys| cats.is_empty() || k.category_id.is_some_and(|c| cats.contains(&c));
        let ids: Vec<i64> = if img_ids.is_empty() {
            self.keys()
                .enumerate()
                .filter(|(_, k)| keep(k))
                .map(|(i, k)| self.id_of(i, &k))
                .collect()
        } else {
            let keys: Vec<RecordKeys> = self.keys().collect();
            let by_img = self.by_img();
            img_ids
                .iter()
                .filter_map(|img| by_img.get(img))
                .flatten()
                .map(|&i| i as usize)
                .filter_map(|i| keys.get(i).map(|k| (i, k)))
                .filter(|(_, k)| keep(k))
                .map(|(i, k)| self.id_of(i, k))
                .collect()
        };
        PyList::new(py, ids)
    }

    /// `catToImgs[cat_id]`: the image id of every annotation of the category, in file order.
    fn cat_to_imgs<'py>(&self, py: Python<'py>, cat_id: i64) -> PyResult<Bound<'py, PyList>> {
        let imgs: Vec<i64> = self
            .keys()
            .filter(|k| k.category_id == Some(cat_id))
            .map(|k| k.image_id)
            .collect();
        PyList::new(py, imgs)
    }

    fn __len__(&self) -> usize {
        self.keys().len()
    }
}

/// `COCOeval(gt, gt.loadRes(path), iou_type).evaluate()` with the given parameters, wholly in the engine
/// (`cocoeval::evaluate_loaded`, with the GIL released): `dt` must be a results set of `gt`.
#[pyfunction]
#[allow(clippy::too_many_arguments)]
#[pyo3(signature = (gt, dt, iou_type, img_ids, cat_ids, iou_thrs, rec_thrs, max_dets, area_rng, area_rng_lbl, use_cats))]
fn evaluate_datasets(
    py: Python<'_>,
    gt: &NativeDataset,
    dt: &NativeDataset,
    iou_type: &str,
    img_ids: Vec<i64>,
    cat_ids: Vec<i64>,
    iou_thrs: Vec<f64>,
    rec_thrs: Vec<f64>,
    max_dets: Vec<usize>,
    area_rng: Vec<[f64; 2]>,
    area_rng_lbl: Vec<String>,
    use_cats: bool,
) -> PyResult<NativeEvaluation> {
    let res = match &dt.res {
        Some(r) if dt.is_results_of(gt) => Arc::clone(r),
        _ => {
            return Err(crate::msg(
                "the results are not a loadRes of this ground truth",
            ))
        }
    };
    let mut params = Params::new(IouType::parse(iou_type).map_err(err)?);
    params.img_ids = Some(img_ids);
    params.cat_ids = Some(cat_ids);
    params.iou_thrs = iou_thrs;
    params.rec_thrs = rec_thrs;
    params.max_dets = max_dets;
    params.area_rng = area_rng;
    params.area_rng_lbl = area_rng_lbl;
    params.use_cats = use_cats;
    let g = Arc::clone(&gt.gt);
    // Reads (rayon's parallel chunks), the reader and the engine: rayon joins only.
    let ev = interruptible_on(py, true, move || -> PyResult<_> {
        let (gt, dt) = (&g.data, &res.data);
        // Records are kept with segmentations unread (box evaluation and the id queries need none); mask
        // evaluation, and loadRes' boxes from masks, read the files again, as `cocokit eval coco` reads
        // them with `SegMode::Full`.
        let full_gt = || -> PyResult<Vec<u8>> { g.src.reread() };
        let full_dt = || -> PyResult<Vec<u8>> { res.src.reread() };
        if params.iou_type.uses_masks() {
            let (gb, db) = rayon::join(full_gt, full_dt);
            let (gb, db) = (gb?, db?);
            let (gt, dt) = rayon::join(
                || EvalGt::parse(&gb, SegMode::Full),
                || EvalResults::parse(&db, SegMode::Full),
            );
            cocoeval::evaluate_loaded(&gt.map_err(err)?, &dt.map_err(err)?, &params).map_err(err)
        } else if dt.first_has_no_bbox() && dt.first_has_segmentation() {
            let db = full_dt()?;
            let dt = EvalResults::parse(&db, SegMode::Full).map_err(err)?;
            cocoeval::evaluate_loaded(gt, &dt, &params).map_err(err)
        } else {
            cocoeval::evaluate_loaded(gt, dt, &params).map_err(err)
        }
    })??;
    Ok(NativeEvaluation::without_details(ev))
}
