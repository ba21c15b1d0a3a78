//! The one error type of cocokit: what went wrong and where (file, byte offset and line:column, record id).
//!
//! Line and column are not tracked while reading (the scanner's hot loops count nothing): they are worked out
//! from the byte offset once an error is about to be reported ([`Error::locate`], [`line_column`]).
//!
//! Every layer returns [`Error`]; the CLI prints it as one line and exits 1. It is not a place for
//! recovery logic: a record that is bad is reported, never silently skipped (unless a command's
//! `--skip-invalid` says so, and then the command counts what it skipped). [`FirstFailure`] makes the error
//! of parallel work the same on every run: the one of the first failing item in input order.

use std::fmt;

/// A failure with its position. Displayed as `file: line L, column C, byte N: record: message` (parts
/// omitted when unknown).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// What went wrong, one line, no trailing period.
    pub msg: String,
    /// The file it happened in, when known.
    pub file: Option<String>,
    /// Byte offset into that file, when known.
    pub offset: Option<u64>,
    /// 1-based line and column (in characters) of `offset`, once worked out ([`Error::locate`]).
    pub line_col: Option<(u64, u64)>,
    /// The record it concerns, e.g. `annotation id 42`, when known.
    pub record: Option<String>,
    /// Set when a write failed because the reader went away (`cocokit pretty big.json | head`): the CLI
    /// then exits quietly.
    pub broken_pipe: bool,
}

/// Result with the crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An error with a message only.
    pub fn msg(msg: impl Into<String>) -> Self {
        Error {
            msg: msg.into(),
            file: None,
            offset: None,
            line_col: None,
            record: None,
            broken_pipe: false,
        }
    }
    /// An error at a byte offset.
    pub fn at(offset: usize, msg: impl Into<String>) -> Self {
        Error {
            msg: msg.into(),
            file: None,
            offset: Some(offset as u64),
            line_col: None,
            record: None,
            broken_pipe: false,
        }
    }
    /// Name the file (keeps an already-set one).
    pub fn in_file(mut self, file: impl Into<String>) -> Self {
        if self.file.is_none() {
            self.file = Some(file.into());
        }
        self
    }
    /// Name the record, e.g. `annotation id 42` (keeps an already-set one).
    pub fn for_record(mut self, record: impl Into<String>) -> Self {
        if self.record.is_none() {
            self.record = Some(record.into());
        }
        self
    }
    /// Set the byte offset if none is set yet.
    pub fn at_offset(mut self, offset: usize) -> Self {
        if self.offset.is_none() {
            self.offset = Some(offset as u64);
        }
        self
    }
    /// Work out the line and column of the byte offset in `buf`, the bytes of the file it refers to (once;
    /// nothing without an offset inside `buf`).
    pub fn locate(mut self, buf: &[u8]) -> Self {
        if self.line_col.is_none() {
            if let Some(off) = self.offset {
                self.line_col = line_column(buf, off as usize);
            }
        }
        self
    }
    /// An I/O error on a path.
    pub fn io(path: impl Into<String>, err: std::io::Error) -> Self {
        Error::from(err).in_file(path)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(file) = &self.file {
            write!(f, "{file}: ")?;
        }
        if let Some((line, col)) = self.line_col {
            write!(f, "line {line}, column {col}, ")?;
        }
        if let Some(off) = self.offset {
            write!(f, "byte {off}: ")?;
        }
        if let Some(rec) = &self.record {
            write!(f, "{rec}: ")?;
        }
        // One line, always.
        let one_line: String = self
            .msg
            .chars()
            .map(|c| if c == '\n' { ' ' } else { c })
            .collect();
        f.write_str(&one_line)
    }
}

impl std::error::Error for Error {}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        if let Some(out) = e.get_ref().and_then(|r| r.downcast_ref::<OutputFailed>()) {
            // A write to an output failed: name it, whatever the command was reading.
            let mut err = Error::msg(out.source.to_string()).in_file(out.path.clone());
            err.broken_pipe = e.kind() == std::io::ErrorKind::BrokenPipe;
            return err;
        }
        let mut err = Error::msg(e.to_string());
        err.broken_pipe = e.kind() == std::io::ErrorKind::BrokenPipe;
        err
    }
}

