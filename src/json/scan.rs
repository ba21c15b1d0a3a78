//! The byte-level JSON scanner every reader in cocokit stands on.
//!
//! It works on one contiguous byte slice (a memory-mapped file or a buffer) and never builds a tree: it
//! validates and measures values (`skip_value`), decodes strings and numbers on request, and walks objects and
//! arrays one member at a time ([`Cursor`]). Deep nesting is handled with an explicit stack, never recursion, so
//! a 100k-deep document is an error, never a stack overflow: containers nest at most [`MAX_DEPTH`] levels (jq
//! 1.7's parsing limit), which also bounds what `pretty`'s indentation can add to a file. Every error names its
//! byte offset.
//!
//! What it is not: a DOM, a serializer (see `json::pretty`), or a COCO parser (see `coco::reader`).

use crate::error::{Error, Result};
use crate::json::number::{json_decimal, json_int, list_decimal};
use std::borrow::Cow;

/// Byte classes for the string fast path: 1 = a byte that ends the fast run (`"`, `\`, control, >= 0x80).
static STRING_STOP: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = i < 0x20 || i == b'"' as usize || i == b'\\' as usize || i >= 0x80;
        i += 1;
    }
    t
};

/// How a byte is described in an error message.
pub fn describe_byte(buf: &[u8], i: usize) -> String {
    match buf.get(i) {
        None => "end of input".to_string(),
        Some(&b) if b.is_ascii_graphic() => format!("'{}'", b as char),
        Some(&b) => format!("byte 0x{b:02x}"),
    }
}

/// An "unexpected X, expected Y" error at `i`.
pub fn unexpected(buf: &[u8], i: usize, expected: &str) -> Error {
    if i >= buf.len() {
        Error::at(
            i,
            format!("unexpected end of input (truncated file?), expected {expected}"),
        )
    } else if i == 0 && buf.starts_with(b"\xEF\xBB\xBF") {
        Error::at(
            0,
            "file starts with a UTF-8 byte order mark, which JSON does not allow (RFC 8259)",
        )
    } else {
        Error::at(
            i,
            format!("unexpected {}, expected {expected}", describe_byte(buf, i)),
        )
    }
}

/// Skip JSON whitespace from `i`.
#[inline(always)]
pub fn skip_ws(buf: &[u8], mut i: usize) -> usize {
    while let Some(&b) = buf.get(i) {
        if b == b' ' || b == b'\n' || b == b'\r' || b == b'\t' {
            i += 1;
        } else {
            break;
        }
    }
    i
}

/// Scan a string starting at the opening quote `buf[i] == b'"'`. Validates escapes, rejects raw control
/// characters and invalid UTF-8. Returns (index after the closing quote, whether it contains a backslash).
#[inline]
pub fn scan_string(buf: &[u8], i: usize) -> Result<(usize, bool)> {
    debug_assert_eq!(buf.get(i), Some(&b'"'));
    // Printable ASCII without escapes (nearly every key and name), 16 bytes at a time.
    if let Some(end) = crate::json::simd::plain_string_end(buf, i) {
        return Ok((end, false));
    }
    let start = i + 1;
    let mut j = start;
    let mut escaped = false;
    let mut non_ascii = false;
    loop {
        // Fast run over ordinary ASCII.
        while j < buf.len() && !STRING_STOP[buf[j] as usize] {
            j += 1;
        }
        let Some(&b) = buf.get(j) else {
            return Err(Error::at(i, "unterminated string (truncated file?)"));
        };
        match b {
            b'"' => break,
            b'\\' => {
                escaped = true;
                match buf.get(j + 1) {
                    Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => j += 2,
                    Some(b'u') => {
                        let hex = buf.get(j + 2..j + 6);
                        match hex {
                            Some(h) if h.iter().all(u8::is_ascii_hexdigit) => j += 6,
                            _ => return Err(Error::at(j, "invalid \\u escape in string")),
                        }
                    }
                    None => return Err(Error::at(i, "unterminated string (truncated file?)")),
                    Some(_) => return Err(Error::at(j, "invalid escape in string")),
                }
            }
            0x80..=0xff => {
                non_ascii = true;
                j += 1;
            }
            _ => {
                return Err(Error::at(
                    j,
                    format!("raw control character 0x{b:02x} in string (must be escaped)"),
                ))
            }
        }
    }
    if non_ascii {
        if let Err(e) = std::str::from_utf8(&buf[start..j]) {
            return Err(Error::at(
                start + e.valid_up_to(),
                "invalid UTF-8 in string",
            ));
        }
    }
    Ok((j + 1, escaped))
}

/// Scan a number starting at `i` (a `-` or digit), validating JSON's grammar. Returns the index after it.
#[inline]
pub fn scan_number(buf: &[u8], i: usize) -> Result<usize> {
    #[inline(always)]
    fn digit(b: u8) -> bool {
        b.wrapping_sub(b'0') < 10
    }
    let n = buf.len();
    let mut j = i;
    if j < n && buf[j] == b'-' {
        j += 1;
    }
    if j >= n {
        return Err(bad_number(buf, i, j));
    }
    let c = buf[j];
    if c == b'0' {
        j += 1;
        if j < n && digit(buf[j]) {
            return Err(Error::at(
                j - 1,
                "invalid number: leading zeros are not allowed in JSON",
            ));
        }
    } else if c.wrapping_sub(b'1') < 9 {
        j += 1;
        while j < n && digit(buf[j]) {
            j += 1;
        }
    } else {
        return Err(bad_number(buf, i, j));
    }
    if j < n && buf[j] == b'.' {
        j += 1;
        let s = j;
        while j < n && digit(buf[j]) {
            j += 1;
        }
        if j == s {
            return Err(bad_number(buf, i, j));
        }
    }
    if j < n && (buf[j] | 0x20) == b'e' {
        j += 1;
        if j < n && (buf[j] == b'+' || buf[j] == b'-') {
            j += 1;
        }
        let s = j;
        while j < n && digit(buf[j]) {
            j += 1;
        }
        if j == s {
            return Err(bad_number(buf, i, j));
        }
    }
    Ok(j)
}

