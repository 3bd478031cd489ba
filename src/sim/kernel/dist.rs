//! Distributions of durations (handler time, cold-start phases, keep-alive).
//!
//! Scenario files describe a distribution with readable durations
//! (`LogNormal(median: "120ms", p99: "900ms")`); `Sampler` is the compiled form the
//! hot loop draws from, with every parameter precomputed in seconds.

use crate::sim::kernel::rng::RngStream;
use crate::sim::kernel::time::SimDuration;
use rand::distr::Distribution;
use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, Gamma, LogNormal, Normal};
use statrs::statistics::Distribution as _;

/// A distribution of durations, as written in a scenario.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum Dist {
    /// Always the same value.
    Constant { value: SimDuration },
    /// Memoryless, with the given mean.
    Exponential { mean: SimDuration },
    /// Given either by its median and 99th percentile, or by `mu` and `sigma` of the
    /// natural log of the duration in seconds.
    LogNormal {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        median: Option<SimDuration>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        p99: Option<SimDuration>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        mu: Option<f64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sigma: Option<f64>,
    },
    /// Gamma with a shape (1 = exponential, larger = less variable) and a mean.
    Gamma { shape: f64, mean: SimDuration },
    /// Uniform between two durations.
    Uniform { min: SimDuration, max: SimDuration },
    /// Normal, truncated at zero (negative draws are drawn again).
    Normal { mean: SimDuration, std_dev: SimDuration },
    /// Piecewise-linear between measured percentiles; clamped outside the first and last.
    Empirical { percentiles: Vec<Percentile> },
}

/// One measured point of an empirical distribution: `p` in [0, 1] and its value.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Percentile {
    pub p: f64,
    pub value: SimDuration,
}

impl Dist {
    pub fn constant(value: SimDuration) -> Dist {
        Dist::Constant { value }
    }

    /// Problems with the parameters, each a sentence naming the field (empty if fine).
    pub fn problems(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        match self {
            Dist::Constant { .. } | Dist::Exponential { .. } => {}
            Dist::LogNormal { median, p99, mu, sigma } => match (median, p99, mu, sigma) {
                (Some(m), Some(p), None, None) => {
                    if m.0 == 0 {
                        out.push(("median", "the median must be above zero".into()));
                    }
                    if p <= m {
                        out.push(("p99", format!("p99 ({p}) must be above the median ({m})")));
                    }
                }
                (None, None, Some(mu), Some(sigma)) => {
                    if !mu.is_finite() || mu.abs() > 30.0 {
                        let mu = crate::sim::kernel::num(*mu);
                        out.push(("mu", format!("mu must be a finite log-seconds value in -30..30, got {mu}")));
                    }
                    if !sigma.is_finite() || *sigma < 0.0 || *sigma > 10.0 {
                        let sigma = crate::sim::kernel::num(*sigma);
                        out.push(("sigma", format!("sigma must be in 0..10, got {sigma}")));
                    }
                }
                _ => out.push(("", "LogNormal takes either (median, p99) or (mu, sigma), not a mix".into())),
            },
            Dist::Gamma { shape, mean } => {
                if !shape.is_finite() || *shape <= 0.0 || *shape > 1e6 {
                    let shape = crate::sim::kernel::num(*shape);
                    out.push(("shape", format!("shape must be a number above 0 and at most 1e6, got {shape}")));
                }
                if mean.0 == 0 {
                    out.push(("mean", "the mean must be above zero".into()));
                }
            }
            Dist::Uniform { min, max } => {
                if max < min {
                    out.push(("max", format!("max ({max}) must not be below min ({min})")));
                }
            }
            Dist::Normal { .. } => {}
            Dist::Empirical { percentiles } => {
                if percentiles.is_empty() {
                    out.push(("percentiles", "list at least one percentile".into()));
                }
                for (i, w) in percentiles.iter().enumerate() {
                    if !(0.0..=1.0).contains(&w.p) {
                        let p = crate::sim::kernel::num(w.p);
                        out.push(("percentiles", format!("entry {i}: p must be in 0..1, got {p}")));
                    }
                }
                for w in percentiles.windows(2) {
                    if w[1].p <= w[0].p || w[1].value < w[0].value {
                        out.push((
                            "percentiles",
                            "percentiles must be listed with p increasing and values not decreasing".into(),
                        ));
                        break;
                    }
                }
            }
        }
        out
    }

    /// The median in seconds where the distribution is written by it (a constant, a
    /// log-normal), the mean otherwise: the "typical" value a knob shows.
    pub fn typical_secs(&self) -> f64 {
        match self {
            Dist::Constant { value } => value.as_secs_f64(),
            Dist::LogNormal { median: Some(m), .. } => m.as_secs_f64(),
            Dist::LogNormal { mu: Some(mu), .. } => mu.exp(),
            _ => self.mean_secs(),
        }
    }

