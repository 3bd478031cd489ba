//! The knobs of a change stream's consumer: batch size, bisecting a failed batch,
//! retries and where failed records go.

use super::{count_or_none, on_off};
use crate::sim::config::SimConfig;
use crate::sim::knobs::{Knob, KnobValue, Live, NameKind, Owner, Unit};

pub(super) const BATCH_SIZE: Knob = Knob {
    property: "batch_size",
    owner: Owner::Stream,
    unit: Unit::Count,
    help: "records per invocation, per shard",
    range: |_| (1.0, 1000.0),
    applies: has_stream_consumer,
    read: |c, i| c.streams[i].consumer.as_ref().map_or(0, |c| c.batch_size).to_string(),
    write: |c, i, v| {
        if let Some(consumer) = c.streams[i].consumer.as_mut() {
            consumer.batch_size = v.count();
        }
    },
    live: STREAM_LIVE,
};

pub(super) const BISECT: Knob = Knob {
    property: "bisect",
    owner: Owner::Stream,
    unit: Unit::Toggle,
    help: "split a failing batch in two, down to the bad record",
    range: |_| (0.0, 1.0),
    applies: has_stream_consumer,
    read: |c, i| on_off(c.streams[i].consumer.as_ref().is_some_and(|c| c.bisect_on_error)),
    write: |c, i, v| {
        if let Some(consumer) = c.streams[i].consumer.as_mut() {
            consumer.bisect_on_error = v.is_on();
        }
    },
    live: STREAM_LIVE,
};

pub(super) const MAX_RETRIES: Knob = Knob {
    property: "max_retries",
    owner: Owner::Stream,
    unit: Unit::CountOrNone,
    help: "retries of a failing batch before it is given up (none = until its records expire)",
    range: |_| (0.0, 100.0),
    applies: has_stream_consumer,
    read: |c, i| count_or_none(c.streams[i].consumer.as_ref().and_then(|c| c.max_retries)),
    write: |c, i, v| {
        if let Some(consumer) = c.streams[i].consumer.as_mut() {
            consumer.max_retries = v.count_or_none();
        }
    },
    live: STREAM_LIVE,
};

pub(super) const ON_FAILURE: Knob = Knob {
    property: "on_failure",
    owner: Owner::Stream,
    unit: Unit::Name { of: NameKind::Queue, or_none: true },
    help: "the queue that takes the records of a batch given up (none = they are gone)",
    range: |_| (0.0, 0.0),
    applies: has_stream_consumer,
    read: |c, i| c.streams[i].consumer.as_ref().and_then(|c| c.on_failure.clone()).unwrap_or_else(|| "none".into()),
    write: |c, i, v| {
        if let Some(consumer) = c.streams[i].consumer.as_mut() {
            consumer.on_failure = (*v != KnobValue::None).then(|| v.name().to_string());
        }
    },
    live: STREAM_LIVE,
};

fn has_stream_consumer(config: &SimConfig, stream: usize) -> Result<(), &'static str> {
    config.streams[stream].consumer.as_ref().map(|_| ()).ok_or("has no consumer function")
}

/// A stream consumer's knob lives on its spec, which the running stream reads from then on.
const STREAM_LIVE: Live = Live::Apply(|sim, i, changed, _| {
    sim.respec_stream(i, changed);
    Ok(())
});
