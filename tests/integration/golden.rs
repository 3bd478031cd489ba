//! Every library scenario's report, byte for byte: `faaslab run NAME --format json` (and
//! with `--challenge` where the scenario is a challenge, graded with its reference
//! solution applied too, and the graded text report)
//! must print exactly what it printed when `tests/golden/reports.txt` was written. A refactor must not move a
//! single number; a deliberate model change rewrites the file and says why in its
//! commit (`FAASLAB_BLESS=1 cargo test --no-default-features --test integration golden`).
//!
//! The file holds a 64-bit FNV-1a hash and the length of each output, not the output
//! itself (1.6 MB of JSON): on a mismatch, run the two binaries and diff their output.

use crate::cli::faaslab;

const GOLDEN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/reports.txt");

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

/// One line per output: `name  mode  hash  length`.
fn current() -> String {
    let mut lines = String::new();
    for (name, text) in faaslab::scenario::LIBRARY {
        let challenge = text.contains("challenge:");
        let modes: &[&str] = if challenge { &["plain", "challenge", "text", "reference"] } else { &["plain", "text"] };
        for mode in modes {
            let mut args = vec!["run", name, "--format", if *mode == "text" { "text" } else { "json" }];
            if *mode != "plain" && challenge {
                args.push("--challenge"); // the text report of a challenge grades it too
            }
            if *mode == "reference" {
                args.push("--reference"); // the solved configuration moves other paths
            }
            let out = faaslab(&args);
            assert!(
                matches!(out.status.code(), Some(0 | 1)),
                "{name} {mode}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            lines += &format!("{name:<32} {mode:<10} {:016x} {}\n", fnv1a(&out.stdout), out.stdout.len());
        }
    }
    lines
}

#[test]
fn every_library_report_is_byte_identical_to_the_golden_file() {
    let now = current();
    if std::env::var_os("FAASLAB_BLESS").is_some() {
        std::fs::write(GOLDEN, &now).expect("tests/golden is writable");
        return;
    }
    let golden = std::fs::read_to_string(GOLDEN).expect("tests/golden/reports.txt exists");
    let changed: Vec<String> =
        golden.lines().zip(now.lines()).filter(|(a, b)| a != b).map(|(a, b)| format!("  was {a}\n  now {b}")).collect();
    assert!(
        changed.is_empty() && golden.lines().count() == now.lines().count(),
        "reports changed (FAASLAB_BLESS=1 rewrites the file after a deliberate model change):\n{}",
        changed.join("\n")
    );
}
