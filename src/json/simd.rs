//! 16-bytes-at-a-time fast paths for the printer: the end of a plain number, the end of a plain string.
//!
//! Each function recognises only the common, simple case and returns `None` for anything else (an exponent, an
//! escape, a non-ASCII byte, a value too close to the end of the buffer, or anything invalid); the caller then
//! runs the exact scanner of `json::scan` from the same position, which validates and reports errors. So these
//! never accept what `scan` would refuse and never decide an error message.
//!
//! SSE2 is part of the x86_64 baseline; on other targets both functions always return `None`.
//! What it is not: a validator on its own, or a replacement for `json::scan`.

/// The end of a number at `i` when it is plain: `-?(0|[1-9][0-9]*)(\.[0-9]+)?`, at most 15 bytes, and followed
/// (inside the same 16 bytes) by a byte that cannot continue a JSON number. `None` otherwise (use
/// `scan::scan_number`, which returns the same end for every number accepted here).
#[inline(always)]
pub fn plain_number_end(buf: &[u8], i: usize) -> Option<usize> {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::*;
        if i + 16 > buf.len() {
            return None;
        }
        // SAFETY: SSE2 is baseline on x86_64; the load reads buf[i..i + 16], inside `buf` (checked above).
        let (d, p) = unsafe {
            let v = _mm_loadu_si128(buf.as_ptr().add(i) as *const __m128i);
            let ge0 = _mm_cmpgt_epi8(v, _mm_set1_epi8(b'0' as i8 - 1));
            let le9 = _mm_cmplt_epi8(v, _mm_set1_epi8(b'9' as i8 + 1));
            let d = _mm_movemask_epi8(_mm_and_si128(ge0, le9)) as u32;
            let p = _mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(b'.' as i8))) as u32;
            (d, p)
        };
        let s = (buf[i] == b'-') as u32;
        let m = (d | p) >> s;
        // `m` has no bit at 16 - s or above, so `len <= 16 - s`.
        let len = (!m).trailing_zeros();
        let e = (s + len) as usize;
        if e >= 16 || len == 0 || (d >> s) & 1 == 0 {
            return None;
        }
        if buf[i + e] | 0x20 == b'e' {
            return None;
        }
        let dots = (p >> s) & ((1u32 << len) - 1);
        if dots & dots.wrapping_sub(1) != 0 || (dots >> (len - 1)) & 1 != 0 {
            return None; // two dots, or a dot without digits after it
        }
        if buf[i + s as usize] == b'0' && len > 1 && dots & 2 == 0 {
            return None; // leading zero
        }
        Some(i + e)
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = (buf, i);
        None
    }
}

/// For a string whose opening quote is at `i`: the index after its closing quote when everything in between
/// is printable ASCII other than `\` and DEL (nothing to decode, validate or escape: jq prints it as it is).
/// `None` otherwise (use `scan::scan_string`).
#[inline(always)]
pub fn plain_string_end(buf: &[u8], i: usize) -> Option<usize> {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::*;
        let mut j = i + 1;
        // SAFETY: SSE2 is baseline on x86_64; every load reads buf[j..j + 16] with j + 16 <= buf.len().
        unsafe {
            let quote = _mm_set1_epi8(b'"' as i8);
            let bslash = _mm_set1_epi8(b'\\' as i8);
            // Signed compare: bytes < 0x20 and bytes >= 0x80 (negative as i8) are both "less than 0x20".
            let space = _mm_set1_epi8(0x20);
            let del = _mm_set1_epi8(0x7f);
            while j + 16 <= buf.len() {
                let v = _mm_loadu_si128(buf.as_ptr().add(j) as *const __m128i);
                let stop = _mm_or_si128(
                    _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, bslash)),
                    _mm_or_si128(_mm_cmplt_epi8(v, space), _mm_cmpeq_epi8(v, del)),
                );
                let mask = _mm_movemask_epi8(stop);
                if mask != 0 {
                    let k = j + mask.trailing_zeros() as usize;
                    return (buf[k] == b'"').then_some(k + 1);
                }
                j += 16;
            }
        }
        None
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = (buf, i);
        None
    }
}

