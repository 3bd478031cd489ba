//! Standard output for the commands' results. A reader that stops early (`faaslab list
//! | head -3`) closes the pipe: what is left is dropped and the command ends as it
//! would have (its exit status still says whether a challenge passed), where `print!`
//! panicked.

use std::io::Write;

/// Writes `text` to stdout; only a failure other than a closed pipe (a full disk) is
/// an error.
pub fn out(text: &str) -> Result<(), String> {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(format!("cannot write the output: {e}")),
        _ => Ok(()),
    }
}
