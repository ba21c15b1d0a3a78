//! Evaluation parameters: pycocotools' `Params` (`setDetParams`) and the numpy details that make its
//! thresholds what they are.
//!
//! Not here: any evaluation. [`Params`] is what a caller asks for; [`EvalParams`] is what `evaluate` actually
//! used after resolving it the way `COCOeval.evaluate` does (`np.unique` of image and category ids, sorted
//! `maxDets`).

use crate::{Error, Result};

/// Which geometry the IoU is computed on (`iouType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IouType {
    /// Boxes `[x, y, w, h]` (`bbIou`).
    Bbox,
    /// Masks as RLE (`rleIou`).
    Segm,
    /// Keypoints `[x1, y1, v1, ...]`, compared by object keypoint similarity (`computeOks`).
    Keypoints,
    /// Masks compared by `min(mask IoU, boundary IoU)` (boundary-iou-api's `computeBoundaryIoU`).
    Boundary,
}

impl IouType {
    /// Whether ground truths and results are compared as masks (segm, boundary).
    pub fn uses_masks(self) -> bool {
        matches!(self, IouType::Segm | IouType::Boundary)
    }
}

impl IouType {
    /// `"bbox"`, `"segm"` or `"keypoints"`, as pycocotools spells it.
    pub fn name(self) -> &'static str {
        match self {
            IouType::Bbox => "bbox",
            IouType::Segm => "segm",
            IouType::Keypoints => "keypoints",
            IouType::Boundary => "boundary",
        }
    }

    /// Parse `"bbox"` / `"segm"` / `"keypoints"`.
    pub fn parse(s: &str) -> Result<IouType> {
        match s {
            "bbox" => Ok(IouType::Bbox),
            "segm" => Ok(IouType::Segm),
            "keypoints" => Ok(IouType::Keypoints),
            "boundary" => Ok(IouType::Boundary),
            other => Err(Error::msg(format!(
                "unknown iou type {other:?} (expected bbox, segm, keypoints or boundary)"
            ))),
        }
    }
}

/// `np.linspace(start, stop, num, endpoint=True)` with numpy's exact arithmetic: `i * step + start` with
/// `step = (stop - start) / (num - 1)` (or `i / div * delta` when the step underflows to 0), and the last
/// value set to `stop`.
pub fn linspace(start: f64, stop: f64, num: usize) -> Vec<f64> {
    if num == 0 {
        return Vec::new();
    }
    let div = (num - 1) as f64;
    let delta = stop - start;
    let step = delta / div;
    let mut y: Vec<f64> = (0..num)
        .map(|i| {
            let i = i as f64;
            // numpy: with div == 0 (one value) the step is undefined and y = i * delta = 0.
            if num == 1 {
                0.0
            } else if step == 0.0 {
                i / div * delta
            } else {
                i * step
            }
        })
        .collect();
    for v in &mut y {
        *v += start;
    }
    if num > 1 {
        y[num - 1] = stop;
    }
    y
}

/// The evaluation parameters a caller asks for. `Params::new` gives pycocotools' defaults for detection.
#[derive(Debug, Clone, PartialEq)]
pub struct Params {
    pub iou_type: IouType,
    /// Images to evaluate (`imgIds`); `None` = every image of the ground truth.
    pub img_ids: Option<Vec<i64>>,
    /// Categories to evaluate (`catIds`); `None` = every category of the ground truth.
    pub cat_ids: Option<Vec<i64>>,
    /// IoU thresholds (`iouThrs`), default `np.linspace(.5, .95, 10)`.
    pub iou_thrs: Vec<f64>,
    /// Recall thresholds (`recThrs`), default `np.linspace(0, 1, 101)`.
    pub rec_thrs: Vec<f64>,
    /// Maximum detections per image (`maxDets`), default `[1, 10, 100]`; sorted by `evaluate`.
    pub max_dets: Vec<usize>,
    /// Object area ranges `[lo, hi]` (`areaRng`, compared on the `area` field, bounds inclusive).
    pub area_rng: Vec<[f64; 2]>,
    /// Labels of the area ranges (`areaRngLbl`); `summarize` looks up `all`, `small`, `medium`, `large`.
    pub area_rng_lbl: Vec<String>,
    /// `useCats`: when false, categories are ignored (all of an image's objects form one pool).
    pub use_cats: bool,
    /// `kpt_oks_sigmas`: one per keypoint (their count is the keypoint count); keypoints only.
    pub kpt_oks_sigmas: Vec<f64>,
    /// Boundary width as a fraction of the image diagonal (boundary-iou-api's `dilation_ratio`, 0.02);
    /// boundary only.
    pub dilation_ratio: f64,
}

