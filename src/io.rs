//! Inputs, outputs and progress: the only place cocokit touches files and terminals.
//!
//! - [`Input`]: a file memory-mapped (pages already read can be released, so resident memory stays bounded
//!   while the whole file is addressable), or standard input read into memory (`-`; a pipe cannot be mapped).
//! - [`Output`]: standard output (`-`) or a file written atomically (a temp file in the same directory, renamed
//!   over the target on success, removed on failure), never over one of the command's inputs. A symlink is
//!   followed (the file it points to is replaced, the link stays); a target that is not a regular file
//!   (`/dev/null`, a FIFO, `/dev/stdout`) is written directly — a rename would replace the device itself.
//! - [`AtomicFiles`]: many files written atomically into directories (`rasterize`'s PNGs).
//! - [`cleanup`]: the temporary files of the two above, removed on SIGINT/SIGTERM before the process exits.
//! - [`progress`]: an indicatif bar on stderr, only when stderr is a terminal and `--quiet` is not given.
//!
//! Not here: parsing (see `json`, `coco`).

use crate::error::{Error, OutputFailed, Result};
use indicatif::{ProgressBar, ProgressStyle};
use std::fs::File;
use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};

enum Data {
    Mapped(memmap2::Mmap),
    Owned(Vec<u8>),
}

/// A whole input, addressable as one byte slice.
pub struct Input {
    name: String,
    data: Data,
    /// Where the previous [`Input::release`] ended.
    released: std::sync::atomic::AtomicUsize,
}

impl Input {
    /// Open `path` (`-` = standard input). A directory, a missing file or an unreadable one is an error.
    pub fn open(path: &str) -> Result<Input> {
        if path == "-" {
            let mut v = Vec::new();
            std::io::stdin()
                .lock()
                .read_to_end(&mut v)
                .map_err(|e| Error::io("<stdin>", e))?;
            return Ok(Input {
                name: "<stdin>".into(),
                data: Data::Owned(v),
                released: Default::default(),
            });
        }
        let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
        if meta.is_dir() {
            return Err(Error::msg("is a directory, not a JSON file").in_file(path));
        }
        let file = File::open(path).map_err(|e| Error::io(path, e))?;
        if meta.len() == 0 || !meta.is_file() {
            // Empty files cannot be mapped; FIFOs and devices are read.
            let mut v = Vec::new();
            (&file)
                .read_to_end(&mut v)
                .map_err(|e| Error::io(path, e))?;
            return Ok(Input {
                name: path.into(),
                data: Data::Owned(v),
                released: Default::default(),
            });
        }
        // SAFETY: the mapping is read-only; cocokit never writes to its inputs (outputs refuse to replace an
        // input). A file truncated by another process while mapped would fault, as with any mmap reader.
        let map = unsafe { memmap2::Mmap::map(&file) }.map_err(|e| Error::io(path, e))?;
        let _ = map.advise(memmap2::Advice::Sequential);
        Ok(Input {
            name: path.into(),
            data: Data::Mapped(map),
            released: Default::default(),
        })
    }

    /// `file` mapped from byte `offset` (a multiple of the page size) to its end, named `name` in messages: a
    /// document cocokit assembled in a temporary file (`coco::source`).
    pub fn map_file(file: &File, name: &str, offset: u64) -> Result<Input> {
        // SAFETY: as in `open`: a read-only mapping of a file nothing else writes while it is mapped (an
        // unnamed temporary file this process owns).
        let map = unsafe { memmap2::MmapOptions::new().offset(offset).map(file) }
            .map_err(|e| Error::io(name, e))?;
        let _ = map.advise(memmap2::Advice::Sequential);
        Ok(Input {
            name: name.into(),
            data: Data::Mapped(map),
            released: Default::default(),
        })
    }

    /// An input held in memory (tests, generated data).
    pub fn from_bytes(name: &str, bytes: Vec<u8>) -> Input {
        Input {
            name: name.into(),
            data: Data::Owned(bytes),
            released: Default::default(),
        }
    }

    /// The whole input.
    pub fn bytes(&self) -> &[u8] {
        match &self.data {
            Data::Mapped(m) => m,
            Data::Owned(v) => v,
        }
    }

