//! `faaslab gui --frame-stats N`: after a short warm-up, measures N frames (wall time
//! between frames, and the part the simulation's advance took), prints the figures
//! and exits. For the README's performance numbers and for spotting regressions.

use super::AppSystems;
use super::playback::Playback;
use bevy::platform::time::Instant;
use bevy::prelude::*;

/// Frames left out first: start-up (shader compilation, first layouts) is not typical.
const WARMUP_FRAMES: u32 = 120;

#[derive(Resource)]
struct FrameStats {
    wanted: usize,
    warmup_left: u32,
    /// Seconds between consecutive frames.
    frames: Vec<f64>,
    /// Seconds each frame's simulation advance took.
    advances: Vec<f64>,
    /// Seconds of each frame's main-world work (input, simulation, views, egui
    /// layout), from `First` to `Last`: the frame time without the rendering.
    main_work: Vec<f64>,
    main_began: Option<Instant>,
    behind: usize,
    last_frame: Option<Instant>,
    advance_began: Option<Instant>,
    advance_took: Option<f64>,
    sim_started_at: f64,
}

pub(super) fn plugin(frames: usize) -> impl Fn(&mut App) {
    move |app: &mut App| {
        app.insert_resource(FrameStats {
            wanted: frames.max(1),
            warmup_left: WARMUP_FRAMES,
            frames: Vec::new(),
            advances: Vec::new(),
            main_work: Vec::new(),
            main_began: None,
            behind: 0,
            last_frame: None,
            advance_began: None,
            advance_took: None,
            sim_started_at: 0.0,
        })
        .add_systems(First, |mut stats: ResMut<FrameStats>| stats.main_began = Some(Instant::now()))
        .add_systems(
            Update,
            (
                begin_advance.after(AppSystems::ApplyCommands).before(AppSystems::Advance),
                end_advance.after(AppSystems::Advance).before(AppSystems::SyncView),
            ),
        )
        .add_systems(Last, end_frame);
    }
}

fn begin_advance(mut stats: ResMut<FrameStats>) {
    stats.advance_began = Some(Instant::now());
}

fn end_advance(mut stats: ResMut<FrameStats>) {
    let took = stats.advance_began.take().map(|t| t.elapsed().as_secs_f64());
    stats.advance_took = took;
}

/// Mean, p50, p99 and max of `values` (seconds), in milliseconds.
pub fn summary(values: &[f64]) -> (f64, f64, f64, f64) {
    if values.is_empty() {
        return (0.0, 0.0, 0.0, 0.0);
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let at = |q: f64| sorted[((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len()) - 1] * 1000.0;
    let mean = sorted.iter().sum::<f64>() / sorted.len() as f64 * 1000.0;
    (mean, at(0.5), at(0.99), sorted[sorted.len() - 1] * 1000.0)
}

fn end_frame(mut stats: ResMut<FrameStats>, playback: Res<Playback>, mut exit: MessageWriter<AppExit>) {
    let now = Instant::now();
    let advance = stats.advance_took.take();
    let main_work = stats.main_began.take().map(|t| now.duration_since(t).as_secs_f64());
    let since_last = stats.last_frame.replace(now).map(|t| now.duration_since(t).as_secs_f64());
    if stats.warmup_left > 0 {
        stats.warmup_left -= 1;
        stats.sim_started_at = playback.sim.now().as_secs_f64();
        return;
    }
    let (Some(frame), Some(advance), Some(main_work)) = (since_last, advance, main_work) else { return };
    stats.frames.push(frame);
    stats.advances.push(advance);
    stats.main_work.push(main_work);
    stats.behind += usize::from(playback.falling_behind);
    if stats.frames.len() < stats.wanted {
        return;
    }
    let (mean, p50, p99, max) = summary(&stats.frames);
    let (a_mean, _, a_p99, a_max) = summary(&stats.advances);
    let (m_mean, _, m_p99, m_max) = summary(&stats.main_work);
    let real: f64 = stats.frames.iter().sum();
    let simulated = playback.sim.now().as_secs_f64() - stats.sim_started_at;
    println!(
        "frame-stats: {} frames of \"{}\" at {}x: frame time mean {mean:.2} ms, p50 {p50:.2} ms, p99 {p99:.2} ms, \
         max {max:.2} ms ({:.1} fps); main-world work (all but rendering) mean {m_mean:.2} ms, p99 {m_p99:.2} ms, \
         max {m_max:.2} ms; simulation advance mean {a_mean:.2} ms, p99 {a_p99:.2} ms, max {a_max:.2} ms; \
         {simulated:.1} simulated s in {real:.1} real s; falling behind in {} frames",
        stats.frames.len(),
        playback.scenario.name,
        playback.speed,
        1000.0 / mean.max(1e-9),
        stats.behind,
    );
    exit.write(AppExit::Success);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_gives_milliseconds_and_the_upper_percentiles() {
        let values: Vec<f64> = (1..=100).map(|ms| ms as f64 / 1000.0).collect();
        let (mean, p50, p99, max) = summary(&values);
        assert!((mean - 50.5).abs() < 1e-9);
        assert!((p50 - 50.0).abs() < 1e-9);
        assert!((p99 - 99.0).abs() < 1e-9);
        assert!((max - 100.0).abs() < 1e-9);
    }
}
