//! LVIS federated evaluation, number for number lvis-api 0.5.3's `LVISEval` (with `LVISResults`).
//!
//! What it is: the reading of LVIS's per-image and per-category fields, lvis-api's cut of the results, and
//! its summary (`summarize`, `print_results`); everything between — IoU, matching, precision/recall — is
//! cocoeval's, run with the federated rules of `cocoeval::prepare::prepare_with`.
//! Not here: box or mask IoU, matching, accumulation (see `cocoeval`), printing JSON (the command does).
//!
//! lvis-api quirks reproduced:
//! - `LVISResults.limit_dets_per_image`: at most `max_dets` (300) results per *image*, all categories
//!   together: an image with more keeps its highest scores (Python's stable sort, so among equal scores
//!   the earlier in the file), and the results are regrouped by image in order of first appearance (ids,
//!   and the `bbox`-or-`segmentation` decision on the first result, follow that order);
//! - ground truths and results of area 0 (not `0 < area < inf`) are left out (`get_ann_ids`' area filter);
//! - a result is kept only if its category is in the image's `neg_category_ids` or has a ground truth in the
//!   image; unmatched results of the image's `not_exhaustive_category_ids` are ignored;
//! - no crowds: `iscrowd` is read as 0 for every ground truth; no per-image-category cut at maxDets;
//! - every image must have `neg_category_ids` and `not_exhaustive_category_ids`, every category a
//!   `frequency` among r, c, f (lvis-api fails on a missing one: here it is a one-line error);
//! - means over `precision[T, R, K, A]` and `recall[T, K, A]` cells above −1, in C order, with numpy's
//!   pairwise sum; APr/APc/APf select the categories of a frequency; −1 for an empty selection.
//!
//! Not reproduced: a ground truth's own `ignore` field (LVIS files have none).

use std::borrow::Cow;

use crate::coco::Category;
use crate::eval::cocoeval::load::{EvalGt, EvalResults};
use crate::eval::cocoeval::{self, pairwise_sum, Accumulation, Federated, IouType, Params, Record};
use crate::json::scan::Cursor;
use crate::{Error, Result};

/// What an evaluation asks for: `LVISResults(max_dets=...)` and `LVISEval.params`.
#[derive(Debug, Clone)]
pub struct LvisParams {
    /// Bbox or Segm.
    pub iou_type: IouType,
    /// `LVISEval.params.max_dets`: only named in the printed lines and the `AR@N` keys (lvis-api
    /// evaluates every result `LVISResults` kept).
    pub max_dets: usize,
    /// Results kept per image (`LVISResults(max_dets=300)`); `None` keeps all (a negative `max_dets`).
    pub dets_per_image: Option<usize>,
    /// `params.img_ids`: images evaluated (made unique and sorted); `None` = every image.
    pub img_ids: Option<Vec<i64>>,
    /// `params.cat_ids`: categories evaluated (sorted); `None` = every category.
    pub cat_ids: Option<Vec<i64>>,
}

impl LvisParams {
    /// lvis-api's defaults with `LVISResults(max_dets=max_dets)` and `params.max_dets = max_dets`: every
    /// image and category.
    pub fn new(iou_type: IouType, max_dets: usize) -> LvisParams {
        LvisParams {
            iou_type,
            max_dets,
            dets_per_image: Some(max_dets),
            img_ids: None,
            cat_ids: None,
        }
    }
}

/// A category's AP (all IoU thresholds, area `all`), −1 without ground truth.
#[derive(Debug, Clone, PartialEq)]
pub struct LvisClass {
    pub category_id: i64,
    pub frequency: char,
    pub ap: f64,
}

/// lvis-api's `results` (in its order: AP, AP50, AP75, APs, APm, APl, APr, APc, APf, AR@N, ARs@N,
/// ARm@N, ARl@N), the lines `print_results` prints, and per-category AP.
#[derive(Debug, Clone, PartialEq)]
pub struct LvisReport {
    pub results: Vec<(String, f64)>,
    pub lines: Vec<String>,
    pub per_category: Vec<LvisClass>,
    pub accumulation: Accumulation,
}

