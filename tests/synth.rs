//! `cocokit synth`: deterministic, valid, realistic.

use crate::common::*;
use serde_json::Value;

#[test]
fn same_seed_same_bytes_and_a_realistic_dataset() {
    let w = Work::new();
    let a = w.path("a.json");
    ok([
        "synth",
        "--images",
        "300",
        "--seed",
        "3",
        "-o",
        a.to_str().expect("p"),
    ]);
    let b = ok(["synth", "--images", "300", "--seed", "3"]);
    assert_eq!(std::fs::read(&a).expect("read"), b);
    let c = ok(["synth", "--images", "300", "--seed", "4"]);
    assert_ne!(b, c);
    let st: Value =
        serde_json::from_slice(&ok(["stats", "--json", a.to_str().expect("p")])).expect("json");
    assert_eq!(st["images"], 300);
    assert_eq!(st["categories"], 80);
    let per_image = st["annotations"].as_f64().expect("n") / 300.0;
    assert!((6.0..8.6).contains(&per_image), "{per_image}");
    assert!(st["crowd"].as_u64().expect("crowd") > 0);
    assert_eq!(st["segmentation"]["rle"], st["crowd"]);
    // Real, non-contiguous COCO ids.
    let ids: Vec<i64> = st["per_category"]
        .as_array()
        .expect("a")
        .iter()
        .map(|c| c["id"].as_i64().expect("id"))
        .collect();
    assert_eq!(ids.first(), Some(&1));
    assert_eq!(ids.last(), Some(&90));
    let person = &st["per_category"][0];
    assert_eq!(person["name"], "person");
    assert!(
        person["annotations"].as_u64().expect("n")
            > st["per_category"][10]["annotations"].as_u64().expect("n")
    );
    // Every bucket is populated.
    for k in ["small", "medium", "large"] {
        assert!(st["area"][k].as_u64().expect("n") > 100, "{k}");
    }
}
