//! Services: queues with DLQs, asynchronous retries, databases with connection limits,
//! function calls, idempotency. Each mechanism must change the numbers.

use crate::harness::{mean, report_with_seed, run, scenario};
use faaslab::report::Report;
use faaslab::sim::kernel::log::LogKind;

/// Erlang C for an M/M/c queue: B / (1 - rho (1 - B)).
fn erlang_c(servers: u32, offered: f64) -> f64 {
    let b = (1..=servers).fold(1.0, |b, n| offered * b / (f64::from(n) + offered * b));
    let rho = offered / f64::from(servers);
    b / (1.0 - rho * (1.0 - b))
}

#[test]
fn a_queue_consumer_waits_as_erlang_c_says() {
    // lambda = 9/s, mean service 1 s, 10 consumers, batch size 1, no cold starts.
    let s = scenario(
        r#"Scenario(name: "Erlang C", duration: "4h", warmup: "10m",
            functions: [(name: "worker", runtime: Custom(cold_start: Constant(value: "0s")), memory_mb: 512,
                         duration: Exponential(mean: "1s"), reserved_concurrency: Some(10), provisioned_concurrency: 10)],
            queues: [(name: "jobs", visibility_timeout: "10m",
                      consumer: Some((function: "worker", batch_size: 1, max_concurrency: 10)))],
            triggers: [Producer(name: "orders", queue: "jobs", arrivals: Poisson(rate: 9.0))])"#,
    );
    let c = erlang_c(10, 9.0);
    assert!((c - 0.668_732).abs() < 1e-5);
    let wq = c / (10.0 - 9.0);
    let reports: Vec<Report> = [1, 2, 3, 4, 5].iter().map(|&seed| report_with_seed(&s, seed)).collect();
    let waiting =
        mean(&reports.iter().map(|r| r.queues[0].waited as f64 / r.queues[0].received as f64).collect::<Vec<_>>());
    let mean_wait = mean(&reports.iter().map(|r| r.queues[0].wait_ms.mean / 1000.0).collect::<Vec<_>>());
    eprintln!("Erlang C: waiting {waiting:.4} (theory {c:.6}), mean wait {mean_wait:.4} s (theory {wq:.4})");
    // Heavy load (rho = 0.9) makes waits strongly correlated: 5 x 4 h gives a few % error.
    assert!((waiting - c).abs() < 0.03, "waiting fraction {waiting}");
    assert!((mean_wait - wq).abs() / wq < 0.12, "mean wait {mean_wait}");
    assert_eq!(reports[0].requests.throttled, 0, "pollers never receive what they cannot run");
}

fn start_times(sim: &faaslab::sim::Simulation) -> Vec<f64> {
    sim.log.entries().filter(|e| matches!(e.kind, LogKind::Started { .. })).map(|e| e.time.as_secs_f64()).collect()
}

#[test]
fn an_async_event_that_always_fails_is_tried_three_times_then_dead_lettered() {
    // One event at 10 s; each attempt takes 100 ms and fails.
    let s = scenario(
        r#"Scenario(name: "always fails", duration: "30m",
            functions: [(name: "f", runtime: Custom(cold_start: Constant(value: "0s")), memory_mb: 128,
                         duration: Constant(value: "100ms"), error_rate: 1.0, on_failure: "failed")],
            queues: [(name: "failed")],
            triggers: [Async(name: "events", target: "f", arrivals: At(times: ["10s"]))])"#,
    );
    let sim = run(&s);
    // t, then about 1 min after the first failure, then about 2 min after the second.
    assert_eq!(start_times(&sim), [10.0, 70.1, 190.2]);
    let r = Report::of(&sim, "async");
    let a = &r.async_events;
    assert_eq!((a.async_events, a.async_retries, a.async_succeeded, a.async_to_dlq), (1, 2, 0, 1));
    assert_eq!(r.functions[0].errors, 3);
    assert_eq!(r.queues[0].dead_letters, 1, "exactly one entry in the on-failure queue");
    assert_eq!(r.dlq, 1);
    assert_eq!((r.requests.arrived, r.requests.failed), (1, 1));
}