const FREQUENCIES: [char; 3] = ['r', 'c', 'f'];

/// An integer list kept as raw JSON (an image's `neg_category_ids`, ...).
fn int_list(raw: &str) -> Result<Vec<i64>> {
    let mut c = Cursor::new(raw.as_bytes(), 0);
    c.begin_array()?;
    let mut out = Vec::new();
    let mut first = true;
    while c.next_elem(&mut first)? {
        out.push(c.i64()?);
    }
    Ok(out)
}

fn extra<'a>(extra: &'a [(String, String)], key: &str) -> Option<&'a str> {
    extra
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// The images' negative and not-exhaustive category lists.
fn federated(gt: &EvalGt<'_>) -> Result<Federated> {
    let mut neg = Vec::with_capacity(gt.images.len());
    let mut nel = Vec::with_capacity(gt.images.len());
    for im in &gt.images {
        let rec = || format!("image id {}", im.id);
        for (key, out) in [
            ("neg_category_ids", &mut neg),
            ("not_exhaustive_category_ids", &mut nel),
        ] {
            let raw = extra(&im.extra, key).ok_or_else(|| {
                Error::msg(format!(
                    "LVIS image has no \"{key}\" (an LVIS ground truth lists them for every image)"
                ))
                .for_record(rec())
            })?;
            let ids = int_list(raw).map_err(|_| {
                Error::msg(format!("\"{key}\" must be a list of category ids")).for_record(rec())
            })?;
            out.push((im.id, ids));
        }
    }
    Ok(Federated::new(neg, nel))
}

/// A category's `frequency` (`r`, `c` or `f`).
fn frequency(c: &Category) -> Result<char> {
    let rec = || format!("category id {}", c.id);
    let raw = extra(&c.extra, "frequency").ok_or_else(|| {
        Error::msg("LVIS category has no \"frequency\" (r, c or f)").for_record(rec())
    })?;
    let s = Cursor::new(raw.as_bytes(), 0).string().ok();
    match s.as_deref() {
        Some("r") => Ok('r'),
        Some("c") => Ok('c'),
        Some("f") => Ok('f'),
        _ => Err(Error::msg(format!(
            "LVIS category frequency {raw} is not \"r\", \"c\" or \"f\""
        ))
        .for_record(rec())),
    }
}

/// `LVISResults.limit_dets_per_image`: the results regrouped by image (first appearance order), each
/// image's cut to its `max_dets` highest scores (stable) when it has more. Borrowed as they are when that
/// changes nothing (each image's results together and none over the limit: the usual file).
fn limit_dets_per_image<'r, 'a>(
    records: &'r [Record<'a>],
    max_dets: usize,
) -> Result<Cow<'r, [Record<'a>]>> {
    let mut by_image: Vec<Vec<u32>> = Vec::new();
    let mut slot: std::collections::HashMap<i64, usize> = std::collections::HashMap::new();
    let mut unchanged = true;
    for (i, r) in records.iter().enumerate() {
        let s = *slot.entry(r.image_id).or_insert_with(|| {
            by_image.push(Vec::new());
            by_image.len() - 1
        });
        // Grouped already: each record's image is the newest group or starts one.
        unchanged &= s + 1 == by_image.len();
        by_image[s].push(i as u32);
    }
    if unchanged && by_image.iter().all(|idx| idx.len() <= max_dets) {
        return Ok(Cow::Borrowed(records));
    }
    let mut out = Vec::with_capacity(records.len().min(by_image.len() * max_dets));
    for mut idx in by_image {
        if idx.len() > max_dets {
            // sorted(key=score, reverse=True) is stable: equal scores keep file order.
            for &i in &idx {
                let r = &records[i as usize];
                match r.score {
                    Some(s) if !s.is_nan() => {}
                    Some(_) => {
                        return Err(Error::msg("result score is NaN").for_record(r.describe()))
                    }
                    None => return Err(Error::msg("result has no score").for_record(r.describe())),
                }
            }
            idx.sort_by(|&a, &b| {
                let (sa, sb) = (records[a as usize].score, records[b as usize].score);
                sb.partial_cmp(&sa).unwrap_or(std::cmp::Ordering::Equal)
            });
            idx.truncate(max_dets);
        }
        out.extend(idx.iter().map(|&i| records[i as usize].clone()));
    }
    Ok(Cow::Owned(out))
}

