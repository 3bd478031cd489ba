//! A larger trace of the sample's shape, for scale tests and measurements: the rows of
//! the invocations file (and its companion files) repeated `copies` times under new
//! hashes, each copy's counts stretched to `minutes` by tiling the sample's minutes from
//! a random starting minute and scaled by a random factor in [0.5, 1.5] (a count above
//! zero stays above zero, so every function keeps its idle-time pattern). Copy 0 is the
//! sample itself, tiled from its first minute. Deterministic for a seed.
//!
//! `faaslab replay SAMPLE.csv --synthesize DIR` writes one (see the README's "Keep-alive
//! policies" section for the whole-day measurement).

use super::parse::MAX_TRACE_FILE_BYTES;
use crate::sim::kernel::rng::RngStream;

/// The three files of a synthesised trace (the companions only if given).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Synthesized {
    pub invocations: String,
    pub durations: Option<String>,
    pub memory: Option<String>,
}

fn data_lines(text: &str) -> impl Iterator<Item = &str> {
    text.strip_prefix('\u{feff}')
        .unwrap_or(text)
        .lines()
        .map(|l| l.trim_end_matches('\r'))
        .filter(|l| !l.trim().is_empty())
}

/// The copy's name for a hash: distinct per copy, and distinct in its first 8
/// characters (the simulator's short names).
fn renamed(copy: usize, hash: &str) -> String {
    if copy == 0 { hash.to_string() } else { format!("{copy:03}-{hash}") }
}

/// Repeats a companion file's rows per copy with the hashes in `columns` renamed.
fn companion(text: &str, copies: usize, columns: &[&str]) -> Result<String, String> {
    let mut lines = data_lines(text);
    let header = lines.next().ok_or("a companion file is empty")?;
    let names: Vec<&str> = header.split(',').map(str::trim).collect();
    let at: Vec<usize> = names.iter().enumerate().filter(|(_, n)| columns.contains(n)).map(|(i, _)| i).collect();
    let rows: Vec<&str> = lines.collect();
    let mut out = String::from(header);
    out.push('\n');
    for copy in 0..copies {
        for row in &rows {
            let cells: Vec<String> = row
                .split(',')
                .enumerate()
                .map(|(i, c)| if at.contains(&i) { renamed(copy, c.trim()) } else { c.to_string() })
                .collect();
            out.push_str(&cells.join(","));
            out.push('\n');
        }
    }
    Ok(out)
}

/// Synthesises the trace. The invocations file must be in the trace's schema (four
/// name columns, then minutes); problems are reported as text.
pub fn synthesize(
    invocations: &str,
    durations: Option<&str>,
    memory: Option<&str>,
    minutes: usize,
    copies: usize,
    seed: u64,
) -> Result<Synthesized, String> {
    synthesize_within(invocations, durations, memory, (minutes, copies, seed), MAX_TRACE_FILE_BYTES)
}