    /// The same shape with every duration multiplied by `factor` (>= 0): a log-normal
    /// keeps its p99 over median, so its spread scales with it.
    pub fn scaled(&self, factor: f64) -> Dist {
        let f = factor.max(0.0);
        let x = |d: &SimDuration| SimDuration::from_secs_f64(d.as_secs_f64() * f);
        match self {
            Dist::Constant { value } => Dist::Constant { value: x(value) },
            Dist::Exponential { mean } => Dist::Exponential { mean: x(mean) },
            Dist::LogNormal { median, p99, mu, sigma } => Dist::LogNormal {
                median: median.as_ref().map(x),
                p99: p99.as_ref().map(x),
                mu: mu.map(|mu| mu + f.max(1e-12).ln()),
                sigma: *sigma,
            },
            Dist::Gamma { shape, mean } => Dist::Gamma { shape: *shape, mean: x(mean) },
            Dist::Uniform { min, max } => Dist::Uniform { min: x(min), max: x(max) },
            Dist::Normal { mean, std_dev } => Dist::Normal { mean: x(mean), std_dev: x(std_dev) },
            Dist::Empirical { percentiles } => Dist::Empirical {
                percentiles: percentiles.iter().map(|w| Percentile { p: w.p, value: x(&w.value) }).collect(),
            },
        }
    }

    /// The mean in seconds (used to estimate run sizes and for reports).
    pub fn mean_secs(&self) -> f64 {
        Sampler::new(self).mean_secs()
    }
}

/// A compiled distribution, ready to draw from.
#[derive(Clone, Debug)]
pub enum Sampler {
    Constant(SimDuration),
    Exponential { mean: f64 },
    LogNormal(LogNormal),
    Gamma(Gamma),
    Uniform { min: f64, width: f64 },
    Normal(Normal),
    Empirical { ps: Vec<f64>, secs: Vec<f64> },
}

impl Sampler {
    /// Compiles a distribution. Parameters must have passed `Dist::problems`; anything
    /// left invalid degrades to a constant rather than panicking.
    pub fn new(dist: &Dist) -> Sampler {
        let secs = |d: &SimDuration| d.as_secs_f64();
        match dist {
            Dist::Constant { value } => Sampler::Constant(*value),
            Dist::Exponential { mean } => Sampler::Exponential { mean: secs(mean) },
            Dist::LogNormal { median, p99, mu, sigma } => {
                let (mu, sigma) = match (median, p99, mu, sigma) {
                    (Some(m), Some(p), _, _) => {
                        let z99 = Normal::standard().inverse_cdf(0.99);
                        let mu = secs(m).max(1e-9).ln();
                        (mu, ((secs(p).max(1e-9)).ln() - mu).max(0.0) / z99)
                    }
                    (_, _, Some(mu), Some(sigma)) => (*mu, *sigma),
                    _ => (0.0, 0.0),
                };
                LogNormal::new(mu, sigma.max(1e-12))
                    .map(Sampler::LogNormal)
                    .unwrap_or(Sampler::Constant(SimDuration::from_secs_f64(mu.exp())))
            }
            Dist::Gamma { shape, mean } => {
                let rate = shape / secs(mean).max(1e-12);
                Gamma::new(*shape, rate).map(Sampler::Gamma).unwrap_or(Sampler::Constant(*mean))
            }
            Dist::Uniform { min, max } => Sampler::Uniform { min: secs(min), width: (secs(max) - secs(min)).max(0.0) },
            Dist::Normal { mean, std_dev } => Normal::new(secs(mean), secs(std_dev).max(1e-12))
                .map(Sampler::Normal)
                .unwrap_or(Sampler::Constant(*mean)),
            Dist::Empirical { percentiles } => Sampler::Empirical {
                ps: percentiles.iter().map(|w| w.p).collect(),
                secs: percentiles.iter().map(|w| secs(&w.value)).collect(),
            },
        }
    }

    /// One draw.
    #[inline]
    pub fn sample(&self, rng: &mut RngStream) -> SimDuration {
        let secs = match self {
            Sampler::Constant(d) => return *d,
            Sampler::Exponential { mean } => rng.exponential(*mean),
            Sampler::LogNormal(d) => d.sample(rng),
            Sampler::Gamma(d) => d.sample(rng),
            Sampler::Uniform { min, width } => min + width * rng.unit(),
            Sampler::Normal(d) => {
                // Truncated at zero: redraw negatives. Mean >= 0 makes each try succeed with
                // probability >= 1/2, so 64 failures in a row (p < 1e-19) fall back to zero.
                let mut x = 0.0;
                for _ in 0..64 {
                    x = d.sample(rng);
                    if x >= 0.0 {
                        break;
                    }
                }
                x
            }
            Sampler::Empirical { ps, secs } => interpolate(ps, secs, rng.unit()),
        };
        SimDuration::from_secs_f64(secs)
    }

