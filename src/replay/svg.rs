//! The policy comparison as an SVG chart (`faaslab replay --policy ... --chart-out
//! FILE.svg`): the paper's axes, wasted memory time normalised to fixed 10-minute
//! keep-alive (x) against the 75th-percentile application cold-start percentage (y),
//! one marker series per policy family. Plain text, no dependency, byte-identical for
//! the same comparison.

use super::keepalive::PolicyComparison;
use super::policy::PolicyFamily;
use std::fmt::Write;

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 460.0;
const LEFT: f64 = 72.0;
const RIGHT: f64 = 24.0;
const TOP: f64 = 48.0;
const BOTTOM: f64 = 64.0;

/// Tick positions from 0 to at least `max`: steps of 1, 2 or 5 x 10^k, about 5 of them.
fn ticks(max: f64) -> Vec<f64> {
    let max = if max.is_finite() && max > 0.0 { max } else { 1.0 };
    let raw = max / 5.0;
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0].iter().map(|m| m * magnitude).find(|s| *s >= raw).unwrap_or(10.0 * magnitude);
    let n = (max / step).ceil() as usize;
    (0..=n).map(|i| i as f64 * step).collect()
}

fn label(x: f64) -> String {
    let s = format!("{x:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn style(family: PolicyFamily) -> (&'static str, &'static str) {
    match family {
        PolicyFamily::Fixed => ("#d62728", "circle"),
        PolicyFamily::Hybrid => ("#2ca02c", "square"),
        PolicyFamily::GreedyDual => ("#1f77b4", "triangle"),
    }
}

fn marker(out: &mut String, shape: &str, color: &str, x: f64, y: f64) {
    let _ = match shape {
        "circle" => writeln!(out, r#"<circle cx="{x:.1}" cy="{y:.1}" r="5" fill="{color}"/>"#),
        "square" => {
            writeln!(out, r#"<rect x="{:.1}" y="{:.1}" width="10" height="10" fill="{color}"/>"#, x - 5.0, y - 5.0)
        }
        _ => writeln!(
            out,
            r#"<polygon points="{:.1},{:.1} {:.1},{:.1} {:.1},{:.1}" fill="{color}"/>"#,
            x,
            y - 6.0,
            x - 6.0,
            y + 5.0,
            x + 6.0,
            y + 5.0
        ),
    };
}

/// The chart; `title` heads it (for example the trace's name).
pub fn chart(c: &PolicyComparison, title: &str) -> String {
    let x_ticks = ticks(c.results.iter().map(|r| r.wasted_memory_normalised).fold(0.0, f64::max) * 1.05);
    // A percentage: the axis stops at 100%.
    let y_ticks = ticks((c.results.iter().map(|r| r.p75_app_cold_start_percent).fold(0.0, f64::max) * 1.05).min(100.0));
    let (x_max, y_max) = (*x_ticks.last().unwrap_or(&1.0), *y_ticks.last().unwrap_or(&1.0));
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let px = |x: f64| LEFT + x / x_max * plot_w;
    let py = |y: f64| TOP + plot_h - y / y_max * plot_h;
    let mut out = String::new();
    let o = &mut out;
    let _ = writeln!(
        o,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(o, r#"<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>"#);
    let _ =
        writeln!(o, r#"<text x="{}" y="24" text-anchor="middle" font-size="14">{}</text>"#, WIDTH / 2.0, escape(title));
    // Grid, ticks and their labels.
    for &x in &x_ticks {
        let _ = writeln!(
            o,
            r##"<line x1="{0:.1}" y1="{TOP}" x2="{0:.1}" y2="{1:.1}" stroke="#e0e0e0"/><text x="{0:.1}" y="{2:.1}" text-anchor="middle">{3}</text>"##,
            px(x),
            TOP + plot_h,
            TOP + plot_h + 18.0,
            label(x)
        );
    }
    for &y in &y_ticks {
        let _ = writeln!(
            o,
            r##"<line x1="{LEFT}" y1="{0:.1}" x2="{1:.1}" y2="{0:.1}" stroke="#e0e0e0"/><text x="{2:.1}" y="{3:.1}" text-anchor="end">{4}%</text>"##,
            py(y),
            LEFT + plot_w,
            LEFT - 8.0,
            py(y) + 4.0,
            label(y)
        );
    }
    // Axes and their titles.
    let _ = writeln!(
        o,
        r#"<path d="M{LEFT},{TOP} V{:.1} H{:.1}" fill="none" stroke="black"/>"#,
        TOP + plot_h,
        LEFT + plot_w
    );
    let _ = writeln!(
        o,
        r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">Wasted memory time (normalised to fixed 10-minute keep-alive)</text>"#,
        LEFT + plot_w / 2.0,
        HEIGHT - 16.0
    );
    let _ = writeln!(
        o,
        r#"<text transform="translate(18,{:.1}) rotate(-90)" text-anchor="middle">App cold starts, 75th percentile (%)</text>"#,
        TOP + plot_h / 2.0
    );
    // One series per family: a line through its settings in order of memory, a marker
    // and a label at each.
    let families = [PolicyFamily::Fixed, PolicyFamily::Hybrid, PolicyFamily::GreedyDual];
    let mut legend_y = TOP + 12.0;
    for family in families {
        let mut points: Vec<(f64, f64, &str)> = c
            .results
            .iter()
            .filter(|r| r.family == family)
            .map(|r| (r.wasted_memory_normalised, r.p75_app_cold_start_percent, r.policy.as_str()))
            .collect();
        if points.is_empty() {
            continue;
        }
        points.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
        let (color, shape) = style(family);
        let path: Vec<String> = points.iter().map(|(x, y, _)| format!("{:.1},{:.1}", px(*x), py(*y))).collect();
        let _ =
            writeln!(o, r#"<polyline points="{}" fill="none" stroke="{color}" stroke-width="1.5"/>"#, path.join(" "));
        for (i, (x, y, name)) in points.iter().enumerate() {
            marker(o, shape, color, px(*x), py(*y));
            // Labels alternate above and below, so neighbours do not overwrite each other.
            let dy = if i % 2 == 0 { -7.0 } else { 16.0 };
            let _ = writeln!(
                o,
                r##"<text x="{:.1}" y="{:.1}" font-size="10" fill="#333">{}</text>"##,
                px(*x) + 7.0,
                py(*y) + dy,
                escape(name)
            );
        }
        let legend_x = LEFT + plot_w - 190.0;
        marker(o, shape, color, legend_x, legend_y);
        let _ = writeln!(o, r#"<text x="{:.1}" y="{:.1}">{}</text>"#, legend_x + 12.0, legend_y + 4.0, family.label());
        legend_y += 18.0;
    }
    out.push_str("</svg>\n");
    out
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_and_cover_the_maximum() {
        assert_eq!(ticks(1.0), vec![0.0, 0.2, 0.4, 0.6000000000000001, 0.8, 1.0]);
        assert_eq!(ticks(87.0), vec![0.0, 20.0, 40.0, 60.0, 80.0, 100.0]);
        assert_eq!(ticks(0.0), ticks(1.0));
        assert_eq!(label(0.6000000000000001), "0.6");
        assert_eq!(label(20.0), "20");
    }
}
