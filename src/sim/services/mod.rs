//! The services around functions, each with its spec, its state at run time and the
//! handlers of its events in one place.

pub mod bus;
pub mod database;
pub mod flow;
pub mod orchestration;
pub mod queue;
pub mod storage;
pub mod stream;
pub(crate) mod streaming;
pub mod workflow;