/// An I/O error that happened writing an output: carried inside the `std::io::Error` (through `BufWriter`,
/// the printers and every `?`) so that [`Error`]'s conversion names the output, not the input a command was
/// reading when the disk filled up.
#[derive(Debug)]
pub struct OutputFailed {
    /// The output as the user named it.
    pub path: String,
    pub source: std::io::Error,
}

impl std::fmt::Display for OutputFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.source.fmt(f)
    }
}

impl std::error::Error for OutputFailed {}

/// The 1-based line and column (counted in characters, as editors do; a byte that is not valid UTF-8 counts
/// as one) of byte `offset` of `buf`; `None` past its end. Lines end at `\n`.
pub fn line_column(buf: &[u8], offset: usize) -> Option<(u64, u64)> {
    let before = buf.get(..offset)?;
    let line = memchr::memchr_iter(b'\n', before).count() as u64 + 1;
    let start = memchr::memrchr(b'\n', before).map_or(0, |k| k + 1);
    // UTF-8 continuation bytes (10xxxxxx) do not start a character.
    let col = before[start..]
        .iter()
        .filter(|&&b| b & 0xC0 != 0x80)
        .count() as u64
        + 1;
    Some((line, col))
}

/// The first failure, by item number, of items processed in parallel. Whatever the threads' timing, the
/// error kept is the one of the lowest-numbered failing item: items numbered after a failure already seen
/// may be skipped ([`FirstFailure::skip`]), items before it all run, so the lowest one is always reached.
#[derive(Debug)]
pub struct FirstFailure {
    first: std::sync::atomic::AtomicUsize,
    error: std::sync::Mutex<Option<(usize, Error)>>,
}

impl Default for FirstFailure {
    fn default() -> Self {
        FirstFailure {
            first: std::sync::atomic::AtomicUsize::new(usize::MAX),
            error: std::sync::Mutex::new(None),
        }
    }
}

impl FirstFailure {
    /// Whether item `k` can be skipped: an item before it has failed.
    pub fn skip(&self, k: usize) -> bool {
        k > self.first.load(std::sync::atomic::Ordering::Relaxed)
    }
    /// Item `k` failed with `e` (kept if no item before it has failed).
    pub fn record(&self, k: usize, e: Error) {
        self.first
            .fetch_min(k, std::sync::atomic::Ordering::Relaxed);
        // A panic elsewhere while holding the lock leaves the value itself intact.
        let mut kept = self.error.lock().unwrap_or_else(|p| p.into_inner());
        if kept.as_ref().is_none_or(|(j, _)| k < *j) {
            *kept = Some((k, e));
        }
    }
    /// The error of the lowest-numbered failing item, if any.
    pub fn into_result(self) -> Result<()> {
        match self.error.into_inner().unwrap_or_else(|p| p.into_inner()) {
            Some((_, e)) => Err(e),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_of_an_offset() {
        let buf = "{\n  \"a\": 1,\n  \"é\": x\n}".as_bytes();
        assert_eq!(line_column(buf, 0), Some((1, 1)));
        assert_eq!(line_column(buf, 2), Some((2, 1)));
        let x = buf.iter().position(|&b| b == b'x').unwrap();
        assert_eq!(line_column(buf, x), Some((3, 8)));
        assert_eq!(line_column(buf, buf.len()), Some((4, 2)));
        assert_eq!(line_column(buf, buf.len() + 1), None);
        let e = Error::at(x, "unexpected 'x'").in_file("f.json").locate(buf);
        assert_eq!(
            e.to_string(),
            format!("f.json: line 3, column 8, byte {x}: unexpected 'x'")
        );
        assert_eq!(Error::msg("m").locate(buf).line_col, None);
    }

    #[test]
    fn first_failure_keeps_the_lowest_item() {
        let f = FirstFailure::default();
        assert!(!f.skip(5));
        f.record(9, Error::msg("nine"));
        assert!(f.skip(10) && !f.skip(9) && !f.skip(3));
        f.record(3, Error::msg("three"));
        f.record(7, Error::msg("seven"));
        assert!(f.skip(4));
        assert_eq!(f.into_result().unwrap_err().msg, "three");
        assert!(FirstFailure::default().into_result().is_ok());
    }
}
