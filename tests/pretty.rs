//! `cocokit pretty`: byte-for-byte equality with jq, lossless numbers, paths, atomic output, bad input.

use crate::common::*;
use std::io::Read;
use std::process::Stdio;

/// Golden outputs of jq (scripts/golden_jq.sh) for inputs with canonical numbers: exact equality.
#[test]
fn equals_jq_byte_for_byte() {
    let inputs = [
        ("strings", fixture("json/strings.json")),
        ("multi", fixture("json/multi.json")),
        (
            "fv_captions_val",
            fixture("format-variants/captions_val.json"),
        ),
        (
            "fv_image_info_val",
            fixture("format-variants/image_info_val.json"),
        ),
        ("fv_labels_val", fixture("format-variants/labels_val.json")),
    ];
    let variants: [(&str, &[&str]); 8] = [
        ("indent2", &[]),
        ("indent4", &["--indent", "4"]),
        ("indent7", &["--indent", "7"]),
        ("tab", &["--tab"]),
        ("compact", &["--compact"]),
        ("sorted", &["--sort-keys"]),
        ("color", &["--color", "always"]),
        ("colorcompact", &["--color", "always", "-c"]),
    ];
    let mut checked = 0;
    for (name, path) in &inputs {
        for (variant, flags) in &variants {
            let golden = std::fs::read(fixture(&format!("golden/jq/{name}.{variant}.json")))
                .expect("golden file");
            let mut args = vec!["pretty".to_string(), path.display().to_string()];
            args.extend(flags.iter().map(|s| s.to_string()));
            let got = ok(&args);
            assert!(
                got == golden,
                "{name} {variant}: differs from jq\n--- got\n{}\n--- jq\n{}",
                String::from_utf8_lossy(&got),
                String::from_utf8_lossy(&golden)
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 40);
}

/// A token of a JSON text: punctuation, a literal, a number as written, or a decoded string.
#[derive(Debug, PartialEq)]
enum Tok {
    P(char),
    Num(String),
    Str(String),
    Lit(String),
}

/// An independent tokenizer (not cocokit's scanner) used to compare documents token by token.
fn tokens(s: &str) -> Vec<Tok> {
    let b = s.as_bytes();
    let mut v = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        match c {
            b' ' | b'\n' | b'\r' | b'\t' => i += 1,
            b'{' | b'}' | b'[' | b']' | b',' | b':' => {
                v.push(Tok::P(c as char));
                i += 1;
            }
            b'"' => {
                let mut j = i + 1;
                while b[j] != b'"' {
                    j += if b[j] == b'\\' { 2 } else { 1 };
                }
                let decoded: String = serde_json::from_str(&s[i..=j]).expect("string");
                v.push(Tok::Str(decoded));
                i = j + 1;
            }
            b't' | b'f' | b'n' => {
                let j = i + b[i..]
                    .iter()
                    .position(|x| !x.is_ascii_alphabetic())
                    .unwrap_or(b.len() - i);
                v.push(Tok::Lit(s[i..j].to_string()));
                i = j;
            }
            _ => {
                let j = i + b[i..]
                    .iter()
                    .position(|x| !(x.is_ascii_digit() || b"+-.eE".contains(x)))
                    .unwrap_or(b.len() - i);
                v.push(Tok::Num(s[i..j].to_string()));
                i = j;
            }
        }
    }
    v
}

/// On every real file: same tokens (numbers exactly as written), jq's layout rules, idempotent.
#[test]
fn real_files_are_lossless_and_idempotent() {
    for path in shared_json_files() {
        let input = std::fs::read_to_string(&path).expect("read");
        let out = String::from_utf8(ok(["pretty", path.to_str().expect("path")])).expect("utf8");
        assert_eq!(tokens(&input), tokens(&out), "{}", path.display());
        let a: serde_json::Value = serde_json::from_str(&input).expect("json");
        let b: serde_json::Value = serde_json::from_str(&out).expect("json");
        assert_eq!(a, b);
        // Re-indenting the output changes nothing.
        let w = Work::new();
        let p = w.write("out.json", &out);
        assert_eq!(
            String::from_utf8(ok(["pretty", p.to_str().expect("path")])).expect("utf8"),
            out
        );
        // Compact output is one line and loses nothing either.
        let c =
            String::from_utf8(ok(["pretty", "-c", path.to_str().expect("path")])).expect("utf8");
        assert_eq!(c.lines().count(), 1);
        assert_eq!(tokens(&input), tokens(&c));
    }
}

#[test]
fn number_literals_are_kept_as_written() {
    let w = Work::new();
    let p = w.write(
        "n.json",
        "[1.0, 1e2, -0, 1E+2, 0.10, 100000000000000000000000000001, 2.50e-3]",
    );
    let out = ok(["pretty", "-c", p.to_str().expect("path")]);
    assert_eq!(
        out,
        b"[1.0,1e2,-0,1E+2,0.10,100000000000000000000000000001,2.50e-3]\n"
    );
}

#[test]
fn paths_select_like_jq() {
    let f = shared("cocoapi-val2014-100/instances_val2014_100.json");
    let f = f.to_str().expect("path");
    let doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(f).expect("read")).expect("json");
    let sel = |p: &str| -> serde_json::Value {
        let out = ok(["pretty", f, "--path", p]);
        serde_json::from_slice(&out).expect("one JSON value")
    };
    let anns = doc["annotations"].as_array().expect("array");
    assert_eq!(
        sel(".annotations[0:3]"),
        serde_json::Value::Array(anns[0..3].to_vec())
    );
    assert_eq!(
        sel(".annotations[-2:]"),
        serde_json::Value::Array(anns[anns.len() - 2..].to_vec())
    );
    assert_eq!(
        sel(".images[-1].id"),
        doc["images"]
            .as_array()
            .expect("images")
            .last()
            .expect("last")["id"]
    );
    assert_eq!(sel(".info.year"), doc["info"]["year"]);
    assert_eq!(sel(".nothing"), serde_json::Value::Null);
    assert_eq!(sel(".annotations[100000]"), serde_json::Value::Null);
    let names =
        String::from_utf8(ok(["pretty", f, "--path", ".categories[].name", "-c"])).expect("utf8");
    assert_eq!(names.lines().count(), 80);
    assert_eq!(names.lines().next(), Some("\"person\""));
    // jq's errors for impossible paths.
    fails(["pretty", f, "--path", ".annotations.x"]);
    fails(["pretty", f, "--path", ".info.year[0]"]);
    // A malformed path is a usage problem reported as one line.
    fails(["pretty", f, "--path", "annotations"]);
}

