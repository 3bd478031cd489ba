//! Recording the topology as an animated GIF (issue 17), for slides and chat: the
//! Charts tab's GIF button (`Command::Export(Export::TopologyGif)`) plays the run and
//! captures the topology's part of the window ten times a real second until ten more
//! simulated seconds have passed (at most 150 frames), each frame scaled down to at
//! most 640 px wide; then `gif::encode` writes the file (natively in the export folder,
//! in the browser a download).

use super::command::{Command, Export};
use super::export::{ExportDir, ExportNotice, slug, write_bytes};
use super::gif;
use super::playback::Playback;
use super::topology::viewport::TopologyViewport;
use crate::sim::kernel::time::{SimDuration, SimTime};
use bevy::prelude::*;
use bevy::render::render_resource::TextureFormat;
use bevy::render::view::screenshot::{Screenshot, ScreenshotCaptured};
use std::sync::{Arc, Mutex};

/// Simulated seconds a recording covers.
pub const SIMULATED_SECONDS: u64 = 10;
/// Captures a real second, and the frame delay that plays them back at that pace.
const FRAMES_PER_SECOND: f64 = 10.0;
const MOST_FRAMES: usize = 150;
/// The widest a recorded frame is: chat and slides do not need more.
const MOST_WIDTH: u32 = 640;
/// Real seconds to wait for captures still on their way before writing what came.
const GRACE_SECONDS: f64 = 5.0;

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<Recording>().add_systems(Update, record.after(super::AppSystems::ApplyCommands));
}

/// A recording under way, if any.
#[derive(Resource, Default)]
pub struct Recording(Option<Active>);

struct Active {
    until: SimTime,
    next_capture: f64,
    requested: usize,
    /// Set when the last frame was asked for (real seconds).
    finished_at: Option<f64>,
    frames: Arc<Mutex<Vec<RecordedFrame>>>,
    path: String,
}

/// One captured frame, already cropped and scaled: RGBA rows.
pub struct RecordedFrame {
    pub width: u32,
    pub height: u32,
    pub rgba: Vec<u8>,
}

#[allow(clippy::too_many_arguments)]
fn record(
    mut commands: Commands,
    mut read: MessageReader<Command>,
    mut recording: ResMut<Recording>,
    mut playback: ResMut<Playback>,
    viewport: Option<Res<TopologyViewport>>,
    time: Res<Time<Real>>,
    mut notice: ResMut<ExportNotice>,
    dir: Res<ExportDir>,
) {
    let now = time.elapsed_secs_f64();
    for command in read.read() {
        if !matches!(command, Command::Export(Export::TopologyGif)) || recording.0.is_some() {
            continue;
        }
        let name = format!("faaslab-{}-{:.0}s.gif", slug(&playback.scenario.name), playback.sim.now().as_secs_f64());
        let path = dir.0.join(name).display().to_string();
        recording.0 = Some(Active {
            until: playback.sim.now() + SimDuration::from_secs(SIMULATED_SECONDS),
            next_capture: now,
            requested: 0,
            finished_at: None,
            frames: Arc::default(),
            path,
        });
        playback.playing = true;
        let text = format!("Recording the next {SIMULATED_SECONDS} simulated seconds of the topology...");
        notice.0 = Some((text, now));
    }
    let Some(active) = &mut recording.0 else { return };
    let crop = viewport.map(|v| (v.position, v.size)).filter(|(_, size)| size.x >= 16 && size.y >= 16);
    let over = playback.sim.now() >= active.until || playback.sim.is_finished() || active.requested >= MOST_FRAMES;
    if !over && now >= active.next_capture {
        if let Some((position, size)) = crop {
            let frames = active.frames.clone();
            commands.spawn(Screenshot::primary_window()).observe(move |captured: On<ScreenshotCaptured>| {
                if let Some(frame) = frame_of(&captured.image, position, size) {
                    frames.lock().expect("only the observer writes").push(frame);
                }
            });
            active.requested += 1;
        }
        active.next_capture += 1.0 / FRAMES_PER_SECOND;
    }
    if !over {
        return;
    }
    let finished_at = *active.finished_at.get_or_insert(now);
    let captured = active.frames.lock().expect("not poisoned").len();
    if captured < active.requested && now - finished_at < GRACE_SECONDS {
        return;
    }
    let frames = std::mem::take(&mut *active.frames.lock().expect("not poisoned"));
    let text = match write_gif(&active.path, &frames) {
        Ok(path) => format!("Saved {path} ({} frames)", frames.len()),
        Err(e) => e,
    };
    notice.0 = Some((text, now));
    recording.0 = None;
}

