//! JSON text to Python objects, built directly (no intermediate tree, no `json` module): what `json.load`
//! returns, for `COCO(path)` and `loadRes(path)`.
//!
//! Dicts keep the file's key order, integers stay `int` and numbers with a fraction or exponent become
//! `float` (correctly rounded, as Python's `float()`), `null` is `None`; dict keys are interned, as the
//! `json` module memoizes them, so millions of annotations share one `"segmentation"` string. The file is
//! read with the GIL released.
//!
//! Not here: any COCO semantics (the package's `COCO` class indexes the result as pycocotools does).

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyFloat, PyInt, PyList, PyString};
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::msg;

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(load_json, m)?)?;
    m.add_function(wrap_pyfunction!(loads_json, m)?)?;
    Ok(())
}

/// Reads `path` (a `str` or `os.PathLike`) and returns its JSON value as Python objects.
#[pyfunction]
fn load_json<'py>(py: Python<'py>, path: std::path::PathBuf) -> PyResult<Bound<'py, PyAny>> {
    let bytes = py.detach(|| std::fs::read(&path))?;
    parse(py, &bytes).map_err(|e| msg(format!("{}: {e}", path.display())))
}

/// The JSON value of `data` (`bytes` or `str`) as Python objects.
#[pyfunction]
fn loads_json<'py>(py: Python<'py>, data: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let r = if let Ok(s) = data.cast::<PyString>() {
        parse(py, s.to_cow()?.as_bytes())
    } else {
        let b: Vec<u8> = data.extract()?;
        parse(py, &b)
    };
    r.map_err(|e| msg(e.to_string()))
}

pub(crate) fn parse<'py>(py: Python<'py>, bytes: &[u8]) -> serde_json::Result<Bound<'py, PyAny>> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let keys = KeyCache::default();
    let v = Value(py, &keys).deserialize(&mut de)?;
    de.end()?;
    Ok(v)
}

/// The dict keys seen so far (a COCO file has a few dozen distinct ones, repeated millions of times):
/// each is decoded and interned once.
#[derive(Default)]
struct KeyCache(RefCell<HashMap<Box<str>, Py<PyString>>>);

/// Distinct keys kept at most; past that, keys are interned by Python on each use.
const KEY_CACHE_MAX: usize = 4096;

/// Builds one JSON value as a Python object.
#[derive(Clone, Copy)]
struct Value<'py, 'k>(Python<'py>, &'k KeyCache);

/// Builds a dict key as an interned Python string.
#[derive(Clone, Copy)]
struct Key<'py, 'k>(Python<'py>, &'k KeyCache);

fn py_err<E: de::Error>(e: PyErr) -> E {
    E::custom(e.to_string())
}

impl<'de, 'py> DeserializeSeed<'de> for Value<'py, '_> {
    type Value = Bound<'py, PyAny>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, 'py> DeserializeSeed<'de> for Key<'py, '_> {
    type Value = Bound<'py, PyString>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de, 'py> Visitor<'de> for Key<'py, '_> {
    type Value = Bound<'py, PyString>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string key")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        let py = self.0;
        let mut cache = self.1 .0.borrow_mut();
        if let Some(k) = cache.get(v) {
            return Ok(k.bind(py).clone());
        }
        let k = PyString::intern(py, v);
        if cache.len() < KEY_CACHE_MAX {
            cache.insert(v.into(), k.clone().unbind());
        }
        Ok(k)
    }
}

impl<'de, 'py> Visitor<'de> for Value<'py, '_> {
    type Value = Bound<'py, PyAny>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(pyo3::types::PyBool::new(self.0, v).to_owned().into_any())
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(PyInt::new(self.0, v).into_any())
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(PyInt::new(self.0, v).into_any())
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(PyFloat::new(self.0, v).into_any())
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(PyString::new(self.0, v).into_any())
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(self.0.None().into_bound(self.0))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(v) = seq.next_element_seed(self)? {
            items.push(v);
        }
        PyList::new(self.0, items)
            .map(|l| l.into_any())
            .map_err(py_err)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let d = PyDict::new(self.0);
        while let Some(k) = map.next_key_seed(Key(self.0, self.1))? {
            let v = map.next_value_seed(self)?;
            d.set_item(k, v).map_err(py_err)?;
        }
        Ok(d.into_any())
    }
}