/// What LVIS adds to a COCO ground truth: each image's negative and not-exhaustive categories, each
/// category's frequency (categories in id order).
pub struct LvisGt {
    fed: Federated,
    cats: Vec<(i64, char)>,
}

impl LvisGt {
    /// Read the LVIS fields of a ground truth; a missing one is an error naming the image or category.
    pub fn read(gt: &EvalGt<'_>) -> Result<LvisGt> {
        let fed = federated(gt)?;
        let mut cats: Vec<(i64, char)> = gt
            .categories
            .iter()
            .map(|c| Ok((c.id, frequency(c)?)))
            .collect::<Result<_>>()?;
        cats.sort_unstable_by_key(|c| c.0);
        cats.dedup_by_key(|c| c.0);
        Ok(LvisGt { fed, cats })
    }
}

/// `LVISEval(gt, LVISResults(gt, results, max_dets), iou_type).run()`.
pub fn run_loaded(
    gt: &EvalGt<'_>,
    lvis: &LvisGt,
    dt: &EvalResults<'_>,
    p: &LvisParams,
) -> Result<LvisReport> {
    if p.iou_type == IouType::Keypoints {
        return Err(Error::msg("LVIS evaluation is bbox or segm"));
    }
    let results = match p.dets_per_image {
        Some(n) => limit_dets_per_image(&dt.records, n)?,
        None => Cow::Borrowed(&dt.records[..]),
    };
    if let Some(ids) = &p.img_ids {
        // `load_imgs(ids=params.img_ids)` raises KeyError for an image the ground truth lacks.
        let known: std::collections::HashSet<i64> = gt.images.iter().map(|im| im.id).collect();
        if let Some(id) = ids.iter().find(|&&id| !known.contains(&id)) {
            return Err(Error::msg(format!(
                "image id {id} of img_ids is not in the ground truth"
            )));
        }
    }
    let mut params = Params::new(p.iou_type);
    params.img_ids = p.img_ids.clone();
    params.cat_ids = p.cat_ids.clone();
    // No per image x category cut (each image has at most `dets_per_image` results already).
    params.max_dets = vec![p.dets_per_image.unwrap_or(usize::MAX)];
    let ev = cocoeval::evaluate_federated(gt, &results, &params, &lvis.fed)?;
    drop(results);
    let acc = ev.accumulate();
    drop(ev);
    // Frequencies in the evaluated categories' order (`_prepare_freq_group` on `params.cat_ids`).
    let cats = acc
        .params
        .cat_ids
        .iter()
        .map(|&id| {
            lvis.cats
                .binary_search_by_key(&id, |c| c.0)
                .map(|i| lvis.cats[i])
                .map_err(|_| {
                    Error::msg(format!(
                        "category id {id} of cat_ids is not in the ground truth"
                    ))
                })
        })
        .collect::<Result<Vec<_>>>()?;
    summarize(acc, &cats, p.max_dets)
}

/// One `_summarize` selection.
struct Sel {
    key: String,
    ap: bool,
    iou_thr: Option<f64>,
    area: &'static str,
    freq: Option<char>,
}

