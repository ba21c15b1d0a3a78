//! `pycocotools._mask` on cocokit's `mask` module: RLE objects (`{"size": [h, w], "counts": bytes}`) to and
//! from [`Rle`], numpy arrays in and out. The argument dispatch of `pycocotools.mask` (which object is a
//! box, a polygon, an RLE) is mirrored in `cocokit/mask.py`; these functions receive the shapes it decided.
//!
//! Not here: any mask arithmetic (see the `cocokit::mask` crate module).

use cocokit::mask::polygon::{rle_from_polygon_with, PolyScratch};
use cocokit::mask::rle::{self, Rle};
use cocokit::mask::segmentation::rle_from_bbox;
use numpy::npyffi::NPY_ORDER;
use numpy::{
    PyArray1, PyArray2, PyArrayMethods, PyReadonlyArray1, PyReadonlyArray2, PyReadonlyArray3,
    PyUntypedArrayMethods,
};
use pyo3::exceptions::{PyOverflowError, PyTypeError, PyValueError};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyDict, PyInt, PyList, PyString};

use crate::err;

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(encode, m)?)?;
    m.add_function(wrap_pyfunction!(decode, m)?)?;
    m.add_function(wrap_pyfunction!(area, m)?)?;
    m.add_function(wrap_pyfunction!(to_bbox, m)?)?;
    m.add_function(wrap_pyfunction!(merge, m)?)?;
    m.add_function(wrap_pyfunction!(rle_iou, m)?)?;
    m.add_function(wrap_pyfunction!(rle_iou_lists, m)?)?;
    m.add_function(wrap_pyfunction!(bbox_iou, m)?)?;
    m.add_function(wrap_pyfunction!(fr_bbox, m)?)?;
    m.add_function(wrap_pyfunction!(fr_poly, m)?)?;
    m.add_function(wrap_pyfunction!(fr_uncompressed, m)?)?;
    Ok(())
}

/// A size (`h` or `w`) as cocokit keeps it: pycocotools takes any C `unsigned long`, cocokit 32 bits.
pub(crate) fn dim(v: &Bound<'_, PyAny>) -> PyResult<u32> {
    let v: u64 = v.extract()?;
    u32::try_from(v).map_err(|_| PyOverflowError::new_err(format!("mask size {v} is too large")))
}

/// IoU matrices of fewer cells are computed without releasing the GIL: on the small per-image,
/// per-category matrices of COCOeval, giving it up and taking it back costs more than the cells.
const DETACH_CELLS: usize = 64;

/// `{"size": [h, w], "counts": b"..."}` (pycocotools `_toString`), keys in its order.
pub(crate) fn rle_dict<'py>(py: Python<'py>, r: &Rle) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("size", PyList::new(py, [r.h, r.w])?)?;
    d.set_item("counts", PyBytes::new(py, &r.to_compressed()))?;
    Ok(d)
}

fn rle_list<'py>(py: Python<'py>, rles: &[Rle]) -> PyResult<Bound<'py, PyList>> {
    let out = PyList::empty(py);
    for r in rles {
        out.append(rle_dict(py, r)?)?;
    }
    Ok(out)
}

/// One compressed RLE object (pycocotools `_frString`): `counts` as `str` or `bytes`, `size` as `[h, w]`.
/// The string is checked (see `Rle::from_compressed`): a broken one raises where pycocotools would
/// compute garbage.
pub(crate) fn rle_from_obj(obj: &Bound<'_, PyAny>) -> PyResult<Rle> {
    let py = obj.py();
    // Interned keys: no string object made and hashed per lookup.
    let counts = obj.get_item(intern!(py, "counts"))?;
    let size = obj.get_item(intern!(py, "size"))?;
    let (h, w) = match size.cast_exact::<PyList>() {
        Ok(l) if l.len() == 2 => (dim(&l.get_item(0)?)?, dim(&l.get_item(1)?)?),
        _ => (dim(&size.get_item(0)?)?, dim(&size.get_item(1)?)?),
    };
    if let Ok(s) = counts.cast::<PyString>() {
        return Rle::from_compressed(h, w, s.to_cow()?.as_bytes()).map_err(err);
    }
    if let Ok(b) = counts.cast::<PyBytes>() {
        return Rle::from_compressed(h, w, b.as_bytes()).map_err(err);
    }
    Err(PyTypeError::new_err(format!(
        "expected bytes, {} found",
        counts.get_type().name()?
    )))
}