/// Scan a run of array elements that are numbers (`1, 2.5, -3`) from `i` (a number's first byte); returns the
/// index after the last number of the run (the caller handles what follows: `]`, or a `,` before a non-number).
/// Polygon coordinates are most of a COCO file; this loop avoids the generic value dispatch per number.
/// (A table-driven DFA was tried here: fewer branches but a serial dependency per byte, 30% slower. So was
/// finding digit runs 8 bytes at a time (SWAR + trailing_zeros): ~12% slower on polygon data, whose digit
/// runs are short and regular enough for the branch predictor.)
#[inline]
pub fn scan_number_run(buf: &[u8], mut i: usize) -> Result<usize> {
    // Numbers checked one at a time before trying a 64-byte block again (after a block was refused).
    let mut one_by_one = 0u32;
    loop {
        if one_by_one == 0 {
            // A block of plain `N, N, N` validated at once (json::simd); anything unusual is left to the
            // exact scanner below, which decides errors.
            if let Some((_, _, next)) = super::simd::number_list_block(buf, i) {
                i = next;
                continue;
            }
            one_by_one = 8;
        }
        one_by_one -= 1;
        let end = scan_number(buf, i)?;
        let mut k = skip_ws(buf, end);
        if k < buf.len() && buf[k] == b',' {
            k += 1;
            while k < buf.len() && matches!(buf[k], b' ' | b'\n' | b'\r' | b'\t') {
                k += 1;
            }
            if k < buf.len() && (buf[k] == b'-' || buf[k].wrapping_sub(b'0') < 10) {
                i = k;
                continue;
            }
        }
        return Ok(end);
    }
}

#[cold]
fn bad_number(buf: &[u8], start: usize, at: usize) -> Error {
    if at >= buf.len() {
        Error::at(
            start,
            "number cut off by the end of input (truncated file?)",
        )
    } else {
        Error::at(
            at,
            format!("invalid number: unexpected {}", describe_byte(buf, at)),
        )
    }
}

/// Scan `true`, `false` or `null` at `i`. Returns the index after it.
#[inline]
pub fn scan_literal(buf: &[u8], i: usize) -> Result<usize> {
    let rest = &buf[i..];
    for lit in [&b"true"[..], b"false", b"null"] {
        if rest.starts_with(lit) {
            return Ok(i + lit.len());
        }
    }
    // Python's json.dumps writes NaN / Infinity, which are not JSON.
    for (lit, name) in [
        (&b"NaN"[..], "NaN"),
        (b"Infinity", "Infinity"),
        (b"-Infinity", "-Infinity"),
    ] {
        if rest.starts_with(lit) {
            return Err(Error::at(
                i,
                format!("{name} is not valid JSON (Python's json.dumps writes it; use null)"),
            ));
        }
    }
    if rest.is_empty() {
        return Err(unexpected(buf, i, "a value"));
    }
    Err(unexpected(buf, i, "a value"))
}

/// The deepest nesting of containers accepted (jq 1.7's `MAX_PARSING_DEPTH`): a container opened inside
/// this many others is an error. Real COCO records nest 4 levels (an annotation's polygon list); the limit
/// keeps `pretty`'s output within a constant factor of its input (indentation grows with depth).
pub const MAX_DEPTH: usize = 10_000;

/// The error for a container opened at `i` inside [`MAX_DEPTH`] others.
#[cold]
pub fn too_deep(i: usize) -> Error {
    Error::at(
        i,
        format!("nesting deeper than {MAX_DEPTH} levels (the limit jq also has)"),
    )
}

/// Container kinds on the explicit stack.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Container {
    Array,
    Object,
}

/// The open containers of [`skip_value`]'s walk: one bit per level (1 = object), the first 128 levels in a
/// register-sized word (no allocation for the nesting of real records), deeper ones on the heap.
#[derive(Default)]
struct Nesting {
    inline: u128,
    deeper: Vec<Container>,
    depth: usize,
}

impl Nesting {
    #[inline]
    fn push(&mut self, c: Container) {
        if self.depth < 128 {
            let bit = 1u128 << self.depth;
            if c == Container::Object {
                self.inline |= bit;
            } else {
                self.inline &= !bit;
            }
        } else {
            self.deeper.push(c);
        }
        self.depth += 1;
    }

    #[inline]
    fn pop(&mut self) {
        if self.depth > 128 {
            self.deeper.pop();
        }
        self.depth = self.depth.saturating_sub(1);
    }

    #[inline]
    fn last(&self) -> Option<Container> {
        match self.depth {
            0 => None,
            d if d <= 128 => Some(if self.inline >> (d - 1) & 1 == 1 {
                Container::Object
            } else {
                Container::Array
            }),
            _ => self.deeper.last().copied(),
        }
    }
}

