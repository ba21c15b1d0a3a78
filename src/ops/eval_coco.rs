//! `eval coco` as an operation: read a ground truth and a results file, run pycocotools' COCOeval on them
//! (`eval::cocoeval`), and return what the command reports — the stats and their printed lines, per-class
//! numbers, the warnings a user should hear. It prints nothing; `cmd::eval_coco` and the Python package's
//! `cocokit.eval_coco` format what it returns. The evaluation itself (the numbers, the quirks) is
//! `eval::cocoeval`'s; this file only wires files, selections and the report.

use crate::coco::model::Category;
use crate::coco::reader::SegMode;
use crate::coco::source::Source;
use crate::error::{Error, Result};
use crate::eval::cocoeval::load::{EvalGt, EvalResults, ReadMode};
use crate::eval::cocoeval::{self, evaluate_loaded, ClassStats, IouType, Params, Summary};
use crate::eval::confusion::{self, ConfusionMatrix};
use crate::eval::miou::report::csv_field;
use crate::eval::operating_point::{self, OperatingPoint};
use crate::eval::pr_curves::{PrCurves, IOU_LABELS};
use crate::eval::tide::{self, TideReport};
use crate::io::{AtomicFiles, Input};
use crate::ops::filter::{resolve, Selection};
use crate::render::chart::pr_chart;
use serde_json::json;
use std::collections::{HashMap, HashSet};

/// What to evaluate: the two files and COCOeval's parameters.
#[derive(Debug, Clone)]
pub struct Options {
    /// The ground-truth dataset.
    pub gt: String,
    /// The results file (a JSON array of detections), or a directory of them / a quoted glob
    /// (`coco::source`).
    pub dt: String,
    /// More results files after `dt` (one per GPU or worker): read with it through `coco::source`, their
    /// arrays concatenated in order, as if they were one file.
    pub more_dt: Vec<String>,
    /// COCOeval's parameters (`params.cat_ids` is set from `cats` when that is not empty).
    pub params: Params,
    /// Category names or ids (pycocotools' catIds), resolved against the ground truth's categories.
    pub cats: Vec<String>,
    /// Also run TIDE's error decomposition (`eval::tide`; bbox and segm).
    pub tide: bool,
    /// Also build a confusion matrix at `(iou_thr, score_thr)` (`eval::confusion`; bbox and segm).
    pub confusion: Option<(f64, f64)>,
    /// Also count TP/FP/FN, precision, recall, F1 at `(score_thr, iou_thr)` (`eval::operating_point`).
    pub operating_point: Option<(f64, f64)>,
    /// Keep the PR curves (`--pr-curves`, `--report`) in the report.
    pub pr_curves: bool,
}

impl Options {
    /// The two files and the parameters; every category, no analysis beyond the stats.
    pub fn new(gt: impl Into<String>, dt: impl Into<String>, params: Params) -> Options {
        Options {
            gt: gt.into(),
            dt: dt.into(),
            more_dt: Vec::new(),
            params,
            cats: Vec::new(),
            tide: false,
            confusion: None,
            operating_point: None,
            pr_curves: false,
        }
    }
}

/// What `eval coco` reports.
#[derive(Debug, Clone)]
pub struct EvalReport {
    /// The stats (12; 10 for keypoints) and pycocotools' printed lines.
    pub summary: Summary,
    /// Per category, in category id order (empty without categories).
    pub per_class: Vec<ClassStats>,
    /// Category id → name, from the ground truth.
    pub names: HashMap<i64, String>,
    /// What pycocotools computes silently but a user should hear about (one line each).
    pub warnings: Vec<String>,
    /// With `Options::tide`: tidecv's numbers.
    pub tide: Option<TideReport>,
    /// With `Options::confusion`.
    pub confusion: Option<ConfusionMatrix>,
    /// With `Options::operating_point`.
    pub operating_point: Option<OperatingPoint>,
    /// PR curves (with `Options::pr_curves`), taken from the accumulation before it is dropped.
    pub curves: Option<PrCurves>,
}

