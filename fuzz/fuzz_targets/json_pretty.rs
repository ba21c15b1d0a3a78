//! `cocokit::json::pretty::to_vec` on arbitrary bytes, with every layout option.
//!
//! Checks, beyond "no panic, no hang":
//! - every option set accepts or refuses the same inputs (validity does not depend on layout);
//! - the output is a fixed point: printing it again with the same options gives it back;
//! - coloured output minus its escape sequences is the plain output;
//! - a single document serde_json reads without duplicate keys is accepted, and its output reads back (serde_json)
//!   to the same value, members in the same order (sorted by key with `sort_keys`);
//! - a refused input that serde_json reads leniently is refused for a duplicate key.
#![no_main]

use cocokit::json::pretty::{to_vec, Indent, Options};
use cocokit_fuzz::{keys_sorted, lenient_doc, strict_doc, strict_stream, strip_ansi};
use libfuzzer_sys::fuzz_target;

const fn o(indent: Indent, sort_keys: bool) -> Options {
    Options {
        indent,
        sort_keys,
        color: false,
    }
}

const LAYOUTS: [Options; 6] = [
    o(Indent::Spaces(2), false),
    o(Indent::Compact, false),
    o(Indent::Tab, false),
    o(Indent::Spaces(7), false),
    o(Indent::Spaces(2), true),
    o(Indent::Compact, true),
];

fuzz_target!(|data: &[u8]| {
    let outs: Vec<_> = LAYOUTS.iter().map(|&opt| to_vec(data, opt)).collect();
    let ok = outs[0].is_ok();
    for (opt, out) in LAYOUTS.iter().zip(&outs) {
        assert_eq!(
            out.is_ok(),
            ok,
            "{opt:?} disagrees with {:?}: {:?} vs {:?}",
            LAYOUTS[0],
            out.as_ref().err(),
            outs[0].as_ref().err()
        );
        // Colour must change nothing but the escape sequences.
        let col = to_vec(
            data,
            Options {
                color: true,
                ..*opt
            },
        );
        match (out, &col) {
            (Ok(plain), Ok(c)) => assert!(
                strip_ansi(c) == *plain,
                "{opt:?}: colour output without escapes differs:\n{:?}\n{:?}",
                String::from_utf8_lossy(plain),
                String::from_utf8_lossy(&strip_ansi(c))
            ),
            (Err(_), Err(_)) => {}
            _ => panic!(
                "{opt:?}: colour changes validity: {:?} vs {:?}",
                out.as_ref().err(),
                col.as_ref().err()
            ),
        }
        if let Ok(plain) = out {
            let again = to_vec(plain, *opt).expect("output of pretty must be accepted by pretty");
            assert!(
                again == *plain,
                "{opt:?}: not a fixed point:\n{:?}\n{:?}",
                String::from_utf8_lossy(plain),
                String::from_utf8_lossy(&again)
            );
        }
    }
    match strict_doc(data) {
        Some(want) => {
            for (opt, out) in LAYOUTS.iter().zip(&outs) {
                let out = match out {
                    Ok(o) => o,
                    Err(e) => panic!("{opt:?}: refuses a document serde_json reads: {e}"),
                };
                let got = strict_stream(out).expect("output must be JSON");
                assert_eq!(got.len(), 1, "{opt:?}: one document in, one out");
                if opt.sort_keys {
                    assert_eq!(got[0], want, "{opt:?}: value changed");
                    assert!(keys_sorted(&got[0]), "{opt:?}: keys not sorted");
                } else {
                    // Value equality ignores member order; the serialisations do not.
                    assert_eq!(
                        serde_json::to_string(&got[0]).unwrap(),
                        serde_json::to_string(&want).unwrap(),
                        "{opt:?}: value or member order changed"
                    );
                }
            }
        }
        None => {
            if let (Err(e), Some(_)) = (&outs[0], lenient_doc(data)) {
                assert!(
                    e.msg.contains("duplicate key"),
                    "refuses a document serde_json reads (leniently) for another reason than a duplicate key: {e}"
                );
            }
        }
    }
});