/// For the 32 bytes `w` starting with a string's opening quote: the length of the string's inside when it is
/// at most 15 bytes of printable ASCII other than `\` and DEL, closed by `"` (what `plain_string_end` accepts,
/// for short strings: `plain_string_end(w, 0) == Some(len + 2)`). `None` otherwise.
#[inline(always)]
pub fn short_string_len(w: &[u8; 32]) -> Option<usize> {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::*;
        // SAFETY: SSE2 is baseline on x86_64; the load reads w[1..17], inside the 32-byte array.
        let mask = unsafe {
            let v = _mm_loadu_si128(w.as_ptr().add(1) as *const __m128i);
            let stop = _mm_or_si128(
                _mm_or_si128(
                    _mm_cmpeq_epi8(v, _mm_set1_epi8(b'"' as i8)),
                    _mm_cmpeq_epi8(v, _mm_set1_epi8(b'\\' as i8)),
                ),
                // Signed: bytes < 0x20 and bytes >= 0x80 are both "less than 0x20".
                _mm_or_si128(
                    _mm_cmplt_epi8(v, _mm_set1_epi8(0x20)),
                    _mm_cmpeq_epi8(v, _mm_set1_epi8(0x7f)),
                ),
            );
            _mm_movemask_epi8(stop) as u32
        };
        let len = mask.trailing_zeros() as usize;
        (len < 16 && w[1 + len] == b'"').then_some(len)
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = w;
        None
    }
}

/// A validated run of array numbers in the 64 bytes at `i`: `N, N, N, ...` (every comma followed by one space)
/// or `N,N,N,...` (no whitespace at all), where each `N` is a plain number (`-?(0|[1-9][0-9]*)(\.[0-9]+)?`).
/// `buf[i]` must start a number. Returns the commas of the numbers that end inside the block (bit k = byte
/// `i + k`; each is followed by `gap` separator bytes, 2 for `, ` and 1 for `,`) and the index of the number
/// after the last of them. `None` when there is no such comma, when anything else appears (an exponent, other
/// whitespace, a bracket...) or when anything is invalid: the caller then scans one number exactly.
///
/// The rules, as masks over the block: a `-` is not preceded by a number byte and is followed by a digit; a `.`
/// is between two digits; the digits after a `.` do not run into a second `.`; an integer part starting with
/// `0` has no second digit; every comma is preceded by a number byte and followed by the separator and a digit
/// or `-`. Only bytes up to the last comma are judged; the number after it is checked by the next call.
#[inline(always)]
pub fn number_list_block(buf: &[u8], i: usize) -> Option<(u64, usize, usize)> {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::*;
        // 16 bytes of slack after the block: the caller copies 16-byte spans starting inside it.
        if i + 80 > buf.len() {
            return None;
        }
        let (mut d, mut p, mut m, mut c, mut sp, mut z) = (0u64, 0u64, 0u64, 0u64, 0u64, 0u64);
        // SAFETY: SSE2 is baseline on x86_64; the loads read buf[i..i + 64], inside `buf` (checked above).
        unsafe {
            let lo = _mm_set1_epi8(b'0' as i8 - 1);
            let hi = _mm_set1_epi8(b'9' as i8 + 1);
            for k in 0..4 {
                let v = _mm_loadu_si128(buf.as_ptr().add(i + 16 * k) as *const __m128i);
                let bits = |x: __m128i| (_mm_movemask_epi8(x) as u32 as u64) << (16 * k);
                d |= bits(_mm_and_si128(_mm_cmpgt_epi8(v, lo), _mm_cmplt_epi8(v, hi)));
                p |= bits(_mm_cmpeq_epi8(v, _mm_set1_epi8(b'.' as i8)));
                m |= bits(_mm_cmpeq_epi8(v, _mm_set1_epi8(b'-' as i8)));
                c |= bits(_mm_cmpeq_epi8(v, _mm_set1_epi8(b',' as i8)));
                sp |= bits(_mm_cmpeq_epi8(v, _mm_set1_epi8(b' ' as i8)));
                z |= bits(_mm_cmpeq_epi8(v, _mm_set1_epi8(b'0' as i8)));
            }
        }
        let t = d | p | m;
        let bad = !(t | c | sp);
        let limit = bad.trailing_zeros();
        let below = if limit >= 64 {
            !0u64
        } else {
            (1u64 << limit) - 1
        };
        let spaced = sp & below != 0;
        let gap = if spaced { 2 } else { 1 };
        // Commas whose separator and the next number's first byte are inside the judged bytes.
        let cm = c & below & (below >> gap);
        if cm == 0 || t & 1 == 0 {
            return None;
        }
        let last = 63 - cm.leading_zeros();
        let upto = (2u64 << last) - 1; // bytes 0..=last
        let commas = c & upto;
        if spaced && sp & (upto | (upto << 1)) != commas << 1 {
            return None;
        }
        if (commas << gap) & !(d | m) != 0 || (commas >> 1) & !t != 0 {
            return None;
        }
        let (dd, pp, mm) = (d & upto, p & upto, m & upto);
        if mm & (t << 1) != 0 || (mm << 1) & !d != 0 {
            return None;
        }
        if (pp << 1) & !d != 0 || (pp >> 1) & !d != 0 {
            return None;
        }
        // Carry through the digits after each dot: where it lands must not be another dot.
        let land = d.wrapping_add(pp << 1) & !d;
        if land & p & upto != 0 {
            return None;
        }
        let int_start = dd & !((d | p) << 1);
        if int_start & z & (d >> 1) != 0 {
            return None;
        }
        Some((commas, gap as usize, i + last as usize + gap as usize))
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = (buf, i);
        None
    }
}

