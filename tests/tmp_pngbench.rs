use cocokit::eval::miou::*;
use std::path::Path;
use std::time::Instant;
#[test]
fn pngbench() {
    let o = MiouOptions { num_classes: Some(150), reduce_zero_label: true, ..Default::default() };
    let t = Instant::now();
    let r = evaluate_png_dirs(Path::new("/tmp/miou_bench/gt"), Path::new("/tmp/miou_bench/pred"), &o).unwrap();
    println!("mIoU {} aAcc {} time {:.3}", r.miou, r.aacc, t.elapsed().as_secs_f64());
}
