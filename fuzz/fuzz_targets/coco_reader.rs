//! The streaming COCO reader on arbitrary bytes: `Dataset::parse`, `parse_results`, `stats::compute` and
//! `filter::filter` (through `io::Input::from_bytes`).
//!
//! Checks, beyond "no panic, no hang":
//! - a dataset `Dataset::parse` accepts is accepted by `stats::compute`, with the same record counts, crowd,
//!   segmentation kinds, area buckets, unknown image/category references, images without annotations and other
//!   top-level keys as recomputed from the typed records; and by
//!   `filter` keeping every category id and every image: its output parses back to the same records;
//! - `filter` keeping the categories named like the first one keeps exactly the annotations of those ids, and
//!   its output is a dataset that parses;
//! - `parse_results` and `Dataset::parse` never both accept (an array vs an object); a results file
//!   `parse_results` accepts is accepted by `stats` with the same number of annotations.
#![no_main]

use cocokit::ops::filter::{filter, Selection};
use cocokit::coco::reader::{parse_results, Dataset, SegKind};
use cocokit::ops::stats::compute;
use cocokit::coco::Annotation;
use cocokit::io::Input;
use libfuzzer_sys::fuzz_target;
use std::collections::HashSet;

fn strip_offsets(anns: &[Annotation]) -> Vec<Annotation> {
    anns.iter()
        .map(|a| Annotation {
            offset: 0,
            ..a.clone()
        })
        .collect()
}

fn same_records(a: &Dataset, b: &Dataset, what: &str) {
    assert_eq!(a.images, b.images, "{what}: images");
    assert_eq!(a.categories, b.categories, "{what}: categories");
    assert_eq!(a.other, b.other, "{what}: other top-level keys");
    // f64 fields: NaN cannot occur (JSON has no NaN), so PartialEq is exact.
    assert_eq!(
        strip_offsets(&a.annotations),
        strip_offsets(&b.annotations),
        "{what}: annotations"
    );
}

