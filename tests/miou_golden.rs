//! Golden parity of semantic mIoU: cocokit's `eval::miou` against the numpy re-implementations of mmsegmentation,
//! detectron2 and the ADE20K script in `scripts/golden_miou.py` (outputs in `fixtures/golden/miou/*.json`), on
//! the synthetic label-map PNGs committed next to them and on the real ADE20K sample in `../shared/data`.

use std::path::{Path, PathBuf};

use cocokit::eval::miou::{
    evaluate_png_dirs, report, AbsentAs, Convention, MeanOver, MiouOptions, MiouResult,
};
use serde_json::Value;

const TOL: f64 = 1e-12;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn golden(case: &str) -> Value {
    let p = root()
        .join("fixtures/golden/miou")
        .join(format!("{case}.json"));
    serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap()
}

fn ade_dir() -> PathBuf {
    root().join("../shared/data/ade20k-sample")
}

fn dirs(case: &str) -> (PathBuf, PathBuf) {
    if case == "ade20k_sample" {
        let d = ade_dir().join("sampleData");
        (d.join("annotations"), d.join("predictions"))
    } else {
        let d = root().join("fixtures/golden/miou").join(case);
        (d.join("gt"), d.join("pred"))
    }
}

fn close(what: &str, got: f64, want: &Value) {
    match want.as_f64() {
        None => assert!(got.is_nan(), "{what}: got {got}, want null (NaN)"),
        Some(w) => assert!(
            (got - w).abs() <= TOL,
            "{what}: got {got}, want {w} (diff {})",
            (got - w).abs()
        ),
    }
}

fn options(g: &Value, convention: Convention) -> MiouOptions {
    MiouOptions {
        num_classes: Some(g["num_classes"].as_u64().unwrap() as usize),
        ignore_index: g["ignore_index"].as_u64().unwrap() as u32,
        reduce_zero_label: g["reduce_zero_label"].as_bool().unwrap(),
        convention,
        ..Default::default()
    }
}

fn check_case(case: &str) {
    let g = golden(case);
    let (gt, pred) = dirs(case);
    let mut checked = 0;
    for (name, want) in g["conventions"].as_object().unwrap() {
        let convention = Convention::from_name(name).unwrap();
        let r = evaluate_png_dirs(&gt, &pred, &options(&g, convention)).unwrap();
        assert_eq!(r.convention, name.as_str());
        check_result(&format!("{case}/{name}"), &r, &g, want);
        checked += 1;
    }
    assert_eq!(checked, 4, "{case}: every convention has golden numbers");
}

fn check_result(ctx: &str, r: &MiouResult, g: &Value, want: &Value) {
    assert_eq!(r.images, g["images"].as_u64().unwrap(), "{ctx}: images");
    let missing: Vec<&str> = g["missing_predictions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(r.missing_predictions, missing, "{ctx}: missing predictions");
    assert_eq!(
        r.ignored_pixels,
        g["ignored_pixels"].as_u64().unwrap(),
        "{ctx}: ignored"
    );
    assert_eq!(
        r.unpredicted_pixels,
        g["unpredicted_pixels"].as_u64().unwrap(),
        "{ctx}: unpredicted"
    );
    for (key, got) in [
        ("miou", r.miou),
        ("macc", r.macc),
        ("mdice", r.mdice),
        ("aacc", r.aacc),
        ("fwiou", r.fwiou),
        ("mprecision", r.mprecision),
        ("mfscore", r.mfscore),
    ] {
        close(&format!("{ctx}: {key}"), got, &want[key]);
    }
    let n = g["num_classes"].as_u64().unwrap() as usize;
    assert_eq!(r.per_class.len(), n);
    for (c, m) in r.per_class.iter().enumerate() {
        assert_eq!(
            m.gt_pixels,
            g["gt_pixels"][c].as_u64().unwrap(),
            "{ctx}: class {c} gt pixels"
        );
        assert_eq!(
            m.pred_pixels,
            g["pred_pixels"][c].as_u64().unwrap(),
            "{ctx}: class {c} pred pixels"
        );
        let pc = &want["per_class"];
        close(&format!("{ctx}: class {c} iou"), m.iou, &pc["iou"][c]);
        close(&format!("{ctx}: class {c} acc"), m.acc, &pc["acc"][c]);
        close(&format!("{ctx}: class {c} dice"), m.dice, &pc["dice"][c]);
        close(
            &format!("{ctx}: class {c} precision"),
            m.precision,
            &pc["precision"][c],
        );
        close(
            &format!("{ctx}: class {c} fscore"),
            m.fscore,
            &pc["fscore"][c],
        );
    }
    if let Some(conf) = g.get("confusion") {
        for (row, want_row) in conf.as_array().unwrap().iter().enumerate() {
            let want_row: Vec<u64> = want_row
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_u64().unwrap())
                .collect();
            assert_eq!(
                r.confusion.row(row),
                want_row.as_slice(),
                "{ctx}: confusion row {row}"
            );
        }
    }
}

