//! `cocokit::mask::rle::Rle::from_compressed` on arbitrary strings, and what can be done with the masks it accepts.
//!
//! Input: byte 0 = a height hint, byte 1 = a width hint, the rest = the compressed string.
//!
//! Checks, beyond "no panic, no hang":
//! - the decoder agrees with an independent reading of the format (pycocotools `rleFrString` with cocokit's
//!   documented refusals: bytes outside '0'..='o', a string ending inside a count, more than 7 groups, a count
//!   outside 0..2³²): same counts, and accepted exactly when the counts add up to h·w;
//! - an accepted mask: counts add up to h·w, area ≤ h·w, `to_compressed` parses back to the same mask and is a
//!   fixed point, the bbox lies inside the image (or is pycocotools' documented empty-mask value), and for masks
//!   up to 2²⁰ pixels: area and bbox equal those of the decoded bitmap, the row-major decode is the transpose of
//!   the column-major one, re-encoding the bitmap gives canonical runs of the same bitmap, and union /
//!   intersection / IoU of those canonical runs with themselves and with their complement give what they must.
#![no_main]

use cocokit::mask::rle::{iou, Rle};
use cocokit_fuzz::Bytes;
use libfuzzer_sys::fuzz_target;

/// The counts of a compressed string, read independently; `None` where cocokit documents an error.
fn reference_counts(s: &[u8]) -> Option<Vec<u32>> {
    let mut counts: Vec<u32> = Vec::new();
    let mut p = 0;
    while p < s.len() {
        let mut x: i128 = 0;
        let mut groups = 0;
        loop {
            let b = *s.get(p)?;
            if !(48..=111).contains(&b) || groups == 7 {
                return None;
            }
            let c = (b - 48) as i128;
            x |= (c & 0x1f) << (5 * groups);
            groups += 1;
            p += 1;
            if c & 0x20 == 0 {
                if c & 0x10 != 0 {
                    x -= 1i128 << (5 * groups);
                }
                break;
            }
        }
        if counts.len() > 2 {
            x += counts[counts.len() - 2] as i128;
        }
        if !(0..=u32::MAX as i128).contains(&x) {
            return None;
        }
        counts.push(x as u32);
    }
    Some(counts)
}

fn bitmap_bbox(bm: &[u8], h: u32, w: u32) -> Option<[f64; 4]> {
    let (mut xs, mut ys, mut xe, mut ye) = (u32::MAX, u32::MAX, 0, 0);
    let mut any = false;
    for x in 0..w {
        for y in 0..h {
            if bm[x as usize * h as usize + y as usize] != 0 {
                any = true;
                xs = xs.min(x);
                xe = xe.max(x);
                ys = ys.min(y);
                ye = ye.max(y);
            }
        }
    }
    any.then(|| {
        [
            xs as f64,
            ys as f64,
            (xe - xs + 1) as f64,
            (ye - ys + 1) as f64,
        ]
    })
}