/// Read both files, evaluate, accumulate and summarize (and run the analyses `opts` asks for).
pub fn run(opts: &Options) -> Result<EvalReport> {
    check_analyses(opts)?;
    let (report, names, warnings, tide, confusion, operating_point) = with_inputs(opts, |inp| {
        let (gt, dt, params) = (&inp.gt, &inp.dt, &inp.params);
        // Segm with --tide: TIDE shares COCOeval's masks (made once), when it can.
        let (ev, shared_tide) = if opts.tide {
            tide::evaluate_with_tide(gt, dt, params)
        } else {
            evaluate_loaded(gt, dt, params).map(|ev| (ev, None))
        }
        .map_err(|e| inp.dt_source.blame(e))?;
        // The analyses beyond the stats (issue 22): each its own module of `eval`, on the same inputs.
        let masks = params.iou_type.uses_masks();
        let (img_ids, cat_ids) = (params.img_ids.as_deref(), params.cat_ids.as_deref());
        let tide = match shared_tide {
            Some(t) => Some(t),
            None => opts
                .tide
                .then(|| tide::tide(gt, dt, masks, img_ids, cat_ids))
                .transpose()?,
        };
        let confusion = opts
            .confusion
            .map(|(iou, score)| confusion::confusion(gt, dt, masks, iou, score, img_ids, cat_ids))
            .transpose()?;
        let operating_point = opts
            .operating_point
            .map(|(score, iou)| operating_point::operating_point(gt, dt, params, score, iou))
            .transpose()?;
        let names = inp.names();
        let Inputs {
            gt, dt, warnings, ..
        } = inp;
        // Accumulation (and TIDE's decomposition) while another thread frees the records: freeing tens of
        // thousands of them is otherwise serial time at the end of the run.
        let ((report, tide), ()) = rayon::join(
            || {
                rayon::join(
                    || cocoeval::report(ev),
                    || tide.map(tide::TideImages::report),
                )
            },
            move || drop((gt, dt)),
        );
        Ok((report?, names, warnings, tide, confusion, operating_point))
    })?;
    let curves = opts
        .pr_curves
        .then(|| PrCurves::from_accumulation(&report.accumulation));
    Ok(EvalReport {
        summary: report.summary,
        per_class: report.per_class,
        names,
        warnings,
        tide,
        confusion,
        operating_point,
        curves,
    })
}

/// What [`with_inputs`] read: both files parsed, the parameters resolved (categories), the warnings.
pub(crate) struct Inputs<'a> {
    pub gt_bytes: &'a [u8],
    /// The results' input: [`Source::blame`] tells an error at the file and byte it came from.
    pub dt_source: &'a Source,
    pub gt: EvalGt<'a>,
    pub dt: EvalResults<'a>,
    pub params: Params,
    pub warnings: Vec<String>,
}

impl Inputs<'_> {
    /// Category id → name, from the ground truth.
    pub fn names(&self) -> HashMap<i64, String> {
        self.gt
            .categories
            .iter()
            .map(|c| (c.id, c.name.clone()))
            .collect()
    }
}

