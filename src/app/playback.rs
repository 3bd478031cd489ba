//! Owns the simulation and advances it with the wall clock: each frame gets
//! `speed x frame time` of simulated time, within an event budget so a frame never
//! stalls. When the budget runs out the app says it is falling behind. Commands from
//! panels and shortcuts are applied here, and only here. Each run is kept on a
//! `rewind::Tape`, so the slider can go back to any earlier time and play on from
//! there (the same run, the viewer's knob changes included).

use super::AppSystems;
use super::command::{Command, next_speed};
use super::rewind::Tape;
use crate::scenario::Scenario;
use crate::share::SharedRun;
use crate::sim::Simulation;
use crate::sim::config::SimConfig;
use crate::sim::kernel::time::{SimDuration, SimTime};
use crate::sim::knobs;
use bevy::prelude::*;

/// Events one frame may handle (about 5 ms of work at the engine's measured speed).
pub const EVENT_BUDGET_PER_FRAME: u64 = 50_000;

/// Log entries the app keeps: enough for the log panel, the request dots and the
/// traces (which are recorded only when there is a log), small enough to cost nothing.
pub const LOG_CAPACITY: usize = 20_000;

/// A simulation as the app runs it: with a log, so traces and dots exist.
pub fn new_simulation(config: SimConfig) -> Simulation {
    Simulation::with_log_capacity(config, LOG_CAPACITY)
}

/// How the app was opened: the scenario to play, and what its share link is
/// measured against.
#[derive(Clone)]
pub struct Opening {
    /// The scenario as written, before a share link's seed and knobs.
    pub base: Scenario,
    /// The scenario the playback starts with (the link's settings applied).
    pub opened: Scenario,
}

impl Opening {
    /// `scenario`, unless a share link (`--link`, or the web page's address) says
    /// otherwise.
    pub fn new(scenario: Scenario, link: Option<&str>) -> Result<Opening, String> {
        let Some(link) = link else { return Ok(Opening::from(scenario)) };
        let run = SharedRun::decode(link)?;
        Ok(Opening { base: run.open_as_written()?, opened: run.open()? })
    }
}

impl From<Scenario> for Opening {
    fn from(scenario: Scenario) -> Opening {
        Opening { base: scenario.clone(), opened: scenario }
    }
}

/// The simulation being shown and how it is played.
#[derive(Resource)]
pub struct Playback {
    /// The scenario with the knobs as the viewer set them: its `config` is the one
    /// source of truth for every run (restart, new seed, A/B compare, share link and
    /// Save .ron read it). Changes a timeline makes during a run stay in the run.
    pub scenario: Scenario,
    /// The scenario as written, before any knob: what the share link is measured
    /// against.
    pub base: Scenario,
    pub sim: Simulation,
    /// The run's copies and live knob changes, for going back in time.
    pub tape: Tape,
    pub playing: bool,
    /// Simulated seconds per real second.
    pub speed: f64,
    /// The last frame ran out of event budget before reaching its target time.
    pub falling_behind: bool,
    /// The seed of the runs (New seed changes it; the scenario keeps its own).
    pub seed: u64,
    /// Counts restarts, scenario changes and jumps in time, so views that follow the
    /// simulation know to start over.
    pub generation: u32,
    /// Counts new runs (restarts and scenario changes, not jumps in time): what was
    /// sampled of the run before a jump still holds up to the time jumped to.
    pub run: u32,
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
    /// Run B's configuration: run A's when the comparison started, with B's own knobs
    /// since (the seed is the playback's).
    pub config: SimConfig,
    pub sim: Simulation,
    pub tape: Tape,
    /// The last refused knob change of run B.
    pub last_error: Option<String>,
    /// What run B is when it is not a copy of run A: "the reference design
    /// image-upload-reference" (`None`: A's configuration with B's own knobs).
    pub against: Option<String>,
}

impl Playback {
    pub fn new(opening: Opening, speed: f64) -> Playback {
        let Opening { base, opened: scenario } = opening;
        let seed = scenario.config.seed;
        let sim = new_simulation(scenario.config.clone());
        Playback {
            tape: Tape::new(&sim),
            sim,
            scenario,
            base,
            playing: true,
            speed,
            falling_behind: false,
            seed,
            generation: 0,
            run: 0,
            scenario_generation: 0,
            last_error: None,
            compare: None,
        }
    }

