//! Records of [`EvalGt`] and [`EvalResults`] detached from the bytes they were read from, for a caller
//! that keeps them after dropping the file (the Python package's `COCO`, which re-reads the file when a
//! mask evaluation or its Python objects need more).
//!
//! What it is not: a copy of segmentations. Only records whose segmentation was not kept as bytes of the
//! input — read with `SegMode::Kind`, or decoded by the crate's reader — can be detached; `keypoints` text
//! is copied.

use std::borrow::Cow;

use super::load::{EvalGt, EvalResults, Keypoints, Record, Seg};

impl Record<'_> {
    /// The record owning all its data, or `None` when its segmentation is a range of the input.
    fn detach(self) -> Option<Record<'static>> {
        let seg = match self.seg {
            Seg::None => Seg::None,
            Seg::Unparsed => Seg::Unparsed,
            Seg::Parsed(s) => Seg::Parsed(Cow::Owned(s.into_owned())),
            Seg::Polygons(_) | Seg::Compressed { .. } => return None,
        };
        Some(Record {
            id: self.id,
            image_id: self.image_id,
            category_id: self.category_id,
            iscrowd: self.iscrowd,
            area: self.area,
            bbox: self.bbox,
            score: self.score,
            seg,
            keypoints: self.keypoints.map(Keypoints::detach),
            no_keypoints: self.no_keypoints,
            offset: self.offset,
        })
    }
}

impl Keypoints<'_> {
    fn detach(self) -> Keypoints<'static> {
        match self {
            Keypoints::Text(t) => Keypoints::Text(Box::new(Cow::Owned((*t).into_owned()))),
            Keypoints::Numbers(n) => Keypoints::Numbers(n),
        }
    }
}

fn detach_all(records: Vec<Record<'_>>) -> Option<Vec<Record<'static>>> {
    records.into_iter().map(Record::detach).collect()
}

impl EvalGt<'_> {
    /// The same ground truth no longer borrowing its input; `None` when a segmentation is kept as bytes
    /// of it (read with `SegMode::Full`).
    pub fn into_owned(self) -> Option<EvalGt<'static>> {
        Some(EvalGt {
            images: self.images,
            categories: self.categories,
            annotations: detach_all(self.annotations)?,
        })
    }
}

impl EvalResults<'_> {
    /// The same results no longer borrowing their input; `None` as for [`EvalGt::into_owned`].
    pub fn into_owned(self) -> Option<EvalResults<'static>> {
        Some(EvalResults {
            records: detach_all(self.records)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::{evaluate_loaded, IouType, Params};
    use super::*;
    use crate::coco::reader::SegMode;

    const GT: &[u8] =
        include_bytes!("../../../fixtures/cocoapi-val2014-100/instances_val2014_100.json");
    const DT: &[u8] = include_bytes!(
        "../../../fixtures/cocoapi-val2014-100/instances_val2014_fakebbox100_results.json"
    );

    fn stats(gt: &EvalGt<'_>, dt: &EvalResults<'_>) -> Vec<f64> {
        let ev = evaluate_loaded(gt, dt, &Params::new(IouType::Bbox)).unwrap();
        ev.accumulate().summarize().unwrap().stats
    }

    #[test]
    fn detached_records_evaluate_as_the_borrowed_ones() {
        let (gt, dt) = (
            EvalGt::parse(GT, SegMode::Kind).unwrap(),
            EvalResults::parse(DT, SegMode::Kind).unwrap(),
        );
        let want = stats(&gt, &dt);
        assert!(want[0] > 0.1);
        let (n_gt, n_dt) = (gt.annotation_keys().len(), dt.len());
        let keys: Vec<_> = gt.annotation_keys().collect();
        let gt = gt.into_owned().expect("Kind records detach");
        let dt = dt.into_owned().expect("Kind records detach");
        assert_eq!((gt.annotation_keys().len(), dt.len()), (n_gt, n_dt));
        assert_eq!(gt.annotation_keys().collect::<Vec<_>>(), keys);
        assert_eq!(stats(&gt, &dt), want);
    }

    #[test]
    fn segmentations_kept_as_input_bytes_do_not_detach() {
        let gt = EvalGt::parse(GT, SegMode::Full).unwrap();
        assert!(gt.into_owned().is_none());
    }

    #[test]
    fn keypoints_text_is_copied() {
        let text = br#"{"images": [{"id": 1, "width": 10, "height": 10}],
            "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "area": 4, "iscrowd": 0,
                "bbox": [1, 1, 2, 2], "num_keypoints": 1, "keypoints": [1, 2, 2]}],
            "categories": [{"id": 1, "name": "person"}]}"#
            .to_vec();
        let gt = EvalGt::parse(&text, SegMode::Kind)
            .unwrap()
            .into_owned()
            .unwrap();
        drop(text);
        match &gt.annotations[0].keypoints {
            Some(Keypoints::Text(t)) => assert_eq!(&***t, &b"[1, 2, 2]"[..]),
            other => panic!("keypoints read as text, kept as {other:?}"),
        }
        assert_eq!(gt.annotations[0].no_keypoints, Some(false));
    }
}
