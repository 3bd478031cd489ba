//! Queues after failure: a dead-letter queue's redrive serves each order once after the
//! fix (and sends them back before it), at its rate, by its knob; and a visibility timeout
//! shortened while messages are in flight.

use crate::harness::{run, scenario};
use faaslab::report::Report;

/// Orders every second (at k + 0.5 s), a worker that fails everything from 2m to 5m (a
/// bad deploy, then its fix), a queue with a 10 s visibility timeout and three receives
/// before its DLQ, two poison orders at 30 s and 60 s; `extra` adds queue fields,
/// `timeline` timeline entries.
fn bad_deploy(extra: &str, timeline: &str) -> String {
    format!(
        r#"Scenario(name: "redrive", duration: "20m",
        functions: [(name: "fulfil", runtime: Custom(cold_start: Constant(value: "0s")), duration: Constant(value: "100ms"))],
        queues: [
            (name: "orders", visibility_timeout: "10s", max_receive_count: 3, dlq: "orders-dlq",
             consumer: (function: "fulfil", batch_size: 1, max_concurrency: 10) {extra}),
            (name: "orders-dlq"),
        ],
        triggers: [
            Producer(name: "shop", queue: "orders", arrivals: Every(period: "1s", offset: "500ms")),
            Producer(name: "bad", queue: "orders", arrivals: At(times: ["30s", "60s"]), poison: 1.0),
        ],
        timeline: [
            (at: "2m", action: FailFunction(function: "fulfil", error_rate: 1.0)),
            (at: "5m", action: FailFunction(function: "fulfil", error_rate: 0.0)),
            {timeline}
        ])"#
    )
}

