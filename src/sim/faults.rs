//! Faults switched on while a run plays (the app's chaos switches): a timeline action
//! applied at the current simulated time, checked first with the words a scenario
//! file's timeline gets. One entry point, so whoever records a run's live changes
//! (for sharing or scrubbing) records these too.

use crate::sim::Simulation;
use crate::sim::timeline::TimelineAction;

impl Simulation {
    /// Applies a fault (or any action but a caption) now, exactly as a timeline entry
    /// at the current time would. A bad name or value is refused, the run unchanged.
    pub fn inject(&mut self, action: &TimelineAction) -> Result<(), String> {
        let mut problems = Vec::new();
        crate::sim::validate::action_problems(self.config(), action, |_, message| problems.push(message));
        if let TimelineAction::Caption(_) = action {
            problems.push("a caption is narration, not a change to the run".into());
        }
        if !problems.is_empty() {
            return Err(problems.join("; "));
        }
        self.apply_action(action)
    }
}