    /// The name used in messages.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Tell the kernel that bytes before `upto` will not be read again, so their pages leave this process's
    /// resident set (memory-mapped inputs only; a no-op otherwise). Reading them again stays correct.
    ///
    /// Pages go in steps of at least [`RELEASE_STEP`]: each call that advises is a system call and a TLB
    /// flush on every core running this process (an interrupt to the other threads), and callers report
    /// every few tens of KB (`convert`'s jobs: 13 000 calls for a 463 MB file, 3–4 % of its CPU time).
    pub fn release(&self, upto: usize) {
        if let Data::Mapped(m) = &self.data {
            use std::sync::atomic::Ordering;
            let page = 4096;
            let len = (upto.min(m.len()) / page) * page;
            // Only the range not released by the previous advice (advising from 0 every time walks the
            // whole mapping again); a call behind it starts a new pass over the input (two-pass commands),
            // whose pages are released from the start again.
            let prev = self.released.load(Ordering::Relaxed);
            let from = if len >= prev { prev } else { 0 };
            if len - from < RELEASE_STEP {
                if from == 0 && prev != 0 {
                    // A new pass: its first pages are released from 0 when it has gone far enough.
                    self.released.store(0, Ordering::Relaxed);
                }
                return;
            }
            self.released.store(len, Ordering::Relaxed);
            // SAFETY: the mapping is a private read-only file mapping: after MADV_DONTNEED, pages are read
            // again from the file on the next access, so no data is lost.
            unsafe {
                let _ =
                    m.unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, from, len - from);
            }
        }
    }
}

enum Sink {
    Stdout(std::io::Stdout),
    /// A device, FIFO or socket, opened for writing.
    Direct(File, PathBuf),
    File {
        tmp: tempfile::NamedTempFile,
        /// The target, symbolic links resolved.
        path: PathBuf,
        /// Removed by the signal handler if the command is interrupted ([`cleanup`]).
        _tracked: cleanup::Tracked,
        /// The target as the user named it (for messages).
        name: String,
    },
}

/// An error of the temporary file behind the output `target`, told as an error of `target`: tempfile's
/// errors name the temporary file ("... at path \"dir/.cocokit-XXXXXX.tmp\""), a name the user never gave.
fn temp_error(target: &str, e: std::io::Error) -> Error {
    Error::io(target, without_temp_path(e))
}

fn without_temp_path(e: std::io::Error) -> std::io::Error {
    // tempfile wraps the OS error in a private type whose message ends with ` at path "..."` and whose
    // `source()` does not lead back to the OS error: the message is cut there (the kind is kept).
    if e.get_ref().is_none() {
        return e;
    }
    let mut msg = e.to_string();
    if let Some(i) = msg.rfind(" at path \"") {
        msg.truncate(i);
    }
    std::io::Error::new(e.kind(), msg)
}

/// The least an [`Input::release`] lets go of at once (bytes): what the resident set may hold beyond the
/// caller's position.
pub const RELEASE_STEP: usize = 4 << 20;

/// The output buffer: small writes are gathered up to this size; a larger one (a `convert` job's records,
/// ~32–64 KB) goes straight to the file instead of being copied through the buffer.
const OUT_BUF: usize = 1 << 15;

/// Where a command writes its main output.
pub struct Output {
    sink: Sink,
    buf: std::io::BufWriter<Box<dyn Write>>,
}

