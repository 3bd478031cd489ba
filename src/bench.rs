//! The throughput benchmark behind `faaslab bench` and `cargo bench`: simulated
//! invocations and events per second, and peak memory, for the three reference cases,
//! for many functions sharing the same traffic, for a large queue backlog and for a
//! day-long replay of tens of thousands of functions.

use crate::scenario::Scenario;
use crate::sim::Simulation;
use crate::sim::config::{Account, ScalingRate, SimConfig};
use crate::sim::function::{FunctionSpec, Runtime};
use crate::sim::kernel::arrivals::Arrivals;
use crate::sim::kernel::dist::Dist;
use crate::sim::kernel::time::SimDuration;
use crate::sim::services::queue::{ConsumerSpec, QueueSpec};
use crate::sim::trigger::TriggerSpec;
use std::io::Write;
use std::sync::Arc;
use std::time::Instant;

/// (a) The keep-alive steady state of docs/model.md (validation recipes) scaled to 1000 requests/s.
pub const KEEP_ALIVE_1000: &str = include_str!("../benches/keep-alive-1000.ron");

/// (b) Ten functions of different runtimes sharing an account limit that is too small
/// for their bursts, some with reservations: throttling on every path.
pub const TEN_FUNCTION_MIX: &str = include_str!("../benches/ten-function-mix.ron");

/// (c) A 5-node pipeline: producer -> queue -> worker (database, queue) -> consumer ->
/// asynchronous function.
pub const PIPELINE: &str = include_str!("../benches/pipeline.ron");

/// One measured run.
pub struct Measurement {
    pub name: String,
    pub simulated: SimDuration,
    pub invocations: u64,
    pub events: u64,
    pub wall_secs: f64,
    /// The process's peak resident memory during this run (Linux; since the last reset).
    pub peak_rss_mb: Option<f64>,
}

impl Measurement {
    pub fn invocations_per_sec(&self) -> f64 {
        self.invocations as f64 / self.wall_secs
    }
    pub fn events_per_sec(&self) -> f64 {
        self.events as f64 / self.wall_secs
    }
}

/// Runs a scenario text for `duration` and measures it.
pub fn measure(text: &str, duration: Option<SimDuration>) -> Measurement {
    let mut scenario = Scenario::parse(text, "bench").expect("bench scenarios are valid");
    if let Some(d) = duration {
        scenario.config.duration = d;
    }
    measure_config(&scenario.name, scenario.config)
}

/// Runs a configuration to its end and measures it (building the run included).
pub fn measure_config(name: &str, config: SimConfig) -> Measurement {
    reset_peak_rss();
    let simulated = config.duration;
    let start = Instant::now();
    let mut sim = Simulation::with_log_capacity(config, 0);
    sim.run_to_end();
    let wall_secs = start.elapsed().as_secs_f64();
    Measurement {
        name: name.to_string(),
        simulated,
        invocations: sim.functions().iter().map(|f| f.lifetime_invocations).sum(),
        events: sim.events_processed(),
        wall_secs,
        peak_rss_mb: peak_rss_mb(),
    }
}

/// The process's peak resident memory (Linux), in MB.
pub fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// Starts counting the peak resident memory afresh (Linux 4.0+; ignored elsewhere), so
/// each case reports its own peak rather than the largest so far.
pub fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// A configuration with these functions and triggers and nothing else, every limit
/// high enough not to bind.
fn plain_config(
    seed: u64,
    duration: SimDuration,
    functions: Vec<Arc<FunctionSpec>>,
    triggers: Vec<Arc<TriggerSpec>>,
) -> SimConfig {
    let account = Account {
        concurrency_limit: 100_000,
        scaling_rate: ScalingRate { environments: 100_000, per: SimDuration::from_secs(10) },
        ..Account::default()
    };
    SimConfig { account, functions, triggers, ..SimConfig::empty(seed, duration) }
}

/// `n` functions, each with its own HTTP trigger, sharing `total_rate` requests a second
/// evenly (Poisson), handlers of 100 ms on average, for `duration`: the same work
/// whatever `n`, so the cost of an event can be compared across `n`.
pub fn many_functions(n: usize, total_rate: f64, duration: SimDuration) -> SimConfig {
    let rate = total_rate / n as f64;
    let functions = (0..n)
        .map(|i| {
            let duration = Dist::Exponential { mean: SimDuration::from_millis(100) };
            Arc::new(FunctionSpec::new(&format!("f{i}"), Runtime::Python, 512, duration))
        })
        .collect();
    let triggers = (0..n)
        .map(|i| TriggerSpec::http(&format!("t{i}"), &format!("f{i}"), Arrivals::Poisson { rate }).into())
        .collect();
    plain_config(1, duration, functions, triggers)
}

