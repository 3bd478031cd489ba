//! `faaslab gui`, and the app opened without a subcommand: its flags, turned into the
//! library's `GuiOptions`.

use super::load;
use faaslab::app::{BottomTab, GuiOptions};
use faaslab::design::DesignDoc;
use faaslab::scenario::Scenario;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Options of `faaslab gui`.
#[derive(clap::Args)]
pub struct GuiArgs {
    /// Save a screenshot of the window to this PNG file, then exit.
    #[arg(long)]
    screenshot: Option<PathBuf>,
    /// With --screenshot: how much simulated time to run first (for example "20s").
    #[arg(long, default_value_t = GuiOptions::default().after)]
    after: String,
    /// Simulated seconds per real second to start with.
    #[arg(long, default_value_t = GuiOptions::default().speed)]
    speed: f64,
    /// Start in presenter mode (large text, fewer panels; `f` toggles it).
    #[arg(long)]
    presenter: bool,
    /// Start with the keyboard shortcuts shown (`?` toggles them).
    #[arg(long)]
    show_shortcuts: bool,
    /// Start a challenge scenario in free play: every knob unlocked (the challenge is
    /// one click away).
    #[arg(long)]
    free_play: bool,
    /// Start an A/B comparison whose run B has this knob set (`api.memory=1024`);
    /// repeat for several knobs.
    #[arg(long, value_name = "NAME=VALUE")]
    compare_set: Vec<String>,
    /// Measure this many frames after a short warm-up, print frame and simulation
    /// times, then exit (for performance figures).
    #[arg(long, value_name = "FRAMES")]
    frame_stats: Option<usize>,
    /// The bottom panel's tab to start with (for screenshots of a given view).
    #[arg(long, default_value = GuiOptions::default().tab.name(), value_parser = tab_parser())]
    tab: BottomTab,
    /// Open a share link: the part after `#` of the link the app's Share button gives
    /// (its scenario, seed and knobs; SCENARIO is then ignored).
    #[arg(long, value_name = "FRAGMENT")]
    link: Option<String>,
    /// Open a design file (one that names a brief) on the design canvas, to go on
    /// drawing it; its brief plays beneath unless SCENARIO is given.
    #[arg(long, value_name = "FILE")]
    design: Option<PathBuf>,
    /// The window's size, WIDTHxHEIGHT in logical pixels (1280x720 is a common
    /// projector's; screenshots of presenter mode use it).
    #[arg(long, value_name = "WIDTHxHEIGHT", default_value = "1600x900", value_parser = window_size)]
    window: (u32, u32),
}

fn window_size(text: &str) -> Result<(u32, u32), String> {
    let wrong = || format!("expected WIDTHxHEIGHT in pixels, such as 1280x720; got {text:?}");
    let (w, h) = text.split_once(['x', 'X']).ok_or_else(wrong)?;
    Ok((w.trim().parse().map_err(|_| wrong())?, h.trim().parse().map_err(|_| wrong())?))
}

/// The tab's names as possible values (listed in `--help`, checked by clap).
fn tab_parser() -> impl clap::builder::TypedValueParser<Value = BottomTab> {
    use clap::builder::TypedValueParser;
    let names = BottomTab::ALL.map(BottomTab::name);
    clap::builder::PossibleValuesParser::new(names).try_map(|name| name.parse::<BottomTab>())
}

impl From<GuiArgs> for GuiOptions {
    fn from(args: GuiArgs) -> GuiOptions {
        GuiOptions {
            screenshot: args.screenshot,
            after: args.after,
            speed: args.speed,
            presenter: args.presenter,
            show_shortcuts: args.show_shortcuts,
            free_play: args.free_play,
            compare_set: args.compare_set,
            frame_stats: args.frame_stats,
            tab: args.tab,
            link: args.link,
            notice: None,
            design: args.design,
            window: args.window,
        }
    }
}

pub fn gui(scenario: Option<&PathBuf>, args: GuiArgs) -> Result<ExitCode, String> {
    faaslab::app::run(scenario_beneath(scenario, args.design.as_deref())?, args.into())
}

/// What plays beneath the canvas: the scenario named, else a design's brief (as the
/// picker's "New design" does; the default scenario's narration under a brief's design
/// was about something else), else the default scenario.
fn scenario_beneath(scenario: Option<&PathBuf>, design: Option<&Path>) -> Result<Scenario, String> {
    let (None, Some(design)) = (scenario, design) else { return load(scenario) };
    let doc = DesignDoc::load(design).map_err(|e| format!("--design: {e}"))?;
    Ok(doc.brief().clone())
}

/// The app with its default options (a web page has no command line: its address
/// says what to open).
pub fn open_default() -> Result<ExitCode, String> {
    #[cfg(target_arch = "wasm32")]
    return faaslab::app::web::open(GuiOptions::default());
    #[cfg(not(target_arch = "wasm32"))]
    faaslab::app::run(faaslab::scenario::Scenario::default_scenario(), GuiOptions::default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_design_opened_alone_plays_its_brief_beneath() {
        let design = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/designs/image-upload-reference.ron");
        let beneath = scenario_beneath(None, Some(&design)).expect("the design opens");
        assert_eq!(beneath.name, "Brief: image upload pipeline");
        let named = PathBuf::from("database-storm");
        assert_eq!(scenario_beneath(Some(&named), Some(&design)).unwrap().name, "Database connection storm");
        assert_eq!(scenario_beneath(None, None).unwrap().name, Scenario::default_scenario().name);
        let missing = scenario_beneath(None, Some(Path::new("/no/such/design.ron"))).unwrap_err();
        assert!(missing.starts_with("--design: /no/such/design.ron: cannot read the file"), "{missing}");
        // A directory is refused as a scenario file is, not read.
        let dir = scenario_beneath(None, Some(Path::new(env!("CARGO_MANIFEST_DIR")))).unwrap_err();
        assert!(dir.ends_with("it is a directory"), "{dir}");
    }
}
