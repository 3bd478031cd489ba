//! Knobs by name (`orders.batch_size`, `db.pooler`): one widget per knob, chosen by
//! the knob's unit, shared by the challenge panel (its allowed ranges) and free play's
//! "More knobs" (each property's sensible range). A change is sent as
//! `Command::SetKnob`, which restarts the run for knobs that cannot change live.

use crate::app::command::Command;
use crate::sim::config::SimConfig;
use crate::sim::knob::{self, Unit};
use bevy_egui::egui::{self, RichText};

/// A slider's range and step; `None` takes the property's free-play default.
#[derive(Clone, Copy, Default)]
pub struct Bounds {
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub step: Option<f64>,
}

/// Slider ranges for free play, from the model's limits (DESIGN.md section 3): what
/// the configuration accepts, narrowed to what is worth sliding through.
fn free_bounds(property: &str) -> (f64, f64) {
    match property {
        "memory" => (128.0, 10_240.0),
        "package_mb" => (1.0, 250.0),
        "timeout" => (1.0, 900.0),
        "async_retries" => (0.0, 2.0),
        "batch_size" => (1.0, 100.0),
        "visibility_timeout" => (1.0, 3600.0),
        "max_receives" => (1.0, 20.0),
        "max_concurrency" => (2.0, 1000.0),
        "pooler" => (1.0, 500.0),
        "max_connections" => (10.0, 5000.0),
        "concurrency" => (10.0, 10_000.0),
        "provisioned" => (0.0, 200.0),
        "reserved" => (0.0, 1000.0),
        "keep_alive" => (1.0, 3600.0),
        _ => (0.0, 100.0),
    }
}

/// The widget of knob `name`; returns the value to set when the user changed it.
/// Nothing is drawn for a name the configuration does not have.
pub fn named_knob_ui(ui: &mut egui::Ui, config: &SimConfig, name: &str, bounds: &Bounds) -> Option<String> {
    let id = knob::resolve(config, name).ok()?;
    let unit = id.unit();
    match unit {
        Unit::Toggle => {
            let mut on = knob::current(config, id) == "on";
            let changed = ui.checkbox(&mut on, name).on_hover_text(id.help()).changed();
            changed.then(|| if on { "on" } else { "off" }.to_string())
        }
        Unit::Choice(words) => {
            let current = knob::current(config, id);
            let mut chosen = current.clone();
            egui::ComboBox::from_label(name).selected_text(&current).show_ui(ui, |ui| {
                for w in words {
                    ui.selectable_value(&mut chosen, w.to_string(), *w);
                }
            });
            (chosen != current).then_some(chosen)
        }
        _ => {
            let (free_min, free_max) = free_bounds(id.property());
            let (lo, hi) = (bounds.min.unwrap_or(free_min), bounds.max.unwrap_or(free_max));
            let current = knob::current_number(config, id);
            let mut value = current.unwrap_or(lo).clamp(lo, hi);
            ui.horizontal(|ui| {
                // A count that may be none (reserved concurrency, a pooler): a switch first.
                let mut on = current.is_some();
                let switched = unit == Unit::CountOrNone && ui.checkbox(&mut on, "").changed();
                let mut slider = egui::Slider::new(&mut value, lo..=hi).text(name);
                if let Some(step) = bounds.step {
                    slider = slider.step_by(step);
                }
                slider = match unit {
                    Unit::Megabytes => slider.suffix(" MB"),
                    Unit::Duration => slider.suffix(" s").max_decimals(0),
                    Unit::Factor => slider.suffix("x"),
                    _ => slider.max_decimals(0),
                };
                let response = ui.add_enabled(on, slider.logarithmic(hi / lo.max(1.0) > 20.0)).on_hover_text(id.help());
                // Applied when the drag ends: a change may restart the run.
                let done = response.drag_stopped() || (response.changed() && !response.dragged());
                match () {
                    _ if switched && !on => Some("none".to_string()),
                    _ if switched || done => Some(match unit {
                        Unit::Duration => format!("{}s", value.round()),
                        Unit::Count | Unit::CountOrNone => format!("{}", value.round()),
                        _ => format!("{value}"),
                    }),
                    _ => None,
                }
            })
            .inner
        }
    }
}

/// Free play's further knobs: the function's timeout, idempotency, runtime,
/// architecture, package and retries; each queue's consumer and dead-letter settings;
/// each database's pooler and limit; whether each trigger sends; the account's limit.
pub fn more_knobs_ui(ui: &mut egui::Ui, config: &SimConfig, function: usize) -> Vec<Command> {
    let mut names = Vec::new();
    if let Some(f) = config.functions.get(function) {
        for property in ["timeout", "idempotency", "runtime", "architecture", "package_mb", "async_retries"] {
            names.push(format!("{}.{property}", f.name));
        }
    }
    for q in &config.queues {
        for property in ["batch_size", "max_concurrency", "visibility_timeout", "max_receives", "dlq"] {
            names.push(format!("{}.{property}", q.name));
        }
    }
    for d in &config.databases {
        names.push(format!("{}.pooler", d.name));
        names.push(format!("{}.max_connections", d.name));
    }
    for t in &config.triggers {
        names.push(format!("{}.enabled", t.name()));
    }
    names.push("account.concurrency".to_string());
    ui.label(RichText::new("Knobs marked live apply at once; the others restart the run.").weak().small());
    let mut out = Vec::new();
    for name in names {
        let live = knob::resolve(config, &name).is_ok_and(|id| knob::is_live(id.property()));
        ui.horizontal(|ui| {
            ui.label(RichText::new(if live { "live" } else { "    " }).small().monospace().weak());
            if let Some(value) = named_knob_ui(ui, config, &name, &Bounds::default()) {
                out.push(Command::SetKnob { name: name.clone(), value, challenge: false });
            }
        });
    }
    out
}