#[test]
fn a_redrive_after_the_fix_serves_every_dead_lettered_order_once() {
    use faaslab::sim::kernel::time::SimTime;
    use faaslab::sim::services::queue::redrive::FailReason;
    // An order sent at t is received at t, t + 10 s and t + 20 s (each receive fails at
    // once, visible again 10 s later): all three fall in the bad deploy [120 s, 300 s)
    // for t = 120.5 .. 279.5 s, 160 orders, dead-lettered at t + 30 s. Orders from
    // 280.5 s fail once or twice, then succeed after the fix.
    let s = scenario(&bad_deploy("", r#"(at: "8m", action: Redrive(queue: "orders")),"#));
    let mut sim = faaslab::sim::Simulation::new(s.config.clone());
    sim.step_until(SimTime::from_secs_f64(479.0), u64::MAX);
    let dlq = &sim.queues()[1];
    let letters: Vec<_> = dlq.waiting_messages().collect();
    assert_eq!(letters.len(), 162, "160 orders of the bad deploy and the 2 poison ones");
    let reasons = |r: FailReason| letters.iter().filter(|m| m.dead.unwrap().reason == r).count();
    assert_eq!((reasons(FailReason::Error), reasons(FailReason::Poison)), (160, 2));
    assert!(letters.iter().all(|m| m.dead.unwrap().receives == 3 && m.dead.unwrap().source == Some(0)));
    // Oldest first: the poison orders (dead at 60 s and 90 s), then the deploy's.
    assert!(letters[0].poison && letters[1].poison && !letters[2].poison);
    assert_eq!(sim.triggers()[0].counters.failed, 160, "the producer hears they failed");
    sim.run_to_end();
    let r = Report::of(&sim, &s.name);
    let (q, d) = (&r.queues[0], &r.queues[1]);
    // The redrive moved all 162 back as new messages; the 160 succeeded, the 2 poison
    // ones failed three more receives (their count started again at zero) and went back.
    assert_eq!((q.redriven, q.redriven_poison, d.redriven_out), (162, 2, 162));
    assert_eq!((q.to_dlq, q.to_dlq_poison), (164, 4));
    assert_eq!((q.dead_lettered(), q.transient_dead_lettered()), (2, 0));
    assert_eq!((d.sent, d.still_queued), (164, 2));
    let dlq = &sim.queues()[1];
    assert!(dlq.waiting_messages().all(|m| m.poison && m.dead.unwrap().receives == 3), "receive counts were reset");
    // Served once each, never lost: 1200 orders, all succeeded; the poison ones failed.
    let (shop, bad) = (&r.triggers[0].requests, &r.triggers[1].requests);
    assert_eq!((shop.arrived, shop.succeeded, shop.failed, shop.in_flight), (1200, 1200, 0, 0));
    assert_eq!((bad.arrived, bad.succeeded, bad.failed), (2, 0, 2));
    assert_eq!(q.sent + q.redriven, q.deleted + q.to_dlq + q.expired + q.still_queued);
    assert_eq!(q.deleted, 1200);
    // A run that fails by `FailFunction` did its work first: every receive after a
    // message's first repeats it. The 160 orders: 2 each before the DLQ; orders 280.5 ..
    // 289.5 s: 2 each, 290.5 .. 299.5 s: 1 each; the poison ones 2 each, twice. A
    // redriven message is a new message (SQS gives it a new id): it repeats none.
    assert_eq!(r.duplicates, 160 * 2 + 10 * 2 + 10 + 2 * 2 * 2);
}

#[test]
fn a_redrive_before_the_fix_sends_the_orders_back_to_the_dlq() {
    // At 4 m the DLQ holds the orders dead by then (t + 30 s <= 240 s: t = 120.5 ..
    // 209.5 s, 90 of them) and the 2 poison ones: redriven into the bad deploy, they
    // fail three receives again and are back for good.
    let s = scenario(&bad_deploy("", r#"(at: "4m", action: Redrive(queue: "orders")),"#));
    let r = Report::of(&run(&s), &s.name);
    let q = &r.queues[0];
    assert_eq!((q.redriven, q.to_dlq), (92, 162 + 92));
    assert_eq!((q.dead_lettered(), q.transient_dead_lettered()), (162, 160));
    assert_eq!(r.triggers[0].requests.failed, 160);
}

#[test]
fn a_rate_limited_redrive_moves_its_rate_each_second_and_a_second_one_waits() {
    use faaslab::sim::kernel::time::SimTime;
    // The knob's redrive at 8 m, 50 a second: 162 messages take 4 steps (50, 50, 50, 12).
    // A timeline redrive 2.5 s later is refused: SQS runs one move task per queue.
    let s = scenario(&bad_deploy(
        r#", redrive_at: "8m", redrive_rate: 50"#,
        r#"(at: "482.5s", action: Redrive(queue: "orders")),"#,
    ));
    let mut sim = faaslab::sim::Simulation::new(s.config.clone());
    let moved = |sim: &faaslab::sim::Simulation| sim.queues()[0].counters.redriven;
    sim.step_until(SimTime::from_secs_f64(480.0), u64::MAX);
    assert_eq!(moved(&sim), 50);
    sim.step_until(SimTime::from_secs_f64(482.5), u64::MAX);
    assert_eq!(moved(&sim), 150);
    assert_eq!(sim.timeline_refused.len(), 1, "{:?}", sim.timeline_refused);
    assert!(sim.timeline_refused[0].contains("already moving messages (12 left)"), "{:?}", sim.timeline_refused);
    sim.step_until(SimTime::from_secs_f64(483.0), u64::MAX);
    assert_eq!(moved(&sim), 162);
    sim.run_to_end();
    let r = Report::of(&sim, &s.name);
    assert_eq!((r.queues[0].redriven, r.triggers[0].requests.succeeded), (162, 1200));
}

#[test]
fn the_redrive_knob_is_reachable_by_name_and_live() {
    let s = scenario(&bad_deploy("", ""));
    let mut config = s.config.clone();
    faaslab::sim::knobs::set(&mut config, "orders.redrive_at", "8m").unwrap();
    let sim = {
        let mut sim = faaslab::sim::Simulation::new(config);
        sim.run_to_end();
        sim
    };
    assert_eq!(sim.queues()[0].counters.redriven, 162);
    // Set during the run (the app's button): the redrive starts then.
    let mut sim = faaslab::sim::Simulation::new(s.config.clone());
    sim.step_until(faaslab::sim::kernel::time::SimTime::from_secs_f64(600.0), u64::MAX);
    assert_eq!(sim.queues()[0].counters.redriven, 0, "no redrive as written");
    sim.set_knob("orders.redrive_at", "600s").unwrap();
    sim.run_to_end();
    assert_eq!(sim.queues()[0].counters.redriven, 162);
    let e = faaslab::sim::knobs::set(&mut s.config.clone(), "orders-dlq.redrive_at", "8m").unwrap_err();
    assert!(e.contains("dead-letter queue"), "{e}");
}

/// A queue whose visibility timeout is shortened while a message is in flight: the
/// messages received afterwards time out on their own, shorter deadlines, before the
/// earlier one's. (A queue keeps one pending visibility check for the deadlines in the
/// order received; a receive whose deadline comes before an earlier one's gets a timer
/// of its own.)
fn shortened_visibility(duration: &str) -> String {
    format!(
        r#"Scenario(name: "shortened visibility", duration: "{duration}",
            functions: [(name: "slow", runtime: Go, memory_mb: 512, duration: Constant(value: "100s"), timeout: "900s")],
            queues: [(name: "jobs", visibility_timeout: "60s", max_receive_count: 1, dlq: "jobs-dlq",
                      consumer: (function: "slow", batch_size: 1, max_concurrency: 5)),
                     (name: "jobs-dlq")],
            triggers: [Producer(name: "load", queue: "jobs", arrivals: Constant(rate: 0.05))],
            timeline: [(at: "25s", action: Set(knob: "jobs.visibility_timeout", value: "10s"))])"#
    )
}

#[test]
fn a_shortened_visibility_timeout_ends_later_receives_first() {
    // One message every 20 s (at 20, 40, 60, 80 s), each received at once and handled
    // for 100 s, so every receive times out and, at one receive allowed, goes to the DLQ.
    // The first was received with 60 s (out at 80 s), the others with 10 s (out at 50,
    // 70 and 90 s).
    for (duration, dead) in [("45s", 0), ("55s", 1), ("75s", 2), ("85s", 3), ("95s", 4)] {
        let r = Report::of(&run(&scenario(&shortened_visibility(duration))), "v");
        let q = &r.queues[0];
        assert_eq!(
            (q.received, q.to_dlq),
            (duration.trim_end_matches('s').parse::<u64>().unwrap() / 20, dead),
            "{duration}"
        );
    }
}
