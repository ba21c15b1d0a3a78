//! The streaming re-indenter behind `cocokit pretty`: output equal to jq 1.7's `jq --indent N .`.
//!
//! It walks the input once with an explicit stack (constant memory in the file size) and writes as it goes.
//! Nesting deeper than jq's 10 000 levels ([`MAX_DEPTH`]) is refused, as jq does: the indentation of a line
//! grows with its depth, so the limit keeps the output within a constant factor of the input. What it reproduces from jq on purpose:
//! - layout: `"key": value`, one member per line, `[]` and `{}` for empty containers, a newline after each
//!   top-level value, `--indent 0` = compact, `--tab`;
//! - strings are decoded and re-escaped as jq does: `\"`, `\\`, `\b \f \n \r \t`, other control characters
//!   and DEL as `\u00XX`; everything else (including `/` and non-ASCII) written raw; lone surrogates → U+FFFD;
//! - numbers are written as they appear in the input (jq 1.7 keeps number literals; jq 1.6 canonicalised them);
//! - colours: jq's defaults and its exact escape-sequence layout (`-C`).
//!
//! Where jq would silently keep only the last of two equal keys in an object, this printer stops with an error
//! naming the byte offset: a streaming printer cannot move the value back, and a duplicate key is a defect in
//! the file that the user should hear about.
//!
//! What it is not: a validator of COCO semantics, or a DOM (`--sort-keys` sorts the members of one object at a
//! time by their byte ranges; the values themselves are streamed).
//!
//! Speed: plain numbers and strings go through the SSE2 fast paths of `json::simd` (anything else through
//! `json::scan`, which decides every error); runs of array numbers (polygons) are validated 64 bytes at a time
//! and copied as spans followed by a precomputed `,\n` + indentation; short plain keys are read, checked for
//! duplicates (by a 128-bit tag holding the key) and copied from one 32-byte window. Big arrays (opened at
//! depth ≤ 2, e.g. `annotations`) are cut into chunks of about 128 KB of input and printed by worker threads
//! ([`Printer::with_threads`]); chunks are written in order, at most 16 in flight, input pages released
//! behind them. Chunk boundaries of arrays of objects are guessed (the first element's opening, e.g.
//! `{"segmentation"`, found by `memmem` after a comma) and checked by the worker of the chunk before; other
//! arrays, and arrays after a wrong guess, are cut structurally, 64 bytes at a time. Output and errors (the
//! first in file order, same offset and message) do not depend on the number of threads.
//!
//! With `--path`, the pages of the elements an array selection skips are released as the walk passes them.
//! Measurements against jq and the other peers: docs/PERFORMANCE.md.

use super::scan::{
    scan_literal, scan_number, scan_string, skip_value, skip_value_fast, skip_value_in, skip_ws,
    too_deep, unescape, unexpected, ElementGuess, MAX_DEPTH,
};
use super::simd::{
    array_boundary, number_list_block, plain_number_end, plain_string_end, short_string_len,
};
use crate::error::{Error, Result};
use std::borrow::Cow;
use std::collections::HashSet;
use std::io::Write;

/// How to lay out the output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Indent {
    /// N spaces per level (jq's `--indent N`, 1..=7).
    Spaces(u8),
    /// One tab per level (`--tab`).
    Tab,
    /// Everything on one line, no spaces (`-c`, `--indent 0`).
    Compact,
}

/// Printer options.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    pub indent: Indent,
    pub sort_keys: bool,
    pub color: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            indent: Indent::Spaces(2),
            sort_keys: false,
            color: false,
        }
    }
}

// jq 1.6/1.7 default colours (JQ_COLORS): null, false, true, numbers, strings, arrays, objects; keys.
const COL_NULL: &[u8] = b"\x1b[1;30m";
const COL_FALSE: &[u8] = b"\x1b[0;39m";
const COL_TRUE: &[u8] = b"\x1b[0;39m";
const COL_NUM: &[u8] = b"\x1b[0;39m";
const COL_STR: &[u8] = b"\x1b[0;32m";
const COL_CONT: &[u8] = b"\x1b[1;39m";
const COL_FIELD: &[u8] = b"\x1b[34;1m";
const COL_RESET: &[u8] = b"\x1b[0m";

const FLUSH_AT: usize = 1 << 18;
const RELEASE_EVERY: usize = 8 << 20;
/// Input bytes per chunk of array elements printed by one worker.
const CHUNK: usize = 128 << 10;
/// Arrays opened at this nesting depth or less may be printed in parallel (a dataset's `annotations` is at 1,
/// a results file's top-level array at 0).
const MAX_PAR_DEPTH: usize = 2;
/// At most this many chunks are printed or waiting to be written at once (memory bound).
const MAX_IN_FLIGHT: usize = 16;

enum Frame<'a> {
    Array,
    Object {
        keys_start: usize,
        set: Option<HashSet<Cow<'a, [u8]>>>,
    },
    Sorted {
        members: Vec<(Cow<'a, [u8]>, usize)>,
        next: usize,
        end: usize,
    },
}

/// A streaming JSON printer writing to `sink`.
pub struct Printer<'o> {
    opts: Options,
    out: Vec<u8>,
    /// `None`: everything stays in `out` (a chunk printed by a worker thread).
    sink: Option<&'o mut dyn Write>,
    /// `,\n` followed by enough indentation characters for the deepest level seen (`nl` is `sep[1..]`), and
    /// at least `PAD` bytes long so short prefixes can be copied with one fixed-size move.
    sep: Vec<u8>,
    unit: usize,
    /// Called with an input offset below which the input will not be read again (to release mmap pages).
    release: Option<&'o dyn Fn(usize)>,
    released: usize,
    /// Worker threads for big arrays (1 = everything on the calling thread).
    threads: usize,
    /// Input bytes per parallel chunk.
    chunk: usize,
    /// Guessed chunk boundaries found wrong (tests check that the recovery path runs).
    wrong_guesses: usize,
}

impl<'o> Printer<'o> {
    pub fn new(opts: Options, sink: &'o mut dyn Write) -> Self {
        let (unit, ch) = match opts.indent {
            Indent::Spaces(n) => (n as usize, b' '),
            Indent::Tab => (1, b'\t'),
            Indent::Compact => (0, b' '),
        };
        let mut sep = vec![b',', b'\n'];
        sep.resize((2 + unit * 64).max(PAD + 1), ch);
        Printer {
            opts,
            out: Vec::with_capacity(FLUSH_AT + 4096),
            sink: Some(sink),
            sep,
            unit,
            release: None,
            released: 0,
            threads: 1,
            chunk: CHUNK,
            wrong_guesses: 0,
        }
    }

