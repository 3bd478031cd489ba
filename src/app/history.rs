//! What the charts need that the simulation's own series do not keep: cumulative cost
//! (serverless against the server-fleet baseline) and database connections, sampled as
//! simulated time passes, for the shown run and for the A/B comparison's second run.
//! After a jump back in time the samples past the new time go (those before it are of
//! the same run), so the charts never show a future that is not there.

use super::AppSystems;
use super::playback::Playback;
use crate::report::function_cost_usd;
use crate::sim::Simulation;
use bevy::prelude::*;

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<History>().add_systems(Update, sample.in_set(AppSystems::SyncView));
}

/// Samples kept per run at most: past it every other one goes, so memory is bounded.
const MAX_SAMPLES: usize = 1024;

/// One moment of a run.
#[derive(Clone, Debug, PartialEq)]
pub struct Sample {
    /// Simulated seconds.
    pub t: f64,
    /// Cost so far (measured window, no free tier), USD.
    pub serverless_usd: f64,
    /// What the always-on server fleet would have cost so far, USD.
    pub fleet_usd: f64,
    /// Open connections of each database.
    pub db_connections: Vec<u32>,
}

impl Sample {
    pub fn of(sim: &Simulation) -> Sample {
        let window = sim.measured_window();
        Sample {
            t: sim.now().as_secs_f64(),
            serverless_usd: (0..sim.functions().len()).map(|i| function_cost_usd(sim, i)).sum(),
            fleet_usd: sim.config().server_fleet.cost_usd(sim.max_in_flight, window),
            db_connections: sim.databases().iter().map(|d| d.connections).collect(),
        }
    }
}

/// A run's samples, oldest first.
#[derive(Clone, Debug, Default)]
pub struct RunHistory {
    pub samples: Vec<Sample>,
}

impl RunHistory {
    /// Samples `sim` if time moved on by at least `every` seconds since the last sample.
    pub fn follow(&mut self, sim: &Simulation, every: f64) {
        let now = sim.now().as_secs_f64();
        if self.samples.last().is_some_and(|s| now - s.t < every) {
            return;
        }
        self.samples.push(Sample::of(sim));
        if self.samples.len() > MAX_SAMPLES {
            // Keep the first and every other one after it.
            self.samples = self.samples.iter().step_by(2).cloned().collect();
        }
    }

    /// Forgets the samples after `secs` (a jump back in time).
    pub fn truncate_after(&mut self, secs: f64) {
        let keep = self.samples.partition_point(|s| s.t <= secs);
        self.samples.truncate(keep);
    }
}

#[derive(Resource, Default)]
pub struct History {
    pub shown: RunHistory,
    /// The comparison's run B, when there is one.
    pub compared: RunHistory,
    /// `Playback::run` sampled; a new run starts over.
    run: Option<u32>,
    /// `Playback::generation` sampled; a new one in the same run is a jump in time.
    generation: Option<u32>,
}

fn sample(playback: Res<Playback>, mut history: ResMut<History>) {
    if history.run != Some(playback.run) {
        *history = History { run: Some(playback.run), generation: Some(playback.generation), ..default() };
    } else if history.generation != Some(playback.generation) {
        history.generation = Some(playback.generation);
        history.shown.truncate_after(playback.sim.now().as_secs_f64());
        let b = playback.compare.as_ref().map_or(0.0, |b| b.sim.now().as_secs_f64());
        history.compared.truncate_after(b);
    }
    // As fine as the simulation's own series.
    let every = playback.sim.series.width().as_secs_f64();
    history.shown.follow(&playback.sim, every);
    if let Some(b) = &playback.compare {
        history.compared.follow(&b.sim, every);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::kernel::time::SimTime;

    #[test]
    fn samples_are_bounded_and_cost_grows() {
        let scenario = crate::scenario::Scenario::default_scenario();
        let mut sim = crate::app::playback::new_simulation(scenario.config.clone());
        let mut history = RunHistory::default();
        for second in 1..=3000u64 {
            sim.step_until(SimTime(second * 200_000), u64::MAX);
            history.follow(&sim, 0.0);
        }
        assert!(history.samples.len() <= MAX_SAMPLES);
        assert!(history.samples.windows(2).all(|w| w[0].t < w[1].t));
        let last = history.samples.last().expect("sampled");
        assert!(last.serverless_usd > 0.0 && last.fleet_usd > 0.0);
        assert!(history.samples.windows(2).all(|w| w[0].serverless_usd <= w[1].serverless_usd));
    }
}