/// The frames as a GIF file at `path` (every frame the first one's size).
fn write_gif(path: &str, frames: &[RecordedFrame]) -> Result<String, String> {
    let Some(first) = frames.first() else {
        return Err("Nothing was recorded: the window drew no frame of the topology".into());
    };
    let same: Vec<gif::Frame> = frames
        .iter()
        .filter(|f| f.width == first.width && f.height == first.height)
        .map(|f| gif::Frame { rgba: &f.rgba })
        .collect();
    let delay = (100.0 / FRAMES_PER_SECOND) as u16;
    let bytes = gif::encode(first.width as u16, first.height as u16, &same, delay);
    write_bytes(path, &bytes, "image/gif")
}

/// The part of a window capture at `position` (`size`, physical pixels), as RGBA,
/// averaged down by a whole factor until it is at most `MOST_WIDTH` wide.
fn frame_of(image: &Image, position: UVec2, size: UVec2) -> Option<RecordedFrame> {
    let data = image.data.as_ref()?;
    let (width, height) = (image.width(), image.height());
    if data.len() < (width * height * 4) as usize {
        return None;
    }
    let bgra = matches!(image.texture_descriptor.format, TextureFormat::Bgra8Unorm | TextureFormat::Bgra8UnormSrgb);
    let pixel = |x: u32, y: u32| {
        let i = ((y * width + x) * 4) as usize;
        let p = &data[i..i + 4];
        if bgra { [p[2], p[1], p[0]] } else { [p[0], p[1], p[2]] }
    };
    Some(scaled(position, size.min(UVec2::new(width, height).saturating_sub(position)), pixel))
}

/// The rectangle at `position` of `size`, averaged over `factor` x `factor` blocks.
fn scaled(position: UVec2, size: UVec2, pixel: impl Fn(u32, u32) -> [u8; 3]) -> RecordedFrame {
    let factor = size.x.div_ceil(MOST_WIDTH).max(1);
    let (out_w, out_h) = ((size.x / factor).max(1), (size.y / factor).max(1));
    let mut rgba = Vec::with_capacity((out_w * out_h * 4) as usize);
    for oy in 0..out_h {
        for ox in 0..out_w {
            let mut sum = [0u32; 3];
            for dy in 0..factor {
                for dx in 0..factor {
                    let p = pixel(position.x + ox * factor + dx, position.y + oy * factor + dy);
                    (0..3).for_each(|c| sum[c] += p[c] as u32);
                }
            }
            let n = factor * factor;
            rgba.extend_from_slice(&[(sum[0] / n) as u8, (sum[1] / n) as u8, (sum[2] / n) as u8, 255]);
        }
    }
    RecordedFrame { width: out_w, height: out_h, rgba }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wide_view_is_cropped_and_averaged_down_to_640_px() {
        // A 1300x40 view at (10, 5): a factor of 3 gives 433x13; each output pixel is the
        // mean of its 3x3 block (x + y of the source, in the red channel).
        let frame = scaled(UVec2::new(10, 5), UVec2::new(1300, 40), |x, y| [((x + y) % 256) as u8, 7, 9]);
        assert_eq!((frame.width, frame.height), (433, 13));
        assert_eq!(frame.rgba.len(), 433 * 13 * 4);
        // Block (0, 0): x 10..13, y 5..8: mean of x + y = 11 + 6 = 17.
        assert_eq!(&frame.rgba[..4], &[17, 7, 9, 255]);
        // A view narrow enough stays whole.
        assert_eq!(scaled(UVec2::ZERO, UVec2::new(640, 2), |_, _| [0, 0, 0]).width, 640);
    }

    #[test]
    fn an_empty_recording_says_so_instead_of_writing_a_broken_file() {
        let error = write_gif("/nonexistent/never.gif", &[]).unwrap_err();
        assert!(error.starts_with("Nothing was recorded"), "{error}");
    }

    #[test]
    fn a_recording_writes_a_gif_of_its_frames() {
        let path = std::env::temp_dir().join(format!("faaslab-recording-{}.gif", std::process::id()));
        let frames: Vec<RecordedFrame> = (0..3)
            .map(|k| scaled(UVec2::ZERO, UVec2::new(20, 10), |x, _| if x < 5 * k { [255, 0, 0] } else { [0, 0, 0] }))
            .collect();
        let saved = write_gif(&path.display().to_string(), &frames).unwrap();
        let bytes = std::fs::read(&saved).unwrap();
        assert_eq!(&bytes[..6], b"GIF89a");
        // Three image descriptors after the header, palette and loop extension.
        let images = bytes.windows(10).filter(|w| w[0] == 0x2C && w[5..9] == [20, 0, 10, 0]).count();
        assert_eq!(images, 3);
        std::fs::remove_file(saved).ok();
    }
}
