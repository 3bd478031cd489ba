//! Live knobs: memory, provisioned and reserved concurrency and keep-alive of one
//! function, and each trigger's arrival rate. They return commands; a refused change
//! shows its reason here.

use crate::app::command::Command;
use crate::sim::Simulation;
use crate::sim::function::{KeepAlive, MAX_MEMORY_MB, MIN_MEMORY_MB};
use crate::sim::knobs::{MAX_KEEP_ALIVE, RATE_SCALE_RANGE};
use bevy_egui::egui::{self, Color32, RichText};

/// Which function the knobs act on.
#[derive(Default)]
pub struct KnobsPanel {
    function: usize,
    /// The function selected on the canvas when last seen: a new selection moves the
    /// knobs to it, while the combo box stays free to pick another.
    followed: Option<usize>,
}

impl KnobsPanel {
    /// The function the knobs act on.
    pub fn function(&self) -> usize {
        self.function
    }

    /// Knobs of `sim`; `selected`: the function selected in the topology, if any;
    /// `command`: what a change (knob name, value) becomes (a knob of run A, or of
    /// the comparison's B).
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        sim: &Simulation,
        last_error: Option<&str>,
        selected: Option<usize>,
        command: fn(String, String) -> Command,
    ) -> Vec<Command> {
        let Self { function, followed } = self;
        if selected != *followed {
            *followed = selected;
            if let Some(f) = selected {
                *function = f;
            }
        }
        let mut out = Vec::new();
        if sim.functions().is_empty() {
            ui.label("no functions");
            return out;
        }
        *function = (*function).min(sim.functions().len() - 1);
        let f = *function;
        egui::ComboBox::from_label("function").selected_text(sim.functions()[f].name()).show_ui(ui, |ui| {
            for (i, g) in sim.functions().iter().enumerate() {
                ui.selectable_value(function, i, g.name());
            }
        });
        let spec = &sim.functions()[f].model.spec;
        let mut set = |property: &str, value: String| out.push(command(format!("{}.{property}", spec.name), value));
        let mut memory = spec.memory_mb;
        let slider = egui::Slider::new(&mut memory, MIN_MEMORY_MB..=MAX_MEMORY_MB).logarithmic(true).suffix(" MB");
        if ui.add(slider.text("memory")).changed() {
            set("memory", memory.to_string());
        }
        let mut provisioned = spec.provisioned_concurrency;
        let most = spec.reserved_concurrency.unwrap_or(200).min(200);
        if ui.add(egui::Slider::new(&mut provisioned, 0..=most).text("provisioned")).changed() {
            set("provisioned", provisioned.to_string());
        }
        ui.horizontal(|ui| {
            let mut reserved_on = spec.reserved_concurrency.is_some();
            let mut reserved = spec.reserved_concurrency.unwrap_or(spec.provisioned_concurrency.max(10));
            let toggled = ui.checkbox(&mut reserved_on, "reserved").changed();
            let moved =
                ui.add_enabled(reserved_on, egui::Slider::new(&mut reserved, 0..=1000).logarithmic(true)).changed();
            if toggled || moved {
                set("reserved", if reserved_on { reserved.to_string() } else { "none".to_string() });
            }
        });
        let (mut keep_secs, random) = match &spec.keep_alive {
            KeepAlive::Fixed(d) => (d.as_secs_f64(), false),
            KeepAlive::Random(_) => (600.0, true),
        };
        let slider = egui::Slider::new(&mut keep_secs, 1.0..=MAX_KEEP_ALIVE.as_secs_f64())
            .logarithmic(true)
            .suffix(" s")
            .max_decimals(0)
            .text(if random { "keep-alive (now random)" } else { "keep-alive" });
        if ui.add(slider).changed() {
            set("keep_alive", format!("{}s", keep_secs.round()));
        }
        ui.add_space(4.0);
        ui.label(RichText::new("Arrival rate (x as written)").strong());
        for t in sim.triggers() {
            let mut scale = t.arrivals.rate_scale;
            let range = *RATE_SCALE_RANGE.start()..=*RATE_SCALE_RANGE.end();
            let slider = egui::Slider::new(&mut scale, range).logarithmic(true).suffix("x").text(t.spec.name());
            if ui.add(slider).changed() {
                out.push(command(format!("{}.rate", t.spec.name()), scale.to_string()));
            }
        }
        if let Some(error) = last_error {
            ui.colored_label(Color32::from_rgb(255, 120, 110), error);
        }
        out
    }
}
