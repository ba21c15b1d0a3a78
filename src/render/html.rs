//! The HTML report: ONE self-contained file (inline CSS, inline SVG, a few lines of inline script, images as
//! `data:` URIs; no network, no external script, font or style sheet) with the numbers, a sortable per-class
//! table, PR curves, a confusion heatmap, TIDE bars and pictures of images, each section present only when
//! its data is given ([`Page`]'s `Option` and empty fields).
//!
//! Not here: computing any number (the evaluators), choosing the worst images or drawing them (`ops::report`,
//! `ops::show`). The page works with scripts disabled, except the sorting and the class chooser.

use super::chart::{bar_chart, esc, heatmap};
use base64::Engine;
use std::fmt::Write;

/// What a report shows.
#[derive(Debug, Clone, Default)]
pub struct Page {
    /// The page's title (and first heading).
    pub title: String,
    /// What was evaluated: (name, value) pairs such as ("ground truth", "val.json").
    pub facts: Vec<(String, String)>,
    /// The headline numbers: (label, value already formatted).
    pub numbers: Vec<(String, String)>,
    /// The per-class table.
    pub table: Option<Table>,
    /// The heading of the charts' section, and the charts (SVG text) shown side by side, e.g. the overall PR
    /// curves.
    pub charts_title: String,
    pub charts: Vec<String>,
    /// Per-class charts, one shown at a time through a chooser: (class name, SVG text).
    pub class_charts: Vec<(String, String)>,
    /// A confusion matrix.
    pub confusion: Option<Confusion>,
    /// TIDE's error decomposition.
    pub tide: Option<Tide>,
    /// Pictures (e.g. the worst images with their overlays), with a heading for the section.
    pub pictures_title: String,
    pub pictures: Vec<Picture>,
    /// Notes printed at the end (one paragraph each).
    pub notes: Vec<String>,
}

