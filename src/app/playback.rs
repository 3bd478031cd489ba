//! Owns the simulation and advances it with the wall clock: each frame gets
//! `speed x frame time` of simulated time, within an event budget so a frame never
//! stalls. When the budget runs out the app says it is falling behind. Commands from
//! panels and shortcuts are applied here, and only here.

use super::AppSystems;
use super::command::{Command, Knob, next_speed};
use crate::scenario::Scenario;
use crate::sim::Simulation;
use crate::sim::kernel::time::{SimDuration, SimTime};
use bevy::prelude::*;

/// Events one frame may handle (about 5 ms of work at the engine's measured speed).
pub const EVENT_BUDGET_PER_FRAME: u64 = 50_000;

/// Log entries the app keeps: enough for the log panel, the request dots and the
/// traces (which are recorded only when there is a log), small enough to cost nothing.
pub const LOG_CAPACITY: usize = 20_000;

/// A simulation as the app runs it: with a log, so traces and dots exist.
pub fn new_simulation(config: crate::sim::config::SimConfig) -> Simulation {
    Simulation::with_log_capacity(config, LOG_CAPACITY)
}

/// The simulation being shown and how it is played.
#[derive(Resource)]
pub struct Playback {
    pub scenario: Scenario,
    pub sim: Simulation,
    pub playing: bool,
    /// Simulated seconds per real second.
    pub speed: f64,
    /// The last frame ran out of event budget before reaching its target time.
    pub falling_behind: bool,
    pub seed: u64,
    /// Counts restarts and scenario changes, so views that follow the simulation know
    /// to start over.
    pub generation: u32,
    /// Counts scenario changes, so the topology knows to rebuild its entities.
    pub scenario_generation: u32,
    /// The last refused command, shown to the user until the next one succeeds.
    pub last_error: Option<String>,
    /// A/B comparison: run B, the same scenario and seed with its own knob values,
    /// advanced in lockstep with `sim` (run A).
    pub compare: Option<Compared>,
}

/// The comparison's second run.
pub struct Compared {
    pub sim: Simulation,
    /// The last refused knob change of run B.
    pub last_error: Option<String>,
}

impl Playback {
    pub fn new(scenario: Scenario, speed: f64) -> Playback {
        let seed = scenario.config.seed;
        Playback {
            sim: new_simulation(scenario.config.clone()),
            scenario,
            playing: true,
            speed,
            falling_behind: false,
            seed,
            generation: 0,
            scenario_generation: 0,
            last_error: None,
            compare: None,
        }
    }

    /// Replaces the scenario: a new run from time zero with its own seed and knobs.
    pub fn open(&mut self, scenario: Scenario) {
        let speed = self.speed;
        let playing = self.playing;
        let generation = self.generation + 1;
        let scenario_generation = self.scenario_generation + 1;
        *self = Playback { playing, generation, scenario_generation, ..Playback::new(scenario, speed) };
    }

    /// Starts again from time zero with `seed`, keeping the knobs' current values (of
    /// both runs when comparing).
    pub fn restart(&mut self, seed: u64) {
        self.seed = seed;
        self.start(reseeded(&self.sim, seed));
    }

    /// A new run from time zero (run B too, with its own knobs, when comparing); views
    /// that follow the simulation start over.
    fn start(&mut self, config: crate::sim::config::SimConfig) {
        let seed = config.seed;
        self.sim = new_simulation(config);
        if let Some(b) = &mut self.compare {
            b.sim = new_simulation(reseeded(&b.sim, seed));
        }
        self.falling_behind = false;
        self.generation += 1;
    }

    /// Sets a knob by name: live when the model allows, otherwise by restarting the
    /// run with it. In a challenge only its allowed knobs move, within their ranges.
    pub fn set_knob(&mut self, name: &str, value: &str, challenge_mode: bool) -> Result<(), String> {
        if challenge_mode && let Some(challenge) = &self.scenario.challenge {
            let allowed =
                challenge.allowed(name).ok_or_else(|| format!("knob \"{name}\" is locked in this challenge"))?;
            allowed.check(self.sim.config(), value)?;
        }
        if crate::sim::knobs::resolve(self.sim.config(), name)?.is_live() {
            return self.sim.set_knob(name, value);
        }
        let mut config = self.sim.config().clone();
        crate::sim::knobs::set(&mut config, name, value)?;
        self.start(config);
        Ok(())
    }

