//! Records of [`EvalGt`] and [`EvalResults`] detached from the bytes they were read from, for a caller
//! that keeps them after dropping the file (the Python package's `COCO`, which re-reads the file when a
//! mask evaluation or its Python objects need more).
//!
//! What it is not: a copy of segmentations. Only records whose segmentation was not kept as bytes of the
//! input — read with `SegMode::Kind`, or decoded by the crate's reader — can be detached; `keypoints` text
//! is copied. `parse_owned` detaches each record while the reader gathers the records into one list (one
//! pass, in parallel); `into_owned` detaches records read before.

use std::borrow::Cow;

use super::load::{EvalGt, EvalResults, Keep, Keypoints, ReadMode, Record, Seg};
use crate::Result;

impl Record<'_> {
    /// Whether the record's data can be detached: its segmentation is not a range of the input.
    fn detachable(&self) -> bool {
        !matches!(self.seg, Seg::Polygons(_) | Seg::Compressed { .. })
    }

    /// The record owning all its data, or `None` when its segmentation is a range of the input.
    fn detach(self) -> Option<Record<'static>> {
        self.detachable().then(|| self.detach_fitting())
    }

    /// [`Record::detach`] of a [`Record::detachable`] record (a segmentation kept as a range of the
    /// input becomes `Seg::Unparsed`; `Keep` never passes one).
    fn detach_fitting(self) -> Record<'static> {
        let seg = match self.seg {
            Seg::None => Seg::None,
            Seg::Parsed(s) => Seg::Parsed(Cow::Owned(s.into_owned())),
            Seg::Unparsed | Seg::Polygons(_) | Seg::Compressed { .. } => Seg::Unparsed,
        };
        Record {
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
        }
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

/// Records detached as the reader gathers them.
fn detached<'a>() -> Keep<'a, 'static> {
    Keep {
        fits: Record::detachable,
        take: Record::detach_fitting,
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

impl EvalGt<'static> {
    /// [`EvalGt::parse`] then [`EvalGt::into_owned`], the records detached as they are gathered (no
    /// second pass over them); an error as well when a segmentation would be kept as bytes of `buf`.
    pub fn parse_owned(buf: &[u8], mode: impl Into<ReadMode>) -> Result<EvalGt<'static>> {
        EvalGt::parse_keeping(buf, mode.into(), detached())
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

impl EvalResults<'static> {
    /// [`EvalResults::parse`] then [`EvalResults::into_owned`], as [`EvalGt::parse_owned`].
    pub fn parse_owned(buf: &[u8], mode: impl Into<ReadMode>) -> Result<EvalResults<'static>> {
        EvalResults::parse_keeping(buf, mode.into(), detached())
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
        assert!(EvalGt::parse_owned(GT, SegMode::Full).is_err());
    }

    /// A results array of `n` records (RLE, polygons, an exponent that the fast path hands to the reader,
    /// keypoints text), large enough for the parallel reading when `n` is.
    fn results(n: usize) -> Vec<u8> {
        let recs: Vec<String> = (0..n)
            .map(|i| {
                let seg = match i % 3 {
                    0 => format!(r#"{{"size": [40, 60], "counts": "{}"}}"#, "a1b2".repeat(30)),
                    1 => "[[1.5, 2, 3.25, 4, 5, 6e0]]".to_string(),
                    _ => format!("[[{i}, 2, 3, 4, 5, 6]]"),
                };
                format!(
                    r#"{{"image_id": {}, "category_id": {}, "segmentation": {seg}, "bbox": [{}.5, 2, 3, 4], "score": 0.{}, "keypoints": [{i}, 2, 1]}}"#,
                    i / 7,
                    1 + i % 5,
                    i % 100,
                    1 + i % 999
                )
            })
            .collect();
        format!("[{}]", recs.join(", ")).into_bytes()
    }

    #[test]
    fn parse_owned_is_parse_then_into_owned() {
        // The ground truth's annotation array is read by the parallel jobs (it is larger than one job's
        // span); the small results file by the cut-then-read path; the synthetic arrays by both.
        let want = format!(
            "{:?}",
            EvalGt::parse(GT, SegMode::Kind)
                .unwrap()
                .into_owned()
                .unwrap()
                .annotations
        );
        let gt = EvalGt::parse_owned(GT, SegMode::Kind).unwrap();
        assert_eq!(format!("{:?}", gt.annotations), want);
        assert_eq!(gt.images.len(), 100);
        for buf in [DT.to_vec(), results(20), results(20_000)] {
            let want = EvalResults::parse(&buf, SegMode::Kind)
                .unwrap()
                .into_owned()
                .unwrap();
            let got = EvalResults::parse_owned(&buf, SegMode::Kind).unwrap();
            assert!(got.len() > 10);
            assert_eq!(format!("{:?}", got.records), format!("{:?}", want.records));
        }
        // Not a results array: the same error either way.
        let e = EvalResults::parse_owned(GT, SegMode::Kind).err().unwrap();
        let want = EvalResults::parse(GT, SegMode::Kind).err().unwrap();
        assert_eq!(e.to_string(), want.to_string());
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
