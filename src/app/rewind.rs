//! Scrubbing back in time (issue 17): a run as a tape that can be wound back. A run is
//! a pure function of its configuration, except for the knobs the viewer turns while
//! it plays; the tape records each of those with the moment it was made (simulated
//! time and events handled, so a change made mid-frame lands between the same two
//! events again) and keeps copies of the simulation every so many events. Going to
//! time `t` starts from the last copy at or before `t` and plays forward to it,
//! applying the recorded changes where they were made: the same run, to the event.
//!
//! Changes after the point gone back to stay on the tape and happen again as play
//! passes them (a replay shows what was seen); a new change there rewrites the rest of
//! the tape from that moment. No Bevy type here: `playback` owns one tape per run.

use crate::sim::Simulation;
use crate::sim::kernel::time::SimTime;

/// Events between copies at first: about a tenth of a second of work with the app's
/// log, so going back never re-simulates more than that (the interval doubles when
/// the copies are thinned).
const EVENTS_BETWEEN_COPIES: u64 = 500_000;

/// Copies kept at most; past it every other one goes and the interval doubles, so
/// memory stays bounded however long the run (a copy of a library scenario's
/// simulation is a few megabytes, most of it the app's event log).
pub const MAX_COPIES: usize = 24;

/// Bytes the copies may hold together (`Simulation::approx_bytes`), thinned as past
/// `MAX_COPIES`. A run with millions of requests in flight is hundreds of megabytes:
/// 24 copies of one took 7.5 GB (a browser tab has 4 GB at most). A copy larger than a
/// quarter of this is not taken: going back then plays forward from an older one.
pub const TAPE_BYTES: usize = 512 << 20;

/// A knob the viewer turned during the run.
#[derive(Clone, Debug, PartialEq)]
pub struct LiveChange {
    /// The simulated time and the events handled when it was made.
    pub at: SimTime,
    pub events: u64,
    pub knob: String,
    pub value: String,
    /// A fault switched from the chaos panel instead of a knob (`knob` is empty).
    pub fault: Option<crate::sim::timeline::TimelineAction>,
}

/// The simulation as it was at some point of the tape.
#[derive(Clone)]
struct Copy {
    sim: Simulation,
    /// Changes it already has (the first `applied` of the tape's).
    applied: usize,
    /// About what it holds (`Simulation::approx_bytes`).
    bytes: usize,
}

/// One run's tape: copies of its simulation, and the viewer's live changes.
pub struct Tape {
    copies: Vec<Copy>,
    changes: Vec<LiveChange>,
    /// Changes the live simulation has (the first `applied`); the rest are ahead.
    applied: usize,
    every: u64,
    /// What the copies may hold together (`TAPE_BYTES`; less in tests).
    budget: usize,
    /// The furthest simulated time reached: the slider goes up to it.
    pub furthest: SimTime,
}

impl Tape {
    /// The tape of a run starting as `sim` (at time zero).
    pub fn new(sim: &Simulation) -> Tape {
        Tape {
            copies: vec![Copy { sim: sim.clone(), applied: 0, bytes: sim.approx_bytes() }],
            changes: Vec::new(),
            applied: 0,
            every: EVENTS_BETWEEN_COPIES,
            budget: TAPE_BYTES,
            furthest: sim.now(),
        }
    }

    pub fn changes(&self) -> &[LiveChange] {
        &self.changes
    }

    /// The changes the live simulation has already had.
    pub fn applied_changes(&self) -> &[LiveChange] {
        &self.changes[..self.applied]
    }

    #[cfg(test)]
    pub fn copies(&self) -> usize {
        self.copies.len()
    }

    /// Records a change just applied to `sim` (live): the changes that were ahead of
    /// it, and the copies taken after this moment, are dropped (a new future).
    pub fn record(&mut self, sim: &Simulation, knob: &str, value: &str) {
        self.changes.truncate(self.applied);
        let events = sim.events_processed();
        self.copies.retain(|c| c.sim.events_processed() <= events && c.applied <= self.applied);
        self.changes.push(LiveChange { at: sim.now(), events, knob: knob.into(), value: value.into(), fault: None });
        self.applied = self.changes.len();
        self.furthest = sim.now();
    }

    /// Records a fault just applied to `sim` (a chaos switch), as `record` does a knob.
    pub fn record_fault(&mut self, sim: &Simulation, fault: crate::sim::timeline::TimelineAction) {
        self.record(sim, "", "");
        if let Some(last) = self.changes.last_mut() {
            last.fault = Some(fault);
        }
    }