/// Skip (and fully validate) one value starting at `i` (whitespace before it allowed). Returns the index after
/// it. Iterative: nesting depth is bounded by [`MAX_DEPTH`] (the value counted as the document itself; see
/// [`skip_value_in`] for a value inside others).
#[inline]
pub fn skip_value(buf: &[u8], i: usize) -> Result<usize> {
    skip_value_in(buf, i, 0)
}

/// [`skip_value`] for a value already inside `outer` containers (a top-level member: 1), so that the
/// nesting limit counts from the document's top.
pub fn skip_value_in(buf: &[u8], i: usize, outer: usize) -> Result<usize> {
    let limit = MAX_DEPTH.saturating_sub(outer);
    let mut stack = Nesting::default();
    let mut i = skip_ws(buf, i);
    'value: loop {
        // At the start of a value.
        match buf.get(i) {
            Some(b'{' | b'[') if stack.depth >= limit => return Err(too_deep(i)),
            Some(b'{') => {
                i = skip_ws(buf, i + 1);
                if buf.get(i) == Some(&b'}') {
                    i += 1;
                } else {
                    i = expect_key(buf, i)?;
                    stack.push(Container::Object);
                    continue 'value;
                }
            }
            Some(b'[') => {
                i = skip_ws(buf, i + 1);
                if buf.get(i) == Some(&b']') {
                    i += 1;
                } else {
                    stack.push(Container::Array);
                    continue 'value;
                }
            }
            Some(b'"') => i = scan_string(buf, i)?.0,
            Some(b'-' | b'0'..=b'9') => {
                i = if stack.last() == Some(Container::Array) {
                    scan_number_run(buf, i)?
                } else {
                    scan_number(buf, i)?
                }
            }
            Some(_) => i = scan_literal(buf, i)?,
            None => return Err(unexpected(buf, i, "a value")),
        }
        // After a value: close containers or move to the next member.
        loop {
            let Some(top) = stack.last() else {
                return Ok(i);
            };
            i = skip_ws(buf, i);
            match (top, buf.get(i)) {
                (_, Some(b',')) => {
                    i = skip_ws(buf, i + 1);
                    if top == Container::Object {
                        i = expect_key(buf, i)?;
                    }
                    continue 'value;
                }
                (Container::Array, Some(b']')) | (Container::Object, Some(b'}')) => {
                    stack.pop();
                    i += 1;
                }
                (Container::Array, _) => return Err(unexpected(buf, i, "',' or ']'")),
                (Container::Object, _) => return Err(unexpected(buf, i, "',' or '}'")),
            }
        }
    }
}

/// At `i` (after whitespace) expect `"key"` then `:`; return the index of the value (whitespace skipped).
#[inline]
fn expect_key(buf: &[u8], i: usize) -> Result<usize> {
    if buf.get(i) != Some(&b'"') {
        return Err(unexpected(buf, i, "an object key (a string)"));
    }
    let (j, _) = scan_string(buf, i)?;
    let j = skip_ws(buf, j);
    if buf.get(j) != Some(&b':') {
        return Err(unexpected(buf, j, "':'"));
    }
    Ok(skip_ws(buf, j + 1))
}

/// Find the end of the value at `i` looking only at structure (strings and brackets), without validating
/// numbers or literals. Used to cut a large array into records quickly; each record is validated when it
/// is parsed. Returns the index after the value.
#[inline]
pub fn skip_value_fast(buf: &[u8], i: usize) -> Result<usize> {
    let i = skip_ws(buf, i);
    match buf.get(i) {
        Some(b'{' | b'[') => {}
        Some(b'"') => return Ok(scan_string(buf, i)?.0),
        Some(b'-' | b'0'..=b'9') => return scan_number(buf, i),
        Some(_) => return scan_literal(buf, i),
        None => return Err(unexpected(buf, i, "a value")),
    }
    let mut depth: usize = 0;
    let mut j = i;
    loop {
        j = next_structural(buf, j);
        let Some(&b) = buf.get(j) else { break };
        match b {
            b'"' => {
                // Find the closing quote, honouring escapes; validated later.
                let mut k = j + 1;
                loop {
                    match next_quote_or_backslash(buf, k) {
                        None => return Err(Error::at(j, "unterminated string (truncated file?)")),
                        Some(p) => {
                            if buf[p] == b'\\' {
                                k = p + 2;
                            } else {
                                k = p + 1;
                                break;
                            }
                        }
                    }
                }
                j = k;
                continue;
            }
            b'{' | b'[' => depth += 1,
            _ => {
                depth -= 1;
                if depth == 0 {
                    return Ok(j + 1);
                }
            }
        }
        j += 1;
    }
    Err(Error::at(
        i,
        "value is not closed before the end of input (truncated file?)",
    ))
}

/// The index of the next `"` or `\\` at or after `k`, if any: 16 bytes at a time with SSE2 inline (keys and
/// short strings end in the first 16 bytes: a call to memchr cost more than the scan), memchr for the rest.
#[inline]
fn next_quote_or_backslash(buf: &[u8], k: usize) -> Option<usize> {
    #[cfg(target_arch = "x86_64")]
    if k + 16 <= buf.len() {
        use std::arch::x86_64::*;
        // SAFETY: SSE2 is part of the x86_64 baseline; the load reads 16 bytes inside `buf`.
        let mask = unsafe {
            let v = _mm_loadu_si128(buf.as_ptr().add(k) as *const __m128i);
            _mm_movemask_epi8(_mm_or_si128(
                _mm_cmpeq_epi8(v, _mm_set1_epi8(b'"' as i8)),
                _mm_cmpeq_epi8(v, _mm_set1_epi8(b'\\' as i8)),
            ))
        };
        if mask != 0 {
            return Some(k + mask.trailing_zeros() as usize);
        }
        return memchr::memchr2(b'"', b'\\', &buf[k + 16..]).map(|p| k + 16 + p);
    }
    memchr::memchr2(b'"', b'\\', buf.get(k..)?).map(|p| k + p)
}