    /// The distribution's mean in seconds.
    pub fn mean_secs(&self) -> f64 {
        match self {
            Sampler::Constant(d) => d.as_secs_f64(),
            Sampler::Exponential { mean } => *mean,
            Sampler::LogNormal(d) => d.mean().unwrap_or(0.0),
            Sampler::Gamma(d) => d.mean().unwrap_or(0.0),
            Sampler::Uniform { min, width } => min + width / 2.0,
            // Mean of the normal truncated at zero: mu + sigma * phi(a) / (1 - Phi(a)), a = -mu/sigma.
            Sampler::Normal(d) => {
                let (mu, sigma) = (d.mean().unwrap_or(0.0), d.std_dev().unwrap_or(0.0));
                let std = Normal::standard();
                let a = -mu / sigma;
                use statrs::distribution::Continuous;
                mu + sigma * std.pdf(a) / (1.0 - std.cdf(a))
            }
            Sampler::Empirical { ps, secs } => {
                // Integrate the piecewise-linear quantile function over [0, 1].
                let n = 2000;
                (0..n).map(|i| interpolate(ps, secs, (i as f64 + 0.5) / n as f64)).sum::<f64>() / n as f64
            }
        }
    }
}

/// The quantile function of an empirical distribution at `u`.
fn interpolate(ps: &[f64], secs: &[f64], u: f64) -> f64 {
    let Some(&first) = secs.first() else {
        return 0.0;
    };
    if u <= ps[0] {
        return first;
    }
    for i in 1..ps.len() {
        if u <= ps[i] {
            let t = (u - ps[i - 1]) / (ps[i] - ps[i - 1]);
            return secs[i - 1] + t * (secs[i] - secs[i - 1]);
        }
    }
    secs[secs.len() - 1]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::kernel::time::parse_duration;

    fn d(s: &str) -> SimDuration {
        parse_duration(s).unwrap()
    }

    fn draws(dist: &Dist, n: usize) -> Vec<f64> {
        let s = Sampler::new(dist);
        let mut rng = RngStream::new(3, "dist-test");
        let mut v: Vec<f64> = (0..n).map(|_| s.sample(&mut rng).as_secs_f64()).collect();
        v.sort_by(f64::total_cmp);
        v
    }

    #[test]
    fn lognormal_by_median_and_p99_hits_both() {
        let dist = Dist::LogNormal { median: Some(d("120ms")), p99: Some(d("900ms")), mu: None, sigma: None };
        let v = draws(&dist, 100_000);
        let median = v[50_000];
        let p99 = v[99_000];
        assert!((median - 0.120).abs() < 0.004, "median {median}");
        assert!((p99 - 0.900).abs() < 0.06, "p99 {p99}");
    }

    #[test]
    fn means_match_the_parameters() {
        let cases = [
            (Dist::Gamma { shape: 2.0, mean: d("300ms") }, 0.300),
            (Dist::Uniform { min: d("100ms"), max: d("300ms") }, 0.200),
            (Dist::Exponential { mean: d("2s") }, 2.0),
            (Dist::Constant { value: d("42ms") }, 0.042),
        ];
        for (dist, mean) in cases {
            let v = draws(&dist, 100_000);
            let m = v.iter().sum::<f64>() / v.len() as f64;
            assert!((m - mean).abs() < 0.02 * mean, "{dist:?}: sample mean {m}, expected {mean}");
            assert!((dist.mean_secs() - mean).abs() < 1e-9, "{dist:?}: analytic mean");
        }
    }

    #[test]
    fn truncated_normal_never_goes_negative_and_has_the_truncated_mean() {
        let dist = Dist::Normal { mean: d("0s"), std_dev: d("1s") };
        let v = draws(&dist, 100_000);
        assert!(v[0] >= 0.0);
        // Half-normal mean is sigma * sqrt(2 / pi) = 0.7979.
        let m = v.iter().sum::<f64>() / v.len() as f64;
        assert!((m - 0.7979).abs() < 0.01, "{m}");
        assert!((dist.mean_secs() - 0.797_884_6).abs() < 1e-6);
    }

    #[test]
    fn empirical_interpolates_between_percentiles() {
        let dist = Dist::Empirical {
            percentiles: vec![
                Percentile { p: 0.0, value: d("100ms") },
                Percentile { p: 0.5, value: d("200ms") },
                Percentile { p: 1.0, value: d("1s") },
            ],
        };
        let v = draws(&dist, 100_000);
        assert!((v[50_000] - 0.200).abs() < 0.005);
        assert!((v[75_000] - 0.600).abs() < 0.02);
        assert!(v[0] >= 0.1 && v[v.len() - 1] <= 1.0);
        // Mean of the quantile function: 0.5 * 0.15 + 0.5 * 0.6 = 0.375.
        assert!((dist.mean_secs() - 0.375).abs() < 1e-3);
    }

    #[test]
    fn bad_parameters_are_named() {
        let bad = Dist::LogNormal { median: Some(d("1s")), p99: Some(d("500ms")), mu: None, sigma: None };
        assert_eq!(bad.problems()[0].0, "p99");
        let mixed = Dist::LogNormal { median: Some(d("1s")), p99: None, mu: Some(0.0), sigma: None };
        assert_eq!(mixed.problems().len(), 1);
        assert_eq!(Dist::Gamma { shape: f64::NAN, mean: d("1s") }.problems()[0].0, "shape");
    }
}
