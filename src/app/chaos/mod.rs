//! Failure modes at a click (chaos switches): slow a database, fail a function,
//! throttle the account, inject a burst, while the run plays. Each switch is a
//! timeline action applied at the current simulated time (`Playback::inject`, then
//! `Simulation::inject`), so it changes the run exactly as a scripted fault would;
//! switching it off applies the action's neutral value. What is on is read back from
//! the simulation itself (a database's slowdown, a function's error rate against the
//! scenario's, the account's share, a trigger's burst), so a scripted fault shows too.
//! `panel` draws the switches; the node badges and the log lines read `fault_of` and
//! the playback's record of switched faults.

pub mod panel;

use crate::scenario::Scenario;
use crate::sim::Simulation;
use crate::sim::kernel::time::SimDuration;
use crate::sim::timeline::TimelineAction;

/// "Slow a database": its queries take this many times as long.
pub const SLOW_FACTOR: f64 = 5.0;
/// "Throttle the account": the share of its concurrency left.
pub const THROTTLE_SHARE: f64 = 0.1;
/// "Inject a burst": the trigger's rate times this ...
pub const BURST_FACTOR: f64 = 10.0;
/// ... for this long.
pub const BURST_FOR: SimDuration = SimDuration::from_secs(30);

/// The four switches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Switch {
    SlowDatabase,
    FailFunction,
    ThrottleAccount,
    Burst,
}

impl Switch {
    pub const ALL: [Switch; 4] = [Switch::SlowDatabase, Switch::FailFunction, Switch::ThrottleAccount, Switch::Burst];

    /// The button's words when off.
    pub fn label(self) -> &'static str {
        match self {
            Switch::SlowDatabase => "Slow database x5",
            Switch::FailFunction => "Fail function",
            Switch::ThrottleAccount => "Throttle account to 10%",
            Switch::Burst => "Burst x10 for 30 s",
        }
    }

    pub fn explain(self) -> &'static str {
        match self {
            Switch::SlowDatabase => "every query takes five times as long (a missing index, a noisy neighbour)",
            Switch::FailFunction => "every invocation fails (a dependency it calls is down)",
            Switch::ThrottleAccount => {
                "the account's concurrency is cut to 10% of its limit: functions without a reservation share what is left"
            }
            Switch::Burst => "ten times the trigger's rate for 30 simulated seconds (a campaign, a retry storm)",
        }
    }

    /// The nodes it may target, by name (none for the account).
    pub fn targets(self, sim: &Simulation) -> Vec<String> {
        let config = sim.config();
        match self {
            Switch::SlowDatabase => config.databases.iter().map(|d| d.name.clone()).collect(),
            Switch::FailFunction => config.functions.iter().map(|f| f.name.clone()).collect(),
            Switch::ThrottleAccount => Vec::new(),
            Switch::Burst => config.triggers.iter().map(|t| t.name().to_string()).collect(),
        }
    }

    /// Whether the fault is on now for `target` (by name; ignored for the account).
    pub fn is_on(self, sim: &Simulation, scenario: &Scenario, target: &str) -> bool {
        let config = sim.config();
        match self {
            Switch::SlowDatabase => config
                .databases
                .iter()
                .position(|d| d.name == target)
                .is_some_and(|d| sim.databases()[d].slowdown() != 1.0),
            Switch::FailFunction => {
                config.functions.iter().position(|f| f.name == target).is_some_and(|f| failing(sim, scenario, f))
            }
            Switch::ThrottleAccount => sim.account_throttle() < 1.0,
            Switch::Burst => {
                config.triggers.iter().position(|t| t.name() == target).is_some_and(|t| sim.burst_until(t).is_some())
            }
        }
    }

    /// The action that switches it on (`on`) or off for `target`.
    pub fn action(self, on: bool, scenario: &Scenario, target: &str) -> TimelineAction {
        match self {
            Switch::SlowDatabase => {
                TimelineAction::SlowDatabase { database: target.into(), factor: if on { SLOW_FACTOR } else { 1.0 } }
            }
            Switch::FailFunction => {
                // Off: back to the error rate the scenario has (some fail now and then).
                let written = scenario.config.functions.iter().find(|f| f.name == target).map_or(0.0, |f| f.error_rate);
                TimelineAction::FailFunction { function: target.into(), error_rate: if on { 1.0 } else { written } }
            }
            Switch::ThrottleAccount => TimelineAction::ThrottleAccount { share: if on { THROTTLE_SHARE } else { 1.0 } },
            Switch::Burst => TimelineAction::Burst {
                trigger: target.into(),
                factor: if on { BURST_FACTOR } else { 1.0 },
                lasting: BURST_FOR,
            },
        }
    }
}

