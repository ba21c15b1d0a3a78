//! `cocokit::json::path::{parse, select}` and `Printer::selected` on arbitrary input: the first line is the path
//! expression, the rest the document.
//!
//! Checks, beyond "no panic, no hang":
//! - a parsed path, written back in canonical syntax (`."key"` or `.["key"]`, `[N]`, `[a:z]`, `[]`), parses to
//!   the same steps;
//! - on a document serde_json reads without duplicate keys, the selection agrees with a reference evaluation of
//!   the same steps on the serde_json value (same values in the same order, or both an error), jq's rules:
//!   missing key/index → null, null.key / null[N] / null[a:z] → null, .[] on null → error, indexing a scalar → error.
#![no_main]

use cocokit::json::path::{parse, select, Step};
use cocokit::json::pretty::{Indent, Options, Printer};
use cocokit_fuzz::{strict_doc, strict_stream};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

/// The steps in canonical syntax; keys as `."key"`, or as `.["key"]` when `brackets`.
fn write_steps(steps: &[Step], brackets: bool) -> String {
    let mut s = String::from(".");
    for st in steps {
        match st {
            Step::Key(k) if brackets => {
                s.push_str(&format!("[{}]", serde_json::to_string(k).unwrap()))
            }
            Step::Key(k) => {
                if !s.ends_with('.') {
                    s.push('.');
                }
                s.push_str(&serde_json::to_string(k).unwrap());
            }
            Step::Index(i) => s.push_str(&format!("[{i}]")),
            Step::Slice(a, z) => {
                let f = |v: &Option<i64>| v.map(|x| x.to_string()).unwrap_or_default();
                s.push_str(&format!("[{}:{}]", f(a), f(z)));
            }
            Step::Iterate => s.push_str("[]"),
        }
    }
    s
}

fn bounds(a: Option<i64>, z: Option<i64>, n: i64) -> (usize, usize) {
    let fix = |v: i64| if v < 0 { (n + v).max(0) } else { v.min(n) };
    let a = a.map_or(0, fix);
    let z = z.map_or(n, fix);
    (a as usize, z.max(a) as usize)
}

/// jq's semantics of the subset, on a DOM.
fn reference(doc: &Value, steps: &[Step]) -> Option<Vec<Value>> {
    let mut cur = vec![doc.clone()];
    for st in steps {
        let mut next = Vec::new();
        for v in cur {
            match (st, v) {
                (Step::Iterate, Value::Null) => return None,
                (_, Value::Null) => next.push(Value::Null),
                (Step::Key(k), Value::Object(m)) => {
                    next.push(m.get(k).cloned().unwrap_or(Value::Null))
                }
                (Step::Iterate, Value::Object(m)) => next.extend(m.into_iter().map(|(_, v)| v)),
                (Step::Iterate, Value::Array(a)) => next.extend(a),
                (Step::Index(i), Value::Array(a)) => {
                    let n = a.len() as i64;
                    let i = if *i < 0 { n.checked_add(*i)? } else { *i };
                    next.push(if (0..n).contains(&i) {
                        a[i as usize].clone()
                    } else {
                        Value::Null
                    });
                }
                (Step::Slice(x, y), Value::Array(a)) => {
                    let (s, e) = bounds(*x, *y, a.len() as i64);
                    next.push(Value::Array(a[s..e].to_vec()));
                }
                _ => return None,
            }
        }
        cur = next;
    }
    Some(cur)
}

fuzz_target!(|data: &[u8]| {
    let nl = data.iter().position(|&b| b == b'\n').unwrap_or(data.len());
    let Ok(expr) = std::str::from_utf8(&data[..nl]) else {
        return;
    };
    let doc = data.get(nl + 1..).unwrap_or(&[]);
    let Ok(steps) = parse(expr) else {
        return;
    };
    for brackets in [false, true] {
        let canon = write_steps(&steps, brackets);
        let again = parse(&canon)
            .unwrap_or_else(|e| panic!("canonical form {canon:?} of {expr:?} refused: {e}"));
        assert_eq!(again, steps, "{expr:?} -> {canon:?}");
    }

    let sel = select(doc, &steps);
    let mut out = Vec::new();
    let printed = sel.as_ref().map_err(|e| e.clone()).and_then(|s| {
        let opts = Options {
            indent: Indent::Compact,
            ..Options::default()
        };
        Printer::new(opts, &mut out).selected(doc, s)
    });
    if let Some(v) = strict_doc(doc) {
        let want = reference(&v, &steps);
        match (printed, want) {
            (Ok(()), Some(want)) => {
                let got = strict_stream(&out).expect("selected output must be JSON");
                assert_eq!(got.len(), want.len(), "{expr:?}: number of results");
                for (g, w) in got.iter().zip(&want) {
                    assert_eq!(
                        serde_json::to_string(g).unwrap(),
                        serde_json::to_string(w).unwrap(),
                        "{expr:?}"
                    );
                }
            }
            (Err(_), None) => {}
            (Ok(()), None) => panic!("{expr:?}: selects, jq's rules give an error"),
            (Err(e), Some(w)) => panic!("{expr:?}: error {e}, jq's rules give {w:?}"),
        }
    }
});
