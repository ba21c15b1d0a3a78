//! Output formats of an mIoU result: the `--json` document, the per-class CSV, the confusion-matrix CSV, the
//! people table (laid out like mmseg's PrettyTable log) and the per-class IoU bar chart (SVG).
//!
//! Not here: computing anything (see `metrics`); files are written by the caller (the command layer).

use std::fmt::Write as _;
use std::io::Write;

use super::metrics::{ClassMetrics, MiouResult};
use crate::{Error, Result};

/// The `--json` document (schema in `docs/MIOU.md`): pretty-printed, NaN as `null`, floats round-trip exact.
pub fn to_json(result: &MiouResult) -> Result<String> {
    serde_json::to_string_pretty(result)
        .map_err(|e| Error::msg(format!("cannot serialize result: {e}")))
}

/// A CSV field, quoted (RFC 4180) when it holds a comma, a quote, a line break or edge spaces.
pub fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) || s.starts_with(' ') || s.ends_with(' ') {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// A float for CSV: shortest round-trip decimal, empty for NaN.
fn csv_float(v: f64) -> String {
    if v.is_nan() {
        String::new()
    } else {
        format!("{v}")
    }
}

/// The per-class CSV: header `id,name,iou,acc,dice,precision,fscore,gt_pixels,pred_pixels`, one row per class in
/// label order; fractions (not percents), NaN as an empty field.
pub fn write_csv<W: Write>(result: &MiouResult, mut out: W) -> Result<()> {
    let mut s = String::from("id,name,iou,acc,dice,precision,fscore,gt_pixels,pred_pixels\n");
    for c in &result.per_class {
        let _ = writeln!(
            s,
            "{},{},{},{},{},{},{},{},{}",
            c.id,
            csv_field(&c.name),
            csv_float(c.iou),
            csv_float(c.acc),
            csv_float(c.dice),
            csv_float(c.precision),
            csv_float(c.fscore),
            c.gt_pixels,
            c.pred_pixels
        );
    }
    out.write_all(s.as_bytes()).map_err(Error::from)
}

/// The confusion matrix as CSV: rows are ground-truth classes, columns predicted classes. Header
/// `gt_id,gt_name,<id of each class>...,no_prediction`; each row: the class id, its name, then pixel counts
/// (the last column: labelled pixels whose prediction was the ignore index). Ignored ground-truth pixels are not
/// in the matrix (their total is `ignored_pixels` in the JSON).
pub fn write_confusion_csv<W: Write>(result: &MiouResult, mut out: W) -> Result<()> {
    let cm = &result.confusion;
    let mut s = String::from("gt_id,gt_name");
    for c in &result.per_class {
        let _ = write!(s, ",{}", c.id);
    }
    s.push_str(",no_prediction\n");
    out.write_all(s.as_bytes())?;
    for (r, c) in result.per_class.iter().enumerate() {
        s.clear();
        let _ = write!(s, "{},{}", c.id, csv_field(&c.name));
        for v in cm.row(r) {
            s.push(',');
            s.push_str(itoa::Buffer::new().format(*v));
        }
        s.push('\n');
        out.write_all(s.as_bytes())?;
    }
    Ok(())
}

fn pct(v: f64) -> String {
    if v.is_nan() {
        "nan".to_string()
    } else {
        format!("{:.2}", v * 100.0)
    }
}

/// A PrettyTable-style box table, cells centred (as mmseg's log prints it).
fn boxed(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let rule: String = widths.iter().fold(String::from("+"), |mut s, w| {
        s.push_str(&"-".repeat(w + 2));
        s.push('+');
        s
    });
    let line = |cells: &mut dyn Iterator<Item = &str>| -> String {
        let mut s = String::from("|");
        for (cell, w) in cells.zip(&widths) {
            let pad = w - cell.chars().count();
            let left = pad / 2;
            let _ = write!(
                s,
                " {}{}{} |",
                " ".repeat(left),
                cell,
                " ".repeat(pad - left)
            );
        }
        s
    };
    let mut out = String::new();
    let _ = writeln!(out, "{rule}");
    let _ = writeln!(out, "{}", line(&mut header.iter().copied()));
    let _ = writeln!(out, "{rule}");
    for row in rows {
        let _ = writeln!(out, "{}", line(&mut row.iter().map(String::as_str)));
    }
    let _ = writeln!(out, "{rule}");
    out
}

/// The people table: per-class results (percent, 2 decimals, `nan` when undefined), then the summary and the
/// convention used.
pub fn format_table(result: &MiouResult) -> String {
    let rows: Vec<Vec<String>> = result
        .per_class
        .iter()
        .map(|c| {
            vec![
                c.name.clone(),
                pct(c.iou),
                pct(c.acc),
                pct(c.dice),
                pct(c.precision),
                pct(c.fscore),
                c.gt_pixels.to_string(),
                c.pred_pixels.to_string(),
            ]
        })
        .collect();
    let mut out = String::from("per class results:\n");
    out.push_str(&boxed(
        &[
            "Class",
            "IoU",
            "Acc",
            "Dice",
            "Precision",
            "Fscore",
            "GT pixels",
            "Pred pixels",
        ],
        &rows,
    ));
    out.push_str("summary:\n");
    out.push_str(&boxed(
        &["aAcc", "mIoU", "mAcc", "mDice", "fwIoU"],
        &[vec![
            pct(result.aacc),
            pct(result.miou),
            pct(result.macc),
            pct(result.mdice),
            pct(result.fwiou),
        ]],
    ));
    let _ = writeln!(
        out,
        "convention: {} (--absent-as {}, --mean-over {}); {} {}, {} {}, {} without prediction",
        result.convention,
        result.absent_as,
        result.mean_over,
        result.num_classes,
        if result.num_classes == 1 {
            "class"
        } else {
            "classes"
        },
        result.images,
        if result.images == 1 {
            "image"
        } else {
            "images"
        },
        result.missing_predictions.len()
    );
    out
}

fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if (c as u32) < 0x20 => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Colour of a bar of IoU `v` (0..=1): a perceptually ordered ramp, dark red (bad) → amber → teal → green (good).
fn ramp(v: f64) -> String {
    const STOPS: [(f64, [f64; 3]); 5] = [
        (0.0, [165.0, 0.0, 38.0]),
        (0.3, [244.0, 109.0, 67.0]),
        (0.5, [253.0, 174.0, 97.0]),
        (0.7, [102.0, 189.0, 99.0]),
        (1.0, [0.0, 104.0, 55.0]),
    ];
    let v = v.clamp(0.0, 1.0);
    let k = STOPS
        .iter()
        .position(|s| s.0 >= v)
        .unwrap_or(STOPS.len() - 1)
        .max(1);
    let (a, b) = (STOPS[k - 1], STOPS[k]);
    let t = (v - a.0) / (b.0 - a.0);
    let c: Vec<u8> = (0..3)
        .map(|i| (a.1[i] + t * (b.1[i] - a.1[i])).round() as u8)
        .collect();
    format!("#{:02x}{:02x}{:02x}", c[0], c[1], c[2])
}

/// The per-class IoU bar chart (`--plot FILE.svg`): one horizontal bar per class, sorted best to worst, value at
/// the bar's end, the mIoU as a dashed line, hover (`<title>`) for pixel counts. A class with pixels but no IoU
/// (detectron2: predicted, not in the ground truth) is listed last as "n/a"; classes with no pixels at all in
/// ground truth or prediction get no row, only a count in the footer (under `--absent-as zero` they still count
/// 0 in the mIoU, which the footer says).
pub fn render_svg(result: &MiouResult) -> String {
    let (mut shown, absent): (Vec<&ClassMetrics>, Vec<&ClassMetrics>) = result
        .per_class
        .iter()
        .partition(|c| c.gt_pixels > 0 || c.pred_pixels > 0);
    shown.sort_by(|a, b| match (a.iou.is_nan(), b.iou.is_nan()) {
        (false, false) => b.iou.total_cmp(&a.iou),
        (a_nan, b_nan) => a_nan.cmp(&b_nan),
    });
    let longest = shown
        .iter()
        .map(|c| c.name.chars().count())
        .max()
        .unwrap_or(4);
    let left = longest.clamp(4, 32) as f64 * 6.6 + 16.0;
    let (row_h, top, bar_w) = (18.0, 78.0, 560.0);
    let width = left + bar_w + 70.0;
    let bottom = top + row_h * shown.len() as f64;
    let height = bottom + if absent.is_empty() { 44.0 } else { 74.0 };
    let x = |v: f64| left + v * bar_w;
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0}" height="{height:.0}" viewBox="0 0 {width:.0} {height:.0}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="11">"#
    );
    let _ = writeln!(s, r#"<rect width="100%" height="100%" fill="white"/>"#);
    let _ = writeln!(
        s,
        r#"<text x="{left:.1}" y="22" font-size="15" font-weight="bold">Per-class IoU — mIoU {}</text>"#,
        pct_label(result.miou)
    );
    let _ = writeln!(
        s,
        r##"<text x="{left:.1}" y="40" fill="#555">{} {}, {} {} · aAcc {} · mAcc {} · fwIoU {} · convention {}</text>"##,
        result.num_classes,
        if result.num_classes == 1 {
            "class"
        } else {
            "classes"
        },
        result.images,
        if result.images == 1 {
            "image"
        } else {
            "images"
        },
        pct_label(result.aacc),
        pct_label(result.macc),
        pct_label(result.fwiou),
        result.convention
    );
    // Grid and axis labels (top and bottom), then the mIoU line, all behind the bars.
    for k in 0..=10 {
        let gx = x(k as f64 / 10.0);
        let _ = writeln!(
            s,
            r##"<line x1="{gx:.1}" y1="{:.1}" x2="{gx:.1}" y2="{bottom:.1}" stroke="{}" stroke-width="1"/>"##,
            top - 4.0,
            if k == 0 { "#444" } else { "#e4e4e4" }
        );
        for y in [top - 8.0, bottom + 14.0] {
            let _ = writeln!(
                s,
                r##"<text x="{gx:.1}" y="{y:.1}" text-anchor="middle" fill="#666">{}%</text>"##,
                k * 10
            );
        }
    }
    if !result.miou.is_nan() {
        let mx = x(result.miou);
        let _ = writeln!(
            s,
            r##"<line x1="{mx:.1}" y1="{:.1}" x2="{mx:.1}" y2="{:.1}" stroke="#1f3a93" stroke-width="1.5" stroke-dasharray="5,3"/>"##,
            top - 4.0,
            bottom + 18.0
        );
        let _ = writeln!(
            s,
            r##"<text x="{mx:.1}" y="{:.1}" text-anchor="middle" fill="#1f3a93" font-weight="bold">mIoU {:.1}</text>"##,
            bottom + 30.0,
            result.miou * 100.0
        );
    }
    for (r, c) in shown.iter().enumerate() {
        let y = top + row_h * r as f64;
        let baseline = y + row_h * 0.68;
        let tip = format!(
            "{} (id {}): IoU {}, Acc {}, GT {} px, predicted {} px",
            c.name,
            c.id,
            pct_label(c.iou),
            pct_label(c.acc),
            c.gt_pixels,
            c.pred_pixels
        );
        let _ = writeln!(s, "<g><title>{}</title>", xml_escape(&tip));
        let mut name: String = c.name.chars().take(32).collect();
        if c.name.chars().count() > 32 {
            name.pop();
            name.push('…');
        }
        let _ = writeln!(
            s,
            r#"<text x="{:.1}" y="{baseline:.1}" text-anchor="end">{}</text>"#,
            left - 6.0,
            xml_escape(&name)
        );
        if c.iou.is_nan() {
            let why = if c.gt_pixels == 0 {
                "not in the ground truth"
            } else {
                "undefined"
            };
            let _ = writeln!(
                s,
                r##"<text x="{:.1}" y="{baseline:.1}" fill="#888" font-style="italic">n/a ({why}; {} px predicted)</text>"##,
                left + 4.0,
                c.pred_pixels
            );
        } else {
            let w = (c.iou * bar_w).max(if c.iou > 0.0 { 1.0 } else { 0.0 });
            let _ = writeln!(
                s,
                r#"<rect x="{left:.1}" y="{:.1}" width="{w:.1}" height="{:.1}" fill="{}"/>"#,
                y + 3.0,
                row_h - 6.0,
                ramp(c.iou)
            );
            let _ = writeln!(
                s,
                r##"<text x="{:.1}" y="{baseline:.1}" fill="#222" stroke="white" stroke-width="3" paint-order="stroke">{:.1}</text>"##,
                left + w + 4.0,
                c.iou * 100.0
            );
        }
        s.push_str("</g>\n");
    }
    if !absent.is_empty() {
        let counted = if absent.iter().any(|c| !c.iou.is_nan()) {
            "counted as 0 in the mIoU"
        } else {
            "left out of the mIoU"
        };
        let all: Vec<&str> = absent.iter().map(|c| c.name.as_str()).collect();
        // As many names as fit on one line (about 6.2 px a character), then how many more.
        let room = ((width - left - 10.0) / 6.2) as usize;
        let mut list = String::new();
        for (k, name) in all.iter().enumerate() {
            let more = format!(", … ({} more)", all.len() - k);
            if list.chars().count() + name.chars().count() + 2 + more.chars().count() > room {
                list.push_str(&more);
                break;
            }
            if k > 0 {
                list.push_str(", ");
            }
            list.push_str(name);
        }
        let _ = writeln!(
            s,
            r##"<g fill="#666"><title>{}</title><text x="{left:.1}" y="{:.1}">{} class{} with no pixels in ground truth or prediction, not shown ({counted}):</text><text x="{left:.1}" y="{:.1}">{}</text></g>"##,
            xml_escape(&all.join(", ")),
            bottom + 48.0,
            absent.len(),
            if absent.len() == 1 { "" } else { "es" },
            bottom + 62.0,
            xml_escape(&list)
        );
    }
    s.push_str("</svg>\n");
    s
}