    /// Advances `sim` towards `target` handling at most `budget` events, applying the
    /// recorded changes it passes where they were made; whether it got there.
    /// `apply` sets a knob live (the playback's `set_knob_in` without recording).
    pub fn advance(
        &mut self,
        sim: &mut Simulation,
        target: SimTime,
        budget: u64,
        mut apply: impl FnMut(&mut Simulation, &str, &str),
    ) -> bool {
        let start = sim.events_processed();
        let reached = loop {
            let left = budget.saturating_sub(sim.events_processed() - start);
            let Some(change) = self.changes.get(self.applied).filter(|c| c.at <= target).cloned() else {
                break sim.step_until(target, left).reached_deadline;
            };
            // To the moment of the change: exactly the events handled before it.
            let want = change.events.saturating_sub(sim.events_processed());
            sim.step_until(change.at, want.min(left));
            if sim.events_processed() < change.events {
                break false; // out of budget: the next frame goes on
            }
            if sim.now() < change.at {
                // The run had reached the change's time with no event due by then:
                // move the clock there (handles nothing).
                let moved = sim.step_until(change.at, 1);
                debug_assert_eq!(moved.events, 0, "an event between a change and its time");
            }
            match &change.fault {
                // Checked when it was switched: it applies again as it did then.
                Some(fault) => {
                    let applied = sim.inject(fault);
                    debug_assert!(applied.is_ok(), "a recorded fault is refused on replay: {applied:?}");
                }
                None => apply(sim, &change.knob, &change.value),
            }
            self.applied += 1;
        };
        self.keep_copy(sim);
        self.furthest = self.furthest.max(sim.now());
        reached
    }

    /// Takes a copy when the run is `every` events past the latest one, and keeps the
    /// copies within `MAX_COPIES` and the byte budget.
    fn keep_copy(&mut self, sim: &Simulation) {
        let latest = self.copies.last().map_or(0, |c| c.sim.events_processed());
        if sim.events_processed() < latest + self.every {
            return;
        }
        let bytes = sim.approx_bytes();
        if bytes > self.budget / 4 {
            // Too large to keep several: wait longer before trying again.
            self.every = self.every.saturating_mul(2);
            return;
        }
        self.copies.push(Copy { sim: sim.clone(), applied: self.applied, bytes });
        while self.copies.len() > 1 && (self.copies.len() > MAX_COPIES || self.bytes() > self.budget) {
            // Keep the first (time zero) and every other one after it.
            self.copies = std::mem::take(&mut self.copies).into_iter().step_by(2).collect();
            self.every = self.every.saturating_mul(2);
        }
    }

    /// What the copies hold together, about.
    pub fn bytes(&self) -> usize {
        self.copies.iter().map(|c| c.bytes).sum()
    }

