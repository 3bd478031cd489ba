fn main() {
    let path = std::env::args().nth(1).unwrap();
    let mut s = faaslab::scenario::Scenario::load(std::path::Path::new(&path)).unwrap();
    for hours in [1u64, 3, 6] {
        s.config.duration = faaslab::sim::kernel::time::SimDuration::from_secs(hours * 3600);
        let mut sim = faaslab::sim::Simulation::with_log_capacity(s.config.clone(), 0);
        sim.run_to_end();
        println!("{hours}h {:?}", sim.memory_census());
    }
}
