//! Simulated time: integer microseconds, never floats, so event order is exact.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::ops::{Add, AddAssign, Sub};

/// A point on the simulated clock, in microseconds since the start of the run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimTime(pub u64);

/// A span of simulated time, in microseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimDuration(pub u64);

pub const MICROS_PER_SEC: u64 = 1_000_000;

impl SimTime {
    pub const ZERO: SimTime = SimTime(0);
    pub const MAX: SimTime = SimTime(u64::MAX);

    pub fn from_secs_f64(secs: f64) -> SimTime {
        SimTime(SimDuration::from_secs_f64(secs).0)
    }
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / MICROS_PER_SEC as f64
    }
    /// Time elapsed since `earlier` (zero if `earlier` is later).
    pub fn since(self, earlier: SimTime) -> SimDuration {
        SimDuration(self.0.saturating_sub(earlier.0))
    }
}

impl SimDuration {
    pub const ZERO: SimDuration = SimDuration(0);

    pub const fn from_micros(us: u64) -> SimDuration {
        SimDuration(us)
    }
    pub const fn from_millis(ms: u64) -> SimDuration {
        SimDuration(ms * 1000)
    }
    pub const fn from_secs(s: u64) -> SimDuration {
        SimDuration(s * MICROS_PER_SEC)
    }
    /// Rounds to the nearest microsecond; negative and NaN become zero, huge values
    /// saturate. (Adding 0.5 and truncating avoids a libm call on the hot path.)
    #[inline]
    pub fn from_secs_f64(secs: f64) -> SimDuration {
        SimDuration(round_micros(secs * MICROS_PER_SEC as f64))
    }
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / MICROS_PER_SEC as f64
    }
    pub fn as_millis_f64(self) -> f64 {
        self.0 as f64 / 1000.0
    }
    pub fn as_micros(self) -> u64 {
        self.0
    }
    /// Whole milliseconds, rounded up: how Lambda bills a duration (1 ms granularity).
    pub fn billed_millis(self) -> u64 {
        self.0.div_ceil(1000)
    }
}

/// `us` rounded to the nearest whole microsecond (halves up); negative and NaN give
/// zero, huge values saturate: `(us + 0.5) as u64` for positive `us`. Below 2^63 (any
/// time a run reaches) it takes one signed conversion: `as u64` costs about twenty
/// instructions on x86-64 without AVX-512, and draws convert twice per invocation.
#[inline]
pub(crate) fn round_micros(us: f64) -> u64 {
    const TWO_POW_63: f64 = 9_223_372_036_854_775_808.0;
    if us > 0.0 {
        let v = us + 0.5;
        if v < TWO_POW_63 {
            // SAFETY: 0.5 < v < 2^63, so v is finite and its truncation fits an i64,
            // which is all `to_int_unchecked` requires. (The checked `as i64` keeps
            // its saturation tests: half of what this saves.)
            unsafe { v.to_int_unchecked::<i64>() as u64 }
        } else {
            v as u64
        }
    } else {
        0
    }
}

#[cfg(test)]
#[test]
fn rounding_to_micros_matches_the_plain_conversion() {
    let plain = |us: f64| if us > 0.0 { (us + 0.5) as u64 } else { 0 };
    let edges = [0.0, -0.0, -1.0, 0.49, 0.5, 1.5, 2.5, 1e6 + 0.4999, 4.5e15, 9.2e18, 9.3e18, 1.9e19, 1e300];
    for us in edges.into_iter().chain([f64::NAN, f64::INFINITY, f64::NEG_INFINITY, f64::MIN_POSITIVE]) {
        assert_eq!(round_micros(us), plain(us), "{us}");
    }
    let mut x = 0.37_f64;
    for _ in 0..10_000 {
        x = x * 1.0071 + 0.3;
        assert_eq!(round_micros(x), plain(x), "{x}");
    }
}

impl Add<SimDuration> for SimTime {
    type Output = SimTime;
    fn add(self, d: SimDuration) -> SimTime {
        SimTime(self.0.saturating_add(d.0))
    }
}
impl AddAssign<SimDuration> for SimTime {
    fn add_assign(&mut self, d: SimDuration) {
        self.0 = self.0.saturating_add(d.0);
    }
}
impl Add for SimDuration {
    type Output = SimDuration;
    fn add(self, d: SimDuration) -> SimDuration {
        SimDuration(self.0.saturating_add(d.0))
    }
}
impl Sub for SimDuration {
    type Output = SimDuration;
    fn sub(self, d: SimDuration) -> SimDuration {
        SimDuration(self.0.saturating_sub(d.0))
    }
}

