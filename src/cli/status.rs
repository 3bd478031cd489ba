//! Progress on stderr for commands that take more than a second (run, sweep, audit,
//! replay). On a terminal it is one line redrawn in place, at most five times a second;
//! when stderr goes to a file or a pipe (a CI log), a carriage return would glue every
//! redraw into one line, so it writes whole lines instead, one every five seconds and
//! the last.

use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Silent for this long: a quick command prints nothing.
const QUIET: Duration = Duration::from_secs(1);
const REDRAW: Duration = Duration::from_millis(200);
const LOG_EVERY: Duration = Duration::from_secs(5);

pub struct StatusLine {
    started: Instant,
    terminal: bool,
    /// When a line was last shown (shared by the threads of a sweep).
    last: Mutex<Option<Instant>>,
}

impl StatusLine {
    pub fn new() -> StatusLine {
        StatusLine::with(std::io::stderr().is_terminal())
    }

    fn with(terminal: bool) -> StatusLine {
        StatusLine { started: Instant::now(), terminal, last: Mutex::new(None) }
    }

    /// Seconds since the command started.
    pub fn elapsed(&self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }

    /// Shows `text()` if a line is due (`last_one`: the final state, shown once the
    /// command has taken its first second whatever the interval).
    pub fn show(&self, last_one: bool, text: impl FnOnce() -> String) {
        if let Some(line) = self.due(Instant::now(), last_one).then(text) {
            if self.terminal {
                eprint!("\r{line}");
            } else {
                eprintln!("{line}");
            }
        }
    }

    /// Whether a line is due at `now`, and if so marks it shown.
    fn due(&self, now: Instant, last_one: bool) -> bool {
        let mut last = self.last.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let interval = if self.terminal { REDRAW } else { LOG_EVERY };
        let due = now.duration_since(self.started) >= QUIET
            && (last_one || last.is_none_or(|at| now.duration_since(at) >= interval));
        if due {
            *last = Some(now);
        }
        due
    }

    /// Ends the redrawn line, if one was drawn.
    pub fn finish(&self) {
        let drawn = self.last.lock().map(|l| l.is_some()).unwrap_or(true);
        if self.terminal && drawn {
            eprintln!();
        }
    }

    /// A `(done, total)` callback for sweeps and audits: "LABEL: 12/87 runs done (3.1 s)".
    pub fn counter<'a>(&'a self, label: &'a str) -> impl Fn(usize, usize) + Sync + 'a {
        move |done, total| {
            self.show(done == total, || format!("{label}: {done}/{total} runs done ({:.1} s)", self.elapsed()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_log_gets_a_line_every_five_seconds_and_a_terminal_five_a_second() {
        for (terminal, interval) in [(false, LOG_EVERY), (true, REDRAW)] {
            let line = StatusLine::with(terminal);
            let at = |ms: u64| line.started + Duration::from_millis(ms);
            assert!(!line.due(at(500), false), "quiet for the first second");
            assert!(!line.due(at(900), true), "even the last state, when the command was quick");
            assert!(line.due(at(1000), false));
            let step = interval.as_millis() as u64;
            assert!(!line.due(at(1000 + step - 1), false));
            assert!(line.due(at(1000 + step), false));
            assert!(line.due(at(1001 + step), true), "the last state is always shown");
        }
    }
}