/// A producer sending `rate` messages a second for `send_for` into a queue whose
/// consumer is capped at 2 batches of 10 at a time (100 ms each): the backlog grows by
/// about `rate` a second while sending, then drains at 200 a second until `duration`.
pub fn queue_backlog(rate: f64, send_for: SimDuration, duration: SimDuration) -> SimConfig {
    let worker = FunctionSpec::new("worker", Runtime::Go, 512, Dist::constant(SimDuration::from_millis(100)));
    let producer = TriggerSpec::Producer {
        name: "producer".into(),
        queue: "backlog".into(),
        arrivals: Arrivals::Steps {
            steps: vec![
                crate::sim::kernel::arrivals::Step { at: SimDuration::ZERO, rate },
                crate::sim::kernel::arrivals::Step { at: send_for, rate: 0.0 },
            ],
        },
        poison: 0.0,
        payload: None,
    };
    let mut config = plain_config(1, duration, vec![Arc::new(worker)], vec![producer.into()]);
    config.queues.push(QueueSpec {
        name: "backlog".into(),
        visibility_timeout: SimDuration::from_secs(30),
        max_receive_count: 5,
        dlq: None,
        retention: SimDuration::from_secs(4 * 86_400),
        consumer: Some(ConsumerSpec {
            function: "worker".into(),
            batch_size: 10,
            batching_window: SimDuration::ZERO,
            max_concurrency: 2,
            partial_batch_response: false,
        }),
        redrive_at: SimDuration::ZERO,
        redrive_rate: 0,
    });
    config
}

/// Where the Azure Functions 2019 sample lives, beside the checkout (not in the repository).
pub const AZURE_SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data/azure-functions-2019-sample");

/// A synthetic day of the Azure trace: `functions` functions over `minutes` minutes, each
/// a row of the 100-function sample (in turn) with its 480 minutes repeated. `None` when
/// the sample is absent.
pub fn synthetic_trace(functions: usize, minutes: usize) -> Option<crate::replay::Trace> {
    let dir = std::path::Path::new(AZURE_SAMPLE);
    let sample = crate::replay::load(
        &dir.join("invocations.csv"),
        Some(&dir.join("durations.csv")),
        Some(&dir.join("memory.csv")),
    )
    .ok()?;
    let rows = &sample.functions;
    let mut trace = crate::replay::Trace { minutes, functions: Vec::with_capacity(functions) };
    for i in 0..functions {
        let mut f = rows[i % rows.len()].clone();
        f.function = format!("{i:08x}{}", f.function);
        f.line = i + 2;
        f.per_minute = (0..minutes).map(|m| f.per_minute[m % f.per_minute.len()]).collect();
        trace.functions.push(f);
    }
    Some(trace)
}

/// The standard cases: (a), (b), (c), and (a) over ten times the simulated time (memory
/// must stay flat).
fn standard(quick: bool) -> Vec<Measurement> {
    let hour = SimDuration::from_secs(3600);
    let short = if quick { Some(SimDuration::from_secs(360)) } else { None };
    let mut cases = vec![measure(KEEP_ALIVE_1000, short), measure(TEN_FUNCTION_MIX, short), measure(PIPELINE, short)];
    if !quick {
        cases.push(measure(KEEP_ALIVE_1000, Some(SimDuration(hour.0 * 10))));
    }
    cases
}

/// 1, 100 and 10 000 functions (and 10, 1000 with `all`) sharing 1000 requests a
/// second for 10 minutes: the cost of an event must not grow with the number of functions.
pub fn functions_cases(quick: bool, all: bool) -> Vec<Measurement> {
    functions_medians(quick, all, 1)
}

/// `functions_cases` run `runs` times, interleaved (1, 100, 10 000, 1, 100, ...), each
/// case's run of median invocations a second: its ratio to one function's then
/// compares runs made under the same load, where this shared machine's speed drifts by
/// tens of percent over a day. Peak memory is the first round's: later rounds start
/// with what the allocator kept from the largest case.
pub fn functions_medians(quick: bool, all: bool, runs: usize) -> Vec<Measurement> {
    let ten_minutes = SimDuration::from_secs(if quick { 120 } else { 600 });
    let counts: &[usize] = if all { &[1, 10, 100, 1000, 10_000] } else { &[1, 100, 10_000] };
    let mut measured: Vec<Vec<Measurement>> = counts.iter().map(|_| Vec::new()).collect();
    for _ in 0..runs.max(1) {
        for (&n, runs) in counts.iter().zip(&mut measured) {
            let config = many_functions(n, 1000.0, ten_minutes);
            runs.push(measure_config(&format!("{n} functions sharing 1000 req/s"), config));
        }
    }
    measured
        .into_iter()
        .map(|mut runs| {
            let first_peak = runs[0].peak_rss_mb;
            runs.sort_by(|a, b| a.invocations_per_sec().total_cmp(&b.invocations_per_sec()));
            Measurement { peak_rss_mb: first_peak, ..runs.swap_remove(runs.len() / 2) }
        })
        .collect()
}

