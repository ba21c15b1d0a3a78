//! `--report report.html` of `eval coco` and `eval miou`: the [`Page`] of an evaluation — headline numbers, the
//! per-class table, PR curves (eval coco), the confusion heatmap (eval miou), and with an images directory the
//! worst images with their overlays. `render::html` turns the page into one self-contained file.
//!
//! The worst images (eval coco): every evaluated image's predictions with a score ≥ [`REPORT_SCORE_THR`] are
//! matched as `show` matches them (COCOeval's rule at IoU 0.5), and images are ranked by false positives +
//! false negatives, then by the lowest mean IoU of their true positives; up to [`WORST`] images with at least
//! one error are drawn.
//!
//! Not here: the numbers (the evaluators), the drawing (`ops::show`, `render`), writing the file (`cmd`).

use crate::coco::reader::{load_results, Dataset};
use crate::error::Result;
use crate::eval::cocoeval::IouType;
use crate::eval::miou::MiouResult;
use crate::ops::eval_coco::{EvalReport, Options};
use crate::ops::show::{self, Format, Scenes};
use crate::render::chart::pr_chart;
use crate::render::html::{Cell, Confusion, Page, Picture, Table, Tide};
use std::path::Path;

/// Predictions below this score are left out of the worst images' overlays.
pub const REPORT_SCORE_THR: f64 = 0.5;
/// How many worst images a report shows.
pub const WORST: usize = 12;

/// A value of pycocotools' stats (−1 = undefined) as shown: three decimals or "n/a".
fn stat(v: f64) -> String {
    if v < 0.0 || !v.is_finite() {
        "n/a".into()
    } else {
        format!("{v:.3}")
    }
}

/// −1 (undefined) as NaN, shown "n/a".
fn defined(v: f64) -> f64 {
    if v < 0.0 {
        f64::NAN
    } else {
        v
    }
}

/// The page of an `eval coco` run; `images_dir` adds the worst images.
pub fn coco_page(rep: &EvalReport, opts: &Options, images_dir: Option<&Path>) -> Result<Page> {
    let kp = rep.summary.iou_type == IouType::Keypoints;
    let labels: &[&str] = if kp {
        &[
            "AP",
            "AP50",
            "AP75",
            "AP medium",
            "AP large",
            "AR",
            "AR50",
            "AR75",
            "AR medium",
            "AR large",
        ]
    } else {
        &[
            "AP",
            "AP50",
            "AP75",
            "AP small",
            "AP medium",
            "AP large",
            "AR1",
            "AR10",
            "AR100",
            "AR small",
            "AR medium",
            "AR large",
        ]
    };
    let numbers = labels
        .iter()
        .zip(rep.summary.stats.iter())
        .map(|(l, v)| (l.to_string(), stat(*v)))
        .collect();
    let ar = if kp { "AR20" } else { "AR100" };
    let table = (!rep.per_class.is_empty()).then(|| Table {
        title: "Per class".into(),
        columns: ["id", "name", "AP", "AP50", "AP75", ar]
            .map(String::from)
            .to_vec(),
        rows: rep
            .per_class
            .iter()
            .map(|c| {
                vec![
                    Cell::Int(c.category_id),
                    Cell::Text(rep.names.get(&c.category_id).cloned().unwrap_or_default()),
                    Cell::Num(defined(c.ap)),
                    Cell::Num(defined(c.ap50)),
                    Cell::Num(defined(c.ap75)),
                    Cell::Num(defined(c.ar100)),
                ]
            })
            .collect(),
    });
    let mut page = Page {
        title: format!("cocokit eval coco — {}", rep.summary.iou_type.name()),
        facts: vec![
            ("ground truth".into(), opts.gt.clone()),
            ("results".into(), opts.dt.clone()),
            ("IoU type".into(), rep.summary.iou_type.name().into()),
        ],
        numbers,
        table,
        charts_title: "Precision–recall curves (area all, maxDets 100)".into(),
        notes: rep.warnings.clone(),
        ..Default::default()
    };
    if let Some(c) = &rep.curves {
        page.charts.push(pr_chart("All categories", c, &c.overall));
        page.class_charts = c
            .per_class
            .iter()
            .map(|curve| {
                let id = curve.category_id.unwrap_or_default();
                let name = rep.names.get(&id).cloned().unwrap_or_default();
                let label = format!("{id} {name}");
                (label.clone(), pr_chart(&label, c, curve))
            })
            .collect();
    }
    if let Some(c) = &rep.confusion {
        page.confusion = Some(Confusion {
            title: format!(
                "Confusion matrix (detections matched at IoU ≥ {}, score ≥ {})",
                c.iou_thr, c.score_thr
            ),
            labels: c.labels.clone(),
            counts: c.counts.clone(),
        });
    }
    if let Some(t) = &rep.tide {
        let m = &t.main;
        page.tide = Some(Tide {
            main: [
                ("cls", m.cls),
                ("loc", m.loc),
                ("both", m.both),
                ("dupe", m.dupe),
                ("bkg", m.bkg),
                ("miss", m.miss),
            ]
            .map(|(k, v)| (k.to_string(), v))
            .to_vec(),
            special: vec![
                ("false_pos".to_string(), t.false_pos),
                ("false_neg".to_string(), t.false_neg),
            ],
        });
    }
    if let Some(dir) = images_dir {
        page.pictures_title = format!(
            "Worst images (most false positives + false negatives at IoU 0.5, score ≥ {REPORT_SCORE_THR})"
        );
        page.pictures = worst_images(opts, dir)?;
    }
    Ok(page)
}