/// `summarize` + `print_results`.
fn summarize(acc: Accumulation, cats: &[(i64, char)], max_dets: usize) -> Result<LvisReport> {
    let p = &acc.params;
    let [t_n, r_n, k_n, _, _] = acc.counts;
    let sel =
        |key: &str, ap: bool, iou_thr: Option<f64>, area: &'static str, freq: Option<char>| Sel {
            key: key.to_string(),
            ap,
            iou_thr,
            area,
            freq,
        };
    let sels = [
        sel("AP", true, None, "all", None),
        sel("AP50", true, Some(0.5), "all", None),
        sel("AP75", true, Some(0.75), "all", None),
        sel("APs", true, None, "small", None),
        sel("APm", true, None, "medium", None),
        sel("APl", true, None, "large", None),
        sel("APr", true, None, "all", Some('r')),
        sel("APc", true, None, "all", Some('c')),
        sel("APf", true, None, "all", Some('f')),
        sel(&format!("AR@{max_dets}"), false, None, "all", None),
        sel(&format!("ARs@{max_dets}"), false, None, "small", None),
        sel(&format!("ARm@{max_dets}"), false, None, "medium", None),
        sel(&format!("ARl@{max_dets}"), false, None, "large", None),
    ];
    // Each selection's IoU thresholds, areas and categories (in `_summarize`'s order of checks).
    struct Plan {
        ts: Vec<usize>,
        aidx: Vec<usize>,
        in_k: Vec<bool>,
    }
    let mut plans = Vec::with_capacity(sels.len());
    for s in &sels {
        let ts: Vec<usize> = (0..t_n)
            .filter(|&t| s.iou_thr.is_none_or(|thr| p.iou_thrs[t] == thr))
            .collect();
        let aidx: Vec<usize> = (0..p.area_rng_lbl.len())
            .filter(|&a| p.area_rng_lbl[a] == s.area)
            .collect();
        let in_k: Vec<bool> = (0..k_n)
            .map(|k| s.freq.is_none_or(|f| cats.get(k).is_some_and(|c| c.1 == f)))
            .collect();
        let ks = in_k.iter().filter(|&&x| x).count();
        if s.freq.is_some() && aidx.len() != 1 && ks != 0 && aidx.len() != ks {
            return Err(Error::msg(
                "area range labels cannot be broadcast with a frequency group",
            ));
        }
        plans.push(Plan { ts, aidx, in_k });
    }
    // The values above -1 of each selection, in C order (t, r, k, a) as numpy flattens them. Selections of
    // the same thresholds and areas (AP and APr/APc/APf) are gathered in one pass over `precision`: each
    // pass reads the whole array (the areas of a category are next to each other), which dominated the
    // summary on 1,203 categories.
    let mut values: Vec<Option<f64>> = vec![None; sels.len()];
    for i in 0..sels.len() {
        if values[i].is_some() {
            continue;
        }
        let (s, pl) = (&sels[i], &plans[i]);
        let group: Vec<usize> = (i..sels.len())
            .filter(|&j| {
                values[j].is_none()
                    && sels[j].ap == s.ap
                    && plans[j].ts == pl.ts
                    && plans[j].aidx == pl.aidx
            })
            .collect();
        let mut bufs: Vec<Vec<f64>> = vec![Vec::new(); group.len()];
        let mut take = |k: usize, v: f64| {
            if v > -1.0 {
                for (buf, &j) in bufs.iter_mut().zip(&group) {
                    if plans[j].in_k[k] {
                        buf.push(v);
                    }
                }
            }
        };
        let wanted: Vec<bool> = (0..k_n)
            .map(|k| group.iter().any(|&j| plans[j].in_k[k]))
            .collect();
        for &t in &pl.ts {
            let rs = if s.ap { 0..r_n } else { 0..1 };
            for r in rs {
                for k in (0..k_n).filter(|&k| wanted[k]) {
                    for &a in &pl.aidx {
                        let v = if s.ap {
                            acc.precision_at(t, r, k, a, 0)
                        } else {
                            acc.recall_at(t, k, a, 0)
                        };
                        take(k, v);
                    }
                }
            }
        }
        for (buf, &j) in bufs.iter().zip(&group) {
            values[j] = Some(if buf.is_empty() {
                -1.0
            } else {
                pairwise_sum(buf) / buf.len() as f64
            });
        }
    }
    let mut results = Vec::with_capacity(sels.len());
    let mut lines = Vec::with_capacity(sels.len());
    for (s, v) in sels.iter().zip(values) {
        let v = v.unwrap_or(-1.0);
        lines.push(line(
            &s.key,
            v,
            p.iou_thrs[0],
            p.iou_thrs[t_n - 1],
            max_dets,
        ));
        results.push((s.key.clone(), v));
    }
    let mut buf = Vec::new();
    // Each category's precisions in (t, r) order, gathered for a block of categories at a time: the
    // categories of one (t, r) are next to each other in `precision`, one category's values are not.
    const BLOCK: usize = 64;
    let per = t_n * r_n;
    let mut block = vec![0.0; BLOCK.min(k_n) * per];
    let mut per_category = Vec::with_capacity(k_n);
    for k0 in (0..k_n.min(cats.len())).step_by(BLOCK) {
        let k1 = (k0 + BLOCK).min(k_n).min(cats.len());
        for t in 0..t_n {
            for r in 0..r_n {
                for k in k0..k1 {
                    block[(k - k0) * per + t * r_n + r] = acc.precision_at(t, r, k, 0, 0);
                }
            }
        }
        for (k, &(category_id, frequency)) in cats.iter().enumerate().take(k1).skip(k0) {
            buf.clear();
            buf.extend(block[(k - k0) * per..][..per].iter().filter(|&&v| v > -1.0));
            let ap = if buf.is_empty() {
                -1.0
            } else {
                pairwise_sum(&buf) / buf.len() as f64
            };
            per_category.push(LvisClass {
                category_id,
                frequency,
                ap,
            });
        }
    }
    Ok(LvisReport {
        results,
        lines,
        per_category,
        accumulation: acc,
    })
}

