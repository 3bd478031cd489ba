//! A seeded property test: random valid scenarios built from the format's grammar
//! (every trigger kind, arrival process, service and call), written out as RON and read
//! back, then run. For each: no panic, everything conserved at every step, every number
//! of the report finite, and the same seed gives the same bytes. Fixed seed and count,
//! so it runs in CI time and fails the same way every time.

use crate::conservation::check;
use faaslab::report::Report;
use faaslab::scenario::Scenario;
use faaslab::sim::Simulation;
use faaslab::sim::client::ClientSpec;
use faaslab::sim::config::{Account, ScalingRate, SimConfig};
use faaslab::sim::function::{Call, FunctionSpec, KeepAlive, Runtime};
use faaslab::sim::kernel::arrivals::{Arrivals, Step as ArrivalStep};
use faaslab::sim::kernel::dist::{Dist, Percentile};
use faaslab::sim::kernel::rng::RngStream;
use faaslab::sim::kernel::time::{SimDuration, SimTime};
use faaslab::sim::services::bus::{BusSpec, BusTarget, RuleSpec};
use faaslab::sim::services::database::{DatabaseSpec, PoolerSpec};
use faaslab::sim::services::queue::{ConsumerSpec, QueueSpec};
use faaslab::sim::services::storage::{BucketSpec, Payload, SizeDist};
use faaslab::sim::services::stream::{StreamConsumerSpec, StreamSpec};
use faaslab::sim::services::workflow::{Step, WorkflowSpec};
use faaslab::sim::trigger::TriggerSpec;

/// Scenarios generated (and the share that must be valid: the generator aims inside the
/// grammar's ranges).
const SCENARIOS: usize = 120;

/// The generator's seed and count: fixed in CI; `FAASLAB_PROPERTY_SEED` and
/// `FAASLAB_PROPERTY_SCENARIOS` widen a search by hand (a failure names the seed).
fn seed_and_count() -> (u64, usize) {
    let read = |name: &str| {
        std::env::var(name).ok().map(|v| v.parse().unwrap_or_else(|_| panic!("{name}={v}: not a whole number")))
    };
    (read("FAASLAB_PROPERTY_SEED").unwrap_or(16), read("FAASLAB_PROPERTY_SCENARIOS").map_or(SCENARIOS, |n| n as usize))
}

struct Gen(RngStream);