/// A fault action in words, for the log: "SlowDatabase orders x5", "put back".
pub fn describe(action: &TimelineAction) -> String {
    match action {
        TimelineAction::SlowDatabase { database, factor } if *factor == 1.0 => {
            format!("database {database} back to normal")
        }
        TimelineAction::SlowDatabase { database, factor } => format!("database {database}: queries x{factor}"),
        TimelineAction::FailFunction { function, error_rate } if *error_rate >= 1.0 => {
            format!("function {function}: every invocation fails")
        }
        TimelineAction::FailFunction { function, error_rate } => {
            format!("function {function} healed (error rate {error_rate})")
        }
        TimelineAction::ThrottleAccount { share } if *share >= 1.0 => "account concurrency put back".into(),
        TimelineAction::ThrottleAccount { share } => format!("account concurrency cut to {:.0}%", share * 100.0),
        TimelineAction::Burst { trigger, factor, .. } if *factor <= 1.0 => format!("burst on {trigger} ended"),
        TimelineAction::Burst { trigger, factor, lasting } => format!("burst on {trigger}: x{factor} for {lasting}"),
        other => format!("{other:?}"),
    }
}

/// Whether function `index` fails at another rate than the scenario wrote: the switch
/// (or a timeline's fault) is on.
fn failing(sim: &Simulation, scenario: &Scenario, index: usize) -> bool {
    let written = scenario.config.functions.get(index).map_or(0.0, |s| s.error_rate);
    sim.config().functions.get(index).is_some_and(|f| f.error_rate != written)
}

/// The fault badge of a node (a database, function or trigger by index), if a fault
/// is on there now. None in a diagnosis exercise: there the fault is what the student
/// must find from traces, logs and metrics, and a badge on the node gave it away.
pub fn fault_of(sim: &Simulation, scenario: &Scenario, kind: FaultNode, index: usize) -> Option<String> {
    if scenario.challenge.as_ref().is_some_and(|c| c.diagnosis.is_some()) {
        return None;
    }
    let config = sim.config();
    match kind {
        FaultNode::Database => {
            let slow = sim.databases().get(index)?.slowdown();
            (slow != 1.0).then(|| format!("FAULT x{slow} slow"))
        }
        // By index: every node asks each frame, and finding each by name (as `is_on`
        // does) made a frame of 20 000 functions quadratic.
        FaultNode::Function => failing(sim, scenario, index)
            // Short, as the others: the badge shares a line with the error count above
            // a node narrower than a long sentence (it spilled over its neighbours).
            .then(|| format!("FAULT {:.0}% fail", config.functions[index].error_rate * 100.0)),
        FaultNode::Trigger => {
            let until = sim.burst_until(index)?;
            Some(format!("FAULT burst to {:.0} s", until.as_secs_f64()))
        }
    }
}