#[test]
fn golden_synth_basic() {
    check_case("synth_basic");
}

#[test]
fn golden_synth_detectron2_verbatim() {
    // No "no prediction" pixels: the detectron2 numbers are its formulas verbatim.
    assert_eq!(golden("synth_d2")["detectron2_extension"], false);
    check_case("synth_d2");
}

#[test]
fn golden_synth_wide16() {
    check_case("synth_wide16");
}

#[test]
fn golden_synth_palette_reduce_zero_label() {
    check_case("synth_palette_reduce");
}

#[test]
fn golden_synth_perfect() {
    check_case("synth_perfect");
}

#[test]
fn golden_ade20k_sample() {
    check_case("ade20k_sample");
}

fn ade(convention: Convention) -> MiouResult {
    let (gt, pred) = dirs("ade20k_sample");
    let opts = MiouOptions {
        num_classes: Some(150),
        reduce_zero_label: true,
        convention,
        ..Default::default()
    };
    evaluate_png_dirs(&gt, &pred, &opts).unwrap()
}

/// The numbers the ADE20K benchmark publishes for its sample (PUBLISHED_EXPECTED.json), and each switch.
#[test]
fn ade20k_published_numbers_and_switches() {
    let published: Value = serde_json::from_str(
        &std::fs::read_to_string(ade_dir().join("PUBLISHED_EXPECTED.json")).unwrap(),
    )
    .unwrap();
    let want_miou = published["published"]["Mean IoU over 150 classes"]
        .as_f64()
        .unwrap();
    let want_pacc = published["published"]["Pixel-wise Accuracy"]
        .as_f64()
        .unwrap();

    // --absent-as zero: the ADE20K script.
    let r = ade(Convention {
        absent_as: AbsentAs::Zero,
        mean_over: MeanOver::All,
    });
    assert_eq!(r.convention, "ade20k");
    assert_eq!(format!("{:.4}", r.miou), format!("{want_miou:.4}"));
    assert!((r.miou - 0.1).abs() < 1e-15, "{}", r.miou);
    assert_eq!(r.aacc, want_pacc);
    assert_eq!(r.per_class.iter().filter(|c| c.iou == 1.0).count(), 15);
    assert_eq!(r.per_class.iter().filter(|c| c.iou == 0.0).count(), 135);
    assert!(r.missing_predictions.is_empty());
    assert!(r.ignored_pixels > 0);

    // Default (mmseg): absent classes are NaN and left out.
    let r = ade(Convention::default());
    assert_eq!(r.convention, "mmseg");
    assert_eq!((r.miou, r.macc, r.mdice, r.aacc), (1.0, 1.0, 1.0, 1.0));
    // fwIoU is a weighted sum of 15 IoUs of 1: 1 up to rounding (detectron2's numpy sum gives 0.9999999999999998).
    assert!((r.fwiou - 1.0).abs() < 1e-15, "{}", r.fwiou);
    assert_eq!(r.per_class.iter().filter(|c| c.iou.is_nan()).count(), 135);

    // --mean-over gt-present (detectron2): the same here, as every predicted class is in the ground truth.
    let r = ade(Convention::DETECTRON2);
    assert_eq!((r.miou, r.macc, r.aacc), (1.0, 1.0, 1.0));

    // Ids are the raw pixel values (reduce-zero-label: index + 1).
    assert_eq!(r.per_class[0].id, 1);
    assert_eq!(r.per_class[149].id, 150);
}