/// The index of the next `"`, `[`, `]`, `{` or `}` at or after `j` (or `buf.len()`). 16 bytes at a time with
/// SSE2 (baseline on x86_64): polygon text between brackets is skipped without a look at each byte.
#[inline]
fn next_structural(buf: &[u8], mut j: usize) -> usize {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::*;
        // SAFETY: SSE2 is part of the x86_64 baseline; every load reads 16 bytes inside `buf` (j + 16 <= len).
        unsafe {
            let quote = _mm_set1_epi8(b'"' as i8);
            let open = _mm_set1_epi8(b'{' as i8);
            let close = _mm_set1_epi8(b'}' as i8);
            let case = _mm_set1_epi8(0x20);
            while j + 16 <= buf.len() {
                let v = _mm_loadu_si128(buf.as_ptr().add(j) as *const __m128i);
                // `[` | 0x20 == `{` and `]` | 0x20 == `}`; no other byte maps to either.
                let folded = _mm_or_si128(v, case);
                let hits = _mm_or_si128(
                    _mm_cmpeq_epi8(v, quote),
                    _mm_or_si128(_mm_cmpeq_epi8(folded, open), _mm_cmpeq_epi8(folded, close)),
                );
                let mask = _mm_movemask_epi8(hits);
                if mask != 0 {
                    return j + mask.trailing_zeros() as usize;
                }
                j += 16;
            }
        }
    }
    while j < buf.len() {
        let b = buf[j];
        if b == b'"' || b | 0x20 == b'{' || b | 0x20 == b'}' {
            return j;
        }
        j += 1;
    }
    j
}

/// Guessed chunk boundaries in an array of objects whose first element opens with a plain key: the next place
/// where that opening (`{"segmentation"`, whitespace included as in the first element) appears right after a
/// `,` and whitespace. A guess is often right for COCO files (every annotation starts the same way) and costs
/// no walk over the bytes it skips. A guess can be wrong (the opening inside a nested object, or past the
/// array's end): users check each one — `json::pretty`'s parallel arrays and `convert`'s annotations by the
/// walk of the records before it.
pub struct ElementGuess<'b> {
    finder: memchr::memmem::Finder<'b>,
}

impl<'b> ElementGuess<'b> {
    /// The guesser for the array whose first element starts at `first`; `None` unless that element is an
    /// object opening with a plain key (no escapes) of at most 64 bytes with what precedes it.
    pub fn new(buf: &'b [u8], first: usize) -> Option<Self> {
        if buf.get(first) != Some(&b'{') {
            return None;
        }
        let k = skip_ws(buf, first + 1);
        if buf.get(k) != Some(&b'"') {
            return None;
        }
        let e = crate::json::simd::plain_string_end(buf, k)?;
        if e - first > 64 {
            return None;
        }
        Some(ElementGuess {
            finder: memchr::memmem::Finder::new(&buf[first..e]),
        })
    }

    /// A likely element start at least `chunk` bytes after `pos`, within 4 chunks.
    pub fn next(&self, buf: &[u8], pos: usize, chunk: usize) -> Option<usize> {
        let target = pos.checked_add(chunk)?;
        let limit = pos.saturating_add(chunk.saturating_mul(4)).min(buf.len());
        if target >= limit {
            return None;
        }
        for at in self.finder.find_iter(&buf[target..limit]).take(4) {
            let at = target + at;
            let mut k = at;
            while k > pos && matches!(buf[k - 1], b' ' | b'\n' | b'\r' | b'\t') {
                k -= 1;
            }
            if k > pos + 1 && buf[k - 1] == b',' {
                return Some(at);
            }
        }
        None
    }
}

/// Decode the string whose opening quote is at `i` (already validated or not: errors are reported).
/// Returns the decoded text and the index after the closing quote.
pub fn parse_string(buf: &[u8], i: usize) -> Result<(Cow<'_, str>, usize)> {
    if buf.get(i) != Some(&b'"') {
        return Err(unexpected(buf, i, "a string"));
    }
    let (end, escaped) = scan_string(buf, i)?;
    let raw = &buf[i + 1..end - 1];
    if !escaped {
        // SAFETY: scan_string checked that these bytes are valid UTF-8 (it runs `from_utf8` on any string
        // holding a byte >= 0x80, and pure ASCII is UTF-8).
        let s = unsafe { std::str::from_utf8_unchecked(raw) };
        return Ok((Cow::Borrowed(s), end));
    }
    Ok((Cow::Owned(unescape(raw, i + 1)?), end))
}

