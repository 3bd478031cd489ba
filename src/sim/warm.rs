//! Warming the caches ahead (issue 16). With thousands of functions each event finds
//! its trigger's and function's state out of the CPU's caches; the loop asks for what
//! the next event will touch while it handles this one (`kernel::prefetch`), so the
//! waits for memory overlap with work. Only when that state outgrows a core's L2:
//! below it the hints gain nothing and cost instructions. A request's end asks for its
//! function's lines and, when one HTTP trigger alone invokes that function, for the
//! lines of the trigger it answers (counters, latency histogram). Another place that
//! asks ahead: an arrival's idle slot (`on_arrival`). And the functions' and triggers'
//! histograms are filled by `Histogram::record_batched` then: sparse while they hold
//! few values (fewer bytes to keep in the caches), 8 values at a time either way (so
//! that those waits overlap too).
//!
//! Past `FAR_STATE_BYTES` an arrival's state is asked for twice: one event ahead, and
//! earlier, when the event heap drains the 4 ms of simulated time it falls in
//! (`EventQueue::pop_if_warming`), a few events ahead. Only arrivals: a request's end
//! finds its function's lines still cached from its start, a tenth of a second before,
//! and asking early for them too made 1 000 functions slower.

use crate::sim::function::pool::FunctionState;
use crate::sim::kernel::engine::Due;
use crate::sim::kernel::prefetch::prefetch_lines;
use crate::sim::kernel::time::SimTime;
use crate::sim::trigger::TriggerState;
use crate::sim::{Event, Simulation};

impl FunctionState {
    /// Asks for the lines an invocation touches: the first `HOT_LINES` and the
    /// counters' first line.
    #[inline(always)]
    fn warm(&self) {
        prefetch_lines(self, Self::HOT_LINES);
        prefetch_lines(&self.counters, 1);
    }
}

/// A core's second-level cache on the machine measured (1 MB).
const CACHED_STATE_BYTES: usize = 1 << 20;

/// State beyond which asking for an arrival's lines a few events ahead, as well as one
/// ahead, pays. Measured on `bench::many_functions` (sets of 7-21 alternated runs,
/// docs/performance-history.md): 1 000 functions (2.3 MB of state) ran 0-5% slower
/// with it, 3 000 (6.9 MB) 1-4% faster and 10 000 7-11% faster. The second ask costs
/// instructions, and pays only where the lines come from memory rather than from the
/// last-level cache.
pub(crate) const FAR_STATE_BYTES: usize = 4 << 20;

impl Simulation {
    /// Bytes of the functions' and triggers' run state (their vectors).
    pub(crate) fn state_bytes(&self) -> usize {
        self.functions.len() * std::mem::size_of::<FunctionState>()
            + self.triggers.len() * std::mem::size_of::<TriggerState>()
    }

    /// What `arrival_function` holds: per trigger, the function an arrival invokes
    /// directly (HTTP), or `u32::MAX`. Empty, so nothing is warmed, while the functions'
    /// and triggers' state fits in `CACHED_STATE_BYTES`.
    pub(crate) fn arrival_functions(&self) -> Vec<u32> {
        if self.state_bytes() <= CACHED_STATE_BYTES {
            return Vec::new();
        }
        self.triggers.iter().map(|t| if t.http { t.target } else { u32::MAX }).collect()
    }

    /// What `answered_trigger` holds: per function, the one trigger in
    /// `arrival_function` that invokes it, `u32::MAX` for none or several.
    pub(crate) fn answered_triggers(&self) -> Vec<u32> {
        if self.arrival_function.is_empty() {
            return Vec::new();
        }
        const SEVERAL: u32 = u32::MAX - 1;
        let mut answered = vec![u32::MAX; self.functions.len()];
        for (trigger, &function) in self.arrival_function.iter().enumerate() {
            if let Some(slot) = answered.get_mut(function as usize) {
                *slot = if *slot == u32::MAX { trigger as u32 } else { SEVERAL };
            }
        }
        // With several, which one an end answers is only in its request.
        answered.iter().map(|&t| if t == SEVERAL { u32::MAX } else { t }).collect()
    }

    /// Whether the state is too large for the caches, so that the loop asks for what
    /// it will touch ahead.
    #[inline(always)]
    pub(crate) fn warms_caches(&self) -> bool {
        !self.arrival_function.is_empty()
    }

    /// The function `trigger`'s arrivals invoke directly, when the caches are warmed.
    #[inline(always)]
    pub(crate) fn arrival_function_of(&self, trigger: u32) -> Option<&FunctionState> {
        invoked_by(&self.functions, &self.arrival_function, trigger)
    }

    /// Takes the next event due by `deadline` and before `end`, asking early for the
    /// state of the arrivals the heap drains meanwhile past `FAR_STATE_BYTES`. (The
    /// heap's code once for both: a second copy of it in the loop, for the runs that
    /// ask for nothing, was inlined less well and cost case (a) 1-2% more instructions.)
    #[inline(always)]
    pub(super) fn pop_due(&mut self, deadline: SimTime, end: SimTime) -> Option<(SimTime, Due<Event>)> {
        let (triggers, functions, arrival_function) = (&self.triggers, &self.functions, &self.arrival_function);
        let warms_drained = self.warms_drained;
        self.queue.pop_if_warming(|t| t <= deadline && t < end, &mut |event| {
            if let Event::Arrival { trigger } = *event
                && warms_drained
            {
                warm_arrival(triggers, functions, arrival_function, trigger);
            }
        })
    }

