//! The arrival processes against their theory: rates, counts and order.
use super::*;

fn count_until(spec: Arrivals, secs: u64) -> Vec<SimTime> {
    let mut g = ArrivalGenerator::new(spec);
    let mut rng = RngStream::new(9, "arrivals-test");
    let end = SimTime(secs * 1_000_000);
    let mut out = Vec::new();
    let mut t = SimTime::ZERO;
    while let Some(next) = g.next_after(t, &mut rng) {
        if next >= end {
            break;
        }
        assert!(next >= t, "time went backwards");
        out.push(next);
        t = next;
    }
    out
}

#[test]
fn poisson_count_matches_rate() {
    let n = count_until(Arrivals::Poisson { rate: 50.0 }, 2000).len() as f64;
    // Mean 100 000, sd 316.
    assert!((n - 100_000.0).abs() < 1300.0, "{n}");
}

#[test]
fn constant_is_evenly_spaced() {
    let v = count_until(Arrivals::Constant { rate: 4.0 }, 10);
    assert_eq!(v.len(), 39); // 0.25, 0.5, ..., 9.75
    assert!(v.windows(2).all(|w| w[1].0 - w[0].0 == 250_000));
}

#[test]
fn rates_are_right_at_any_magnitude() {
    // Gaps carry their fractional part: 700 000 a second is 7.0 M in 10 s (rounding
    // each 1.43 us gap to 1 us made 10 M), and a rate of 3 lands on exact thirds.
    let v = count_until(Arrivals::Constant { rate: 700_000.0 }, 10);
    assert_eq!(v.len(), 6_999_999); // the 7 000 000th is at 10 s, the end
    let v = count_until(Arrivals::Constant { rate: 3.0 }, 2);
    assert_eq!(v.iter().map(|t| t.0).collect::<Vec<_>>(), [333_333, 666_667, 1_000_000, 1_333_333, 1_666_667]);
    // Poisson at 2.5 M/s for 2 s: 5 M within sampling noise (sd 2236; it was 28% over).
    let n = count_until(Arrivals::Poisson { rate: 2_500_000.0 }, 2).len() as f64;
    assert!((n - 5e6).abs() < 12_000.0, "{n}");
    // The same for steps, the diurnal shape and a burst's background.
    let steps = Arrivals::Steps { steps: vec![Step { at: SimDuration::ZERO, rate: 2_500_000.0 }] };
    let n = count_until(steps, 2).len() as f64;
    assert!((n - 5e6).abs() < 12_000.0, "{n}");
    let diurnal = Arrivals::Diurnal {
        mean: 2_500_000.0,
        amplitude: 0.0,
        period: SimDuration::from_secs(100),
        peak_at: SimDuration::ZERO,
    };
    let n = count_until(diurnal, 2).len() as f64;
    assert!((n - 5e6).abs() < 12_000.0, "{n}");
    let burst =
        Arrivals::Burst { base: 2_500_000.0, every: SimDuration::from_secs(100), size: 0, within: SimDuration::ZERO };
    let n = count_until(burst, 2).len() as f64;
    assert!((n - 5e6).abs() < 12_000.0, "{n}");
}

#[test]
fn steps_follow_the_schedule() {
    let spec = Arrivals::Steps {
        steps: vec![
            Step { at: SimDuration::from_secs(100), rate: 10.0 },
            Step { at: SimDuration::from_secs(200), rate: 100.0 },
            Step { at: SimDuration::from_secs(300), rate: 0.0 },
        ],
    };
    let v = count_until(spec, 400);
    let in_window = |a: u64, b: u64| v.iter().filter(|t| t.0 >= a * 1_000_000 && t.0 < b * 1_000_000).count();
    assert_eq!(in_window(0, 100), 0);
    assert!((in_window(100, 200) as f64 - 1000.0).abs() < 130.0);
    assert!((in_window(200, 300) as f64 - 10_000.0).abs() < 400.0);
    assert_eq!(in_window(300, 400), 0);
}

#[test]
fn diurnal_peaks_and_troughs() {
    let spec = Arrivals::Diurnal {
        mean: 10.0,
        amplitude: 0.9,
        period: SimDuration::from_secs(1000),
        peak_at: SimDuration::from_secs(250),
    };
    let v = count_until(spec.clone(), 1000);
    let near = |c: u64| v.iter().filter(|t| t.0.abs_diff(c * 1_000_000) < 50_000_000).count() as f64;
    // Rate at the peak 19/s, at the trough 1/s (100 s windows: ~1870 vs ~130).
    assert!(near(250) > 1700.0, "{}", near(250));
    assert!(near(750) < 250.0, "{}", near(750));
    assert!((v.len() as f64 - spec.expected_count(SimDuration::from_secs(1000))).abs() < 400.0);
}