#[test]
fn throttled_async_events_are_retried_not_lost() {
    // 50 events at the same moment to a function limited to 5 at a time: most are
    // throttled, backed off (1 s doubling up to 5 min), and all succeed in the end.
    let times = vec![r#""1m""#; 50].join(", ");
    let s = scenario(&format!(
        r#"Scenario(name: "async throttling", duration: "1h",
            functions: [(name: "f", runtime: Custom(cold_start: Constant(value: "0s")), memory_mb: 128,
                         duration: Constant(value: "2s"), reserved_concurrency: Some(5))],
            triggers: [Async(name: "events", target: "f", arrivals: At(times: [{times}]))])"#
    ));
    let r = report_with_seed(&s, 1);
    assert!(r.async_events.async_throttled >= 45, "45 of the first 50 dispatches find no room");
    assert_eq!(r.async_events.async_dropped, 0);
    assert_eq!(r.requests.throttled, 0, "a throttled async event is not a lost request");
    assert_eq!((r.requests.arrived, r.requests.succeeded), (50, 50));
    assert_eq!(r.functions[0].invocations, 50);
}

#[test]
fn a_poison_message_is_received_max_receive_count_times_then_dead_lettered() {
    let s = scenario(
        r#"Scenario(name: "poison", duration: "10m",
            functions: [(name: "worker", runtime: Custom(cold_start: Constant(value: "0s")), memory_mb: 128,
                         duration: Constant(value: "200ms"), error_rate: 1.0)],
            queues: [
                (name: "jobs", visibility_timeout: "30s", max_receive_count: 5, dlq: "jobs-dlq",
                 consumer: (function: "worker", batch_size: 1)),
                (name: "jobs-dlq"),
            ],
            triggers: [Producer(name: "p", queue: "jobs", arrivals: At(times: ["10s"]))])"#,
    );
    let sim = run(&s);
    // Five receives, one visibility timeout apart.
    assert_eq!(start_times(&sim), [10.0, 40.0, 70.0, 100.0, 130.0]);
    let r = Report::of(&sim, "poison");
    let q = &r.queues[0];
    assert_eq!((q.sent, q.received, q.redelivered, q.deleted, q.to_dlq), (1, 5, 4, 0, 1));
    assert_eq!(q.sent, q.deleted + q.to_dlq + q.expired + q.still_queued, "nothing is lost");
    assert_eq!(r.queues[1].dead_letters, 1);
    assert_eq!(r.queues[1].depth, 1, "it waits in the DLQ for someone to look");
    assert_eq!((r.requests.arrived, r.requests.failed), (1, 1));
}

const STORM: &str = r#"Scenario(name: "storm", duration: "10m",
    functions: [(name: "api", runtime: Nodejs, memory_mb: 512, duration: Constant(value: "50ms"),
                 calls: [Query(database: "orders", count: 2)], keep_alive: "5m")],
    databases: [(name: "orders", max_connections: 50 POOLER)],
    triggers: [TRIGGER],
    QUEUES
)"#;

