//! Knobs by name (`orders.batch_size`, `db.pooler`): one widget per knob, chosen by
//! the knob's unit, shared by the challenge panel (its allowed ranges) and free play's
//! "More knobs" (each property's sensible range). A change is sent as
//! `Command::SetKnob`, which restarts the run for knobs that cannot change live.

use crate::app::command::Command;
use crate::sim::config::SimConfig;
use crate::sim::knobs::{self, Unit};
use bevy_egui::egui::{self, RichText};

/// A slider's range and step; `None` takes the property's free-play default.
#[derive(Clone, Copy, Default)]
pub struct Bounds {
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub step: Option<f64>,
}

/// The widget of knob `name`; returns the value to set when the user changed it.
/// Nothing is drawn for a name the configuration does not have.
pub fn named_knob_ui(ui: &mut egui::Ui, config: &SimConfig, name: &str, bounds: &Bounds) -> Option<String> {
    let id = knobs::resolve(config, name).ok()?;
    let unit = id.unit();
    match unit {
        Unit::Toggle => {
            let mut on = id.current(config) == "on";
            let changed = ui.checkbox(&mut on, name).on_hover_text(id.help()).changed();
            changed.then(|| if on { "on" } else { "off" }.to_string())
        }
        Unit::Name { of, or_none } => {
            let current = id.current(config);
            let mut chosen = current.clone();
            egui::ComboBox::from_label(name).selected_text(&current).show_ui(ui, |ui| {
                if or_none {
                    ui.selectable_value(&mut chosen, "none".to_string(), "none");
                }
                for n in of.names(config) {
                    ui.selectable_value(&mut chosen, n.to_string(), n);
                }
            });
            (chosen != current).then_some(chosen)
        }
        Unit::Choice(words) => {
            let current = id.current(config);
            let mut chosen = current.clone();
            egui::ComboBox::from_label(name).selected_text(&current).show_ui(ui, |ui| {
                for w in words {
                    ui.selectable_value(&mut chosen, w.to_string(), *w);
                }
            });
            (chosen != current).then_some(chosen)
        }
        _ => {
            let (free_min, free_max) = (id.knob.range)(config);
            let (lo, hi) = (bounds.min.unwrap_or(free_min), bounds.max.unwrap_or(free_max));
            let current = id.current_number(config);
            let mut value = current.unwrap_or(lo).clamp(lo, hi);
            ui.horizontal(|ui| {
                // A value that may be none or off (reserved concurrency, a pooler, lazy
                // init): a switch first.
                let mut on = current.is_some();
                let switched =
                    matches!(unit, Unit::CountOrNone | Unit::FractionOrOff) && ui.checkbox(&mut on, "").changed();
                let mut slider = egui::Slider::new(&mut value, lo..=hi).text(name);
                if let Some(step) = bounds.step {
                    slider = slider.step_by(step);
                }
                slider = match unit {
                    Unit::Megabytes => slider.suffix(" MB"),
                    Unit::Duration => slider.suffix(" s").max_decimals(0),
                    Unit::Factor => slider.suffix("x"),
                    Unit::FractionOrOff => slider.max_decimals(2),
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
        let live = knobs::resolve(config, &name).is_ok_and(|id| id.is_live());
        ui.horizontal(|ui| {
            ui.label(RichText::new(if live { "live" } else { "    " }).small().monospace().weak());
            if let Some(value) = named_knob_ui(ui, config, &name, &Bounds::default()) {
                out.push(Command::SetKnob { name: name.clone(), value, challenge: false });
            }
        });
    }
    out
}
