//! SVG charts as text: a line chart on the unit square (PR curves), horizontal bars (TIDE's errors) and a
//! heatmap (confusion matrices). Plain SVG 1.1 with a system sans-serif font: no script, no external
//! resource, so a chart works as a file of its own and inline in the HTML report.
//!
//! Not here: what the numbers are (the evaluators) or where the files go (`ops`).

use crate::eval::pr_curves::{Curve, PrCurves, IOU_LABELS};
use std::fmt::Write;

/// The colours of the three PR curves (IoU 0.50, 0.75, 0.50:0.95).
const PR_COLORS: [&str; 3] = ["#1f77b4", "#d62728", "#2ca02c"];

/// One curve set as a [`line_chart`]: precision against recall at IoU 0.50, 0.75 and 0.50:0.95.
pub fn pr_chart(title: &str, curves: &PrCurves, c: &Curve) -> String {
    let series: Vec<Series> = c
        .precision
        .iter()
        .enumerate()
        .filter_map(|(i, p)| {
            let p = p.as_ref()?;
            Some(Series {
                name: format!("IoU {}", IOU_LABELS[i]),
                color: PR_COLORS[i].into(),
                points: curves
                    .recall
                    .iter()
                    .copied()
                    .zip(p.iter().copied())
                    .collect(),
            })
        })
        .collect();
    line_chart(title, "recall", "precision", &series)
}

/// Text escaped for XML (element content and attribute values).
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            _ => o.push(c),
        }
    }
    o
}

/// One line of a [`line_chart`]: its legend, colour (`#rrggbb`) and points (x, y) in 0..=1; a point with a
/// non-finite coordinate breaks the line.
#[derive(Debug, Clone)]
pub struct Series {
    pub name: String,
    pub color: String,
    pub points: Vec<(f64, f64)>,
}

/// A line chart with both axes from 0 to 1 (grid every 0.1), a title, axis names and a legend.
pub fn line_chart(title: &str, x_name: &str, y_name: &str, series: &[Series]) -> String {
    let (w, h) = (480.0, 360.0);
    let (left, right, top, bottom) = (52.0, 150.0, 34.0, 44.0);
    let (pw, ph) = (w - left - right, h - top - bottom);
    let px = |x: f64| left + x.clamp(0.0, 1.0) * pw;
    let py = |y: f64| top + (1.0 - y.clamp(0.0, 1.0)) * ph;
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="11">"#
    );
    let _ = writeln!(s, r#"<rect width="100%" height="100%" fill="white"/>"#);
    let _ = writeln!(
        s,
        r#"<text x="{left}" y="20" font-size="14" font-weight="bold">{}</text>"#,
        esc(title)
    );
    for k in 0..=10 {
        let v = k as f64 / 10.0;
        let stroke = if k == 0 { "#444" } else { "#e4e4e4" };
        let _ = writeln!(
            s,
            r#"<line x1="{:.1}" y1="{top}" x2="{:.1}" y2="{:.1}" stroke="{stroke}"/><line x1="{left}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="{stroke}"/>"#,
            px(v),
            px(v),
            top + ph,
            py(v),
            left + pw,
            py(v)
        );
        if k % 2 == 0 {
            let _ = writeln!(
                s,
                r##"<text x="{:.1}" y="{:.1}" text-anchor="middle" fill="#555">{v:.1}</text><text x="{:.1}" y="{:.1}" text-anchor="end" fill="#555">{v:.1}</text>"##,
                px(v),
                top + ph + 14.0,
                left - 5.0,
                py(v) + 4.0
            );
        }
    }
    let _ = writeln!(
        s,
        r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
        left + pw / 2.0,
        h - 10.0,
        esc(x_name)
    );
    let _ = writeln!(
        s,
        r#"<text transform="translate(14 {:.1}) rotate(-90)" text-anchor="middle">{}</text>"#,
        top + ph / 2.0,
        esc(y_name)
    );
    for (i, se) in series.iter().enumerate() {
        let mut d = String::new();
        let mut pen_up = true;
        for &(x, y) in &se.points {
            if !(x.is_finite() && y.is_finite()) {
                pen_up = true;
                continue;
            }
            let _ = write!(
                d,
                "{}{:.1},{:.1} ",
                if pen_up { "M" } else { "L" },
                px(x),
                py(y)
            );
            pen_up = false;
        }
        let _ = writeln!(
            s,
            r#"<path d="{}" fill="none" stroke="{}" stroke-width="2"/>"#,
            d.trim_end(),
            esc(&se.color)
        );
        let ly = top + 10.0 + i as f64 * 18.0;
        let lx = left + pw + 12.0;
        let _ = writeln!(
            s,
            r#"<line x1="{lx}" y1="{ly}" x2="{:.1}" y2="{ly}" stroke="{}" stroke-width="3"/><text x="{:.1}" y="{:.1}">{}</text>"#,
            lx + 18.0,
            esc(&se.color),
            lx + 24.0,
            ly + 4.0,
            esc(&se.name)
        );
    }
    s.push_str("</svg>\n");
    s
}