impl Gen {
    fn below(&mut self, n: usize) -> usize {
        (self.0.unit() * n as f64) as usize % n.max(1)
    }
    fn chance(&mut self, p: f64) -> bool {
        self.0.unit() < p
    }
    fn ms(&mut self, lo: u64, hi: u64) -> SimDuration {
        SimDuration::from_millis(lo + self.below((hi - lo) as usize + 1) as u64)
    }
    fn pick<'a>(&mut self, names: &'a [String]) -> &'a str {
        &names[self.below(names.len())]
    }

    fn dist(&mut self) -> Dist {
        match self.below(7) {
            0 => Dist::Constant { value: self.ms(1, 500) },
            1 => Dist::Exponential { mean: self.ms(5, 800) },
            2 => {
                let median = self.ms(5, 300);
                Dist::LogNormal { median: Some(median), p99: Some(median + self.ms(1, 2000)), mu: None, sigma: None }
            }
            3 => Dist::Gamma { shape: 0.5 + self.0.unit() * 4.0, mean: self.ms(5, 500) },
            4 => {
                let min = self.ms(0, 200);
                Dist::Uniform { min, max: min + self.ms(0, 500) }
            }
            5 => Dist::Normal { mean: self.ms(10, 400), std_dev: self.ms(0, 200) },
            _ => Dist::Empirical {
                percentiles: vec![
                    Percentile { p: 0.0, value: self.ms(1, 10) },
                    Percentile { p: 0.5, value: self.ms(20, 60) },
                    Percentile { p: 1.0, value: self.ms(100, 900) },
                ],
            },
        }
    }

    /// Arrivals of a few hundred requests at most over `run`.
    fn arrivals(&mut self, run: SimDuration) -> Arrivals {
        let rate = 0.2 + self.0.unit() * 4.0;
        match self.below(8) {
            0 => Arrivals::Poisson { rate },
            1 => Arrivals::Constant { rate },
            2 => Arrivals::Steps {
                steps: vec![
                    ArrivalStep { at: SimDuration::ZERO, rate },
                    ArrivalStep { at: SimDuration(run.0 / 3), rate: rate * 3.0 },
                    ArrivalStep { at: SimDuration(run.0 * 2 / 3), rate: 0.0 },
                ],
            },
            3 => Arrivals::Diurnal {
                mean: rate,
                amplitude: self.0.unit(),
                period: SimDuration(run.0 / 2),
                peak_at: self.ms(0, 5000),
            },
            4 => Arrivals::Burst {
                base: rate / 2.0,
                every: SimDuration(run.0 / 3),
                size: self.below(200) as u32,
                within: self.ms(0, 3000),
            },
            5 => Arrivals::At { times: (0..self.below(30)).map(|k| SimDuration(run.0 * k as u64 / 30)).collect() },
            6 => Arrivals::Trace { per_minute: (0..4).map(|_| self.below(150) as u32).collect::<Vec<_>>().into() },
            _ => Arrivals::Poisson { rate: rate * 10.0 },
        }
    }

    fn scenario(&mut self, index: usize) -> Scenario {
        let run = SimDuration::from_secs(60 + self.below(180) as u64);
        let names = |prefix: &str, n: usize| -> Vec<String> { (0..n).map(|i| format!("{prefix}{i}")).collect() };
        let functions = names("f", 1 + self.below(5));
        let queues = names("q", self.below(3));
        let databases = names("db", self.below(2));
        let buses = names("bus", self.below(2));
        let buckets = names("bk", self.below(2));
        let streams = names("st", self.below(2));
        let workflows = names("wf", self.below(2));
        let limit = 120 + self.below(200) as u32;
        // AWS keeps 100 of the account's concurrency unreserved.
        let mut reserved_left = (limit - 100) / 2;
        let mut config = SimConfig::empty(index as u64, run);
        if self.chance(0.3) {
            config.warmup = SimDuration(run.0 / 4);
        }
        config.account = Account {
            concurrency_limit: limit,
            scaling_rate: ScalingRate { environments: 1 + self.below(100) as u32, per: self.ms(100, 10_000) },
            free_tier: self.chance(0.3),
            ..Account::default()
        };
        for name in &functions {
            let runtime =
                [Runtime::Python, Runtime::Nodejs, Runtime::Go, Runtime::Java, Runtime::Rust, Runtime::Dotnet]
                    [self.below(6)]
                .clone();
            let mut f = FunctionSpec::new(name, runtime, 128 << self.below(6), self.dist());
            f.timeout = SimDuration::from_secs(1 + self.below(30) as u64); // whole seconds, as AWS takes them
            f.error_rate = if self.chance(0.4) { self.0.unit() * 0.3 } else { 0.0 };
            f.keep_alive = if self.chance(0.2) {
                KeepAlive::Random(Dist::Exponential { mean: self.ms(1000, 60_000) })
            } else {
                KeepAlive::Fixed(self.ms(1000, 600_000))
            };
            if self.chance(0.2) && reserved_left > 2 {
                let r = 1 + self.below(reserved_left as usize / 2) as u32;
                reserved_left -= r;
                f.reserved_concurrency = Some(r);
                f.provisioned_concurrency = self.below(r as usize + 1) as u32;
            }
            f.idempotency = self.chance(0.3);
            f.async_retries = self.below(3) as u32;
            if !queues.is_empty() && self.chance(0.3) {
                f.on_failure = Some(self.pick(&queues).to_string());
            }
            for _ in 0..self.below(3) {
                let call = match self.below(7) {
                    0 if !databases.is_empty() => Call::Query {
                        database: self.pick(&databases).into(),
                        count: 1 + self.below(3) as u32,
                        write: false,
                    },
                    1 if !queues.is_empty() => Call::Send { queue: self.pick(&queues).into(), count: 1 },
                    2 if !buses.is_empty() => Call::Publish { bus: self.pick(&buses).into(), detail_type: "E".into() },
                    3 if !streams.is_empty() => Call::Write { stream: self.pick(&streams).into() },
                    4 if !buckets.is_empty() => {
                        Call::Put { bucket: self.pick(&buckets).into(), size_kb: 10.0, to_tmp: false }
                    }
                    5 | 6 => {
                        let callee = self.pick(&functions).to_string();
                        if callee == *name {
                            continue; // a direct self-invoke is refused
                        }
                        Call::Invoke { function: callee, asynchronous: self.chance(0.5) }
                    }
                    _ => continue,
                };
                f.calls.push(call);
            }
            config.functions.push(f.into());
        }
        for (k, name) in queues.iter().enumerate() {
            let consumer = self.chance(0.8).then(|| ConsumerSpec {
                function: self.pick(&functions).into(),
                batch_size: 1 + self.below(10) as u32,
                batching_window: if self.chance(0.3) { self.ms(0, 2000) } else { SimDuration::ZERO },
                max_concurrency: 2 + self.below(50) as u32,
                partial_batch_response: self.chance(0.5),
            });
            let dlq = (k + 1 < queues.len() && self.chance(0.5)).then(|| queues[k + 1].clone());
            let dlq_written = dlq.is_some();
            config.queues.push(QueueSpec {
                name: name.clone(),
                visibility_timeout: self.ms(1000, 60_000),
                max_receive_count: 1 + self.below(5) as u32,
                dlq,
                retention: self.ms(60_000, 600_000),
                // An operator's redrive, now and then, into a queue with a DLQ.
                redrive_at: if dlq_written && self.chance(0.3) {
                    self.ms(1_000, run.0 / 1_000)
                } else {
                    SimDuration::ZERO
                },
                redrive_rate: 10 * self.below(3) as u32,
                consumer,
            });
        }
        for name in &databases {
            let max = 2 + self.below(50) as u32;
            config.databases.push(DatabaseSpec {
                name: name.clone(),
                max_connections: max,
                query_time: self.dist(),
                max_parallel_queries: 1 + self.below(16) as u32,
                leaked_connection_timeout: self.ms(0, 60_000),
                pooler: self.chance(0.4).then(|| PoolerSpec { pool_size: 1 + self.below(max as usize) as u32 }),
                region: None,
                residency: None,
            });
        }
        for name in &buses {
            let mut targets = vec![BusTarget::Function(self.pick(&functions).into())];
            if !queues.is_empty() && self.chance(0.5) {
                targets.push(BusTarget::Queue(self.pick(&queues).into()));
            }
            if !workflows.is_empty() && self.chance(0.5) {
                targets.push(BusTarget::Workflow(self.pick(&workflows).into()));
            }
            let rules = vec![RuleSpec { detail_type: "E".into(), source: None, targets }];
            config.buses.push(BusSpec { name: name.clone(), rules });
        }
        for name in &buckets {
            let notify = self.chance(0.7).then(|| self.pick(&functions).to_string());
            config.buckets.push(BucketSpec { name: name.clone(), notify, region: None, residency: None });
        }
        for name in &streams {
            let consumer = self.chance(0.8).then(|| StreamConsumerSpec {
                function: self.pick(&functions).into(),
                batch_size: 1 + self.below(20) as u32,
                bisect_on_error: self.chance(0.5),
                max_retries: self.chance(0.5).then(|| self.below(5) as u32),
                on_failure: None,
            });
            config.streams.push(StreamSpec {
                name: name.clone(),
                shards: 1 + self.below(4) as u32,
                max_record_age: self.ms(10_000, 600_000),
                consumer,
            });
        }
        for name in &workflows {
            let task = |g: &mut Gen, n: &str| Step::Task {
                name: n.into(),
                function: g.pick(&functions).into(),
                retries: g.below(3) as u32,
                backoff: g.ms(100, 2000),
                catch: if g.chance(0.3) {
                    vec![Step::Task {
                        name: format!("{n}-undo"),
                        function: g.pick(&functions).into(),
                        retries: 0,
                        backoff: SimDuration::from_secs(1),
                        catch: vec![],
                    }]
                } else {
                    vec![]
                },
            };
            let mut steps = vec![task(self, "a")];
            if self.chance(0.5) {
                steps.push(Step::Choice {
                    name: "c".into(),
                    probability: self.0.unit(),
                    then: vec![task(self, "b")],
                    otherwise: vec![Step::Wait { name: "w".into(), duration: self.ms(0, 3000) }],
                });
            }
            if self.chance(0.5) {
                steps.push(Step::Parallel {
                    name: "p".into(),
                    branches: vec![vec![task(self, "x")], vec![task(self, "y")]],
                });
            }
            config.workflows.push(WorkflowSpec { name: name.clone(), steps });
        }
        for t in 0..1 + self.below(4) {
            let name = format!("t{t}");
            let arrivals = self.arrivals(run);
            let payload = self.chance(0.2).then(|| Payload {
                size_kb: SizeDist::LogNormal { median_kb: 100.0, p99_kb: 5000.0 },
                claim_check: (!buckets.is_empty() && self.chance(0.5)).then(|| buckets[0].clone()),
            });
            let trigger = match self.below(8) {
                0 if !queues.is_empty() => TriggerSpec::Producer {
                    name,
                    queue: self.pick(&queues).into(),
                    arrivals,
                    poison: if self.chance(0.3) { 0.05 } else { 0.0 },
                    payload,
                },
                1 if !buckets.is_empty() => TriggerSpec::Upload {
                    name,
                    bucket: self.pick(&buckets).into(),
                    arrivals,
                    size_kb: SizeDist::Uniform { min_kb: 1.0, max_kb: 900.0 },
                },
                2 if !workflows.is_empty() => {
                    TriggerSpec::Workflow { name, workflow: self.pick(&workflows).into(), arrivals }
                }
                3 if !streams.is_empty() => TriggerSpec::Writes {
                    name,
                    stream: self.pick(&streams).into(),
                    arrivals,
                    poison: if self.chance(0.3) { 0.05 } else { 0.0 },
                },
                4 if !buses.is_empty() => {
                    TriggerSpec::Events { name, bus: self.pick(&buses).into(), detail_type: "E".into(), arrivals }
                }
                5 => TriggerSpec::Async { name, target: self.pick(&functions).into(), arrivals, payload },
                6 => TriggerSpec::Schedule {
                    name,
                    target: self.pick(&functions).into(),
                    arrivals: Arrivals::Every { period: self.ms(1000, 30_000), offset: None },
                },
                _ => TriggerSpec::Http {
                    name,
                    target: self.pick(&functions).into(),
                    arrivals,
                    region: None,
                    payload,
                    durations: Default::default(),
                    invoke_overhead: None,
                    websocket: None,
                    client: self.chance(0.3).then(|| {
                        Box::new(ClientSpec {
                            timeout: self.ms(50, 3000),
                            retries: self.below(4) as u32,
                            backoff: self.ms(0, 20_000),
                            lost_answers: if self.chance(0.5) { 0.05 } else { 0.0 },
                        })
                    }),
                },
            };
            config.triggers.push(trigger.into());
        }
        Scenario {
            name: format!("random {index}"),
            summary: String::new(),
            description: String::new(),
            config,
            challenge: None,
        }
    }
}