    /// A printer that keeps everything in memory (a chunk printed by a worker).
    fn buffered(opts: Options, out: Vec<u8>, sep: Vec<u8>) -> Printer<'static> {
        Printer {
            opts,
            out,
            sink: None,
            sep,
            unit: match opts.indent {
                Indent::Spaces(n) => n as usize,
                Indent::Tab => 1,
                Indent::Compact => 0,
            },
            release: None,
            released: 0,
            threads: 1,
            chunk: CHUNK,
            wrong_guesses: 0,
        }
    }

    /// Print the elements of big arrays on `threads` worker threads (1 = no threads). The output is the same
    /// whatever the number of threads, and so is the error for a bad input: the first one in file order.
    pub fn with_threads(mut self, threads: usize) -> Self {
        self.threads = threads.max(1);
        self
    }

    /// Input bytes per parallel chunk (tests use small chunks to exercise the parallel path on small files).
    #[doc(hidden)]
    pub fn with_chunk_size(mut self, bytes: usize) -> Self {
        self.chunk = bytes.max(1);
        self
    }

    /// Tell the printer how to release input it has consumed (see `io::Input::release`).
    pub fn with_release(mut self, f: &'o dyn Fn(usize)) -> Self {
        self.release = Some(f);
        self
    }

    fn pretty(&self) -> bool {
        self.opts.indent != Indent::Compact
    }

    /// The indentation character.
    fn indent_char(&self) -> u8 {
        match self.opts.indent {
            Indent::Tab => b'\t',
            _ => b' ',
        }
    }

    /// Make `sep` long enough for a separator at `depth`; returns the length of `,\n` + indentation.
    #[inline(always)]
    fn sep_len(&mut self, depth: usize) -> usize {
        let l = 2 + depth * self.unit;
        if l + PAD > self.sep.len() {
            let ch = self.indent_char();
            self.sep.resize(l * 2 + PAD, ch);
        }
        l
    }

    #[inline(always)]
    fn newline(&mut self, depth: usize) {
        if self.opts.indent == Indent::Compact {
            return;
        }
        let l = self.sep_len(depth);
        put(&mut self.out, &self.sep[1..], l - 1);
    }

    #[inline(always)]
    fn col(&mut self, c: &[u8]) {
        if self.opts.color {
            self.out.extend_from_slice(c);
        }
    }

    #[inline]
    fn maybe_flush(&mut self, pos: usize) -> Result<()> {
        if self.out.len() >= FLUSH_AT && self.sink.is_some() {
            self.flush()?;
            if let Some(rel) = self.release {
                if pos >= self.released + RELEASE_EVERY {
                    rel(pos);
                    self.released = pos;
                }
            }
        }
        Ok(())
    }

    /// Write out what is buffered.
    pub fn flush(&mut self) -> Result<()> {
        if let Some(sink) = self.sink.as_mut() {
            sink.write_all(&self.out)?;
            self.out.clear();
        }
        Ok(())
    }

    fn flush_sink(&mut self) -> Result<()> {
        self.flush()?;
        if let Some(sink) = self.sink.as_mut() {
            sink.flush()?;
        }
        Ok(())
    }

    /// A string of at least `FLUSH_AT` bytes, written straight to the sink in pieces of `FLUSH_AT` bytes
    /// (jq's escaping applies byte by byte, so any cut between bytes is a cut of the output).
    fn huge_string(&mut self, raw: &[u8], escaped: bool, base: usize) -> Result<()> {
        let decoded;
        let text: &[u8] = if escaped {
            // Escapes must be decoded first; a string with escapes this long is rare enough to copy.
            decoded = unescape(raw, base)?.into_bytes();
            &decoded
        } else {
            raw
        };
        self.out.push(b'"');
        for part in text.chunks(FLUSH_AT) {
            write_escaped_inside(&mut self.out, part);
            self.flush()?;
        }
        self.out.push(b'"');
        Ok(())
    }

    /// Write raw bytes (used by path selection for separators).
    pub fn raw(&mut self, b: &[u8]) {
        self.out.extend_from_slice(b);
    }

    /// Print every top-level value of `buf` (a JSON text, or several separated by whitespace), each followed
    /// by a newline, as jq does. An input without any value is an error.
    pub fn document(&mut self, buf: &[u8]) -> Result<()> {
        let mut i = skip_ws(buf, 0);
        if i >= buf.len() {
            return Err(Error::at(i, "empty input: no JSON value"));
        }
        while i < buf.len() {
            i = self.value(buf, i, 0)?;
            self.out.push(b'\n');
            i = skip_ws(buf, i);
        }
        self.flush_sink()
    }

    /// Print the value at `i` as if it sat at nesting `depth` (no trailing newline). Returns the index after it.
    pub fn value(&mut self, buf: &[u8], i: usize, depth: usize) -> Result<usize> {
        self.walk(buf, i, depth, None)
    }

    /// The printing loop. With `chunk_end`, it prints array elements at `depth` from `i` (an element) as if
    /// inside the array, each followed by `,` and the newline, and returns the start of the first element at or
    /// after `chunk_end` (one loop, one stack for a whole chunk of elements), or the index of the array's `]`
    /// when the array ends first (its last element then printed without the `,`).
    fn walk<'b>(
        &mut self,
        buf: &'b [u8],
        i: usize,
        depth: usize,
        chunk_end: Option<usize>,
    ) -> Result<usize> {
        let mut stack: Vec<Frame<'b>> = Vec::new();
        let mut keys: Vec<(u128, Cow<'b, [u8]>)> = Vec::new();
        let mut base = depth;
        if chunk_end.is_some() {
            stack.push(Frame::Array);
            base -= 1;
        }
        let mut i = skip_ws(buf, i);
        let pretty = self.pretty();
        'value: loop {
            let d = base + stack.len();
            self.maybe_flush(i)?;
            match buf.get(i) {
                Some(b'{') => {
                    if d >= DEEP_CHECK {
                        deep_check(buf, i, d)?;
                    }
                    let open = i;
                    i = skip_ws(buf, i + 1);
                    if buf.get(i) == Some(&b'}') {
                        self.col(COL_CONT);
                        self.out.extend_from_slice(b"{}");
                        self.col(COL_RESET);
                        i += 1;
                    } else if self.opts.sort_keys {
                        let (members, end) = collect_members(buf, open)?;
                        self.col(COL_CONT);
                        self.out.push(b'{');
                        let vpos = members[0].1;
                        let key = members[0].0.clone();
                        stack.push(Frame::Sorted {
                            members,
                            next: 1,
                            end,
                        });
                        self.field(&key, d + 1, true, pretty);
                        i = vpos;
                        continue 'value;
                    } else {
                        self.col(COL_CONT);
                        self.out.push(b'{');
                        let keys_start = keys.len();
                        i = match self.short_key(buf, i, d + 1, pretty, &mut keys, keys_start) {
                            Some(v) => v,
                            None => self.key(
                                buf,
                                i,
                                d + 1,
                                true,
                                pretty,
                                &mut keys,
                                keys_start,
                                &mut None,
                            )?,
                        };
                        stack.push(Frame::Object {
                            keys_start,
                            set: None,
                        });
                        continue 'value;
                    }
                }
                Some(b'[') => {
                    if d >= DEEP_CHECK {
                        deep_check(buf, i, d)?;
                    }
                    i = skip_ws(buf, i + 1);
                    self.col(COL_CONT);
                    if buf.get(i) == Some(&b']') {
                        self.out.extend_from_slice(b"[]");
                        self.col(COL_RESET);
                        i += 1;
                    } else {
                        self.out.push(b'[');
                        self.newline(d + 1);
                        stack.push(Frame::Array);
                        if self.threads > 1 && d <= MAX_PAR_DEPTH && buf.len() - i >= 2 * self.chunk
                        {
                            i = self.par_array(buf, i, d + 1)?;
                        }
                        continue 'value;
                    }
                }
                Some(b'"') => {
                    self.col(COL_STR);
                    match plain_string_end(buf, i) {
                        Some(end) if end - i < FLUSH_AT || self.sink.is_none() => {
                            put_span(&mut self.out, buf, i, end);
                            i = end;
                        }
                        _ => {
                            let (end, escaped) = scan_string(buf, i)?;
                            let raw = &buf[i + 1..end - 1];
                            if raw.len() >= FLUSH_AT && self.sink.is_some() {
                                // A huge string goes out in pieces: buffered whole it would double the
                                // memory.
                                self.huge_string(raw, escaped, i + 1)?;
                            } else {
                                emit_string(&mut self.out, raw, escaped, i + 1)?;
                            }
                            i = end;
                        }
                    }
                    self.col(COL_RESET);
                }
                Some(b'-' | b'0'..=b'9') => {
                    if !self.opts.color && matches!(stack.last(), Some(Frame::Array)) {
                        // Fast path for runs of numbers in an array (polygon coordinates are most of a COCO
                        // file): no per-value frame dispatch, one capacity check per number. In a chunk of
                        // the array being printed in parallel, the run stops at the chunk's end.
                        let limit = match chunk_end {
                            Some(end) if stack.len() == 1 => end,
                            _ => usize::MAX,
                        };
                        i = self.number_run(buf, i, d, limit)?;
                    } else {
                        let end = number_end(buf, i)?;
                        self.col(COL_NUM);
                        put_span(&mut self.out, buf, i, end);
                        self.col(COL_RESET);
                        i = end;
                    }
                }
                Some(_) => {
                    let end = scan_literal(buf, i)?;
                    let c = match buf[i] {
                        b't' => COL_TRUE,
                        b'f' => COL_FALSE,
                        _ => COL_NULL,
                    };
                    self.col(c);
                    self.out.extend_from_slice(&buf[i..end]);
                    self.col(COL_RESET);
                    i = end;
                }
                None => return Err(unexpected(buf, i, "a value")),
            }
            self.maybe_flush(i)?;
            // After a value: next member, or close containers.
            loop {
                let d = base + stack.len();
                let Some(top) = stack.last_mut() else {
                    return Ok(i);
                };
                match top {
                    Frame::Array => {
                        self.col(COL_CONT);
                        i = skip_ws(buf, i);
                        match buf.get(i) {
                            Some(b',') => {
                                self.out.push(b',');
                                self.newline(d);
                                i = skip_ws(buf, i + 1);
                                if stack.len() == 1 {
                                    if let Some(end) = chunk_end {
                                        if i >= end {
                                            return Ok(i);
                                        }
                                    }
                                }
                                continue 'value;
                            }
                            Some(b']') if chunk_end.is_some() && stack.len() == 1 => {
                                // The array ends before the chunk's end: the caller decides (a guessed
                                // boundary past the array's end, or an internal error for an exact one).
                                return Ok(i);
                            }
                            Some(b']') => {
                                stack.pop();
                                self.newline(d - 1);
                                self.col(COL_CONT);
                                self.out.push(b']');
                                self.col(COL_RESET);
                                i += 1;
                            }
                            _ => return Err(unexpected(buf, i, "',' or ']'")),
                        }
                    }
                    Frame::Object { keys_start, set } => {
                        let keys_start = *keys_start;
                        self.col(COL_CONT);
                        i = skip_ws(buf, i);
                        match buf.get(i) {
                            Some(b',') => {
                                self.out.push(b',');
                                i = skip_ws(buf, i + 1);
                                let Some(Frame::Object { set, .. }) = stack.last_mut() else {
                                    unreachable!()
                                };
                                let fast = match set {
                                    None => {
                                        self.short_key(buf, i, d, pretty, &mut keys, keys_start)
                                    }
                                    Some(_) => None,
                                };
                                i = match fast {
                                    Some(v) => v,
                                    None => self.key(
                                        buf, i, d, false, pretty, &mut keys, keys_start, set,
                                    )?,
                                };
                                continue 'value;
                            }
                            Some(b'}') => {
                                let _ = set;
                                stack.pop();
                                keys.truncate(keys_start);
                                self.newline(d - 1);
                                self.col(COL_CONT);
                                self.out.push(b'}');
                                self.col(COL_RESET);
                                i += 1;
                            }
                            _ => return Err(unexpected(buf, i, "',' or '}'")),
                        }
                    }
                    Frame::Sorted { members, next, end } => {
                        self.col(COL_CONT);
                        if *next < members.len() {
                            let (key, vpos) = members[*next].clone();
                            *next += 1;
                            self.out.push(b',');
                            self.field(&key, d, false, pretty);
                            i = vpos;
                            continue 'value;
                        }
                        i = *end;
                        stack.pop();
                        self.newline(d - 1);
                        self.col(COL_CONT);
                        self.out.push(b'}');
                        self.col(COL_RESET);
                    }
                }
            }
        }
    }

    /// Print numbers of an array from `i` while they follow one another (`1, 2.5, -3`); stops after the last
    /// number of the run, leaving `i` just after it (the caller handles `,` `]` or anything else). One pass:
    /// each number is validated, copied, and followed by `,` and the indentation when another number follows.
    /// Copies are fixed-size moves into spare capacity (16 bytes for a short number, `PAD` for the separator),
    /// with the length then set to what is meaningful. No number starting at or after `limit` is printed
    /// (the end of a chunk of the array printed in parallel; `usize::MAX` elsewhere).
    #[inline]
    fn number_run(
        &mut self,
        buf: &[u8],
        mut i: usize,
        depth: usize,
        limit: usize,
    ) -> Result<usize> {
        let l = if self.opts.indent == Indent::Compact {
            1
        } else {
            self.sep_len(depth)
        };
        // After a block is refused (other whitespace, exponents, an error), scan a few numbers one at a time.
        let mut one_by_one = 0u32;
        loop {
            if self.out.len() >= FLUSH_AT {
                self.maybe_flush(i)?;
            }
            if one_by_one == 0 {
                match number_list_block(buf, i) {
                    // Every number of the block is followed by another before `limit`.
                    Some((commas, gap, next)) if next < limit => {
                        self.number_block(buf, i, commas, gap, l);
                        i = next;
                        continue;
                    }
                    _ => one_by_one = 8,
                }
            }
            one_by_one -= 1;
            let end = number_end(buf, i)?;
            // The number before `limit`'s element is the last one printed here: the caller prints its `,`
            // and stops there.
            let next = next_number(buf, end).filter(|&k| k < limit);
            let len = end - i;
            self.out.reserve(len.max(16) + l.max(PAD));
            // SAFETY: `reserve` made room for max(len, 16) + max(l, PAD) bytes after the current length; the
            // 16-byte read is inside `buf` (checked), `sep` holds at least `PAD` bytes and at least `l`.
            unsafe {
                let at = self.out.len();
                let dst = self.out.as_mut_ptr().add(at);
                let src = buf.as_ptr().add(i);
                if len <= 16 && i + 16 <= buf.len() {
                    std::ptr::copy_nonoverlapping(src, dst, 16);
                } else {
                    std::ptr::copy_nonoverlapping(src, dst, len);
                }
                match next {
                    Some(k) => {
                        let dst = dst.add(len);
                        if l <= PAD {
                            std::ptr::copy_nonoverlapping(self.sep.as_ptr(), dst, PAD);
                        } else {
                            std::ptr::copy_nonoverlapping(self.sep.as_ptr(), dst, l);
                        }
                        self.out.set_len(at + len + l);
                        i = k;
                    }
                    None => {
                        self.out.set_len(at + len);
                        return Ok(end);
                    }
                }
            }
        }
    }

    /// Print the numbers of a block validated by `number_list_block`: each span up to and including its comma,
    /// then the newline and indentation (`sep[1..l]`).
    #[inline(always)]
    fn number_block(&mut self, buf: &[u8], i: usize, mut commas: u64, gap: usize, l: usize) {
        let n = commas.count_ones() as usize;
        let nl = l - 1;
        self.out.reserve(n * (16 + nl.max(PAD)) + 64);
        let mut start = i;
        // SAFETY: room for every span (at most 16 bytes are written per span, or its length when longer) and
        // every separator (at most max(nl, PAD) bytes written) was reserved. Reads: spans start before i + 64
        // and `number_list_block` checked i + 80 <= buf.len(); `sep[1..]` holds at least max(nl, PAD) bytes.
        unsafe {
            let mut at = self.out.len();
            let base = self.out.as_mut_ptr();
            let sep = self.sep.as_ptr().add(1);
            while commas != 0 {
                let c = i + commas.trailing_zeros() as usize;
                let len = c + 1 - start;
                let src = buf.as_ptr().add(start);
                if len <= 16 {
                    std::ptr::copy_nonoverlapping(src, base.add(at), 16);
                } else {
                    std::ptr::copy_nonoverlapping(src, base.add(at), len);
                }
                at += len;
                if nl <= PAD {
                    std::ptr::copy_nonoverlapping(sep, base.add(at), PAD);
                } else {
                    std::ptr::copy_nonoverlapping(sep, base.add(at), nl);
                }
                at += nl;
                start = c + gap;
                commas &= commas - 1;
            }
            self.out.set_len(at);
        }
    }

    /// Print the elements of the array whose first element is at `first` (the `[` and the newline after it
    /// are printed), from that element on, in chunks of about `self.chunk` input bytes printed by worker
    /// threads and written in order. Each element printed this way is followed by `,` and the newline, as the
    /// sequential loop prints it; returns the index of the first element left to the caller (the last element,
    /// or where the chunking stopped: an element the structural skip refuses, which the caller then reports).
    ///
    /// Chunk boundaries are guessed or exact. Guessed (arrays of objects, see [`ElementGuess`]): the next place after
    /// the target size where the first element's opening (e.g. `{"segmentation"`) appears after a `,`, found
    /// by `memmem` without reading the bytes in between. Exact: from `split` (structure only, 64 bytes at a
    /// time). Each worker validates its elements fully from its start, and the worker of the chunk before a
    /// boundary checks it: its walk returns the first element start at or after the boundary, which equals a
    /// guess only when the guess is a real element start. Results are taken in file order, so a chunk's start
    /// is known right before its result is used (the first chunk starts at `first`; the next at the end its
    /// worker reached), and the first error in file order is reported, as without threads.
    ///
    /// A wrong guess (the opening inside a string or a nested object, or past the array's end) costs the
    /// chunks printed after it: they are dropped, the wrong chunk's output is kept up to where its worker
    /// really stopped (or dropped too when the array ended inside it, the caller printing the rest), and the
    /// array is then cut exactly. An element larger than 4 chunks is printed on this thread (after the chunks
    /// before it), streaming as usual.
    fn par_array(&mut self, buf: &[u8], first: usize, d: usize) -> Result<usize> {
        use std::sync::mpsc;
        let chunk = self.chunk;
        // Probe: only arrays with more than one chunk of elements are worth threads.
        match split(buf, first, chunk) {
            Split::Chunk(end) if end - first >= chunk => {}
            Split::Big(_) => {}
            _ => return Ok(first),
        }
        let mut guess = ElementGuess::new(buf, first);
        let threads = self.threads;
        let window = (2 * threads + 2).min(MAX_IN_FLIGHT);
        let opts = self.opts;
        let sep = self.sep.clone();
        type Job = (usize, usize, usize, Vec<u8>);
        // A chunk's output and the index its walk stopped at.
        type Printed = Result<(Vec<u8>, usize)>;
        type Done = (usize, Printed);
        let (job_tx, job_rx) = mpsc::channel::<Job>();
        let job_rx = std::sync::Mutex::new(job_rx);
        std::thread::scope(|scope| -> Result<usize> {
            // Owned by this closure: dropped on any return, which lets the workers finish and exit.
            let job_tx = job_tx;
            let (res_tx, res_rx) = mpsc::channel::<Done>();
            for _ in 0..threads {
                let res_tx = res_tx.clone();
                let (job_rx, sep) = (&job_rx, sep.clone());
                scope.spawn(move || loop {
                    let job = match job_rx.lock() {
                        Ok(rx) => rx.recv(),
                        Err(_) => return,
                    };
                    let Ok((idx, start, end, mut out)) = job else {
                        return;
                    };
                    out.clear();
                    let mut p = Printer::buffered(opts, out, sep.clone());
                    let r = p.walk(buf, start, d, Some(end)).map(|at| (p.out, at));
                    if res_tx.send((idx, r)).is_err() {
                        return;
                    }
                });
            }
            drop(res_tx);
            let mut pos = first;
            let mut sent = 0usize;
            let mut written = 0usize;
            // (start, end, guessed) of the chunks sent and not yet written.
            let mut jobs = std::collections::VecDeque::new();
            let mut pending: Vec<Option<Printed>> = (0..window).map(|_| None).collect();
            let mut pool: Vec<Vec<u8>> = Vec::new();
            let mut big: Option<usize> = None;
            let mut splitting = true;
            loop {
                while splitting && big.is_none() && sent - written < window {
                    let (next, guessed) = match guess.as_ref().and_then(|g| g.next(buf, pos, chunk))
                    {
                        Some(end) => (Split::Chunk(end), true),
                        None => (split(buf, pos, chunk), false),
                    };
                    match next {
                        Split::Chunk(end) => {
                            let out = pool.pop().unwrap_or_default();
                            if job_tx.send((sent, pos, end, out)).is_err() {
                                return Err(Error::msg("pretty: a worker thread stopped"));
                            }
                            jobs.push_back((pos, end, guessed));
                            sent += 1;
                            pos = end;
                        }
                        Split::Big(end) => big = Some(end),
                        Split::Stop => splitting = false,
                    }
                }
                if written == sent {
                    match big.take() {
                        Some(end) => {
                            // Everything before it is written: print it here, then go on chunking.
                            self.elements(buf, pos, end, d)?;
                            pos = end;
                            continue;
                        }
                        None => break,
                    }
                }
                let Ok((idx, r)) = res_rx.recv() else {
                    return Err(Error::msg("pretty: a worker thread stopped"));
                };
                pending[idx % window] = Some(r);
                while let Some(r) = pending[written % window].take() {
                    let (out, at) = r?;
                    let Some((start, end, guessed)) = jobs.pop_front() else {
                        return Err(Error::msg("pretty: chunk bookkeeping lost"));
                    };
                    let array_ended = at != end && buf.get(at) == Some(&b']');
                    if at != end && !guessed {
                        // The structural split saw a `,` after this element: cannot happen for elements the
                        // full scanner accepts.
                        return Err(Error::at(
                            at,
                            "internal error: array chunk boundary mismatch (please report)",
                        ));
                    }
                    if !array_ended {
                        self.flush()?;
                        if let Some(sink) = self.sink.as_mut() {
                            sink.write_all(&out)?;
                        } else {
                            self.out.extend_from_slice(&out);
                        }
                        if let Some(rel) = self.release {
                            if at >= self.released + RELEASE_EVERY {
                                rel(at);
                                self.released = at;
                            }
                        }
                    }
                    pool.push(out);
                    written += 1;
                    if at != end {
                        // A wrong guess: drop the chunks after it, cut exactly from where its worker stopped
                        // (or let the caller print the array's tail from this chunk's start).
                        guess = None;
                        self.wrong_guesses += 1;
                        for k in written..sent {
                            match pending[k % window].take() {
                                Some(Ok((out, _))) => pool.push(out),
                                Some(Err(_)) => {}
                                None => {
                                    let Ok((_, r)) = res_rx.recv() else {
                                        return Err(Error::msg("pretty: a worker thread stopped"));
                                    };
                                    if let Ok((out, _)) = r {
                                        pool.push(out);
                                    }
                                }
                            }
                        }
                        jobs.clear();
                        sent = written;
                        big = None;
                        if array_ended {
                            pos = start;
                            splitting = false;
                        } else {
                            pos = at;
                            splitting = true;
                        }
                        break;
                    }
                }
            }
            Ok(pos)
        })
    }

    /// Print the array elements from `start` (an element) up to `end` (the element after the last one), each
    /// followed by `,` and the newline at `depth`, exactly as the sequential loop does; an error is the one
    /// the sequential loop would report.
    fn elements(&mut self, buf: &[u8], start: usize, end: usize, depth: usize) -> Result<()> {
        let i = self.walk(buf, start, depth, Some(end))?;
        if i != end {
            return Err(Error::at(
                i,
                "internal error: array chunk boundary mismatch (please report)",
            ));
        }
        Ok(())
    }

    /// Print `null` (a path that selects nothing, as jq prints it).
    pub fn null(&mut self) {
        self.col(COL_NULL);
        self.out.extend_from_slice(b"null");
        self.col(COL_RESET);
    }

    /// Print an array made of the values at `items` (a `--path` slice), laid out as jq lays out arrays.
    pub fn array_of(&mut self, buf: &[u8], items: &[usize]) -> Result<()> {
        self.col(COL_CONT);
        if items.is_empty() {
            self.out.extend_from_slice(b"[]");
            self.col(COL_RESET);
            return Ok(());
        }
        self.out.push(b'[');
        for (k, &p) in items.iter().enumerate() {
            if k > 0 {
                self.out.push(b',');
            }
            self.newline(1);
            self.value(buf, p, 1)?;
            self.col(COL_CONT);
        }
        self.newline(0);
        self.col(COL_CONT);
        self.out.push(b']');
        self.col(COL_RESET);
        Ok(())
    }

    /// Print the values a path selected, each followed by a newline, and flush.
    pub fn selected(&mut self, buf: &[u8], sels: &[super::path::Selected]) -> Result<()> {
        use super::path::Selected;
        for sel in sels {
            match sel {
                Selected::At(p) => {
                    self.value(buf, *p, 0)?;
                }
                Selected::Null => self.null(),
                Selected::Array(items) => self.array_of(buf, items)?,
            }
            self.out.push(b'\n');
            self.maybe_flush(0)?;
        }
        self.flush_sink()
    }

    /// The common case of [`Printer::key`], inlined in the loop: no colour, a key of at most 15 printable
    /// ASCII bytes (no escape, no DEL) followed right away by `:`, fewer than 16 keys so far in the object (no
    /// hash set), and no earlier key with the same tag (short tags are the keys). Prints `"key": ` after the
    /// newline and indentation and returns the value's index; `None` (nothing printed or recorded) otherwise,
    /// and `key` then decides everything, errors included.
    #[inline(always)]
    fn short_key<'b>(
        &mut self,
        buf: &'b [u8],
        i: usize,
        depth: usize,
        pretty: bool,
        keys: &mut Vec<(u128, Cow<'b, [u8]>)>,
        keys_start: usize,
    ) -> Option<usize> {
        if self.opts.color || keys.len() - keys_start >= 16 {
            return None;
        }
        let w: &[u8; 32] = buf.get(i..i + 32)?.try_into().ok()?;
        if w[0] != b'"' {
            return None;
        }
        let len = short_string_len(w)?;
        if w[len + 2] != b':' {
            return None;
        }
        let b: [u8; 16] = w[1..17].try_into().ok()?;
        let tag = u128::from_le_bytes(b) & ((1u128 << (8 * len)) - 1) | (len as u128) << 120;
        if keys[keys_start..].iter().any(|k| k.0 == tag) {
            return None;
        }
        push_key(keys, tag, Cow::Borrowed(&buf[i + 1..i + 1 + len]));
        self.newline(depth);
        put(&mut self.out, w, len + 2);
        if pretty {
            self.out.extend_from_slice(b": ");
        } else {
            self.out.push(b':');
        }
        let j = i + len + 3;
        Some(match buf.get(j) {
            Some(b' ') if !matches!(buf.get(j + 1), Some(b' ' | b'\n' | b'\r' | b'\t')) => j + 1,
            _ => skip_ws(buf, j),
        })
    }

    /// Read the key at `i`, check it against the object's earlier keys, print it; return the value's index.
    #[allow(clippy::too_many_arguments)]
    fn key<'b>(
        &mut self,
        buf: &'b [u8],
        i: usize,
        depth: usize,
        first: bool,
        pretty: bool,
        keys: &mut Vec<(u128, Cow<'b, [u8]>)>,
        keys_start: usize,
        set: &mut Option<HashSet<Cow<'b, [u8]>>>,
    ) -> Result<usize> {
        if buf.get(i) != Some(&b'"') {
            return Err(unexpected(buf, i, "an object key (a string)"));
        }
        let (end, plain) = match plain_string_end(buf, i) {
            Some(end) => (end, true),
            None => (scan_string(buf, i)?.0, false),
        };
        let raw = &buf[i + 1..end - 1];
        let key: Cow<'b, [u8]> = if !plain && raw.contains(&b'\\') {
            Cow::Owned(unescape(raw, i + 1)?.into_bytes())
        } else {
            Cow::Borrowed(raw)
        };
        // Duplicate-key check: linear for small objects (by tags: short keys need no byte comparison), a hash
        // set past 16 keys.
        let dup = if let Some(s) = set.as_mut() {
            !s.insert(key.clone())
        } else {
            let tag = match plain
                .then(|| short_key_tag(buf, i + 1, raw.len()))
                .flatten()
            {
                Some(t) => t,
                None => key_tag(&key),
            };
            let d = keys[keys_start..].iter().any(|k| same_key(k, tag, &key));
            push_key(keys, tag, key.clone());
            if keys.len() - keys_start > 16 {
                *set = Some(keys.drain(keys_start..).map(|k| k.1).collect());
            }
            d
        };
        if dup {
            return Err(Error::at(
                i,
                format!(
                    "duplicate key \"{}\" in object (jq would keep only the last value)",
                    String::from_utf8_lossy(&key)
                ),
            ));
        }
        if plain && !self.opts.color {
            // Printed as written: `"key": ` after the newline and indentation.
            self.newline(depth);
            put_span(&mut self.out, buf, i, end);
            self.out
                .extend_from_slice(if pretty { b": " } else { b":" });
        } else {
            self.field(&key, depth, first, pretty);
        }
        let j = if buf.get(end) == Some(&b':') {
            end
        } else {
            skip_ws(buf, end)
        };
        if buf.get(j) != Some(&b':') {
            return Err(unexpected(buf, j, "':'"));
        }
        Ok(skip_ws(buf, j + 1))
    }

    /// Print a field's newline, indentation, key and `: ` (key given decoded).
    fn field(&mut self, key: &[u8], depth: usize, _first: bool, pretty: bool) {
        self.newline(depth);
        self.col(COL_RESET);
        self.col(COL_FIELD);
        write_escaped(&mut self.out, key);
        self.col(COL_RESET);
        self.col(COL_CONT);
        self.out.push(b':');
        if pretty {
            self.out.push(b' ');
        }
        self.col(COL_RESET);
    }
}

