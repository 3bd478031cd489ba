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
