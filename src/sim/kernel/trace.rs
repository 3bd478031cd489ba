//! Sampled traces: for one request in `sample_every`, every hop becomes a span (the
//! caller's wait, cold starts, function attempts, queue waits, database queries),
//! kept in a bounded ring so memory stays flat.

use crate::sim::kernel::log::Outcome;
use crate::sim::kernel::time::SimTime;
use serde::Serialize;
use std::collections::VecDeque;

/// What a span measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum SpanKind {
    /// A synchronous caller's whole wait (node: the trigger).
    Request,
    /// An environment's cold start before an attempt (node: the function).
    ColdStart,
    /// One run of a function, downstream calls included (node: the function).
    Attempt,
    /// A message waiting in a queue until received (node: the queue).
    QueueWait,
    /// A database query, waits included (node: the database).
    Query,
    /// A call refused by the function's role: AccessDenied (node: the function).
    AccessDenied,
}

/// One hop of a request.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Span {
    /// The request's correlation id.
    pub trace: u64,
    pub kind: SpanKind,
    /// Index of the trigger, function, queue or database (by `kind`).
    pub node: u32,
    pub start: SimTime,
    pub end: SimTime,
    pub outcome: Option<Outcome>,
}

/// The most recent spans of sampled requests.
#[derive(Clone, Debug)]
pub struct Traces {
    spans: VecDeque<Span>,
    capacity: usize,
    /// One request in this many is traced (0 = none).
    pub sample_every: u64,
}

impl Traces {
    pub fn new(sample_every: u64, capacity: usize) -> Traces {
        Traces { spans: VecDeque::new(), capacity, sample_every }
    }

    /// Bytes its spans hold (memory estimates).
    pub(crate) fn bytes(&self) -> usize {
        self.spans.capacity() * std::mem::size_of::<Span>()
    }

    #[inline]
    pub fn sampled(&self, trace: u64) -> bool {
        self.sample_every != 0 && self.capacity != 0 && trace.is_multiple_of(self.sample_every)
    }

    #[inline]
    pub fn record(&mut self, span: Span) {
        if !self.sampled(span.trace) {
            return;
        }
        if self.spans.len() == self.capacity {
            self.spans.pop_front();
        }
        self.spans.push_back(span);
    }

    /// Kept spans, in the order they ended.
    pub fn spans(&self) -> impl DoubleEndedIterator<Item = &Span> {
        self.spans.iter()
    }

    /// The spans of one request, by start time.
    pub fn of(&self, trace: u64) -> Vec<Span> {
        let mut v: Vec<Span> = self.spans.iter().filter(|s| s.trace == trace).copied().collect();
        v.sort_by_key(|s| (s.start, s.end));
        v
    }
}