fn storm(pooler: bool, buffered: bool) -> Report {
    let spike = r#"Steps(steps: [(at: "0s", rate: 20.0), (at: "2m", rate: 600.0), (at: "3m", rate: 20.0)])"#;
    let text = STORM
        .replace("POOLER", if pooler { ", pooler: (pool_size: 20)" } else { "" })
        .replace(
            "TRIGGER",
            &if buffered {
                format!(r#"Producer(name: "clients", queue: "writes", arrivals: {spike})"#)
            } else {
                format!(r#"Http(name: "clients", target: "api", arrivals: {spike})"#)
            },
        )
        .replace(
            "QUEUES",
            if buffered {
                r#"queues: [(name: "writes", consumer: (function: "api", batch_size: 1, max_concurrency: 20))],"#
            } else {
                ""
            },
        );
    report_with_seed(&scenario(&text), 1)
}

#[test]
fn a_spike_storms_the_database_unless_a_queue_or_a_pooler_absorbs_it() {
    let direct = storm(false, false);
    let pooled = storm(true, false);
    let queued = storm(false, true);
    let (d, p, q) = (&direct.databases[0], &pooled.databases[0], &queued.databases[0]);
    eprintln!("storm: direct {d:?}\npooled {p:?}\nqueued {q:?}");
    assert_eq!(d.peak_connections, 50, "the direct spike fills every connection");
    assert!(d.connection_errors > 100, "and is refused: {}", d.connection_errors);
    assert!(direct.requests.failed > 100);
    assert_eq!(p.connection_errors, 0);
    assert!(p.peak_connections <= 20);
    assert_eq!(pooled.requests.failed, 0);
    assert_eq!(q.connection_errors, 0);
    assert!(q.peak_connections <= 20, "{}", q.peak_connections);
    assert_eq!(queued.requests.failed, 0);
    // The pooler pays in latency: queries wait for a pooled connection.
    assert!(p.query_ms.p99 > d.query_ms.p99);
}

fn duplicates(idempotency: bool) -> Report {
    let text = format!(
        r#"Scenario(name: "duplicates", duration: "10m",
            functions: [(name: "worker", runtime: Python, memory_mb: 256, duration: Constant(value: "8s"),
                         idempotency: {idempotency})],
            queues: [(name: "jobs", visibility_timeout: "5s",
                      consumer: (function: "worker", batch_size: 1))],
            triggers: [Producer(name: "orders", queue: "jobs", arrivals: Poisson(rate: 2.0))])"#
    );
    report_with_seed(&scenario(&text), 3)
}

#[test]
fn a_visibility_timeout_shorter_than_the_handler_duplicates_side_effects_unless_idempotent() {
    let plain = duplicates(false);
    let safe = duplicates(true);
    eprintln!("duplicates: {} without a store; {} suppressed with one", plain.duplicates, safe.duplicates_suppressed);
    // About 1200 messages, each received again 5 s into its 8 s run: nearly all twice.
    assert!(plain.duplicates > 1000, "{}", plain.duplicates);
    assert_eq!(plain.duplicates_suppressed, 0);
    assert_eq!(safe.duplicates, 0);
    assert_eq!(safe.duplicates_suppressed, plain.duplicates, "the same redeliveries, recognised");
    assert!(plain.retries > 0);
}

#[test]
fn a_synchronous_chain_keeps_the_caller_busy_and_billed_while_it_waits() {
    let s = scenario(
        r#"Scenario(name: "chain", duration: "10m",
            functions: [
                (name: "front", runtime: Custom(cold_start: Constant(value: "0s")), memory_mb: 1024,
                 duration: Constant(value: "50ms"), calls: [Invoke(function: "back")]),
                (name: "back", runtime: Custom(cold_start: Constant(value: "0s")), memory_mb: 1024,
                 duration: Constant(value: "200ms")),
            ],
            triggers: [Http(name: "users", target: "front", arrivals: Constant(rate: 2.0))])"#,
    );
    let r = report_with_seed(&s, 1);
    let (front, back) = (&r.functions[0], &r.functions[1]);
    assert_eq!(front.invocations, back.invocations);
    assert_eq!(r.latency_ms.p50, 250.0);
    assert_eq!(front.duration_ms.p50, 250.0, "the caller is billed for its wait");
    // Double billing: 250 ms + 200 ms of GB-s for 200 ms of useful downstream work.
    assert!((front.gb_seconds / back.gb_seconds - 1.25).abs() < 1e-9);
}

#[test]
fn a_schedule_that_outgrows_its_period_overlaps_itself() {
    // Every 5 minutes, a job whose run grows from 3 to 7 minutes (uniform): runs longer
    // than 5 minutes overlap the next one.
    let s = scenario(
        r#"Scenario(name: "nightly", duration: "6h",
            functions: [(name: "report", runtime: Python, memory_mb: 1024, duration: Uniform(min: "3m", max: "7m"))],
            triggers: [
                Schedule(name: "every-5m", target: "report", arrivals: Every(period: "5m")),
                Schedule(name: "twice-a-day", target: "report", arrivals: Daily(times: ["1h", "4h30m"])),
            ])"#,
    );
    let r = report_with_seed(&s, 2);
    let (every, daily) = (&r.triggers[0], &r.triggers[1]);
    assert_eq!(every.requests.arrived, 71, "5 min, 10 min, ... 5 h 55 min");
    assert_eq!(daily.requests.arrived, 2);
    // Half of the runs take longer than the period: about half of the starts overlap.
    let ratio = every.overlaps as f64 / every.requests.arrived as f64;
    assert!((0.3..0.7).contains(&ratio), "{} overlaps of {}", every.overlaps, every.requests.arrived);
    assert_eq!(daily.overlaps, 0, "three and a half hours apart never overlap");
}

