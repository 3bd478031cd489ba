//! A bounded structured event log: the most recent entries only, so memory stays flat.

use crate::sim::kernel::time::{SimDuration, SimTime};
use serde::Serialize;
use std::collections::VecDeque;

/// Why a request was refused before it ran.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum ThrottleReason {
    /// The function's reserved concurrency is all in use.
    ReservedConcurrency,
    /// The account's unreserved concurrency is all in use.
    AccountConcurrency,
    /// New environments are being created faster than the scaling rate allows.
    ScalingRate,
}

impl ThrottleReason {
    pub fn explain(self) -> &'static str {
        match self {
            ThrottleReason::ReservedConcurrency => "reserved concurrency of the function exhausted",
            ThrottleReason::AccountConcurrency => "account concurrency limit reached",
            ThrottleReason::ScalingRate => "scaling rate limit (too many new environments at once)",
        }
    }
}

/// How an invocation ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Outcome {
    Succeeded,
    Failed,
    TimedOut,
}

/// What happened.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub enum LogKind {
    Arrived,
    ColdStartBegan,
    ColdStartDone {
        took: SimDuration,
    },
    Started {
        warm: bool,
    },
    Finished {
        outcome: Outcome,
        latency: SimDuration,
    },
    Throttled {
        reason: ThrottleReason,
    },
    Expired {
        idle_for: SimDuration,
    },
    /// A call the function's role does not allow (call: its position in `calls`).
    AccessDenied {
        call: u32,
    },
    /// A line the handler itself wrote (structured logging, not the platform's): at a
    /// decision point (a `Log` step of its calls), or, automatically, the error context
    /// when a downstream call failed it. `request` is the correlation id.
    Handler {
        level: LogLevel,
        line: HandlerLine,
    },
}

/// How serious a handler's log line is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, serde::Deserialize)]
pub enum LogLevel {
    #[default]
    Info,
    Warn,
    Error,
}

/// What a handler's log line says (its text lives in the function's spec).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub enum HandlerLine {
    /// The `Log` step at position `call` of the handler's calls wrote its message,
    /// `elapsed` into the handler (its own work and the calls before it).
    Step { call: u32, elapsed: SimDuration },
    /// The call at position `call` failed the invocation after `took`.
    CallFailed { call: u32, failure: CallFailed, took: SimDuration },
    /// The invocation ran out of time while the call at position `call` was under way
    /// (for `took` so far).
    TimedOut { call: u32, took: SimDuration },
}

/// Why a downstream call failed, as the handler's error line says it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum CallFailed {
    /// The database refused a new connection (at its limit).
    ConnectionRefused,
    /// A function it invoked synchronously was throttled.
    Throttled,
    /// A function it invoked synchronously failed.
    CalleeFailed,
    /// A third-party API refused (429) or failed every attempt.
    ApiFailed,
    /// The role does not allow the call.
    AccessDenied,
    /// A cached secret was rotated since it was read.
    StaleSecret,
    /// /tmp had no room for what the handler wrote.
    TmpFull,
    /// A third-party API declined the request for good (a card declined).
    Declined,
}

impl CallFailed {
    pub fn explain(self) -> &'static str {
        match self {
            CallFailed::ConnectionRefused => "connection refused (the database is at its connection limit)",
            CallFailed::Throttled => "the function it invoked was throttled",
            CallFailed::CalleeFailed => "the function it invoked failed",
            CallFailed::ApiFailed => "refused (429) or failed on every attempt",
            CallFailed::AccessDenied => "AccessDenied",
            CallFailed::StaleSecret => "the cached secret was rotated",
            CallFailed::TmpFull => "no space left on device (/tmp is full)",
            CallFailed::Declined => "declined (a refusal for good, not retried)",
        }
    }
}

impl LogKind {
    /// The handler's level of a line it wrote; the platform's events are Info, a
    /// throttle Warn, a failed or timed-out invocation Error.
    pub fn level(&self) -> LogLevel {
        match self {
            LogKind::Handler { level, .. } => *level,
            LogKind::Throttled { .. } => LogLevel::Warn,
            LogKind::Finished { outcome: Outcome::Failed | Outcome::TimedOut, .. } | LogKind::AccessDenied { .. } => {
                LogLevel::Error
            }
            _ => LogLevel::Info,
        }
    }
}

/// One line of the log.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct LogEntry {
    pub time: SimTime,
    pub kind: LogKind,
    /// Index of the function in the scenario.
    pub function: u32,
    /// Environment slot (`u32::MAX` when none).
    pub env: u32,
    /// Correlation id of the request (0 when none).
    pub request: u64,
}

/// A ring buffer of the latest `capacity` entries.
#[derive(Clone, Debug)]
pub struct EventLog {
    entries: VecDeque<LogEntry>,
    capacity: usize,
    total: u64,
}

impl EventLog {
    pub fn new(capacity: usize) -> EventLog {
        EventLog { entries: VecDeque::with_capacity(capacity.min(1 << 16)), capacity, total: 0 }
    }

    #[inline]
    pub fn push(&mut self, entry: LogEntry) {
        if self.capacity == 0 {
            return;
        }
        if self.entries.len() == self.capacity {
            self.entries.pop_front();
        }
        self.entries.push_back(entry);
        self.total += 1;
    }

    /// The kept entries, oldest first.
    pub fn entries(&self) -> impl DoubleEndedIterator<Item = &LogEntry> {
        self.entries.iter()
    }

    /// Bytes its entries hold (memory estimates).
    pub(crate) fn bytes(&self) -> usize {
        self.entries.capacity() * std::mem::size_of::<LogEntry>()
    }

    /// Entries ever logged (including those dropped from the ring).
    pub fn total(&self) -> u64 {
        self.total
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_only_the_latest() {
        let mut log = EventLog::new(3);
        for i in 0..10 {
            log.push(LogEntry { time: SimTime(i), kind: LogKind::Arrived, function: 0, env: 0, request: i });
        }
        let kept: Vec<u64> = log.entries().map(|e| e.request).collect();
        assert_eq!(kept, [7, 8, 9]);
        assert_eq!(log.total(), 10);
    }
}