fn pct_label(v: f64) -> String {
    if v.is_nan() {
        "n/a".to_string()
    } else {
        format!("{:.2}%", v * 100.0)
    }
}

#[cfg(test)]
mod tests {
    use super::super::confusion::ConfusionMatrix;
    use super::super::metrics::{compute_metrics, ClassInfo, Convention};
    use super::*;

    fn result() -> MiouResult {
        #[rustfmt::skip]
        let counts = vec![
            10, 0, 0, 0,
            0, 6, 0, 4,
            0, 0, 0, 0,
        ];
        let cm = ConfusionMatrix::from_counts(3, counts).unwrap();
        let classes = vec![
            ClassInfo {
                id: 1,
                name: "wall".into(),
            },
            ClassInfo {
                id: 2,
                name: "a, \"b\" & <c>".into(),
            },
            ClassInfo {
                id: 3,
                name: "sky".into(),
            },
        ];
        compute_metrics(&cm, &classes, Convention::MMSEG).unwrap()
    }

    #[test]
    fn json_has_schema_and_nulls() {
        let v: serde_json::Value = serde_json::from_str(&to_json(&result()).unwrap()).unwrap();
        for key in [
            "miou",
            "macc",
            "mdice",
            "aacc",
            "fwiou",
            "per_class",
            "convention",
            "missing_predictions",
        ] {
            assert!(v.get(key).is_some(), "{key}");
        }
        let c = &v["per_class"][2];
        assert_eq!(c["iou"], serde_json::Value::Null);
        assert_eq!(c["gt_pixels"], 0);
        assert_eq!(v["per_class"][1]["iou"], 0.6);
        assert_eq!(v["per_class"][1]["name"], "a, \"b\" & <c>");
        assert_eq!(v["convention"], "mmseg");
        assert_eq!(v["absent_as"], "nan");
        assert_eq!(v["mean_over"], "all");
        assert_eq!(v["per_class"][0].as_object().unwrap().len(), 9);
    }

