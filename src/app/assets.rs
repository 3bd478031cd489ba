//! Where the app's fonts and icons come from (natively a folder on disk, in the browser
//! `assets/` beside the page), and what it says when there is none.

use bevy::asset::AssetPlugin;
use bevy::prelude::default;
#[cfg(not(target_arch = "wasm32"))]
use std::path::PathBuf;

/// Where the fonts and icons are read from: `$FAASLAB_ASSETS`, else an `assets` folder
/// beside the program, else the checkout it was built from (`cargo run`, or the binary
/// in its target folder). The web build fetches them from `assets/` beside the page.
pub(super) fn plugin() -> AssetPlugin {
    // No `.meta` files: asking for them costs the browser a 404 (a console error) per file.
    let plain = AssetPlugin { meta_check: bevy::asset::AssetMetaCheck::Never, ..default() };
    #[cfg(not(target_arch = "wasm32"))]
    {
        let beside_program = std::env::current_exe().ok().and_then(|p| Some(p.parent()?.join("assets")));
        let candidates = [
            std::env::var_os("FAASLAB_ASSETS").map(PathBuf::from),
            beside_program,
            Some(PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/assets"))),
        ];
        match assets_dir(candidates.into_iter().flatten().collect()) {
            Ok(dir) => return AssetPlugin { file_path: dir.display().to_string(), ..plain },
            // Bevy then reports each missing file; this says why, once, and what to do.
            Err(message) => eprintln!("{message}"),
        }
    }
    plain
}

/// The first of `candidates` that is a folder, or a message naming where none was.
#[cfg(not(target_arch = "wasm32"))]
fn assets_dir(candidates: Vec<PathBuf>) -> Result<PathBuf, String> {
    if let Some(dir) = candidates.iter().find(|d| d.is_dir()) {
        return Ok(dir.clone());
    }
    let places: Vec<String> = candidates.iter().map(|d| d.display().to_string()).collect();
    Err(format!(
        "faaslab: no assets folder (its fonts and node icons) at {}: the app draws with egui's and \
         Bevy's built-in fonts and plain shapes instead. Set FAASLAB_ASSETS to the assets folder of a \
         faaslab checkout, or put one beside the program.",
        places.join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::assets_dir;
    #[test]
    fn the_assets_folder_is_the_first_that_exists_and_a_missing_one_is_named() {
        let here = std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/assets"));
        let nowhere = std::path::PathBuf::from("/nonexistent/faaslab/assets");
        let file = std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml"));
        assert_eq!(assets_dir(vec![nowhere.clone(), file.clone(), here.clone()]), Ok(here));
        let message = assets_dir(vec![nowhere, file]).unwrap_err();
        assert!(message.contains("/nonexistent/faaslab/assets, "), "{message}");
        assert!(message.contains("Cargo.toml: the app draws"), "a file is no folder: {message}");
        assert!(message.contains("FAASLAB_ASSETS"), "{message}");
    }
}