/// A table whose columns can be sorted by clicking their heading.
#[derive(Debug, Clone, Default)]
pub struct Table {
    pub title: String,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

/// A table cell: text, an integer, or a number shown with 3 decimals ("n/a" when not finite); numbers sort by
/// value.
#[derive(Debug, Clone)]
pub enum Cell {
    Text(String),
    Int(i64),
    Num(f64),
}

/// A confusion matrix: `counts[gt][pred]` over `labels` (the last label may be "background").
#[derive(Debug, Clone, Default)]
pub struct Confusion {
    pub title: String,
    pub labels: Vec<String>,
    pub counts: Vec<Vec<u64>>,
}

/// TIDE's decomposition in tidecv's units (dAP): main errors (cls, loc, both, dupe, bkg, miss) and special
/// errors (false positives, false negatives).
#[derive(Debug, Clone, Default)]
pub struct Tide {
    pub main: Vec<(String, f64)>,
    pub special: Vec<(String, f64)>,
}

/// An encoded image embedded in the page.
#[derive(Debug, Clone)]
pub struct Picture {
    pub caption: String,
    /// `image/jpeg` or `image/png`.
    pub mime: &'static str,
    pub bytes: Vec<u8>,
}

const STYLE: &str = r#"
body{font-family:DejaVu Sans,Helvetica,Arial,sans-serif;margin:24px auto;max-width:1180px;color:#222;background:#fafafa;padding:0 16px}
h1{font-size:24px;margin:0 0 8px}h2{font-size:18px;margin:28px 0 10px;border-bottom:1px solid #ddd;padding-bottom:4px}
.facts{color:#555;font-size:13px}.facts b{color:#222;font-weight:600}
.cards{display:flex;flex-wrap:wrap;gap:8px}.card{background:#fff;border:1px solid #ddd;border-radius:6px;padding:8px 12px;min-width:150px}
.card .v{font-size:20px;font-weight:bold;color:#1f4e8c}.card .l{font-size:11px;color:#666}
table{border-collapse:collapse;background:#fff;font-size:13px}th,td{border:1px solid #ddd;padding:3px 8px}
th{background:#eef2f7;cursor:pointer;user-select:none;position:sticky;top:0}th.asc:after{content:" ▲"}th.desc:after{content:" ▼"}
td.n{text-align:right;font-variant-numeric:tabular-nums}.scroll{max-height:520px;overflow:auto;display:inline-block;border:1px solid #ddd}
.row{display:flex;flex-wrap:wrap;gap:12px;align-items:flex-start}svg{background:#fff;border:1px solid #ddd}
figure{margin:0;background:#fff;border:1px solid #ddd;padding:6px;max-width:560px}figure img{max-width:100%;display:block}
figcaption{font-size:12px;color:#444;margin-top:4px}.note{color:#555;font-size:13px}select{font-size:13px;margin-bottom:6px}
"#;

const SCRIPT: &str = r#"
(function(){
  document.querySelectorAll('table.sortable').forEach(function(t){
    var ths=t.querySelectorAll('th');
    ths.forEach(function(th,i){th.addEventListener('click',function(){
      var asc=!th.classList.contains('asc');
      ths.forEach(function(o){o.classList.remove('asc','desc');});
      th.classList.add(asc?'asc':'desc');
      var body=t.tBodies[0],rows=Array.prototype.slice.call(body.rows);
      rows.sort(function(a,b){
        var x=a.cells[i].getAttribute('data-v'),y=b.cells[i].getAttribute('data-v');
        var nx=parseFloat(x),ny=parseFloat(y),r;
        if(!isNaN(nx)&&!isNaN(ny)){r=nx-ny;}else if(isNaN(nx)!==isNaN(ny)){r=isNaN(nx)?1:-1;return r;}else{r=x<y?-1:(x>y?1:0);}
        return asc?r:-r;});
      rows.forEach(function(r){body.appendChild(r);});
    });});
  });
  var sel=document.getElementById('class-chooser');
  if(sel){
    var show=function(){document.querySelectorAll('.class-chart').forEach(function(d){d.style.display=(d.getAttribute('data-i')===sel.value)?'block':'none';});};
    sel.addEventListener('change',show);show();
  }
  document.body.setAttribute('data-report-ready','1');
})();
"#;

impl Page {
    /// The whole HTML document.
    pub fn render(&self) -> String {
        let mut s = String::with_capacity(64 * 1024);
        let _ = write!(
            s,
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title>\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
             <link rel=\"icon\" href=\"data:,\"><style>{STYLE}</style></head><body>\n<h1>{}</h1>\n",
            esc(&self.title),
            esc(&self.title)
        );
        if !self.facts.is_empty() {
            s.push_str("<p class=\"facts\">");
            let parts: Vec<String> = self
                .facts
                .iter()
                .map(|(k, v)| format!("{}: <b>{}</b>", esc(k), esc(v)))
                .collect();
            s.push_str(&parts.join(" · "));
            s.push_str("</p>\n");
        }
        if !self.numbers.is_empty() {
            s.push_str("<div class=\"cards\">\n");
            for (l, v) in &self.numbers {
                let _ = writeln!(
                    s,
                    "<div class=\"card\"><div class=\"v\">{}</div><div class=\"l\">{}</div></div>",
                    esc(v),
                    esc(l)
                );
            }
            s.push_str("</div>\n");
        }
        if let Some(t) = &self.table {
            table(&mut s, t);
        }
        if !self.charts.is_empty() || !self.class_charts.is_empty() {
            let _ = writeln!(
                s,
                "<h2>{}</h2>\n<div class=\"row\">",
                esc(&self.charts_title)
            );
            for c in &self.charts {
                s.push_str("<div>");
                s.push_str(c);
                s.push_str("</div>\n");
            }
            if !self.class_charts.is_empty() {
                s.push_str("<div><label>class <select id=\"class-chooser\">");
                for (i, (name, _)) in self.class_charts.iter().enumerate() {
                    let _ = write!(s, "<option value=\"{i}\">{}</option>", esc(name));
                }
                s.push_str("</select></label>\n");
                for (i, (_, svg)) in self.class_charts.iter().enumerate() {
                    // Without script the first class shows.
                    let _ = writeln!(
                        s,
                        "<div class=\"class-chart\" data-i=\"{i}\"{}>{svg}</div>",
                        if i == 0 {
                            ""
                        } else {
                            " style=\"display:none\""
                        }
                    );
                }
                s.push_str("</div>\n");
            }
            s.push_str("</div>\n");
        }
        if let Some(c) = &self.confusion {
            let _ = writeln!(
                s,
                "<h2>{}</h2>\n<p class=\"note\">Rows are the ground truth, columns the prediction; each cell \
                 is shaded by its share of its row (hover for the count).</p>\n<div class=\"scroll\">{}</div>",
                esc(&c.title),
                heatmap(&c.title, &c.labels, &c.counts)
            );
        }
        if let Some(t) = &self.tide {
            s.push_str("<h2>TIDE errors</h2>\n<div class=\"row\">\n");
            s.push_str(&bar_chart("Main errors (dAP)", &t.main, "#c0392b", ""));
            s.push_str(&bar_chart(
                "Special errors (dAP)",
                &t.special,
                "#8e44ad",
                "",
            ));
            s.push_str("</div>\n");
        }
        if !self.pictures.is_empty() {
            let _ = writeln!(
                s,
                "<h2>{}</h2>\n<div class=\"row\">",
                esc(&self.pictures_title)
            );
            let b64 = base64::engine::general_purpose::STANDARD;
            for p in &self.pictures {
                let _ = writeln!(
                    s,
                    "<figure><img alt=\"{}\" src=\"data:{};base64,{}\"><figcaption>{}</figcaption></figure>",
                    esc(&p.caption),
                    p.mime,
                    b64.encode(&p.bytes),
                    esc(&p.caption)
                );
            }
            s.push_str("</div>\n");
        }
        for n in &self.notes {
            let _ = writeln!(s, "<p class=\"note\">{}</p>", esc(n));
        }
        let _ = write!(s, "<script>{SCRIPT}</script>\n</body></html>\n");
        s
    }
}

fn table(s: &mut String, t: &Table) {
    let _ = writeln!(
        s,
        "<h2>{}</h2>\n<p class=\"note\">Click a column heading to sort.</p>\n<div class=\"scroll\"><table class=\"sortable\"><thead><tr>",
        esc(&t.title)
    );
    for c in &t.columns {
        let _ = write!(s, "<th>{}</th>", esc(c));
    }
    s.push_str("</tr></thead><tbody>\n");
    for row in &t.rows {
        s.push_str("<tr>");
        for c in row {
            match c {
                Cell::Text(v) => {
                    let _ = write!(s, "<td data-v=\"{}\">{}</td>", esc(v), esc(v));
                }
                Cell::Int(v) => {
                    let _ = write!(s, "<td class=\"n\" data-v=\"{v}\">{v}</td>");
                }
                Cell::Num(v) if v.is_finite() => {
                    let _ = write!(s, "<td class=\"n\" data-v=\"{v}\">{v:.3}</td>");
                }
                Cell::Num(_) => s.push_str("<td class=\"n\" data-v=\"\">n/a</td>"),
            }
        }
        s.push_str("</tr>\n");
    }
    s.push_str("</tbody></table></div>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn made_up() -> Page {
        Page {
            title: "eval <coco>".into(),
            facts: vec![("ground truth".into(), "val.json".into())],
            numbers: vec![("AP".into(), "0.505".into())],
            table: Some(Table {
                title: "Per class".into(),
                columns: vec!["id".into(), "name".into(), "AP".into()],
                rows: vec![
                    vec![Cell::Int(1), Cell::Text("person".into()), Cell::Num(0.5)],
                    vec![Cell::Int(2), Cell::Text("a&b".into()), Cell::Num(f64::NAN)],
                ],
            }),
            charts_title: "PR curves".into(),
            charts: vec!["<svg id=\"overall\"></svg>".into()],
            class_charts: vec![("person".into(), "<svg id=\"c1\"></svg>".into())],
            confusion: Some(Confusion {
                title: "Confusion matrix".into(),
                labels: vec!["person".into(), "dog".into(), "background".into()],
                counts: vec![vec![5, 1, 2], vec![0, 3, 1], vec![4, 0, 0]],
            }),
            tide: Some(Tide {
                main: vec![("cls".into(), 3.1), ("miss".into(), 0.7)],
                special: vec![("false_pos".into(), 12.0), ("false_neg".into(), 9.5)],
            }),
            pictures_title: "Worst images".into(),
            pictures: vec![Picture {
                caption: "image 42".into(),
                mime: "image/png",
                bytes: vec![1, 2, 3],
            }],
            notes: vec!["made up".into()],
        }
    }

    #[test]
    fn every_section_is_rendered_from_made_up_data() {
        let html = made_up().render();
        // The SVG namespace is a name, not a resource.
        let fetched = html.replace("http://www.w3.org/2000/svg", "");
        assert!(html.starts_with("<!DOCTYPE html>"));
        assert!(html.contains("<title>eval &lt;coco&gt;</title>"));
        assert!(html.contains("<td data-v=\"a&amp;b\">a&amp;b</td>"));
        assert!(html.contains("<td class=\"n\" data-v=\"\">n/a</td>"));
        assert!(html.contains("<td class=\"n\" data-v=\"0.5\">0.500</td>"));
        assert!(html.contains("<svg id=\"overall\">") && html.contains("<svg id=\"c1\">"));
        assert!(html.contains("person → dog: 1 (12.5% of the row)"));
        assert!(html.contains("background → person: 4 (100.0% of the row)"));
        assert!(
            html.contains("Main errors (dAP)") && html.contains(">cls<") && html.contains("12.00")
        );
        assert!(html.contains("src=\"data:image/png;base64,AQID\""));
        // Self-contained: nothing fetched from anywhere.
        for bad in [
            "http://",
            "https://",
            "src=\"/",
            "<link rel=\"stylesheet\"",
            "@import",
        ] {
            assert!(!fetched.contains(bad), "{bad}");
        }
    }

    #[test]
    fn absent_sections_are_left_out() {
        let html = Page {
            title: "t".into(),
            ..Default::default()
        }
        .render();
        for s in ["<table", "<svg", "TIDE", "<figure", "class-chooser\">"] {
            assert!(!html.contains(s), "{s}");
        }
    }
}
