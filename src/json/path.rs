//! The jq-style path subset of `cocokit pretty --path`: `.`, `.key`, `.a.b`, `."quoted key"`, `.[N]`, `.key[N]`,
//! `.key[N:M]` (open ends and negative indices as jq), `.key[]`, chained.
//!
//! Selection walks the byte buffer: it skips (with validation) what it passes over and never reads past what it
//! needs, so `.annotations[0:3]` on a 450 MB file touches only the bytes before the fourth annotation. Results
//! follow jq: a missing key or index gives `null`; indexing a number or string is an error; a slice gives an
//! array. It is not a jq interpreter: no filters, pipes or functions.

use super::scan::{parse_string, skip_value, skip_ws, Cursor};
use crate::error::{Error, Result};

/// One step of a path.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    Key(String),
    Index(i64),
    Slice(Option<i64>, Option<i64>),
    Iterate,
}

/// Parse a path expression such as `.annotations[0:3]`.
pub fn parse(expr: &str) -> Result<Vec<Step>> {
    let bad = |why: &str| Error::msg(format!("invalid path '{expr}': {why}"));
    let b = expr.trim().as_bytes();
    if b.first() != Some(&b'.') {
        return Err(bad("it must start with '.'"));
    }
    let mut steps = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'.' => {
                i += 1;
                if i >= b.len() || b[i] == b'[' {
                    continue;
                }
                if b[i] == b'"' {
                    let (s, end) =
                        parse_string(b, i).map_err(|_| bad("unterminated quoted key"))?;
                    steps.push(Step::Key(s.into_owned()));
                    i = end;
                } else {
                    let start = i;
                    while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                        i += 1;
                    }
                    if start == i {
                        return Err(bad("expected a key after '.'"));
                    }
                    steps.push(Step::Key(expr.trim()[start..i].to_string()));
                }
            }
            b'[' => {
                let q = skip_ws(b, i + 1);
                if b.get(q) == Some(&b'"') {
                    // A quoted key may contain ']': find the end of the string before the closing ']'.
                    let (s, end) = parse_string(b, q).map_err(|_| bad("bad quoted key"))?;
                    let close = skip_ws(b, end);
                    if b.get(close) != Some(&b']') {
                        return Err(bad("missing ']' after the quoted key"));
                    }
                    steps.push(Step::Key(s.into_owned()));
                    i = close + 1;
                    continue;
                }
                let close = b[i..]
                    .iter()
                    .position(|&c| c == b']')
                    .ok_or_else(|| bad("missing ']'"))?
                    + i;
                let inner = std::str::from_utf8(&b[i + 1..close])
                    .map_err(|_| bad("not UTF-8"))?
                    .trim();
                if inner.is_empty() {
                    steps.push(Step::Iterate);
                } else if let Some((a, z)) = inner.split_once(':') {
                    let num = |t: &str| -> Result<Option<i64>> {
                        let t = t.trim();
                        if t.is_empty() {
                            Ok(None)
                        } else {
                            t.parse()
                                .map(Some)
                                .map_err(|_| bad("slice bounds must be integers"))
                        }
                    };
                    steps.push(Step::Slice(num(a)?, num(z)?));
                } else {
                    steps.push(Step::Index(
                        inner.parse().map_err(|_| bad("index must be an integer"))?,
                    ));
                }
                i = close + 1;
            }
            _ => return Err(bad(&format!("unexpected '{}'", b[i] as char))),
        }
    }
    Ok(steps)
}

/// A selected value: a place in the buffer, `null` (missing), or an array made by a slice.
#[derive(Debug, Clone, PartialEq)]
pub enum Selected {
    At(usize),
    Null,
    Array(Vec<usize>),
}

/// Apply `steps` to the document in `buf`, returning the selected values in order.
pub fn select(buf: &[u8], steps: &[Step]) -> Result<Vec<Selected>> {
    select_releasing(buf, steps, &|_| {})
}

/// Input bytes skipped between two calls of the `release` callback.
const RELEASE_EVERY: usize = 8 << 20;