impl Output {
    /// `None` or `-` = standard output. A file path is written atomically; it must not be one of `inputs`.
    pub fn create(path: Option<&str>, inputs: &[&str]) -> Result<Output> {
        match path {
            None | Some("-") => {
                let out = std::io::stdout();
                let w = blamed(stdout_writer(&out), "<stdout>".into());
                Ok(Output {
                    sink: Sink::Stdout(out),
                    buf: std::io::BufWriter::with_capacity(OUT_BUF, w),
                })
            }
            Some(p) => {
                let target = Path::new(p);
                check_not_an_input(target, inputs)?;
                if target.is_dir() {
                    return Err(Error::msg("output is a directory").in_file(p));
                }
                if let Ok(meta) = std::fs::metadata(target) {
                    if !meta.is_file() {
                        // A device, FIFO or socket (`-o /dev/null`): renaming a temp file over it would
                        // replace the device node itself (as root) or fail; it is written in place.
                        let f = std::fs::OpenOptions::new()
                            .write(true)
                            .open(target)
                            .map_err(|e| Error::io(p, e))?;
                        let w = blamed(
                            Box::new(f.try_clone().map_err(|e| Error::io(p, e))?),
                            p.into(),
                        );
                        return Ok(Output {
                            sink: Sink::Direct(f, target.to_path_buf()),
                            buf: std::io::BufWriter::with_capacity(OUT_BUF, w),
                        });
                    }
                }
                // A symlink to a file: replace the file it points to, keep the link.
                let resolved = std::fs::canonicalize(target).ok();
                let target = resolved.as_deref().unwrap_or(target);
                let dir = match target.parent() {
                    Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
                    _ => PathBuf::from("."),
                };
                let (tmp, tracked) = cleanup::create(
                    || {
                        tempfile::Builder::new()
                            .prefix(".cocokit-")
                            .suffix(".tmp")
                            .tempfile_in(&dir)
                    },
                    |t| t.path().to_path_buf(),
                )
                .map_err(|e| temp_error(p, e))?;
                let f = tmp.reopen().map_err(|e| temp_error(p, e))?;
                // Errors name the target, never the temporary file (nor the input being read).
                let w = blamed(Box::new(f), p.into());
                Ok(Output {
                    sink: Sink::File {
                        tmp,
                        path: target.to_path_buf(),
                        _tracked: tracked,
                        name: p.to_string(),
                    },
                    buf: std::io::BufWriter::with_capacity(OUT_BUF, w),
                })
            }
        }
    }

    /// The writer (buffered).
    pub fn writer(&mut self) -> &mut dyn Write {
        &mut self.buf
    }

    /// Whether this output is a terminal (for `--color auto`).
    pub fn is_terminal(&self) -> bool {
        match &self.sink {
            Sink::Stdout(s) => s.is_terminal(),
            Sink::Direct(f, _) => f.is_terminal(),
            Sink::File { .. } => false,
        }
    }

    /// Finish: flush, and for a file, sync and rename the temp file over the target.
    pub fn commit(mut self) -> Result<()> {
        let name = match &self.sink {
            Sink::Stdout(_) => "<stdout>".to_string(),
            Sink::Direct(_, path) => path.display().to_string(),
            Sink::File { name, .. } => name.clone(),
        };
        self.buf.flush().map_err(|e| Error::io(&name, e))?;
        drop(self.buf);
        if let Sink::File { tmp, path, .. } = self.sink {
            tmp.as_file().sync_all().map_err(|e| Error::io(&name, e))?;
            set_default_permissions(tmp.path());
            tmp.persist(&path).map_err(|e| temp_error(&name, e.error))?;
        }
        Ok(())
    }
}

/// A writer whose errors are [`OutputFailed`] naming `path`.
struct Blamed {
    inner: Box<dyn Write>,
    path: String,
}

impl Blamed {
    #[cold]
    fn blame(&self, e: std::io::Error) -> std::io::Error {
        std::io::Error::new(
            e.kind(),
            OutputFailed {
                path: self.path.clone(),
                source: e,
            },
        )
    }
}

impl Write for Blamed {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.inner.write(b).map_err(|e| self.blame(e))
    }
    fn write_all(&mut self, b: &[u8]) -> std::io::Result<()> {
        self.inner.write_all(b).map_err(|e| self.blame(e))
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush().map_err(|e| self.blame(e))
    }
}

fn blamed(inner: Box<dyn Write>, path: String) -> Box<dyn Write> {
    Box::new(Blamed { inner, path })
}

/// Many files written atomically (each a temporary file renamed over its target, so a reader sees the old
/// file or the new one, never a part), as `rasterize` writes one PNG per image. Every file written is made
/// readable by everyone (0644), as [`Output`] does; a temporary file is removed on error and on SIGINT/SIGTERM
/// (see [`cleanup`]).
#[derive(Default)]
pub struct AtomicFiles;

