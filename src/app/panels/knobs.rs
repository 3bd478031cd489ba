//! Live knobs: memory, provisioned and reserved concurrency and keep-alive of one
//! function, and each trigger's arrival rate. They return commands; a refused change
//! shows its reason here.

use crate::app::command::{Command, Knob};
use crate::sim::Simulation;
use crate::sim::function::{KeepAlive, MAX_MEMORY_MB, MIN_MEMORY_MB};
use crate::sim::kernel::time::SimDuration;
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
    /// `command`: what a change becomes (a knob of run A, or of the comparison's B).
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        sim: &Simulation,
        last_error: Option<&str>,
        selected: Option<usize>,
        command: fn(Knob) -> Command,
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
        let mut memory = spec.memory_mb;
        let slider = egui::Slider::new(&mut memory, MIN_MEMORY_MB..=MAX_MEMORY_MB).logarithmic(true).suffix(" MB");
        if ui.add(slider.text("memory")).changed() {
            out.push(command(Knob::Memory { function: f, mb: memory }));
        }
        let mut provisioned = spec.provisioned_concurrency;
        let most = spec.reserved_concurrency.unwrap_or(200).min(200);
        if ui.add(egui::Slider::new(&mut provisioned, 0..=most).text("provisioned")).changed() {
            out.push(command(Knob::Provisioned { function: f, count: provisioned }));
        }
        ui.horizontal(|ui| {
            let mut reserved_on = spec.reserved_concurrency.is_some();
            let mut reserved = spec.reserved_concurrency.unwrap_or(spec.provisioned_concurrency.max(10));
            let toggled = ui.checkbox(&mut reserved_on, "reserved").changed();
            let moved =
                ui.add_enabled(reserved_on, egui::Slider::new(&mut reserved, 0..=1000).logarithmic(true)).changed();
            if toggled || moved {
                let reserved = reserved_on.then_some(reserved);
                out.push(command(Knob::Reserved { function: f, reserved }));
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
            let keep = SimDuration::from_secs_f64(keep_secs.round());
            out.push(command(Knob::KeepAlive { function: f, keep }));
        }
        ui.add_space(4.0);
        ui.label(RichText::new("Arrival rate (x as written)").strong());
        for (i, t) in sim.triggers().iter().enumerate() {
            let mut scale = t.arrivals.rate_scale;
            let range = *RATE_SCALE_RANGE.start()..=*RATE_SCALE_RANGE.end();
            let slider = egui::Slider::new(&mut scale, range).logarithmic(true).suffix("x").text(t.spec.name());
            if ui.add(slider).changed() {
                out.push(command(Knob::RateScale { trigger: i, scale }));
            }
        }
        if let Some(error) = last_error {
            ui.colored_label(Color32::from_rgb(255, 120, 110), error);
        }
        out
    }
}