/// A chunk boundary in an array: `pos` is the start of an element (nesting level 0 relative to the array);
/// returns the start of the element after the first `,` at level 0 found at or after `target` (whitespace
/// skipped), looking no further than `limit`. Structure only (strings with their escapes, brackets); `None`
/// when no such comma is found before `limit`, the end of the buffer or the end of the array. The caller
/// validates everything it prints; a boundary found here is where the full scanner finds one too whenever
/// the bytes before it are valid JSON.
///
/// 64 bytes at a time before `target`: quote, backslash and bracket masks, the in-string mask by prefix XOR of
/// the quotes, and the nesting level by popcounts (blocks holding a backslash are walked byte by byte).
pub fn array_boundary(buf: &[u8], pos: usize, target: usize, limit: usize) -> Option<usize> {
    let limit = limit.min(buf.len());
    let mut depth: i64 = 0;
    let mut in_str = false;
    let mut esc = false;
    let mut j = pos;
    #[cfg(target_arch = "x86_64")]
    while j + 64 <= target.min(limit) {
        let (q, b, o, c) = structure64(buf, j);
        if b != 0 || esc {
            for &x in &buf[j..j + 64] {
                step(x, &mut depth, &mut in_str, &mut esc);
                if depth < 0 {
                    return None;
                }
            }
        } else {
            let mut s = prefix_xor(q);
            if in_str {
                s = !s;
            }
            in_str = s >> 63 != 0;
            let (o, c) = (o & !s, c & !s);
            if depth < c.count_ones() as i64 {
                // The level might drop below 0 inside the block (the array's end): follow it in order.
                let mut bits = o | c;
                while bits != 0 {
                    let t = bits & bits.wrapping_neg();
                    depth += if o & t != 0 { 1 } else { -1 };
                    if depth < 0 {
                        return None;
                    }
                    bits ^= t;
                }
            } else {
                depth += o.count_ones() as i64 - c.count_ones() as i64;
            }
        }
        j += 64;
    }
    while j < limit {
        let x = buf[j];
        if x == b',' && depth == 0 && !in_str && j >= target {
            let mut k = j + 1;
            while k < buf.len() && matches!(buf[k], b' ' | b'\n' | b'\r' | b'\t') {
                k += 1;
            }
            return Some(k);
        }
        step(x, &mut depth, &mut in_str, &mut esc);
        if depth < 0 {
            return None;
        }
        j += 1;
    }
    None
}

/// One byte of the structural walk of `array_boundary`.
#[inline(always)]
fn step(x: u8, depth: &mut i64, in_str: &mut bool, esc: &mut bool) {
    if *in_str {
        if *esc {
            *esc = false;
        } else if x == b'\\' {
            *esc = true;
        } else if x == b'"' {
            *in_str = false;
        }
    } else {
        match x {
            b'"' => *in_str = true,
            b'[' | b'{' => *depth += 1,
            b']' | b'}' => *depth -= 1,
            _ => {}
        }
    }
}

/// Bit i set = byte i is inside a string (opening quote included) given the quote mask, when no quote is
/// escaped: the prefix XOR of the quotes.
#[inline(always)]
fn prefix_xor(mut x: u64) -> u64 {
    x ^= x << 1;
    x ^= x << 2;
    x ^= x << 4;
    x ^= x << 8;
    x ^= x << 16;
    x ^= x << 32;
    x
}