impl AtomicFiles {
    /// Write `path` atomically with what `body` writes.
    pub fn write(
        &self,
        path: &Path,
        body: impl FnOnce(&mut std::io::BufWriter<&File>) -> Result<()>,
    ) -> Result<()> {
        let name = path.display().to_string();
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        // `_tracked` lives until the temporary file is renamed or removed (see `cleanup`).
        let (tmp, _tracked) = cleanup::create(
            || {
                tempfile::Builder::new()
                    .prefix(".cocokit-")
                    .suffix(".tmp")
                    .tempfile_in(dir)
            },
            |t| t.path().to_path_buf(),
        )
        .map_err(|e| temp_error(&name, e))?;
        let (file, tmp) = tmp.into_parts();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            // Temporary files are created 0600: a finished output should look like any file the user creates.
            let _ = file.set_permissions(std::fs::Permissions::from_mode(0o644));
        }
        {
            let mut w = std::io::BufWriter::new(&file);
            body(&mut w).map_err(|e| e.in_file(name.clone()))?;
            w.flush().map_err(|e| Error::io(name.clone(), e))?;
        }
        tmp.persist(path).map_err(|e| temp_error(&name, e.error))?;
        Ok(())
    }
}

/// Standard output as a writer. Not a terminal (a pipe, a file, /dev/null): a duplicate of its file
/// descriptor, written directly — `Stdout` is line-buffered and searches every write for its last newline
/// (1 % of `convert`'s time on a 463 MB output). A terminal keeps `Stdout`.
fn stdout_writer(out: &std::io::Stdout) -> Box<dyn Write> {
    #[cfg(unix)]
    if !out.is_terminal() {
        use std::os::fd::AsFd;
        if let Ok(fd) = out.as_fd().try_clone_to_owned() {
            return Box::new(File::from(fd));
        }
    }
    let _ = out;
    Box::new(std::io::stdout())
}

#[cfg(unix)]
fn set_default_permissions(p: &Path) {
    use std::os::unix::fs::PermissionsExt;
    // Temp files are created 0600; a finished output should look like any file the user creates.
    let _ = std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o644));
}

#[cfg(not(unix))]
fn set_default_permissions(_: &Path) {}

/// Refuse to write over one of the inputs (same path, or same file through another name).
pub fn check_not_an_input(target: &Path, inputs: &[&str]) -> Result<()> {
    let Ok(tmeta) = std::fs::metadata(target) else {
        return Ok(());
    };
    for inp in inputs {
        if *inp == "-" {
            continue;
        }
        if let Ok(imeta) = std::fs::metadata(inp) {
            if same_file(&tmeta, &imeta) {
                return Err(
                    Error::msg(format!("refusing to overwrite the input file {inp}"))
                        .in_file(target.display().to_string()),
                );
            }
        }
    }
    Ok(())
}

#[cfg(unix)]
fn same_file(a: &std::fs::Metadata, b: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    a.dev() == b.dev() && a.ino() == b.ino()
}

#[cfg(not(unix))]
fn same_file(_: &std::fs::Metadata, _: &std::fs::Metadata) -> bool {
    false
}

/// A progress bar over `len` bytes, drawn on stderr only when it is a terminal and not `quiet`.
pub fn progress(len: u64, quiet: bool, what: &str) -> ProgressBar {
    progress_bar(Some(len), Unit::Bytes, quiet, what)
}

/// A progress bar over things counted one by one (`unit` = "images", "annotations"): `len` of them when the
/// total is known, else a spinner with the count. Drawn on stderr only when it is a terminal and not `quiet`.
pub fn progress_count(
    len: Option<u64>,
    unit: &'static str,
    quiet: bool,
    what: &str,
) -> ProgressBar {
    progress_bar(len, Unit::Count(unit), quiet, what)
}

/// What a progress bar counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    /// Bytes (shown as KiB, MiB, ...).
    Bytes,
    /// Things, named in the plural.
    Count(&'static str),
}

