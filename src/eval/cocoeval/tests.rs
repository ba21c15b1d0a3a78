//! Unit tests of the whole pipeline on tiny hand-made inputs: bad input, and numbers that can be worked out
//! by hand. Parity with pycocotools on larger inputs is in tests/cocoeval_golden.rs.

use super::*;
use crate::coco::{Category, Image, Segmentation};

fn image(id: i64) -> Image {
    Image {
        id,
        width: 100,
        height: 80,
        file_name: format!("{id}.jpg"),
        extra: Vec::new(),
    }
}

fn cat(id: i64) -> Category {
    Category {
        id,
        name: format!("c{id}"),
        supercategory: None,
        extra: Vec::new(),
    }
}

fn gt_box(id: i64, image_id: i64, category_id: i64, bbox: [f64; 4]) -> Annotation {
    Annotation {
        id: Some(id),
        image_id,
        category_id: Some(category_id),
        segmentation: None,
        area: Some(bbox[2] * bbox[3]),
        bbox: Some(bbox),
        iscrowd: Some(0),
        score: None,
        extra: Vec::new(),
        offset: 0,
    }
}

fn det(image_id: i64, category_id: i64, bbox: [f64; 4], score: f64) -> Annotation {
    Annotation {
        image_id,
        category_id: Some(category_id),
        bbox: Some(bbox),
        score: Some(score),
        offset: 1234,
        ..Default::default()
    }
}

struct Fixture {
    images: Vec<Image>,
    anns: Vec<Annotation>,
    cats: Vec<Category>,
}

impl Fixture {
    fn new() -> Fixture {
        Fixture {
            images: vec![image(1), image(2)],
            anns: vec![
                gt_box(1, 1, 1, [10.0, 10.0, 20.0, 20.0]),
                gt_box(2, 2, 2, [0.0, 0.0, 50.0, 40.0]),
            ],
            cats: vec![cat(1), cat(2)],
        }
    }
    fn gt(&self) -> GroundTruth<'_> {
        GroundTruth {
            images: &self.images,
            annotations: &self.anns,
            categories: &self.cats,
        }
    }
}

fn err(f: &Fixture, results: &[Annotation], iou: IouType) -> String {
    match run(f.gt(), results, &Params::new(iou)) {
        Ok(_) => panic!("expected an error"),
        Err(e) => {
            let s = e.to_string();
            assert!(!s.contains('\n'), "error must be one line: {s:?}");
            s
        }
    }
}

#[test]
fn perfect_detections_give_ap_just_below_one() {
    let f = Fixture::new();
    let res = vec![
        det(1, 1, [10.0, 10.0, 20.0, 20.0], 0.9),
        det(2, 2, [0.0, 0.0, 50.0, 40.0], 0.8),
    ];
    let r = run(f.gt(), &res, &Params::new(IouType::Bbox)).unwrap();
    let s = r.summary.stats.clone();
    // Precision of a lone hit is 1 / (1 + np.spacing(1)), just below 1 (pycocotools' exact stats);
    // small (400 px) and medium (2000 px) have one object each, large none (-1).
    let below = 1.0 / (1.0 + f64::EPSILON);
    assert_eq!(below, 0.9999999999999998);
    assert_eq!(
        &s[..6],
        &[
            below,
            0.9999999999999999,
            0.9999999999999999,
            below,
            below,
            -1.0
        ]
    );
    assert_eq!(&s[6..], &[1.0, 1.0, 1.0, 1.0, 1.0, -1.0]);
    assert_eq!(r.per_class.len(), 2);
    assert!(r
        .per_class
        .iter()
        .all(|c| (c.ap - below).abs() < 1e-15 && (c.ap50 - below).abs() < 1e-15));
    assert!(r.per_class.iter().all(|c| c.ar100 == 1.0));
    assert_eq!(
        r.summary.lines[0],
        " Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 1.000"
    );
    assert_eq!(
        r.summary.lines[11],
        " Average Recall     (AR) @[ IoU=0.50:0.95 | area= large | maxDets=100 ] = -1.000"
    );
    assert_eq!(r.summary.text().lines().count(), 12);
}