/// The next piece of a big array for `par_array`.
enum Split {
    /// Elements from the given start up to this index (the next element) make a chunk.
    Chunk(usize),
    /// The first element is bigger than 4 chunks; the next element starts at this index.
    Big(usize),
    /// Nothing to hand out: the element at the start is the last one, or the structural skip refused it.
    Stop,
}

/// Containers opened this deep are unusual: the first one of a value is checked to the end (one more pass over
/// it) before it is printed, so that nesting beyond [`MAX_DEPTH`] fails after a few KB of output rather than
/// after the ~100 MB of indentation 10 000 levels take.
const DEEP_CHECK: usize = 128;

/// The nesting checks of a container opened at `i` at depth `d` ≥ [`DEEP_CHECK`]: jq's limit (the indentation
/// written grows with depth, so the limit also bounds the output), checked ahead at [`DEEP_CHECK`]. Any other
/// error the look-ahead meets is left to the printing walk, which reports it in its own words.
#[cold]
fn deep_check(buf: &[u8], i: usize, d: usize) -> Result<()> {
    if d >= MAX_DEPTH {
        return Err(too_deep(i));
    }
    if d == DEEP_CHECK {
        if let Err(e) = skip_value_in(buf, i, d) {
            if e.msg == too_deep(0).msg {
                return Err(e);
            }
        }
    }
    Ok(())
}