/// COCO's 17 person keypoint sigmas as pycocotools writes them, before its division by 10.
const COCO_SIGMAS_X10: [f64; 17] = [
    0.26, 0.25, 0.25, 0.35, 0.35, 0.79, 0.79, 0.72, 0.72, 0.62, 0.62, 1.07, 1.07, 0.87, 0.87, 0.89,
    0.89,
];

/// pycocotools' default `kpt_oks_sigmas`: `np.array([.26, .25, ...]) / 10.0` (the division is kept: the
/// quotients are not the decimal literals `.026`, ...).
pub fn coco_kpt_oks_sigmas() -> Vec<f64> {
    COCO_SIGMAS_X10.iter().map(|s| s / 10.0).collect()
}

impl Params {
    /// pycocotools' `Params(iouType)`: `setDetParams` for bbox/segm, `setKpParams` for keypoints
    /// (maxDets `[20]`, area ranges all/medium/large with bounds `0**2, 32**2, 96**2, 1e5**2`).
    pub fn new(iou_type: IouType) -> Params {
        if iou_type == IouType::Keypoints {
            return Params {
                iou_type,
                img_ids: None,
                cat_ids: None,
                iou_thrs: linspace(0.5, 0.95, 10),
                rec_thrs: linspace(0.0, 1.0, 101),
                max_dets: vec![20],
                area_rng: vec![[0.0, 1e10], [1024.0, 9216.0], [9216.0, 1e10]],
                area_rng_lbl: ["all", "medium", "large"]
                    .iter()
                    .map(|s| s.to_string())
                    .collect(),
                use_cats: true,
                kpt_oks_sigmas: coco_kpt_oks_sigmas(),
                dilation_ratio: 0.02,
            };
        }
        // iouThrs: int(np.round((0.95 - .5) / .05)) + 1 = 10 values; recThrs: int(np.round(1 / .01)) + 1 = 101.
        Params {
            iou_type,
            img_ids: None,
            cat_ids: None,
            iou_thrs: linspace(0.5, 0.95, 10),
            rec_thrs: linspace(0.0, 1.0, 101),
            max_dets: vec![1, 10, 100],
            area_rng: vec![[0.0, 1e10], [0.0, 1024.0], [1024.0, 9216.0], [9216.0, 1e10]],
            area_rng_lbl: ["all", "small", "medium", "large"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
            use_cats: true,
            kpt_oks_sigmas: coco_kpt_oks_sigmas(),
            dilation_ratio: 0.02,
        }
    }

    /// Check what pycocotools would crash on, as one-line errors.
    pub fn validate(&self) -> Result<()> {
        if self.iou_thrs.is_empty() {
            return Err(Error::msg("no IoU thresholds"));
        }
        if self
            .iou_thrs
            .iter()
            .chain(&self.rec_thrs)
            .any(|v| v.is_nan())
        {
            return Err(Error::msg(
                "IoU and recall thresholds must be numbers, not NaN",
            ));
        }
        if self.max_dets.is_empty() {
            return Err(Error::msg("no maxDets values"));
        }
        if self.iou_type == IouType::Keypoints {
            if self.kpt_oks_sigmas.is_empty() {
                return Err(Error::msg("no keypoint sigmas"));
            }
            if let Some(s) = self
                .kpt_oks_sigmas
                .iter()
                .find(|s| !(s.is_finite() && **s > 0.0))
            {
                return Err(Error::msg(format!(
                    "keypoint sigma {s} is not a positive number"
                )));
            }
        }
        if self.iou_type == IouType::Boundary
            && !(self.dilation_ratio.is_finite() && self.dilation_ratio >= 0.0)
        {
            return Err(Error::msg(format!(
                "dilation ratio {} is not a number >= 0",
                self.dilation_ratio
            )));
        }
        if self.area_rng.len() != self.area_rng_lbl.len() {
            return Err(Error::msg(format!(
                "{} area ranges but {} area range labels",
                self.area_rng.len(),
                self.area_rng_lbl.len()
            )));
        }
        Ok(())
    }
}

/// The parameters as `evaluate` used them (pycocotools' `_paramsEval`): image ids sorted and unique, category
/// ids sorted and unique when `use_cats` (kept as given otherwise, as pycocotools does), `max_dets` sorted.
#[derive(Debug, Clone, PartialEq)]
pub struct EvalParams {
    pub iou_type: IouType,
    pub img_ids: Vec<i64>,
    pub cat_ids: Vec<i64>,
    pub iou_thrs: Vec<f64>,
    pub rec_thrs: Vec<f64>,
    pub max_dets: Vec<usize>,
    pub area_rng: Vec<[f64; 2]>,
    pub area_rng_lbl: Vec<String>,
    pub use_cats: bool,
    pub kpt_oks_sigmas: Vec<f64>,
    pub dilation_ratio: f64,
}

impl EvalParams {
    /// `K` of the result arrays: the number of categories, or 1 without categories.
    pub fn n_cats(&self) -> usize {
        if self.use_cats {
            self.cat_ids.len()
        } else {
            1
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_thresholds_are_numpys() {
        // repr() of np.linspace(.5, 0.95, 10) under numpy 2.4.
        let want: [f64; 10] = [
            0.5,
            0.55,
            0.6,
            0.65,
            0.7,
            0.75,
            0.8,
            0.85,
            0.8999999999999999,
            0.95,
        ];
        let got = linspace(0.5, 0.95, 10);
        assert_eq!(
            got.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            want.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
        );
        let r = linspace(0.0, 1.0, 101);
        assert_eq!(r.len(), 101);
        // A few values where i * 0.01 differs from the decimal literal.
        assert_eq!(r[35], 0.35000000000000003);
        assert_eq!(r[41], 0.41000000000000003);
        assert_eq!(r[57], 0.5700000000000001);
        assert_eq!(r[94], 0.9400000000000001);
        assert_eq!(r[95], 0.9500000000000001);
        assert_eq!(r[100], 1.0);
        assert_eq!(linspace(3.0, 7.0, 1), vec![3.0]);
        assert!(linspace(0.0, 1.0, 0).is_empty());
    }

    #[test]
    fn iou_type_parse() {
        assert_eq!(IouType::parse("segm").unwrap(), IouType::Segm);
        assert_eq!(IouType::parse("bbox").unwrap().name(), "bbox");
        assert_eq!(IouType::parse("keypoints").unwrap(), IouType::Keypoints);
        assert_eq!(IouType::parse("boundary").unwrap(), IouType::Boundary);
        assert!(IouType::parse("boxes").is_err());
    }

    #[test]
    fn validate_rejects_bad_params() {
        let mut p = Params::new(IouType::Bbox);
        assert!(p.validate().is_ok());
        p.area_rng_lbl.pop();
        assert!(p.validate().is_err());
        let mut p = Params::new(IouType::Bbox);
        p.max_dets.clear();
        assert!(p.validate().is_err());
        let mut p = Params::new(IouType::Bbox);
        p.iou_thrs.clear();
        assert!(p.validate().is_err());
    }
}
