//! A knob by name (`orders.batch_size`, `db.pooler`) as a widget chosen by the knob's
//! unit, shared by the challenge panel (its allowed ranges) and free play's "More
//! knobs" (each property's sensible range).

use crate::sim::config::SimConfig;
use crate::sim::knobs::{self, Unit};
use bevy_egui::egui;

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