/// Decode the inside of a validated JSON string (between the quotes). Lone surrogates become U+FFFD, as jq
/// does. `base` is the offset of `raw[0]` in the file, for errors.
pub fn unescape(raw: &[u8], base: usize) -> Result<String> {
    let mut out: Vec<u8> = Vec::with_capacity(raw.len());
    let mut k = 0;
    while k < raw.len() {
        let b = raw[k];
        if b != b'\\' {
            out.push(b);
            k += 1;
            continue;
        }
        let e = raw.get(k + 1).copied().unwrap_or(0);
        k += 2;
        let c = match e {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let hi =
                    hex4(raw, k).ok_or_else(|| Error::at(base + k - 2, "invalid \\u escape"))?;
                k += 4;
                if (0xD800..0xDC00).contains(&hi) {
                    // A high surrogate: pair it with a following \uDC00..DFFF if there is one.
                    let lo = if raw.get(k) == Some(&b'\\') && raw.get(k + 1) == Some(&b'u') {
                        hex4(raw, k + 2).filter(|lo| (0xDC00..0xE000).contains(lo))
                    } else {
                        None
                    };
                    match lo {
                        Some(lo) => {
                            k += 6;
                            char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00))
                                .unwrap_or('\u{FFFD}')
                        }
                        None => '\u{FFFD}',
                    }
                } else {
                    char::from_u32(hi).unwrap_or('\u{FFFD}')
                }
            }
            _ => return Err(Error::at(base + k - 2, "invalid escape in string")),
        };
        let mut tmp = [0u8; 4];
        out.extend_from_slice(c.encode_utf8(&mut tmp).as_bytes());
    }
    String::from_utf8(out).map_err(|e| {
        Error::at(
            base + e.utf8_error().valid_up_to(),
            "invalid UTF-8 in string",
        )
    })
}

fn hex4(raw: &[u8], k: usize) -> Option<u32> {
    let h = raw.get(k..k + 4)?;
    let s = std::str::from_utf8(h).ok()?;
    u32::from_str_radix(s, 16).ok()
}

/// A position in a buffer with helpers to walk objects and arrays member by member, decoding what is asked for
/// and skipping (with validation) what is not.
#[derive(Clone, Copy)]
pub struct Cursor<'a> {
    pub buf: &'a [u8],
    pub pos: usize,
}

impl<'a> Cursor<'a> {
    pub fn new(buf: &'a [u8], pos: usize) -> Self {
        Cursor { buf, pos }
    }

    /// The next non-whitespace byte, without consuming it.
    #[inline]
    pub fn peek(&mut self) -> Option<u8> {
        self.pos = skip_ws(self.buf, self.pos);
        self.buf.get(self.pos).copied()
    }

    /// Consume `b` (after whitespace) or fail with "expected `what`".
    #[inline]
    pub fn expect(&mut self, b: u8, what: &str) -> Result<()> {
        if self.peek() == Some(b) {
            self.pos += 1;
            Ok(())
        } else {
            Err(unexpected(self.buf, self.pos, what))
        }
    }

    /// Enter an object: consume `{`.
    pub fn begin_object(&mut self) -> Result<()> {
        self.expect(b'{', "'{' (an object)")
    }

    /// Enter an array: consume `[`.
    pub fn begin_array(&mut self) -> Result<()> {
        self.expect(b'[', "'[' (an array)")
    }

    /// Next key of an object entered with `begin_object`, positioned at its value; `None` at the closing `}`.
    /// `first` must start `true` and is updated.
    #[inline]
    pub fn next_key(&mut self, first: &mut bool) -> Result<Option<(Cow<'a, str>, usize)>> {
        match self.peek() {
            Some(b'}') => {
                self.pos += 1;
                return Ok(None);
            }
            Some(b',') if !*first => {
                self.pos += 1;
                self.peek();
            }
            _ if *first => {}
            _ => return Err(unexpected(self.buf, self.pos, "',' or '}'")),
        }
        *first = false;
        let key_pos = self.pos;
        if self.buf.get(key_pos) != Some(&b'"') {
            return Err(unexpected(self.buf, key_pos, "an object key (a string)"));
        }
        let (key, end) = parse_string(self.buf, key_pos)?;
        self.pos = end;
        self.expect(b':', "':'")?;
        self.peek();
        Ok(Some((key, key_pos)))
    }

    /// Advance to the next element of an array entered with `begin_array`; `false` at the closing `]`.
    #[inline]
    pub fn next_elem(&mut self, first: &mut bool) -> Result<bool> {
        match self.peek() {
            Some(b']') => {
                self.pos += 1;
                return Ok(false);
            }
            Some(b',') if !*first => {
                self.pos += 1;
                self.peek();
            }
            _ if *first => {}
            _ => return Err(unexpected(self.buf, self.pos, "',' or ']'")),
        }
        *first = false;
        Ok(true)
    }