fn rles_from_objs(objs: &Bound<'_, PyAny>) -> PyResult<Vec<Rle>> {
    let mut out = Vec::with_capacity(objs.len().unwrap_or(0));
    for o in objs.try_iter()? {
        out.push(rle_from_obj(&o?)?);
    }
    Ok(out)
}

/// `_mask.encode`: a Fortran-ordered `uint8` array `h × w × n` to `n` RLE objects.
#[pyfunction]
fn encode<'py>(py: Python<'py>, mask: PyReadonlyArray3<'py, u8>) -> PyResult<Bound<'py, PyList>> {
    if !mask.is_fortran_contiguous() {
        return Err(PyValueError::new_err("ndarray is not Fortran contiguous"));
    }
    let shape = mask.shape();
    let (h, w, n) = (shape[0], shape[1], shape[2]);
    let (hh, ww) = (
        u32::try_from(h).map_err(|_| PyOverflowError::new_err("mask too large"))?,
        u32::try_from(w).map_err(|_| PyOverflowError::new_err("mask too large"))?,
    );
    let data = mask
        .as_slice()
        .map_err(|_| PyValueError::new_err("ndarray is not Fortran contiguous"))?;
    let a = h * w;
    let rles: Vec<Rle> = py
        .detach(|| {
            (0..n)
                .map(|i| Rle::encode_col_major(hh, ww, &data[i * a..(i + 1) * a]))
                .collect::<cocokit::Result<_>>()
        })
        .map_err(err)?;
    rle_list(py, &rles)
}

/// `_mask.decode`: RLE objects to a Fortran-ordered `uint8` array `h × w × n` (the size of the first).
#[pyfunction]
fn decode<'py>(py: Python<'py>, objs: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let rles = rles_from_objs(objs)?;
    let Some(first) = rles.first() else {
        return Err(PyValueError::new_err(
            "decode needs at least one RLE object (pycocotools reads past the end of an empty list)",
        ));
    };
    let (h, w) = (first.h, first.w);
    if let Some(r) = rles.iter().find(|r| (r.h, r.w) != (h, w)) {
        return Err(PyValueError::new_err(format!(
            "{}: masks of different sizes ({h}x{w} and {}x{}) cannot be decoded into one array",
            rle::INVALID_RLE,
            r.h,
            r.w
        )));
    }
    let a = h as usize * w as usize;
    let total = a
        .checked_mul(rles.len())
        .ok_or_else(|| PyOverflowError::new_err("masks too large to decode"))?;
    // A valid RLE of a huge size is a few bytes: refuse an allocation that cannot be made (MemoryError)
    // rather than abort the process, as pycocotools' malloc would crash it.
    let mut data: Vec<u8> = Vec::new();
    data.try_reserve_exact(total).map_err(|_| {
        pyo3::exceptions::PyMemoryError::new_err(format!(
            "cannot allocate {total} bytes to decode {} masks of {h}x{w}",
            rles.len()
        ))
    })?;
    let data = py.detach(|| {
        // One pass per mask: each run written with its value (memset), no zeroing first. Runs past
        // h·w are cut (from_compressed checked that they add up to it).
        for r in &rles {
            let end = data.len() + a;
            let mut v = 0u8;
            for &c in &r.counts {
                let n = (c as usize).min(end - data.len());
                data.resize(data.len() + n, v);
                v ^= 1;
            }
            data.resize(end, 0);
        }
        data
    });
    let arr = PyArray1::from_vec(py, data);
    let arr = arr.reshape_with_order(
        [h as usize, w as usize, rles.len()],
        NPY_ORDER::NPY_FORTRANORDER,
    )?;
    Ok(arr.into_any())
}

/// `_mask.area`: foreground pixels of each mask, `uint32` (pycocotools' `uint`: wraps at 2³²).
#[pyfunction]
fn area<'py>(py: Python<'py>, objs: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyArray1<u32>>> {
    let rles = rles_from_objs(objs)?;
    let a: Vec<u32> = rles.iter().map(|r| r.area() as u32).collect();
    Ok(PyArray1::from_vec(py, a))
}

/// `_mask.toBbox`: `n × 4` float64 boxes `[x, y, w, h]`.
#[pyfunction]
fn to_bbox<'py>(py: Python<'py>, objs: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let rles = rles_from_objs(objs)?;
    let v: Vec<f64> = rles.iter().flat_map(|r| r.to_bbox()).collect();
    Ok(PyArray1::from_vec(py, v)
        .reshape([rles.len(), 4])?
        .into_any())
}