/// Read both files of `opts` and hand them to `then` (the files are unmapped once it returns).
pub(crate) fn with_inputs<R>(
    opts: &Options,
    then: impl FnOnce(Inputs<'_>) -> Result<R>,
) -> Result<R> {
    let mut params = opts.params.clone();
    params.validate()?;
    let iou_type = params.iou_type;
    check_analyses(opts)?;
    // Box evaluation needs no masks: segmentations are only checked, not decoded — unless the results have no
    // boxes (loadRes then takes boxes from the masks).
    let mode = if !iou_type.uses_masks() {
        SegMode::Kind
    } else {
        SegMode::Full
    };
    // Read both at once: they are independent.
    let dt_args: Vec<String> = std::iter::once(opts.dt.clone())
        .chain(opts.more_dt.iter().cloned())
        .collect();
    let (gt_in, dt_src) = rayon::join(
        || Input::open(&opts.gt),
        || Source::open(&dt_args, &|_, _| {}),
    );
    let gt_in = gt_in?;
    let dt_src = match dt_src {
        Ok(d) => d,
        Err(e) => {
            // As when each file is read in turn: an error in the ground truth comes first.
            EvalGt::parse(gt_in.bytes(), mode).map_err(|e| e.in_file(&opts.gt))?;
            return Err(e);
        }
    };
    let dt_in = dt_src.input();
    // Keypoint evaluation reads the keypoint lists into numbers as it reads the records.
    let read = ReadMode {
        seg: mode,
        keypoints: iou_type == IouType::Keypoints,
    };
    let (gt, dt) = rayon::join(
        || EvalGt::parse(gt_in.bytes(), read).map_err(|e| e.in_file(&opts.gt)),
        || EvalResults::parse(dt_in.bytes(), read).map_err(|e| dt_src.blame(e)),
    );
    let (gt, mut dt) = (gt?, dt?);
    let mut absent_cats = Vec::new();
    if !opts.cats.is_empty() {
        let (ids, absent) = resolve_cats(&opts.cats, &gt.categories)?;
        params.cat_ids = Some(ids);
        absent_cats = absent;
    }
    let warnings = warnings(&params, &gt, &absent_cats);
    if mode == SegMode::Kind && dt.first_has_no_bbox() && dt.first_has_segmentation() {
        let full = ReadMode {
            seg: SegMode::Full,
            ..read
        };
        dt = EvalResults::parse(dt_in.bytes(), full).map_err(|e| dt_src.blame(e))?;
    }
    let out = then(Inputs {
        gt_bytes: gt_in.bytes(),
        dt_source: &dt_src,
        gt,
        dt,
        params,
        warnings,
    });
    // Unmapping the files takes milliseconds on one core: a thread of its own does it while the caller
    // goes on (where it cannot start one, they are unmapped here).
    let _ = std::thread::Builder::new().spawn(move || drop((gt_in, dt_src)));
    out
}

/// `--tide` and `--confusion` compare boxes or masks; TIDE matches within categories.
fn check_analyses(opts: &Options) -> Result<()> {
    let t = opts.params.iou_type;
    for (on, flag) in [
        (opts.tide, "--tide"),
        (opts.confusion.is_some(), "--confusion"),
    ] {
        if on && !matches!(t, IouType::Bbox | IouType::Segm) {
            return Err(Error::msg(format!(
                "{flag} is for --iou-type bbox or segm (got {})",
                t.name()
            )));
        }
    }
    if opts.tide && !opts.params.use_cats {
        return Err(Error::msg(
            "--tide matches within categories (tidecv has no --no-cats)",
        ));
    }
    for (v, what) in [
        (opts.confusion.map(|c| c.0), "--iou-thr"),
        (opts.operating_point.map(|c| c.1), "--operating-point iou"),
    ] {
        if v.is_some_and(|v| !(0.0..=1.0).contains(&v)) {
            return Err(Error::msg(format!("{what} must be between 0 and 1")));
        }
    }
    for (v, what) in [
        (opts.confusion.map(|c| c.1), "--score-thr"),
        (opts.operating_point.map(|c| c.0), "--operating-point score"),
    ] {
        if v.is_some_and(f64::is_nan) {
            return Err(Error::msg(format!("{what} must be a number")));
        }
    }
    Ok(())
}

/// `--operating-point score=S,iou=I` (either order; iou defaults to 0.5) to `(score, iou)`.
pub fn parse_operating_point(spec: &str) -> Result<(f64, f64)> {
    let bad = || {
        Error::msg(format!(
            "--operating-point {spec}: expected score=S,iou=I, e.g. score=0.5,iou=0.5"
        ))
    };
    let (mut score, mut iou) = (None, 0.5);
    for part in spec.split(',') {
        let (k, v) = part.split_once('=').ok_or_else(bad)?;
        let v: f64 = v.trim().parse().map_err(|_| bad())?;
        match k.trim() {
            "score" => score = Some(v),
            "iou" => iou = v,
            _ => return Err(bad()),
        }
    }
    Ok((score.ok_or_else(bad)?, iou))
}

impl EvalReport {
    /// `--pr-curves DIR`: `pr_curves.csv` (long format: category_id, name, iou, recall, precision; the curve
    /// over all categories has an empty category_id and the name `all`), `overall.svg` and one
    /// `<id>-<name>.svg` per category with ground truth. Returns the number of files written.
    pub fn write_pr_curves(&self, dir: &std::path::Path) -> Result<usize> {
        use std::fmt::Write as _;
        use std::io::Write as _;
        let Some(c) = &self.curves else {
            return Ok(0);
        };
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir.display().to_string(), e))?;
        let mut csv = String::from("category_id,name,iou,recall,precision\n");
        for curve in std::iter::once(&c.overall).chain(&c.per_class) {
            let (id, name) = match curve.category_id {
                Some(id) => (id.to_string(), csv_field(self.name(id))),
                None => (String::new(), "all".to_string()),
            };
            for (i, p) in curve.precision.iter().enumerate() {
                let Some(p) = p else { continue };
                for (r, v) in c.recall.iter().zip(p) {
                    let _ = writeln!(csv, "{id},{name},{},{r},{v}", IOU_LABELS[i]);
                }
            }
        }
        let files = AtomicFiles;
        files.write(&dir.join("pr_curves.csv"), |w| {
            Ok(w.write_all(csv.as_bytes())?)
        })?;
        let mut n = 1;
        let mut svg = |file: String, title: String, curve| {
            let text = pr_chart(&title, c, curve);
            n += 1;
            files.write(&dir.join(file), |w| Ok(w.write_all(text.as_bytes())?))
        };
        svg("overall.svg".into(), "All categories".into(), &c.overall)?;
        for curve in &c.per_class {
            let id = curve.category_id.unwrap_or_default();
            let name = self.name(id);
            svg(
                format!("{id}-{}.svg", slug(name)),
                format!("{id} {name}"),
                curve,
            )?;
        }
        Ok(n)
    }

    fn name(&self, id: i64) -> &str {
        self.names.get(&id).map_or("", String::as_str)
    }

    /// What `--json` prints: `iou_type`, `stats`, `per_class` (category_id, name, ap, ap50, ap75 and ar100 —
    /// ar20 for keypoints).
    pub fn to_json(&self) -> serde_json::Value {
        let iou_type = self.summary.iou_type;
        let ar_key = if iou_type == IouType::Keypoints {
            "ar20"
        } else {
            "ar100"
        };
        let per_class: Vec<serde_json::Value> = self
            .per_class
            .iter()
            .map(|c| {
                let mut v = json!({"category_id": c.category_id, "name": self.name(c.category_id),
                       "ap": c.ap, "ap50": c.ap50, "ap75": c.ap75});
                v[ar_key] = json!(c.ar100);
                v
            })
            .collect();
        let mut v = json!({"iou_type": iou_type.name(), "stats": self.summary.stats.to_vec(), "per_class": per_class});
        if let Some(t) = &self.tide {
            v["tide"] = t.to_json();
        }
        if let Some(c) = &self.confusion {
            v["confusion"] = c.to_json();
        }
        if let Some(o) = &self.operating_point {
            v["operating_point"] = o.to_json(|id| self.name(id).to_string());
        }
        v
    }

    /// The text of the analyses asked for (TIDE, confusion matrix, operating point), after the stats.
    pub fn analyses_text(&self) -> String {
        let mut s = String::new();
        if let Some(t) = &self.tide {
            s += "\nTIDE (tidecv 1.0.1): ";
            s += &t.text();
        }
        if let Some(c) = &self.confusion {
            s += "\n";
            s += &c.text();
        }
        if let Some(o) = &self.operating_point {
            s += "\n";
            s += &o.text(|id| self.name(id).to_string());
        }
        s
    }

    /// The text report: pycocotools' summarize() lines, and with `per_class` a table of AP, AP50, AP75 and
    /// AR100 (AR20 for keypoints) per category.
    pub fn text(&self, per_class: bool) -> String {
        use std::fmt::Write;
        let mut s = self.summary.text();
        if !per_class {
            return s + &self.analyses_text();
        }
        let width = self
            .names
            .values()
            .map(|n| n.chars().count())
            .max()
            .unwrap_or(4)
            .clamp(4, 40);
        let ar = if self.summary.iou_type == IouType::Keypoints {
            "AR20"
        } else {
            "AR100"
        };
        let _ = writeln!(s);
        let _ = writeln!(
            s,
            "{:>6}  {:<width$}  {:>6}  {:>6}  {:>6}  {:>6}",
            "id", "name", "AP", "AP50", "AP75", ar
        );
        for c in &self.per_class {
            let _ = writeln!(
                s,
                "{:>6}  {:<width$}  {:>6.3}  {:>6.3}  {:>6.3}  {:>6.3}",
                c.category_id,
                self.name(c.category_id),
                c.ap,
                c.ap50,
                c.ap75,
                c.ar100
            );
        }
        s + &self.analyses_text()
    }
}

