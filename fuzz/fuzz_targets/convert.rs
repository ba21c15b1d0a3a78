//! `convert --to rle` (the library's `ops::convert::convert`) on arbitrary bytes, stopping at the first bad
//! annotation and with `--skip-invalid`.
//!
//! Checks, beyond "no panic, no hang":
//! - what it writes is accepted by `convert` again and comes out byte for byte the same (every segmentation
//!   is then a canonical compressed RLE, which annToRLE hands back untouched; all else is copied);
//! - when the input is a dataset `Dataset::parse` accepts, the output is one too, with the same images,
//!   categories and other keys, and the same annotations apart from their segmentations (less the ones
//!   skipped, as many as the report says);
//! - converting is deterministic (two runs, same bytes), whatever rayon's scheduling;
//! - the annotation records cut by the workers from guessed starts (jobs of a few dozen bytes, so that
//!   small inputs have many) give the same bytes, report and error as records cut first.
#![no_main]

use cocokit::coco::reader::Dataset;
use cocokit::io::Input;
use cocokit::ops::convert::{convert, convert_with_span, ConvertOptions, Target};
use libfuzzer_sys::fuzz_target;

fn run(data: &[u8], skip: bool) -> Option<(Vec<u8>, cocokit::ops::convert::ConvertReport)> {
    let input = Input::from_bytes("fuzz.json", data.to_vec());
    let opts = ConvertOptions {
        target: Target::Rle,
        skip_invalid: skip,
    };
    let mut out = Vec::new();
    let rep = convert(&input, None, &opts, &mut out, &|_| {}).ok()?;
    Some((out, rep))
}

/// Output, report and error message of `convert_with_span`.
fn run_span(data: &[u8], skip: bool, span: usize) -> Result<(Vec<u8>, String), String> {
    let input = Input::from_bytes("fuzz.json", data.to_vec());
    let opts = ConvertOptions {
        target: Target::Rle,
        skip_invalid: skip,
    };
    let mut out = Vec::new();
    match convert_with_span(&input, None, &opts, &mut out, span) {
        Ok(rep) => Ok((out, format!("{rep:?}"))),
        Err(e) => Err(e.to_string()),
    }
}

fuzz_target!(|data: &[u8]| {
    for skip in [false, true] {
        let exact = run_span(data, skip, 0);
        for span in [23, 97, 1 << 15] {
            assert_eq!(exact, run_span(data, skip, span), "span {span} (skip {skip})");
        }
        let Some((out, rep)) = run(data, skip) else {
            continue;
        };
        let (again, rep2) = run(&out, false)
            .unwrap_or_else(|| panic!("convert refuses its own output (skip {skip})"));
        assert_eq!(out, again, "converting the output again changes it (skip {skip})");
        assert_eq!(rep2.skipped, 0);
        let (twice, _) = run(data, skip).expect("second run refuses what the first accepted");
        assert_eq!(out, twice, "two runs differ");
        if let Ok(ds) = Dataset::parse(data) {
            let got = Dataset::parse(&out)
                .unwrap_or_else(|e| panic!("output of a dataset is not one: {e} (skip {skip})"));
            assert_eq!(ds.images, got.images);
            assert_eq!(ds.categories, got.categories);
            assert_eq!(ds.other, got.other);
            assert_eq!(
                ds.annotations.len(),
                got.annotations.len() + rep.skipped as usize,
                "annotations kept + skipped"
            );
            if rep.skipped == 0 {
                for (a, b) in ds.annotations.iter().zip(&got.annotations) {
                    assert_eq!(a.id, b.id);
                    assert_eq!(a.image_id, b.image_id);
                    assert_eq!(a.category_id, b.category_id);
                    assert_eq!(a.area, b.area);
                    assert_eq!(a.bbox, b.bbox);
                    assert_eq!(a.iscrowd, b.iscrowd);
                    assert_eq!(a.score, b.score);
                    assert_eq!(a.extra, b.extra);
                    assert_eq!(a.segmentation.is_some(), b.segmentation.is_some());
                }
            }
        }
    }
});