/// Masks of `"`, `\`, `[`/`{` and `]`/`}` over buf[j..j + 64] (the caller checks the bounds).
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn structure64(buf: &[u8], j: usize) -> (u64, u64, u64, u64) {
    use std::arch::x86_64::*;
    assert!(j + 64 <= buf.len());
    let (mut q, mut b, mut o, mut c) = (0u64, 0u64, 0u64, 0u64);
    // SAFETY: SSE2 is baseline on x86_64; the loads read buf[j..j + 64], inside `buf` (asserted).
    unsafe {
        for k in 0..4 {
            let v = _mm_loadu_si128(buf.as_ptr().add(j + 16 * k) as *const __m128i);
            // `[` | 0x20 == `{` and `]` | 0x20 == `}`; no other byte maps to either.
            let f = _mm_or_si128(v, _mm_set1_epi8(0x20));
            let bits = |x: __m128i| (_mm_movemask_epi8(x) as u32 as u64) << (16 * k);
            q |= bits(_mm_cmpeq_epi8(v, _mm_set1_epi8(b'"' as i8)));
            b |= bits(_mm_cmpeq_epi8(v, _mm_set1_epi8(b'\\' as i8)));
            o |= bits(_mm_cmpeq_epi8(f, _mm_set1_epi8(b'{' as i8)));
            c |= bits(_mm_cmpeq_epi8(f, _mm_set1_epi8(b'}' as i8)));
        }
    }
    (q, b, o, c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::scan::{scan_number, scan_string};

    fn pad(s: &str) -> Vec<u8> {
        let mut v = s.as_bytes().to_vec();
        v.extend_from_slice(&[b' '; 20]);
        v
    }

    #[test]
    fn plain_numbers_agree_with_the_scanner() {
        let accepted = [
            "0,",
            "-0]",
            "1 ",
            "12.5,",
            "-3.25]",
            "272.47, 1",
            "0.5,",
            "123456789012345,",
            "1-",
        ];
        for s in accepted {
            let b = pad(s);
            let fast = plain_number_end(&b, 0);
            if cfg!(target_arch = "x86_64") {
                assert!(fast.is_some(), "{s}");
            }
            if let Some(e) = fast {
                assert_eq!(Ok(e), scan_number(&b, 0).map_err(|e| e.offset), "{s}");
            }
        }
        let refused = [
            "01,",
            "-01",
            "1.,",
            ".5,",
            "-,",
            "-.5",
            "1e5,",
            "1E5",
            "1.5e3",
            "1..2",
            "1.2.3",
            "-",
            "0.1234567890123456",
            "1234567890123456",
        ];
        for s in refused {
            assert_eq!(plain_number_end(&pad(s), 0), None, "{s}");
        }
        // Too close to the end of the buffer: always the scanner.
        assert_eq!(plain_number_end(b"12, 3", 0), None);
    }

    #[test]
    fn plain_strings_agree_with_the_scanner() {
        for s in [
            "\"abc\"",
            "\"\"",
            "\"a long string of text, longer than sixteen bytes\"",
        ] {
            let b = pad(s);
            let fast = plain_string_end(&b, 0);
            if cfg!(target_arch = "x86_64") {
                assert_eq!(fast, Some(s.len()), "{s}");
            }
            assert_eq!(scan_string(&b, 0).ok().map(|r| r.0), Some(s.len()));
        }
        for s in [
            "\"a\\nb\"",
            "\"é\"",
            "\"a\tb\"",
            "\"a\x7fb\"",
            "\"abc",
            "\"0123456789abcdef0123456789\x01\"",
        ] {
            assert_eq!(plain_string_end(&pad(s), 0), None, "{s:?}");
        }
    }

    /// Short strings: the one-load length agrees with `plain_string_end` and the scanner.
    #[test]
    fn short_strings_agree_with_plain_strings() {
        let insides = [
            "",
            "a",
            "id",
            "segmentation",
            "0123456789abcde",
            "0123456789abcdef",
            "a\\b",
            "é",
            "a\u{7f}",
            "a\tb",
            "sp ace",
            "q\"",
            "/",
            "~}{",
        ];
        for inside in insides {
            for tail in ["\": 1", "\"", "\"}", "\" ,"] {
                let mut b = format!("\"{inside}{tail}").into_bytes();
                b.resize(b.len().max(32) + 20, b' ');
                let w: &[u8; 32] = b[..32].try_into().unwrap();
                let got = short_string_len(w);
                let plain = plain_string_end(&b, 0);
                if let Some(len) = got {
                    assert_eq!(plain, Some(len + 2), "{inside:?}");
                    assert_eq!(
                        scan_string(&b, 0).ok(),
                        Some((len + 2, false)),
                        "{inside:?}"
                    );
                } else if cfg!(target_arch = "x86_64") {
                    assert!(plain.is_none() || inside.len() > 15, "{inside:?}");
                }
            }
        }
    }

    /// The block rules against the exact scanner on random runs of near-numbers: whenever a block is accepted,
    /// every number in it must scan to exactly the next comma.
    #[test]
    fn number_blocks_agree_with_the_scanner() {
        let pieces = [
            "0", "1", "-1", "12.5", "0.25", "-0.5", "01", "1.", ".5", "-", "1.2.3", "1e5", "7",
            "-0", "00", "3.0", "10", "100.001", "--1", "1-2", "", "5..5",
        ];
        let mut rng = crate::testing::xorshift(0x2545F4914F6CDD1D);
        let mut rnd = |n: usize| (rng() % n as u64) as usize;
        let mut accepted = 0;
        for _ in 0..20_000 {
            let sep = [", ", ",", ", ", " ,", ",  "][rnd(5)];
            let mut s = String::new();
            for k in 0..(4 + rnd(20)) {
                if k > 0 {
                    s.push_str(if rnd(30) == 0 { ", " } else { sep });
                }
                s.push_str(pieces[rnd(pieces.len())]);
            }
            s.push_str(
                "]                                                                                ",
            );
            let b = s.as_bytes();
            if !matches!(b[0], b'-' | b'0'..=b'9') {
                continue;
            }
            if let Some((mut commas, gap, next)) = number_list_block(b, 0) {
                accepted += 1;
                let mut start = 0;
                while commas != 0 {
                    let comma = commas.trailing_zeros() as usize;
                    assert_eq!(scan_number(b, start).ok(), Some(comma), "{s:?} at {start}");
                    start = comma + gap;
                    commas &= commas - 1;
                }
                assert_eq!(start, next, "{s:?}");
                assert!(matches!(b[next], b'-' | b'0'..=b'9'), "{s:?}");
            }
        }
        if cfg!(target_arch = "x86_64") {
            assert!(accepted > 100, "{accepted}");
            let b = pad(
                "272.47, 275.06, -280.21, 0, 0.5, 278.87, 279.95, 284.99, 273.26, 288.13, 266.25]",
            );
            let (commas, gap, next) = number_list_block(&b, 0).expect("accepted");
            assert_eq!((commas.count_ones(), gap, next), (8, 2, 57));
        }
    }

    /// Boundaries found by blocks equal those of a byte-by-byte walk, on arrays with strings, escapes and nesting.
    #[test]
    fn array_boundaries_match_a_plain_walk() {
        let elems = [
            r#"{"a": [1, 2, {"b": "x]},{"}], "c": "q\"]"}"#,
            r#"[[1.5, 2.5], [3, 4]]"#,
            r#""a string, with \\ and \" inside""#,
            r#"{"segmentation": [[1, 2, 3, 4, 5, 6]], "area": 2.5, "iscrowd": 0}"#,
            "7",
        ];
        let mut doc = String::from("[");
        for k in 0..400 {
            if k > 0 {
                doc.push_str(if k % 3 == 0 { ",\n  " } else { ", " });
            }
            doc.push_str(elems[k % elems.len()]);
        }
        doc.push_str("], 1, 2");
        let b = doc.as_bytes();
        // The reference: every element start, by the exact scanner.
        let mut starts = vec![];
        let mut i = 1;
        loop {
            starts.push(i);
            let e = crate::json::scan::skip_value(b, i).expect("valid");
            let j = crate::json::scan::skip_ws(b, e);
            if b[j] != b',' {
                break;
            }
            i = crate::json::scan::skip_ws(b, j + 1);
        }
        // The boundary is the start of the element after the first separating comma at or after `target`.
        let comma_before = |st: usize| b[..st].iter().rposition(|&x| x == b',').expect("comma");
        for target in 1..b.len() {
            let want = starts[1..]
                .iter()
                .copied()
                .find(|&st| comma_before(st) >= target);
            assert_eq!(
                array_boundary(b, 1, target, b.len()),
                want,
                "target {target}"
            );
        }
        assert_eq!(array_boundary(b, 1, 1, 40), None);
    }
}