/// The [`WORST`] images with the most errors, drawn (JPEG).
fn worst_images(opts: &Options, dir: &Path) -> Result<Vec<Picture>> {
    let ds = Dataset::load(&opts.gt)?;
    let res = load_results(&opts.dt)?;
    let img_ids = opts.params.img_ids.clone().unwrap_or_default();
    let scenes = Scenes::plan(&ds, Some(&res), &img_ids, &opts.cats, REPORT_SCORE_THR)
        .map_err(|e| e.in_file(&opts.dt))?;
    let mut order: Vec<&show::Scene> = scenes.scenes.iter().filter(|s| s.fp + s.fn_ > 0).collect();
    order.sort_by(|a, b| {
        (b.fp + b.fn_)
            .cmp(&(a.fp + a.fn_))
            .then(
                a.mean_iou
                    .unwrap_or(1.0)
                    .total_cmp(&b.mean_iou.unwrap_or(1.0)),
            )
            .then(a.image.id.cmp(&b.image.id))
    });
    order.truncate(WORST);
    let chosen: Vec<show::Scene> = order.into_iter().cloned().collect();
    show::check_images(dir, &chosen)?;
    crate::coco::walk::par_map_ordered(&chosen, |s| {
        let img = show::render(&scenes, s, dir)?;
        let mut bytes = Vec::new();
        show::encode(&img, Format::Jpeg, &mut std::io::Cursor::new(&mut bytes))?;
        Ok(Picture {
            caption: format!(
                "image {} ({}): {} TP, {} FP, {} FN{}",
                s.image.id,
                s.image.file_name,
                s.tp,
                s.fp,
                s.fn_,
                s.mean_iou
                    .map(|v| format!(", mean TP IoU {v:.2}"))
                    .unwrap_or_default()
            ),
            mime: Format::Jpeg.mime(),
            bytes,
        })
    })
}

/// The page of an `eval miou` run: the means, the per-class table and the confusion matrix over the classes
/// present in the ground truth or the prediction.
pub fn miou_page(r: &MiouResult, gt: &str, pred: &str) -> Page {
    let pct = |v: f64| {
        if v.is_finite() {
            format!("{:.2}", v * 100.0)
        } else {
            "n/a".into()
        }
    };
    let present: Vec<usize> = (0..r.per_class.len())
        .filter(|&i| r.per_class[i].gt_pixels > 0 || r.per_class[i].pred_pixels > 0)
        .collect();
    let confusion =
        (!present.is_empty() && r.confusion.num_classes() == r.per_class.len()).then(|| {
            Confusion {
                title: "Confusion matrix (pixels)".into(),
                labels: present
                    .iter()
                    .map(|&i| r.per_class[i].name.clone())
                    .collect(),
                counts: present
                    .iter()
                    .map(|&g| present.iter().map(|&p| r.confusion.get(g, p)).collect())
                    .collect(),
            }
        });
    Page {
        title: "cocokit eval miou".into(),
        facts: vec![
            ("ground truth".into(), gt.into()),
            ("predictions".into(), pred.into()),
            ("convention".into(), r.convention.into()),
            ("images".into(), r.images.to_string()),
        ],
        numbers: vec![
            ("mIoU (%)".into(), pct(r.miou)),
            ("mAcc (%)".into(), pct(r.macc)),
            ("aAcc (%)".into(), pct(r.aacc)),
            ("fwIoU (%)".into(), pct(r.fwiou)),
            ("mDice (%)".into(), pct(r.mdice)),
        ],
        table: Some(Table {
            title: "Per class".into(),
            columns: [
                "id",
                "name",
                "IoU",
                "Acc",
                "Dice",
                "GT pixels",
                "predicted pixels",
            ]
            .map(String::from)
            .to_vec(),
            rows: r
                .per_class
                .iter()
                .map(|c| {
                    vec![
                        Cell::Int(c.id),
                        Cell::Text(c.name.clone()),
                        Cell::Num(c.iou),
                        Cell::Num(c.acc),
                        Cell::Num(c.dice),
                        Cell::Int(c.gt_pixels as i64),
                        Cell::Int(c.pred_pixels as i64),
                    ]
                })
                .collect(),
        }),
        charts_title: "Per-class IoU".into(),
        charts: vec![crate::eval::miou::report::render_svg(r)],
        confusion,
        ..Default::default()
    }
}
