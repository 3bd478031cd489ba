//! What the objectives share: building an "at most" result and formatting numbers.

use super::ObjectiveResult;

pub(super) fn ms(x: f64) -> String {
    if x >= 10_000.0 { format!("{:.1} s", x / 1000.0) } else { format!("{x:.0} ms") }
}

pub(super) fn percent(x: f64) -> String {
    format!("{:.2}%", x * 100.0)
}

pub(super) fn ratio(part: u64, whole: u64) -> f64 {
    if whole == 0 { 0.0 } else { part as f64 / whole as f64 }
}

/// An "at most" objective's result: it passes when `measured <= bound`; `why` is asked
/// for only when it fails.
pub(super) fn at_most(
    label: String,
    (measured, bound): (f64, f64),
    (measured_text, bound_text): (String, String),
    why: impl FnOnce() -> Option<String>,
) -> ObjectiveResult {
    let passed = measured <= bound;
    let why = if passed { None } else { why() };
    let bound_text = format!("at most {bound_text}");
    ObjectiveResult { label, passed, measured, bound, measured_text, bound_text, why }
}

/// A count that must be zero ("duplicate side effects: 3 (at most 0)").
pub(super) fn none_at_all(label: &str, n: u64, why: impl FnOnce() -> String) -> ObjectiveResult {
    at_most(label.to_string(), (n as f64, 0.0), (n.to_string(), "0".to_string()), || Some(why()))
}