#[test]
fn false_positive_above_true_positive_halves_precision() {
    let f = Fixture::new();
    // Category 1: a miss scored higher than the hit. Precision at the hit is 1/2 for every recall threshold.
    let res = vec![
        det(1, 1, [60.0, 60.0, 10.0, 10.0], 0.9),
        det(1, 1, [10.0, 10.0, 20.0, 20.0], 0.5),
    ];
    let mut p = Params::new(IouType::Bbox);
    p.cat_ids = Some(vec![1]);
    let r = run(f.gt(), &res, &p).unwrap();
    // pycocotools: [.5, .5, .5, .5, -1, -1, 0, 1, 1, 1, -1, -1] (AR@1 = 0: the one kept detection misses).
    assert_eq!(
        r.summary.stats,
        [0.5, 0.5, 0.5, 0.5, -1.0, -1.0, 0.0, 1.0, 1.0, 1.0, -1.0, -1.0]
    );
}

#[test]
fn crowd_ground_truth_absorbs_detections() {
    let mut f = Fixture::new();
    f.anns.push(Annotation {
        iscrowd: Some(1),
        ..gt_box(3, 1, 1, [50.0, 40.0, 40.0, 30.0])
    });
    // Two detections inside the crowd region: matched to it, hence ignored, not false positives.
    let res = vec![
        det(1, 1, [55.0, 45.0, 10.0, 10.0], 0.95),
        det(1, 1, [70.0, 50.0, 10.0, 10.0], 0.94),
        det(1, 1, [10.0, 10.0, 20.0, 20.0], 0.5),
    ];
    let mut p = Params::new(IouType::Bbox);
    p.cat_ids = Some(vec![1]);
    let r = run(f.gt(), &res, &p).unwrap();
    // pycocotools: [1-2e-16, 1-1e-16, 1-1e-16, 1-2e-16, -1, -1, 0, 1, 1, 1, -1, -1]; AR@1 is 0 because the
    // one detection kept is the ignored one.
    let s = r.summary.stats;
    assert_eq!(
        &s[..4],
        &[
            0.9999999999999998,
            0.9999999999999999,
            0.9999999999999999,
            0.9999999999999998
        ]
    );
    assert_eq!(&s[4..], &[-1.0, -1.0, 0.0, 1.0, 1.0, 1.0, -1.0, -1.0]);
}

#[test]
fn empty_results_evaluate_as_no_detections() {
    let f = Fixture::new();
    let r = run(f.gt(), &[], &Params::new(IouType::Bbox)).unwrap();
    assert_eq!(&r.summary.stats[..5], &[0.0; 5]);
    assert_eq!(r.summary.stats[5], -1.0);
}

#[test]
fn no_images_gives_minus_one_everywhere() {
    let f = Fixture::new();
    let mut p = Params::new(IouType::Bbox);
    p.img_ids = Some(Vec::new());
    let r = run(f.gt(), &[det(1, 1, [10.0, 10.0, 20.0, 20.0], 0.9)], &p).unwrap();
    assert_eq!(r.summary.stats, [-1.0; 12]);
}

#[test]
fn unknown_image_is_an_error() {
    let f = Fixture::new();
    let e = err(
        &f,
        &[det(1, 1, [0.0; 4], 0.5), det(7, 1, [0.0; 4], 0.5)],
        IouType::Bbox,
    );
    assert!(e.contains("image_id 7") && e.contains("byte 1234"), "{e}");
}

#[test]
fn unknown_or_missing_category_is_an_error() {
    let f = Fixture::new();
    let e = err(&f, &[det(1, 9, [0.0; 4], 0.5)], IouType::Bbox);
    assert!(e.contains("category_id 9"), "{e}");
    let e = err(
        &f,
        &[Annotation {
            category_id: None,
            ..det(1, 1, [0.0; 4], 0.5)
        }],
        IouType::Bbox,
    );
    assert!(e.contains("no category_id"), "{e}");
}

#[test]
fn missing_or_nan_score_is_an_error() {
    let f = Fixture::new();
    let e = err(
        &f,
        &[Annotation {
            score: None,
            ..det(1, 1, [0.0; 4], 0.5)
        }],
        IouType::Bbox,
    );
    assert!(e.contains("no score"), "{e}");
    let e = err(
        &f,
        &[det(1, 1, [0.0; 4], 0.5), det(1, 1, [0.0; 4], f64::NAN)],
        IouType::Bbox,
    );
    assert!(e.contains("NaN"), "{e}");
}

