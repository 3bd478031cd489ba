//! A long `faaslab run` shows where it stands and can be stopped: a progress line on
//! stderr once a run has taken a second, and Ctrl-C stopping the run where it stands
//! (the report of the run so far is printed, exit status 130); a second Ctrl-C ends the
//! process at once, as usual.

use super::status::StatusLine;
use faaslab::sim::Progress;
use std::sync::atomic::AtomicBool;

/// Raised by the first Ctrl-C.
pub static STOP: AtomicBool = AtomicBool::new(false);

/// Exit status of a run stopped by Ctrl-C (128 + SIGINT, as shells report it).
pub const STOPPED: u8 = 130;

/// Routes the first Ctrl-C to `STOP` instead of ending the process.
#[cfg(unix)]
pub fn install() {
    const SIGINT: i32 = 2;
    const SIG_DFL: usize = 0;
    unsafe extern "C" {
        // POSIX signal(2); async-signal-safe, so the handler may call it too.
        fn signal(signum: i32, handler: usize) -> usize;
    }
    extern "C" fn on_interrupt(_: i32) {
        STOP.store(true, std::sync::atomic::Ordering::Relaxed);
        // SAFETY: restores the default action; signal is async-signal-safe.
        unsafe { signal(SIGINT, SIG_DFL) };
    }
    // SAFETY: the handler only stores an atomic and calls an async-signal-safe function.
    unsafe { signal(SIGINT, on_interrupt as extern "C" fn(i32) as usize) };
}

#[cfg(not(unix))]
pub fn install() {}

/// The run's progress line (see `status`).
pub struct ProgressLine {
    line: StatusLine,
}

impl ProgressLine {
    pub fn new() -> ProgressLine {
        ProgressLine { line: StatusLine::new() }
    }

    pub fn show(&mut self, p: &Progress) {
        self.line.show(false, || {
            format!(
                "run: {:5.1}% ({} of {} simulated, {:.1} M events, {:.1} s); Ctrl-C stops with the report so far ",
                100.0 * p.fraction(),
                whole_seconds(p.now.0),
                whole_seconds(p.end.0),
                p.events as f64 / 1e6,
                self.line.elapsed()
            )
        });
    }

    /// Ends the line if one was drawn.
    pub fn finish(&self) {
        self.line.finish();
    }
}

/// A simulated time for the progress line: "6h41m", "12m05s", "42s".
fn whole_seconds(micros: u64) -> String {
    let s = micros / 1_000_000;
    match (s / 3600, s % 3600 / 60, s % 60) {
        (0, 0, s) => format!("{s}s"),
        (0, m, s) => format!("{m}m{s:02}s"),
        (h, m, _) => format!("{h}h{m:02}m"),
    }
}
