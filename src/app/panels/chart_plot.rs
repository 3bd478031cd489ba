//! How a chart is drawn: its title, its legend above the plot, and the plot itself,
//! curves smoothed over their faint raw values, limits dashed, the y axis ticked on
//! the 1-2-5 series; and what a chart draws (`ChartData`). `charts` says what each
//! chart shows.

use bevy_egui::egui::{self, Color32, RichText};
use egui_plot::{HLine, HoverPosition, Line, LineStyle, Plot, PlotPoints, uniform_grid_spacer};

/// One curve of a chart.
pub struct Curve {
    pub name: String,
    pub colour: Color32,
    pub points: Vec<[f64; 2]>,
    /// Drawn smoothed over the raw values (gauges and rates); cumulative curves are not.
    pub smooth: bool,
    pub dashed: bool,
}

/// What a chart draws: curves and horizontal limits (a concurrency or connection cap).
#[derive(Default)]
pub struct ChartData {
    pub curves: Vec<Curve>,
    pub limits: Vec<(String, f64, Color32)>,
    /// Which of many nodes the curves are (the legend says it after them).
    pub note: Option<String>,
}

/// A solid curve, drawn smoothed.
pub fn curve(name: impl Into<String>, colour: Color32, points: Vec<[f64; 2]>) -> Curve {
    Curve { name: name.into(), colour, points, smooth: true, dashed: false }
}

/// A centred moving average over `2 * half + 1` points (fewer at the ends).
pub fn smooth(points: &[[f64; 2]], half: usize) -> Vec<[f64; 2]> {
    (0..points.len())
        .map(|i| {
            let window = &points[i.saturating_sub(half)..(i + half + 1).min(points.len())];
            let mean = window.iter().map(|p| p[1]).sum::<f64>() / window.len() as f64;
            [points[i][0], mean]
        })
        .collect()
}

/// Points averaged over: enough to calm bucket-to-bucket noise, few enough to keep a
/// spike's shape.
const SMOOTHING_HALF_WINDOW: usize = 2;

/// A limit far above every curve would flatten them against the axis: below this share
/// of the limit it is named in the title instead of drawn.
const LIMIT_SHOWN_FROM: f64 = 0.1;

/// Draws one chart (`id` must be unique in the window); returns whether its title was clicked (to enlarge it, or back).
pub fn plot_ui(ui: &mut egui::Ui, id: &str, title: &str, unit: &'static str, mut data: ChartData, height: f32) -> bool {
    let peak = data.curves.iter().flat_map(|c| c.points.iter().map(|p| p[1])).fold(0.0, f64::max);
    let (drawn, far): (Vec<_>, Vec<_>) = data.limits.drain(..).partition(|(_, y, _)| peak >= y * LIMIT_SHOWN_FROM);
    data.limits = drawn;
    let mut title = title.to_string();
    for (name, y, _) in far {
        title += &format!(" ({name} {y:.0}, far above)");
    }
    let clicked = ui
        .add(egui::Label::new(RichText::new(title).strong()).sense(egui::Sense::click()))
        .on_hover_text("click to enlarge this chart, again to go back")
        .clicked();
    legend_ui(ui, &data);
    let hover = move |pos: &HoverPosition<'_>| match pos {
        HoverPosition::NearDataPoint { plot_name, position, .. } if !plot_name.is_empty() => {
            Some(format!("{plot_name}: {:.2} {unit}\nat {:.1} s", position.y, position.x))
        }
        _ => None,
    };
    let height = (height - ui.text_style_height(&egui::TextStyle::Small) - 4.0).max(60.0);
    Plot::new(id)
        .height(height)
        .x_axis_label("simulated seconds")
        .y_axis_label(unit)
        // Steps of 1, 2 or 5 times a power of ten, about four to the axis: a short
        // chart reads three or more labelled ticks, not a lone 0.
        .y_grid_spacer(uniform_grid_spacer(|input| nice_steps(input.bounds.1 - input.bounds.0)))
        .y_axis_formatter(|mark, _| tick_label(mark.value, mark.step_size))
        .include_y(0.0)
        // All zero so far: a unit range, so the axis has ticks to read, not a lone 0.
        .include_y(if peak > 0.0 { 0.0 } else { 1.0 })
        .label_formatter(hover)
        .show(ui, |plot| {
            for (name, y, colour) in data.limits {
                plot.hline(HLine::new(name, y).color(colour).style(LineStyle::dashed_dense()));
            }
            for c in data.curves {
                let style = if c.dashed { LineStyle::dashed_loose() } else { LineStyle::Solid };
                if c.smooth {
                    // First, so the legend takes its colour.
                    let smoothed = smooth(&c.points, SMOOTHING_HALF_WINDOW);
                    let line = Line::new(c.name.clone(), PlotPoints::from(smoothed));
                    plot.line(line.color(c.colour).width(2.5).style(style).allow_hover(false));
                    // The raw values: faint, and what hovering reads.
                    let raw = Line::new(c.name, PlotPoints::from(c.points));
                    plot.line(raw.color(c.colour.gamma_multiply(0.35)).width(1.0).style(style));
                } else {
                    plot.line(Line::new(c.name, PlotPoints::from(c.points)).color(c.colour).width(2.5).style(style));
                }
            }
        });
    clicked
}