    /// The rest of an array of numbers whose `[` was consumed, appended to `out`: the values and errors of
    /// a [`Cursor::next_elem`] + [`Cursor::f64`] loop, with a fast path for plain decimals separated by
    /// commas (polygon coordinates).
    pub fn f64_list(&mut self, out: &mut Vec<f64>) -> Result<()> {
        let buf = self.buf;
        let mut first = true;
        'elems: loop {
            let i = skip_ws(buf, self.pos);
            let at = match buf.get(i) {
                Some(b']') => {
                    self.pos = i + 1;
                    return Ok(());
                }
                Some(b',') if !first => Some(skip_ws(buf, i + 1)),
                _ if first => Some(i),
                _ => None,
            };
            if let Some(mut j) = at {
                // The usual list, number after number without leaving this loop (see `list_decimal`),
                // each followed directly by a comma and a space, or other whitespace. The position and
                // the list's length stay in registers (a `push` would store its length to memory and
                // load it back for the next number, a chain through memory).
                let mut pos = self.pos;
                let mut n = out.len();
                loop {
                    if out.capacity() == n {
                        // SAFETY: the first `n` values were written below.
                        unsafe { out.set_len(n) };
                        out.reserve(64);
                    }
                    let Some((v, end)) = list_decimal(buf, j) else {
                        break;
                    };
                    // SAFETY: `n` < capacity (checked above); the values up to `n` are set before
                    // `out` is used again.
                    unsafe { out.as_mut_ptr().add(n).write(v) };
                    n += 1;
                    pos = end;
                    if buf[end] != b',' {
                        break;
                    }
                    j = if buf.get(end + 1) == Some(&b' ') {
                        end + 2
                    } else {
                        skip_ws(buf, end + 1)
                    };
                }
                // SAFETY: as above.
                unsafe { out.set_len(n) };
                if pos != self.pos {
                    self.pos = pos;
                    first = false;
                    if buf[pos] != b',' {
                        continue 'elems;
                    }
                }
                if let Some((v, end)) = json_decimal(buf, j) {
                    out.push(v);
                    self.pos = end;
                    first = false;
                    continue;
                }
            }
            // Anything else: the general path, from the same place.
            if !self.next_elem(&mut first)? {
                return Ok(());
            }
            out.push(self.f64()?);
        }
    }

    /// Skip one value (validated); returns its byte range.
    pub fn skip(&mut self) -> Result<(usize, usize)> {
        let start = skip_ws(self.buf, self.pos);
        self.pos = skip_value(self.buf, start)?;
        Ok((start, self.pos))
    }

    /// Decode a string value.
    pub fn string(&mut self) -> Result<Cow<'a, str>> {
        self.peek();
        let (s, end) = parse_string(self.buf, self.pos)?;
        self.pos = end;
        Ok(s)
    }

    /// Whether the next value is `null` (consumed if so).
    pub fn null(&mut self) -> bool {
        if self.peek() == Some(b'n') && self.buf[self.pos..].starts_with(b"null") {
            self.pos += 4;
            true
        } else {
            false
        }
    }

    /// The raw text of a number value, validated.
    #[inline]
    pub fn number_text(&mut self) -> Result<&'a str> {
        let start = skip_ws(self.buf, self.pos);
        match self.buf.get(start) {
            Some(b'-' | b'0'..=b'9') => {}
            _ => {
                // Report a missing/ill-typed value precisely (e.g. NaN, a string).
                if let Some(b'N' | b'I') = self.buf.get(start) {
                    scan_literal(self.buf, start)?;
                }
                return Err(unexpected(self.buf, start, "a number"));
            }
        }
        let end = scan_number(self.buf, start)?;
        self.pos = end;
        // SAFETY: `scan_number` accepted exactly `start..end`, and it accepts only ASCII bytes (`-`, `+`,
        // digits, `.`, `e`, `E`), so the range is valid UTF-8. (Checking it again cost ~7% of `stats`.)
        Ok(unsafe { std::str::from_utf8_unchecked(&self.buf[start..end]) })
    }

    /// A number as f64. Out-of-range literals (e.g. `1e999`) are errors, not infinities.
    #[inline]
    pub fn f64(&mut self) -> Result<f64> {
        let start = skip_ws(self.buf, self.pos);
        // The common shape first. It must end where the scanner would end the number (anything after a
        // plain decimal that could continue a number — `e`, `.`, a sign — goes the general way, which
        // reports it).
        if let Some((v, end)) = json_decimal(self.buf, start) {
            self.pos = end;
            return Ok(v);
        }
        let t = self.number_text()?;
        let v: f64 = t
            .parse()
            .map_err(|_| Error::at(start, format!("invalid number {t}")))?;
        if !v.is_finite() {
            return Err(Error::at(
                start,
                format!("number {t} is out of range for a 64-bit float"),
            ));
        }
        Ok(v)
    }

    /// A number that must be an integer (like `42`, or `42.0` as some exporters write), as i64.
    pub fn i64(&mut self) -> Result<i64> {
        let start = skip_ws(self.buf, self.pos);
        if let Some((v, end)) = json_int(self.buf, start) {
            self.pos = end;
            return Ok(v);
        }
        let t = self.number_text()?;
        if let Ok(v) = t.parse::<i64>() {
            return Ok(v);
        }
        let v: f64 = t
            .parse()
            .map_err(|_| Error::at(start, format!("invalid number {t}")))?;
        if v.fract() == 0.0 && v.abs() < 9.007_199_254_740_992e15 {
            Ok(v as i64)
        } else if v.fract() == 0.0 {
            Err(Error::at(
                start,
                format!("integer {t} does not fit in 64 bits"),
            ))
        } else {
            Err(Error::at(start, format!("expected an integer, found {t}")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The loop `f64_list` stands for.
    fn f64_list_slow(buf: &[u8]) -> Result<(Vec<f64>, usize)> {
        let mut c = Cursor::new(buf, 0);
        c.begin_array()?;
        let (mut v, mut first) = (Vec::new(), true);
        while c.next_elem(&mut first)? {
            v.push(c.f64()?);
        }
        Ok((v, c.pos))
    }

    #[test]
    fn f64_list_equals_the_general_loop() {
        let cases = [
            "[]",
            "[ ]",
            "[1]",
            "[1, 2.5, -3.25]",
            "[1,2,3]",
            "[ 1 ,\n 2 ]",
            "[272.47, 275.06, 1e3, 1E-2, 0.5e+1]",
            "[0, -0, 0.0, 10]",
            "[01]",
            "[1.]",
            "[.5]",
            "[-]",
            "[1.5.2]",
            "[1e999]",
            "[1,]",
            "[,1]",
            "[1 2]",
            "[1, \"a\"]",
            "[1, NaN]",
            "[1, null]",
            "[1, 2",
            "[1, 2,",
            "[12345678901234567890123, 0.30000000000000004]",
            "[1-2]",
            "[1+2]",
        ];
        for t in cases {
            let fast = (|| -> Result<(Vec<f64>, usize)> {
                let mut c = Cursor::new(t.as_bytes(), 0);
                c.begin_array()?;
                let mut v = Vec::new();
                c.f64_list(&mut v)?;
                Ok((v, c.pos))
            })();
            let slow = f64_list_slow(t.as_bytes());
            match (fast, slow) {
                (Ok((a, pa)), Ok((b, pb))) => {
                    let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                    assert_eq!((bits(&a), pa), (bits(&b), pb), "{t}");
                }
                (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "{t}"),
                (a, b) => panic!("{t}: {a:?} vs {b:?}"),
            }
        }
    }

    #[test]
    fn skip_value_valid_and_invalid() {
        let ok: &[&[u8]] = &[
            b"{}",
            b"[]",
            b" {\"a\" : [1, -2.5e3, true, null, \"x\\u00e9\"], \"b\": {}} ",
            b"0",
            b"-0.0E+1",
        ];
        for s in ok {
            let end = skip_value(s, 0).unwrap();
            assert_eq!(skip_ws(s, end), s.len(), "{}", String::from_utf8_lossy(s));
        }
        let bad: &[(&[u8], usize)] = &[
            (b"{", 1),
            (b"[1,]", 3),
            (b"[01]", 1),
            (b"{\"a\" 1}", 5),
            (b"[NaN]", 1),
            (b"\"a\x01\"", 2),
            (b"[1.]", 3),
            (b"\"\xff\"", 1),
            (b"{1:2}", 1),
            (b"[1 2]", 3),
        ];
        for (s, off) in bad {
            let e = skip_value(s, 0).unwrap_err();
            assert_eq!(
                e.offset,
                Some(*off as u64),
                "{} -> {e}",
                String::from_utf8_lossy(s)
            );
        }
    }

    /// The byte-at-a-time grammar `scan_number` implements, as a reference.
    fn scan_number_reference(b: &[u8], i: usize) -> std::result::Result<usize, Option<u64>> {
        let d = |j: usize| b.get(j).is_some_and(|c| c.is_ascii_digit());
        let mut j = i;
        if b.get(j) == Some(&b'-') {
            j += 1;
        }
        match b.get(j) {
            Some(b'0') => {
                j += 1;
                if d(j) {
                    return Err(Some(j as u64 - 1));
                }
            }
            Some(b'1'..=b'9') => {
                while d(j) {
                    j += 1;
                }
            }
            None => return Err(Some(i as u64)),
            Some(_) => return Err(Some(j as u64)),
        }
        if b.get(j) == Some(&b'.') {
            j += 1;
            let s = j;
            while d(j) {
                j += 1;
            }
            if j == s {
                return Err(Some(if j >= b.len() { i } else { j } as u64));
            }
        }
        if matches!(b.get(j), Some(b'e' | b'E')) {
            j += 1;
            if matches!(b.get(j), Some(b'+' | b'-')) {
                j += 1;
            }
            let s = j;
            while d(j) {
                j += 1;
            }
            if j == s {
                return Err(Some(if j >= b.len() { i } else { j } as u64));
            }
        }
        Ok(j)
    }

    #[test]
    fn number_scanner_equals_the_grammar_at_every_alignment() {
        // Every string up to 5 bytes over an alphabet with each class of byte, at several offsets inside a
        // longer buffer and with different bytes after it (end of input included), plus long digit runs.
        let alphabet = b"0159.-+eE, x\x80/:";
        let mut cases: Vec<Vec<u8>> = Vec::new();
        let mut cur: Vec<Vec<u8>> = vec![vec![]];
        for _ in 0..5 {
            let mut next = Vec::new();
            for c in &cur {
                for &a in alphabet.iter() {
                    let mut v = c.clone();
                    v.push(a);
                    next.push(v);
                }
            }
            cases.extend(next.iter().cloned());
            cur = next;
        }
        for k in [7usize, 8, 9, 15, 16, 17, 40] {
            cases.push(
                format!("{}.{}e-{}", "7".repeat(k), "3".repeat(k), "1".repeat(k)).into_bytes(),
            );
            cases.push(format!("-{}", "0".repeat(k)).into_bytes());
        }
        for case in &cases {
            if !matches!(case.first(), Some(b'-' | b'0'..=b'9')) {
                continue;
            }
            for pad in 0..9 {
                for tail in [&b""[..], b"]", b"12345678"] {
                    let mut b = vec![b' '; pad];
                    b.extend_from_slice(case);
                    b.extend_from_slice(tail);
                    let got = scan_number(&b, pad).map_err(|e| e.offset);
                    assert_eq!(
                        got,
                        scan_number_reference(&b, pad),
                        "{:?}",
                        String::from_utf8_lossy(&b)
                    );
                }
            }
        }
    }

    /// `scan_number_run` spelled out with `scan_number`, as a reference.
    fn number_run_reference(b: &[u8]) -> std::result::Result<usize, Option<u64>> {
        // The run ends after the last number followed by `, <number>`; errors are those of scan_number.
        let mut j = 0;
        loop {
            match scan_number(b, j) {
                Err(e) => return Err(e.offset),
                Ok(end) => {
                    let k = skip_ws(b, end);
                    if b.get(k) == Some(&b',') {
                        let k2 = skip_ws(b, k + 1);
                        if matches!(b.get(k2), Some(b'-' | b'0'..=b'9')) {
                            j = k2;
                            continue;
                        }
                    }
                    return Ok(end);
                }
            }
        }
    }

    #[test]
    fn number_runs_match_the_exact_scanner() {
        let cases: &[&str] = &[
            "1, 2, 3]",
            "321.02, 0.5 ,-4e2, 0]",
            "1 ]",
            "1,2",
            "0, 01]",
            "1., 2]",
            "1, -]",
            "1, 2, ]",
            "1e, 2]",
            "1, 2 3]",
            "-0.0E+1,1]",
            "7",
            "12 , 5 ]",
        ];
        for c in cases {
            let b = c.as_bytes();
            let fast = scan_number_run(b, 0).map_err(|e| e.offset);
            assert_eq!(fast, number_run_reference(b), "{c}");
        }
    }

    #[test]
    fn long_number_runs_match_the_exact_scanner() {
        // Long runs take the 64-byte block path; random pieces put every kind of flaw at every position.
        let good = [
            "12.5", "-0.25", "0", "301", "7.0", "-3", "0.125", "99999.99",
        ];
        let bad = [
            "007", "1.", "-", "1e5", "-.5", "1..2", ".5", "0x1", "1e", "--1", "1.2.3", "01.5",
        ];
        let seps = [", ", ",", " , ", ",  ", ",\n"];
        let ends = ["]", " ]", "", ", ]", ",", "}", " x"];
        let mut rng = crate::testing::xorshift(0x9E37_79B9_7F4A_7C15);
        let mut next = |n: usize| (rng() % n as u64) as usize;
        for _ in 0..4000 {
            let mut v = String::new();
            let count = 1 + next(60);
            for k in 0..count {
                if k > 0 {
                    v.push_str(if next(12) == 0 {
                        seps[next(seps.len())]
                    } else {
                        ", "
                    });
                }
                v.push_str(if next(40) == 0 {
                    bad[next(bad.len())]
                } else {
                    good[next(good.len())]
                });
            }
            v.push_str(ends[next(ends.len())]);
            let b = v.as_bytes();
            if !matches!(b[0], b'-' | b'0'..=b'9') {
                continue; // scan_number_run starts at a number's first byte
            }
            assert_eq!(
                scan_number_run(b, 0).map_err(|e| e.offset),
                number_run_reference(b),
                "{v}"
            );
        }
    }

    #[test]
    fn deep_nesting_is_not_a_stack_overflow() {
        let mut s = vec![b'['; 200_000];
        s.extend(vec![b']'; 200_000]);
        let e = skip_value(&s, 0).unwrap_err();
        assert_eq!(e.offset, Some(MAX_DEPTH as u64));
        assert!(e.msg.contains("nesting deeper than 10000 levels"), "{e}");
        assert_eq!(skip_value_fast(&s, 0).unwrap(), s.len());
        s.pop();
        assert!(skip_value(&s, 0).is_err());
        assert!(skip_value_fast(&s, 0).is_err());
    }

    #[test]
    fn nesting_up_to_the_limit_is_accepted() {
        for (outer, inner) in [(0, MAX_DEPTH), (1, MAX_DEPTH - 1), (3, MAX_DEPTH - 3)] {
            let mut s = vec![b'['; inner];
            s.extend(vec![b']'; inner]);
            assert_eq!(skip_value_in(&s, 0, outer).unwrap(), s.len());
            let mut t = vec![b'{'];
            t.extend(b"\"k\": ");
            t.extend(&s);
            t.push(b'}');
            let e = skip_value_in(&t, 0, outer).unwrap_err();
            assert_eq!(e.offset, Some(6 + inner as u64 - 1), "{outer}");
            // An empty container counts as a level too.
            let mut u = vec![b'['; inner];
            u.extend(b"[]");
            u.extend(vec![b']'; inner]);
            assert!(skip_value_in(&u, 0, outer).is_err());
        }
    }

    #[test]
    fn fast_skip_finds_ends_and_survives_truncation() {
        let doc = br#"{"a": [[1.5, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]], "s": "x}]{[\"y", "b": {"c": []}} tail"#;
        assert_eq!(skip_value_fast(doc, 0).unwrap(), doc.len() - 5);
        for cut in 0..doc.len() - 5 {
            assert!(skip_value_fast(&doc[..cut], 0).is_err(), "cut at {cut}");
        }
        assert!(skip_value_fast(b"[\"abc\\", 0).is_err());
    }

    #[test]
    fn unescape_handles_surrogates() {
        let (s, _) = parse_string(br#""a\ud83d\ude00\u00e9\/\n\ud800x""#, 0).unwrap();
        assert_eq!(s, "a\u{1F600}\u{e9}/\n\u{FFFD}x");
    }

    #[test]
    fn cursor_walks_objects() {
        let buf = br#" {"id": 3, "name": "cat", "skip": [1,{"x":2}], "f": 2.5} "#;
        let mut c = Cursor::new(buf, 0);
        c.begin_object().unwrap();
        let mut first = true;
        let mut seen = vec![];
        while let Some((k, _)) = c.next_key(&mut first).unwrap() {
            match &*k {
                "id" => assert_eq!(c.i64().unwrap(), 3),
                "name" => assert_eq!(c.string().unwrap(), "cat"),
                "f" => assert_eq!(c.f64().unwrap(), 2.5),
                _ => {
                    c.skip().unwrap();
                }
            }
            seen.push(k.into_owned());
        }
        assert_eq!(seen, ["id", "name", "skip", "f"]);
        let mut c = Cursor::new(b"[1e999]", 1);
        assert!(c.f64().unwrap_err().msg.contains("out of range"));
    }
}