fn check(r: &Rle) {
    let (h, w) = (r.h, r.w);
    let px = r.pixels();
    assert!(
        r.is_valid(),
        "accepted mask whose counts do not add up to h*w"
    );
    let area = r.area();
    assert!(area <= px, "area {area} > {px}");
    let s = r.to_compressed();
    assert!(
        s.iter().all(|b| (b'0'..=b'o').contains(b)),
        "to_compressed wrote a byte outside '0'..'o'"
    );
    let back = Rle::from_compressed(h, w, &s).expect("to_compressed output must parse");
    assert_eq!(&back, r, "compressed round trip changed the mask");
    assert_eq!(
        back.to_compressed(),
        s,
        "to_compressed is not a fixed point"
    );
    assert_eq!(r.to_compressed_string().as_bytes(), &s[..]);

    let bb = r.to_bbox();
    if area > 0 {
        assert!(
            bb[2] >= 1.0 && bb[3] >= 1.0,
            "bbox {bb:?} of a non-empty mask"
        );
        assert!(
            bb[0] + bb[2] <= w as f64 && bb[1] + bb[3] <= h as f64,
            "bbox {bb:?} outside {h}x{w}"
        );
    } else if r.counts.len() < 2 {
        assert_eq!(bb, [0.0; 4]);
    } else {
        // pycocotools' quirk for empty masks of two or more runs (documented in Rle::to_bbox).
        let q = [
            w as f64,
            h as f64,
            1u32.wrapping_sub(w) as f64,
            1u32.wrapping_sub(h) as f64,
        ];
        assert_eq!(bb, q, "bbox of an empty mask");
    }

    if px > 1 << 20 {
        return;
    }
    let col = r.decode_col_major();
    assert_eq!(col.len() as u64, px);
    assert_eq!(
        col.iter().filter(|&&b| b != 0).count() as u64,
        area,
        "area vs bitmap"
    );
    if area > 0 {
        assert_eq!(Some(bb), bitmap_bbox(&col, h, w), "bbox vs bitmap");
    }
    let row = r.decode_row_major();
    for x in 0..w as usize {
        for y in 0..h as usize {
            assert_eq!(
                row[y * w as usize + x],
                col[x * h as usize + y],
                "row-major decode at {x},{y}"
            );
        }
    }
    let enc = Rle::encode_col_major(h, w, &col).expect("bitmap of the right size");
    assert!(
        enc.is_canonical(),
        "encoded bitmap not canonical: {:?}",
        enc.counts
    );
    assert_eq!(enc.decode_col_major(), col, "encode/decode");
    assert_eq!(
        Rle::encode_row_major(h, w, &row).expect("size"),
        enc,
        "row-major encode"
    );

    // Merge and IoU on canonical runs only: on runs with inner zero-length runs, pycocotools' rleMerge and
    // rleIou stop early when both masks reach such a run at the same pixel (their loops end when both
    // current runs are empty), and cocokit reproduces that on purpose.
    let same = Rle::merge(&[enc.clone(), enc.clone()], false);
    assert_eq!(same.decode_col_major(), col, "union with itself");
    let same = Rle::merge(&[enc.clone(), enc.clone()], true);
    assert_eq!(same.decode_col_major(), col, "intersection with itself");
    // The complement, canonical too: drop or add the leading empty run.
    let cc = match enc.counts.split_first() {
        Some((0, rest)) => rest.to_vec(),
        _ => [&[0][..], &enc.counts].concat(),
    };
    let comp = Rle::from_counts(h, w, cc).expect("complement counts add up");
    assert!(comp.is_canonical());
    assert_eq!(comp.area(), px - area);
    let all = Rle::merge(&[enc.clone(), comp.clone()], false);
    assert_eq!(all.area(), px, "union with the complement");
    assert!(all.is_valid());
    let none = Rle::merge(&[comp.clone(), enc.clone()], true);
    assert_eq!(none.area(), 0, "intersection with the complement");
    assert!(none.is_valid());
    if area > 0 {
        let o = iou(&[r.clone()], &[enc.clone()], &[false]);
        assert_eq!(o, vec![1.0], "iou with itself");
        if area < px {
            let o = iou(&[enc.clone()], &[comp], &[false]);
            assert_eq!(o, vec![0.0], "iou with the complement");
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let mut b = Bytes::new(data);
    let hh = b.u8() as u32;
    let wh = b.u8() as u32;
    let s = b.rest();
    // As given: accepted iff the reference reads it and the counts add up to hh*wh.
    let reference = reference_counts(s);
    let given = Rle::from_compressed(hh, wh, s);
    let sum = reference
        .as_ref()
        .map(|c| c.iter().map(|&x| x as u64).sum::<u64>());
    assert_eq!(
        given.is_ok(),
        sum == Some(hh as u64 * wh as u64),
        "from_compressed({hh}, {wh}, {:?}) = {:?}, reference {:?}",
        String::from_utf8_lossy(s),
        given,
        reference
    );
    if let Ok(r) = &given {
        assert_eq!(Some(&r.counts), reference.as_ref());
        check(r);
    }
    // With a size that fits the counts: h = the hint when it divides the sum, else 1.
    let (Some(counts), Some(sum)) = (reference, sum) else {
        return;
    };
    let h = if hh > 0 && sum % hh as u64 == 0 {
        hh as u64
    } else {
        1
    };
    let Ok(w) = u32::try_from(sum / h) else {
        return;
    };
    let r = Rle::from_compressed(h as u32, w, s)
        .unwrap_or_else(|e| panic!("counts add up to {h}x{w} but refused: {e}"));
    assert_eq!(r.counts, counts);
    check(&r);
});