/// Every number in a JSON value is finite (serde_json writes NaN and infinities as
/// null; a report has no optional number that may be null but `pooler_pool_size`).
fn assert_finite(value: &serde_json::Value, path: &str) {
    match value {
        serde_json::Value::Null => assert!(path.ends_with("pooler_pool_size"), "{path} is null (NaN or infinite?)"),
        serde_json::Value::Number(n) => assert!(n.as_f64().is_some_and(f64::is_finite), "{path} = {n}"),
        serde_json::Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                assert_finite(v, &format!("{path}[{i}]"));
            }
        }
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                assert_finite(v, &format!("{path}.{k}"));
            }
        }
        _ => {}
    }
}

#[test]
fn random_valid_scenarios_run_conserve_stay_finite_and_repeat() {
    let (seed, scenarios) = seed_and_count();
    let mut g = Gen(RngStream::new(seed, "property-test"));
    let mut valid = 0;
    for number in 0..scenarios {
        let generated = g.scenario(number);
        let index = format!("{number} (seed {seed})");
        // Through the format: written as RON and read back, validated.
        let text = generated.to_ron();
        let scenario = match Scenario::parse(&text, "generated") {
            Ok(s) => s,
            Err(e) => {
                // Only a cross-field limit may refuse a generated scenario.
                let e = e.to_string();
                assert!(e.contains("concurrency") || e.contains("requests"), "scenario {index} refused:\n{e}\n{text}");
                continue;
            }
        };
        valid += 1;
        let mut sim = Simulation::new(scenario.config.clone());
        let mut steps = 0u64;
        while !sim.is_finished() {
            sim.step_until(SimTime(sim.now().0 + 2_000_000), 1 + steps % 5_000);
            check(&sim);
            steps += 1;
        }
        let report = Report::of(&sim, &scenario.name);
        let json: serde_json::Value = serde_json::from_str(&report.to_json()).expect("the report is JSON");
        assert_finite(&json, &format!("scenario {index}"));
        let text_report = report.to_text();
        assert!(!text_report.contains("NaN") && !text_report.contains("inf "), "scenario {index}:\n{text_report}");
        // The same seed, the same bytes.
        let mut again = Simulation::new(scenario.config.clone());
        again.run_to_end();
        assert_eq!(
            Report::of(&again, &scenario.name).to_json(),
            report.to_json(),
            "scenario {index} is not deterministic"
        );
    }
    assert!(valid * 10 >= scenarios * 9, "only {valid} of {scenarios} generated scenarios were valid (seed {seed})");
}