/// Writes how many times slower than the first (one function) each of `rows` ran.
pub fn write_ratios(out: &mut dyn Write, rows: &[Measurement]) {
    let Some(one) = rows.first() else { return };
    let ratios: Vec<String> = rows[1..]
        .iter()
        .map(|m| {
            format!(
                "{}: {:.2}x",
                m.name.split(' ').next().unwrap_or(""),
                one.invocations_per_sec() / m.invocations_per_sec()
            )
        })
        .collect();
    let _ = writeln!(out, "slower than one function: {}", ratios.join(", "));
}

/// A queue with a backlog of a million messages (100 000 a second for 10 s into a
/// consumer capped at 2), then a minute of draining.
pub fn backlog_case() -> Measurement {
    let config = queue_backlog(100_000.0, SimDuration::from_secs(10), SimDuration::from_secs(70));
    measure_config("queue with a 1M-message backlog", config)
}

/// The replay of `functions` x `minutes` synthesised from the sample, with a 10-minute
/// keep-alive. `None` when the sample is absent.
pub fn replay_case(functions: usize, minutes: usize) -> Option<Measurement> {
    let trace = synthetic_trace(functions, minutes)?;
    let config = crate::replay::build_config(&trace, SimDuration::from_secs(600), 1);
    drop(trace);
    Some(measure_config(&format!("replay {functions} functions x {minutes} minutes"), config))
}

/// Writes the table header.
pub fn write_header(out: &mut dyn Write) {
    let _ = writeln!(
        out,
        "{:<52} {:>9} {:>12} {:>13} {:>8} {:>14} {:>13} {:>9}",
        "case", "simulated", "invocations", "events", "wall s", "invocations/s", "events/s", "peak MB"
    );
}

/// Writes one row.
pub fn write_row(out: &mut dyn Write, m: &Measurement) {
    let _ = writeln!(
        out,
        "{:<52} {:>9} {:>12} {:>13} {:>8.2} {:>14.0} {:>13.0} {:>9}",
        m.name,
        m.simulated.to_string(),
        m.invocations,
        m.events,
        m.wall_secs,
        m.invocations_per_sec(),
        m.events_per_sec(),
        m.peak_rss_mb.map_or("?".into(), |mb| format!("{mb:.1}")),
    );
}

/// Runs the standard cases, the many-functions cases and the backlog case, and writes
/// a table (each row as soon as it is measured).
pub fn run_all(quick: bool, out: &mut dyn Write) {
    write_header(out);
    for m in standard(quick) {
        write_row(out, &m);
    }
    let functions = functions_cases(quick, false);
    for m in &functions {
        write_row(out, m);
    }
    write_ratios(out, &functions);
    write_row(out, &backlog_case());
}

/// Runs the named groups (`standard`, `functions`, `functions-all`, `backlog`,
/// `replay`, `replay-small`, `replay-2min`); unknown names are reported. The functions
/// groups run `runs` times interleaved (medians) and end with their ratios.
pub fn run_named(names: &[String], quick: bool, runs: usize, out: &mut dyn Write) -> Result<(), String> {
    write_header(out);
    for name in names {
        let rows = match name.as_str() {
            "standard" => standard(quick),
            "functions" => functions_medians(quick, false, runs),
            "functions-all" => functions_medians(quick, true, runs),
            "backlog" => vec![backlog_case()],
            "replay" => replay_case(50_000, 1440).into_iter().collect(),
            "replay-small" => replay_case(5_000, 120).into_iter().collect(),
            "replay-2min" => replay_case(50_000, 2).into_iter().collect(),
            other => return Err(format!("no bench case \"{other}\"")),
        };
        for m in &rows {
            write_row(out, m);
        }
        if name.starts_with("functions") {
            write_ratios(out, &rows);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(name: &str, invocations: u64, wall_secs: f64) -> Measurement {
        let simulated = SimDuration::from_secs(600);
        Measurement { name: name.into(), simulated, invocations, events: 2 * invocations, wall_secs, peak_rss_mb: None }
    }

    #[test]
    fn the_ratios_divide_one_function_s_rate_by_each_case_s() {
        let rows = [
            run("1 functions sharing 1000 req/s", 600_000, 0.05),
            run("100 functions sharing 1000 req/s", 600_000, 0.075),
            run("10000 functions sharing 1000 req/s", 600_000, 0.26),
        ];
        let mut out = Vec::new();
        write_ratios(&mut out, &rows);
        assert_eq!(String::from_utf8(out).unwrap(), "slower than one function: 100: 1.50x, 10000: 5.20x\n");
    }

    #[test]
    fn interleaved_runs_give_each_case_a_median_run_of_the_same_work() {
        let rows = functions_medians(true, false, 3);
        let names: Vec<&str> = rows.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "1 functions sharing 1000 req/s",
                "100 functions sharing 1000 req/s",
                "10000 functions sharing 1000 req/s"
            ]
        );
        // The same seeded work every round: the median run did what each run did.
        let single = functions_cases(true, false);
        for (median, one) in rows.iter().zip(&single) {
            assert_eq!((median.invocations, median.events), (one.invocations, one.events), "{}", median.name);
        }
    }
}