/// Parses "250ms", "1.5s", "10m", "2h", "1d", "500us", and sums like "1m30s".
pub fn parse_duration(text: &str) -> Result<SimDuration, String> {
    const EXPECTED: &str =
        "expected a duration such as \"250ms\", \"1.5s\", \"10m\" or \"2h\" (units: us, ms, s, m, h, d)";
    let s = text.trim();
    if s.is_empty() {
        return Err(format!("empty duration: {EXPECTED}"));
    }
    let mut total: f64 = 0.0;
    let mut rest = s;
    while !rest.is_empty() {
        let num_len = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
        if num_len == 0 {
            return Err(format!("\"{text}\" is not a duration: {EXPECTED}"));
        }
        let number: f64 =
            rest[..num_len].parse().map_err(|_| format!("\"{text}\" has a malformed number: {EXPECTED}"))?;
        rest = rest[num_len..].trim_start();
        let unit_len = rest.find(|c: char| !c.is_ascii_alphabetic()).unwrap_or(rest.len());
        let unit = &rest[..unit_len];
        rest = rest[unit_len..].trim_start();
        let scale = match unit {
            "us" | "µs" => 1e-6,
            "ms" => 1e-3,
            "s" | "sec" => 1.0,
            "m" | "min" => 60.0,
            "h" => 3600.0,
            "d" => 86400.0,
            "" => {
                return Err(format!("\"{text}\" has a number without a unit: {EXPECTED}"));
            }
            other => {
                return Err(format!("\"{text}\" has an unknown unit \"{other}\": {EXPECTED}"));
            }
        };
        total += number * scale;
    }
    // 10 000 days is far beyond any scenario and keeps u64 microseconds safe.
    if !total.is_finite() || total > 864e6 {
        return Err(format!("\"{text}\" is too long (at most 10000 days)"));
    }
    Ok(SimDuration::from_secs_f64(total))
}

impl fmt::Display for SimDuration {
    /// The shortest readable form that parses back to the same value when exact.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let us = self.0;
        let units: [(u64, &str); 6] = [
            (86_400_000_000, "d"),
            (3_600_000_000, "h"),
            (60_000_000, "m"),
            (1_000_000, "s"),
            (1_000, "ms"),
            (1, "us"),
        ];
        if us == 0 {
            return write!(f, "0s");
        }
        for (scale, unit) in units {
            if us.is_multiple_of(scale) {
                return write!(f, "{}{unit}", us / scale);
            }
        }
        unreachable!("every integer is a multiple of 1 us")
    }
}

impl fmt::Display for SimTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let total = self.0 / 1000;
        let (ms, s) = (total % 1000, total / 1000);
        write!(f, "{:02}:{:02}:{:02}.{:03}", s / 3600, (s / 60) % 60, s % 60, ms)
    }
}

impl Serialize for SimTime {
    /// Seconds, as a number (logs and traces).
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(self.as_secs_f64())
    }
}

impl Serialize for SimDuration {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for SimDuration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = SimDuration;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a duration string such as \"250ms\", \"1.5s\", \"10m\" or \"2h\"")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<SimDuration, E> {
                parse_duration(v).map_err(E::custom)
            }
        }
        d.deserialize_str(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_unit_and_sums() {
        assert_eq!(parse_duration("250ms"), Ok(SimDuration(250_000)));
        assert_eq!(parse_duration("1.5s"), Ok(SimDuration(1_500_000)));
        assert_eq!(parse_duration("10m"), Ok(SimDuration(600_000_000)));
        assert_eq!(parse_duration("2h"), Ok(SimDuration(7_200_000_000)));
        assert_eq!(parse_duration("1d"), Ok(SimDuration(86_400_000_000)));
        assert_eq!(parse_duration("500us"), Ok(SimDuration(500)));
        assert_eq!(parse_duration("1m30s"), Ok(SimDuration(90_000_000)));
        assert_eq!(parse_duration("2 h 30 m"), Ok(SimDuration(9_000_000_000)));
    }

    #[test]
    fn rejects_nonsense() {
        for bad in ["", "ms", "10", "-5s", "1.2.3s", "5 parsecs", "NaNs", "1e400s", "99999999d", "1s 2"] {
            assert!(parse_duration(bad).is_err(), "{bad:?} should not parse");
        }
    }

    #[test]
    fn display_round_trips() {
        for text in ["250ms", "10m", "2h", "1500us", "0s", "7s"] {
            let d = parse_duration(text).unwrap();
            assert_eq!(parse_duration(&d.to_string()), Ok(d));
        }
        assert_eq!(SimDuration(1_500_000).to_string(), "1500ms");
    }

    #[test]
    fn billing_rounds_up_to_the_millisecond() {
        assert_eq!(SimDuration(100_000).billed_millis(), 100);
        assert_eq!(SimDuration(100_001).billed_millis(), 101);
        assert_eq!(SimDuration(1).billed_millis(), 1);
        assert_eq!(SimDuration(0).billed_millis(), 0);
    }
}