#[test]
fn results_without_geometry_are_errors() {
    let f = Fixture::new();
    // First has a box: all need one.
    let e = err(
        &f,
        &[
            det(1, 1, [0.0; 4], 0.5),
            Annotation {
                bbox: None,
                ..det(1, 1, [0.0; 4], 0.4)
            },
        ],
        IouType::Bbox,
    );
    assert!(e.contains("no bbox"), "{e}");
    // First has neither.
    let e = err(
        &f,
        &[Annotation {
            bbox: None,
            ..det(1, 1, [0.0; 4], 0.4)
        }],
        IouType::Bbox,
    );
    assert!(e.contains("neither bbox nor segmentation"), "{e}");
}

#[test]
fn mixed_box_only_and_mask_results_are_refused_for_segm() {
    let f = Fixture::new();
    let rle = Segmentation::CompressedRle {
        h: 80,
        w: 100,
        counts: b"0".to_vec(),
    };
    let with_mask = Annotation {
        segmentation: Some(rle),
        ..det(1, 1, [0.0, 0.0, 1.0, 1.0], 0.5)
    };
    let e = err(
        &f,
        &[with_mask.clone(), det(1, 1, [0.0; 4], 0.4)],
        IouType::Segm,
    );
    assert!(e.contains("mix"), "{e}");
    let e = err(&f, &[det(1, 1, [0.0; 4], 0.4), with_mask], IouType::Segm);
    assert!(e.contains("mix"), "{e}");
}

#[test]
fn ground_truth_without_area_or_box_is_an_error() {
    let mut f = Fixture::new();
    f.anns[0].area = None;
    let e = err(&f, &[det(1, 1, [0.0; 4], 0.5)], IouType::Bbox);
    assert!(
        e.contains("no area") && e.contains("annotation id 1"),
        "{e}"
    );
    let mut f = Fixture::new();
    f.anns[1].bbox = None;
    let e = err(&f, &[det(1, 1, [0.0; 4], 0.5)], IouType::Bbox);
    assert!(
        e.contains("no bbox") && e.contains("annotation id 2"),
        "{e}"
    );
}

#[test]
fn bad_params_are_errors() {
    let f = Fixture::new();
    let mut p = Params::new(IouType::Bbox);
    p.max_dets = vec![1, 10];
    let e = run(f.gt(), &[], &p).unwrap_err().to_string();
    assert!(e.contains("3 maxDets"), "{e}");
    let mut p = Params::new(IouType::Bbox);
    p.area_rng.push([0.0, 1.0]);
    assert!(run(f.gt(), &[], &p).is_err());
}

#[test]
fn evaluation_reports_resolved_params() {
    let f = Fixture::new();
    let mut p = Params::new(IouType::Bbox);
    p.img_ids = Some(vec![2, 1, 2]);
    p.max_dets = vec![100, 1, 10];
    let ev = evaluate(f.gt(), &[], &p).unwrap();
    assert_eq!(ev.params().img_ids, vec![1, 2]);
    assert_eq!(ev.params().max_dets, vec![1, 10, 100]);
    assert_eq!(ev.params().cat_ids, vec![1, 2]);
}

fn rect_polygon(x: f64, y: f64, w: f64, h: f64) -> Segmentation {
    Segmentation::Polygons(vec![vec![x, y, x + w, y, x + w, y + h, x, y + h]])
}

fn with_segm(mut f: Fixture) -> Fixture {
    for a in &mut f.anns {
        let b = a.bbox.unwrap();
        a.segmentation = Some(rect_polygon(b[0], b[1], b[2], b[3]));
    }
    f
}

#[test]
fn segm_bad_mask_of_a_compared_detection_is_an_error() {
    let f = with_segm(Fixture::new());
    // counts "0" is one run of 0 pixels: not an 80x100 mask.
    let bad = Segmentation::CompressedRle {
        h: 80,
        w: 100,
        counts: b"0".to_vec(),
    };
    let res = vec![Annotation {
        segmentation: Some(bad),
        ..det(1, 1, [10.0, 10.0, 20.0, 20.0], 0.9)
    }];
    let e = err(&f, &res, IouType::Segm);
    assert!(e.contains("Invalid RLE") && e.contains("byte 1234"), "{e}");
}

