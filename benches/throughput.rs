//! `cargo bench`: the same measurements as `faaslab bench`; name groups to run only
//! those (`cargo bench --no-default-features --bench throughput -- functions-all replay`;
//! groups: standard, functions, functions-all, backlog, replay, replay-small, replay-2min).
//! `--runs=N` runs the functions groups N times interleaved and shows their medians.

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).collect();
    let quick = std::env::args().any(|a| a == "--quick");
    let runs = match std::env::args().find_map(|a| a.strip_prefix("--runs=").map(str::to_owned)) {
        None => 1,
        Some(n) => match n.parse::<usize>() {
            Ok(n) if (1..=100).contains(&n) => n,
            _ => {
                eprintln!("--runs: expected a whole number from 1 to 100, got \"{n}\"");
                std::process::exit(2);
            }
        },
    };
    if args.is_empty() {
        faaslab::bench::run_all(quick, &mut std::io::stdout());
    } else if let Err(e) = faaslab::bench::run_named(&args, quick, runs, &mut std::io::stdout()) {
        eprintln!("{e}");
        std::process::exit(2);
    }
}
