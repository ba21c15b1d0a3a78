//! Shared helpers of the fuzz targets: a reference JSON reader (serde_json) that refuses duplicate keys, and
//! small byte-stream decoders that turn fuzzer input into structured values.
//!
//! Not here: the targets themselves (`fuzz_targets/*.rs`), and nothing of cocokit's.

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};
use std::fmt;

/// A `serde_json::Value` whose parse fails on a duplicate key in any object (serde_json keeps the last one).
pub struct Strict(pub Value);

impl<'de> Deserialize<'de> for Strict {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StrictVisitor).map(Strict)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Value, A::Error> {
        let mut v = Vec::new();
        while let Some(Strict(x)) = a.next_element()? {
            v.push(x);
        }
        Ok(Value::Array(v))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Value, A::Error> {
        let mut m = Map::new();
        while let Some(k) = a.next_key::<String>()? {
            let Strict(v) = a.next_value()?;
            if m.insert(k.clone(), v).is_some() {
                return Err(de::Error::custom(format!("duplicate key {k:?}")));
            }
        }
        Ok(Value::Object(m))
    }
}

/// The single JSON document in `b` (whitespace around it allowed), with no duplicate key anywhere; `None` when
/// serde_json refuses it (syntax, lone surrogates, numbers out of f64 range, nesting deeper than 128) or when an
/// object repeats a key.
pub fn strict_doc(b: &[u8]) -> Option<Value> {
    serde_json::from_slice::<Strict>(b).ok().map(|s| s.0)
}

/// Same as [`strict_doc`] but serde_json's ordinary reading (duplicate keys: the last wins).
pub fn lenient_doc(b: &[u8]) -> Option<Value> {
    serde_json::from_slice::<Value>(b).ok()
}

/// All whitespace-separated JSON values of `b`, strictly (see [`strict_doc`]); `None` if any fails.
pub fn strict_stream(b: &[u8]) -> Option<Vec<Value>> {
    let mut out = Vec::new();
    for r in serde_json::Deserializer::from_slice(b).into_iter::<Strict>() {
        out.push(r.ok()?.0);
    }
    Some(out)
}

/// Remove ANSI SGR sequences (`ESC [ ... m`).
pub fn strip_ansi(b: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == 0x1b && b.get(i + 1) == Some(&b'[') {
            let mut j = i + 2;
            while j < b.len() && b[j] != b'm' {
                j += 1;
            }
            i = j + 1;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    out
}

/// Whether every object in `v` has its keys in strictly increasing byte order (jq's `--sort-keys`).
pub fn keys_sorted(v: &Value) -> bool {
    match v {
        Value::Object(m) => {
            m.keys()
                .zip(m.keys().skip(1))
                .all(|(a, b)| a.as_bytes() < b.as_bytes())
                && m.values().all(keys_sorted)
        }
        Value::Array(a) => a.iter().all(keys_sorted),
        _ => true,
    }
}

/// Reads fuzzer bytes as a stream of small values; past the end everything reads as zero.
pub struct Bytes<'a> {
    pub data: &'a [u8],
    pub pos: usize,
}

impl<'a> Bytes<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Bytes { data, pos: 0 }
    }
    pub fn is_empty(&self) -> bool {
        self.pos >= self.data.len()
    }
    pub fn u8(&mut self) -> u8 {
        let b = self.data.get(self.pos).copied().unwrap_or(0);
        self.pos += 1;
        b
    }
    pub fn u16(&mut self) -> u16 {
        u16::from_le_bytes([self.u8(), self.u8()])
    }
    pub fn u32(&mut self) -> u32 {
        u32::from_le_bytes([self.u8(), self.u8(), self.u8(), self.u8()])
    }
    pub fn u64(&mut self) -> u64 {
        (self.u32() as u64) | ((self.u32() as u64) << 32)
    }
    /// The rest of the input.
    pub fn rest(&mut self) -> &'a [u8] {
        let r = self.data.get(self.pos..).unwrap_or(&[]);
        self.pos = self.data.len();
        r
    }
}

/// CRC-32 (IEEE), as PNG chunks use it.
pub fn crc32(parts: &[&[u8]]) -> u32 {
    let mut c = !0u32;
    for p in parts {
        for &b in *p {
            c ^= b as u32;
            for _ in 0..8 {
                c = if c & 1 != 0 {
                    0xEDB8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
            }
        }
    }
    !c
}

/// Rewrite the CRC of every complete chunk after the 8-byte PNG signature, so that mutations reach the decoder
/// instead of stopping at the checksum. Stops at the first chunk that does not fit.
pub fn fix_png_crcs(png: &mut [u8]) {
    let mut p = 8;
    while p + 12 <= png.len() {
        let len = u32::from_be_bytes([png[p], png[p + 1], png[p + 2], png[p + 3]]) as usize;
        let Some(end) = (p + 8).checked_add(len).filter(|&e| e + 4 <= png.len()) else {
            return;
        };
        let crc = crc32(&[&png[p + 4..end]]);
        png[end..end + 4].copy_from_slice(&crc.to_be_bytes());
        p = end + 4;
    }
}