    /// Applies a fault now (a chaos switch), exactly as a timeline entry at this
    /// simulated time would; recorded with its time. Refused (the run unchanged) when
    /// it names nothing or its value is out of range.
    pub fn inject(&mut self, action: crate::sim::timeline::TimelineAction) -> Result<(), String> {
        self.sim.inject(&action)?;
        // On the tape: going back in time and playing on switches it again.
        self.tape.record_fault(&self.sim, action);
        Ok(())
    }

    /// Faults switched on or off in this run up to now (`inject`), oldest first, with
    /// their times: the tape's, so a restart or going back leaves out what is ahead.
    pub fn faults(&self) -> impl DoubleEndedIterator<Item = (SimTime, &crate::sim::timeline::TimelineAction)> {
        self.tape.applied_changes().iter().filter_map(|c| Some((c.at, c.fault.as_ref()?)))
    }

    /// Replaces the scenario: a new run from time zero with its own seed and knobs.
    pub fn open(&mut self, scenario: Scenario) {
        let speed = self.speed;
        let playing = self.playing;
        let (generation, run) = (self.generation + 1, self.run + 1);
        let scenario_generation = self.scenario_generation + 1;
        *self = Playback { playing, generation, run, scenario_generation, ..Playback::new(scenario.into(), speed) };
    }

    /// The configuration a run starts from: the scenario's, with the playback's seed.
    pub fn run_config(&self) -> SimConfig {
        SimConfig { seed: self.seed, ..self.scenario.config.clone() }
    }

    /// Starts again from time zero with `seed`, keeping the knobs' current values (of
    /// both runs when comparing).
    pub fn restart(&mut self, seed: u64) {
        self.seed = seed;
        self.start();
    }

    /// A new run from the scenario's configuration (run B too, from its own, when
    /// comparing); views that follow the simulation start over.
    fn start(&mut self) {
        self.sim = new_simulation(self.run_config());
        self.tape = Tape::new(&self.sim);
        if let Some(b) = &mut self.compare {
            b.sim = new_simulation(SimConfig { seed: self.seed, ..b.config.clone() });
            b.tape = Tape::new(&b.sim);
        }
        self.falling_behind = false;
        self.generation += 1;
        self.run += 1;
    }

    /// Goes to simulated time `to` of this run (back, or forward up to the furthest
    /// point reached), run B with it; playing on from there is the same run. Views
    /// that follow the simulation start over from there.
    pub fn seek(&mut self, to: SimTime) {
        self.tape.seek(&mut self.sim, to, apply_live);
        if let Some(b) = &mut self.compare {
            b.tape.seek(&mut b.sim, self.sim.now(), apply_live);
        }
        self.falling_behind = false;
        self.generation += 1;
    }

    /// Sets a knob by name in the scenario's configuration, then in the run: live
    /// when the model allows, otherwise by restarting the run. In a challenge only its
    /// allowed knobs move, within their ranges.
    pub fn set_knob(&mut self, name: &str, value: &str, challenge_mode: bool) -> Result<(), String> {
        if challenge_mode && let Some(challenge) = &self.scenario.challenge {
            let allowed =
                challenge.allowed(name).ok_or_else(|| format!("knob \"{name}\" is locked in this challenge"))?;
            allowed.check(&self.scenario.config, value)?;
        }
        match set_knob_in(&mut self.scenario.config, &mut self.sim, name, value)? {
            Applied::Live => self.tape.record(&self.sim, name, value),
            Applied::NeedsRestart => self.start(),
        }
        Ok(())
    }

    /// Sets a knob of run B by name, as `set_knob` does for run A; a knob that cannot
    /// change live restarts both runs, so they stay in step.
    pub fn set_compare_knob(&mut self, name: &str, value: &str) -> Result<(), String> {
        let Some(b) = &mut self.compare else { return Err("no comparison is running".to_string()) };
        match set_knob_in(&mut b.config, &mut b.sim, name, value)? {
            Applied::Live => b.tape.record(&b.sim, name, value),
            Applied::NeedsRestart => self.start(),
        }
        Ok(())
    }

    /// Starts an A/B comparison: run B is a copy of run A's configuration (knobs
    /// included), and both start again from time zero with the same seed.
    pub fn start_comparing(&mut self) {
        let config = self.scenario.config.clone();
        let sim = new_simulation(self.run_config());
        let tape = Tape::new(&sim);
        self.compare = Some(Compared { config, sim, tape, last_error: None, against: None });
        self.restart(self.seed);
    }

