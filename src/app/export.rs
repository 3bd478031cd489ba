//! Export from the app (issue 17): the charts' time series as CSV or JSON and the
//! window as a PNG, for slides and reports; the progress record across challenges as
//! JSON. The Charts tab and the picker send `Command::Export`; natively the files are
//! written in the working directory, in the browser they are downloads. What was written (or why not) shows for a few seconds.

use super::command::{Command, Export};
use super::playback::Playback;
use crate::report::export::{series_csv, series_json};
use bevy::prelude::*;
use bevy::render::view::screenshot::{Screenshot, save_to_disk};
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};

/// The exports (no window needed: the headless tests use it).
pub(super) fn plugin(app: &mut App) {
    app.init_resource::<ExportNotice>()
        .init_resource::<ExportDir>()
        .add_systems(Update, export.after(super::AppSystems::ApplyCommands));
}

/// The message after an export (needs egui).
pub(super) fn ui_plugin(app: &mut App) {
    app.add_systems(EguiPrimaryContextPass, notice_ui);
}

/// The last export's message and when it was given (real seconds since start).
#[derive(Resource, Default)]
pub struct ExportNotice(pub Option<(String, f64)>);

/// Where native exports are written: the working directory unless told otherwise.
#[derive(Resource)]
pub struct ExportDir(pub std::path::PathBuf);

impl Default for ExportDir {
    fn default() -> ExportDir {
        ExportDir(".".into())
    }
}

/// How long the message stays, in real seconds.
const NOTICE_SECS: f64 = 4.0;

/// `default` from "Cold starts: a small API" and so on: a file name's part.
pub(super) fn slug(name: &str) -> String {
    let words: Vec<String> = name
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(6)
        .map(str::to_lowercase)
        .collect();
    if words.is_empty() { "faaslab".into() } else { words.join("-") }
}

fn export(
    mut commands: Commands,
    mut read: MessageReader<Command>,
    playback: Res<Playback>,
    time: Res<Time<Real>>,
    mut notice: ResMut<ExportNotice>,
    dir: Res<ExportDir>,
    progress: Res<super::progress::ProgressState>,
) {
    for command in read.read() {
        let Command::Export(what) = command else { continue };
        let name = format!("faaslab-{}-{:.0}s", slug(&playback.scenario.name), playback.sim.now().as_secs_f64());
        let stem = dir.0.join(name).display().to_string();
        let result = match what {
            Export::SeriesCsv => write(&format!("{stem}-series.csv"), &series_csv(&playback.sim)),
            Export::SeriesJson => write(&format!("{stem}-series.json"), &series_json(&playback.sim)),
            // One file, the same whatever the run: the record, not the moment.
            Export::ProgressJson => {
                write(&dir.0.join("faaslab-progress.json").display().to_string(), &progress.progress.to_json())
            }
            Export::WindowPng => {
                let path = format!("{stem}.png");
                // Taken when this frame has been drawn (natively written, on the web downloaded).
                commands.spawn(Screenshot::primary_window()).observe(save_to_disk(path.clone()));
                Ok(path)
            }
            // The recording plugin takes it (and says so).
            Export::TopologyGif => continue,
        };
        let text = match result {
            Ok(path) => format!("Saved {path}"),
            Err(e) => e,
        };
        notice.0 = Some((text, time.elapsed_secs_f64()));
    }
}

fn write(path: &str, text: &str) -> Result<String, String> {
    write_bytes(path, text.as_bytes(), "text/plain;charset=utf-8")
}

/// Writes an export (natively a file, whose full path is returned; in the browser a
/// download of MIME type `kind`).
#[cfg(not(target_arch = "wasm32"))]
pub(super) fn write_bytes(path: &str, bytes: &[u8], _kind: &str) -> Result<String, String> {
    std::fs::write(path, bytes).map_err(|e| format!("could not write {path}: {e}"))?;
    Ok(std::fs::canonicalize(path).map_or(path.to_string(), |p| p.display().to_string()))
}

#[cfg(target_arch = "wasm32")]
pub(super) fn write_bytes(path: &str, bytes: &[u8], kind: &str) -> Result<String, String> {
    super::web::download_bytes(path, bytes, kind)?;
    Ok(path.to_string())
}

fn notice_ui(mut contexts: EguiContexts, notice: Res<ExportNotice>, time: Res<Time<Real>>) -> Result {
    let Some((text, at)) = &notice.0 else { return Ok(()) };
    if time.elapsed_secs_f64() - at > NOTICE_SECS {
        return Ok(());
    }
    let ctx = contexts.ctx_mut()?;
    egui::Area::new("export-notice".into())
        .order(egui::Order::Tooltip)
        .anchor(egui::Align2::CENTER_BOTTOM, egui::vec2(0.0, -24.0))
        .show(ctx, |ui| {
            egui::Frame::popup(ui.style()).show(ui, |ui| ui.label(text));
        });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_come_from_the_scenario_name() {
        assert_eq!(slug("Cold starts: a small API wakes up"), "cold-starts-a-small-api-wakes");
        assert_eq!(slug("???"), "faaslab");
    }

    #[test]
    fn the_charts_series_exports_as_csv_and_json_files() {
        let dir = std::env::temp_dir().join(format!("faaslab-export-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut app = crate::app::tests::headless(crate::scenario::Scenario::default_scenario(), 10.0);
        app.insert_resource(ExportDir(dir.clone()));
        for _ in 0..10 {
            app.update();
        }
        app.world_mut().write_message(Command::Export(Export::SeriesCsv));
        app.world_mut().write_message(Command::Export(Export::SeriesJson));
        app.update();
        let written: Vec<String> =
            std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        let csv = written.iter().find(|n| n.ends_with("-series.csv")).expect("a CSV file");
        assert!(csv.starts_with("faaslab-cold-starts-a-small-api-wakes-"), "{csv}");
        assert!(written.iter().any(|n| n.ends_with("-series.json")), "{written:?}");
        let text = std::fs::read_to_string(dir.join(csv)).unwrap();
        assert!(text.starts_with("start_s,width_s,arrivals,completed"));
        let notice = app.world().resource::<ExportNotice>().0.clone().expect("a message");
        assert!(notice.0.starts_with("Saved ") && notice.0.ends_with("-series.json"), "{notice:?}");
        std::fs::remove_dir_all(dir).ok();
    }
}
