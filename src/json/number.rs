//! Plain decimal numbers (`-?int(.frac)?`, at most 19 digits, no exponent) parsed straight from bytes to
//! the same double as `str::parse` gives — the shape of nearly every number in COCO files (coordinates,
//! areas, scores), at a fraction of the cost of the general parser.
//!
//! Not here: validation of the JSON number grammar or any other number shape (exponents, more digits):
//! callers fall back to [`crate::json::scan`] and `str::parse` whenever `decimal` returns `None`.

/// Powers of ten exactly representable as doubles.
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// The ASCII digits from `i` on, accumulated into `acc` (wrapping: callers bound the count); returns the
/// index after them.
#[inline(always)]
fn digits(buf: &[u8], mut i: usize, acc: &mut u64) -> usize {
    while let Some(&b) = buf.get(i) {
        let d = b.wrapping_sub(b'0');
        if d >= 10 {
            break;
        }
        *acc = acc.wrapping_mul(10).wrapping_add(d as u64);
        i += 1;
    }
    i
}

/// Parse the JSON number at `i` if it is a plain decimal of at most 19 digits: `(value, end)`.
///
/// When the digits fit in 2⁵³ and there are at most 22 after the point, `digits / 10^frac` is one
/// correctly rounded division of two exact doubles, hence the same double as a correct parser gives;
/// otherwise the text goes to `str::parse`.
#[inline]
pub(crate) fn decimal(buf: &[u8], mut i: usize) -> Option<(f64, usize)> {
    let neg = buf.get(i) == Some(&b'-');
    i += neg as usize;
    let s = i;
    let mut m: u64 = 0;
    i = digits(buf, i, &mut m);
    let int_digits = i - s;
    if int_digits == 0 || (int_digits > 1 && buf[s] == b'0') {
        return None;
    }
    let mut frac = 0usize;
    if buf.get(i) == Some(&b'.') {
        i += 1;
        let f = i;
        i = digits(buf, i, &mut m);
        frac = i - f;
        if frac == 0 {
            return None;
        }
    }
    if matches!(buf.get(i), Some(b'e' | b'E')) || int_digits + frac > 19 {
        return None;
    }
    let v = if m <= 1 << 53 && frac < POW10.len() {
        // m <= 2⁵³ < 2⁶³: one conversion instruction from i64, several from u64.
        m as i64 as f64 / POW10[frac]
    } else {
        // Validated above: ASCII digits, '-' and '.'.
        std::str::from_utf8(&buf[s..i]).ok()?.parse::<f64>().ok()?
    };
    Some((if neg { -v } else { v }, i))
}

/// [`json_decimal`] for the numbers of a coordinate list, with less checking per byte: at most 15 digits
/// (so the digits are an exact double below 10¹⁵ and [`decimal`]'s division applies), and the number
/// plus the byte after it within the 24 bytes from `j`. `None` for anything else, which [`json_decimal`]
/// handles (or reports). The same grammar and the same double as [`json_decimal`].
#[inline(always)]
pub(crate) fn list_decimal(buf: &[u8], j: usize) -> Option<(f64, usize)> {
    let w: &[u8; 24] = buf.get(j..j + 24)?.try_into().ok()?;
    let neg = w[0] == b'-';
    let s = usize::from(neg);
    let head: &[u8; 8] = w[s..s + 8].try_into().ok()?;
    if let Some((m, n2, k)) = short_decimal(head) {
        // The same division as below (m < 10⁷).
        let v = m as i64 as f64 / POW10[n2];
        return Some((if neg { -v } else { v }, j + s + k));
    }
    list_decimal_bytewise(w, neg, s, j)
}

/// A number of at most 7 digits, point included, that ends within the 8 bytes `b` (the usual coordinate,
/// `251.78`), read without a loop over its bytes: `(digits as an integer, digits after the point, end)`.
/// `None` for anything else (longer numbers, a leading zero, no digit, a byte after it that could
/// continue a number), which [`list_decimal_bytewise`] decides.
#[inline(always)]
fn short_decimal(b: &[u8; 8]) -> Option<(u64, usize, usize)> {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // Each byte minus '0' (as xor: digits become 0..=9); a byte is not a digit when that is above 9
    // (adding 0x76 sets its top bit, without a carry into the next byte) or its top bit is set.
    let v = u64::from_le_bytes(*b) ^ 0x3030_3030_3030_3030;
    let not_digit = (((v & LOW7) + 0x7676_7676_7676_7676) | v) & HIGH;
    if not_digit == 0 {
        return None;
    }
    let p1 = (not_digit.trailing_zeros() / 8) as usize; // integer digits
    if p1 == 0 || (p1 > 1 && b[0] == b'0') {
        return None;
    }
    let (digits, n, n2, end) = if b[p1] == b'.' {
        if p1 >= 6 {
            return None;
        }
        let rest = not_digit & (u64::MAX << (8 * p1 + 8));
        if rest == 0 {
            return None;
        }
        let p2 = (rest.trailing_zeros() / 8) as usize;
        let n2 = p2 - p1 - 1;
        if n2 == 0 {
            return None;
        }
        let int = v & ((1u64 << (8 * p1)) - 1);
        let frac = (v >> (8 * (p1 + 1))) & ((1u64 << (8 * n2)) - 1);
        (int | (frac << (8 * p1)), p1 + n2, n2, p2)
    } else {
        (v & ((1u64 << (8 * p1)) - 1), p1, 0, p1)
    };
    if CONTINUES_NUMBER[usize::from(b[end])] {
        return None;
    }
    // The n digit bytes, first digit lowest, moved up to the top of the word (zeros before them), then
    // combined pairwise: 8 digits → 4 of 2 → 2 of 4 → 1 of 8.
    let mut d = digits << (8 * (8 - n));
    d = (d.wrapping_mul(10).wrapping_add(d >> 8)) & 0x00ff_00ff_00ff_00ff;
    d = (d.wrapping_mul(100).wrapping_add(d >> 16)) & 0x0000_ffff_0000_ffff;
    d = (d.wrapping_mul(10_000).wrapping_add(d >> 32)) & 0xffff_ffff;
    Some((d, n2, end))
}

