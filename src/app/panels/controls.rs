//! The top bar: play, pause, step, speed, restart, the clock, presenter mode and help;
//! the timeline under it (back to any earlier time); and the colour legend shared by
//! the topology and the charts.

use crate::app::command::{Command, SPEEDS, STEP};
use crate::app::context::{Panel, PanelContext};
use crate::app::playback::Playback;
use crate::app::theme::palette;
use crate::app::theme::widgets::swatches_ui;
use crate::sim::kernel::time::SimTime;
use bevy_egui::egui::{self, Color32, RichText};

/// Play, step, restart, speed, the clock, presenter mode and help. Lays itself out in
/// the caller's row (which also holds the scenario picker).
pub struct Controls;

impl Panel for Controls {
    fn ui(&mut self, ui: &mut egui::Ui, cx: &mut PanelContext) {
        let p = cx.playback;
        let label = if p.playing { "⏸ Pause" } else { "▶ Play" };
        if ui.button(label).on_hover_text("space").clicked() {
            cx.send(Command::TogglePlay);
        }
        // Presenter mode keeps to one line at 1280 px: the rest has its keys.
        let presenter = cx.view.compact();
        if !presenter && ui.button("Step").on_hover_text("100 simulated ms (.)").clicked() {
            cx.send(Command::Step(STEP));
        }
        if ui.button("⟲ Restart").on_hover_text("r: same seed, knobs kept").clicked() {
            cx.send(Command::Restart { new_seed: false });
        }
        if !presenter && ui.button("New seed").clicked() {
            cx.send(Command::Restart { new_seed: true });
        }
        ui.separator();
        ui.add(egui::Label::new("Speed").extend()).on_hover_text("+ and -: simulated seconds per real second");
        for s in SPEEDS.into_iter().filter(|&s| !presenter || PRESENTER_SPEEDS.contains(&s)) {
            if ui.selectable_label((p.speed - s).abs() < 1e-9, format!("{s}x")).clicked() {
                cx.send(Command::SetSpeed(s));
            }
        }
        ui.separator();
        let (now, end) = (clock(p.sim.now().as_secs_f64(), true), clock(p.sim.end().as_secs_f64(), false));
        // Labels here never wrap: in this wrapping row a label cut at the window's edge
        // split the clock over two lines ("t" and "= 0:00.5 / 30:00"); whole, it moves down.
        let clock_text = RichText::new(format!("t = {now} / {end}")).monospace().strong();
        ui.add(egui::Label::new(clock_text).extend()).on_hover_text(format!(
            "simulated time {} of {}",
            p.sim.now(),
            p.sim.end()
        ));
        if p.falling_behind {
            let text = RichText::new("falling behind: simulated time runs slower than asked").color(Color32::YELLOW);
            ui.add(egui::Label::new(text).extend());
        }
        if p.sim.is_finished() {
            ui.add(egui::Label::new(RichText::new("finished").color(Color32::LIGHT_GREEN)).extend())
                .on_hover_text("the run reached its end: Restart, or drag the timeline back");
        }
        ui.separator();
        if !cx.view.narrow {
            ui.toggle_value(&mut cx.view.presenter, "Presenter")
                .on_hover_text("f: large text, the topology fills the screen");
        }
        if !presenter {
            ui.toggle_value(&mut cx.view.help, "Help").on_hover_text("?: the keyboard shortcuts");
        }
    }
}

/// The speeds presenter mode offers as buttons (`+` and `-` step through them all).
const PRESENTER_SPEEDS: [f64; 4] = [1.0, 10.0, 100.0, 1000.0];

/// The timeline under the top bar, the window's width: the run from zero to its end,
/// filled up to now, with a line under it as far as the run has been played; dragging
/// goes to that time (no further than that line), and play goes on from there.
pub struct Timeline;

impl Panel for Timeline {
    fn ui(&mut self, ui: &mut egui::Ui, cx: &mut PanelContext) {
        if let Some(to) = timeline_ui(ui, cx.playback) {
            cx.send(Command::Seek(to));
        }
    }
}

/// The time asked for, if the slider moved.
fn timeline_ui(ui: &mut egui::Ui, p: &Playback) -> Option<SimTime> {
    let end = p.sim.end().as_secs_f64();
    let furthest = p.tape.furthest.as_secs_f64();
    let mut at = p.sim.now().as_secs_f64();
    let changes = p.tape.changes().len();
    let mut hover = format!(
        "drag back to any earlier time (← and → keys: 10 s) and play on from there: the same run. \
         Reached so far: {}",
        clock(furthest, true)
    );
    if changes > 0 {
        let changes = crate::report::count(changes as u64, "knob change", "knob changes");
        hover += &format!("; your {changes} of this run happen again where you made them");
    }
    let slider = ui
        .scope(|ui| {
            ui.spacing_mut().slider_width = ui.available_width().max(60.0);
            ui.add(egui::Slider::new(&mut at, 0.0..=end).show_value(false).trailing_fill(true)).on_hover_text(hover)
        })
        .inner;
    // Under the track: how far the run has been played (the slider goes no further).
    let (rect, reached) = (slider.rect, (furthest / end.max(1e-9)).clamp(0.0, 1.0) as f32);
    let y = rect.bottom() - 1.0;
    let line = [egui::pos2(rect.left(), y), egui::pos2(rect.left() + rect.width() * reached, y)];
    ui.painter().line_segment(line, egui::Stroke::new(2.0, palette::REACHED));
    slider.changed().then(|| SimTime::from_secs_f64(at.min(furthest)))
}

/// Simulated time as a short clock (`3:20.4`, `1:02:03`): the top bar stays one line.
fn clock(secs: f64, tenths: bool) -> String {
    let tenths_total = (secs * 10.0).floor() as u64;
    let (s, tenth) = (tenths_total / 10, tenths_total % 10);
    let (h, m, s) = (s / 3600, (s / 60) % 60, s % 60);
    let whole = if h > 0 { format!("{h}:{m:02}:{s:02}") } else { format!("{m}:{s:02}") };
    if tenths { format!("{whole}.{tenth}") } else { whole }
}

/// The colours of environments and requests, as the topology and charts use them.
pub struct Legend;

impl Panel for Legend {
    fn ui(&mut self, ui: &mut egui::Ui, _: &mut PanelContext) {
        let c = palette::egui;
        ui.horizontal_wrapped(|ui| {
            ui.label(RichText::new("Environments:").strong());
            let environments = [
                (c(palette::INITIALIZING), "starting (cold)"),
                (c(palette::BUSY), "busy"),
                (c(palette::IDLE), "idle, warm"),
                (c(palette::PROVISIONED), "provisioned"),
            ];
            swatches_ui(ui, &environments, false, false);
            ui.separator();
            ui.label(RichText::new("Requests:").strong());
            let requests = [
                (c(palette::WARM), "warm"),
                (c(palette::COLD), "cold start"),
                (c(palette::THROTTLED), "throttled (429)"),
                (c(palette::FAILED), "error / timeout"),
                (c(palette::RETRIED), "retried"),
            ];
            swatches_ui(ui, &requests, true, false);
        });
    }
}

#[cfg(test)]
mod tests {
    use super::clock;

    #[test]
    fn the_clock_is_short_and_exact() {
        assert_eq!(clock(200.05, true), "3:20.0");
        assert_eq!(clock(599.99, true), "9:59.9");
        assert_eq!(clock(600.0, false), "10:00");
        assert_eq!(clock(3723.0, false), "1:02:03");
    }
}
