//! `cocokit::mask::png::decode_label_png` on arbitrary bytes (chunk CRCs are repaired first, so that mutations
//! reach the image decoder; input whose first byte is odd is also tried as it is).
//!
//! Checks, beyond "no panic, no hang, no huge allocation from a small file":
//! - an accepted map has width·height pixels;
//! - encoding it with `encode_label_png` and decoding that gives the same map;
//! - `get` answers inside the map and `None` outside, and `max_label` is the largest pixel.
#![no_main]

use cocokit::mask::png::{decode_label_png, encode_label_png, LabelMap, LabelPixels};
use cocokit_fuzz::fix_png_crcs;
use libfuzzer_sys::fuzz_target;

fn check(map: &LabelMap) {
    let n = map.width as usize * map.height as usize;
    let max = match &map.pixels {
        LabelPixels::U8(p) => {
            assert_eq!(p.len(), n, "pixel count");
            p.iter().max().map(|&v| v as u16)
        }
        LabelPixels::U16(p) => {
            assert_eq!(p.len(), n, "pixel count");
            p.iter().max().copied()
        }
    };
    assert_eq!(map.len(), n);
    assert_eq!(map.max_label(), max, "max_label");
    if n > 0 {
        assert!(map.get(map.width - 1, map.height - 1).is_some());
    }
    assert_eq!(map.get(map.width, 0), None);
    assert_eq!(map.get(0, map.height), None);
    let mut png = Vec::new();
    encode_label_png(&mut png, map).expect("encoding a decoded map");
    let back = decode_label_png(&png).expect("decoding what encode_label_png wrote");
    assert_eq!(&back, map, "encode/decode round trip");
}

fuzz_target!(|data: &[u8]| {
    if let Some((&first, _)) = data.split_first() {
        if first & 1 == 1 {
            if let Ok(m) = decode_label_png(data) {
                check(&m);
            }
        }
    }
    let mut fixed = data.to_vec();
    fix_png_crcs(&mut fixed);
    if let Ok(m) = decode_label_png(&fixed) {
        check(&m);
    }
});