fuzz_target!(|data: &[u8]| {
    let ds = Dataset::parse(data);
    let res = parse_results(data);
    assert!(
        !(ds.is_ok() && res.is_ok()),
        "both a dataset and a results file"
    );
    let input = Input::from_bytes("fuzz.json", data.to_vec());
    let st = compute(&input);

    if let Ok(res) = &res {
        let st = st
            .as_ref()
            .unwrap_or_else(|e| panic!("stats refuses a results file parse_results reads: {e}"));
        assert_eq!(st.layout, "results");
        assert_eq!(
            st.annotations,
            res.len() as u64,
            "stats: results annotations"
        );
        assert_eq!(st.images, 0);
    }
    let Ok(ds) = ds else {
        // Still exercise filter on whatever this is.
        let mut out = Vec::new();
        let _ = filter(
            &input,
            &Selection {
                cats: vec!["1".into()],
                ..Default::default()
            },
            &mut out,
        );
        return;
    };
    let st = st.unwrap_or_else(|e| panic!("stats refuses a dataset Dataset::parse reads: {e}"));
    assert_eq!(st.images, ds.images.len() as u64, "stats: images");
    assert_eq!(
        st.annotations,
        ds.annotations.len() as u64,
        "stats: annotations"
    );
    assert_eq!(
        st.categories,
        ds.categories.len() as u64,
        "stats: categories"
    );
    let crowd = ds.annotations.iter().filter(|a| a.is_crowd()).count() as u64;
    assert_eq!(st.crowd, crowd, "stats: crowd");
    // The rest of the statistics, recomputed from the typed records.
    let kinds = |k: SegKind| {
        ds.annotations
            .iter()
            .filter(|a| SegKind::of(a.segmentation.as_ref()) == k)
            .count() as u64
    };
    let seg = &st.segmentation;
    assert_eq!(
        [
            seg.polygon,
            seg.rle,
            seg.compressed_rle,
            seg.empty,
            seg.none
        ],
        [
            SegKind::Polygons,
            SegKind::Rle,
            SegKind::CompressedRle,
            SegKind::Empty,
            SegKind::None
        ]
        .map(kinds),
        "stats: segmentation kinds"
    );
    let area = |f: &dyn Fn(Option<f64>) -> bool| {
        ds.annotations.iter().filter(|a| f(a.area)).count() as u64
    };
    assert_eq!(
        [
            st.area.small,
            st.area.medium,
            st.area.large,
            st.area.unknown
        ],
        [
            area(&|a| a.is_some_and(|a| a < 1024.0)),
            area(&|a| a.is_some_and(|a| (1024.0..9216.0).contains(&a))),
            area(&|a| a.is_some_and(|a| a >= 9216.0)),
            area(&|a| a.is_none()),
        ],
        "stats: area buckets"
    );
    let img_ids: HashSet<i64> = ds.images.iter().map(|i| i.id).collect();
    let cat_ids: HashSet<i64> = ds.categories.iter().map(|c| c.id).collect();
    let ann_imgs: HashSet<i64> = ds.annotations.iter().map(|a| a.image_id).collect();
    let unknown_img = ds
        .annotations
        .iter()
        .filter(|a| !img_ids.contains(&a.image_id))
        .count() as u64;
    assert_eq!(
        st.unknown_image_refs, unknown_img,
        "stats: unknown image refs"
    );
    let unknown_cat = ds
        .annotations
        .iter()
        .filter(|a| a.category_id.is_some_and(|c| !cat_ids.contains(&c)))
        .count() as u64;
    assert_eq!(
        st.unknown_category_refs, unknown_cat,
        "stats: unknown category refs"
    );
    let without = ds
        .images
        .iter()
        .filter(|i| !ann_imgs.contains(&i.id))
        .count() as u64;
    assert_eq!(
        st.images_without_annotations, without,
        "stats: images without annotations"
    );
    let other: Vec<&String> = ds.other.iter().map(|(k, _)| k).collect();
    assert_eq!(
        st.other_keys.iter().collect::<Vec<_>>(),
        other,
        "stats: other keys"
    );

    if ds.categories.is_empty() {
        return;
    }
    // Keep everything (by id; skipped when an id token would resolve to a category by name instead).
    let id_tokens: HashSet<String> = ds.categories.iter().map(|c| c.id.to_string()).collect();
    if ds
        .categories
        .iter()
        .any(|c| id_tokens.contains(c.name.trim()))
    {
        return;
    }
    let all = Selection {
        cats: ds.categories.iter().map(|c| c.id.to_string()).collect(),
        supercats: vec![],
        keep_all_images: true,
        ..Default::default()
    };
    let mut out = Vec::new();
    match filter(&input, &all, &mut out) {
        Ok(rep) => {
            assert_eq!(rep.images, ds.images.len() as u64, "filter all: images");
            let back = Dataset::parse(&out).unwrap_or_else(|e| {
                panic!(
                    "filter output does not parse: {e}\n{}",
                    String::from_utf8_lossy(&out)
                )
            });
            // Annotations of categories that do not exist are dropped, everything else is kept.
            let ids: HashSet<i64> = ds.categories.iter().map(|c| c.id).collect();
            let mut want = ds.clone();
            want.annotations
                .retain(|a| a.category_id.is_some_and(|c| ids.contains(&c)));
            assert_eq!(
                rep.annotations,
                want.annotations.len() as u64,
                "filter all: annotations"
            );
            same_records(&back, &want, "filter keeping all");
        }
        Err(e) => panic!("filter keeping every category id fails: {e}"),
    }
    // Keep the categories named like the first one.
    let name = ds.categories[0].name.clone();
    if name.trim() != name || name.is_empty() {
        return;
    }
    let one = Selection {
        cats: vec![name.clone()],
        ..Default::default()
    };
    let mut out = Vec::new();
    let rep = filter(&input, &one, &mut out)
        .unwrap_or_else(|e| panic!("filter by the name {name:?} of a category fails: {e}"));
    let ids: HashSet<i64> = ds
        .categories
        .iter()
        .filter(|c| c.name == name)
        .map(|c| c.id)
        .collect();
    let back = Dataset::parse(&out).unwrap_or_else(|e| {
        panic!(
            "filter output does not parse: {e}\n{}",
            String::from_utf8_lossy(&out)
        )
    });
    let want: Vec<Annotation> = ds
        .annotations
        .iter()
        .filter(|a| a.category_id.is_some_and(|c| ids.contains(&c)))
        .cloned()
        .collect();
    assert_eq!(rep.annotations, want.len() as u64);
    assert_eq!(
        strip_offsets(&back.annotations),
        strip_offsets(&want),
        "filter by name: annotations"
    );
    assert!(
        back.categories.iter().all(|c| ids.contains(&c.id)),
        "filter by name: categories"
    );
    let img_ids: HashSet<i64> = want.iter().map(|a| a.image_id).collect();
    assert!(
        back.images.iter().all(|i| img_ids.contains(&i.id)),
        "filter by name: images"
    );
});
