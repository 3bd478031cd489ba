//! What memory alone costs on this machine, as a yardstick for the many-functions bench
//! (README, "Many functions"): per event, pick one of `states` random states of `bytes`
//! each and touch `lines` cache lines of it (at fixed places, as fields are), either
//! one after another (each address depends on the last value read: how an event
//! handler walks from trigger to function to slot) or independently (the CPU may
//! overlap them). Nothing else happens, so this is a floor, not a model.
//!
//! A second table asks for each event's lines one event ahead, as faaslab's loop does
//! (`sim/warm.rs`), with a little work per event, and spreads the same lines over one,
//! four or eight pages (one state in each of that many arrays): what the lines cost
//! even when asked for early, and what their spread over pages adds (README,
//! "Many functions").
//!
//! `cargo run --release --no-default-features --example memory-floor [-- STATES BYTES]`

use faaslab::sim::kernel::prefetch::prefetch_lines;
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
    println!("asked one event ahead, ns per event more than with 16 states:");
    println!("{:>6} {:>12} {:>12} {:>12}", "lines", "1 page", "4 pages", "8 pages");
    for lines in [8, 16, 24] {
        let extra = |pages: usize| {
            let bytes = 4096 / pages;
            asked_ahead(states, bytes, pages, lines, EVENTS) - asked_ahead(16, bytes, pages, lines, EVENTS)
        };
        println!("{lines:>6} {:>12.1} {:>12.1} {:>12.1}", extra(1), extra(4), extra(8));
    }
}

/// Per event, `lines` lines spread over one random state of `bytes` in each of `pages`
/// arrays, asked for one event ahead, then touched, then 60 dependent multiplications.
fn asked_ahead(states: usize, bytes: usize, pages: usize, lines: usize, events: usize) -> f64 {
    let words = bytes / 8;
    let per_page = lines / pages;
    let mut arrays: Vec<Vec<u64>> = (0..pages).map(|_| vec![1u64; states * words]).collect();
    // The states to visit, drawn beforehand so that the next is known.
    let mut x = SEED;
    let visits: Vec<usize> =
        (0..(events + 1) * pages).map(|_| (xorshift(&mut x) % states as u64) as usize * words).collect();
    let mut acc = 0u64;
    let start = Instant::now();
    for event in 0..events {
        for (page, array) in arrays.iter().enumerate() {
            // The lines touched below run on from the state's start, as a function's
            // first lines do: asked for with faaslab's own hint.
            prefetch_lines(&array[visits[(event + 1) * pages + page]], per_page);
        }
        for (page, array) in arrays.iter_mut().enumerate() {
            let base = visits[event * pages + page];
            for line in 0..per_page {
                let i = base + line * 8;
                array[i] = array[i].wrapping_add(acc & 1);
                acc = acc.wrapping_add(array[i]);
            }
        }
        let mut work = acc;
        for _ in 0..60 {
            work = work.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        }
        acc ^= black_box(work) & 1;
    }
    black_box(acc);
    start.elapsed().as_secs_f64() / events as f64 * 1e9
}

const SEED: u64 = 0x9E37_79B9_7F4A_7C15;

/// One step of xorshift64: the next state to visit, uniformly.
fn xorshift(x: &mut u64) -> u64 {
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    *x
}

fn ns_per_event(states: usize, bytes: usize, lines: usize, events: usize, dependent: bool) -> f64 {
    let words = (bytes / 8).max(lines);
    let stride = words / lines;
    let mut memory = vec![1u64; states * words];
    let mut x = SEED;
    let mut last = 0u64;
    let start = Instant::now();
    for _ in 0..events {
        let base = (xorshift(&mut x) % states as u64) as usize * words;
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