/// Cut the next chunk of array elements starting at `pos` (an element): whole elements, each followed by `,`,
/// until they cover `chunk` bytes. Structure only (strings and brackets); the workers validate.
fn split(buf: &[u8], pos: usize, chunk: usize) -> Split {
    // Usually: one 64-byte-block walk to the first element boundary past `chunk` bytes.
    if let Some(k) = array_boundary(buf, pos, pos + chunk, pos + 4 * chunk) {
        return Split::Chunk(k);
    }
    // Near the end of the array, or a very big element: element by element.
    let mut k = pos;
    while let Ok(e) = skip_value_fast(buf, k) {
        let j = skip_ws(buf, e);
        if buf.get(j) != Some(&b',') {
            break;
        }
        let next = skip_ws(buf, j + 1);
        if e - k > 4 * chunk {
            if k == pos {
                return Split::Big(next);
            }
            break;
        }
        k = next;
        if k - pos >= chunk {
            break;
        }
    }
    if k > pos {
        Split::Chunk(k)
    } else {
        Split::Stop
    }
}

/// Bytes copied with one fixed-size move for short separators.
const PAD: usize = 32;

/// Append `src[..n]`; when `n <= PAD` and `src` holds `PAD` bytes, with one fixed-size move (a typed load and
/// store: a variable-length `copy_nonoverlapping` here is merged with the other branch into a `memcpy` call).
#[inline(always)]
fn put(out: &mut Vec<u8>, src: &[u8], n: usize) {
    debug_assert!(n <= src.len());
    if n <= PAD && src.len() >= PAD {
        out.reserve(PAD);
        // SAFETY: room for PAD bytes was reserved; the read is `src[..PAD]`, inside (checked); the length set
        // covers `n <= PAD` bytes just written.
        unsafe {
            let at = out.len();
            let v = (src.as_ptr() as *const [u8; PAD]).read_unaligned();
            (out.as_mut_ptr().add(at) as *mut [u8; PAD]).write_unaligned(v);
            out.set_len(at + n);
        }
    } else {
        out.extend_from_slice(&src[..n.min(src.len())]);
    }
}