/// [`list_decimal`] byte by byte (`s`: 1 after a minus sign).
#[inline(always)]
fn list_decimal_bytewise(w: &[u8; 24], neg: bool, s: usize, j: usize) -> Option<(f64, usize)> {
    let mut k = s;
    let mut m: u64 = 0;
    // Digits are looked for in the first 20 bytes only (the window's bound is the loop's): a number
    // running past them is refused below, as are more than 15 digits (whose wrapped sum is never used).
    let digit_bytes = &w[..20];
    k = digits(digit_bytes, k, &mut m);
    let n1 = k - s;
    if n1 == 0 || (n1 > 1 && w[s] == b'0') {
        return None;
    }
    let mut n2 = 0;
    if w[k] == b'.' {
        let f = k + 1;
        k = digits(digit_bytes, f, &mut m);
        n2 = k - f;
        if n2 == 0 {
            return None;
        }
    }
    if n1 + n2 > 15 || CONTINUES_NUMBER[usize::from(w[k])] {
        return None;
    }
    // m < 10¹⁵ < 2⁶³ (one conversion instruction from i64, several from u64); n2 <= 15.
    let v = m as i64 as f64 / POW10[n2 & 15];
    Some((if neg { -v } else { v }, j + k))
}

/// The bytes that may continue a JSON number (after which a number is not over): digits, `.`, `e`, `E`,
/// `+`, `-`.
const CONTINUES_NUMBER: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = b'0';
    while b <= b'9' {
        t[b as usize] = true;
        b += 1;
    }
    t[b'.' as usize] = true;
    t[b'e' as usize] = true;
    t[b'E' as usize] = true;
    t[b'+' as usize] = true;
    t[b'-' as usize] = true;
    t
};

/// [`decimal`] when the number also ends there for the JSON scanner: `None` when the byte after it could
/// continue a number (`e`, `.`, a sign, a digit after a leading zero...), which the general path handles
/// (or reports).
#[inline]
pub(crate) fn json_decimal(buf: &[u8], i: usize) -> Option<(f64, usize)> {
    let (v, end) = decimal(buf, i)?;
    match buf.get(end) {
        Some(b'0'..=b'9' | b'.' | b'e' | b'E' | b'+' | b'-') => None,
        _ => Some((v, end)),
    }
}

/// A plain JSON integer at `i` (`-?digits`, at most 18 digits, no leading zero) that ends there for the
/// scanner (see [`json_decimal`]): `(value, end)`. Anything else is `None`, for the general path.
#[inline]
pub(crate) fn json_int(buf: &[u8], mut i: usize) -> Option<(i64, usize)> {
    let neg = buf.get(i) == Some(&b'-');
    i += neg as usize;
    let s = i;
    let mut v: u64 = 0;
    i = digits(buf, i, &mut v);
    let n = i - s;
    if n == 0 || n > 18 || (n > 1 && buf[s] == b'0') {
        return None;
    }
    // At most 18 digits: below 10^18 < 2^63.
    let v = v as i64;
    match buf.get(i) {
        Some(b'.' | b'e' | b'E' | b'+' | b'-') => None,
        _ => Some((if neg { -v } else { v }, i)),
    }
}

