//! The comparison of keep-alive policies as text for a student, and as JSON.

use super::PolicyComparison;

impl PolicyComparison {
    /// One row per policy setting, for a student; `source` names the invocations file.
    pub fn to_text(&self, source: &str) -> String {
        use std::fmt::Write;
        let mut out = String::new();
        let o = &mut out;
        let _ = writeln!(
            o,
            "Keep-alive policies on {source}: {} apps ({} functions), {} minutes, {} invocations (seed {})",
            self.apps, self.functions, self.minutes, self.invocations, self.seed
        );
        let _ = writeln!(o);
        let _ = writeln!(
            o,
            "{:<20}{:>14}{:>13}{:>14}{:>14}{:>14}{:>11}",
            "policy", "p75 app cold", "cold starts", "cold-start %", "wasted GB-s", "vs fixed:10m", "peak envs"
        );
        for r in &self.results {
            let _ = writeln!(
                o,
                "{:<20}{:>13.2}%{:>13}{:>13.3}%{:>14.0}{:>14.3}{:>11}",
                r.policy,
                r.p75_app_cold_start_percent,
                r.cold_starts,
                r.cold_start_percent,
                r.wasted_gb_seconds,
                r.wasted_memory_normalised,
                r.peak_environments
            );
        }
        let _ = writeln!(o);
        for r in &self.results {
            if let Some(h) = r.hybrid_apps {
                let _ = writeln!(
                    o,
                    "{}: apps on their histogram {}, not representative (kept for the range) {}, out of bounds (forecast) {}",
                    r.policy, h.histogram, h.not_representative, h.out_of_bounds
                );
            }
            if let Some(e) = r.evictions {
                let _ = writeln!(o, "{}: {e} idle environments evicted to stay within the budget", r.policy);
            }
        }
        let _ = writeln!(
            o,
            "\np75 app cold: the 75th percentile over apps of each app's cold starts / invocations.\n\
             Wasted: memory x time environments were loaded but idle, and that over {}'s.",
            self.baseline
        );
        out
    }

    /// Pretty JSON (stable key order).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}