#[test]
fn segm_ground_truth_without_usable_segmentation_is_an_error() {
    let mut f = with_segm(Fixture::new());
    f.anns[0].segmentation = None;
    let e = err(
        &f,
        &[det(1, 1, [10.0, 10.0, 20.0, 20.0], 0.9)],
        IouType::Segm,
    );
    assert!(
        e.contains("no segmentation") && e.contains("annotation id 1"),
        "{e}"
    );
    let mut f = with_segm(Fixture::new());
    f.anns[0].segmentation = Some(Segmentation::Empty);
    let e = err(
        &f,
        &[det(1, 1, [10.0, 10.0, 20.0, 20.0], 0.9)],
        IouType::Segm,
    );
    assert!(
        e.contains("empty segmentation") && e.contains("annotation id 1"),
        "{e}"
    );
}

#[test]
fn segm_box_results_are_box_polygons_with_box_areas() {
    // A box-only result on a square ground truth of the same box: IoU 1 as masks too.
    let f = with_segm(Fixture::new());
    let res = vec![
        det(1, 1, [10.0, 10.0, 20.0, 20.0], 0.9),
        det(2, 2, [0.0, 0.0, 50.0, 40.0], 0.8),
    ];
    let r = run(f.gt(), &res, &Params::new(IouType::Segm)).unwrap();
    let below = 1.0 / (1.0 + f64::EPSILON);
    assert_eq!(r.per_class[0].ap, below);
    assert_eq!(r.per_class[1].ap, below);
}

#[test]
fn segm_mask_results_take_area_and_box_from_the_mask() {
    // Results without bbox: the mask gives both. A 20x20 mask is "small" (400 <= 1024): with the small
    // range only, the detection still counts; with the large range only it is ignored, not a false positive.
    let f = with_segm(Fixture::new());
    let mask = crate::mask::segmentation::segmentation_to_rle(
        &rect_polygon(10.0, 10.0, 20.0, 20.0),
        80,
        100,
    )
    .unwrap()
    .unwrap();
    let seg = Segmentation::CompressedRle {
        h: 80,
        w: 100,
        counts: mask.to_compressed(),
    };
    let res = vec![Annotation {
        bbox: None,
        segmentation: Some(seg),
        ..det(1, 1, [0.0; 4], 0.9)
    }];
    let mut p = Params::new(IouType::Segm);
    p.cat_ids = Some(vec![1]);
    let r = run(f.gt(), &res, &p).unwrap();
    let below = 1.0 / (1.0 + f64::EPSILON);
    assert_eq!(r.summary.stats[0], below);
    assert_eq!(r.summary.stats[3], below); // small
    assert_eq!(r.summary.stats[5], -1.0); // large: no ground truth
    let mut p = Params::new(IouType::Bbox);
    p.cat_ids = Some(vec![1]);
    let r = run(f.gt(), &res, &p).unwrap();
    assert_eq!(r.summary.stats[0], below); // box from the mask equals the ground truth's box
}

#[test]
fn huge_max_dets_do_not_overflow() {
    let f = Fixture::new();
    let mut p = Params::new(IouType::Bbox);
    p.max_dets = vec![1, 10, usize::MAX];
    let res = vec![det(1, 1, [10.0, 10.0, 20.0, 20.0], 0.9)];
    let r = run(f.gt(), &res, &p).unwrap();
    assert_eq!(r.summary.stats[0], -1.0); // stats[0] is at maxDets = 100, which is not in the list
    assert!(r.summary.stats[1] > 0.0);
}

mod props {
    use super::*;
    use proptest::prelude::*;

    fn arb_box() -> impl Strategy<Value = [f64; 4]> {
        (0.0..90.0f64, 0.0..70.0f64, 0.0..40.0f64, 0.0..40.0f64)
            .prop_map(|(x, y, w, h)| [x, y, w, h])
    }

    prop_compose! {
        fn arb_case()(
            gts in prop::collection::vec((1i64..4, 1i64..3, arb_box(), any::<bool>(), -1i64..3), 0..12),
            dts in prop::collection::vec((1i64..4, 1i64..3, arb_box(), 0u8..5), 0..25),
            use_cats in any::<bool>(),
            max_dets in prop::collection::vec(0usize..6, 3..5),
        ) -> (Vec<Annotation>, Vec<Annotation>, bool, Vec<usize>) {
            let gt = gts.into_iter().map(|(img, c, b, crowd, id)| Annotation {
                iscrowd: Some(crowd as i64),
                ..gt_box(id, img, c, b)
            }).collect();
            // Few distinct scores: ties everywhere.
            let dt = dts.into_iter().map(|(img, c, b, s)| det(img, c, b, s as f64 / 4.0)).collect();
            (gt, dt, use_cats, max_dets)
        }
    }

