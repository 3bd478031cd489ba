//! One integration test binary; each module is a behaviour of faaslab.

mod harness;
mod property;

mod architecture;
mod audit;
mod bad_input;
mod bounded;
mod challenges;
mod chaos;
mod cli;
mod completion;
mod conservation;
mod cost;
mod design;
mod determinism;
mod docs;
mod ephemeral;
mod flows;
mod golden;
mod multiconc;
mod observability;
mod queues;
mod replay;
mod sagas_and_fan_outs;
mod scenarios;
mod semantics;
mod services;
mod share;
mod snapstart;
mod theory;
mod webhooks;