/// Grid steps for an axis spanning `span`: the largest about a quarter of it, on the
/// 1-2-5 series, and a fifth and a twenty-fifth of it for the finer lines.
fn nice_steps(span: f64) -> [f64; 3] {
    let target = (span.abs() / 4.0).max(1e-9);
    let magnitude = 10f64.powf(target.log10().floor());
    let large = match target / magnitude {
        n if n < 1.5 => 1.0,
        n if n < 3.5 => 2.0,
        n if n < 7.5 => 5.0,
        _ => 10.0,
    } * magnitude;
    [large, large / 5.0, large / 25.0]
}

/// A tick's label with as many decimals as its step needs: 0.005 steps read 0.005,
/// 0.010, 0.015, not 0.00, 0.01, 0.01.
fn tick_label(value: f64, step: f64) -> String {
    let decimals = if step > 0.0 { (-step.log10().floor()).clamp(0.0, 9.0) as usize } else { 0 };
    format!("{value:.decimals$}")
}

/// The chart's legend, above the plot where it covers no data: each curve and limit
/// once, in its colour (limits dashed).
fn legend_ui(ui: &mut egui::Ui, data: &ChartData) {
    ui.horizontal_wrapped(|ui| {
        ui.spacing_mut().item_spacing.x = 10.0;
        for (name, colour, dashed) in legend_entries(data) {
            let mark = if dashed { "- -" } else { "—" };
            ui.label(RichText::new(format!("{mark} {name}")).small().color(colour));
        }
        if let Some(note) = &data.note {
            ui.label(RichText::new(format!("({note})")).small());
        }
    });
}

/// (name, colour, dashed) of every curve and limit, each name once.
fn legend_entries(data: &ChartData) -> Vec<(String, Color32, bool)> {
    let mut entries: Vec<(String, Color32, bool)> = Vec::new();
    let curves = data.curves.iter().map(|c| (&c.name, c.colour, c.dashed));
    let limits = data.limits.iter().map(|(name, _, colour)| (name, *colour, true));
    for (name, colour, dashed) in curves.chain(limits) {
        if !entries.iter().any(|(n, _, _)| n == name) {
            entries.push((name.clone(), colour, dashed));
        }
    }
    entries
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smoothing_averages_neighbours_and_keeps_times() {
        let points: Vec<[f64; 2]> = (0..5).map(|i| [i as f64, if i == 2 { 10.0 } else { 0.0 }]).collect();
        let s = smooth(&points, 1);
        assert_eq!(s.iter().map(|p| p[0]).collect::<Vec<_>>(), [0.0, 1.0, 2.0, 3.0, 4.0]);
        assert!((s[2][1] - 10.0 / 3.0).abs() < 1e-12);
        assert_eq!(s[0][1], 0.0);
        assert!((s[1][1] - 10.0 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn the_legend_lists_each_curve_and_limit_once_and_the_axis_is_ticked_1_2_5() {
        let data = ChartData {
            curves: vec![
                curve("p50", Color32::GREEN, vec![[1.0, 2.0]]),
                curve("p99", Color32::RED, vec![[1.0, 9.0]]),
                Curve { dashed: true, ..curve("p99", Color32::BLUE, vec![]) },
            ],
            limits: vec![("limit".into(), 10.0, Color32::YELLOW)],
            note: None,
        };
        // A quarter of the span on the 1-2-5 series: 0..1000 ms in steps of 200, 0..1 in 0.2.
        assert_eq!(nice_steps(1000.0)[0], 200.0);
        assert_eq!(nice_steps(100.0)[0], 20.0);
        assert_eq!(nice_steps(1.0)[0], 0.2);
        assert_eq!(nice_steps(40.0)[0], 10.0);
        for span in [0.003, 0.7, 13.0, 640.0, 2.5e6] {
            let ticks = span / nice_steps(span)[0];
            assert!((2.0..=8.0).contains(&ticks), "{span}: {ticks} labelled ticks");
        }
        assert_eq!(tick_label(0.015, 0.005), "0.015");
        assert_eq!(tick_label(400.0, 200.0), "400");
        assert_eq!(tick_label(0.4, 0.2), "0.4");
        let entries = legend_entries(&data);
        let names: Vec<&str> = entries.iter().map(|(n, _, _)| n.as_str()).collect();
        assert_eq!(names, ["p50", "p99", "limit"]);
        assert_eq!(entries[1].1, Color32::RED, "the first curve of a name gives its colour");
        assert!(entries[2].2, "limits are dashed");
    }
}