    proptest! {
        /// Whatever the boxes, ids, crowds and maxDets: no panic, values in range, and the result does not
        /// depend on the thread schedule.
        #[test]
        fn bbox_eval_is_total_and_bounded((gt, dt, use_cats, max_dets) in arb_case()) {
            let f = Fixture { images: vec![image(1), image(2), image(3)], anns: gt, cats: vec![cat(1), cat(2)] };
            let mut p = Params::new(IouType::Bbox);
            p.use_cats = use_cats;
            p.max_dets = max_dets;
            let r = run(f.gt(), &dt, &p).unwrap();
            let acc = &r.accumulation;
            prop_assert!(acc.precision.iter().all(|&v| v == -1.0 || (0.0..=1.0).contains(&v)));
            prop_assert!(acc.recall.iter().all(|&v| v == -1.0 || (0.0..=1.0).contains(&v)));
            prop_assert!(r.summary.stats.iter().all(|&v| v == -1.0 || (0.0..=1.0).contains(&v)));
            let again = run(f.gt(), &dt, &p).unwrap();
            prop_assert_eq!(&again, &r);
        }
    }
}

/// Evaluate JSON texts the way the library API is used (crate reader → `run`) and the way the command
/// reads (`load` → `run_loaded`); both give the same report or the same error message.
fn both_paths(gt: &str, dt: &str, iou: IouType) -> (Result<Report>, Result<Report>) {
    use crate::coco::reader::{parse_results_with, Dataset, SegMode};
    let mode = match iou {
        IouType::Bbox | IouType::Keypoints => SegMode::Kind,
        IouType::Segm | IouType::Boundary => SegMode::Full,
    };
    let params = Params::new(iou);
    let api = (|| {
        let ds = Dataset::parse_with(gt.as_bytes(), mode)?;
        let mut res = parse_results_with(dt.as_bytes(), mode)?;
        if mode == SegMode::Kind && res.first().is_some_and(|r| r.bbox.is_none()) {
            res = parse_results_with(dt.as_bytes(), SegMode::Full)?;
        }
        run(GroundTruth::from(&ds), &res, &params)
    })();
    let loaded = (|| {
        let g = EvalGt::parse(gt.as_bytes(), mode)?;
        let mut d = EvalResults::parse(dt.as_bytes(), mode)?;
        if mode == crate::coco::reader::SegMode::Kind && d.first_has_no_bbox() {
            d = EvalResults::parse(dt.as_bytes(), SegMode::Full)?;
        }
        run_loaded(&g, &d, &params)
    })();
    (api, loaded)
}

