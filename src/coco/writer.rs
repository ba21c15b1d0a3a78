//! Streamed COCO output: the top-level object written key by key and record by record, in the input's order.
//!
//! Records are written as raw JSON text handed in by the caller (usually the input's own bytes, so numbers and
//! unknown fields survive byte for byte). Layout follows Python's `json.dump` defaults as the official files do:
//! `{"key": value, "key": [{...}, {...}]}` on one line. A record whose `id`, `category_id`, ... must change is
//! written with only those values' bytes replaced ([`member_values`], [`splice`]): key order, unknown keys,
//! whitespace and every other number literal stay as read. Not here: deciding what to write (see the commands).

use crate::error::{Error, Result};
use crate::json::pretty::write_escaped;
use crate::json::scan::{skip_value_fast, Cursor};
use std::io::Write;

/// The byte ranges of the values of the top-level members `keys` of the object record at `start` (the last
/// one when a key repeats; `None` for a key it lacks). The record must have been validated already (parsed
/// by a `coco::reader` parser): members are skipped by their structure only.
pub fn member_values<const N: usize>(
    buf: &[u8],
    start: usize,
    keys: [&str; N],
) -> Result<[Option<(usize, usize)>; N]> {
    let mut found = [None; N];
    let mut c = Cursor::new(buf, start);
    c.begin_object()?;
    let mut first = true;
    while let Some((key, _)) = c.next_key(&mut first)? {
        let s = c.pos;
        let e = skip_value_fast(buf, s)?;
        if let Some(k) = keys.iter().position(|k| *k == key) {
            found[k] = Some((s, e));
        }
        c.pos = e;
    }
    Ok(found)
}

/// The integer at `range` of `buf` (a member value found by [`member_values`]).
pub fn int_at(buf: &[u8], range: (usize, usize)) -> Result<i64> {
    Cursor::new(buf, range.0).i64()
}

/// An integer value's text, to splice in.
pub fn int_text(v: i64) -> Vec<u8> {
    itoa::Buffer::new().format(v).as_bytes().to_vec()
}

/// A string value's JSON text (quoted, escaped), to splice in.
pub fn string_text(s: &str) -> Vec<u8> {
    let mut v = Vec::with_capacity(s.len() + 2);
    write_escaped(&mut v, s.as_bytes());
    v
}

/// The record `buf[start..end]` into `out` with the byte ranges of `edits` (absolute positions inside the
/// record, not overlapping) replaced by their new text; every other byte as it is.
pub fn splice(
    out: &mut Vec<u8>,
    buf: &[u8],
    (start, end): (usize, usize),
    edits: &mut [((usize, usize), Vec<u8>)],
) -> Result<()> {
    edits.sort_by_key(|((s, _), _)| *s);
    let mut at = start;
    for ((s, e), text) in edits.iter() {
        if *s < at || *e > end {
            return Err(Error::at(
                *s,
                "internal error: overlapping edits of a record",
            ));
        }
        out.extend_from_slice(&buf[at..*s]);
        out.extend_from_slice(text);
        at = *e;
    }
    out.extend_from_slice(&buf[at..end]);
    Ok(())
}

/// What goes between two records of a section.
pub const RECORD_SEP: &[u8] = b", ";

/// Writes a dataset object (`{...}`) or a results array (`[...]`) one piece at a time.
pub struct TopWriter<'w> {
    w: &'w mut dyn Write,
    first_key: bool,
    first_rec: bool,
    scratch: Vec<u8>,
    edited: Vec<u8>,
}

impl<'w> TopWriter<'w> {
    pub fn new(w: &'w mut dyn Write) -> Self {
        TopWriter {
            w,
            first_key: true,
            first_rec: true,
            scratch: Vec::new(),
            edited: Vec::new(),
        }
    }

    /// `{`
    pub fn begin_object(&mut self) -> Result<()> {
        self.w.write_all(b"{")?;
        Ok(())
    }

    /// `}` and a newline.
    pub fn end_object(&mut self) -> Result<()> {
        self.w.write_all(b"}\n")?;
        Ok(())
    }