fn progress_bar(len: Option<u64>, unit: Unit, quiet: bool, what: &str) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let pb = match len {
        Some(n) => ProgressBar::new(n),
        None => ProgressBar::no_length(),
    };
    pb.set_style(progress_style(len.is_some(), unit, use_color("auto", true)));
    pb.set_message(what.to_string());
    pb
}

/// `e` with the line and column of its byte offset, read from the file it names (a regular file only: standard
/// input is gone by then, and its errors keep the byte offset alone). Called once, when an error is reported,
/// so that reading never counts lines.
pub fn locate(e: Error) -> Error {
    if e.line_col.is_some() || e.offset.is_none() {
        return e;
    }
    let Some(file) = e.file.as_deref() else {
        return e;
    };
    if file == "<stdin>" || !std::fs::metadata(file).is_ok_and(|m| m.is_file()) {
        return e;
    }
    match Input::open(file) {
        Ok(input) => e.locate(input.bytes()),
        Err(_) => e,
    }
}

/// Temporary files removed when the command is interrupted (SIGINT, SIGTERM): what [`Output`] and
/// [`AtomicFiles`] write before renaming. Each is registered while it exists ([`create`] makes it and registers it under one lock, so a signal never falls between the two); the
/// first registration starts a thread that waits for the signal (signal-hook's iterator: the handler itself
/// only writes to a pipe), removes every registered file, and exits with 128 + the signal's number (130, 143),
/// as a shell reports a command killed by it. Commands that create no temporary file keep the default
/// disposition. Directories a command created stay (they are the user's outputs, not temporary files).
/// Only a program that asks for it ([`remove_on_signal`], the `cocokit` binary) gets the handler: a library
/// user such as the Python package keeps its own SIGINT handling (Ctrl-C there stops the operation, whose
/// temporary files are removed as on any error, and the interpreter goes on).
pub mod cleanup {
    use std::path::PathBuf;
    use std::sync::{Mutex, MutexGuard, Once};

    struct Registry {
        next: u64,
        paths: Vec<(u64, PathBuf)>,
    }

    static REGISTRY: Mutex<Registry> = Mutex::new(Registry {
        next: 0,
        paths: Vec::new(),
    });
    static INSTALL: Once = Once::new();
    static WANTED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

    /// Make SIGINT and SIGTERM remove the registered temporary files and exit (see the module doc): the
    /// binary's choice, made before anything is registered.
    pub fn remove_on_signal() {
        WANTED.store(true, std::sync::atomic::Ordering::Relaxed);
    }

    fn registry() -> MutexGuard<'static, Registry> {
        // A panic elsewhere while holding the lock leaves the list itself usable.
        REGISTRY.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A registered temporary file: unregistered when dropped (after it was renamed or removed).
    #[derive(Debug)]
    pub struct Tracked(u64);

    impl Drop for Tracked {
        fn drop(&mut self) {
            let mut r = registry();
            if let Some(k) = r.paths.iter().position(|(id, _)| *id == self.0) {
                r.paths.swap_remove(k);
            }
        }
    }

    /// Make a temporary file with `make` and register the path `path` gives, both under the registry's lock.
    pub fn create<T>(
        make: impl FnOnce() -> std::io::Result<T>,
        path: impl FnOnce(&T) -> PathBuf,
    ) -> std::io::Result<(T, Tracked)> {
        if WANTED.load(std::sync::atomic::Ordering::Relaxed) {
            INSTALL.call_once(install);
        }
        let mut r = registry();
        let made = make()?;
        r.next += 1;
        let id = r.next;
        r.paths.push((id, path(&made)));
        Ok((made, Tracked(id)))
    }

    /// How many temporary files are registered now (tests).
    pub fn registered() -> usize {
        registry().paths.len()
    }

    #[cfg(unix)]
    fn install() {
        use signal_hook::consts::{SIGINT, SIGTERM};
        let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM]) else {
            return;
        };
        let _ = std::thread::Builder::new()
            .name("cocokit-signals".into())
            .spawn(move || {
                if let Some(sig) = signals.forever().next() {
                    // The lock stays held until exit: no file is created or registered after this.
                    let r = registry();
                    for (_, p) in &r.paths {
                        let _ = std::fs::remove_file(p);
                    }
                    std::process::exit(128 + sig);
                }
            });
    }

    #[cfg(not(unix))]
    fn install() {}
}