#[test]
fn load_path_matches_the_reader_path_on_good_and_bad_input() {
    let gt_of = |seg: &str| {
        format!(
            r#"{{"images": [{{"id": 1, "width": 40, "height": 30}}],
            "categories": [{{"id": 1, "name": "a"}}],
            "annotations": [
              {{"id": 1, "image_id": 1, "category_id": 1, "area": 100.5, "iscrowd": 0, "bbox": [2, 3, 10, 10],
                "segmentation": {seg}}},
              {{"id": 2, "image_id": 1, "category_id": 1, "area": 1e2, "iscrowd": 1, "bbox": [20.0, 5, 8, 9],
                "segmentation": {{"size": [30, 40], "counts": [620, 9, 21, 9, 541]}}}}]}}"#
        )
    };
    use crate::mask::segmentation::rle_from_bbox;
    let rle_json = |bb: [f64; 4]| {
        let s = rle_from_bbox(bb, 30, 40).to_compressed_string();
        (
            s.clone(),
            format!(
                r#"{{"size": [30, 40], "counts": {}}}"#,
                serde_json::json!(s)
            ),
        )
    };
    let (_, second) = rle_json([19.0, 5.0, 8.0, 9.0]);
    let dt_of = |seg: &str| {
        format!(
            r#"[{{"image_id": 1, "category_id": 1, "score": 0.9, "bbox": [2, 3, 10.5, 10], "segmentation": {seg}}},
               {{"image_id": 1, "category_id": 1, "score": 0.8, "bbox": [19, 5, 8, 9], "segmentation": {second}}}]"#
        )
    };
    let (first, first_json) = rle_json([2.5, 3.0, 10.0, 10.0]);
    let good_gt = gt_of("[[2, 3, 12, 3, 12, 13.5, 2, 13]]");
    let good_dt = dt_of(&first_json);
    let cut = serde_json::json!(first[..first.len() - 1]).to_string();
    let escaped = serde_json::json!(first)
        .to_string()
        .replacen('2', "\\u0032", 1);
    let cases: Vec<(String, String)> = vec![
        (good_gt.clone(), good_dt.clone()),
        // shapes the fast path leaves to the reader
        (
            gt_of("[[2, 3, 1.2e1, 3, 12, 13.5, 2, 13]]"),
            good_dt.clone(),
        ),
        (gt_of("[[2, 3, 12, 3], [12, 13.5, 2, 13]]"), good_dt.clone()),
        (gt_of("[[2, 3, 12, 3, 12, 13.5, 2]]"), good_dt.clone()),
        (
            gt_of("[[2, 3, 12, 3, 12, 13.5, 2, 13], [1, 1, 5, 1, 5, 5]]"),
            good_dt.clone(),
        ),
        (gt_of("[]"), good_dt.clone()),
        (
            gt_of("[[2, \"x\", 12, 3, 12, 13.5, 2, 13]]"),
            good_dt.clone(),
        ),
        (gt_of("{\"size\": [30, 40]}"), good_dt.clone()),
        (
            good_gt.clone(),
            dt_of(&format!(r#"{{"size": [30, 40], "counts": {cut}}}"#)),
        ),
        (
            good_gt.clone(),
            dt_of(&format!(r#"{{"size": [30, 40], "counts": {escaped}}}"#)),
        ),
        (
            good_gt.clone(),
            dt_of(r#"{"size": [30, 40], "counts": "0\\\\"}"#),
        ),
        (
            good_gt.clone(),
            dt_of(r#"{"size": [30, 40], "counts": "\\u0030"}"#),
        ),
        (
            good_gt.clone(),
            dt_of(r#"{"size": [30, 40], "counts": [0, 1200]}"#),
        ),
        (good_gt.clone(), dt_of("[[2, 3, 12, 3, 12, 13, 2, 13]]")),
        (good_gt.clone(), dt_of("null")),
        (good_gt.clone(), good_dt.replace("\"score\": 0.9, ", "")),
        (
            good_gt.clone(),
            good_dt.replace("\"bbox\": [2, 3, 10.5, 10], ", ""),
        ),
        (
            good_gt.clone(),
            good_dt.replace(
                "\"image_id\": 1, \"category_id\": 1, \"score\": 0.9",
                "\"image_id\": 7, \"category_id\": 1, \"score\": 0.9",
            ),
        ),
        (good_gt.replace("\"area\": 100.5, ", ""), good_dt.clone()),
        (good_gt.clone(), good_dt.replace("0.9", "0.9e")),
        (
            good_gt.replace("\"id\": 1, \"image_id\"", "\"id\": 1, \"image_idx\""),
            good_dt.clone(),
        ),
    ];
    let mut errors = 0;
    for (i, (gt, dt)) in cases.iter().enumerate() {
        for iou in [IouType::Bbox, IouType::Segm] {
            let (api, loaded) = both_paths(gt, dt, iou);
            match (&api, &loaded) {
                (Ok(a), Ok(b)) => assert!(a == b, "case {i} {iou:?}: reports differ"),
                (Err(a), Err(b)) => {
                    assert_eq!(a.to_string(), b.to_string(), "case {i} {iou:?}");
                    errors += 1;
                }
                _ => panic!(
                    "case {i} {iou:?}: {:?} vs {:?}",
                    api.as_ref()
                        .map(|r| r.summary.stats[0])
                        .map_err(|e| e.to_string()),
                    loaded
                        .as_ref()
                        .map(|r| r.summary.stats[0])
                        .map_err(|e| e.to_string())
                ),
            }
        }
    }
    // The good case is a real evaluation, and the bad ones do fail.
    let (api, _) = both_paths(&good_gt, &good_dt, IouType::Segm);
    assert!(api.unwrap().summary.stats[0] > 0.0);
    assert!(errors >= 12, "{errors}");
}