/// `synthesize`, stopping once the invocations file would pass `max_bytes`.
fn synthesize_within(
    invocations: &str,
    durations: Option<&str>,
    memory: Option<&str>,
    (minutes, copies, seed): (usize, usize, u64),
    max_bytes: u64,
) -> Result<Synthesized, String> {
    if minutes == 0 || copies == 0 {
        return Err(format!("synthesize: {minutes} minutes x {copies} copies is empty (both must be at least 1)"));
    }
    let mut lines = data_lines(invocations);
    let header = lines.next().ok_or("synthesize: the invocations file is empty")?;
    let names: Vec<&str> = header.split(',').collect();
    if names.len() < 5 {
        return Err("synthesize: the invocations header must have 4 name columns and at least one minute".into());
    }
    let sample_minutes = names.len() - 4;
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').map(str::trim).collect()).collect();
    // The trace is built in memory, then written: it stops at the size a replay reads
    // (`--synth-minutes` or `--synth-copies` in the millions had run out of memory).
    let too_large = || {
        format!(
            "synthesize: {minutes} minutes x {copies} copies would be larger than the {} MB a replay reads; fewer minutes or copies",
            max_bytes >> 20
        )
    };
    let mut out = names[..4].join(",");
    for m in 0..minutes {
        out.push_str(&format!(",{m}"));
        if out.len() as u64 > max_bytes {
            return Err(too_large());
        }
    }
    out.push('\n');
    let mut rng = RngStream::new(seed, "synthesize");
    for copy in 0..copies {
        let shift = if copy == 0 { 0 } else { (rng.unit() * sample_minutes as f64) as usize % sample_minutes };
        for (r, row) in rows.iter().enumerate() {
            if row.len() != names.len() {
                return Err(format!("synthesize: row {} has {} columns, the header {}", r + 2, row.len(), names.len()));
            }
            let factor = if copy == 0 { 1.0 } else { 0.5 + rng.unit() };
            let names = row[..3].iter().map(|h| renamed(copy, h)).collect::<Vec<_>>().join(",");
            out.push_str(&names);
            out.push(',');
            out.push_str(row[3]);
            for m in 0..minutes {
                let cell = row[4 + (m + shift) % sample_minutes];
                let n: u64 =
                    cell.parse().map_err(|_| format!("synthesize: row {}: \"{cell}\" is not a count", r + 2))?;
                let scaled = if n == 0 { 0 } else { ((n as f64 * factor).round() as u64).max(1) };
                out.push_str(&format!(",{scaled}"));
                if out.len() as u64 > max_bytes {
                    return Err(too_large());
                }
            }
            out.push('\n');
        }
    }
    let ids = ["HashOwner", "HashApp", "HashFunction"];
    Ok(Synthesized {
        invocations: out,
        durations: durations.map(|t| companion(t, copies, &ids)).transpose()?,
        memory: memory.map(|t| companion(t, copies, &ids)).transpose()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str =
        "HashOwner,HashApp,HashFunction,Trigger,480,481,482\no1,a1,f1,http,1,0,2\no2,a2,f2,timer,0,0,4\n";

    #[test]
    fn copy_zero_tiles_the_sample_and_other_copies_keep_its_zeros() {
        let s = synthesize(SAMPLE, None, Some("HashOwner,HashApp,AverageAllocatedMb\no1,a1,300\n"), 7, 3, 1).unwrap();
        let lines: Vec<&str> = s.invocations.lines().collect();
        assert_eq!(lines[0], "HashOwner,HashApp,HashFunction,Trigger,0,1,2,3,4,5,6");
        assert_eq!(lines[1], "o1,a1,f1,http,1,0,2,1,0,2,1");
        assert_eq!(lines[2], "o2,a2,f2,timer,0,0,4,0,0,4,0");
        assert_eq!(lines.len(), 1 + 2 * 3);
        for (copy, line) in lines[1..].iter().enumerate().skip(2) {
            let cells: Vec<&str> = line.split(',').collect();
            assert!(cells[0].starts_with(&format!("{:03}-o", copy / 2)), "{line}");
            // The same idle pattern: the zeros of a rotation of the sample's row.
            // (1,0,2 has one zero in 3 minutes: 2 or 3 in 7; 0,0,4 has two: 4 or 5.)
            let zeros = cells[4..].iter().filter(|c| **c == "0").count();
            let expected = if copy % 2 == 0 { [2, 3] } else { [4, 5] };
            assert!(expected.contains(&zeros), "{line}");
        }
        let memory = s.memory.unwrap();
        assert_eq!(
            memory.lines().collect::<Vec<_>>(),
            ["HashOwner,HashApp,AverageAllocatedMb", "o1,a1,300", "001-o1,001-a1,300", "002-o1,002-a1,300"]
        );
        // The same seed, the same trace.
        assert_eq!(synthesize(SAMPLE, None, None, 7, 3, 1).unwrap().invocations, s.invocations);
    }

    #[test]
    fn empty_requests_are_refused() {
        assert!(synthesize(SAMPLE, None, None, 0, 3, 1).unwrap_err().contains("0 minutes x 3 copies is empty"));
        // Past what a replay reads it stops, in the header or the rows, before memory runs out.
        // (A 4 MB bound here: the real one, 1 GB, is the same code.)
        for (minutes, copies) in [(usize::MAX, 1), (1440, usize::MAX)] {
            let err = synthesize_within(SAMPLE, None, None, (minutes, copies, 1), 4 << 20).unwrap_err();
            assert!(err.ends_with("larger than the 4 MB a replay reads; fewer minutes or copies"), "{err}");
        }
        assert!(synthesize_within(SAMPLE, None, None, (1440, 100, 1), 4 << 20).is_ok());
        assert!(synthesize("a,b\n", None, None, 5, 1, 1).is_err());
    }
}