    /// Starts an A/B comparison whose run B is the challenge's reference: its knob
    /// settings, or for a design the brief's reference design (the candidate's system
    /// against the answer, same seed, same arrivals).
    pub fn compare_with_reference(&mut self) -> Result<(), String> {
        let mut reference = self.scenario.clone();
        reference.apply_reference()?;
        let against = match self.scenario.challenge.as_ref().and_then(|c| c.reference_design.as_ref()) {
            Some(design) => format!("the reference design {design}"),
            None => "the challenge's reference settings".to_string(),
        };
        let sim = new_simulation(SimConfig { seed: self.seed, ..reference.config.clone() });
        let tape = Tape::new(&sim);
        let against = Some(against);
        self.compare = Some(Compared { config: reference.config, sim, tape, last_error: None, against });
        self.restart(self.seed);
        Ok(())
    }

    /// Advances by `span` of simulated time, handling at most `budget` events (and
    /// the knob changes recorded on the way, after going back); run B follows to the
    /// same simulated time, with a budget of its own.
    pub fn advance(&mut self, span: SimDuration, budget: u64) {
        let target = SimTime(self.sim.now().0.saturating_add(span.0));
        self.falling_behind = !self.tape.advance(&mut self.sim, target, budget, apply_live);
        if let Some(b) = &mut self.compare {
            // Never ahead of A: the charts compare the same moments.
            self.falling_behind |= !b.tape.advance(&mut b.sim, self.sim.now(), budget, apply_live);
        }
    }

    pub fn apply(&mut self, command: &Command) -> Result<(), String> {
        match command {
            Command::TogglePlay => self.playing = !self.playing,
            Command::Step(span) => self.advance(*span, u64::MAX),
            Command::Seek(to) => self.seek(*to),
            Command::SetSpeed(speed) => self.speed = *speed,
            Command::ChangeSpeed { faster } => self.speed = next_speed(self.speed, *faster),
            Command::Restart { new_seed } => {
                let seed = if *new_seed { self.seed.wrapping_add(1) } else { self.seed };
                self.restart(seed);
            }
            Command::SetKnob { name, value, challenge } => self.set_knob(name, value, *challenge)?,
            Command::SetCompareKnob { name, value } => {
                // B's refusals show beside B's knobs.
                let result = self.set_compare_knob(name, value);
                match &mut self.compare {
                    Some(b) => b.last_error = result.err(),
                    None => result?,
                }
            }
            Command::OpenScenario(scenario) => self.open((**scenario).clone()),
            Command::Compare(true) => self.start_comparing(),
            Command::Compare(false) => self.compare = None,
            Command::CompareWithReference => self.compare_with_reference()?,
            Command::Diagnose(answer) => {
                let config = &self.scenario.config;
                let Some(challenge) = &mut self.scenario.challenge else {
                    return Err("this scenario has no challenge to answer".into());
                };
                challenge.give_answer(config, answer)?;
            }
            Command::Inject(action) => self.inject(action.clone())?,
            Command::NewDesign { .. } => {} // the design canvas's (app/design)
            Command::Export(_) => {}        // the export plugin's (app/export)
        }
        Ok(())
    }
}

/// A recorded live change, made again when the tape is replayed (it was accepted when
/// made, and the run is the same up to it).
fn apply_live(sim: &mut Simulation, name: &str, value: &str) {
    if let Err(e) = sim.set_knob(name, value) {
        debug_assert!(false, "a recorded change is refused on replay: {name}={value}: {e}");
    }
}

/// How a knob change reached the run.
#[derive(Debug, PartialEq)]
enum Applied {
    Live,
    /// The knob shapes how a run is built: only a new run from the configuration has it.
    NeedsRestart,
}

/// Sets knob `name` in `config` and, when it can change live, in `sim` too. Nothing
/// changes when either refuses.
fn set_knob_in(config: &mut SimConfig, sim: &mut Simulation, name: &str, value: &str) -> Result<Applied, String> {
    let change = knobs::parse(config, name, value)?;
    let changed = change.applied(config, name, value)?;
    let applied = if change.id.is_live() {
        sim.set_knob(name, value)?;
        Applied::Live
    } else {
        Applied::NeedsRestart
    };
    *config = changed;
    Ok(applied)
}

pub(super) fn plugin(opening: Opening, speed: f64) -> impl Fn(&mut App) {
    move |app: &mut App| {
        app.insert_resource(Playback::new(opening.clone(), speed)).add_systems(
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