    fn key(&mut self, key: &str) -> Result<()> {
        if !self.first_key {
            self.w.write_all(b", ")?;
        }
        self.first_key = false;
        self.scratch.clear();
        write_escaped(&mut self.scratch, key.as_bytes());
        self.scratch.extend_from_slice(b": ");
        self.w.write_all(&self.scratch)?;
        Ok(())
    }

    /// `"key": <raw>`
    pub fn raw_member(&mut self, key: &str, raw: &[u8]) -> Result<()> {
        self.key(key)?;
        self.w.write_all(raw)?;
        Ok(())
    }

    /// `"key": [` (then `record`s, then `end_array`).
    pub fn begin_section(&mut self, key: &str) -> Result<()> {
        self.key(key)?;
        self.begin_array()
    }

    /// `[` (a results array, or a section after `key`).
    pub fn begin_array(&mut self) -> Result<()> {
        self.w.write_all(b"[")?;
        self.first_rec = true;
        Ok(())
    }

    /// One record's raw JSON.
    #[inline]
    pub fn record(&mut self, raw: &[u8]) -> Result<()> {
        if !self.first_rec {
            self.w.write_all(RECORD_SEP)?;
        }
        self.first_rec = false;
        self.w.write_all(raw)?;
        Ok(())
    }

    /// The record `buf[start..end]` with `edits` spliced in ([`splice`]); as it is when there are none.
    pub fn record_edited(
        &mut self,
        buf: &[u8],
        (start, end): (usize, usize),
        edits: &mut [((usize, usize), Vec<u8>)],
    ) -> Result<()> {
        if edits.is_empty() {
            return self.record(&buf[start..end]);
        }
        let mut out = std::mem::take(&mut self.edited);
        out.clear();
        let r = splice(&mut out, buf, (start, end), edits).and_then(|()| self.record(&out));
        self.edited = out;
        r
    }

    /// Records already joined: each one preceded by [`RECORD_SEP`] (dropped before the section's first
    /// record), written in one call.
    pub fn records_joined(&mut self, joined: &[u8]) -> Result<()> {
        if joined.is_empty() {
            return Ok(());
        }
        let bytes = if self.first_rec {
            joined.strip_prefix(RECORD_SEP).unwrap_or(joined)
        } else {
            joined
        };
        self.first_rec = false;
        self.w.write_all(bytes)?;
        Ok(())
    }

    /// Bytes as they are (e.g. a final newline).
    pub fn raw_bytes(&mut self, b: &[u8]) -> Result<()> {
        self.w.write_all(b)?;
        Ok(())
    }

    /// `]`
    pub fn end_array(&mut self) -> Result<()> {
        self.w.write_all(b"]")?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splices_only_the_values_asked_for() {
        let rec = br#"{"b": [1, {"id": 9}], "id" :  7, "category_id": 1.0, "x": "id"}"#;
        let [id, cat, none] = member_values(rec, 0, ["id", "category_id", "nope"]).unwrap();
        assert_eq!(int_at(rec, id.unwrap()).unwrap(), 7);
        assert_eq!(int_at(rec, cat.unwrap()).unwrap(), 1);
        assert_eq!(none, None);
        let mut out = Vec::new();
        let mut edits = [(cat.unwrap(), int_text(12)), (id.unwrap(), int_text(-3))];
        splice(&mut out, rec, (0, rec.len()), &mut edits).unwrap();
        assert_eq!(
            out,
            br#"{"b": [1, {"id": 9}], "id" :  -3, "category_id": 12, "x": "id"}"#
        );
        assert_eq!(string_text("a\"b"), br#""a\"b""#);
    }

    #[test]
    fn writes_python_style_layout() {
        let mut v = Vec::new();
        let mut t = TopWriter::new(&mut v);
        t.begin_object().unwrap();
        t.raw_member("info", b"{\"a\": 1}").unwrap();
        t.begin_section("images").unwrap();
        t.record(b"{\"id\": 1}").unwrap();
        t.record(b"{\"id\": 2}").unwrap();
        t.end_array().unwrap();
        t.end_object().unwrap();
        assert_eq!(
            String::from_utf8(v).unwrap(),
            "{\"info\": {\"a\": 1}, \"images\": [{\"id\": 1}, {\"id\": 2}]}\n"
        );
    }
}
