//! `cargo bench`: the same measurements as `faaslab bench`.

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    faaslab::bench::run_all(quick, &mut std::io::stdout());
}