#[test]
fn the_bus_routes_each_event_to_every_matching_target() {
    // Choreography: the order service publishes OrderPlaced; billing and shipping
    // subscribe; nobody listens to OrderViewed.
    let s = scenario(
        r#"Scenario(name: "bus", duration: "10m",
            functions: [
                (name: "orders", runtime: Nodejs, memory_mb: 256, duration: Constant(value: "20ms"),
                 calls: [Publish(bus: "shop", detail_type: "OrderPlaced"), Publish(bus: "shop", detail_type: "OrderViewed")]),
                (name: "billing", runtime: Nodejs, memory_mb: 256, duration: Constant(value: "50ms")),
                (name: "audit", runtime: Nodejs, memory_mb: 256, duration: Constant(value: "5ms")),
            ],
            queues: [(name: "shipping")],
            buses: [(name: "shop", rules: [
                (detail_type: "OrderPlaced", targets: [Function("billing"), Queue("shipping")]),
                (detail_type: "OrderPlaced", source: Some("partners"), targets: [Function("audit")]),
            ])],
            triggers: [
                Http(name: "shoppers", target: "orders", arrivals: Constant(rate: 2.0)),
                Events(name: "partners", bus: "shop", detail_type: "OrderPlaced", arrivals: Constant(rate: 0.5)),
            ])"#,
    );
    let r = report_with_seed(&s, 1);
    let bus = &r.buses[0];
    let orders = r.functions[0].invocations; // each publishes 2 events
    let partners = r.triggers[1].requests.arrived;
    assert_eq!(bus.published, 2 * orders + partners);
    assert_eq!(bus.unmatched, orders, "OrderViewed matches no rule");
    assert_eq!(bus.deliveries, 2 * orders + 3 * partners, "partner events also reach the audit rule");
    assert_eq!(r.queues[0].sent, orders + partners);
    assert_eq!(r.functions[2].invocations, partners);
    assert_eq!(r.triggers[1].requests.succeeded, partners);
}

fn stateful(keep_alive: &str, provisioned: u32) -> Report {
    let text = format!(
        r#"Scenario(name: "state", duration: "1h",
            functions: [(name: "cart", runtime: Nodejs, memory_mb: 512, duration: Exponential(mean: "200ms"),
                         keep_alive: "{keep_alive}", provisioned_concurrency: {provisioned},
                         cache: (hit_ratio: 0.9, hit_duration: Constant(value: "2ms")),
                         calls: [Query(database: "db")],
                         local_state: (sessions: 50))],
            databases: [(name: "db")],
            triggers: [Http(name: "users", target: "cart", arrivals: Poisson(rate: 2.0))])"#
    );
    report_with_seed(&scenario(&text), 4)
}

#[test]
fn caches_only_help_warm_environments_and_local_state_breaks_across_environments() {
    let warm = stateful("10m", 0);
    let cold = stateful("0s", 0); // every request starts a new environment
    let (w, c) = (&warm.functions[0], &cold.functions[0]);
    // Every environment's first request misses; after that 90% hit.
    assert_eq!(c.cache_hits, 0, "no environment is ever reused");
    let ratio = w.cache_hits as f64 / (w.cache_hits + w.cache_misses) as f64;
    // 7200 draws: the standard error is 0.0035.
    assert!((ratio - 0.9).abs() < 0.015, "{ratio}");
    // Hits skip the query (a request still running at the end has not queried yet).
    let misses_done = w.invocations - w.cache_hits;
    assert!(warm.databases[0].queries <= misses_done && warm.databases[0].queries + w.in_flight >= misses_done);
    // With a single environment busy 40% of the time, one environment rarely serves
    // all: state breaks whenever a user lands on another one; with no reuse at all,
    // every request after a user's first is wrong.
    assert!(w.wrong_results > 0);
    assert_eq!(c.wrong_results, c.invocations - 50);
    assert_eq!(warm.wrong_results, w.wrong_results);
}