/// Category tokens to ids: a token naming categories selects them, else a number is an id (kept even when the
/// ground truth has no such category, as pycocotools keeps it). Returns the ids and those absent from `cats`.
fn resolve_cats(tokens: &[String], cats: &[Category]) -> Result<(Vec<i64>, Vec<i64>)> {
    let mut ids = Vec::new();
    let mut absent = Vec::new();
    for tok in tokens {
        let tok = tok.trim();
        let named: Vec<i64> = cats
            .iter()
            .filter(|c| c.name == tok)
            .map(|c| c.id)
            .collect();
        if !named.is_empty() {
            ids.extend(named);
        } else if let Ok(id) = tok.parse::<i64>() {
            if !cats.iter().any(|c| c.id == id) {
                absent.push(id);
            }
            ids.push(id);
        } else {
            // Not a name, not a number: the filter's message, with close names suggested.
            let sel = Selection {
                cats: vec![tok.to_string()],
                ..Default::default()
            };
            resolve(cats, &sel).map_err(|e| Error::msg(format!("--cats: {}", e.msg)))?;
        }
    }
    Ok((ids, absent))
}

/// A category name as a file name part: letters and digits kept, anything else `_`.
fn slug(s: &str) -> String {
    let v: String = s
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { '_' })
        .take(60)
        .collect();
    if v.is_empty() {
        "_".into()
    } else {
        v
    }
}

