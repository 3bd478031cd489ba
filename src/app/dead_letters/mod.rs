//! A dead-letter queue's messages, listed for the human who has to decide about them:
//! why each failed, how many times it was received, how long it has waited there, and
//! where it came from; with a Redrive button per source queue that moves them back once
//! the bug is fixed (it sets the source's `redrive_at` knob to now, so a restart from
//! the scenario, or a share link, redrives at the same moment). `panel` draws it while a
//! queue is selected; this module gathers what it shows from the simulation.

pub mod panel;

use crate::sim::Simulation;
use crate::sim::kernel::time::SimDuration;
use crate::sim::services::queue::redrive::FailReason;

/// Messages the panel lists, oldest first (a DLQ may hold thousands; the counts above
/// the list cover them all).
pub const ROWS: usize = 50;

/// One message of the list.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// The correlation id of the request that produced it (the trace's number).
    pub id: u64,
    /// Why its last receive failed; `None` for a message sent to this queue directly.
    pub reason: Option<FailReason>,
    /// Receives (or attempts) before it was given up.
    pub receives: u32,
    /// How long it has waited in the DLQ.
    pub waited: SimDuration,
    /// The queue it was dead-lettered from, or what gave it up (a function or stream).
    pub from: String,
}

/// A source queue a redrive would move messages back to.
#[derive(Clone, Debug, PartialEq)]
pub struct Source {
    pub queue: String,
    /// Its dead letters waiting here now (what a redrive started now would move).
    pub waiting: u64,
    /// A redrive into it under way: messages left to move.
    pub redriving: Option<u64>,
}

/// What the panel shows about one DLQ.
#[derive(Clone, Debug, PartialEq)]
pub struct DeadLetters {
    pub dlq: String,
    /// Messages waiting in it (visible), all of them.
    pub waiting: u64,
    /// Of those, how many per failure reason (reasons with none left out).
    pub by_reason: Vec<(FailReason, u64)>,
    pub rows: Vec<Row>,
    /// The queues that send their dead letters here.
    pub sources: Vec<Source>,
}

/// The DLQ to show for a selected queue: its own `dlq`, or the queue itself when it is
/// one (another queue's `dlq`, or holding dead letters). `None` otherwise.
pub fn dlq_of(sim: &Simulation, queue: usize) -> Option<usize> {
    let config = sim.config();
    let q = config.queues.get(queue)?;
    if let Some(dlq) = &q.dlq {
        return config.queues.iter().position(|d| d.name == *dlq);
    }
    let is_dlq = config.queues.iter().any(|s| s.dlq.as_deref() == Some(q.name.as_str()));
    (is_dlq || sim.queues()[queue].dead_letters > 0).then_some(queue)
}

/// Gathers the panel's view of DLQ `dlq`.
pub fn dead_letters(sim: &Simulation, dlq: usize) -> DeadLetters {
    let config = sim.config();
    let d = &sim.queues()[dlq];
    let now = sim.now();
    let mut counts = [0u64; FailReason::ALL.len()];
    let mut rows = Vec::new();
    let mut waiting = 0;
    for m in d.waiting_messages() {
        waiting += 1;
        if let Some(dead) = m.dead {
            counts[dead.reason as usize] += 1;
        }
        if rows.len() < ROWS {
            let from = match m.dead.and_then(|dead| dead.source) {
                Some(q) => config.queues[q as usize].name.clone(),
                None if m.dead.is_some() => "an on-failure destination".to_string(),
                None => "sent here".to_string(),
            };
            rows.push(Row {
                id: m.correlation,
                reason: m.dead.map(|dead| dead.reason),
                receives: m.dead.map_or(0, |dead| dead.receives),
                waited: now.since(m.arrived),
                from,
            });
        }
    }
    let by_reason = FailReason::ALL.iter().map(|&r| (r, counts[r as usize])).filter(|&(_, n)| n > 0).collect();
    let sources = config
        .queues
        .iter()
        .enumerate()
        .filter(|(_, s)| s.dlq.as_deref() == Some(config.queues[dlq].name.as_str()))
        .map(|(i, s)| Source {
            queue: s.name.clone(),
            waiting: d.redrivable(i as u32),
            redriving: sim.queues()[i].redrive_left(),
        })
        .collect();
    DeadLetters { dlq: config.queues[dlq].name.clone(), waiting, by_reason, rows, sources }
}

/// The knob change the Redrive button sends for source queue `queue`: a redrive now.
pub fn redrive_now(sim: &Simulation, queue: &str) -> (String, String) {
    (format!("{queue}.redrive_at"), format!("{}us", sim.now().0))
}