/// One line of `print_results`, decoded from the key as lvis-api does: a digit at `key[2]` is an IoU
/// threshold (`AP50` → 0.50), `r`/`c`/`f` a frequency group, `s`/`m`/`l` an area printed as that letter.
fn line(key: &str, value: f64, t0: f64, t1: f64, max_dets: usize) -> String {
    let (title, kind) = if key.contains("AP") {
        ("Average Precision", "(AP)")
    } else {
        ("Average Recall", "(AR)")
    };
    let c2 = key.chars().nth(2);
    let iou = match c2 {
        Some(c) if c.is_ascii_digit() => {
            let thr = key[2..].parse::<f64>().unwrap_or(f64::NAN) / 100.0;
            format!("{thr:.2}")
        }
        _ => format!("{t0:.2}:{t1:.2}"),
    };
    let cat = match c2 {
        Some(c) if FREQUENCIES.contains(&c) => c.to_string(),
        _ => "all".to_string(),
    };
    let area = match c2 {
        Some(c @ ('s' | 'm' | 'l')) => c.to_string(),
        _ => "all".to_string(),
    };
    format!(
        " {title:<18} {kind} @[ IoU={iou:<9} | area={area:>6} | maxDets={max_dets:>3} catIds={cat:>3}] = {value:.3}"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn print_results_lines() {
        assert_eq!(
            line("AP50", 0.5, 0.5, 0.95, 300),
            " Average Precision  (AP) @[ IoU=0.50      | area=   all | maxDets=300 catIds=all] = 0.500"
        );
        assert_eq!(
            line("ARs@300", 0.25, 0.5, 0.95, 300),
            " Average Recall     (AR) @[ IoU=0.50:0.95 | area=     s | maxDets=300 catIds=all] = 0.250"
        );
        assert_eq!(
            line("APr", -1.0, 0.5, 0.95, 300),
            " Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=300 catIds=  r] = -1.000"
        );
    }

    #[test]
    fn int_lists() {
        assert_eq!(int_list("[3, 1, 2]").unwrap(), vec![3, 1, 2]);
        assert!(int_list("[]").unwrap().is_empty());
        assert!(int_list("{}").is_err());
    }
}