#[test]
fn stdin_and_atomic_output() {
    let w = Work::new();
    let input = w.write("in.json", "{\"a\":[1,2]}");
    let mut child = cocokit()
        .args(["pretty", "-", "-c"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn");
    std::io::Write::write_all(
        &mut child.stdin.take().expect("stdin"),
        b"[1, {\"b\": null}]",
    )
    .expect("write");
    let out = child.wait_with_output().expect("wait");
    assert_eq!(out.stdout, b"[1,{\"b\":null}]\n");
    let o = w.path("out.json");
    ok([
        "pretty",
        input.to_str().expect("p"),
        "-o",
        o.to_str().expect("p"),
    ]);
    assert_eq!(
        std::fs::read(&o).expect("read"),
        b"{\n  \"a\": [\n    1,\n    2\n  ]\n}\n"
    );
    assert_eq!(w.files(), ["in.json", "out.json"]);
    // Never over the input, even through another name.
    let e = fails([
        "pretty",
        input.to_str().expect("p"),
        "-o",
        input.to_str().expect("p"),
    ]);
    assert!(e.contains("refusing to overwrite the input"), "{e}");
    assert_eq!(std::fs::read(&input).expect("read"), b"{\"a\":[1,2]}");
    // A failed run leaves no output file and no temp file behind.
    let bad = w.write("bad.json", "{\"a\": [1, 2");
    let o2 = w.path("out2.json");
    fails([
        "pretty",
        bad.to_str().expect("p"),
        "-o",
        o2.to_str().expect("p"),
    ]);
    assert_eq!(w.files(), ["bad.json", "in.json", "out.json"]);
}

#[test]
fn colour_only_when_asked_or_on_a_terminal() {
    let f = fixture("json/multi.json");
    let f = f.to_str().expect("path");
    // Not a terminal: no colour by default.
    assert!(!ok(["pretty", f]).contains(&0x1b));
    assert!(ok(["pretty", f, "--color", "always"]).contains(&0x1b));
    let out = cocokit()
        .args(["pretty", f, "--color", "auto"])
        .env("NO_COLOR", "1")
        .output()
        .expect("run");
    assert!(!out.stdout.contains(&0x1b));
}

#[test]
fn broken_pipe_exits_quietly() {
    let w = Work::new();
    // ~4 MB of output, far more than a pipe buffer.
    let big = format!("[{}]", vec!["[1, 2, 3, 4, 5, 6, 7, 8]"; 40_000].join(","));
    let p = w.write("big.json", big);
    let mut child = cocokit()
        .args(["pretty", p.to_str().expect("p")])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut first = [0u8; 16];
    child
        .stdout
        .as_mut()
        .expect("stdout")
        .read_exact(&mut first)
        .expect("read");
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("wait");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn help_shows_examples() {
    let out = String::from_utf8(ok(["pretty", "--help"])).expect("utf8");
    assert!(out.contains("Examples:") && out.contains("--path '.annotations[0:3]'"));
    let out = run(["pretty", "--indent", "9", "x.json"]);
    assert_eq!(out.status.code(), Some(2));
}

/// `-o` through a symlink replaces the file it points to (the link stays), and `-o` on something that is
/// not a regular file (a FIFO here; `/dev/null` in practice) writes into it instead of renaming a temp
/// file over it — which, run as root, replaced /dev/null itself with a regular file.
#[cfg(unix)]
#[test]
fn output_through_symlink_and_into_fifo() {
    let w = Work::new();
    let input = w.write("in.json", "[1]");
    let real = w.write("real.json", "old");
    let link = w.path("link.json");
    std::os::unix::fs::symlink(&real, &link).expect("symlink");
    ok([
        "pretty",
        input.to_str().expect("p"),
        "-c",
        "-o",
        link.to_str().expect("p"),
    ]);
    assert!(std::fs::symlink_metadata(&link)
        .expect("meta")
        .file_type()
        .is_symlink());
    assert_eq!(std::fs::read(&real).expect("read"), b"[1]\n");
    assert_eq!(w.files(), ["in.json", "link.json", "real.json"]);

    let fifo = w.path("fifo");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        return; // no mkfifo on this system: the symlink half above still ran
    }
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read(fifo).expect("read fifo"))
    };
    ok([
        "pretty",
        input.to_str().expect("p"),
        "-c",
        "-o",
        fifo.to_str().expect("p"),
    ]);
    assert_eq!(reader.join().expect("reader"), b"[1]\n");
    use std::os::unix::fs::FileTypeExt;
    assert!(std::fs::metadata(&fifo)
        .expect("meta")
        .file_type()
        .is_fifo());
    assert_eq!(w.files(), ["fifo", "in.json", "link.json", "real.json"]);
}
