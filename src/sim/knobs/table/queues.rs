//! The knobs of a queue: its consumer's batches and concurrency, visibility, receives,
//! the dead-letter queue and its redrive.

use super::{always, on_off};
use crate::sim::config::SimConfig;
use crate::sim::kernel::time::SimDuration;
use crate::sim::knobs::{Knob, Live, Owner, Unit};
use crate::sim::services::queue::redrive::MAX_REDRIVE_RATE;

pub(super) const BATCH_SIZE: Knob = Knob {
    property: "batch_size",
    owner: Owner::Queue,
    unit: Unit::Count,
    help: "messages per invocation",
    range: |_| (1.0, 100.0),
    applies: has_consumer,
    read: |c, i| c.queues[i].consumer.as_ref().map_or(0, |c| c.batch_size).to_string(),
    write: |c, i, v| {
        if let Some(consumer) = c.queues[i].consumer.as_mut() {
            consumer.batch_size = v.count();
        }
    },
    live: QUEUE_LIVE,
};

pub(super) const VISIBILITY_TIMEOUT: Knob = Knob {
    property: "visibility_timeout",
    owner: Owner::Queue,
    unit: Unit::Duration,
    help: "how long a received message stays hidden",
    range: |_| (1.0, 3600.0),
    applies: always,
    read: |c, i| c.queues[i].visibility_timeout.to_string(),
    write: |c, i, v| c.queues[i].visibility_timeout = v.duration(),
    live: QUEUE_LIVE,
};

pub(super) const MAX_RECEIVES: Knob = Knob {
    property: "max_receives",
    owner: Owner::Queue,
    unit: Unit::Count,
    help: "receives before a message goes to the dead-letter queue",
    range: |_| (1.0, 20.0),
    applies: always,
    read: |c, i| c.queues[i].max_receive_count.to_string(),
    write: |c, i, v| c.queues[i].max_receive_count = v.count(),
    live: QUEUE_LIVE,
};

pub(super) const MAX_CONCURRENCY: Knob = Knob {
    property: "max_concurrency",
    owner: Owner::Queue,
    unit: Unit::Count,
    help: "the most concurrent invocations the queue's pollers make",
    range: |_| (2.0, 1000.0),
    applies: has_consumer,
    read: |c, i| c.queues[i].consumer.as_ref().map_or(0, |c| c.max_concurrency).to_string(),
    write: |c, i, v| {
        if let Some(consumer) = c.queues[i].consumer.as_mut() {
            consumer.max_concurrency = v.count();
        }
    },
    live: QUEUE_LIVE,
};

pub(super) const DLQ: Knob = Knob {
    property: "dlq",
    owner: Owner::Queue,
    unit: Unit::Toggle,
    help: "whether the queue's dead-letter queue is attached",
    range: |_| (0.0, 1.0),
    applies: has_dlq,
    read: |c, i| on_off(!c.detached_dlqs.contains(&c.queues[i].name)),
    write: |c, i, v| {
        let name = c.queues[i].name.clone();
        c.detached_dlqs.retain(|q| *q != name);
        if !v.is_on() {
            c.detached_dlqs.push(name);
        }
    },
    live: QUEUE_LIVE,
};

pub(super) const REDRIVE_AT: Knob = Knob {
    property: "redrive_at",
    owner: Owner::Queue,
    unit: Unit::Duration,
    help: "when an operator redrives the dead-letter queue back into this queue (0: never)",
    range: |c| (0.0, c.duration.as_secs_f64().floor()),
    applies: has_dlq_to_redrive,
    read: |c, i| c.queues[i].redrive_at.to_string(),
    write: |c, i, v| c.queues[i].redrive_at = v.duration(),
    live: QUEUE_LIVE,
};

pub(super) const REDRIVE_RATE: Knob = Knob {
    property: "redrive_rate",
    owner: Owner::Queue,
    unit: Unit::Count,
    help: "messages a second a redrive moves (SQS allows up to 500; 0 lets SQS choose: all at once)",
    range: |_| (0.0, f64::from(MAX_REDRIVE_RATE)),
    applies: has_dlq_to_redrive,
    read: |c, i| c.queues[i].redrive_rate.to_string(),
    write: |c, i, v| c.queues[i].redrive_rate = v.count(),
    live: QUEUE_LIVE,
};

pub(super) const PARTIAL_BATCH: Knob = Knob {
    property: "partial_batch",
    owner: Owner::Queue,
    unit: Unit::Toggle,
    help: "report failed messages one by one instead of returning the whole batch",
    range: |_| (0.0, 1.0),
    applies: has_consumer,
    read: |c, i| on_off(c.queues[i].consumer.as_ref().is_some_and(|c| c.partial_batch_response)),
    write: |c, i, v| {
        if let Some(consumer) = c.queues[i].consumer.as_mut() {
            consumer.partial_batch_response = v.is_on();
        }
    },
    live: QUEUE_LIVE,
};

pub(super) const BATCHING_WINDOW: Knob = Knob {
    property: "batching_window",
    owner: Owner::Queue,
    unit: Unit::Duration,
    help: "how long the pollers wait for a fuller batch",
    range: |_| (0.0, 300.0),
    applies: has_consumer,
    read: |c, i| c.queues[i].consumer.as_ref().map_or(SimDuration::ZERO, |c| c.batching_window).to_string(),
    write: |c, i, v| {
        if let Some(consumer) = c.queues[i].consumer.as_mut() {
            consumer.batching_window = v.duration();
        }
    },
    live: QUEUE_LIVE,
};

fn has_consumer(config: &SimConfig, queue: usize) -> Result<(), &'static str> {
    config.queues[queue].consumer.as_ref().map(|_| ()).ok_or("has no consumer function")
}

fn has_dlq(config: &SimConfig, queue: usize) -> Result<(), &'static str> {
    config.queues[queue].dlq.as_ref().map(|_| ()).ok_or("has no dead-letter queue to attach")
}

fn has_dlq_to_redrive(config: &SimConfig, queue: usize) -> Result<(), &'static str> {
    config.queues[queue].dlq.as_ref().map(|_| ()).ok_or("has no dead-letter queue to redrive from")
}

/// A queue's knob lives on its spec, which the running queue reads from then on.
const QUEUE_LIVE: Live = Live::Apply(|sim, i, changed, _| {
    sim.respec_queue(i, changed);
    Ok(())
});
