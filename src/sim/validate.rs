//! Validation of the services part of a configuration: queues, databases, buses,
//! buckets, streams, workflows, and the calls functions make to them.

use crate::sim::config::{Problem, SimConfig, join};
use crate::sim::function::Call;
use crate::sim::kernel::time::SimDuration;
use crate::sim::services::bus::BusTarget;
use crate::sim::services::workflow::Step;

impl SimConfig {
    pub(crate) fn unknown_function(&self, name: &str) -> Option<String> {
        unknown("function", "functions", name, self.functions.iter().map(|f| f.name.as_str()))
    }

    pub(crate) fn unknown_queue(&self, name: &str) -> Option<String> {
        unknown("queue", "queues", name, self.queues.iter().map(|q| q.name.as_str()))
    }

    pub(crate) fn unknown_workflow(&self, name: &str) -> Option<String> {
        unknown("workflow", "workflows", name, self.workflows.iter().map(|w| w.name.as_str()))
    }

    pub(crate) fn unknown_stream(&self, name: &str) -> Option<String> {
        unknown("stream", "streams", name, self.streams.iter().map(|s| s.name.as_str()))
    }

    pub(crate) fn unknown_bucket(&self, name: &str) -> Option<String> {
        unknown("bucket", "buckets", name, self.buckets.iter().map(|b| b.name.as_str()))
    }

    pub(crate) fn unknown_bus(&self, name: &str) -> Option<String> {
        unknown("bus", "buses", name, self.buses.iter().map(|b| b.name.as_str()))
    }

    pub(crate) fn unknown_database(&self, name: &str) -> Option<String> {
        unknown("database", "databases", name, self.databases.iter().map(|d| d.name.as_str()))
    }