/// Horizontal bars, one per (label, value), scaled to the largest value; `unit` follows each value.
pub fn bar_chart(title: &str, bars: &[(String, f64)], color: &str, unit: &str) -> String {
    let (left, bar_w, row) = (110.0, 300.0, 22.0);
    let w = left + bar_w + 80.0;
    let h = 40.0 + row * bars.len() as f64 + 10.0;
    let max = bars
        .iter()
        .map(|b| b.1)
        .filter(|v| v.is_finite())
        .fold(0.0f64, f64::max);
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="12">"#
    );
    let _ = writeln!(s, r#"<rect width="100%" height="100%" fill="white"/>"#);
    let _ = writeln!(
        s,
        r#"<text x="10" y="20" font-size="14" font-weight="bold">{}</text>"#,
        esc(title)
    );
    for (i, (name, v)) in bars.iter().enumerate() {
        let y = 34.0 + i as f64 * row;
        let len = if max > 0.0 && v.is_finite() {
            (v.max(0.0) / max) * bar_w
        } else {
            0.0
        };
        let _ = writeln!(
            s,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="end">{}</text><rect x="{left}" y="{y:.1}" width="{len:.1}" height="{:.1}" fill="{}"/><text x="{:.1}" y="{:.1}">{}{}</text>"#,
            left - 6.0,
            y + 13.0,
            esc(name),
            row - 6.0,
            esc(color),
            left + len + 5.0,
            y + 13.0,
            if v.is_finite() {
                format!("{v:.2}")
            } else {
                "n/a".into()
            },
            esc(unit)
        );
    }
    s.push_str("</svg>\n");
    s
}