/// `_mask.merge`: union (or intersection) of RLE objects as one RLE object.
#[pyfunction]
#[pyo3(signature = (objs, intersect = false))]
fn merge<'py>(
    py: Python<'py>,
    objs: &Bound<'py, PyAny>,
    intersect: bool,
) -> PyResult<Bound<'py, PyDict>> {
    let rles = rles_from_objs(objs)?;
    let m = py.detach(|| Rle::merge(&rles, intersect));
    rle_dict(py, &m)
}

/// An IoU matrix laid out as pycocotools returns it: `m × n`, Fortran order.
fn iou_array(py: Python<'_>, m: usize, n: usize, rowmajor: Vec<f64>) -> PyResult<Bound<'_, PyAny>> {
    let arr = PyArray2::<f64>::zeros(py, [m, n], true);
    {
        let mut rw = arr.readwrite();
        let f = rw
            .as_slice_mut()
            .map_err(|e| PyValueError::new_err(e.to_string()))?;
        for (d, row) in rowmajor.chunks_exact(n.max(1)).enumerate().take(m) {
            for (g, &v) in row.iter().enumerate() {
                f[d + g * m] = v;
            }
        }
    }
    Ok(arr.into_any())
}

/// `iou`'s common call in one native call: both sides non-empty lists of dicts (RLE objects) and
/// `pyiscrowd` a list of `bool`s or `int`s in `0..=255`, as long as `gt` — what COCOeval's `computeIoU`
/// passes. pycocotools' result for those (its `_preproc` takes such lists as RLEs, and
/// `np.array(pyiscrowd, dtype=np.uint8)` keeps the values). Anything else gives `None`: `cocokit/mask.py`
/// then dispatches, and raises, as pycocotools does.
#[pyfunction]
fn rle_iou_lists<'py>(
    py: Python<'py>,
    dt: &Bound<'py, PyAny>,
    gt: &Bound<'py, PyAny>,
    pyiscrowd: &Bound<'py, PyAny>,
) -> PyResult<Option<Bound<'py, PyAny>>> {
    let (Ok(dt), Ok(gt), Ok(crowd_list)) = (
        dt.cast_exact::<PyList>(),
        gt.cast_exact::<PyList>(),
        pyiscrowd.cast_exact::<PyList>(),
    ) else {
        return Ok(None);
    };
    let (m, n) = (dt.len(), gt.len());
    if m == 0 || n == 0 || crowd_list.len() != n {
        return Ok(None);
    }
    if !dt
        .iter()
        .chain(gt.iter())
        .all(|o| o.is_exact_instance_of::<PyDict>())
    {
        return Ok(None);
    }
    let mut crowd = Vec::with_capacity(n);
    for c in crowd_list.iter() {
        if c.is_exact_instance_of::<PyBool>() {
            crowd.push(c.is_truthy()?);
        } else if c.is_exact_instance_of::<PyInt>() {
            match c.extract::<u8>() {
                Ok(v) => crowd.push(v != 0),
                Err(_) => return Ok(None),
            }
        } else {
            return Ok(None);
        }
    }
    let parse = |l: &Bound<'py, PyList>| -> PyResult<Vec<Rle>> {
        let mut out = Vec::with_capacity(l.len());
        for o in l.iter() {
            out.push(rle_from_obj(&o)?);
        }
        Ok(out)
    };
    let (dt, gt) = (parse(dt)?, parse(gt)?);
    let v = if m * n >= DETACH_CELLS {
        py.detach(|| rle::iou(&dt, &gt, &crowd))
    } else {
        rle::iou(&dt, &gt, &crowd)
    };
    iou_array(py, m, n, v).map(Some)
}

/// `_mask.iou` on RLE objects (`rleIou`).
#[pyfunction]
fn rle_iou<'py>(
    py: Python<'py>,
    dt: &Bound<'py, PyAny>,
    gt: &Bound<'py, PyAny>,
    iscrowd: PyReadonlyArray1<'py, u8>,
) -> PyResult<Bound<'py, PyAny>> {
    let dt = rles_from_objs(dt)?;
    let gt = rles_from_objs(gt)?;
    let crowd: Vec<bool> = iscrowd.as_array().iter().map(|&c| c != 0).collect();
    let v = py.detach(|| rle::iou(&dt, &gt, &crowd));
    iou_array(py, dt.len(), gt.len(), v)
}

fn boxes(a: &PyReadonlyArray2<'_, f64>) -> PyResult<Vec<[f64; 4]>> {
    if a.shape()[1] != 4 {
        return Err(PyValueError::new_err(
            "numpy ndarray input is only for *bounding boxes* and should have Nx4 dimension",
        ));
    }
    Ok(a.as_array()
        .rows()
        .into_iter()
        .map(|r| [r[0], r[1], r[2], r[3]])
        .collect())
}

