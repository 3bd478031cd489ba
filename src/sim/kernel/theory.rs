//! Queueing theory the app draws beside the simulation (and the tests check it against).

/// Erlang B: the probability that a request finds all `servers` busy when `offered`
/// erlangs (arrival rate x mean time in service) arrive as a Poisson process, by the
/// recurrence B0 = 1, Bn = a B(n-1) / (n + a B(n-1)) (stable for any size).
pub fn erlang_b(servers: u32, offered: f64) -> f64 {
    // No load (or a NaN from an empty measure): nothing is refused.
    if offered.is_nan() || offered <= 0.0 {
        return 0.0;
    }
    (1..=servers).fold(1.0, |b, n| offered * b / (f64::from(n) + offered * b))
}

/// How far either side of a bucket the offered load is measured (seconds).
const OFFERED_LOAD_HALF_WINDOW_SECS: f64 = 60.0;

/// Erlang B's prediction of each bucket's throttled requests for one function limited to
/// `servers` environments: the bucket's arrivals x B(servers, offered load), the offered
/// load measured over a minute either side (the arrival rate times the completed
/// requests' mean time in flight; one bucket alone is too few requests, and B is convex,
/// so noise would bias it upward). `None` where nothing completed nearby.
pub fn erlang_b_throttles(
    points: &[crate::sim::kernel::metrics::SeriesPoint],
    width_secs: f64,
    servers: u32,
) -> Vec<Option<f64>> {
    let half_window = (OFFERED_LOAD_HALF_WINDOW_SECS / width_secs).ceil() as usize;
    (0..points.len())
        .map(|i| {
            let around = &points[i.saturating_sub(half_window)..(i + half_window + 1).min(points.len())];
            let arrivals: u64 = around.iter().map(|p| p.arrivals).sum();
            let completed: u64 = around.iter().map(|p| p.completed).sum();
            let in_flight: f64 = around.iter().map(|p| p.in_flight_secs).sum();
            (completed > 0).then(|| {
                let offered = arrivals as f64 / (width_secs * around.len() as f64) * (in_flight / completed as f64);
                points[i].arrivals as f64 * erlang_b(servers, offered)
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn erlang_b_of_one_server_is_a_over_one_plus_a_and_nothing_without_load() {
        // B(1, a) = a / (1 + a).
        assert_eq!(erlang_b(1, 1.0), 0.5);
        assert!((erlang_b(1, 3.0) - 0.75).abs() < 1e-12);
        assert_eq!(erlang_b(10, 0.0), 0.0);
        assert_eq!(erlang_b(10, f64::NAN), 0.0);
        // No servers: every request is refused.
        assert_eq!(erlang_b(0, 2.0), 1.0);
    }
}