    /// Problems with queues, databases and the calls functions make to them.
    pub(crate) fn service_problems(&self, out: &mut Vec<Problem>) {
        let mut push = |path: String, message: String| out.push(Problem { path, message });
        for (i, f) in self.functions.iter().enumerate() {
            let at = |field: &str| format!("functions[{i}].{field}");
            if let Some(c) = &f.cache {
                if !(0.0..=1.0).contains(&c.hit_ratio) {
                    push(at("cache.hit_ratio"), format!("a fraction in 0..1, got {}", c.hit_ratio));
                }
                for (field, message) in c.hit_duration.problems() {
                    push(join(&at("cache.hit_duration"), field), message);
                }
            }
            if let Some(l) = &f.local_state
                && !(1..=1_000_000).contains(&l.sessions)
            {
                push(at("local_state.sessions"), format!("1..1000000 users, got {}", l.sessions));
            }
            if f.async_retries > 2 {
                push(at("async_retries"), format!("asynchronous retries are 0..2, got {}", f.async_retries));
            }
            if let Some(q) = &f.on_failure
                && let Some(problem) = self.unknown_queue(q)
            {
                push(at("on_failure"), problem);
            }
            for (k, call) in f.calls.iter().enumerate() {
                let at = |field: &str| format!("functions[{i}].calls[{k}].{field}");
                match call {
                    Call::Query { database, count } => {
                        if let Some(problem) = self.unknown_database(database) {
                            push(at("database"), problem);
                        }
                        if *count == 0 || *count > 1000 {
                            push(at("count"), format!("1..1000 queries, got {count}"));
                        }
                    }
                    Call::Send { queue } => {
                        if let Some(problem) = self.unknown_queue(queue) {
                            push(at("queue"), problem);
                        }
                    }
                    Call::Publish { bus, .. } => {
                        if let Some(problem) = self.unknown_bus(bus) {
                            push(at("bus"), problem);
                        }
                    }
                    Call::Write { stream } => {
                        if let Some(problem) = self.unknown_stream(stream) {
                            push(at("stream"), problem);
                        }
                    }
                    Call::Put { bucket, size_kb } => {
                        if let Some(problem) = self.unknown_bucket(bucket) {
                            push(at("bucket"), problem);
                        }
                        if !size_kb.is_finite() || *size_kb < 0.0 {
                            push(at("size_kb"), format!("a size in KB >= 0, got {size_kb}"));
                        }
                    }
                    Call::Invoke { function, .. } => {
                        if let Some(problem) = self.unknown_function(function) {
                            push(at("function"), problem);
                        } else if *function == f.name {
                            push(at("function"), "a function cannot invoke itself (it would never end)".into());
                        }
                    }
                }
            }
        }
        for (i, q) in self.queues.iter().enumerate() {
            let at = |field: &str| format!("queues[{i}].{field}");
            if self.queues[..i].iter().any(|o| o.name == q.name) {
                push(at("name"), format!("the name \"{}\" is used by another queue", q.name));
            }
            if q.visibility_timeout.0 == 0 || q.visibility_timeout > SimDuration::from_secs(12 * 3600) {
                push(at("visibility_timeout"), format!("above 0s and at most 12h, got {}", q.visibility_timeout));
            }
            if q.max_receive_count == 0 {
                push(at("max_receive_count"), "at least one receive".into());
            }
            if q.retention < SimDuration::from_secs(60) {
                push(at("retention"), format!("at least 1m, got {}", q.retention));
            }
            if let Some(dlq) = &q.dlq {
                if let Some(problem) = self.unknown_queue(dlq) {
                    push(at("dlq"), problem);
                } else if *dlq == q.name {
                    push(at("dlq"), "a queue cannot be its own dead-letter queue".into());
                }
            }
            if let Some(c) = &q.consumer {
                if let Some(problem) = self.unknown_function(&c.function) {
                    push(at("consumer.function"), problem);
                }
                if c.batch_size == 0 || c.batch_size > 10_000 {
                    push(at("consumer.batch_size"), format!("1..10000, got {}", c.batch_size));
                }
                if c.max_concurrency < 2 || c.max_concurrency > 1000 {
                    push(at("consumer.max_concurrency"), format!("2..1000 (as Lambda), got {}", c.max_concurrency));
                }
                if c.batching_window > SimDuration::from_secs(300) {
                    push(at("consumer.batching_window"), format!("at most 5m, got {}", c.batching_window));
                }
            }
        }
        for (i, w) in self.workflows.iter().enumerate() {
            let at = |field: &str| format!("workflows[{i}].{field}");
            if self.workflows[..i].iter().any(|o| o.name == w.name) {
                push(at("name"), format!("the name \"{}\" is used by another workflow", w.name));
            }
            if w.steps.is_empty() {
                push(at("steps"), "a workflow needs at least one step".into());
            }
            let mut names = Vec::new();
            crate::sim::services::workflow::functions_named(&w.steps, &mut names);
            for f in names {
                if let Some(problem) = self.unknown_function(&f) {
                    push(at("steps"), problem);
                }
            }
            check_choices(&w.steps, &mut |message| push(at("steps"), message));
        }
        for (i, s) in self.streams.iter().enumerate() {
            let at = |field: &str| format!("streams[{i}].{field}");
            if self.streams[..i].iter().any(|o| o.name == s.name) {
                push(at("name"), format!("the name \"{}\" is used by another stream", s.name));
            }
            if !(1..=1000).contains(&s.shards) {
                push(at("shards"), format!("1..1000 shards, got {}", s.shards));
            }
            if let Some(c) = &s.consumer {
                if let Some(problem) = self.unknown_function(&c.function) {
                    push(at("consumer.function"), problem);
                }
                if !(1..=10_000).contains(&c.batch_size) {
                    push(at("consumer.batch_size"), format!("1..10000, got {}", c.batch_size));
                }
            }
        }
        for (i, b) in self.buckets.iter().enumerate() {
            if self.buckets[..i].iter().any(|o| o.name == b.name) {
                push(format!("buckets[{i}].name"), format!("the name \"{}\" is used by another bucket", b.name));
            }
            if let Some(problem) = b.notify.as_deref().and_then(|f| self.unknown_function(f)) {
                push(format!("buckets[{i}].notify"), problem);
            }
        }
        for (i, b) in self.buses.iter().enumerate() {
            if self.buses[..i].iter().any(|o| o.name == b.name) {
                push(format!("buses[{i}].name"), format!("the name \"{}\" is used by another bus", b.name));
            }
            for (r, rule) in b.rules.iter().enumerate() {
                for (k, target) in rule.targets.iter().enumerate() {
                    let problem = match target {
                        BusTarget::Function(f) => self.unknown_function(f),
                        BusTarget::Queue(q) => self.unknown_queue(q),
                        BusTarget::Workflow(w) => self.unknown_workflow(w),
                    };
                    if let Some(problem) = problem {
                        push(format!("buses[{i}].rules[{r}].targets[{k}]"), problem);
                    }
                }
            }
        }
        for (i, d) in self.databases.iter().enumerate() {
            let at = |field: &str| format!("databases[{i}].{field}");
            if self.databases[..i].iter().any(|o| o.name == d.name) {
                push(at("name"), format!("the name \"{}\" is used by another database", d.name));
            }
            if d.max_connections == 0 {
                push(at("max_connections"), "at least one connection".into());
            }
            if d.max_parallel_queries == 0 {
                push(at("max_parallel_queries"), "at least one query at a time".into());
            }
            if let Some(p) = &d.pooler
                && (p.pool_size == 0 || p.pool_size > d.max_connections)
            {
                push(
                    at("pooler.pool_size"),
                    format!("1..max_connections ({}), got {}", d.max_connections, p.pool_size),
                );
            }
            for (field, message) in d.query_time.problems() {
                push(join(&at("query_time"), field), message);
            }
        }
    }
}

/// "no queue is named "x" (queues: a, b)" when `name` is not among `known`.
fn unknown<'a>(kind: &str, plural: &str, name: &str, known: impl Iterator<Item = &'a str>) -> Option<String> {
    let known: Vec<&str> = known.collect();
    (!known.contains(&name)).then(|| format!("no {kind} is named \"{name}\" ({plural}: {})", known.join(", ")))
}

/// Choice probabilities must be fractions; task retries bounded.
fn check_choices(steps: &[Step], report: &mut dyn FnMut(String)) {
    for s in steps {
        match s {
            Step::Choice { name, probability, then, otherwise } => {
                if !(0.0..=1.0).contains(probability) {
                    report(format!("choice \"{name}\": probability is a fraction in 0..1, got {probability}"));
                }
                check_choices(then, report);
                check_choices(otherwise, report);
            }
            Step::Task { name, retries, catch, .. } => {
                if *retries > 10 {
                    report(format!("task \"{name}\": at most 10 retries, got {retries}"));
                }
                check_choices(catch, report);
            }
            Step::Parallel { branches, .. } => branches.iter().for_each(|b| check_choices(b, report)),
            _ => {}
        }
    }
}