fn join(ids: &[i64]) -> String {
    ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
}

/// What pycocotools computes silently but a user should hear about: selections naming nothing, stats that are
/// -1 because of the parameters (summarize looks up maxDets 100 and the labels all/small/medium/large).
fn warnings(params: &Params, gt: &EvalGt, absent_cats: &[i64]) -> Vec<String> {
    let mut w = Vec::new();
    if let Some(img_ids) = &params.img_ids {
        let have: HashSet<i64> = gt.images.iter().map(|i| i.id).collect();
        let absent: Vec<i64> = img_ids
            .iter()
            .copied()
            .filter(|i| !have.contains(i))
            .collect();
        if !absent.is_empty() {
            w.push(format!(
                "--img-ids: {} {} ({} of {} given); nothing is evaluated for {}",
                join(&absent),
                if absent.len() == 1 {
                    "is not an image of the ground truth"
                } else {
                    "are not images of the ground truth"
                },
                absent.len(),
                img_ids.len(),
                if absent.len() == 1 { "it" } else { "them" }
            ));
        }
    }
    if !absent_cats.is_empty() {
        w.push(format!(
            "--cats: {} {}; nothing is evaluated for {} (-1 in the per-class numbers)",
            join(absent_cats),
            if absent_cats.len() == 1 {
                "is not a category of the ground truth"
            } else {
                "are not categories of the ground truth"
            },
            if absent_cats.len() == 1 { "it" } else { "them" }
        ));
    }
    // _summarizeDets reads maxDets 100 and all/small/medium/large; _summarizeKps maxDets 20 and
    // all/medium/large, in its own stats order.
    let keypoints = params.iou_type == IouType::Keypoints;
    let want_dets = if keypoints { 20 } else { 100 };
    if !params.max_dets.contains(&want_dets) {
        let given: Vec<String> = params.max_dets.iter().map(usize::to_string).collect();
        w.push(format!(
            "--max-dets {} has no {want_dets}: pycocotools computes AP (stats[0]) at maxDets {want_dets} only, so it is -1",
            given.join(",")
        ));
    }
    let mut labels = Vec::new();
    let mut stats: Vec<usize> = Vec::new();
    let lookups: &[(&str, &[usize])] = if keypoints {
        &[
            ("all", &[0, 1, 2, 5, 6, 7]),
            ("medium", &[3, 8]),
            ("large", &[4, 9]),
        ]
    } else {
        &[
            ("all", &[0, 1, 2, 6, 7, 8]),
            ("small", &[3, 9]),
            ("medium", &[4, 10]),
            ("large", &[5, 11]),
        ]
    };
    for &(label, idx) in lookups {
        if !params.area_rng_lbl.iter().any(|l| l == label) {
            labels.push(label);
            stats.extend(idx);
        }
    }
    if !labels.is_empty() {
        stats.sort_unstable();
        let stats: Vec<String> = stats.iter().map(usize::to_string).collect();
        w.push(format!(
            "--area-rng has no range labelled {}: summarize looks {} up, so stats[{}] {} -1",
            labels.join(", "),
            if labels.len() == 1 { "it" } else { "them" },
            stats.join(","),
            if stats.len() == 1 { "is" } else { "are" }
        ));
    }
    w
}

