//! `cocokit eval coco`: COCO detection AP (bbox, segm) and keypoint AP (OKS), the 12 (10) numbers of
//! pycocotools' COCOeval.

use crate::coco::model::Category;
use crate::coco::reader::SegMode;
use crate::error::{Error, Result};
use crate::eval::cocoeval::load::{EvalGt, EvalResults};
use crate::eval::cocoeval::{self, evaluate_loaded, IouType, Params};
use crate::io::{Input, Output};
use crate::ops::filter::{resolve, Selection};
use serde_json::json;
use std::collections::{HashMap, HashSet};

const EXAMPLES: &str = "Examples:
  cocokit eval coco --gt instances_val2017.json --dt segm_results.json --iou-type segm
  cocokit eval coco --gt instances_val2017.json --dt bbox_results.json --iou-type bbox --per-class
  cocokit eval coco --gt val.json --dt res.json --iou-type bbox --json | jq '.stats[0]'
  cocokit eval coco --gt val.json --pred res.json --iou-type segm --max-dets 1,10,100 --cats person,3 --img-ids 42,73
  cocokit eval coco --gt val.json --dt res.json --iou-type bbox --area-rng all=0:1e10,tiny=0:256 --no-cats
  cocokit eval coco --gt person_keypoints_val2017.json --dt kp_results.json --iou-type keypoints
  cocokit eval coco --gt instances_val2017.json --dt segm_results.json --iou-type boundary --dilation-ratio 0.02
  cocokit eval coco --gt crowdpose_val.json --dt res.json --iou-type keypoints \
      --kpt-sigmas .079,.079,.072,.072,.062,.062,.107,.107,.087,.087,.089,.089,.079,.079

Numbers are pycocotools 2.0.11's, quirks included: results are read as loadRes reads them (if the first result
has a non-empty bbox, every area is w*h — also for segm), stats[0] is at maxDets 100, -1 where undefined.
Keypoints: OKS as computeOks (ground truths without visible keypoints use the distance to their box enlarged
3x; num_keypoints == 0 makes a ground truth ignored), area ranges all/medium/large, maxDets 20, 10 stats.
Boundary: boundary-iou-api's Boundary AP — IoU = min(mask IoU, IoU of the bands within dilation_ratio x
image diagonal of each mask's edge), mask IoU alone for crowd ground truths; the 12 stats.

A warning goes to stderr (the numbers are still pycocotools') when --img-ids or --cats name ids the ground
truth does not have, when --max-dets has no 100, or when --area-rng lacks a label summarize looks up.";

/// COCO detection evaluation, identical to pycocotools' COCOeval.
#[derive(clap::Args, Debug)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// Ground-truth COCO dataset.
    #[arg(long)]
    pub gt: String,
    /// Detections: a COCO results file (a JSON array).
    #[arg(long, visible_alias = "pred")]
    pub dt: String,
    /// What to compare: segm (masks), bbox (boxes), keypoints (OKS) or boundary (min of mask and
    /// boundary IoU).
    #[arg(long, value_enum)]
    pub iou_type: IouTypeArg,
    /// Boundary width as a fraction of the image diagonal (boundary-iou-api's dilation_ratio). Boundary
    /// only.
    #[arg(long)]
    pub dilation_ratio: Option<f64>,
    /// Keypoint sigmas, one per keypoint (comma-separated; default COCO's 17 person sigmas). Keypoints only.
    #[arg(long, value_delimiter = ',')]
    pub kpt_sigmas: Vec<f64>,
    /// Print JSON: iou_type, stats (12 numbers; 10 for keypoints), per_class (ap, ap50, ap75 and ar100,
    /// or ar20 for keypoints).
    #[arg(long)]
    pub json: bool,
    /// Also print AP, AP50, AP75, AR100 per category.
    #[arg(long)]
    pub per_class: bool,
    /// Only these image ids (comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "IDS")]
    pub img_ids: Vec<i64>,
    /// Only these categories: names or ids, comma-separated (pycocotools' catIds).
    #[arg(
        long,
        visible_alias = "cat-ids",
        value_delimiter = ',',
        value_name = "CATS"
    )]
    pub cats: Vec<String>,
    /// maxDets values (comma-separated; default 1,10,100).
    #[arg(long, value_delimiter = ',')]
    pub max_dets: Vec<usize>,
    /// Area ranges as LABEL=LO:HI, comma-separated (default all=0:1e10,small=0:1024,medium=1024:9216,large=9216:1e10).
    #[arg(long, value_delimiter = ',')]
    pub area_rng: Vec<String>,
    /// Ignore categories (pycocotools' useCats = 0).
    #[arg(long)]
    pub no_cats: bool,
    /// Write the report to this file instead of standard output.
    #[arg(short, long)]
    pub output: Option<String>,
    /// No warnings on stderr.
    #[arg(short, long)]
    pub quiet: bool,
}

/// `--iou-type`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum IouTypeArg {
    /// Masks.
    Segm,
    /// Boxes.
    Bbox,
    /// Keypoints (OKS).
    Keypoints,
    /// The minimum of mask IoU and boundary IoU.
    Boundary,
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