/// The style of a bar: the position and total in `unit`, the rate, and an ETA from the average rate so far
/// (indicatif's own estimate swings wildly in the first seconds). Colour only when `color`.
pub fn progress_style(known_len: bool, unit: Unit, color: bool) -> ProgressStyle {
    let template = progress_template(known_len, unit, color);
    let style =
        ProgressStyle::with_template(&template).unwrap_or_else(|_| ProgressStyle::default_bar());
    style
        .progress_chars("=> ")
        .with_key(
            "sane_eta",
            |s: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                if let Some(eta) = sane_eta(s.elapsed(), s.pos(), s.len()) {
                    let _ = write!(w, " eta {}", format_eta(eta));
                }
            },
        )
        .with_key(
            "byte_rate",
            |s: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                if let Some(r) = average_rate(s.elapsed(), s.pos()) {
                    let _ = write!(w, " {}/s", indicatif::HumanBytes(r.round() as u64));
                }
            },
        )
        .with_key(
            "count_rate",
            |s: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| match average_rate(
                s.elapsed(),
                s.pos(),
            ) {
                Some(r) if r < 10.0 => {
                    let _ = write!(w, " {r:.1}/s");
                }
                Some(r) => {
                    let _ = write!(w, " {}/s", indicatif::HumanCount(r.round() as u64));
                }
                None => {}
            },
        )
}

/// Units per second since the start; `None` in the first second (indicatif's own rate, from the last few
/// updates, can read millions per second when a burst of them lands at once).
fn average_rate(elapsed: std::time::Duration, pos: u64) -> Option<f64> {
    (pos > 0 && elapsed >= std::time::Duration::from_secs(1))
        .then(|| pos as f64 / elapsed.as_secs_f64())
}

/// The indicatif template of [`progress_style`].
fn progress_template(known_len: bool, unit: Unit, color: bool) -> String {
    let bar = if color {
        "{bar:30.cyan/blue}"
    } else {
        "{bar:30}"
    };
    match (known_len, unit) {
        (true, Unit::Bytes) => {
            format!("{{msg}} [{bar}] {{bytes}}/{{total_bytes}}{{byte_rate}}{{sane_eta}}")
        }
        (false, Unit::Bytes) => "{spinner} {msg} {bytes}{byte_rate}".to_string(),
        (true, Unit::Count(u)) => {
            format!("{{msg}} [{bar}] {{human_pos}}/{{human_len}} {u}{{count_rate}}{{sane_eta}}")
        }
        (false, Unit::Count(u)) => format!("{{spinner}} {{msg}} {{human_pos}} {u}{{count_rate}}"),
    }
}

/// Time left at the average rate so far; `None` in the first second, before any progress, or when the
/// total is unknown or reached (an estimate from a few early updates is noise).
pub fn sane_eta(
    elapsed: std::time::Duration,
    pos: u64,
    len: Option<u64>,
) -> Option<std::time::Duration> {
    let len = len?;
    if pos == 0 || pos >= len || elapsed < std::time::Duration::from_secs(1) {
        return None;
    }
    let left = elapsed.as_secs_f64() * (len - pos) as f64 / pos as f64;
    Some(std::time::Duration::from_secs_f64(left.min(1e7)))
}

/// `7s`, `2m 05s`, `1h 02m`.
pub fn format_eta(d: std::time::Duration) -> String {
    let s = d.as_secs_f64().ceil() as u64;
    match s {
        0..=59 => format!("{s}s"),
        60..=3599 => format!("{}m {:02}s", s / 60, s % 60),
        _ => format!("{}h {:02}m", s / 3600, s % 3600 / 60),
    }
}

