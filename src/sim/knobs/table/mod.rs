//! The knobs, one entry each: name, owner, unit, help, slider range, read, write and
//! live change together. Slider ranges follow the model's limits (docs/model.md),
//! narrowed to what is worth sliding through.
//!
//! Each knob is a constant in the file of what it acts on (`functions.rs`,
//! `triggers.rs`, `queues.rs`, `streams.rs`, `databases.rs`, `account.rs`); `KNOBS`
//! below lists them all, in the order the app, the audit and `knob_names` show them.

use crate::sim::config::SimConfig;
use crate::sim::knobs::Knob;

mod account;
mod databases;
mod functions;
mod queues;
mod streams;
mod triggers;

pub static KNOBS: &[Knob] = &[
    functions::MEMORY,
    functions::KEEP_ALIVE,
    functions::PROVISIONED,
    functions::RESERVED,
    functions::TIMEOUT,
    functions::EPHEMERAL_MB,
    functions::KEEP_IN_TMP,
    functions::RESULTS_TO,
    functions::CONFIG_TTL,
    functions::REFRESH_ON_ERROR,
    functions::IDEMPOTENCY,
    functions::RUNTIME,
    functions::PACKAGE_MB,
    functions::LAZY_INIT,
    functions::ON_FAILURE,
    functions::PERMISSIONS,
    functions::VPC,
    functions::REGION,
    functions::ARCHITECTURE,
    functions::ASYNC_RETRIES,
    triggers::RATE,
    triggers::ENABLED,
    triggers::TARGET,
    triggers::CLAIM_CHECK,
    triggers::FLEET,
    triggers::INVOKE_OVERHEAD_MS,
    triggers::FANOUT,
    triggers::MESSAGE_KB,
    queues::BATCH_SIZE,
    queues::VISIBILITY_TIMEOUT,
    queues::MAX_RECEIVES,
    queues::MAX_CONCURRENCY,
    queues::DLQ,
    queues::REDRIVE_AT,
    queues::REDRIVE_RATE,
    queues::PARTIAL_BATCH,
    queues::BATCHING_WINDOW,
    streams::BATCH_SIZE,
    streams::BISECT,
    streams::MAX_RETRIES,
    streams::ON_FAILURE,
    databases::POOLER,
    databases::MAX_CONNECTIONS,
    account::CONCURRENCY,
    functions::SNAP_START,
    functions::RESTORE_HOOK,
    functions::PER_ENVIRONMENT_CONCURRENCY,
    functions::BILLING,
    account::PROVIDER,
];

fn always(_: &SimConfig, _: usize) -> Result<(), &'static str> {
    Ok(())
}

fn on_off(on: bool) -> String {
    if on { "on" } else { "off" }.to_string()
}

fn count_or_none(count: Option<u32>) -> String {
    count.map_or("none".to_string(), |c| c.to_string())
}