/// The kinds of node a fault can sit on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultNode {
    Database,
    Function,
    Trigger,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::command::Command;
    use crate::app::playback::Playback;
    use crate::app::tests::headless;
    use bevy::prelude::*;

    /// 200 requests a second of 1 s each (about 200 in flight of the account's 1000),
    /// each with one query.
    const SHOP: &str = r#"Scenario(name: "shop", duration: "10m",
        functions: [(name: "api", runtime: Go, memory_mb: 512, duration: Constant(value: "1s"),
                     calls: [Query(database: "db")])],
        databases: [(name: "db", max_connections: 1000, query_time: Constant(value: "10ms"))],
        triggers: [Http(name: "web", target: "api", arrivals: Constant(rate: 200.0))])"#;

    fn playback(app: &App) -> &Playback {
        app.world().resource::<Playback>()
    }

    /// Advances the run by `secs` simulated seconds (as frames would).
    fn run_for(app: &mut App, secs: u64) {
        app.world_mut().resource_mut::<Playback>().advance(SimDuration::from_secs(secs), u64::MAX);
        app.update();
    }

    fn switch(app: &mut App, switch: Switch, on: bool, target: &str) {
        let action = switch.action(on, &playback(app).scenario, target);
        app.world_mut().write_message(Command::Inject(action));
        app.update();
        let p = playback(app);
        assert_eq!(p.last_error, None);
        assert_eq!(switch.is_on(&p.sim, &p.scenario, target), on, "{switch:?} on: {on}");
    }

    #[test]
    fn each_switch_changes_the_run_after_it_and_switching_off_restores_it() {
        let scenario = crate::scenario::Scenario::parse(SHOP, "shop.ron").unwrap();
        let mut app = headless(scenario, 1.0);
        app.world_mut().resource_mut::<Playback>().playing = false; // frames advance nothing
        run_for(&mut app, 60);
        let q = playback(&app).sim.requests();
        assert_eq!((q.failed, q.throttled), (0, 0), "nothing goes wrong before a switch");

        // Fail the function: errors from the switch on, none before.
        switch(&mut app, Switch::FailFunction, true, "api");
        let p = playback(&app);
        let faults: Vec<_> = p.faults().collect();
        assert_eq!(faults.len(), 1, "recorded with its time");
        assert_eq!(faults[0].0, p.sim.now());
        assert_eq!(fault_of(&p.sim, &p.scenario, FaultNode::Function, 0).as_deref(), Some("FAULT 100% fail"));
        run_for(&mut app, 30);
        // Every request started after the switch and done by now (1 s and a 10 ms
        // query each): those that arrived in the 28.99 s from 60 s, at 200 a second.
        assert_eq!(playback(&app).sim.requests().failed, 5798);
        switch(&mut app, Switch::FailFunction, false, "api");
        let healed_at = playback(&app).sim.requests().failed;
        run_for(&mut app, 30);
        // Only those already running when it healed still fail: 1.01 s of arrivals.
        assert_eq!(playback(&app).sim.requests().failed - healed_at, 202);
        assert_eq!(fault_of(&playback(&app).sim, &playback(&app).scenario, FaultNode::Function, 0), None);

        // Throttle the account: 100 slots for 200 a second of 1 s requests.
        switch(&mut app, Switch::ThrottleAccount, true, "");
        run_for(&mut app, 30);
        let throttled = playback(&app).sim.requests().throttled;
        assert!(throttled > 2500, "every other request is refused: {throttled}");
        switch(&mut app, Switch::ThrottleAccount, false, "");
        run_for(&mut app, 30);
        assert_eq!(playback(&app).sim.requests().throttled, throttled, "none once put back");

        // Slow the database: its badge, and its queries back to normal when off.
        switch(&mut app, Switch::SlowDatabase, true, "db");
        let p = playback(&app);
        assert_eq!(fault_of(&p.sim, &p.scenario, FaultNode::Database, 0).as_deref(), Some("FAULT x5 slow"));
        switch(&mut app, Switch::SlowDatabase, false, "db");

        // A burst ends by itself after 30 s.
        switch(&mut app, Switch::Burst, true, "web");
        assert!(fault_of(&playback(&app).sim, &playback(&app).scenario, FaultNode::Trigger, 0).is_some());
        run_for(&mut app, 31);
        assert!(!Switch::Burst.is_on(&playback(&app).sim, &playback(&app).scenario, "web"));

        // Seven switches, each in the record; a switch naming nothing is refused.
        assert_eq!(playback(&app).faults().count(), 7);
        let bad = TimelineAction::SlowDatabase { database: "nope".into(), factor: 5.0 };
        app.world_mut().write_message(Command::Inject(bad));
        app.update();
        assert_eq!(playback(&app).last_error.as_deref(), Some("no database \"nope\""));
        assert_eq!(playback(&app).faults().count(), 7);
        // A restart is a new run: no fault, no record.
        app.world_mut().write_message(Command::Restart { new_seed: false });
        app.update();
        assert_eq!(playback(&app).faults().count(), 0);
    }

    #[test]
    fn a_diagnosis_exercise_does_not_badge_the_fault_it_asks_for() {
        // The incident slows inventory-db from 5 minutes on (its timeline); at 10 minutes
        // the database is slow, and its node must not say so.
        let scenario = crate::scenario::built_in("incident-checkout-latency").unwrap().unwrap();
        let mut app = headless(scenario, 1.0);
        app.world_mut().resource_mut::<Playback>().playing = false;
        run_for(&mut app, 600);
        let p = playback(&app);
        let db = p.sim.config().databases.iter().position(|d| d.name == "inventory-db").expect("the incident's db");
        assert!(p.sim.databases()[db].slowdown() > 1.0, "the scripted fault is on");
        assert_eq!(fault_of(&p.sim, &p.scenario, FaultNode::Database, db), None);
        // The same run without its diagnosis (a plain chaos demo) shows it.
        let mut plain = p.scenario.clone();
        plain.challenge = None;
        assert!(fault_of(&p.sim, &plain, FaultNode::Database, db).is_some_and(|f| f.starts_with("FAULT x")));
    }
}