/// Append `buf[i..end]` (a span of the input), with one fixed-size move when it is short and not at the end.
#[inline(always)]
fn put_span(out: &mut Vec<u8>, buf: &[u8], i: usize, end: usize) {
    put(out, &buf[i..], end - i);
}

/// An object key as a 128-bit tag for the duplicate check: for keys of at most 15 bytes, the bytes themselves
/// (zero-padded) and the length in the top byte, so equal tags mean equal keys; for longer keys, the first 8
/// and last 7 bytes and a top byte of 16 or more, so equal tags still need a comparison of the keys.
#[inline]
fn key_tag(k: &[u8]) -> u128 {
    let mut b = [0u8; 16];
    if k.len() <= 15 {
        b[..k.len()].copy_from_slice(k);
        b[15] = k.len() as u8;
    } else {
        b[..8].copy_from_slice(&k[..8]);
        b[8..15].copy_from_slice(&k[k.len() - 7..]);
        b[15] = k.len().min(255) as u8;
    }
    u128::from_le_bytes(b)
}

/// `key_tag(&buf[at..at + len])` for `len <= 15` read with one 16-byte load (needs `at + 16 <= buf.len()`).
#[inline(always)]
fn short_key_tag(buf: &[u8], at: usize, len: usize) -> Option<u128> {
    let b: [u8; 16] = buf.get(at..at + 16)?.try_into().ok()?;
    if len > 15 {
        return None;
    }
    let mask = (1u128 << (8 * len)) - 1;
    Some(u128::from_le_bytes(b) & mask | (len as u128) << 120)
}

