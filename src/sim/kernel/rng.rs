//! Portable random number streams, one per source of randomness.
//!
//! Each stream is seeded from the scenario seed and a stable name (for example
//! "function/api/duration"), so adding a node never perturbs the numbers another
//! node draws. PCG is specified bit for bit, unlike `StdRng`, so a seed gives the
//! same run on every platform and in the browser.

use rand::{Rng, SeedableRng, TryRng};
use rand_pcg::Pcg64Mcg;
use std::convert::Infallible;

/// One named random stream.
#[derive(Clone, Debug)]
pub struct RngStream {
    inner: Pcg64Mcg,
}

impl RngStream {
    /// The stream called `name` under the run's `seed`.
    pub fn new(seed: u64, name: &str) -> RngStream {
        RngStream::named(seed, &[name])
    }

    /// The stream called `parts` joined (the same stream as `new` with the joined name),
    /// without building the name: a run of 10 000 functions builds 60 000 streams, and
    /// formatting their names took half of its build.
    pub fn named(seed: u64, parts: &[&str]) -> RngStream {
        let hash = parts.iter().fold(FNV_OFFSET, |hash, part| fnv1a(hash, part.as_bytes()));
        let mut state = seed ^ hash;
        let mut bytes = [0u8; 16];
        bytes[..8].copy_from_slice(&splitmix64(&mut state).to_le_bytes());
        bytes[8..].copy_from_slice(&splitmix64(&mut state).to_le_bytes());
        RngStream { inner: Pcg64Mcg::from_seed(bytes) }
    }

    /// Uniform in [0, 1) with 53 random bits.
    #[inline]
    pub fn unit(&mut self) -> f64 {
        (self.inner.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in (0, 1]: safe to take the logarithm of.
    #[inline]
    pub fn unit_open(&mut self) -> f64 {
        ((self.inner.next_u64() >> 11) + 1) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// An exponential variate with the given mean (statrs' ziggurat sampler: no
    /// logarithm on the common path).
    #[inline]
    pub fn exponential(&mut self, mean: f64) -> f64 {
        use rand::distr::Distribution;
        mean * statrs::distribution::Exp::new(1.0).map_or(0.0, |e| e.sample(self))
    }

    /// True with probability `p`.
    #[inline]
    pub fn chance(&mut self, p: f64) -> bool {
        p > 0.0 && self.unit() < p
    }
}

// Lets statrs distributions draw from our stream.
impl TryRng for RngStream {
    type Error = Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        Ok(self.inner.next_u32())
    }
    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        Ok(self.inner.next_u64())
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        self.inner.fill_bytes(dst);
        Ok(())
    }
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

/// FNV-1a over `bytes`, continuing from `hash` (`FNV_OFFSET` to start).
fn fnv1a(mut hash: u64, bytes: &[u8]) -> u64 {
    for b in bytes {
        hash ^= u64::from(*b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PINNED_FIRST: u64 = 13_790_848_678_727_995_068;
    const PINNED_UNIT_BITS: u64 = 4_603_742_108_514_283_941;

    #[test]
    fn a_stream_named_by_parts_is_the_stream_of_the_joined_name() {
        let mut parts = RngStream::named(42, &["function/", "api", "/", "duration"]);
        let mut joined = RngStream::new(42, "function/api/duration");
        let mut other = RngStream::named(42, &["function/", "api", "/", "errors"]);
        for _ in 0..8 {
            let value = parts.inner.next_u64();
            assert_eq!(value, joined.inner.next_u64());
            assert_ne!(value, other.inner.next_u64());
        }
    }

    #[test]
    fn streams_are_reproducible_and_independent() {
        let a: Vec<u64> = (0..4).map(|_| RngStream::new(7, "a").inner.next_u64()).collect();
        assert!(a.windows(2).all(|w| w[0] == w[1]), "same seed and name, same numbers");
        let mut x = RngStream::new(7, "a");
        let mut y = RngStream::new(7, "b");
        let mut z = RngStream::new(8, "a");
        let (x0, y0, z0) = (x.next_u64(), y.next_u64(), z.next_u64());
        assert_ne!(x0, y0);
        assert_ne!(x0, z0);
    }

    #[test]
    fn pinned_values_guard_portability() {
        // If these change, every recorded run changes: they must not, across platforms,
        // compilers or dependency versions (the browser build runs the same test).
        let mut s = RngStream::new(42, "trigger/clients/arrivals");
        assert_eq!(s.next_u64(), PINNED_FIRST);
        let mut u = RngStream::new(1, "x");
        assert_eq!(u.unit().to_bits(), PINNED_UNIT_BITS);
    }

    #[test]
    fn exponential_mean_is_right() {
        let mut s = RngStream::new(1, "exp");
        let n = 200_000;
        let mean: f64 = (0..n).map(|_| s.exponential(2.0)).sum::<f64>() / n as f64;
        // Standard error is 2/sqrt(n) = 0.0045; allow 4 of them.
        assert!((mean - 2.0).abs() < 0.018, "mean {mean}");
    }
}