fn area_ranges(specs: &[String]) -> Result<(Vec<[f64; 2]>, Vec<String>)> {
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

pub fn run(args: Args) -> Result<()> {
    let iou_type = match args.iou_type {
        IouTypeArg::Segm => IouType::Segm,
        IouTypeArg::Bbox => IouType::Bbox,
        IouTypeArg::Keypoints => IouType::Keypoints,
        IouTypeArg::Boundary => IouType::Boundary,
    };
    let mut params = Params::new(iou_type);
    if !args.img_ids.is_empty() {
        params.img_ids = Some(args.img_ids.clone());
    }
    if !args.max_dets.is_empty() {
        if args.max_dets.len() < 3 && iou_type != IouType::Keypoints {
            // summarize reads maxDets[0..3]; said before the files are read (and before any warning).
            return Err(Error::msg(format!(
                "--max-dets: the 12 COCO stats need at least 3 values (got {})",
                args.max_dets.len()
            )));
        }
        params.max_dets = args.max_dets.clone();
    }
    if !args.area_rng.is_empty() {
        let (rng, lbl) = area_ranges(&args.area_rng)?;
        params.area_rng = rng;
        params.area_rng_lbl = lbl;
    }
    params.use_cats = !args.no_cats;
    if !args.kpt_sigmas.is_empty() {
        if iou_type != IouType::Keypoints {
            return Err(Error::msg("--kpt-sigmas is for --iou-type keypoints"));
        }
        params.kpt_oks_sigmas = args.kpt_sigmas.clone();
    }
    if let Some(r) = args.dilation_ratio {
        if iou_type != IouType::Boundary {
            return Err(Error::msg("--dilation-ratio is for --iou-type boundary"));
        }
        params.dilation_ratio = r;
    }
    params.validate()?;
    // Read both files at once: they are independent. Box evaluation needs no masks: segmentations are only
    // checked, not decoded — unless the results have no boxes (loadRes then takes boxes from the masks).
    let mode = if !iou_type.uses_masks() {
        SegMode::Kind
    } else {
        SegMode::Full
    };
    let (gt_in, dt_in) = rayon::join(|| Input::open(&args.gt), || Input::open(&args.dt));
    let gt_in = gt_in?;
    let dt_in = match dt_in {
        Ok(d) => d,
        Err(e) => {
            // As when each file is read in turn: an error in the ground truth comes first.
            EvalGt::parse(gt_in.bytes(), mode).map_err(|e| e.in_file(&args.gt))?;
            return Err(e);
        }
    };
    let (gt, dt) = rayon::join(
        || EvalGt::parse(gt_in.bytes(), mode).map_err(|e| e.in_file(&args.gt)),
        || EvalResults::parse(dt_in.bytes(), mode).map_err(|e| e.in_file(&args.dt)),
    );
    let (gt, mut dt) = (gt?, dt?);
    let mut absent_cats = Vec::new();
    if !args.cats.is_empty() {
        let (ids, absent) = resolve_cats(&args.cats, &gt.categories)?;
        params.cat_ids = Some(ids);
        absent_cats = absent;
    }
    if !args.quiet {
        for w in warnings(&params, &gt, &absent_cats) {
            eprintln!("cocokit: warning: {w}");
        }
    }
    if mode == SegMode::Kind && dt.first_has_no_bbox() && dt.first_has_segmentation() {
        dt = EvalResults::parse(dt_in.bytes(), SegMode::Full).map_err(|e| e.in_file(&args.dt))?;
    }
    let ev = evaluate_loaded(&gt, &dt, &params).map_err(|e| e.in_file(&args.dt))?;
    let names: HashMap<i64, String> = gt
        .categories
        .iter()
        .map(|c| (c.id, c.name.clone()))
        .collect();
    // The inputs are not needed any more: free them before the accumulated arrays are made.
    drop(dt);
    drop(gt);
    drop(dt_in);
    drop(gt_in);
    let report = cocoeval::report(ev)?;
    let mut out = Output::create(args.output.as_deref(), &[&args.gt, &args.dt])?;
    let w = out.writer();
    if args.json {
        let ar_key = if iou_type == IouType::Keypoints {
            "ar20"
        } else {
            "ar100"
        };
        let per_class: Vec<serde_json::Value> = report
            .per_class
            .iter()
            .map(|c| {
                let mut v = json!({"category_id": c.category_id, "name": names.get(&c.category_id).map_or("", String::as_str),
                       "ap": c.ap, "ap50": c.ap50, "ap75": c.ap75});
                v[ar_key] = json!(c.ar100);
                v
            })
            .collect();
        let v = json!({"iou_type": iou_type.name(), "stats": report.summary.stats.to_vec(), "per_class": per_class});
        serde_json::to_writer_pretty(&mut *w, &v).map_err(|e| Error::msg(e.to_string()))?;
        writeln!(w)?;
    } else {
        w.write_all(report.summary.text().as_bytes())?;
        if args.per_class {
            let width = names
                .values()
                .map(|n| n.chars().count())
                .max()
                .unwrap_or(4)
                .clamp(4, 40);
            writeln!(w)?;
            writeln!(
                w,
                "{:>6}  {:<width$}  {:>6}  {:>6}  {:>6}  {:>6}",
                "id",
                "name",
                "AP",
                "AP50",
                "AP75",
                if iou_type == IouType::Keypoints {
                    "AR20"
                } else {
                    "AR100"
                }
            )?;
            for c in &report.per_class {
                let name = names.get(&c.category_id).map_or("", String::as_str);
                writeln!(
                    w,
                    "{:>6}  {:<width$}  {:>6.3}  {:>6.3}  {:>6.3}  {:>6.3}",
                    c.category_id, name, c.ap, c.ap50, c.ap75, c.ar100
                )?;
            }
        }
    }
    out.commit()
}
