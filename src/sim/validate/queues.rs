//! Messaging: queues (visibility timeout, DLQ, consumer, redrive), database streams
//! (shards, consumer, on-failure destination) and event buses (rules and their targets).

use crate::sim::kernel::time::SimDuration;
use crate::sim::services::bus::{BusSpec, BusTarget};
use crate::sim::services::queue::QueueSpec;
use crate::sim::services::queue::redrive::MAX_REDRIVE_RATE;
use crate::sim::services::stream::StreamSpec;

use super::{At, Names};

/// The shortest visibility timeout a queue accepts (see `QueueSpec::problems`).
pub const MIN_VISIBILITY_TIMEOUT: SimDuration = SimDuration::from_secs(1);

impl QueueSpec {
    pub(super) fn problems(&self, names: &Names, at: &mut At) {
        let q = self;
        if q.visibility_timeout < MIN_VISIBILITY_TIMEOUT || q.visibility_timeout > SimDuration::from_secs(12 * 3600) {
            at.push(
                "visibility_timeout",
                format!(
                    "1s..12h, got {} (SQS accepts 0, but a message then comes back at the next poll; below a second the run would redeliver it in a microsecond loop)",
                    q.visibility_timeout
                ),
            );
        }
        if q.max_receive_count == 0 {
            at.push("max_receive_count", "at least one receive".into());
        }
        if q.retention < SimDuration::from_secs(60) {
            at.push("retention", format!("at least 1m, got {}", q.retention));
        }
        if let Some(dlq) = &q.dlq {
            if let Some(problem) = names.unknown_queue(dlq) {
                at.push("dlq", problem);
            } else if *dlq == q.name {
                at.push("dlq", "a queue cannot be its own dead-letter queue".into());
            }
        }
        if q.redrive_at.0 > 0 && q.dlq.is_none() {
            at.push(
                "redrive_at",
                "a redrive needs a dead-letter queue to move messages from (write `dlq: \"...\"`)".into(),
            );
        }
        if q.redrive_rate > MAX_REDRIVE_RATE {
            at.push(
                "redrive_rate",
                format!(
                    "0..{MAX_REDRIVE_RATE} messages a second (SQS's most; 0 lets SQS choose), got {}",
                    q.redrive_rate
                ),
            );
        }
        if let Some(c) = &q.consumer {
            if let Some(problem) = names.unknown_function(&c.function) {
                at.push("consumer.function", problem);
            }
            if c.batch_size == 0 || c.batch_size > 10_000 {
                at.push("consumer.batch_size", format!("1..10000, got {}", c.batch_size));
            }
            if c.max_concurrency < 2 || c.max_concurrency > 1000 {
                at.push("consumer.max_concurrency", format!("2..1000 (as Lambda), got {}", c.max_concurrency));
            }
            if c.batching_window > SimDuration::from_secs(300) {
                at.push("consumer.batching_window", format!("at most 5m, got {}", c.batching_window));
            }
        }
    }
}

impl StreamSpec {
    pub(super) fn problems(&self, names: &Names, at: &mut At) {
        if !(1..=1000).contains(&self.shards) {
            at.push("shards", format!("1..1000 shards, got {}", self.shards));
        }
        if let Some(c) = &self.consumer {
            if let Some(problem) = names.unknown_function(&c.function) {
                at.push("consumer.function", problem);
            }
            if !(1..=10_000).contains(&c.batch_size) {
                at.push("consumer.batch_size", format!("1..10000, got {}", c.batch_size));
            }
            if let Some(problem) = c.on_failure.as_deref().and_then(|q| names.unknown_queue(q)) {
                at.push("consumer.on_failure", problem);
            }
        }
    }
}

impl BusSpec {
    pub(super) fn problems(&self, names: &Names, at: &mut At) {
        for (r, rule) in self.rules.iter().enumerate() {
            for (k, target) in rule.targets.iter().enumerate() {
                let problem = match target {
                    BusTarget::Function(f) => names.unknown_function(f),
                    BusTarget::Queue(q) => names.unknown_queue(q),
                    BusTarget::Workflow(w) => names.unknown_workflow(w),
                };
                if let Some(problem) = problem {
                    at.push(&format!("rules[{r}].targets[{k}]"), problem);
                }
            }
        }
    }
}
