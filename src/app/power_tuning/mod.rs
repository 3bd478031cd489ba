//! Memory power tuning in the background: the scenario once per memory size for one
//! function (each run to the scenario's end, without a log), gathered into a
//! `sweep::Sweep`. Natively the runs go on a thread of their own so frames never wait;
//! the web build has no threads, so there a frame runs one size. `panel` shows it.

pub mod panel;

use crate::scenario::Scenario;
use crate::sweep::{Sweep, SweepRow, run_one};
use bevy::prelude::*;

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<PowerTuning>().add_systems(Update, collect_rows);
}

/// The sizes swept (MB): Lambda's range, denser where the price-speed trade-off turns;
/// 1769 MB is one full vCPU, where a single-threaded handler stops getting faster.
pub const MEMORY_SIZES: [u32; 10] = [128, 256, 512, 1024, 1536, 1769, 2048, 3008, 4096, 10240];

/// The sweep being run, or the last one finished, and the function the view tunes.
#[derive(Resource, Default)]
pub struct PowerTuning {
    pub job: Option<SweepJob>,
    /// An index into the scenario's functions (the view keeps it in range).
    pub function: usize,
}

pub struct SweepJob {
    /// Web: the function the rows describe (the thread has its own copy natively).
    #[cfg(target_arch = "wasm32")]
    function: usize,
    pub function_name: String,
    /// The `Playback::scenario_generation` swept: another scenario makes it stale.
    pub scenario_generation: u32,
    /// One per size, in `MEMORY_SIZES` order, filled as runs finish.
    pub rows: Vec<Option<SweepRow>>,
    /// Native: the worker thread's rows arrive here, by size index (in a mutex only
    /// because resources must be shareable between threads).
    #[cfg(not(target_arch = "wasm32"))]
    receiver: std::sync::Mutex<std::sync::mpsc::Receiver<(usize, SweepRow)>>,
    /// Web: each size's configured scenario, run one per frame.
    #[cfg(target_arch = "wasm32")]
    pending: Vec<Scenario>,
}

/// `scenario` with `function`'s memory set to each size.
fn configured(scenario: &Scenario, function: usize) -> Vec<Scenario> {
    MEMORY_SIZES
        .iter()
        .map(|&mb| {
            let mut s = scenario.clone();
            s.config.function_mut(function).memory_mb = mb;
            s
        })
        .collect()
}

impl SweepJob {
    /// Starts sweeping `function` of `scenario` (an index the scenario has).
    pub fn start(scenario: &Scenario, function: usize, scenario_generation: u32) -> SweepJob {
        let runs = configured(scenario, function);
        let function_name = scenario.config.functions[function].name.clone();
        let rows = vec![None; runs.len()];
        #[cfg(not(target_arch = "wasm32"))]
        {
            let (sender, receiver) = std::sync::mpsc::channel();
            std::thread::spawn(move || {
                for (i, s) in runs.iter().enumerate() {
                    let row = run_one(s, &format!("{} MB", MEMORY_SIZES[i]), function);
                    // The app dropped the job (another sweep or scenario): stop.
                    if sender.send((i, row)).is_err() {
                        return;
                    }
                }
            });
            SweepJob { function_name, scenario_generation, rows, receiver: receiver.into() }
        }
        #[cfg(target_arch = "wasm32")]
        {
            SweepJob { function, function_name, scenario_generation, rows, pending: runs }
        }
    }

    /// Takes the rows finished since the last call (web: runs the next size).
    pub fn collect(&mut self) {
        #[cfg(not(target_arch = "wasm32"))]
        {
            let receiver = self.receiver.get_mut().unwrap_or_else(|e| e.into_inner());
            while let Ok((i, row)) = receiver.try_recv() {
                self.rows[i] = Some(row);
            }
        }
        #[cfg(target_arch = "wasm32")]
        if let Some(i) = self.rows.iter().position(Option::is_none) {
            let value = format!("{} MB", MEMORY_SIZES[i]);
            self.rows[i] = Some(run_one(&self.pending[i], &value, self.function));
        }
    }

    pub fn done(&self) -> usize {
        self.rows.iter().filter(|r| r.is_some()).count()
    }

    pub fn finished(&self) -> bool {
        self.done() == self.rows.len()
    }

    /// The finished sweep of `scenario`, with its cheapest and fastest sizes.
    pub fn sweep(&self, scenario: &crate::scenario::Scenario) -> Option<Sweep> {
        let rows: Vec<SweepRow> = self.rows.iter().cloned().collect::<Option<_>>()?;
        Some(Sweep::from_rows(scenario, &format!("{}.memory", self.function_name), rows))
    }
}

fn collect_rows(mut tuning: ResMut<PowerTuning>) {
    if let Some(job) = &mut tuning.job
        && !job.finished()
    {
        job.collect();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::kernel::time::SimDuration;

    #[test]
    fn a_sweep_fills_every_size_and_marks_the_cheapest_and_the_fastest() {
        let mut scenario = crate::scenario::built_in("memory-power-tuning").expect("in the library").expect("valid");
        // Short runs: the shape, not the precision, is under test.
        scenario.config.duration = SimDuration::from_secs(90);
        scenario.config.warmup = SimDuration::from_secs(10);
        scenario.config.timeline.clear();
        let mut job = SweepJob::start(&scenario, 0, 0);
        let started = std::time::Instant::now();
        while !job.finished() {
            assert!(started.elapsed().as_secs() < 120, "the sweep finishes");
            job.collect();
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let sweep = job.sweep(&scenario).expect("finished");
        assert_eq!(sweep.rows.len(), MEMORY_SIZES.len());
        assert_eq!(sweep.knob, "resize.memory");
        // CPU follows memory: the smallest size is the slowest, and the fastest is
        // not the dearest per invocation.
        assert!(sweep.rows[0].duration_mean_ms > sweep.rows[sweep.fastest].duration_mean_ms);
        assert_ne!(sweep.cheapest, sweep.fastest);
        // The handler is one thread: one full vCPU (1769 MB) is as fast as it gets, and
        // the sizes above it tie with it (the first of equals is marked).
        assert_eq!(MEMORY_SIZES[sweep.fastest], 1769, "{:?}", sweep.rows);
        assert!(sweep.rows.iter().all(|r| r.cost_per_million_usd > 0.0));
    }
}