/// [`select`], calling `release(upto)` now and then while it skips through a long array (`upto` only grows),
/// so that a memory-mapped input can drop the pages it has passed (see `io::Input::release`); a page released
/// and read again later is simply read again.
pub fn select_releasing(
    buf: &[u8],
    steps: &[Step],
    release: &dyn Fn(usize),
) -> Result<Vec<Selected>> {
    let root = skip_ws(buf, 0);
    if root >= buf.len() {
        return Err(Error::at(root, "empty input: no JSON value"));
    }
    let mut cur = vec![Selected::At(root)];
    for step in steps {
        let mut next = Vec::new();
        for sel in cur {
            apply(buf, &sel, step, &mut next, release)?;
        }
        cur = next;
    }
    Ok(cur)
}

fn kind_name(b: Option<u8>) -> &'static str {
    match b {
        Some(b'{') => "object",
        Some(b'[') => "array",
        Some(b'"') => "string",
        Some(b't' | b'f') => "boolean",
        Some(b'n') => "null",
        _ => "number",
    }
}

/// Which elements of an array to keep.
#[derive(Clone, Copy)]
enum Keep {
    /// All of them.
    All,
    /// The first N (and stop reading there).
    First(usize),
    /// The last N (one pass over the array, N positions held).
    Last(usize),
}

/// Element positions of the array at `pos` that `keep` asks for.
fn elements(buf: &[u8], pos: usize, keep: Keep, release: &dyn Fn(usize)) -> Result<Vec<usize>> {
    let mut c = Cursor::new(buf, pos);
    c.begin_array()?;
    let mut first = true;
    let mut out = std::collections::VecDeque::new();
    let mut count = 0usize;
    let mut released = pos;
    while c.next_elem(&mut first)? {
        match keep {
            Keep::First(l) if count >= l => break,
            Keep::Last(l) if out.len() >= l => {
                out.pop_front();
            }
            _ => {}
        }
        out.push_back(c.pos);
        count += 1;
        c.pos = skip_value(buf, c.pos)?;
        if c.pos >= released + RELEASE_EVERY {
            release(c.pos);
            released = c.pos;
        }
    }
    Ok(out.into())
}

fn apply(
    buf: &[u8],
    sel: &Selected,
    step: &Step,
    out: &mut Vec<Selected>,
    release: &dyn Fn(usize),
) -> Result<()> {
    match sel {
        Selected::Null => {
            // jq: null[...] and null.key are null; .[] on null is an error.
            if *step == Step::Iterate {
                return Err(Error::msg("cannot iterate over null"));
            }
            out.push(Selected::Null);
        }
        Selected::Array(items) => {
            let items = items.clone();
            let n = items.len() as i64;
            match step {
                Step::Key(k) => return Err(Error::msg(format!("cannot index array with \"{k}\""))),
                Step::Iterate => out.extend(items.into_iter().map(Selected::At)),
                Step::Index(ix) => {
                    let ix = if *ix < 0 { n + ix } else { *ix };
                    out.push(if (0..n).contains(&ix) {
                        Selected::At(items[ix as usize])
                    } else {
                        Selected::Null
                    });
                }
                Step::Slice(a, z) => {
                    let (a, z) = slice_bounds(*a, *z, n);
                    out.push(Selected::Array(items[a..z].to_vec()));
                }
            }
        }
        Selected::At(pos) => {
            let pos = skip_ws(buf, *pos);
            let kind = buf.get(pos).copied();
            match (step, kind) {
                (_, Some(b'n')) => return apply(buf, &Selected::Null, step, out, release),
                (Step::Key(k), Some(b'{')) => {
                    let mut c = Cursor::new(buf, pos);
                    c.begin_object()?;
                    let mut first = true;
                    let mut found = None;
                    while let Some((key, _)) = c.next_key(&mut first)? {
                        if key == k.as_str() {
                            // jq keeps the last of duplicate keys; keep scanning only if asked to be exact
                            // would cost a full pass, so the first match is taken.
                            found = Some(c.pos);
                            break;
                        }
                        c.pos = skip_value(buf, c.pos)?;
                        release(c.pos);
                    }
                    out.push(found.map_or(Selected::Null, Selected::At));
                }
                (Step::Iterate, Some(b'{')) => {
                    let mut c = Cursor::new(buf, pos);
                    c.begin_object()?;
                    let mut first = true;
                    while c.next_key(&mut first)?.is_some() {
                        out.push(Selected::At(c.pos));
                        c.pos = skip_value(buf, c.pos)?;
                    }
                }
                (Step::Iterate, Some(b'[')) => {
                    let els = elements(buf, pos, Keep::All, release)?;
                    out.extend(els.into_iter().map(Selected::At));
                }
                (Step::Index(ix), Some(b'[')) => {
                    if *ix < 0 {
                        // One pass holding the last |ix| positions.
                        let back = ix.unsigned_abs() as usize;
                        let els = elements(buf, pos, Keep::Last(back), release)?;
                        out.push(if els.len() == back {
                            Selected::At(els[0])
                        } else {
                            Selected::Null
                        });
                    } else {
                        let els = elements(buf, pos, Keep::First(*ix as usize + 1), release)?;
                        out.push(
                            els.get(*ix as usize)
                                .map_or(Selected::Null, |&p| Selected::At(p)),
                        );
                    }
                }
                (Step::Slice(a, z), Some(b'[')) => {
                    let negative = a.is_some_and(|v| v < 0) || z.is_none_or(|v| v < 0);
                    if negative {
                        let els = elements(buf, pos, Keep::All, release)?;
                        let (a, z) = slice_bounds(*a, *z, els.len() as i64);
                        out.push(Selected::Array(els[a..z].to_vec()));
                    } else {
                        let zz = z.unwrap_or(0) as usize;
                        let els = elements(buf, pos, Keep::First(zz), release)?;
                        let (a, z) = slice_bounds(*a, *z, els.len() as i64);
                        out.push(Selected::Array(els[a..z].to_vec()));
                    }
                }
                (Step::Key(k), kind) => {
                    return Err(Error::at(
                        pos,
                        format!("cannot index {} with \"{k}\"", kind_name(kind)),
                    ))
                }
                (Step::Iterate, kind) => {
                    return Err(Error::at(
                        pos,
                        format!("cannot iterate over {}", kind_name(kind)),
                    ))
                }
                (_, kind) => {
                    return Err(Error::at(
                        pos,
                        format!("cannot index {} with a number", kind_name(kind)),
                    ))
                }
            }
        }
    }
    Ok(())
}