/// Whether colours should be used on a stream that `is_tty` describes, honouring `NO_COLOR`.
pub fn use_color(choice: &str, is_tty: bool) -> bool {
    match choice {
        "always" => true,
        "never" => false,
        _ => is_tty && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::Ordering;

    /// A bar as `progress_bar` makes it, drawn into a virtual terminal; returns what the terminal shows.
    fn render(len: Option<u64>, unit: Unit, pos: u64, elapsed_s: u64) -> String {
        use indicatif::{InMemoryTerm, ProgressDrawTarget};
        let term = InMemoryTerm::new(4, 120);
        let pb = match len {
            Some(n) => ProgressBar::new(n),
            None => ProgressBar::no_length(),
        }
        .with_elapsed(std::time::Duration::from_secs(elapsed_s));
        pb.set_draw_target(ProgressDrawTarget::term_like(Box::new(term.clone())));
        pb.set_style(progress_style(len.is_some(), unit, false));
        pb.set_message("job");
        pb.set_position(pos);
        pb.tick();
        term.contents()
    }

    #[test]
    fn progress_bars_print_the_unit_they_count() {
        let images = render(Some(5000), Unit::Count("images"), 1200, 0);
        assert!(images.contains("1,200/5,000 images"), "{images}");
        assert!(!images.contains('B') && !images.contains("eta"), "{images}");
        let bytes = render(Some(10 << 20), Unit::Bytes, 5 << 20, 0);
        assert!(bytes.contains("5.00 MiB/10.00 MiB"), "{bytes}");
        // Total unknown: a count, no bar, no ETA, no "/0 B".
        let count = render(None, Unit::Count("images"), 36, 3);
        assert!(count.contains("job 36 images 12/s"), "{count}");
        assert!(!count.contains("/0") && !count.contains("eta"), "{count}");
        // The ETA: from the average rate so far (half done in 100 s: 100 s left).
        let eta = render(Some(100), Unit::Count("images"), 50, 100);
        assert!(eta.contains("50/100 images 0.5/s eta 1m 4"), "{eta}");
    }

    #[test]
    fn eta_is_the_average_rate_and_silent_when_it_would_be_noise() {
        use std::time::Duration;
        let s = Duration::from_secs;
        assert_eq!(sane_eta(s(2), 1, Some(5)), Some(s(8)));
        assert_eq!(
            sane_eta(Duration::from_millis(900), 1, Some(1000)),
            None,
            "first second"
        );
        assert_eq!(sane_eta(s(5), 0, Some(10)), None, "no progress yet");
        assert_eq!(sane_eta(s(5), 10, Some(10)), None, "done");
        assert_eq!(sane_eta(s(5), 3, None), None, "total unknown");
        assert_eq!(format_eta(s(7)), "7s");
        assert_eq!(format_eta(Duration::from_millis(6200)), "7s");
        assert_eq!(format_eta(s(125)), "2m 05s");
        assert_eq!(format_eta(s(3720)), "1h 02m");
    }

    #[test]
    fn bars_are_coloured_only_when_colour_is_allowed() {
        // progress_bar asks use_color("auto", ...), which honours NO_COLOR; the plain style has no colour spec.
        let plain = progress_template(true, Unit::Bytes, false);
        let coloured = progress_template(true, Unit::Bytes, true);
        assert!(!plain.contains("cyan") && coloured.contains("cyan"));
    }

    #[test]
    fn release_advises_in_steps_and_the_data_stays_readable() {
        let len = 3 * RELEASE_STEP + 12345;
        let data: Vec<u8> = (0..len).map(|i| (i * 7 % 251) as u8).collect();
        let mut f = tempfile::NamedTempFile::new().expect("temp file");
        f.write_all(&data).expect("write");
        f.flush().expect("flush");
        let path = f.path().to_str().expect("utf-8 path").to_string();
        let input = Input::open(&path).expect("open");
        assert!(matches!(input.data, Data::Mapped(_)));
        let released = || input.released.load(Ordering::Relaxed);
        // Less than a step: nothing advised yet.
        input.release(RELEASE_STEP - 1);
        assert_eq!(released(), 0);
        // A step and a bit: up to the last whole page.
        input.release(RELEASE_STEP + 5000);
        assert_eq!(released(), RELEASE_STEP + 4096);
        input.release(RELEASE_STEP + 10_000);
        assert_eq!(released(), RELEASE_STEP + 4096, "less than a step more");
        // Past the end: up to the last whole page of the file.
        input.release(usize::MAX);
        assert_eq!(released(), len / 4096 * 4096);
        // A call behind the last advice starts a new pass, released from the start again.
        input.release(100);
        assert_eq!(released(), 0);
        input.release(RELEASE_STEP);
        assert_eq!(released(), RELEASE_STEP);
        // Released pages read back from the file.
        assert_eq!(input.bytes(), &data[..]);
    }

    fn names_in(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .expect("read_dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    fn put(files: &AtomicFiles, path: &Path, bytes: &[u8]) -> Result<()> {
        files.write(path, |w| {
            w.write_all(bytes).map_err(|e| Error::io("test", e))?;
            Ok(())
        })
    }

    #[test]
    fn atomic_files_write_new_files_and_replace_old_ones() {
        let dir = tempfile::tempdir().expect("temp dir");
        let d = dir.path();
        let files = AtomicFiles;
        for round in ["first", "second"] {
            for i in 0..4 {
                let text = format!("{round} {i} {}", "x".repeat(100 * i));
                put(&files, &d.join(format!("{i}.png")), text.as_bytes()).expect("write");
            }
        }
        for i in 0..4 {
            let got = std::fs::read(d.join(format!("{i}.png"))).expect("read");
            assert_eq!(
                got,
                format!("second {i} {}", "x".repeat(100 * i)).into_bytes()
            );
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            for i in 0..4 {
                let mode = std::fs::metadata(d.join(format!("{i}.png")))
                    .expect("meta")
                    .permissions()
                    .mode();
                assert_eq!(mode & 0o777, 0o644, "file {i}");
            }
        }
        assert_eq!(names_in(d), ["0.png", "1.png", "2.png", "3.png"]);
    }

    #[cfg(unix)]
    #[test]
    fn atomic_files_replace_a_link_or_a_shared_inode_without_writing_through_it() {
        let dir = tempfile::tempdir().expect("temp dir");
        let d = dir.path();
        std::fs::write(d.join("a.png"), b"old a").expect("write");
        std::fs::hard_link(d.join("a.png"), d.join("other-name")).expect("link");
        std::fs::write(d.join("target"), b"link target").expect("write");
        std::os::unix::fs::symlink(d.join("target"), d.join("b.png")).expect("symlink");
        let files = AtomicFiles;
        put(&files, &d.join("a.png"), b"new a").expect("a");
        put(&files, &d.join("b.png"), b"new b").expect("b");
        assert_eq!(std::fs::read(d.join("other-name")).expect("read"), b"old a");
        assert_eq!(
            std::fs::read(d.join("target")).expect("read"),
            b"link target"
        );
        assert!(std::fs::symlink_metadata(d.join("b.png"))
            .expect("meta")
            .file_type()
            .is_file());
        assert_eq!(std::fs::read(d.join("a.png")).expect("read"), b"new a");
        assert_eq!(std::fs::read(d.join("b.png")).expect("read"), b"new b");
        assert_eq!(names_in(d), ["a.png", "b.png", "other-name", "target"]);
    }

    #[test]
    fn atomic_files_leave_the_target_untouched_when_the_body_fails() {
        let dir = tempfile::tempdir().expect("temp dir");
        let d = dir.path();
        std::fs::write(d.join("a.png"), b"old a").expect("write");
        std::fs::write(d.join("b.png"), b"old b").expect("write");
        let files = AtomicFiles;
        put(&files, &d.join("a.png"), b"new a").expect("a");
        // b.png's body fails half-way: b.png stays as it was, the temporary file is gone.
        let failed = files.write(&d.join("b.png"), |w| {
            w.write_all(b"half").map_err(|e| Error::io("test", e))?;
            Err(Error::msg("encoder failed"))
        });
        assert!(failed.is_err());
        assert_eq!(std::fs::read(d.join("b.png")).expect("read"), b"old b");
        assert_eq!(std::fs::read(d.join("a.png")).expect("read"), b"new a");
        assert_eq!(names_in(d), ["a.png", "b.png"]);
    }
}
