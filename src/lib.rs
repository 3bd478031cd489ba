//! faaslab: an interactive teaching simulator for serverless (Function-as-a-Service)
//! architecture.
//!
//! The dependency arrow points one way: `app -> report -> sim <- scenario`. The
//! simulation core (`sim`) knows nothing of files or screens; `replay` reads a trace
//! and drives `sim` and `report` like any other user of them.

pub mod audit;
pub mod design;
pub mod headless;
pub mod progress;
pub mod replay;
pub mod report;
pub mod scenario;
pub mod share;
pub mod sim;
pub mod sweep;
pub mod text_file;

#[cfg(feature = "gui")]
pub mod app;

pub mod bench;