#[test]
fn clients_and_databases_in_other_regions_add_their_round_trips() {
    let text = |client: &str, db: &str| {
        format!(
            r#"Scenario(name: "regions", duration: "10m",
                account: (region: "us-east-1", latency: [(from: "eu-west-1", to: "us-east-1", rtt: "75ms")]),
                functions: [(name: "api", runtime: Custom(cold_start: Constant(value: "0s")), memory_mb: 512,
                             duration: Constant(value: "20ms"), calls: [Query(database: "db", count: 2)])],
                databases: [(name: "db", region: "{db}", query_time: Constant(value: "3ms"))],
                triggers: [Http(name: "users", target: "api", region: "{client}", arrivals: Constant(rate: 1.0))])"#
        )
    };
    let p50 = |client: &str, db: &str| report_with_seed(&scenario(&text(client, db)), 1).latency_ms.p50;
    assert_eq!(p50("us-east-1", "us-east-1"), 26.0, "20 ms + 2 x 3 ms");
    assert_eq!(p50("eu-west-1", "us-east-1"), 101.0, "+ one 75 ms round trip");
    assert_eq!(p50("us-east-1", "ap-southeast-2"), 226.0, "+ an unlisted 100 ms round trip per query");
}

#[test]
fn a_function_writing_into_its_own_bucket_loops_until_loop_detection_stops_it() {
    let text = |output: &str| {
        format!(
            r#"Scenario(name: "thumbnails", duration: "10m",
                functions: [(name: "thumbnailer", runtime: Python, memory_mb: 1024, duration: Constant(value: "300ms"),
                             calls: [Put(bucket: "{output}", size_kb: 40.0)])],
                buckets: [(name: "uploads", notify: "thumbnailer"), (name: "thumbnails")],
                triggers: [Upload(name: "users", bucket: "uploads", arrivals: At(times: ["10s", "20s"]),
                                  size_kb: Constant(kb: 3000.0))])"#
        )
    };
    let fine = report_with_seed(&scenario(&text("thumbnails")), 1);
    assert_eq!(fine.functions[0].invocations, 2);
    assert_eq!(fine.buckets[1].objects_created, 2);
    assert_eq!(fine.buckets[0].loops_stopped, 0);
    assert_eq!(fine.requests.succeeded, 2);
    let looping = report_with_seed(&scenario(&text("uploads")), 1);
    // Each upload starts a chain: 16 invocations, each writing one more object, the
    // last write's notification stopped.
    assert_eq!(looping.functions[0].invocations, 2 * 16);
    assert_eq!(looping.buckets[0].objects_created, 2 + 2 * 16);
    assert_eq!(looping.buckets[0].loops_stopped, 2);
    assert_eq!(looping.requests.succeeded, 2, "each upload's chain succeeded before it was stopped");
}