/// A heatmap of `counts[row][col]` (rows: ground truth, columns: prediction), each cell shaded by its share
/// of its row; counts are written in the cells when they fit, and every cell has a tooltip.
pub fn heatmap(title: &str, labels: &[String], counts: &[Vec<u64>]) -> String {
    let n = labels.len();
    let cell: f64 = if n <= 12 {
        40.0
    } else if n <= 40 {
        18.0
    } else {
        9.0
    };
    let longest = labels.iter().map(|l| l.chars().count()).max().unwrap_or(4);
    let margin = (longest.min(24) as f64) * 6.5 + 16.0;
    let (left, top) = (margin + 20.0, margin + 40.0);
    let w = left + cell * n as f64 + 20.0;
    let h = top + cell * n as f64 + 20.0;
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w:.0}" height="{h:.0}" viewBox="0 0 {w:.0} {h:.0}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="11">"#
    );
    let _ = writeln!(s, r#"<rect width="100%" height="100%" fill="white"/>"#);
    let _ = writeln!(
        s,
        r#"<text x="10" y="20" font-size="14" font-weight="bold">{}</text>"#,
        esc(title)
    );
    let _ = writeln!(
        s,
        r##"<text x="{:.1}" y="36" fill="#555">predicted →</text><text transform="translate(12 {:.1}) rotate(-90)" fill="#555">ground truth →</text>"##,
        left,
        top + 80.0
    );
    let short = |l: &str| -> String {
        if l.chars().count() > 24 {
            l.chars().take(23).collect::<String>() + "…"
        } else {
            l.to_string()
        }
    };
    for (i, l) in labels.iter().enumerate() {
        let c = i as f64 * cell + cell / 2.0;
        let _ = writeln!(
            s,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="end" font-size="{fs}">{}</text><text transform="translate({:.1} {:.1}) rotate(-90)" font-size="{fs}">{}</text>"#,
            left - 4.0,
            top + c + 3.0,
            esc(&short(l)),
            left + c + 3.0,
            top - 4.0,
            esc(&short(l)),
            fs = if cell < 10.0 { 8 } else { 11 }
        );
    }
    for (r, row) in counts.iter().enumerate().take(n) {
        let total: u64 = row.iter().sum();
        for (c, &v) in row.iter().enumerate().take(n) {
            let share = if total > 0 {
                v as f64 / total as f64
            } else {
                0.0
            };
            // White to dark blue by share.
            let k = |lo: f64, hi: f64| (lo + (hi - lo) * share).round() as u8;
            let fill = format!(
                "#{:02x}{:02x}{:02x}",
                k(255.0, 8.0),
                k(255.0, 48.0),
                k(255.0, 107.0)
            );
            let (x, y) = (left + c as f64 * cell, top + r as f64 * cell);
            let _ = write!(
                s,
                r##"<rect x="{x:.1}" y="{y:.1}" width="{cell}" height="{cell}" fill="{fill}" stroke="#ddd" stroke-width="0.5"><title>{} → {}: {v} ({:.1}% of the row)</title></rect>"##,
                esc(&labels[r]),
                esc(&labels[c]),
                share * 100.0
            );
            if cell >= 40.0 && v > 0 {
                let _ = write!(
                    s,
                    r#"<text x="{:.1}" y="{:.1}" text-anchor="middle" font-size="10" fill="{}">{v}</text>"#,
                    x + cell / 2.0,
                    y + cell / 2.0 + 4.0,
                    if share > 0.5 { "white" } else { "black" }
                );
            }
            s.push('\n');
        }
    }
    s.push_str("</svg>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_chart_draws_each_series_and_escapes_names() {
        let svg = line_chart(
            "PR <all>",
            "recall",
            "precision",
            &[Series {
                name: "a&b".into(),
                color: "#ff0000".into(),
                points: vec![(0.0, 1.0), (0.5, f64::NAN), (1.0, 0.0), (0.5, 0.5)],
            }],
        );
        assert!(svg.contains("PR &lt;all&gt;"));
        assert!(svg.contains("a&amp;b"));
        // (0,1) top-left, then a break, then a new segment from (1,0) to (0.5,0.5).
        assert!(
            svg.contains(r#"d="M52.0,34.0 M330.0,316.0 L191.0,175.0""#),
            "{svg}"
        );
    }

    #[test]
    fn heatmap_shades_by_row_share() {
        let labels = vec!["cat".to_string(), "dog".to_string()];
        let svg = heatmap("confusion", &labels, &[vec![3, 1], vec![0, 0]]);
        assert!(svg.contains("cat → dog: 1 (25.0% of the row)"));
        assert!(svg.contains("dog → dog: 0 (0.0% of the row)"));
        // 75 % of the row: 255 - 0.75 * 247 = 69.75 → 0x46.
        assert!(svg.contains(r##"fill="#46"##), "{svg}");
        let bars = bar_chart(
            "TIDE",
            &[("cls".into(), 2.5), ("miss".into(), 5.0)],
            "#c33",
            " dAP",
        );
        assert!(bars.contains(r#"width="150.0""#) && bars.contains(r#"width="300.0""#));
        assert!(bars.contains("2.50 dAP"));
    }
}
