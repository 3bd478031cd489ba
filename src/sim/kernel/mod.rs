//! The kernel: simulated time, the event queue, named random streams, distributions,
//! arrival processes, fixed-size metrics, the bounded log and traces, and billing.
//! Nothing here knows what a function or a queue is.

pub mod arrivals;
pub mod cost;
pub mod dist;
pub(crate) mod engine;
pub(crate) mod histogram;
pub(crate) mod lanes;
pub mod log;
pub mod metrics;
pub mod prefetch;
pub mod rng;
pub mod theory;
pub mod time;
pub mod trace;

/// A number for a message: as written when it is of a usual size, in scientific
/// notation otherwise (`1e300`, not 301 digits), `NaN` and `inf` as such.
pub fn num(x: f64) -> String {
    let size = x.abs();
    if x == 0.0 || (1e-4..1e15).contains(&size) || !x.is_finite() { format!("{x}") } else { format!("{x:e}") }
}