#[test]
fn oversized_payloads_are_rejected_unless_claim_checked() {
    let text = |claim: &str| {
        format!(
            r#"Scenario(name: "payloads", duration: "10m",
                functions: [(name: "ingest", runtime: Nodejs, memory_mb: 512, duration: Constant(value: "50ms"))],
                queues: [(name: "in", consumer: (function: "ingest", batch_size: 1))],
                buckets: [(name: "payloads")],
                triggers: [Producer(name: "devices", queue: "in", arrivals: Constant(rate: 1.0),
                                    payload: (size_kb: Uniform(min_kb: 0.0, max_kb: 2048.0){claim}))])"#
        )
    };
    let plain = report_with_seed(&scenario(&text("")), 1);
    let claimed = report_with_seed(&scenario(&text(r#", claim_check: Some("payloads")"#)), 1);
    // Half the payloads exceed the 1 MiB message limit.
    let share = plain.payload_rejected as f64 / plain.requests.arrived as f64;
    assert!((share - 0.5).abs() < 0.06, "{share}");
    assert_eq!(plain.requests.failed, plain.payload_rejected);
    assert_eq!(plain.queues[0].sent, plain.requests.arrived - plain.payload_rejected);
    assert_eq!(claimed.payload_rejected, 0);
    assert_eq!(claimed.claim_checks, claimed.buckets[0].objects_created);
    assert!((claimed.claim_checks as f64 / claimed.requests.arrived as f64 - 0.5).abs() < 0.06);
    // Fetching the payload back costs the consumer time.
    assert!(claimed.functions[0].duration_ms.p95 > 60.0, "{:?}", claimed.functions[0].duration_ms);
    assert_eq!(plain.functions[0].duration_ms.p95, 50.0);
}

fn stream_run(poison: f64, bisect: bool, max_retries: &str) -> Report {
    let text = format!(
        r#"Scenario(name: "stream", duration: "20m",
            functions: [(name: "projector", runtime: Go, memory_mb: 512, duration: Constant(value: "10ms"))],
            streams: [(name: "orders", shards: 4, max_record_age: "10m",
                       consumer: (function: "projector", batch_size: 10, bisect_on_error: {bisect}, max_retries: {max_retries}))],
            triggers: [Writes(name: "orders-table", stream: "orders", arrivals: Poisson(rate: 20.0), poison: {poison})])"#
    );
    report_with_seed(&scenario(&text), 9)
}

#[test]
fn a_stream_is_processed_in_order_and_a_poisoned_batch_blocks_only_its_shard() {
    let clean = stream_run(0.0, false, "None");
    let s = &clean.streams[0];
    assert_eq!(s.out_of_order, 0);
    assert_eq!(s.records, s.processed + s.skipped + s.pending);
    assert_eq!(s.skipped, 0);
    assert!(s.max_iterator_age_s < 1.0, "a healthy consumer keeps up: {}", s.max_iterator_age_s);

    // One poison record in about 10 000: its shard blocks (retried every second) until
    // the record is 10 minutes old and skipped; the other shards flow on.
    let blocked = stream_run(0.0001, false, "None");
    let b = &blocked.streams[0];
    assert_eq!(b.out_of_order, 0, "blocking never reorders");
    assert!(b.max_iterator_age_s > 500.0, "the blocked shard's age grows to the limit: {}", b.max_iterator_age_s);
    let charted = b.age_over_time.iter().map(|p| p[1]).fold(0.0, f64::max);
    assert!(charted > 500.0, "and the age-over-time series shows it: {charted}");
    assert!(b.skipped > 0);
    assert!(b.processed > b.records / 2, "the other shards were not blocked: {b:?}");
    assert_eq!(b.records, b.processed + b.skipped + b.pending);

    // Giving up after 2 retries skips the poisoned batch whole; bisecting
    // first isolates the poison record and skips only it. Either way the shard moves on
    // within seconds instead of 10 minutes.
    let give_up = stream_run(0.0001, false, "Some(2)");
    let bisected = stream_run(0.0001, true, "Some(2)");
    let (g, c) = (&give_up.streams[0], &bisected.streams[0]);
    eprintln!("stream: blocked {b:?}\ngive up {g:?}\nbisect {c:?}");
    assert!(g.skipped > c.skipped, "the whole batch is lost: {} vs {}", g.skipped, c.skipped);
    assert_eq!(c.skipped, b.skipped, "only the poison records are lost");
    assert!(g.max_iterator_age_s < 60.0 && c.max_iterator_age_s < 60.0);
    assert_eq!(c.records, c.processed + c.skipped + c.pending);
}

#[test]
fn a_failing_workflow_step_retries_with_backoff_then_compensates() {
    // reserve, then charge (always fails: 2 retries, 1 s then 2 s back-off), then the
    // catch releases the reservation and the execution ends compensated.
    let s = scenario(
        r#"Scenario(name: "order workflow", duration: "10m",
            functions: [
                (name: "reserve", runtime: Custom(cold_start: Constant(value: "0s")), memory_mb: 256, duration: Constant(value: "100ms")),
                (name: "charge", runtime: Custom(cold_start: Constant(value: "0s")), memory_mb: 256, duration: Constant(value: "100ms"), error_rate: 1.0),
                (name: "release", runtime: Custom(cold_start: Constant(value: "0s")), memory_mb: 256, duration: Constant(value: "100ms")),
            ],
            workflows: [(name: "order", steps: [
                Task(name: "Reserve", function: "reserve"),
                Task(name: "Charge", function: "charge", retries: 2, backoff: "1s",
                     catch: [Task(name: "Release", function: "release")]),
                Succeed(name: "Done"),
            ])],
            triggers: [Workflow(name: "orders", workflow: "order", arrivals: At(times: ["10s"]))])"#,
    );
    let sim = run(&s);
    // reserve at 10.0; charge at 10.1, 11.2 (+1 s), 13.3 (+2 s); release at 13.4.
    assert_eq!(start_times(&sim), [10.0, 10.1, 11.2, 13.3, 13.4]);
    let r = Report::of(&sim, "workflow");
    let w = &r.workflows[0];
    assert_eq!((w.started, w.succeeded, w.compensated, w.failed, w.running), (1, 0, 1, 0, 0));
    // Reserve, Charge, 2 retries, Release, the compensated end: 6 transitions.
    assert_eq!((w.transitions, w.task_retries), (6, 2));
    assert!((w.transitions_usd - 6.0 * 0.000_025).abs() < 1e-15);
    assert_eq!(w.duration_ms.max, 3500.0);
    assert_eq!((r.requests.arrived, r.requests.failed), (1, 1));
    assert_eq!(r.functions[1].errors, 3);
}

