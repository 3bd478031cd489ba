//! Reading a text file a user named (a scenario, a trace's CSV files), bounded: what is
//! not a regular file (a directory, a device, a pipe) is refused at once, a file over
//! the size its kind may have before it is read, and text that is not UTF-8 with where
//! the first bad byte is.

use std::io::Read;
use std::path::Path;

/// Why a file could not be read as text.
#[derive(Debug, PartialEq)]
pub enum ReadError {
    /// The whole message (cannot open, not a regular file, too large).
    File(String),
    /// Byte `at` (0-based), on `line` and `column` (1-based, in characters), is not UTF-8.
    NotUtf8 { at: usize, byte: u8, line: usize, column: usize },
}

impl ReadError {
    /// The message without the position (the caller says where, in its own format).
    pub fn message(&self) -> String {
        match self {
            ReadError::File(message) => message.clone(),
            ReadError::NotUtf8 { at, byte, .. } => {
                format!("not UTF-8 text: byte {at} (0x{byte:02x}) is not valid UTF-8; save the file as UTF-8")
            }
        }
    }
}

/// The text of `path`, a file of kind `kind` ("scenario", "trace") of at most
/// `max_bytes`. Bounded even if the file grows while it is read.
pub fn read_bounded(path: &Path, kind: &str, max_bytes: u64) -> Result<String, ReadError> {
    let fail = |message: String| ReadError::File(message);
    let meta = std::fs::metadata(path).map_err(|e| fail(format!("cannot read the file: {e}")))?;
    if !meta.is_file() {
        let what = if meta.is_dir() { "a directory" } else { "not a regular file (a device, a pipe or a socket)" };
        return Err(fail(format!("cannot read a {kind} from it: it is {what}")));
    }
    let too_large = || format!("the file is larger than {} MB, the most a {kind} file may be", max_bytes >> 20);
    if meta.len() > max_bytes {
        return Err(fail(format!(
            "the file is {:.1} MB; a {kind} file is at most {} MB",
            meta.len() as f64 / 1048576.0,
            max_bytes >> 20
        )));
    }
    let file = std::fs::File::open(path).map_err(|e| fail(format!("cannot read the file: {e}")))?;
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(max_bytes + 1).read_to_end(&mut bytes).map_err(|e| fail(format!("cannot read the file: {e}")))?;
    if bytes.len() as u64 > max_bytes {
        return Err(fail(too_large()));
    }
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let bytes = e.as_bytes();
        let before = &bytes[..at];
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let line_start = before.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        let column = String::from_utf8_lossy(&before[line_start..]).chars().count() + 1;
        ReadError::NotUtf8 { at, byte: bytes[at], line, column }
    })
}
