//! `cocokit::json::pretty::Printer` with worker threads and tiny chunks against the one-thread printer, on
//! arbitrary bytes: the parallel path (big arrays cut at guessed element starts, each guess checked by the
//! worker of the chunk before, a wrong guess recovered by exact cutting) must print the same bytes, or fail
//! with the same error at the same offset (the first error in file order).
//!
//! Input: one selector byte (layout, chunk size 1–64 bytes, 2–4 threads), then the document.
#![no_main]

use cocokit::json::pretty::{to_vec, Indent, Options, Printer};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&sel, doc)) = data.split_first() else {
        return;
    };
    let opts = Options {
        indent: match sel % 3 {
            0 => Indent::Spaces(2),
            1 => Indent::Compact,
            _ => Indent::Tab,
        },
        sort_keys: sel & 4 != 0,
        color: false,
    };
    let chunk = [1usize, 3, 17, 64][(sel >> 3) as usize % 4];
    let threads = 2 + (sel >> 5) as usize % 3;
    let one = to_vec(doc, opts);
    let mut out = Vec::new();
    let par = Printer::new(opts, &mut out)
        .with_threads(threads)
        .with_chunk_size(chunk)
        .document(doc);
    match (&one, &par) {
        (Ok(a), Ok(())) => assert!(
            *a == out,
            "{threads} threads, chunk {chunk}, {opts:?}: output differs:\n{:?}\n{:?}",
            String::from_utf8_lossy(a),
            String::from_utf8_lossy(&out)
        ),
        (Err(a), Err(b)) => assert_eq!(
            (a.offset, &a.msg),
            (b.offset, &b.msg),
            "{threads} threads, chunk {chunk}, {opts:?}: errors differ"
        ),
        _ => panic!(
            "{threads} threads, chunk {chunk}, {opts:?}: one thread {:?}, parallel {:?}",
            one.as_ref().err(),
            par.as_ref().err()
        ),
    }
});
