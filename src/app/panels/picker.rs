//! The scenario picker: the built-in library with each scenario's summary, and (native
//! only) a path field to open a .ron file from disk. Opening one sends a command; the
//! playback and the topology start over on it. A brief also offers "New design", which
//! opens the design canvas (app/design) on an empty design for it.

use crate::app::command::Command;
use crate::app::command::Export;
use crate::app::context::{Panel, PanelContext};
use crate::app::progress::mark;
use crate::app::theme::palette;
use crate::scenario::{LIBRARY, Scenario};
use bevy_egui::egui::{self, RichText};

/// A library scenario, parsed once (the library is tested valid, but a broken one must
/// only grey out its line, not stop the app).
struct LibraryEntry {
    name: &'static str,
    scenario: Result<Scenario, String>,
}

#[derive(Default)]
pub struct ScenarioPicker {
    /// Parsed on first show.
    library: Vec<LibraryEntry>,
    /// The path typed in the "open a file" field.
    #[cfg_attr(target_arch = "wasm32", allow(dead_code))]
    path: String,
    /// Why the last file could not be opened.
    #[cfg_attr(target_arch = "wasm32", allow(dead_code))]
    error: Option<String>,
}

impl Panel for ScenarioPicker {
    fn ui(&mut self, ui: &mut egui::Ui, cx: &mut PanelContext) {
        let p = cx.playback;
        if self.library.is_empty() {
            self.library = LIBRARY
                .iter()
                .map(|(name, text)| LibraryEntry {
                    name,
                    scenario: Scenario::parse(text, &format!("built-in scenario {name}")).map_err(|e| e.to_string()),
                })
                .collect();
        }
        let mut chosen = None;
        let mut new_design = None;
        // Long names would push the controls onto a second line.
        let mut name: String = p.scenario.name.chars().take(32).collect();
        if name.len() < p.scenario.name.len() {
            name.push_str("...");
        }
        let title = format!("Scenario: {name}");
        ui.menu_button(RichText::new(title).strong(), |ui| {
            ui.set_max_width(460.0);
            ui.label(RichText::new("Built-in scenarios").strong());
            if progress_ui(ui, cx, &self.library) {
                ui.close();
            }
            for entry in &self.library {
                match &entry.scenario {
                    Ok(scenario) => {
                        let current = scenario.name == p.scenario.name;
                        let title = RichText::new(entry.name).strong();
                        ui.horizontal(|ui| {
                            if ui.selectable_label(current, title).on_hover_text(&scenario.description).clicked() {
                                chosen = Some(scenario.clone());
                            }
                            if let Some((short, long)) = mark(&cx.progress.progress, entry.name) {
                                ui.label(RichText::new(short).color(palette::PASS)).on_hover_text(long);
                            } else if scenario.challenge.is_some() {
                                ui.weak("challenge");
                            }
                        });
                        if !scenario.summary.is_empty() {
                            ui.label(RichText::new(&scenario.summary).small());
                        }
                        if entry.name.starts_with("brief-")
                            && ui
                                .button("✏ New design")
                                .on_hover_text("draw your own system for this brief on the design canvas")
                                .clicked()
                        {
                            new_design = Some(entry.name.to_string());
                        }
                    }
                    Err(e) => {
                        ui.label(RichText::new(entry.name).strikethrough()).on_hover_text(e);
                    }
                }
                ui.add_space(2.0);
            }
            #[cfg(not(target_arch = "wasm32"))]
            if let Some(scenario) = self.file_ui(ui) {
                chosen = Some(scenario);
            }
            if chosen.is_some() || new_design.is_some() {
                ui.close();
            }
        });
        if let Some(brief) = new_design {
            cx.send(Command::NewDesign { brief });
        }
        if let Some(scenario) = chosen {
            cx.send(Command::OpenScenario(Box::new(scenario)));
        }
    }
}

/// Challenges passed out of the library's, stars, and the export button; true when the
/// button was clicked (the menu then closes).
fn progress_ui(ui: &mut egui::Ui, cx: &mut PanelContext, library: &[LibraryEntry]) -> bool {
    let challenges: Vec<&str> =
        library.iter().filter(|e| e.scenario.as_ref().is_ok_and(|s| s.challenge.is_some())).map(|e| e.name).collect();
    let book = &cx.progress.progress;
    let passed = challenges.iter().filter(|n| book.get(n).is_some()).count();
    let stars = challenges.iter().filter(|n| book.get(n).is_some_and(|c| c.star)).count();
    let mut export = false;
    ui.horizontal(|ui| {
        ui.label(format!("Challenges passed: {passed} of {} (★ {stars})", challenges.len()))
            .on_hover_text("a pass in challenge mode counts (free play does not); ★: cheaper than the reference");
        export = ui.small_button("Export progress").on_hover_text("the record as JSON").clicked();
    });
    if export {
        cx.send(Command::Export(Export::ProgressJson));
    }
    export
}

impl ScenarioPicker {
    /// A path field and an Open button; the file's problems show under them.
    #[cfg(not(target_arch = "wasm32"))]
    fn file_ui(&mut self, ui: &mut egui::Ui) -> Option<Scenario> {
        ui.separator();
        ui.label("Or a .ron file:");
        let mut open = false;
        ui.horizontal(|ui| {
            let field = ui.add(egui::TextEdit::singleline(&mut self.path).hint_text("path/to/scenario.ron"));
            let entered = field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
            open = ui.button("Open").clicked() || entered;
        });
        if open {
            match Scenario::load(std::path::Path::new(self.path.trim())) {
                Ok(scenario) => {
                    self.error = None;
                    return Some(scenario);
                }
                Err(e) => self.error = Some(e.to_string()),
            }
        }
        if let Some(error) = &self.error {
            ui.label(RichText::new(error).color(palette::ERROR_TEXT).small());
        }
        None
    }
}
