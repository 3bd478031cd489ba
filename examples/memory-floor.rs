//! What memory alone costs on this machine, as a yardstick for the many-functions bench
//! (README, "What is left"): per event, pick one of `states` random states of `bytes`
//! each and touch `lines` cache lines of it (at fixed places, as fields are), either
//! one after another (each address depends on the last value read: how an event
//! handler walks from trigger to function to slot) or independently (the CPU may
//! overlap them). Nothing else happens, so this is a floor, not a model.
//!
//! `cargo run --release --no-default-features --example memory-floor [-- STATES BYTES]`

use std::hint::black_box;
use std::time::Instant;

fn main() {
    let args: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let states = args.first().copied().unwrap_or(10_000);
    let bytes = args.get(1).copied().unwrap_or(16 * 1024);
    const EVENTS: usize = 2_000_000;
    println!("{states} states of {bytes} bytes, {EVENTS} events, ns per event:");
    println!("{:>6} {:>12} {:>12}", "lines", "dependent", "independent");
    for lines in [1, 2, 4, 8, 16] {
        let dependent = ns_per_event(states, bytes, lines, EVENTS, true);
        let independent = ns_per_event(states, bytes, lines, EVENTS, false);
        println!("{lines:>6} {dependent:>12.1} {independent:>12.1}");
    }
}

fn ns_per_event(states: usize, bytes: usize, lines: usize, events: usize, dependent: bool) -> f64 {
    let words = (bytes / 8).max(lines);
    let stride = words / lines;
    let mut memory = vec![1u64; states * words];
    // xorshift64: the state to visit next, uniformly.
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut last = 0u64;
    let start = Instant::now();
    for _ in 0..events {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let base = (x % states as u64) as usize * words;
        for line in 0..lines {
            // `last & 7` stays inside the line but makes the address wait for the read.
            let offset = if dependent { (last & 7) as usize } else { 0 };
            let i = base + line * stride + offset;
            memory[i] = memory[i].wrapping_add(1);
            last = last.wrapping_add(memory[i]);
        }
    }
    black_box(last);
    start.elapsed().as_secs_f64() / events as f64 * 1e9
}
