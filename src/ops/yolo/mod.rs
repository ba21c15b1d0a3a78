//! YOLO (ultralytics) labels in and out: `cocokit export --to yolo` ([`export`]) and `cocokit import --from yolo`
//! ([`import`]).
//!
//! The layout is the one ultralytics' trainers read (docs.ultralytics.com/datasets/detect, /segment): a label
//! file per image, found by replacing the image path's `images` directory with `labels` and its extension with
//! `.txt`; one object per line, `class cx cy w h` (box centre and size divided by the image's width and height)
//! or `class x1 y1 x2 y2 ...` (a polygon, normalized the same way); and a `data.yaml` whose `names` lists the
//! classes (class `k` is `names[k]`).
//!
//! Here: the conversion rules, mirroring ultralytics' `ultralytics/data/converter.py` (`convert_coco`,
//! `merge_multi_segment`, `min_index`; the successor of JSON2YOLO's `general_json2yolo.py`), the number format,
//! and `data.yaml`. Not here: the record walk (`coco::walk`), mask arithmetic and contour tracing (`mask`),
//! argument parsing (`cmd::export`, `cmd::import`).

pub mod export;
pub mod import;

pub use export::{export, ExportOptions, ExportReport};
pub use import::{import, ImportOptions, ImportReport};

/// The image file extensions ultralytics loads (`ultralytics.data.utils.IMG_FORMATS`), lower case.
pub const IMAGE_EXTENSIONS: [&str; 11] = [
    "bmp", "dng", "jpeg", "jpg", "mpo", "png", "tif", "tiff", "webp", "pfm", "heic",
];

/// `v` as Python's `"%g" % v` writes it (C's `%g`: 6 significant digits, trailing zeros dropped, exponent form
/// below 1e-4 and from 1e6 on, the exponent with a sign and at least two digits) — the number format of
/// `convert_coco`'s label lines. Rounding is to nearest with ties to even on the exact binary value, as both
/// CPython and Rust's formatter do.
pub fn push_g(v: f64, out: &mut String) {
    use std::fmt::Write;
    if v == 0.0 || !v.is_finite() {
        // Zero keeps its sign ("-0"); the callers never pass NaN or infinities.
        let _ = write!(
            out,
            "{}",
            if v.is_sign_negative() && v == 0.0 {
                "-0"
            } else {
                "0"
            }
        );
        return;
    }
    if v < 0.0 {
        out.push('-');
    }
    // "d.ddddde±x": the six significant digits, rounded once.
    let e = format!("{:.5e}", v.abs());
    let (mant, exp) = e.split_once('e').unwrap_or((&e, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: Vec<u8> = mant.bytes().filter(u8::is_ascii_digit).collect();
    let sig = digits.len() - digits.iter().rev().take_while(|&&d| d == b'0').count();
    let sig = &digits[..sig.max(1)];
    let text = |d: &[u8]| String::from_utf8_lossy(d).into_owned();
    if !(-4..6).contains(&exp) {
        out.push_str(&text(&sig[..1]));
        if sig.len() > 1 {
            out.push('.');
            out.push_str(&text(&sig[1..]));
        }
        let _ = write!(out, "e{}{:02}", if exp < 0 { '-' } else { '+' }, exp.abs());
    } else if exp >= 0 {
        let int = exp as usize + 1;
        if sig.len() <= int {
            out.push_str(&text(sig));
            out.extend(std::iter::repeat_n('0', int - sig.len()));
        } else {
            out.push_str(&text(&sig[..int]));
            out.push('.');
            out.push_str(&text(&sig[int..]));
        }
    } else {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', (-exp - 1) as usize));
        out.push_str(&text(sig));
    }
}

#[cfg(test)]
mod tests {
    use super::push_g;

    fn g(v: f64) -> String {
        let mut s = String::new();
        push_g(v, &mut s);
        s
    }

    /// Expected strings are CPython 3's `"%g" % v`.
    #[test]
    fn push_g_is_printf_g() {
        for (v, want) in [
            (0.0, "0"),
            (-0.0, "-0"),
            (1.0, "1"),
            (0.5, "0.5"),
            (0.0009765625, "0.000976562"),
            (2.5e-5, "2.5e-05"),
            (0.1234565, "0.123456"),
            (1.0 / 3.0, "0.333333"),
            (123456.5, "123456"),
            (1234567.0, "1.23457e+06"),
            (0.9999995, "1"),
            (99999.95, "99999.9"),
            (999999.5, "1e+06"),
            (0.0001, "0.0001"),
            (0.00009999995, "0.0001"),
            (-0.25, "-0.25"),
            (80.0, "80"),
            (1e100, "1e+100"),
        ] {
            assert_eq!(g(v), want, "%g of {v:e}");
        }
    }
}
