//! Sharded COCO evaluation as operations: `eval coco --partial` ([`partial`]) evaluates the results of a
//! shard of the images and writes their evaluation state to a checkpoint file; `eval merge` ([`merge`])
//! reads checkpoints, accumulates and summarizes — numbers bit-identical to `eval coco` on all the results at
//! once, for any split of the images.
//!
//! A shard is the image ids given (`params.img_ids`: `--img-ids`), or else the images the results file has
//! results for; either way the evaluation covers every image of the ground truth, so images no shard holds
//! count with their ground truths only (as when a one-shot run has no results for them). The state and its
//! format are `eval::cocoeval::partial`'s. Not here: printing (see `cmd::eval_coco`, `cmd::eval_merge`).

use std::collections::HashSet;

use rayon::prelude::*;

use crate::error::Result;
use crate::eval::cocoeval::partial::{self, Partial, ResultsBranch};
use crate::eval::cocoeval::{self, evaluate_loaded};
use crate::io::{Input, Output};
use crate::ops::eval_coco::{with_inputs, EvalReport, Options};

/// What a partial holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartialInfo {
    /// Images of the shard.
    pub images: usize,
    /// Detections kept (at most maxDets per image and category).
    pub detections: usize,
    /// Warnings, as `eval coco` gives them (`--img-ids` naming unknown images, ...).
    pub warnings: Vec<String>,
}

/// Evaluate the shard's results and write the checkpoint to `out` (atomically; never over an input).
pub fn partial(opts: &Options, out: &str) -> Result<PartialInfo> {
    let (p, warnings) = with_inputs(opts, |mut inp| {
        let shard: Vec<i64> = match inp.params.img_ids.take() {
            Some(ids) => {
                // The file's first result stays: loadRes picks its branch (boxes, masks, keypoints) from it,
                // as for the whole file. Its image's cell is left out of the partial when not in the shard.
                let keep: HashSet<i64> = ids.iter().copied().collect();
                let mut first = true;
                inp.dt
                    .records
                    .retain(|r| std::mem::take(&mut first) || keep.contains(&r.image_id));
                ids
            }
            None => inp.dt.records.iter().map(|r| r.image_id).collect(),
        };
        let ev =
            evaluate_loaded(&inp.gt, &inp.dt, &inp.params).map_err(|e| inp.dt_source.blame(e))?;
        let cats = inp
            .gt
            .categories
            .iter()
            .map(|c| (c.id, c.name.clone()))
            .collect();
        let p = Partial::of_evaluation(
            &ev,
            partial::fingerprint(inp.gt_bytes),
            ResultsBranch::of(&inp.dt.records),
            cats,
            shard,
        );
        Ok((p, inp.warnings))
    })?;
    let mut o = Output::create(Some(out), &[&opts.gt, &opts.dt])?;
    o.writer().write_all(&p.encode())?;
    o.commit()?;
    Ok(PartialInfo {
        images: p.shard.len(),
        detections: p.detections(),
        warnings,
    })
}

/// Read checkpoints (in parallel), merge, accumulate and summarize. An unreadable or corrupt file, or files
/// that do not belong together, give a one-line error naming the file(s).
pub fn merge(paths: &[String]) -> Result<EvalReport> {
    let parts: Vec<Result<(String, Partial)>> = paths
        .par_iter()
        .map(|p| {
            let input = Input::open(p)?;
            let part = Partial::decode(input.bytes()).map_err(|e| e.in_file(p))?;
            Ok((p.clone(), part))
        })
        .collect();
    let parts = parts.into_iter().collect::<Result<Vec<_>>>()?;
    let (ev, cats) = partial::merge(&parts)?;
    drop(parts);
    let report = cocoeval::report(ev)?;
    Ok(EvalReport {
        summary: report.summary,
        per_class: report.per_class,
        names: cats.into_iter().collect(),
        warnings: Vec::new(),
        // The analyses need the detections themselves, which partials do not keep.
        tide: None,
        confusion: None,
        operating_point: None,
        curves: None,
    })
}