/// Where the conventions differ: a class predicted but absent from the ground truth.
#[test]
fn switches_differ_where_they_should() {
    let case = "synth_d2";
    let g = golden(case);
    let (gt, pred) = dirs(case);
    let run = |c| evaluate_png_dirs(&gt, &pred, &options(&g, c)).unwrap();
    let (mm, ade, d2) = (
        run(Convention::MMSEG),
        run(Convention::ADE20K),
        run(Convention::DETECTRON2),
    );
    // Class 6 is only predicted: IoU 0 (counted) in mmseg, NaN (left out) in detectron2.
    assert_eq!(mm.per_class[6].gt_pixels, 0);
    assert!(mm.per_class[6].pred_pixels > 0);
    assert_eq!(mm.per_class[6].iou, 0.0);
    assert!(d2.per_class[6].iou.is_nan());
    // Class 4 is absent everywhere: NaN in mmseg, 0 in ade20k.
    assert!(mm.per_class[4].iou.is_nan());
    assert_eq!(ade.per_class[4].iou, 0.0);
    assert!(d2.miou > mm.miou && mm.miou > ade.miou);
    // aAcc and fwIoU do not depend on the convention.
    assert_eq!(mm.aacc, d2.aacc);
    assert_eq!(mm.fwiou, d2.fwiou);
    assert_eq!(mm.fwiou, ade.fwiou);
}

#[test]
fn outputs_of_a_golden_case() {
    let case = "synth_basic";
    let g = golden(case);
    let (gt, pred) = dirs(case);
    let r = evaluate_png_dirs(&gt, &pred, &options(&g, Convention::MMSEG)).unwrap();
    let json: Value = serde_json::from_str(&report::to_json(&r).unwrap()).unwrap();
    let want = &g["conventions"]["mmseg"];
    for key in ["miou", "macc", "mdice", "aacc", "fwiou"] {
        close(key, json[key].as_f64().unwrap_or(f64::NAN), &want[key]);
    }
    assert_eq!(json["per_class"][5]["iou"], Value::Null);
    assert_eq!(json["missing_predictions"][0], "img_003");
    let mut csv = Vec::new();
    report::write_csv(&r, &mut csv).unwrap();
    assert_eq!(String::from_utf8(csv).unwrap().lines().count(), 7);
    let mut conf = Vec::new();
    report::write_confusion_csv(&r, &mut conf).unwrap();
    let conf = String::from_utf8(conf).unwrap();
    let row1: Vec<u64> = conf
        .lines()
        .nth(1)
        .unwrap()
        .split(',')
        .skip(2)
        .map(|v| v.parse().unwrap())
        .collect();
    let want_row: Vec<u64> = g["confusion"][0]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    assert_eq!(row1, want_row);
}

#[test]
fn class_names_from_file_reach_the_result() {
    let case = "synth_perfect";
    let g = golden(case);
    let (gt, pred) = dirs(case);
    let dir = tempfile::tempdir().unwrap();
    let names = dir.path().join("names.txt");
    std::fs::write(
        &names,
        (0..10).map(|i| format!("class {i}\n")).collect::<String>(),
    )
    .unwrap();
    let opts = MiouOptions {
        num_classes: None,
        class_names: Some(cocokit::eval::miou::read_class_names(&names).unwrap()),
        ..options(&g, Convention::MMSEG)
    };
    let r = evaluate_png_dirs(
        &gt,
        &pred,
        &MiouOptions {
            num_classes: None,
            ..opts
        },
    )
    .unwrap();
    assert_eq!(r.per_class[7].name, "class 7");
    assert_eq!(r.miou, 1.0);
    assert!(report::format_table(&r).contains("class 7"));
}

/// The COCO synthetic case painted by pycocotools (`annToMask`) into 16-bit PNGs, evaluated as PNG directories:
/// the same numbers as the golden file computed from those maps.
#[test]
fn golden_coco_synth_as_pngs() {
    let g = golden("coco_synth_class");
    let d = root().join("fixtures/golden/miou/coco_synth");
    let names: Vec<String> = g["class_names"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    for (name, want) in g["conventions"].as_object().unwrap() {
        let opts = MiouOptions {
            class_names: Some(names.clone()),
            ..options(&g, Convention::from_name(name).unwrap())
        };
        let r = evaluate_png_dirs(&d.join("gt_png"), &d.join("pred_png"), &opts).unwrap();
        check_result(&format!("coco_synth_class as PNGs/{name}"), &r, &g, want);
        assert_eq!(r.per_class[0].name, "background");
    }
}

#[test]
fn fixtures_exist() {
    for case in [
        "synth_basic",
        "synth_d2",
        "synth_wide16",
        "synth_palette_reduce",
        "synth_perfect",
    ] {
        let (gt, pred) = dirs(case);
        assert!(
            Path::new(&gt).is_dir() && Path::new(&pred).is_dir(),
            "{case}"
        );
    }
}