/// `_mask.iou` on `N × 4` float64 boxes (`bbIou`).
#[pyfunction]
fn bbox_iou<'py>(
    py: Python<'py>,
    dt: PyReadonlyArray2<'py, f64>,
    gt: PyReadonlyArray2<'py, f64>,
    iscrowd: PyReadonlyArray1<'py, u8>,
) -> PyResult<Bound<'py, PyAny>> {
    let (dt, gt) = (boxes(&dt)?, boxes(&gt)?);
    let crowd: Vec<bool> = iscrowd.as_array().iter().map(|&c| c != 0).collect();
    let v = py.detach(|| rle::bbox_iou(&dt, &gt, &crowd));
    iou_array(py, dt.len(), gt.len(), v)
}

/// `_mask.frBbox`: `N × 4` float64 boxes to RLE objects (`rleFrBbox`).
#[pyfunction]
fn fr_bbox<'py>(
    py: Python<'py>,
    bb: PyReadonlyArray2<'py, f64>,
    h: &Bound<'py, PyAny>,
    w: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyList>> {
    let (h, w) = (dim(h)?, dim(w)?);
    let bb = boxes(&bb)?;
    let rles: Vec<Rle> = py.detach(|| bb.iter().map(|b| rle_from_bbox(*b, h, w)).collect());
    rle_list(py, &rles)
}

/// A polygon as the flat coordinates pycocotools' `frPoly` reads: a list of numbers directly, anything
/// else through `numpy.array(p, dtype=float64, order="F")` in memory order, as its C code reads the buffer.
fn polygon(py: Python<'_>, p: &Bound<'_, PyAny>) -> PyResult<Vec<f64>> {
    if let Ok(v) = p.extract::<Vec<f64>>() {
        return Ok(v);
    }
    let np = py.import("numpy")?;
    let kw = PyDict::new(py);
    kw.set_item("dtype", np.getattr("float64")?)?;
    kw.set_item("order", "F")?;
    let arr = np.call_method("array", (p,), Some(&kw))?;
    let flat = arr.call_method1("ravel", ("K",))?;
    flat.extract::<Vec<f64>>()
}

/// `_mask.frPoly`: polygons (each a flat `[x1, y1, x2, y2, ...]`) to RLE objects (`rleFrPoly`), using
/// `len(p) // 2` points of each, as pycocotools does.
#[pyfunction]
fn fr_poly<'py>(
    py: Python<'py>,
    polys: &Bound<'py, PyAny>,
    h: &Bound<'py, PyAny>,
    w: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyList>> {
    let (h, w) = (dim(h)?, dim(w)?);
    let mut xys = Vec::new();
    for p in polys.try_iter()? {
        let p = p?;
        let k = p.len()? / 2;
        let mut xy = polygon(py, &p)?;
        xy.truncate(2 * k);
        if xy.len() < 2 * k {
            return Err(PyValueError::new_err(
                "polygon has fewer coordinates than its length",
            ));
        }
        xys.push(xy);
    }
    let rles: Vec<Rle> = py.detach(|| {
        let mut scratch = PolyScratch::default();
        xys.iter()
            .map(|xy| rle_from_polygon_with(xy, h, w, &mut scratch))
            .collect()
    });
    rle_list(py, &rles)
}

/// `_mask.frUncompressedRLE`: `{"size": [h, w], "counts": [n0, n1, ...]}` to compressed RLE objects. As in
/// pycocotools the counts are taken as given (`numpy.array(counts, dtype=uint32)`) and the object's own
/// size is used; `h` and `w` are not looked at.
#[pyfunction]
fn fr_uncompressed<'py>(
    py: Python<'py>,
    objs: &Bound<'py, PyAny>,
    h: &Bound<'py, PyAny>,
    w: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyList>> {
    let _ = (dim(h)?, dim(w)?);
    let out = PyList::empty(py);
    for o in objs.try_iter()? {
        let o = o?;
        let c = o.get_item("counts")?;
        let counts: Vec<u32> = match c.extract::<Vec<u32>>() {
            Ok(v) => v,
            Err(_) => {
                let np = py.import("numpy")?;
                np.call_method1("array", (c, np.getattr("uint32")?))?
                    .call_method0("ravel")?
                    .extract()?
            }
        };
        let size = o.get_item("size")?;
        let r = Rle {
            h: dim(&size.get_item(0)?)?,
            w: dim(&size.get_item(1)?)?,
            counts,
        };
        out.append(rle_dict(py, &r)?)?;
    }
    Ok(out)
}