/// `keys.push((tag, key))`, written in place: the out-of-line `Vec::push` reads the tuple back from the
/// caller's stack with wider loads than the stores that wrote it (a store-forwarding stall on every key).
#[inline(always)]
fn push_key<'b>(keys: &mut Vec<(u128, Cow<'b, [u8]>)>, tag: u128, key: Cow<'b, [u8]>) {
    keys.reserve(1);
    let len = keys.len();
    keys.spare_capacity_mut()[0].write((tag, key));
    // SAFETY: the element at `len` was just initialised (room reserved above).
    unsafe { keys.set_len(len + 1) };
}

/// Equal keys, given their tags.
#[inline(always)]
fn same_key(a: &(u128, Cow<'_, [u8]>), tag: u128, key: &[u8]) -> bool {
    a.0 == tag && (tag >> 120 < 16 || *a.1 == *key)
}

/// The end of the number at `i`, validated (plain numbers by the SSE2 fast path, others by the scanner).
#[inline(always)]
fn number_end(buf: &[u8], i: usize) -> Result<usize> {
    match plain_number_end(buf, i) {
        Some(e) => Ok(e),
        None => scan_number(buf, i),
    }
}

#[inline(always)]
fn is_number_start(b: Option<&u8>) -> bool {
    matches!(b, Some(&c) if c == b'-' || c.wrapping_sub(b'0') < 10)
}

/// After a number ending at `end`: the start of the next element when it is `,` then another number.
#[inline(always)]
fn next_number(buf: &[u8], end: usize) -> Option<usize> {
    let mut k = end;
    if buf.get(k) != Some(&b',') {
        k = skip_ws(buf, k);
        if buf.get(k) != Some(&b',') {
            return None;
        }
    }
    k += 1;
    if buf.get(k) == Some(&b' ') {
        k += 1;
    }
    if !is_number_start(buf.get(k)) {
        k = skip_ws(buf, k);
        if !is_number_start(buf.get(k)) {
            return None;
        }
    }
    Some(k)
}

/// Collect an object's members (decoded key, value index) sorted by key as jq's `--sort-keys` orders them
/// (by the keys' UTF-8 bytes); the index after the object is returned too. Duplicate keys are an error.
#[allow(clippy::type_complexity)]
fn collect_members(buf: &[u8], open: usize) -> Result<(Vec<(Cow<'_, [u8]>, usize)>, usize)> {
    let mut members = Vec::new();
    let mut i = skip_ws(buf, open + 1);
    loop {
        if buf.get(i) != Some(&b'"') {
            return Err(unexpected(buf, i, "an object key (a string)"));
        }
        let (end, escaped) = scan_string(buf, i)?;
        let raw = &buf[i + 1..end - 1];
        let key: Cow<'_, [u8]> = if escaped {
            Cow::Owned(unescape(raw, i + 1)?.into_bytes())
        } else {
            Cow::Borrowed(raw)
        };
        let j = skip_ws(buf, end);
        if buf.get(j) != Some(&b':') {
            return Err(unexpected(buf, j, "':'"));
        }
        let v = skip_ws(buf, j + 1);
        let vend = skip_value(buf, v)?;
        members.push((key, v, i));
        i = skip_ws(buf, vend);
        match buf.get(i) {
            Some(b',') => i = skip_ws(buf, i + 1),
            Some(b'}') => break,
            _ => return Err(unexpected(buf, i, "',' or '}'")),
        }
    }
    members.sort_by(|a, b| a.0.cmp(&b.0));
    for w in members.windows(2) {
        if w[0].0 == w[1].0 {
            let at = w[0].2.max(w[1].2);
            return Err(Error::at(
                at,
                format!(
                    "duplicate key \"{}\" in object (jq would keep only the last value)",
                    String::from_utf8_lossy(&w[0].0)
                ),
            ));
        }
    }
    Ok((members.into_iter().map(|(k, v, _)| (k, v)).collect(), i + 1))
}

/// Write a string (its raw inside, validated) as jq would print it.
#[inline]
fn emit_string(out: &mut Vec<u8>, raw: &[u8], escaped: bool, base: usize) -> Result<()> {
    if !escaped && memchr::memchr(0x7f, raw).is_none() {
        out.push(b'"');
        out.extend_from_slice(raw);
        out.push(b'"');
        return Ok(());
    }
    let s = if escaped {
        Cow::Owned(unescape(raw, base)?.into_bytes())
    } else {
        Cow::Borrowed(raw)
    };
    write_escaped(out, &s);
    Ok(())
}

/// Bytes that jq escapes inside strings.
static NEEDS_ESCAPE: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = i < 0x20 || i == b'"' as usize || i == b'\\' as usize || i == 0x7f;
        i += 1;
    }
    t
};

/// Write decoded UTF-8 text as a JSON string with jq's escaping.
pub fn write_escaped(out: &mut Vec<u8>, s: &[u8]) {
    out.push(b'"');
    write_escaped_inside(out, s);
    out.push(b'"');
}

/// [`write_escaped`] without the quotes.
fn write_escaped_inside(out: &mut Vec<u8>, s: &[u8]) {
    let mut start = 0;
    let mut k = 0;
    while k < s.len() {
        let b = s[k];
        if !NEEDS_ESCAPE[b as usize] {
            k += 1;
            continue;
        }
        out.extend_from_slice(&s[start..k]);
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\t' => out.extend_from_slice(b"\\t"),
            b'\r' => out.extend_from_slice(b"\\r"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x0c => out.extend_from_slice(b"\\f"),
            _ => {
                let _ = write!(out, "\\u{:04x}", b);
            }
        }
        k += 1;
        start = k;
    }
    out.extend_from_slice(&s[start..]);
}

