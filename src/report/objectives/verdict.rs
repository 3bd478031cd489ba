//! The graded challenge as text: each objective's line, the verdict, and then the hints
//! or the debrief.

use super::ObjectiveResult;
use crate::scenario::challenge::Challenge;

/// The graded challenge as text: one line per objective, then the verdict; on failure
/// why, and the hints meant for after a failed attempt; on success the debrief.
pub fn challenge_text(challenge: &Challenge, grades: &[ObjectiveResult]) -> String {
    let mut out = format!("Challenge: {}\n", challenge.goal.trim());
    for g in grades {
        let mark = if g.passed { "pass" } else { "FAIL" };
        out += &format!("  [{mark}] {}: {} ({})\n", g.label, g.measured_text, g.bound_text);
        if let Some(why) = &g.why {
            out += &format!("         why: {why}\n");
        }
    }
    let failed = grades.iter().filter(|g| !g.passed).count();
    if failed == 0 {
        out += &format!("Passed: all {} objectives met.\n\nDebrief: {}\n", grades.len(), challenge.debrief.trim());
        if let Some(d) = &challenge.diagnosis {
            out += &format!("The cause: {}. What showed it first: {}\n", d.answer(), d.first_signal.trim());
        }
    } else {
        out += &format!("Failed: {failed} of {} objectives not met.\n", grades.len());
        // Every hint, in order: the ones the app shows with time and after a failure.
        for h in &challenge.hints {
            out += &format!("Hint: {}\n", h.text.trim());
        }
    }
    out
}
