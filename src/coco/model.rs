//! The COCO model: `Image`, `Annotation`, `Category`, `Segmentation`, as typed values.
//!
//! Records own their data (so they can cross rayon threads). Fields of a record that the model does not know
//! are kept verbatim in `extra` as (key, raw JSON text) pairs, so nothing is lost when a file is rewritten.
//! Numbers whose exact text matters for a rewrite are kept by the writer splicing the record's raw bytes, not
//! here. This module does not parse JSON (see `coco::reader`) nor do any mask arithmetic (see `mask`).

/// A COCO image record (`images[]`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Image {
    pub id: i64,
    pub width: u32,
    pub height: u32,
    pub file_name: String,
    /// Unknown keys (license, coco_url, date_captured, flickr_url, LVIS extras, ...): (key, raw JSON value).
    pub extra: Vec<(String, String)>,
}

/// A COCO category record (`categories[]`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Category {
    pub id: i64,
    pub name: String,
    pub supercategory: Option<String>,
    /// Unknown keys (keypoints, skeleton, LVIS synonyms, ...): (key, raw JSON value).
    pub extra: Vec<(String, String)>,
}

/// The `segmentation` field of an annotation, in the four shapes COCO files use.
#[derive(Debug, Clone, PartialEq)]
pub enum Segmentation {
    /// A list of polygons, each a flat list `[x1, y1, x2, y2, ...]` (pixel coordinates, may be fractional).
    Polygons(Vec<Vec<f64>>),
    /// Uncompressed RLE: `{"size": [h, w], "counts": [n0, n1, ...]}` (column-major runs, first run = zeros).
    Rle { h: u32, w: u32, counts: Vec<u32> },
    /// Compressed RLE: `{"size": [h, w], "counts": "<pycocotools string>"}`; the string is kept as bytes.
    CompressedRle { h: u32, w: u32, counts: Vec<u8> },
    /// `[]`: an empty list (common in box-only exports). pycocotools cannot rasterize it; cocokit paints nothing.
    Empty,
}

/// A COCO annotation record (`annotations[]`), or one detection of a results file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Annotation {
    /// `id`; absent in results files (pycocotools' `loadRes` numbers them from 1).
    pub id: Option<i64>,
    pub image_id: i64,
    /// `category_id`; absent in caption files.
    pub category_id: Option<i64>,
    pub segmentation: Option<Segmentation>,
    pub area: Option<f64>,
    /// `[x, y, w, h]`.
    pub bbox: Option<[f64; 4]>,
    /// `iscrowd` as written (0/1 in valid files; `validate` reports other values).
    pub iscrowd: Option<i64>,
    /// `score` (results files).
    pub score: Option<f64>,
    /// Unknown keys (keypoints, num_keypoints, caption, ...): (key, raw JSON value).
    pub extra: Vec<(String, String)>,
    /// Byte offset of the record's `{` in the input, for error messages.
    pub offset: u64,
}

impl Annotation {
    /// `iscrowd` as pycocotools reads it: absent counts as 0.
    pub fn is_crowd(&self) -> bool {
        self.iscrowd.unwrap_or(0) != 0
    }
    /// How to name this record in an error message.
    pub fn describe(&self) -> String {
        match self.id {
            Some(id) => format!("annotation id {id}"),
            None => format!("annotation at byte {}", self.offset),
        }
    }
}

/// The name of an image's own file in a directory of per-image files (`cocokit rasterize`'s label maps, the
/// label PNGs `eval miou` matches to images): the stem of its `file_name` (`000000000139.jpg` →
/// `000000000139`), or its id when that is empty.
pub fn image_stem(file_name: &str, id: i64) -> String {
    let base = std::path::Path::new(file_name)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    if base.is_empty() {
        id.to_string()
    } else {
        base
    }
}
