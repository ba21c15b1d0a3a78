//! Streamed COCO output: the top-level object written key by key and record by record, in the input's order.
//!
//! Records are written as raw JSON text handed in by the caller (usually the input's own bytes, so numbers and
//! unknown fields survive byte for byte). Layout follows Python's `json.dump` defaults as the official files do:
//! `{"key": value, "key": [{...}, {...}]}` on one line. Not here: deciding what to write (see the commands).

use crate::error::Result;
use crate::json::pretty::write_escaped;
use std::io::Write;

/// What goes between two records of a section.
pub const RECORD_SEP: &[u8] = b", ";

/// Writes a dataset object (`{...}`) or a results array (`[...]`) one piece at a time.
pub struct TopWriter<'w> {
    w: &'w mut dyn Write,
    first_key: bool,
    first_rec: bool,
    scratch: Vec<u8>,
}

impl<'w> TopWriter<'w> {
    pub fn new(w: &'w mut dyn Write) -> Self {
        TopWriter {
            w,
            first_key: true,
            first_rec: true,
            scratch: Vec::new(),
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
