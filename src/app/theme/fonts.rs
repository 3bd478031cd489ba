//! The app's fonts, files in the assets folder loaded through Bevy's asset server:
//! DejaVu Sans for the panels (regular weight, legible on a projector where egui's
//! built-in light face fades) and DejaVu Sans Mono for numbers and the topology's
//! labels. Until they have loaded, or when the folder is missing, egui's and Bevy's
//! built-in fonts draw everything: a missing file costs the look, never the app.

use crate::app::topology::nodes::TopologyEntity;
use bevy::prelude::*;
use bevy::text::FontSource;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};
use std::sync::Arc;

/// Paths inside the assets folder (assets/README.md says where each file came from).
pub const UI_FONT: &str = "fonts/DejaVuSans.ttf";
pub const MONO_FONT: &str = "fonts/DejaVuSansMono.ttf";

pub fn plugin(app: &mut App) {
    app.add_systems(Startup, load)
        .add_systems(EguiPrimaryContextPass, install_in_egui)
        .add_systems(Update, use_in_topology);
}

#[derive(Resource)]
struct AppFonts {
    ui: Handle<Font>,
    mono: Handle<Font>,
    /// Given to egui (once both have loaded).
    in_egui: bool,
}

fn load(mut commands: Commands, assets: Res<AssetServer>) {
    commands.insert_resource(AppFonts { ui: assets.load(UI_FONT), mono: assets.load(MONO_FONT), in_egui: false });
}

/// egui's families with the two faces first; its own fonts stay behind them for what
/// DejaVu lacks (the emoji and icons of some buttons).
fn install_in_egui(mut fonts: ResMut<AppFonts>, loaded: Res<Assets<Font>>, mut contexts: EguiContexts) {
    if fonts.in_egui {
        return;
    }
    let (Some(ui), Some(mono)) = (loaded.get(&fonts.ui), loaded.get(&fonts.mono)) else { return };
    let Ok(ctx) = contexts.ctx_mut() else { return };
    let mut definitions = egui::FontDefinitions::default();
    for (name, font, family) in
        [("DejaVu Sans", ui, egui::FontFamily::Proportional), ("DejaVu Sans Mono", mono, egui::FontFamily::Monospace)]
    {
        definitions.font_data.insert(name.into(), Arc::new(egui::FontData::from_owned(font.data.data().to_vec())));
        definitions.families.entry(family).or_default().insert(0, name.into());
    }
    ctx.set_fonts(definitions);
    fonts.in_egui = true;
}

/// The topology's texts in the monospaced face once it has loaded (presenter mode sizes
/// its bodies for a monospaced 0.6 em a character, which both faces have): all of them
/// in the frame it arrives, then those spawned since.
fn use_in_topology(
    fonts: Res<AppFonts>,
    loaded: Res<Assets<Font>>,
    mut arrived: Local<bool>,
    mut texts: Query<&mut TextFont, With<TopologyEntity>>,
) {
    if !loaded.contains(&fonts.mono) {
        return;
    }
    let all = !std::mem::replace(&mut *arrived, true);
    for mut text in &mut texts {
        if !all && !text.is_changed() {
            continue;
        }
        if !matches!(&text.font, FontSource::Handle(h) if *h == fonts.mono) {
            text.font = FontSource::Handle(fonts.mono.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{MONO_FONT, UI_FONT};

    /// Every file in assets/ is listed in its README with where it came from, and the
    /// fonts are TrueType files with their licence beside them.
    #[test]
    fn the_assets_are_fonts_with_their_licence_and_listed() {
        for path in [UI_FONT, MONO_FONT] {
            let bytes = std::fs::read(format!("assets/{path}")).expect("run from the crate root");
            assert_eq!(bytes[..4], [0, 1, 0, 0], "{path}: not a TrueType font");
        }
        let licence = std::fs::read_to_string("assets/fonts/LICENSE-DejaVu.txt").expect("the fonts' licence");
        assert!(licence.contains("Bitstream Vera") && licence.contains("public domain"));
        let readme = std::fs::read_to_string("assets/README.md").expect("assets/README.md");
        let mut files = Vec::new();
        for entry in std::fs::read_dir("assets").unwrap().chain(std::fs::read_dir("assets/fonts").unwrap()) {
            let path = entry.unwrap().path();
            if path.is_file() {
                files.push(path.strip_prefix("assets").unwrap().display().to_string());
            }
        }
        for file in files.iter().filter(|f| f.ends_with(".ttf") || f.ends_with(".png")) {
            assert!(readme.contains(&format!("`{file}`")), "assets/README.md does not list {file}");
        }
    }
}