    /// Starts an A/B comparison: run B is a copy of run A's configuration (knobs
    /// included), and both start again from time zero with the same seed.
    pub fn start_comparing(&mut self) {
        self.compare = Some(Compared { sim: new_simulation(reseeded(&self.sim, self.seed)), last_error: None });
        self.restart(self.seed);
    }

    /// Advances by `span` of simulated time, handling at most `budget` events; run B
    /// follows to the same simulated time, with a budget of its own.
    pub fn advance(&mut self, span: SimDuration, budget: u64) {
        let target = SimTime(self.sim.now().0.saturating_add(span.0));
        let result = self.sim.step_until(target, budget);
        self.falling_behind = !result.reached_deadline;
        if let Some(b) = &mut self.compare {
            // Never ahead of A: the charts compare the same moments.
            let result = b.sim.step_until(self.sim.now(), budget);
            self.falling_behind |= !result.reached_deadline;
        }
    }

    pub fn apply(&mut self, command: &Command) -> Result<(), String> {
        match command {
            Command::TogglePlay => self.playing = !self.playing,
            Command::Step(span) => self.advance(*span, u64::MAX),
            Command::SetSpeed(speed) => self.speed = *speed,
            Command::ChangeSpeed { faster } => self.speed = next_speed(self.speed, *faster),
            Command::Restart { new_seed } => {
                let seed = if *new_seed { self.seed.wrapping_add(1) } else { self.seed };
                self.restart(seed);
            }
            Command::SetKnob { name, value, challenge } => self.set_knob(name, value, *challenge)?,
            Command::OpenScenario(scenario) => self.open((**scenario).clone()),
            Command::Knob(knob) => apply_knob(&mut self.sim, knob)?,
            Command::Compare(true) => self.start_comparing(),
            Command::Compare(false) => self.compare = None,
            Command::CompareKnob(knob) => {
                let Some(b) = &mut self.compare else { return Err("no comparison is running".to_string()) };
                let result = apply_knob(&mut b.sim, knob);
                b.last_error = result.as_ref().err().cloned();
            }
        }
        Ok(())
    }
}

/// `sim`'s configuration with another seed: it carries every knob's current value,
/// arrival-rate multipliers included, so a run from it keeps the knobs.
fn reseeded(sim: &Simulation, seed: u64) -> crate::sim::config::SimConfig {
    let mut config = sim.config().clone();
    config.seed = seed;
    config
}

fn apply_knob(sim: &mut Simulation, knob: &Knob) -> Result<(), String> {
    match *knob {
        Knob::Memory { function, mb } => sim.set_memory(function, mb),
        Knob::KeepAlive { function, keep } => sim.set_keep_alive(function, keep),
        Knob::Reserved { function, reserved } => sim.set_reserved_concurrency(function, reserved),
        Knob::Provisioned { function, count } => sim.set_provisioned_concurrency(function, count),
        Knob::RateScale { trigger, scale } => sim.set_rate_scale(trigger, scale),
    }
}

pub(super) fn plugin(scenario: Scenario, speed: f64) -> impl Fn(&mut App) {
    move |app: &mut App| {
        app.insert_resource(Playback::new(scenario.clone(), speed)).add_systems(
            Update,
            (apply_commands.in_set(AppSystems::ApplyCommands), advance.in_set(AppSystems::Advance)),
        );
    }
}

fn apply_commands(mut commands: MessageReader<Command>, mut playback: ResMut<Playback>) {
    for command in commands.read() {
        match playback.apply(command) {
            Ok(()) => playback.last_error = None,
            Err(message) => playback.last_error = Some(message),
        }
    }
}

fn advance(time: Res<Time>, mut playback: ResMut<Playback>) {
    if !playback.playing || playback.sim.is_finished() {
        return;
    }
    // A long frame (window dragged, machine busy) must not ask for minutes at once.
    let frame = time.delta_secs_f64().min(0.1);
    let span = SimDuration::from_secs_f64(frame * playback.speed);
    playback.advance(span, EVENT_BUDGET_PER_FRAME);
}
