//! Unit tests of the entry points for results already through `loadRes` ([`evaluate_loaded_dets`],
//! [`evaluate_loaded_dets_detailed`]): the same numbers as `loadRes` + evaluation when the fields agree,
//! pycocotools' `gtm > 0` quirk for detections with id 0, and details consistent with the outcomes.
//! Parity of both with pycocotools on real data is tested from Python (python/tests/test_cocoeval.py).

use super::*;
use crate::coco::{Category, Image};

fn image(id: i64) -> Image {
    Image {
        id,
        width: 100,
        height: 80,
        ..Image::default()
    }
}

fn gt_box(id: i64, image_id: i64, bbox: [f64; 4]) -> Annotation {
    Annotation {
        id: Some(id),
        image_id,
        category_id: Some(1),
        area: Some(bbox[2] * bbox[3]),
        bbox: Some(bbox),
        iscrowd: Some(0),
        ..Annotation::default()
    }
}

/// A detection as `loadRes`' box branch leaves it: id, area `w * h`.
fn loaded(id: i64, image_id: i64, bbox: [f64; 4], score: f64) -> Annotation {
    Annotation {
        id: Some(id),
        image_id,
        category_id: Some(1),
        area: Some(bbox[2] * bbox[3]),
        bbox: Some(bbox),
        score: Some(score),
        iscrowd: Some(0),
        ..Annotation::default()
    }
}

struct Data {
    images: Vec<Image>,
    anns: Vec<Annotation>,
    cats: Vec<Category>,
}

impl Data {
    fn new() -> Data {
        Data {
            images: vec![image(1), image(2)],
            anns: vec![
                gt_box(1, 1, [10.0, 10.0, 20.0, 20.0]),
                gt_box(2, 1, [50.0, 10.0, 20.0, 20.0]),
                gt_box(3, 2, [0.0, 0.0, 50.0, 40.0]),
            ],
            cats: vec![Category {
                id: 1,
                name: "c".into(),
                ..Category::default()
            }],
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

fn dets() -> Vec<Annotation> {
    vec![
        loaded(1, 1, [11.0, 11.0, 20.0, 20.0], 0.9),
        loaded(2, 1, [10.0, 10.0, 19.0, 21.0], 0.8),
        loaded(3, 1, [52.0, 12.0, 20.0, 18.0], 0.7),
        loaded(4, 2, [5.0, 0.0, 45.0, 40.0], 0.6),
        loaded(5, 2, [60.0, 50.0, 10.0, 10.0], 0.95),
    ]
}

#[test]
fn loaded_results_give_the_numbers_of_load_res() {
    let d = Data::new();
    let p = Params::new(IouType::Bbox);
    let raw: Vec<Annotation> = dets()
        .into_iter()
        .map(|mut a| {
            a.id = None;
            a.area = None;
            a
        })
        .collect();
    let a = evaluate(d.gt(), &raw, &p).unwrap().accumulate();
    let b = evaluate_loaded_dets(d.gt(), &dets(), &p)
        .unwrap()
        .accumulate();
    assert_eq!(a, b);
    let s = b.summarize().unwrap();
    assert!(s.stats[0] > 0.0);
}

#[test]
fn detection_id_zero_leaves_its_ground_truth_free() {
    // Two detections on one ground truth: with ids 1 and 2 the second is a false positive; when the first
    // has id 0, evaluateImg stores gtm = 0 and the second takes the ground truth again (a true positive).
    let d = Data::new();
    let p = Params::new(IouType::Bbox);
    let mut two = vec![
        loaded(1, 1, [10.0, 10.0, 20.0, 20.0], 0.9),
        loaded(2, 1, [10.0, 10.0, 20.0, 20.0], 0.8),
    ];
    let tp_of = |dets: &[Annotation]| {
        let (_, det) = evaluate_loaded_dets_detailed(d.gt(), dets, &p).unwrap();
        let cell = det.iter().find(|c| c.img == 0).unwrap();
        // area range 0 ("all"), threshold 0: both detections' matches
        let n_d = cell.dt.len();
        cell.dt_match[..n_d].to_vec()
    };
    assert_eq!(tp_of(&two), vec![0, u32::MAX]);
    two[0].id = Some(0);
    assert_eq!(tp_of(&two), vec![0, 0]);
}

#[test]
fn details_agree_with_the_outcomes() {
    let d = Data::new();
    let p = Params::new(IouType::Bbox);
    let (ev, det) = evaluate_loaded_dets_detailed(d.gt(), &dets(), &p).unwrap();
    assert_eq!(det.len(), ev.cells.len());
    let (a_n, t_n) = (p.area_rng.len(), p.iou_thrs.len());
    for (c, cell) in det.iter().enumerate() {
        let (g_n, d_n) = (cell.gt.len(), cell.dt.len());
        assert_eq!((cell.k, cell.img), (ev.cells[c].k, ev.cells[c].img));
        assert_eq!(cell.iou.len(), g_n * d_n);
        assert_eq!(cell.dt_match.len(), a_n * t_n * d_n);
        assert_eq!(cell.gt_match.len(), a_n * t_n * g_n);
        let states = &ev.states[ev.state_off[c]..ev.state_off[c + 1]];
        for (i, &s) in states.iter().enumerate() {
            assert_eq!(cell.dt_ignore[i], s == evaluate::IGNORED);
            if s == evaluate::TP {
                assert_ne!(cell.dt_match[i], u32::MAX);
            }
        }
        // Every match is mutual: the ground truth a detection took names that detection back.
        for a in 0..a_n {
            for t in 0..t_n {
                for dd in 0..d_n {
                    let m = cell.dt_match[(a * t_n + t) * d_n + dd];
                    if m == u32::MAX {
                        continue;
                    }
                    let order = &cell.gt_order[a * g_n..(a + 1) * g_n];
                    let pos = order.iter().position(|&g| g == m).unwrap();
                    assert_eq!(cell.gt_match[(a * t_n + t) * g_n + pos], dd as u32);
                }
            }
        }
    }
}
