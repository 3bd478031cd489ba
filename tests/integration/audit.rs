//! The solution-space audit: it finds the passing settings a reviewer would reject, and
//! no library challenge has one.

use faaslab::audit::{AuditOptions, run};
use faaslab::scenario::Scenario;
use faaslab::scenario::objective::Objective;

fn built_in(name: &str) -> Scenario {
    faaslab::scenario::built_in(name).unwrap().unwrap()
}

/// A small audit: every corner up to 32 combinations, and a few random settings.
fn small() -> AuditOptions {
    AuditOptions { samples: 6, threads: 2, max_corners: 32, ..AuditOptions::default() }
}

#[test]
fn no_library_challenge_passes_a_setting_a_reviewer_would_reject() {
    // CI runs the full audit on the release build (.ci/run); this one keeps the fast
    // suite honest.
    for (name, text) in faaslab::scenario::LIBRARY {
        let s = Scenario::parse(text, name).unwrap();
        if s.challenge.is_none() {
            continue;
        }
        let audit = run(&s, &small(), &|_, _| {}).unwrap();
        assert!(audit.passing > 0, "{name}: the reference at least passes");
        assert!(audit.rejected.is_empty(), "{name}:\n{}", audit.to_text());
    }
}

#[test]
fn the_audit_finds_transient_failures_parked_in_a_dead_letter_queue() {
    // Without its "no message lost" objective, the SQS challenge passes designs that
    // dead-letter invoices on their first transient failure.
    let mut s = built_in("sqs-worker");
    let c = s.challenge.as_mut().unwrap();
    c.objectives.retain(|o| !matches!(o, Objective::NoMessageLost { .. }));
    let audit = run(&s, &small(), &|_, _| {}).unwrap();
    let flagged = audit.rejected.iter().find(|r| r.red_flags.iter().any(|f| f.starts_with("non-poison dead letters")));
    let flagged = flagged.unwrap_or_else(|| panic!("{}", audit.to_text()));
    assert!(flagged.setting.iter().any(|(k, v)| k == "invoices.max_receives" && v == "1"), "{:?}", flagged.setting);
}

#[test]
fn the_audit_finds_a_route_switched_off() {
    // Graded only on latency and cost, with a switch for the export route: dropping the
    // export passes, and the audit says so.
    let mut s = built_in("giant-vs-split-functions");
    let c = s.challenge.as_mut().unwrap();
    c.objectives.retain(|o| matches!(o, Objective::CostPerMonth { .. }));
    c.knobs.push(faaslab::scenario::challenge::AllowedKnob {
        knob: "export.enabled".into(),
        min: None,
        max: None,
        step: None,
        values: None,
    });
    let audit = run(&s, &small(), &|_, _| {}).unwrap();
    let off = audit.rejected.iter().find(|r| r.setting.iter().any(|(k, v)| k == "export.enabled" && v == "off"));
    let off = off.unwrap_or_else(|| panic!("{}", audit.to_text()));
    assert!(
        off.red_flags.iter().any(|f| f.contains("route not served: export receives nothing")),
        "{:?}",
        off.red_flags
    );
}

#[test]
fn the_audit_finds_reports_kept_in_tmp_and_a_tmp_paid_for_and_never_filled() {
    // Without "no work lost", the /tmp challenge would pass reports kept in /tmp while
    // they fit; and a 10 GB /tmp on the 128 MB report writer, which keeps nothing there,
    // is 14% on top of its compute for nothing.
    let mut s = built_in("ml-thumbnailer-tmp");
    let c = s.challenge.as_mut().unwrap();
    c.objectives.retain(|o| !matches!(o, Objective::NoMessageLost { .. } | Objective::ServedShare { .. }));
    for k in &mut c.knobs {
        if k.knob == "report-writer.ephemeral_mb" {
            k.max = Some(10_240.0);
        }
    }
    let audit = run(&s, &small(), &|_, _| {}).unwrap();
    let flagged = |words: &str| audit.rejected.iter().find(|r| r.red_flags.iter().any(|f| f.contains(words)));
    let kept = flagged("results kept only in /tmp").unwrap_or_else(|| panic!("{}", audit.to_text()));
    assert!(kept.setting.iter().any(|(k, v)| k == "report-writer.results_to" && v == "tmp"), "{:?}", kept.setting);
    let oversized = flagged("/tmp oversized: report-writer pays for 10240 MB (14% on top of its compute)");
    assert!(oversized.is_some(), "{}", audit.to_text());
    // The thumbnailer's 10 GB /tmp holding an 800 MB model adds under 1%: not a flag.
    assert!(flagged("/tmp oversized: thumbnailer").is_none(), "{}", audit.to_text());
}

#[test]
fn an_audit_of_more_samples_than_it_may_hold_is_refused_before_it_draws_one() {
    // 100 million had taken 4.7 GB within 10 s, drawing settings before the first run.
    let options = AuditOptions { samples: faaslab::audit::MAX_SAMPLES + 1, ..small() };
    let err = run(&built_in("default"), &options, &|_, _| {}).unwrap_err();
    assert_eq!(err, "--samples: at most 100000 random settings (each is a whole run), got 100001");
    let out = crate::cli::faaslab(&["audit", "default", "--samples", "100000000"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("at most 100000 random settings"));
}