/// jq's slice bounds: negative counts from the end, clamped to 0..=n, empty when start ≥ end.
fn slice_bounds(a: Option<i64>, z: Option<i64>, n: i64) -> (usize, usize) {
    let fix = |v: i64| if v < 0 { (n + v).max(0) } else { v.min(n) };
    let a = a.map_or(0, fix);
    let z = z.map_or(n, fix);
    (a as usize, z.max(a) as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_paths() {
        assert_eq!(parse(".").unwrap(), vec![]);
        assert_eq!(
            parse(".annotations[0:3]").unwrap(),
            vec![
                Step::Key("annotations".into()),
                Step::Slice(Some(0), Some(3))
            ]
        );
        assert_eq!(
            parse(".a.b[-1][][:2].\"x y\"").unwrap(),
            vec![
                Step::Key("a".into()),
                Step::Key("b".into()),
                Step::Index(-1),
                Step::Iterate,
                Step::Slice(None, Some(2)),
                Step::Key("x y".into())
            ]
        );
        assert!(parse("a").is_err());
        assert!(parse(".[x]").is_err());
    }

    #[test]
    fn selects_like_jq() {
        let buf = br#"{"a": [10, 20, 30, 40], "b": {"c": "x"}, "n": null}"#;
        let at = |e: &str| select(buf, &parse(e).unwrap()).unwrap();
        assert_eq!(at(".a[1]"), vec![Selected::At(11)]);
        assert_eq!(at(".a[-1]"), vec![Selected::At(19)]);
        assert_eq!(at(".a[9]"), vec![Selected::Null]);
        assert_eq!(at(".zz"), vec![Selected::Null]);
        assert_eq!(at(".n.x"), vec![Selected::Null]);
        assert_eq!(at(".a[1:3]"), vec![Selected::Array(vec![11, 15])]);
        assert_eq!(at(".a[-2:]"), vec![Selected::Array(vec![15, 19])]);
        assert_eq!(at(".a[3:1]"), vec![Selected::Array(vec![])]);
        assert_eq!(at(".a[]").len(), 4);
        assert_eq!(at(".[]").len(), 3);
        assert!(select(buf, &parse(".a.x").unwrap()).is_err());
        assert!(select(buf, &parse(".b.c[0]").unwrap()).is_err());
    }
}
