//! From a configuration to a running world: every service built, names resolved to
//! indices, functions wired to the calls they make and the databases they connect to.

use crate::sim::config::{Named, SimConfig, index_of};
use crate::sim::function::Call;
use crate::sim::route::ResolvedCall;
use crate::sim::services::bus::BusState;
use crate::sim::services::queue::QueueState;
use crate::sim::services::storage::{BucketCounters, BucketState};
use crate::sim::services::stream::StreamState;
use crate::sim::services::workflow::{Machine, WorkflowState};

/// The index of the dead-letter queue a queue sends to: its written `dlq`, unless the
/// `dlq` knob detached it.
pub(crate) fn attached_dlq(config: &SimConfig, spec: &crate::sim::services::queue::QueueSpec) -> Option<u32> {
    let attached = !config.detached_dlqs.contains(&spec.name);
    spec.dlq.as_deref().filter(|_| attached).and_then(|d| index_of(&config.queues, d))
}

pub(crate) fn build_queues(config: &SimConfig) -> Vec<QueueState> {
    config
        .queues
        .iter()
        .map(|spec| {
            let mut q = QueueState::new(spec.clone());
            q.dlq_index = attached_dlq(config, spec);
            q.consumer_index = spec.consumer.as_ref().and_then(|c| index_of(&config.functions, &c.function));
            q
        })
        .collect()
}

pub(crate) fn build_buckets(config: &SimConfig) -> Vec<BucketState> {
    config
        .buckets
        .iter()
        .map(|b| BucketState {
            spec: b.clone(),
            notify_index: b.notify.as_deref().and_then(|f| index_of(&config.functions, f)),
            counters: BucketCounters::default(),
        })
        .collect()
}

pub(crate) fn build_buses(config: &SimConfig) -> Vec<BusState> {
    let function = |name: &str| index_of(&config.functions, name).unwrap_or(0);
    let queue = |name: &str| index_of(&config.queues, name).unwrap_or(0);
    let workflow = |name: &str| index_of(&config.workflows, name).unwrap_or(0);
    config.buses.iter().map(|b| BusState::new(b.clone(), function, queue, workflow)).collect()
}

pub(crate) fn resolve_calls(config: &SimConfig) -> Vec<Vec<ResolvedCall>> {
    // Validation guarantees every name exists.
    fn find<T: Named>(items: &[T], name: &str) -> u32 {
        index_of(items, name).unwrap_or(0)
    }
    config
        .functions
        .iter()
        .map(|f| {
            f.calls
                .iter()
                .enumerate()
                .map(|(k, c)| match c {
                    Call::Publish { bus, .. } => {
                        ResolvedCall::Publish { bus: find(&config.buses, bus), call: k as u32 }
                    }
                    Call::Put { bucket, size_kb } => {
                        ResolvedCall::Put { bucket: find(&config.buckets, bucket), size_kb: *size_kb }
                    }
                    Call::Write { stream } => ResolvedCall::Write { stream: find(&config.streams, stream) },
                    Call::Query { database, count } => {
                        ResolvedCall::Query { database: find(&config.databases, database), count: *count }
                    }
                    Call::Send { queue } => ResolvedCall::Send { queue: find(&config.queues, queue) },
                    Call::Invoke { function, asynchronous } => ResolvedCall::Invoke {
                        function: find(&config.functions, function),
                        asynchronous: *asynchronous,
                    },
                })
                .collect()
        })
        .collect()
}

/// For each function, the databases (bit mask) its environments connect to directly:
/// those it queries that have no pooler.
pub(crate) fn connections_per_function(config: &SimConfig) -> Vec<u64> {
    config
        .functions
        .iter()
        .map(|f| {
            f.calls.iter().fold(0u64, |mask, c| match c {
                Call::Query { database, .. } => match index_of(&config.databases, database) {
                    Some(i) if config.databases[i as usize].pooler.is_none() && i < 64 => mask | (1 << i),
                    _ => mask,
                },
                _ => mask,
            })
        })
        .collect()
}

pub(crate) fn build_streams(config: &SimConfig) -> Vec<StreamState> {
    config
        .streams
        .iter()
        .map(|s| {
            let consumer = s.consumer.as_ref().and_then(|c| index_of(&config.functions, &c.function));
            StreamState::new(s.clone(), consumer)
        })
        .collect()
}

pub(crate) fn build_workflows(config: &SimConfig) -> Vec<WorkflowState> {
    let function = |name: &str| index_of(&config.functions, name).unwrap_or(0);
    config
        .workflows
        .iter()
        .map(|w| WorkflowState::new(w.clone(), Machine::compile(w, &function), config.seed))
        .collect()
}
