//! The throughput benchmark behind `faaslab bench` and `cargo bench`: simulated
//! invocations and events per second, and peak memory as the simulated time grows.

use crate::scenario::Scenario;
use crate::sim::Simulation;
use crate::sim::kernel::time::SimDuration;
use std::io::Write;
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
    let start = Instant::now();
    let mut sim = Simulation::with_log_capacity(scenario.config.clone(), 0);
    sim.run_to_end();
    let wall_secs = start.elapsed().as_secs_f64();
    Measurement {
        name: scenario.name.clone(),
        simulated: scenario.config.duration,
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

/// Runs every case and writes a table.
pub fn run_all(quick: bool, out: &mut dyn Write) {
    let hour = SimDuration::from_secs(3600);
    let short = if quick { Some(SimDuration::from_secs(360)) } else { None };
    let mut cases = vec![measure(KEEP_ALIVE_1000, short), measure(TEN_FUNCTION_MIX, short), measure(PIPELINE, short)];
    if !quick {
        // Memory must stay flat when the simulated time grows tenfold.
        cases.push(measure(KEEP_ALIVE_1000, Some(SimDuration(hour.0 * 10))));
    }
    let _ = writeln!(
        out,
        "{:<52} {:>9} {:>12} {:>13} {:>8} {:>14} {:>13} {:>9}",
        "case", "simulated", "invocations", "events", "wall s", "invocations/s", "events/s", "peak MB"
    );
    for m in &cases {
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
}