    /// The simulation at `target` (no later than the furthest point reached): from
    /// `sim` itself when it is not past `target`, else from the latest copy at or before
    /// it, with the recorded changes applied where they were made.
    pub fn seek(&mut self, sim: &mut Simulation, target: SimTime, apply: impl FnMut(&mut Simulation, &str, &str)) {
        let target = target.min(self.furthest);
        if sim.now() > target {
            let copy = self.copies.iter().rev().find(|c| c.sim.now() <= target).unwrap_or(&self.copies[0]).clone();
            *sim = copy.sim;
            self.applied = copy.applied;
        }
        self.advance(sim, target, u64::MAX, apply);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Report;
    use crate::sim::kernel::time::SimDuration;

    fn sim() -> Simulation {
        crate::app::playback::new_simulation(crate::scenario::Scenario::default_scenario().config)
    }

    fn set(sim: &mut Simulation, knob: &str, value: &str) {
        sim.set_knob(knob, value).expect("a live knob");
    }

    fn secs(s: u64) -> SimTime {
        SimTime(SimDuration::from_secs(s).0)
    }

    /// Frames of 3.7 simulated seconds with a small event budget (some frames fall
    /// behind), as the app plays.
    fn play(tape: &mut Tape, sim: &mut Simulation, until: SimTime) {
        while sim.now() < until {
            let target = SimTime((sim.now().0 + 3_700_000).min(until.0));
            tape.advance(sim, target, 3_000, set);
        }
    }

    fn report(sim: &Simulation) -> String {
        Report::of(sim, "x").to_json()
    }

    #[test]
    fn going_back_and_playing_on_is_the_same_run_with_the_changes_where_they_were_made() {
        // The run as played: memory raised at 100 s, back down at 200 s.
        let mut live = sim();
        let mut tape = Tape::new(&live);
        tape.every = 2_000; // copies every few seconds here, and thinned
        play(&mut tape, &mut live, secs(100));
        set(&mut live, "api.memory", "2048");
        tape.record(&live, "api.memory", "2048");
        play(&mut tape, &mut live, secs(200));
        set(&mut live, "api.memory", "512");
        tape.record(&live, "api.memory", "512");
        play(&mut tape, &mut live, secs(300));
        let at_300 = report(&live);
        assert!(tape.copies() > 2 && tape.copies() <= MAX_COPIES, "{}", tape.copies());
        // Back to 150 s (between the changes), then on to 300 s: the 200 s change
        // happens again, and the run is the same to the byte.
        tape.seek(&mut live, secs(150), set);
        assert_eq!(live.now(), secs(150));
        assert_eq!(live.functions()[0].model.spec.memory_mb, 2048);
        play(&mut tape, &mut live, secs(300));
        assert_eq!(report(&live), at_300);
        // Back before both changes, and forward again in one go.
        tape.seek(&mut live, secs(40), set);
        assert_eq!(live.functions()[0].model.spec.memory_mb, 512, "as the scenario starts");
        tape.seek(&mut live, secs(300), set);
        assert_eq!(report(&live), at_300);
        // Not past the furthest point reached.
        tape.seek(&mut live, secs(900), set);
        assert_eq!(live.now(), secs(300));
    }

    #[test]
    fn the_copies_stay_within_their_byte_budget_and_going_back_is_still_the_same_run() {
        // 2 000 messages a second into a consumer capped at 2: a backlog that grows
        // (with it each copy), and a budget of 1 MB.
        let config = crate::bench::queue_backlog(2_000.0, SimDuration::from_secs(300), SimDuration::from_secs(300));
        let fresh = || crate::app::playback::new_simulation(config.clone());
        let mut live = fresh();
        let mut tape = Tape::new(&live);
        (tape.every, tape.budget) = (2_000, 1 << 20);
        let mut most = 0;
        while live.now() < secs(300) {
            let target = SimTime((live.now().0 + 3_700_000).min(secs(300).0));
            tape.advance(&mut live, target, 3_000, set);
            most = most.max(tape.bytes());
            assert!(tape.bytes() <= tape.budget, "{} bytes in {} copies", tape.bytes(), tape.copies());
        }
        assert!(live.approx_bytes() > tape.budget / 4, "the backlog outgrew a copy: {}", live.approx_bytes());
        assert!(most > tape.budget / 2, "copies were kept while they fitted: {most}");
        let at_300 = report(&live);
        // Back to 250 s, from an early copy, and on again: the same run.
        tape.seek(&mut live, secs(250), set);
        assert_eq!(live.now(), secs(250));
        tape.seek(&mut live, secs(300), set);
        assert_eq!(report(&live), at_300);
        let mut straight = fresh();
        straight.step_until(secs(300), u64::MAX);
        assert_eq!(report(&straight), at_300);
    }

    #[test]
    fn a_change_after_going_back_rewrites_the_rest_of_the_tape() {
        let mut live = sim();
        let mut tape = Tape::new(&live);
        tape.every = 2_000;
        play(&mut tape, &mut live, secs(100));
        set(&mut live, "api.memory", "2048");
        tape.record(&live, "api.memory", "2048");
        play(&mut tape, &mut live, secs(200));
        tape.seek(&mut live, secs(60), set);
        set(&mut live, "api.memory", "1024");
        tape.record(&live, "api.memory", "1024");
        assert_eq!(tape.changes().len(), 1, "the change at 100 s is gone");
        assert_eq!(tape.furthest, secs(60));
        play(&mut tape, &mut live, secs(200));
        assert_eq!(live.functions()[0].model.spec.memory_mb, 1024);
        // The same as a straight run with that one change at 60 s.
        let mut straight = sim();
        straight.step_until(secs(60), u64::MAX);
        set(&mut straight, "api.memory", "1024");
        straight.step_until(secs(200), u64::MAX);
        assert_eq!(report(&live), report(&straight));
    }
}