/// Pretty-print a whole buffer to a `Vec` (convenience for tests and small inputs).
pub fn to_vec(buf: &[u8], opts: Options) -> Result<Vec<u8>> {
    let mut v = Vec::new();
    Printer::new(opts, &mut v).document(buf)?;
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str, opts: Options) -> String {
        String::from_utf8(to_vec(s.as_bytes(), opts).unwrap()).unwrap()
    }

    #[test]
    fn layout_like_jq() {
        let o = Options::default();
        assert_eq!(
            p(r#"{"a":[1,2,{}],"b":[]}"#, o),
            "{\n  \"a\": [\n    1,\n    2,\n    {}\n  ],\n  \"b\": []\n}\n"
        );
        assert_eq!(p("[1] 2", o), "[\n  1\n]\n2\n");
        let c = Options {
            indent: Indent::Compact,
            ..o
        };
        assert_eq!(p(r#" { "a" : [ 1 , "x" ] } "#, c), "{\"a\":[1,\"x\"]}\n");
        let t = Options {
            indent: Indent::Tab,
            ..o
        };
        assert_eq!(p("[[1]]", t), "[\n\t[\n\t\t1\n\t]\n]\n");
    }

    #[test]
    fn strings_are_reescaped_like_jq() {
        let o = Options {
            indent: Indent::Compact,
            ..Options::default()
        };
        assert_eq!(
            p(r#"["\u00e9\/\u007f\u0001\ud83d\ude00\"\\"]"#, o),
            "[\"é/\\u007f\\u0001😀\\\"\\\\\"]\n"
        );
    }

    #[test]
    fn sort_keys_and_duplicates() {
        let o = Options {
            indent: Indent::Compact,
            sort_keys: true,
            ..Options::default()
        };
        assert_eq!(
            p(r#"{"b":{"d":1,"c":2},"a":[{"z":0,"y":1}]}"#, o),
            "{\"a\":[{\"y\":1,\"z\":0}],\"b\":{\"c\":2,\"d\":1}}\n"
        );
        let e = to_vec(br#"{"a":1,"b":2,"a":3}"#, Options::default()).unwrap_err();
        assert_eq!(e.offset, Some(13));
        assert!(e.msg.contains("duplicate key"));
        let e = to_vec(br#"{"a":1,"b":2,"\u0061":3}"#, o).unwrap_err();
        assert!(e.msg.contains("duplicate key"));
        // Many keys use the hash-set path.
        let many: Vec<String> = (0..40).map(|k| format!("\"k{k}\":{k}")).collect();
        let s = format!("{{{},\"k3\":1}}", many.join(","));
        assert!(to_vec(s.as_bytes(), Options::default())
            .unwrap_err()
            .msg
            .contains("\"k3\""));
    }

    #[test]
    fn colours_follow_jq_layout() {
        let o = Options {
            color: true,
            ..Options::default()
        };
        let got = p(r#"{"a":[1,null]}"#, o);
        let want = "\x1b[1;39m{\n  \x1b[0m\x1b[34;1m\"a\"\x1b[0m\x1b[1;39m: \x1b[0m\x1b[1;39m[\n    \x1b[0;39m1\x1b[0m\x1b[1;39m,\n    \x1b[1;30mnull\x1b[0m\x1b[1;39m\n  \x1b[1;39m]\x1b[0m\x1b[1;39m\n\x1b[1;39m}\x1b[0m\n";
        assert_eq!(got, want);
    }

    #[test]
    fn errors_name_offsets() {
        for (s, off) in [
            ("", 0usize),
            ("{\"a\":", 5),
            ("[1,2", 4),
            ("{\"a\" 1}", 5),
            ("[1,,2]", 3),
        ] {
            let e = to_vec(s.as_bytes(), Options::default()).unwrap_err();
            assert_eq!(e.offset, Some(off as u64), "{s:?}: {e}");
        }
        let c = Options {
            indent: Indent::Compact,
            ..Options::default()
        };
        let mut deep = "[".repeat(MAX_DEPTH);
        deep.push_str(&"]".repeat(MAX_DEPTH));
        assert_eq!(to_vec(deep.as_bytes(), c).unwrap().len(), 2 * MAX_DEPTH + 1);
    }

    /// Nesting beyond jq's limit is refused before much is written: the look-ahead at depth 128 finds it, so
    /// the indentation of 10 000 levels (~100 MB) is never printed.
    #[test]
    fn too_deep_fails_early() {
        for doc in [
            format!("{{\"info\": {}", "[".repeat(100_000)),
            format!("{}{}", "[{\"a\":".repeat(50_000), "1}]".repeat(50_000)),
        ] {
            for threads in [1, 2] {
                let mut sink = Vec::new();
                let e = Printer::new(Options::default(), &mut sink)
                    .with_threads(threads)
                    .document(doc.as_bytes())
                    .unwrap_err();
                assert!(e.msg.contains("nesting deeper than 10000"), "{e}");
                let at = e.offset.unwrap() as usize;
                assert!(at > 9_000 && at < 40_000, "{at}");
                assert!(sink.len() < 64 << 10, "{} bytes written", sink.len());
            }
        }
        let ok = format!("{{\"info\": {}{}}}", "[".repeat(9_999), "]".repeat(9_999));
        assert!(to_vec(ok.as_bytes(), Options::default()).is_ok());
        let over = format!("{{\"info\": {}{}}}", "[".repeat(10_000), "]".repeat(10_000));
        let e = to_vec(over.as_bytes(), Options::default()).unwrap_err();
        assert_eq!(e.offset, Some(9 + 9_999));
    }

    fn print_with(buf: &[u8], opts: Options, threads: usize, chunk: usize) -> Result<Vec<u8>> {
        let mut v = Vec::new();
        Printer::new(opts, &mut v)
            .with_threads(threads)
            .with_chunk_size(chunk)
            .document(buf)?;
        Ok(v)
    }

    /// A COCO-like document with big arrays, strings with escapes, nested arrays of objects.
    fn coco_like(n: usize) -> String {
        let mut s = String::from("{\"info\": {\"v\": \"1\"}, \"images\": [");
        for k in 0..n {
            if k > 0 {
                s.push_str(if k % 5 == 0 { ",\n " } else { ", " });
            }
            s.push_str(&format!(
                "{{\"id\": {k}, \"file_name\": \"{k:012}.jpg\", \"t\": \"a\\\"q\\\\ é]}}\"}}"
            ));
        }
        s.push_str("], \"annotations\": [");
        for k in 0..n {
            if k > 0 {
                s.push_str(", ");
            }
            s.push_str(&format!(
                "{{\"segmentation\": [[{k}.5, 2.25, -3, 4e2, 5, 6], [1,2,3]], \"area\": 1.5e-3, \"iscrowd\": 0, \
                 \"bbox\": [1, 2, 3, 4], \"attrs\": [{{\"a\": [], \"b\": {{}}}}, null, true], \"id\": {k}}}"
            ));
        }
        s.push_str("], \"categories\": []}");
        s
    }

    /// Key tags: the one-load tag of a short key equals the tag of its bytes; tags of different short keys
    /// differ; equal keys always compare equal, different keys never (also past 15 bytes, where tags collide).
    #[test]
    fn key_tags_tell_keys_apart() {
        let keys: Vec<&[u8]> = vec![
            b"",
            b"a",
            b"b",
            b"ab",
            b"ba",
            b"a\0",
            b"area",
            b"bbox",
            b"id",
            b"image_id",
            b"category_id",
            b"segmentation",
            b"0123456789abcde",
            b"0123456789abcdf",
            b"0123456789abcdef",
            b"0123456789abcdeg",
            b"01234567_xxxxx_89abcdef",
            b"01234567_yyyyy_89abcdef",
        ];
        for a in &keys {
            let mut buf = a.to_vec();
            buf.extend_from_slice(b"\"xyz: 12345678901234567890");
            match short_key_tag(&buf, 0, a.len()) {
                Some(t) => assert_eq!(t, key_tag(a), "{a:?}"),
                None => assert!(a.len() > 15),
            }
            assert_eq!(short_key_tag(&buf, buf.len() - 15, 1), None);
            for b in &keys {
                let entry = (key_tag(a), Cow::Borrowed(*a));
                assert_eq!(same_key(&entry, key_tag(b), b), a == b, "{a:?} {b:?}");
                if a.len() <= 15 && b.len() <= 15 {
                    assert_eq!(key_tag(a) == key_tag(b), a == b);
                }
            }
        }
    }

    /// Keys as written in the input and as decoded: short and long, plain, escaped, with DEL or non-ASCII
    /// bytes, and pairs that are equal once decoded (`a` / `\u0061`).
    const KEY_POOL: [(&str, &str); 14] = [
        ("a", "a"),
        ("\\u0061", "a"),
        ("id", "id"),
        ("area", "area"),
        ("bbox", "bbox"),
        ("segmentation", "segmentation"),
        ("0123456789abcde", "0123456789abcde"),
        ("0123456789abcdef", "0123456789abcdef"),
        ("0123456789abcdeg", "0123456789abcdeg"),
        (
            "a_very_long_key_of_31_bytes_xyz",
            "a_very_long_key_of_31_bytes_xyz",
        ),
        ("x\u{7f}", "x\u{7f}"),
        ("é", "é"),
        ("t\\tb", "t\tb"),
        ("q\\\"", "q\""),
    ];

    proptest::proptest! {
        /// Objects made of keys from `KEY_POOL` (the key fast path, the tag check, the slow path and the hash
        /// set past 16 keys), in arrays printed with and without threads: the output is what the decoded keys
        /// re-escaped give, and a repeated key is reported at the first repeat, as one thread reports it.
        #[test]
        fn keys_print_and_repeat_like_the_slow_path(
            objs in proptest::collection::vec(
                proptest::collection::vec(0usize..KEY_POOL.len(), 1..20), 1..12),
            spaced in proptest::bool::ANY,
        ) {
            let sep = if spaced { ", " } else { "," };
            let colon = if spaced { ": " } else { ":" };
            let mut doc = String::from("[");
            let mut want = String::from("[\n");
            let mut first_dup: Option<usize> = None;
            for (n, obj) in objs.iter().enumerate() {
                if n > 0 {
                    doc.push_str(sep);
                    want.push_str(",\n");
                }
                doc.push('{');
                want.push_str("  {\n");
                let mut seen = HashSet::new();
                for (k, &key) in obj.iter().enumerate() {
                    if k > 0 {
                        doc.push_str(sep);
                        want.push_str(",\n");
                    }
                    let (raw, decoded) = KEY_POOL[key];
                    if !seen.insert(decoded) && first_dup.is_none() {
                        first_dup = Some(doc.len());
                    }
                    doc.push_str(&format!("\"{raw}\"{colon}{k}"));
                    let mut esc = Vec::new();
                    write_escaped(&mut esc, decoded.as_bytes());
                    want.push_str(&format!("    {}: {k}", String::from_utf8(esc).unwrap()));
                }
                doc.push('}');
                want.push_str("\n  }");
            }
            doc.push(']');
            want.push_str("\n]\n");
            let b = doc.as_bytes();
            for (threads, chunk) in [(1, CHUNK), (2, 1), (3, 40)] {
                let got = print_with(b, Options::default(), threads, chunk);
                match first_dup {
                    None => proptest::prop_assert_eq!(String::from_utf8(got.unwrap()).unwrap(), want.clone()),
                    Some(at) => {
                        let e = got.unwrap_err();
                        proptest::prop_assert_eq!(e.offset, Some(at as u64));
                        proptest::prop_assert!(e.msg.contains("duplicate key"));
                    }
                }
            }
        }
    }

    /// Arrays of numbers cut into chunks: the fast number path stops at each chunk's end (it used to run on
    /// to the end of the array, an "internal error: array chunk boundary mismatch" on any big array of numbers
    /// at depth ≤ 2, e.g. a 1.5 MB `[0, 1, 2, ...]`; found by the `json_pretty_par` fuzz target).
    #[test]
    fn chunked_arrays_of_numbers() {
        let nums = |n: usize, sep: &str| {
            (0..n)
                .map(|k| format!("{}", k as f64 * 0.25 - 7.0))
                .collect::<Vec<_>>()
                .join(sep)
        };
        let mut docs = vec![
            "[1,1,6,1,6,6]".to_string(),
            "[[1,1,6,1,6,6]]291e28".to_string(),
            format!("[{}]", nums(3000, ",")),
            format!("[{}]", nums(3000, ", ")),
            format!(
                "{{\"a\": [{}], \"b\": [[{}]]}}",
                nums(2000, ", "),
                nums(2000, ",\n ")
            ),
            format!("[{}, 1e5, -0.5E-3, {}]", nums(500, ","), nums(500, ",")),
            // errors inside the run, after many good numbers: the same error from every layout
            format!("[{}, 01, 2]", nums(800, ",")),
            format!("[{}, 2,]", nums(800, ",")),
        ];
        docs.push(format!("[{}", nums(900, ",")));
        for doc in &docs {
            for opts in [
                Options::default(),
                Options {
                    indent: Indent::Compact,
                    ..Options::default()
                },
                Options {
                    indent: Indent::Tab,
                    sort_keys: true,
                    color: false,
                },
            ] {
                let want = to_vec(doc.as_bytes(), opts);
                for (threads, chunk) in [(2, 1), (3, 3), (2, 40), (3, 700)] {
                    let got = print_with(doc.as_bytes(), opts, threads, chunk);
                    match (&want, &got) {
                        (Ok(a), Ok(b)) => assert!(a == b, "{threads} {chunk} {opts:?}"),
                        (Err(a), Err(b)) => {
                            assert_eq!((a.offset, &a.msg), (b.offset, &b.msg), "{threads} {chunk}")
                        }
                        _ => panic!("{threads} {chunk} {opts:?}: {want:?} vs {got:?}"),
                    }
                }
            }
        }
    }

    /// Guessed chunk boundaries that are wrong (the first element's opening in a nested array of objects, or
    /// in the next array, after the end of this one) change nothing either, for good and bad input.
    #[test]
    fn wrong_boundary_guesses_are_recovered() {
        let mut s = String::from("{\"x\": [");
        for k in 0..400 {
            if k > 0 {
                s.push_str(", ");
            }
            if k % 7 == 3 {
                // Nested objects opening like the elements, after a `,`: a wrong guess inside an element.
                s.push_str(&format!(
                    "{{\"a\": [{{\"a\": {k}}}, {{\"a\": \"{{\\\"a\\\"\"}}, {{\"a\": []}}], \"b\": {k}}}"
                ));
            } else {
                s.push_str(&format!("{{\"a\": {k}, \"s\": \", {{\\\"a\\\": 1\"}}"));
            }
        }
        // The next array's elements open the same way: a wrong guess past the end of this one.
        s.push_str("], \"y\": [");
        for k in 0..50 {
            if k > 0 {
                s.push_str(", ");
            }
            s.push_str(&format!("{{\"a\": {k}}}"));
        }
        s.push_str("]}");
        let b = s.as_bytes();
        let opts = Options::default();
        let want = to_vec(b, opts).unwrap();
        let mut wrong = 0;
        for (threads, chunk) in [(2, 1), (2, 50), (3, 300), (2, 700), (4, 2000), (2, 6000)] {
            let mut v = Vec::new();
            let mut p = Printer::new(opts, &mut v)
                .with_threads(threads)
                .with_chunk_size(chunk);
            p.document(b).unwrap();
            wrong += p.wrong_guesses;
            drop(p);
            assert!(v == want, "threads {threads} chunk {chunk}");
        }
        assert!(wrong > 0);
        // Errors after, at and before wrong guesses: the first in the file, as with one thread.
        for frac in [0.1, 0.3, 0.5, 0.7, 0.9, 0.99] {
            let at = (b.len() as f64 * frac) as usize;
            // Before an element or a nested object (not inside a string).
            let at = at + 2 + b[at..].windows(6).position(|w| w == b", {\"a\"").unwrap();
            for bad in [&b"{{"[..], b"{\"a\": 1, \"a\": 2, ", b"[}"] {
                let mut v = b[..at].to_vec();
                v.extend_from_slice(bad);
                v.extend_from_slice(&b[at..]);
                let want = to_vec(&v, opts).unwrap_err();
                for (threads, chunk) in [(2, 1), (3, 300), (2, 2000)] {
                    let got = print_with(&v, opts, threads, chunk).unwrap_err();
                    assert_eq!((got.offset, &got.msg), (want.offset, &want.msg));
                }
            }
        }
    }

    /// Threads and chunk sizes change nothing: same bytes for valid input, same error (message and offset,
    /// the first in the file) for invalid input, including inputs cut at many places.
    #[test]
    fn parallel_chunks_print_and_fail_like_one_thread() {
        let doc = coco_like(300);
        let layouts = [
            Options::default(),
            Options {
                indent: Indent::Compact,
                ..Options::default()
            },
            Options {
                indent: Indent::Tab,
                color: true,
                ..Options::default()
            },
            Options {
                sort_keys: true,
                ..Options::default()
            },
        ];
        for opts in layouts {
            let want = to_vec(doc.as_bytes(), opts).unwrap();
            for (threads, chunk) in [(2, 1), (3, 100), (4, 1000), (2, 5000)] {
                let got = print_with(doc.as_bytes(), opts, threads, chunk).unwrap();
                assert!(got == want, "threads {threads} chunk {chunk} {opts:?}");
            }
        }
        // A top-level array (results files), and the top-level array itself being split.
        let arr = format!("[{}]", vec!["{\"a\": [1, 2.5, \"x\"]}"; 500].join(", "));
        let want = to_vec(arr.as_bytes(), Options::default()).unwrap();
        assert!(print_with(arr.as_bytes(), Options::default(), 3, 64).unwrap() == want);
        // Bad inputs: errors placed early, in the middle and late, of several kinds.
        let bytes = doc.as_bytes();
        let mut bad_docs: Vec<Vec<u8>> = Vec::new();
        for frac in [0.3, 0.5, 0.55, 0.8, 0.97] {
            let at = (bytes.len() as f64 * frac) as usize;
            let at = at + bytes[at..].iter().position(|&b| b == b',').unwrap();
            for (from, to) in [
                (",", ",,"),
                (",", ", ]"),
                (",", ", 01"),
                (",", "} ,"),
                (",", ", \"\\x\","),
                (",", ", \"\u{1}\","),
                (",", ", NaN,"),
            ] {
                let mut v = bytes[..at].to_vec();
                v.extend_from_slice(to.as_bytes());
                v.extend_from_slice(&bytes[at + from.len()..]);
                bad_docs.push(v);
            }
            // A duplicate key inside an annotation.
            let k = at
                + bytes[at..]
                    .windows(6)
                    .position(|w| w == b"\"area\"")
                    .unwrap_or(0);
            let mut v = bytes[..k].to_vec();
            v.extend_from_slice(b"\"id\": 1, ");
            v.extend_from_slice(&bytes[k..]);
            bad_docs.push(v);
        }
        // Two errors: the first one in the file is reported.
        let mut two = bad_docs[0].clone();
        let late = two.len() - 100;
        two[late] = b'#';
        bad_docs.push(two);
        for cut in (0..bytes.len()).step_by(997) {
            bad_docs.push(bytes[..cut].to_vec());
        }
        for bad in &bad_docs {
            let want = to_vec(bad, Options::default()).unwrap_err();
            for (threads, chunk) in [(2, 1), (3, 200), (2, 4000)] {
                let got = print_with(bad, Options::default(), threads, chunk).unwrap_err();
                assert_eq!(
                    (got.offset, &got.msg),
                    (want.offset, &want.msg),
                    "threads {threads} chunk {chunk}"
                );
            }
        }
    }
}