    /// Asks the CPU for the state the next event will touch, so that its wait for
    /// memory overlaps with handling this one.
    #[inline(always)]
    pub(super) fn warm_upcoming(&self) {
        if !self.warms_caches() {
            return;
        }
        match self.queue.upcoming() {
            Some(&Event::Arrival { trigger }) => {
                warm_arrival(&self.triggers, &self.functions, &self.arrival_function, trigger)
            }
            Some(&Event::Finish { function, .. }) => {
                if let Some(f) = self.functions.get(function as usize) {
                    f.warm();
                }
                let trigger = self.answered_trigger.get(function as usize).copied().unwrap_or(u32::MAX);
                if let Some(t) = self.triggers.get(trigger as usize) {
                    prefetch_lines(t, TriggerState::ANSWER_LINES);
                }
            }
            _ => {}
        }
    }
}

/// Asks for the lines an arrival at `trigger` touches: the trigger's, and those of the
/// function it invokes directly.
#[inline(always)]
fn warm_arrival(triggers: &[TriggerState], functions: &[FunctionState], arrival_function: &[u32], trigger: u32) {
    if let Some(t) = triggers.get(trigger as usize) {
        prefetch_lines(t, TriggerState::HOT_LINES);
    }
    if let Some(f) = invoked_by(functions, arrival_function, trigger) {
        f.warm();
    }
}

/// The function `trigger`'s arrivals invoke directly (`arrival_function`), if any: in
/// the slices themselves, for the heap's drains, which borrow the event queue.
#[inline(always)]
fn invoked_by<'a>(functions: &'a [FunctionState], arrival_function: &[u32], trigger: u32) -> Option<&'a FunctionState> {
    let function = *arrival_function.get(trigger as usize)?;
    functions.get(function as usize)
}

#[cfg(test)]
mod tests {
    use crate::bench::many_functions;
    use crate::sim::Simulation;
    use crate::sim::function::pool::FunctionState;
    use crate::sim::kernel::time::SimDuration;
    use crate::sim::trigger::TriggerState;

    #[test]
    fn the_loop_warms_the_caches_only_when_the_state_outgrows_them() {
        // What one invocation touches stays at the start of the states (their layout
        // puts it first): a field added above it would show here.
        assert!((1..=20).contains(&FunctionState::HOT_LINES), "{}", FunctionState::HOT_LINES);
        assert!((1..=5).contains(&TriggerState::HOT_LINES), "{}", TriggerState::HOT_LINES);
        let minute = SimDuration::from_secs(60);
        let few = Simulation::new(many_functions(10, 1000.0, minute));
        assert!(few.arrival_function.is_empty() && !few.warms_drained, "10 functions fit in the caches");
        let many = Simulation::new(many_functions(1000, 1000.0, minute));
        assert!(!many.warms_drained, "1 000 functions' 2.3 MB: asked for one event ahead only");
        assert!(Simulation::new(many_functions(2000, 1000.0, minute)).warms_drained, "4.6 MB: a few ahead too");
        let expected: Vec<u32> = (0..1000).collect();
        assert_eq!(many.arrival_function, expected, "each HTTP trigger invokes its own function");
        assert_eq!(many.answered_trigger, expected, "and each function answers its own trigger");
        // Two triggers on one function: which one an end answers is in its request.
        let mut config = many_functions(1000, 1000.0, minute);
        config.trigger_mut(1).set_target("f0");
        let shared = Simulation::new(config);
        assert_eq!((shared.answered_trigger[0], shared.answered_trigger[1]), (u32::MAX, u32::MAX));
        assert_eq!(shared.answered_trigger[2..], expected[2..]);
    }

    #[test]
    fn warming_the_caches_changes_nothing_the_run_does() {
        // About 128 invocations a function: some of their histograms end sparse, the
        // others turned dense at the 128th with a batch pending (`histogram.rs`). 2 000
        // functions: asked for both one event and a few events ahead.
        let config = many_functions(2000, 1000.0, SimDuration::from_secs(256));
        let mut warmed = Simulation::new(config.clone());
        let mut plain = Simulation::new(config);
        assert!(!warmed.arrival_function.is_empty() && warmed.warms_drained);
        plain.arrival_function.clear();
        plain.warms_drained = false;
        warmed.run_to_end();
        plain.run_to_end();
        let sparse = warmed.functions.iter().filter(|f| f.durations.is_sparse()).count();
        assert!((200..1800).contains(&sparse), "{sparse} of 2 000 end sparse: both kinds are compared");
        assert_eq!(warmed.events_processed(), plain.events_processed());
        let report = |sim: &Simulation| serde_json::to_string(&crate::report::Report::of(sim, "many")).unwrap();
        assert_eq!(report(&warmed), report(&plain));
    }
}
