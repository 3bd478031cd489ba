//! Free play's knobs: memory, provisioned and reserved concurrency and keep-alive of
//! one function, each trigger's arrival rate, and "More knobs" by name. Each change is
//! sent as a knob by name; a refused change shows its reason here.

use crate::app::command::Command;
use crate::app::context::{Panel, PanelContext};
use crate::app::theme::knob::{Bounds, named_knob_ui};
use crate::app::theme::widgets::{error_ui, long_list_ui};
use crate::sim::Simulation;
use crate::sim::config::SimConfig;
use crate::sim::function::{KeepAlive, MAX_MEMORY_MB, MIN_MEMORY_MB};
use crate::sim::knobs;
use crate::sim::knobs::{MAX_KEEP_ALIVE, RATE_SCALE_RANGE};
use crate::sim::trigger::{TargetKind, TriggerState};
use bevy_egui::egui::{self, RichText};

/// Nodes of a kind listed with a widget each at most: every widget is laid out every
/// frame, and 20 000 triggers' sliders made each frame of the app take seconds.
const MAX_LISTED: usize = 50;

/// Which function the knobs act on.
#[derive(Default)]
pub struct KnobsPanel {
    function: usize,
    /// The function selected on the canvas when last seen: a new selection moves the
    /// knobs to it, while the combo box stays free to pick another.
    followed: Option<usize>,
}

impl KnobsPanel {
    /// The live knobs of `sim` (run A's, or the comparison's B); `selected`: the
    /// function selected in the topology, if any. Returns the changes, as (knob name,
    /// value).
    pub fn knobs_ui(&mut self, ui: &mut egui::Ui, sim: &Simulation, selected: Option<usize>) -> Vec<(String, String)> {
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
            long_list_ui(ui, sim.functions().len(), |ui, i| {
                ui.selectable_value(function, i, sim.functions()[i].name());
            });
        });
        let spec = &sim.functions()[f].model.spec;
        let mut set = |property: &str, value: String| out.push((format!("{}.{property}", spec.name), value));
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
        let triggers = sim.triggers();
        // Thousands of sliders cost every frame: then those sending to this function.
        let listed: Vec<_> = if triggers.len() <= MAX_LISTED {
            triggers.iter().collect()
        } else {
            let name = spec.name.as_str();
            let sends_here =
                |t: &&TriggerState| t.spec.target_kind() == TargetKind::Function && t.spec.target() == name;
            let own: Vec<_> = triggers.iter().filter(sends_here).take(MAX_LISTED).collect();
            let text = format!("{} triggers: those sending to {name} (pick another function above)", triggers.len());
            ui.label(RichText::new(text).weak().small());
            own
        };
        for t in listed {
            let mut scale = t.arrivals.rate_scale;
            let range = *RATE_SCALE_RANGE.start()..=*RATE_SCALE_RANGE.end();
            let slider = egui::Slider::new(&mut scale, range).logarithmic(true).suffix("x").text(t.spec.name());
            if ui.add(slider).changed() {
                out.push((format!("{}.rate", t.spec.name()), scale.to_string()));
            }
        }
        out
    }
}

impl Panel for KnobsPanel {
    /// Run A's knobs (run B's are in the A/B tab).
    fn ui(&mut self, ui: &mut egui::Ui, cx: &mut PanelContext) {
        let p = cx.playback;
        for (name, value) in self.knobs_ui(ui, &p.sim, cx.selected_function()) {
            cx.send(Command::SetKnob { name, value, challenge: false });
        }
        error_ui(ui, p.last_error.as_deref());
        egui::CollapsingHeader::new("More knobs").show(ui, |ui| {
            for (name, value) in more_knobs_ui(ui, p.sim.config(), self.function) {
                cx.send(Command::SetKnob { name, value, challenge: false });
            }
        });
    }
}

/// Free play's further knobs: the function's timeout, idempotency, runtime,
/// architecture, package and retries; each queue's consumer and dead-letter settings;
/// each database's pooler and limit; whether each trigger sends; the account's limit.
/// Returns the changes, as (knob name, value).
fn more_knobs_ui(ui: &mut egui::Ui, config: &SimConfig, function: usize) -> Vec<(String, String)> {
    let mut names = Vec::new();
    if let Some(f) = config.functions.get(function) {
        for property in ["timeout", "idempotency", "runtime", "architecture", "package_mb", "async_retries"] {
            names.push(format!("{}.{property}", f.name));
        }
    }
    for q in config.queues.iter().take(MAX_LISTED) {
        for property in ["batch_size", "max_concurrency", "visibility_timeout", "max_receives", "dlq"] {
            names.push(format!("{}.{property}", q.name));
        }
    }
    for d in config.databases.iter().take(MAX_LISTED) {
        names.push(format!("{}.pooler", d.name));
        names.push(format!("{}.max_connections", d.name));
    }
    for t in config.triggers.iter().take(MAX_LISTED) {
        names.push(format!("{}.enabled", t.name()));
    }
    names.push("account.concurrency".to_string());
    ui.label(RichText::new("Knobs marked live apply at once; the others restart the run.").weak().small());
    let lists =
        [("queues", config.queues.len()), ("databases", config.databases.len()), ("triggers", config.triggers.len())];
    for (plural, total) in lists.into_iter().filter(|&(_, total)| total > MAX_LISTED) {
        let text = format!("{plural}: the first {MAX_LISTED} of {total}");
        ui.label(RichText::new(text).weak().small());
    }
    let mut out = Vec::new();
    for name in names {
        let live = knobs::resolve(config, &name).is_ok_and(|id| id.is_live());
        ui.horizontal(|ui| {
            ui.label(RichText::new(if live { "live" } else { "    " }).small().monospace().weak());
            if let Some(value) = named_knob_ui(ui, config, &name, &Bounds::default()) {
                out.push((name.clone(), value));
            }
        });
    }
    out
}