#[test]
fn bursts_arrive_on_schedule_over_the_background() {
    let spec =
        Arrivals::Burst { base: 1.0, every: SimDuration::from_secs(60), size: 500, within: SimDuration::from_secs(2) };
    let v = count_until(spec, 300);
    // Four bursts (60, 120, 180, 240) of 500, plus ~300 background.
    assert!((v.len() as f64 - 2300.0).abs() < 60.0, "{}", v.len());
    let in_burst = v.iter().filter(|t| (t.0 / 1_000_000) % 60 < 2 && t.0 >= 60_000_000).count();
    assert!(in_burst >= 2000);
}

#[test]
fn a_trace_replays_each_minute_count_exactly_within_its_minute() {
    let per_minute = vec![3, 0, 250, 1, 0, 0, 7];
    let v = count_until(Arrivals::Trace { per_minute: per_minute.clone().into() }, 3600);
    assert_eq!(v.len(), 261);
    for (k, &n) in per_minute.iter().enumerate() {
        let (a, b) = (k as u64 * 60_000_000, (k as u64 + 1) * 60_000_000);
        assert_eq!(v.iter().filter(|t| t.0 >= a && t.0 < b).count(), n as usize, "minute {k}");
    }
    // Uniform within the minute: the 250 of minute 2 split about evenly between halves
    // (binomial, sd 7.9; 4 sd).
    let first_half = v.iter().filter(|t| t.0 >= 120_000_000 && t.0 < 150_000_000).count() as f64;
    assert!((first_half - 125.0).abs() < 32.0, "{first_half}");
}

#[test]
fn a_trace_holds_one_minute_at_a_time_and_is_reproducible() {
    let spec = Arrivals::Trace { per_minute: vec![1000, 1000, 1000].into() };
    let mut g = ArrivalGenerator::new(spec.clone());
    let mut rng = RngStream::new(9, "arrivals-test");
    let first = g.next_after(SimTime::ZERO, &mut rng).unwrap();
    assert_eq!(g.burst_pending.len(), 999, "only the current minute is drawn ahead");
    assert!(g.in_order.is_none());
    assert!(first.0 < 60_000_000);
    assert_eq!(count_until(spec.clone(), 600), count_until(spec, 600), "same seed, same times");
}

#[test]
fn huge_bursts_and_minutes_come_in_order_without_being_held() {
    // 2 million arrivals in one trace minute and in one burst: never held at once,
    // in order, inside their interval, and uniform (each tenth holds a tenth).
    for spec in [
        Arrivals::Trace { per_minute: vec![0, 2_000_000].into() },
        Arrivals::Burst {
            base: 0.0,
            every: SimDuration::from_secs(60),
            size: 2_000_000,
            within: SimDuration::from_secs(60),
        },
    ] {
        let mut g = ArrivalGenerator::new(spec.clone());
        let mut rng = RngStream::new(4, "in-order");
        let (mut n, mut last, mut tenths) = (0u64, SimTime::ZERO, [0u64; 10]);
        while let Some(t) = g.next_after(last, &mut rng) {
            if t.0 >= 120_000_000 {
                break;
            }
            assert!(t >= last && t.0 >= 60_000_000, "{spec:?}: {t:?} after {last:?}");
            assert!(g.burst_pending.is_empty(), "nothing is drawn ahead");
            tenths[((t.0 - 60_000_000) / 6_000_000) as usize] += 1;
            last = t;
            n += 1;
        }
        assert_eq!(n, 2_000_000, "{spec:?}");
        // Binomial(2M, 0.1): sd 424; 5 sd.
        assert!(tenths.iter().all(|&c| c.abs_diff(200_000) < 2_200), "{spec:?}: {tenths:?}");
    }
}

#[test]
fn trace_expectation_peak_and_validation() {
    let spec = Arrivals::Trace { per_minute: vec![60, 120, 0, 30].into() };
    assert_eq!(spec.expected_count(SimDuration::from_secs(240)), 210.0);
    assert_eq!(spec.expected_count(SimDuration::from_secs(90)), 120.0); // 60 + half of 120
    assert_eq!(spec.peak_rate(), 2.0); // 120 in a minute
    assert!(spec.problems().is_empty());
    let empty = Arrivals::Trace { per_minute: vec![].into() };
    assert_eq!(empty.problems()[0].0, "per_minute");
    assert_eq!(empty.peak_rate(), 0.0);
    // A rate knob scales each minute's count (rounded); 1.0 is the trace as written.
    let mut g = ArrivalGenerator::new(Arrivals::Trace { per_minute: vec![10, 10].into() });
    g.rate_scale = 0.5;
    let mut rng = RngStream::new(1, "x");
    let mut n = 0;
    let mut t = SimTime::ZERO;
    while let Some(next) = g.next_after(t, &mut rng) {
        t = next;
        n += 1;
    }
    assert_eq!(n, 10);
}
