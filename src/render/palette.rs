//! Colours: one per category (golden-angle hues, so neighbouring ids differ) and the fixed colours of
//! matching outcomes. Not where a colour is chosen for a given annotation (that is `ops::show`).

/// An RGB colour.
pub type Rgb = [u8; 3];

/// A true positive (a prediction that matched a ground truth).
pub const TP: Rgb = [40, 200, 70];
/// A false positive (a prediction that matched nothing).
pub const FP: Rgb = [235, 40, 40];
/// A false negative (a ground truth no prediction matched).
pub const FN: Rgb = [255, 170, 0];
/// A ground truth that was matched (drawn as a thin outline under its prediction).
pub const MATCHED_GT: Rgb = [70, 150, 255];
/// Neither counted nor missed: crowd regions and predictions matched to them.
pub const IGNORED: Rgb = [170, 170, 170];

/// The colour of the `i`-th category: hues `i` golden angles apart, bright and saturated enough to read on a
/// photograph.
pub fn category(i: usize) -> Rgb {
    let hue = (i as f64 * 137.507_764) % 360.0;
    hsv(hue, 0.75, 0.95)
}

/// HSV (hue in degrees, saturation and value in 0..=1) to RGB.
pub fn hsv(h: f64, s: f64, v: f64) -> Rgb {
    let c = v * s;
    let hp = (h.rem_euclid(360.0)) / 60.0;
    let x = c * (1.0 - (hp % 2.0 - 1.0).abs());
    let (r, g, b) = match hp as u32 {
        0 => (c, x, 0.0),
        1 => (x, c, 0.0),
        2 => (0.0, c, x),
        3 => (0.0, x, c),
        4 => (x, 0.0, c),
        _ => (c, 0.0, x),
    };
    let m = v - c;
    let f = |u: f64| ((u + m) * 255.0).round().clamp(0.0, 255.0) as u8;
    [f(r), f(g), f(b)]
}

/// `#rrggbb`, for SVG and CSS.
pub fn hex(c: Rgb) -> String {
    format!("#{:02x}{:02x}{:02x}", c[0], c[1], c[2])
}

/// Black or white, whichever reads better on `bg`.
pub fn text_on(bg: Rgb) -> Rgb {
    let l = 0.299 * bg[0] as f64 + 0.587 * bg[1] as f64 + 0.114 * bg[2] as f64;
    if l > 150.0 {
        [0, 0, 0]
    } else {
        [255, 255, 255]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neighbouring_categories_differ() {
        for i in 0..80 {
            let (a, b) = (category(i), category(i + 1));
            let d: i32 = (0..3).map(|k| (a[k] as i32 - b[k] as i32).abs()).sum();
            assert!(d > 60, "{i}: {a:?} {b:?}");
        }
        assert_eq!(hsv(0.0, 1.0, 1.0), [255, 0, 0]);
        assert_eq!(hsv(120.0, 1.0, 1.0), [0, 255, 0]);
        assert_eq!(hex([255, 16, 0]), "#ff1000");
    }
}