#[test]
fn orchestration_and_choreography_run_the_same_process_differently() {
    // The same three steps, as a workflow with a parallel fan-out, and as choreography
    // on a bus. Both complete every order; the workflow knows each order's status and
    // pays for its transitions; choreography has no transitions but no status either.
    let s = scenario(
        r#"Scenario(name: "orders two ways", duration: "30m",
            functions: [
                (name: "place", runtime: Nodejs, memory_mb: 256, duration: Constant(value: "50ms"),
                 calls: [Publish(bus: "shop", detail_type: "OrderPlaced")]),
                (name: "bill", runtime: Nodejs, memory_mb: 256, duration: Constant(value: "80ms")),
                (name: "ship", runtime: Nodejs, memory_mb: 256, duration: Constant(value: "120ms")),
            ],
            buses: [(name: "shop", rules: [(detail_type: "OrderPlaced", targets: [Function("bill"), Function("ship")])])],
            workflows: [(name: "order", steps: [
                Task(name: "Place", function: "bill"),
                Parallel(name: "Fulfil", branches: [[Task(name: "Bill", function: "bill")], [Task(name: "Ship", function: "ship")]]),
            ])],
            triggers: [
                Workflow(name: "orchestrated", workflow: "order", arrivals: Poisson(rate: 1.0)),
                Http(name: "choreographed", target: "place", arrivals: Poisson(rate: 1.0)),
            ])"#,
    );
    let r = report_with_seed(&s, 3);
    let w = &r.workflows[0];
    assert!(w.started > 1500);
    assert_eq!(w.succeeded + w.running, w.started, "no order lost");
    // Place, Fulfil, Bill, Ship: 4 transitions an order.
    assert_eq!(w.transitions, 4 * w.succeeded + (w.transitions - 4 * w.succeeded));
    assert!(w.transitions >= 4 * w.succeeded && w.transitions <= 4 * w.started);
    // Place (80 ms) then the slower parallel branch (120 ms): 200 ms, cold starts aside.
    assert_eq!(w.duration_ms.p50, 200.0);
    let choreographed = r.triggers[1].requests.arrived;
    assert_eq!(r.buses[0].deliveries, 2 * r.buses[0].published);
    assert_eq!(r.buses[0].published, r.functions[0].invocations);
    assert!(choreographed > 1500);
}