/// COCOeval's parameters from the command's options (empty = default), checked as the command checks them
/// before reading any file: at least 3 maxDets for the 12 stats, sigmas for keypoints only, a dilation ratio
/// for boundary only.
pub fn params(
    iou_type: IouType,
    img_ids: &[i64],
    max_dets: &[usize],
    area_rng: &[String],
    use_cats: bool,
    kpt_sigmas: &[f64],
    dilation_ratio: Option<f64>,
) -> Result<Params> {
    let mut params = Params::new(iou_type);
    if !img_ids.is_empty() {
        params.img_ids = Some(img_ids.to_vec());
    }
    if !max_dets.is_empty() {
        if max_dets.len() < 3 && iou_type != IouType::Keypoints {
            // summarize reads maxDets[0..3]; said before the files are read (and before any warning).
            return Err(Error::msg(format!(
                "--max-dets: the 12 COCO stats need at least 3 values (got {})",
                max_dets.len()
            )));
        }
        params.max_dets = max_dets.to_vec();
    }
    if !area_rng.is_empty() {
        let (rng, lbl) = area_ranges(area_rng)?;
        params.area_rng = rng;
        params.area_rng_lbl = lbl;
    }
    params.use_cats = use_cats;
    if !kpt_sigmas.is_empty() {
        if iou_type != IouType::Keypoints {
            return Err(Error::msg("--kpt-sigmas is for --iou-type keypoints"));
        }
        params.kpt_oks_sigmas = kpt_sigmas.to_vec();
    }
    if let Some(r) = dilation_ratio {
        if iou_type != IouType::Boundary {
            return Err(Error::msg("--dilation-ratio is for --iou-type boundary"));
        }
        params.dilation_ratio = r;
    }
    params.validate()?;
    Ok(params)
}

/// `--area-rng` specs (`LABEL=LO:HI`) to pycocotools' areaRng and areaRngLbl.
pub fn area_ranges(specs: &[String]) -> Result<(Vec<[f64; 2]>, Vec<String>)> {
    let mut rng = Vec::new();
    let mut lbl = Vec::new();
    for s in specs {
        let bad = || {
            Error::msg(format!(
                "--area-rng {s}: expected LABEL=LO:HI, e.g. small=0:1024"
            ))
        };
        let (label, range) = s.split_once('=').ok_or_else(bad)?;
        let (lo, hi) = range.split_once(':').ok_or_else(bad)?;
        let lo: f64 = lo.trim().parse().map_err(|_| bad())?;
        let hi: f64 = hi.trim().parse().map_err(|_| bad())?;
        if lo.is_nan() || hi.is_nan() || lo > hi {
            return Err(bad());
        }
        rng.push([lo, hi]);
        lbl.push(label.trim().to_string());
    }
    Ok((rng, lbl))
}
