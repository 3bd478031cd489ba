//! The kernel: simulated time, the event queue, named random streams, distributions,
//! arrival processes, fixed-size metrics, the bounded log and traces, and billing.
//! Nothing here knows what a function or a queue is.

pub mod arrivals;
pub mod cost;
pub mod dist;
pub(crate) mod engine;
pub mod log;
pub mod metrics;
pub mod rng;
pub mod time;
pub mod trace;