    #[test]
    fn csv_quotes_and_empties() {
        let mut out = Vec::new();
        write_csv(&result(), &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "id,name,iou,acc,dice,precision,fscore,gt_pixels,pred_pixels"
        );
        assert_eq!(lines[1], "1,wall,1,1,1,1,1,10,10");
        assert_eq!(
            lines[2],
            "2,\"a, \"\"b\"\" & <c>\",0.6,0.6,0.75,1,0.7499999999999999,10,6"
        );
        assert_eq!(lines[3], "3,sky,,,,,,0,0");
        let mut out = Vec::new();
        write_confusion_csv(&result(), &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text.lines().next(),
            Some("gt_id,gt_name,1,2,3,no_prediction")
        );
        assert_eq!(
            text.lines().nth(2),
            Some("2,\"a, \"\"b\"\" & <c>\",0,6,0,4")
        );
    }

    #[test]
    fn table_and_svg() {
        let t = format_table(&result());
        assert!(t.contains("|     wall     | 100.00 |"), "{t}");
        assert!(t.contains("nan"));
        assert!(t.contains("convention: mmseg"));
        let svg = render_svg(&result());
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
        assert!(svg.contains("a, &quot;b&quot; &amp; &lt;c&gt;"));
        assert!(svg.contains("1 class with no pixels in ground truth or prediction, not shown (left out of the mIoU):"));
        assert!(svg.contains("mIoU 80.00%"));
        // Sorted: wall (100) before the 60% class; the class without pixels has no row.
        assert!(svg.find(">wall<").unwrap() < svg.find("&lt;c&gt;<").unwrap());
        assert!(!svg.contains("text-anchor=\"end\">sky<"));
    }

    #[test]
    fn ramp_ends() {
        assert_eq!(ramp(0.0), "#a50026");
        assert_eq!(ramp(1.0), "#006837");
        assert_eq!(ramp(f64::NAN.max(0.5)), "#fdae61");
    }
}