/// The end of the number at `i` if `decimal` would parse it (same grammar, no conversion).
#[inline]
pub(crate) fn skip_decimal(buf: &[u8], mut i: usize) -> Option<usize> {
    i += (buf.get(i) == Some(&b'-')) as usize;
    let s = i;
    while buf.get(i).is_some_and(u8::is_ascii_digit) {
        i += 1;
    }
    let int_digits = i - s;
    if int_digits == 0 || (int_digits > 1 && buf[s] == b'0') {
        return None;
    }
    let mut frac = 0;
    if buf.get(i) == Some(&b'.') {
        i += 1;
        let f = i;
        while buf.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        frac = i - f;
        if frac == 0 {
            return None;
        }
    }
    if matches!(buf.get(i), Some(b'e' | b'E')) || int_digits + frac > 19 {
        return None;
    }
    Some(i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_int_equals_str_parse() {
        for t in [
            "0",
            "-0",
            "7",
            "42",
            "-42",
            "123456789012345678",
            "-123456789012345678",
            "1234567890123456789",
            "01",
            "-",
            "",
            "1.0",
            "1e3",
            "1-",
            "9,",
            "12]",
            "5 ",
        ] {
            let digits = t.trim_start_matches('-');
            let len = digits.bytes().take_while(u8::is_ascii_digit).count();
            let rest = &digits[len..];
            let want = (len > 0
                && len <= 18
                && !(len > 1 && digits.starts_with('0'))
                && !rest.starts_with(['.', 'e', 'E', '+', '-']))
            .then(|| t[..t.len() - rest.len()].parse::<i64>().ok())
            .flatten()
            .map(|v| (v, t.len() - rest.len()));
            assert_eq!(json_int(t.as_bytes(), 0), want, "{t}");
        }
    }

    #[test]
    fn decimal_equals_str_parse() {
        for t in [
            "0",
            "-0",
            "1",
            "272.47",
            "-3.25",
            "0.1",
            "0.30000000000000004",
            "123456789012345678",
            "9007199254740993",
            "1234567890.123456789",
            "0.000000000000000000001",
            "640",
            "1e5",
            "01",
            "1.",
            "-",
            ".5",
            "1.5e3",
        ] {
            let want: Option<f64> = t.parse().ok().filter(|_| {
                !t.contains(['e', 'E'])
                    && !t.starts_with("01")
                    && !t.ends_with('.')
                    && t != "-"
                    && !t.starts_with('.')
                    // more than 19 digits: left to the reader
                    && t.bytes().filter(u8::is_ascii_digit).count() <= 19
            });
            let got = decimal(t.as_bytes(), 0).map(|(v, e)| {
                assert_eq!(e, t.len(), "{t}");
                v
            });
            assert_eq!(skip_decimal(t.as_bytes(), 0), got.map(|_| t.len()), "{t}");
            assert_eq!(got.map(f64::to_bits), want.map(f64::to_bits), "{t}");
        }
        // The list path: the same as json_decimal wherever it takes a number, and it takes the usual ones.
        for t in [
            "0,",
            "-0,",
            "1]",
            "12,",
            "272.47, ",
            "-3.25]",
            "0.1,",
            "640,",
            "123456789012345,",
            "1234567890123456,",
            "12345.6789012345,",
            "01,",
            "00.5,",
            "1.,",
            "1.e5,",
            "1e5,",
            "-,",
            ".5,",
            "1.5.2,",
            "1+2,",
            "1-2,",
            "7\n",
            "7 ,",
            "99999999999999999999999,",
        ] {
            let text = format!("{t}{}", " ".repeat(24));
            let b = text.as_bytes();
            match list_decimal(b, 0) {
                Some((v, end)) => {
                    let (w, e2) = json_decimal(b, 0).expect("json_decimal takes it too");
                    assert_eq!((v.to_bits(), end), (w.to_bits(), e2), "{t:?}");
                }
                None => {
                    let digits = t.bytes().filter(u8::is_ascii_digit).count();
                    assert!(json_decimal(b, 0).is_none() || digits > 15, "{t:?} refused");
                }
            }
        }
        // Short numbers in any company: the word-at-a-time path decides as the byte loop does.
        let mut x: u64 = 0x0fed_cba9_8765_4321;
        let alphabet = b"0123456789012345678901234567890123456789.-e,] ";
        for _ in 0..300_000 {
            let mut w = [b' '; 24];
            for b in w.iter_mut().take(10) {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                *b = alphabet[(x % alphabet.len() as u64) as usize];
            }
            let neg = w[0] == b'-';
            let s = usize::from(neg);
            let got = list_decimal(&w, 0).map(|(v, e)| (v.to_bits(), e));
            let want = list_decimal_bytewise(&w, neg, s, 0).map(|(v, e)| (v.to_bits(), e));
            assert_eq!(got, want, "{:?}", String::from_utf8_lossy(&w));
        }
        // Random decimals: bit-identical with the standard library's parser.
        let mut x: u64 = 0x1234_5678_9abc_def0;
        for _ in 0..200_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let int = x % 100_000;
            let frac_len = (x >> 20) % 15; // at most 19 digits in all
            let frac = (x >> 30) % 10u64.pow(frac_len as u32).max(1);
            let t = if frac_len == 0 {
                format!("{int}")
            } else {
                format!("{int}.{frac:0width$}", width = frac_len as usize)
            };
            let want: f64 = t.parse().unwrap();
            let (got, _) = decimal(t.as_bytes(), 0).unwrap();
            assert_eq!(got.to_bits(), want.to_bits(), "{t}");
            let padded = format!("{t}, {}", " ".repeat(24));
            let list = list_decimal(padded.as_bytes(), 0).map(|(v, e)| (v.to_bits(), e));
            if t.bytes().filter(u8::is_ascii_digit).count() <= 15 {
                assert_eq!(list, Some((want.to_bits(), t.len())), "{t}");
            } else {
                assert_eq!(list, None, "{t}");
            }
        }
    }
}
