//! `cargo bench`: the same measurements as `faaslab bench`; name groups to run only
//! those (`cargo bench --no-default-features --bench throughput -- functions-all replay`;
//! groups: standard, functions, functions-all, backlog, replay, replay-small, replay-2min).

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).collect();
    let quick = std::env::args().any(|a| a == "--quick");
    if args.is_empty() {
        faaslab::bench::run_all(quick, &mut std::io::stdout());
    } else if let Err(e) = faaslab::bench::run_named(&args, quick, &mut std::io::stdout()) {
        eprintln!("{e}");
        std::process::exit(2);
    }
}
