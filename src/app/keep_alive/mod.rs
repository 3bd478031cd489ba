//! The keep-alive policies tab (issue 15): `faaslab replay TRACE --policy ...` in the
//! app. Natively it reads a trace's invocations file (the Azure Functions 2019 schema),
//! compares fixed keep-alive, the hybrid histogram policy and greedy-dual on a thread of
//! its own, and plots what Shahrad et al. plot: each setting's 75th-percentile
//! application cold-start percentage against its wasted memory time, normalised to
//! fixed 10-minute keep-alive. The web build has no file system: it says how to run it.

use crate::app::context::{Panel, PanelContext};
use crate::replay::PolicyComparison;
use crate::replay::policy::PolicyFamily;
#[cfg(not(target_arch = "wasm32"))]
use crate::replay::policy::parse_policies;
use bevy::prelude::*;
use bevy_egui::egui::{self, Color32, RichText};
use egui_plot::{Corner, Legend, MarkerShape, Plot, PlotPoint, Points, Text};

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<PolicyTab>();
}

/// The settings the tab compares unless told otherwise: the README's, a little shorter.
#[cfg(not(target_arch = "wasm32"))]
const DEFAULT_POLICIES: &str = "fixed:5m,fixed:10m,fixed:20m,fixed:1h,fixed:2h,hybrid:1h,hybrid:2h,hybrid:4h,\
                                greedy-dual:4GB,greedy-dual:8GB,greedy-dual:16GB";
/// Where the sample of the trace sits beside this repository in its development set-up.
#[cfg(not(target_arch = "wasm32"))]
const SAMPLE: &str = "../shared/data/azure-functions-2019-sample/invocations.csv";

#[derive(Resource)]
pub struct PolicyTab {
    /// The invocations file (a durations.csv and memory.csv beside it are read too).
    #[cfg(not(target_arch = "wasm32"))]
    pub path: String,
    #[cfg(not(target_arch = "wasm32"))]
    pub policies: String,
    /// The comparison shown, or why there is none.
    pub result: Option<Result<PolicyComparison, String>>,
    /// Native: the comparison being computed.
    #[cfg(not(target_arch = "wasm32"))]
    job: Option<std::sync::Mutex<std::sync::mpsc::Receiver<Result<PolicyComparison, String>>>>,
    /// Native: the share of the comparison's trace time simulated so far, in millionths
    /// (a whole day takes minutes: a spinner alone said nothing of how long).
    #[cfg(not(target_arch = "wasm32"))]
    done: std::sync::Arc<std::sync::atomic::AtomicU32>,
}

// In the browser only `result` is left, and clippy would derive it; natively the path
// and the policies start filled in.
#[cfg_attr(target_arch = "wasm32", allow(clippy::derivable_impls))]
impl Default for PolicyTab {
    fn default() -> PolicyTab {
        PolicyTab {
            #[cfg(not(target_arch = "wasm32"))]
            path: SAMPLE.to_string(),
            #[cfg(not(target_arch = "wasm32"))]
            policies: DEFAULT_POLICIES.to_string(),
            result: None,
            #[cfg(not(target_arch = "wasm32"))]
            job: None,
            #[cfg(not(target_arch = "wasm32"))]
            done: Default::default(),
        }
    }
}

impl PolicyTab {
    /// Starts comparing (natively, on a thread: a whole day takes minutes).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn start(&mut self) {
        let policies = match parse_policies(&self.policies) {
            Ok(p) => p,
            Err(e) => {
                self.result = Some(Err(e));
                return;
            }
        };
        let invocations = std::path::PathBuf::from(self.path.trim());
        let (sender, receiver) = std::sync::mpsc::channel();
        let done = self.done.clone();
        done.store(0, std::sync::atomic::Ordering::Relaxed);
        std::thread::spawn(move || {
            let progress = |part: u64, whole: u64| {
                let millionths = (part as f64 / whole.max(1) as f64 * 1e6) as u32;
                done.fetch_max(millionths, std::sync::atomic::Ordering::Relaxed);
            };
            let beside = |name: &str| invocations.with_file_name(name);
            let companion = |name: &str| Some(beside(name)).filter(|p| p.exists());
            let (durations, memory) = (companion("durations.csv"), companion("memory.csv"));
            let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
            let result = crate::replay::load(&invocations, durations.as_deref(), memory.as_deref())
                .map_err(|e| e.to_string())
                .and_then(|trace| crate::replay::compare_policies(&trace, &policies, 1, threads, Some(&progress)));
            let _ = sender.send(result);
        });
        self.job = Some(receiver.into());
        self.result = None;
    }

    /// Takes the finished comparison, if it is.
    #[cfg(not(target_arch = "wasm32"))]
    fn collect(&mut self) {
        let Some(job) = &self.job else { return };
        let received = job.lock().ok().and_then(|r| r.try_recv().ok());
        if let Some(result) = received {
            self.result = Some(result);
            self.job = None;
        }
    }

    #[cfg(not(target_arch = "wasm32"))]
    fn running(&self) -> bool {
        self.job.is_some()
    }
}

fn colour(family: PolicyFamily) -> Color32 {
    match family {
        PolicyFamily::Fixed => Color32::from_rgb(120, 170, 255),
        PolicyFamily::Hybrid => Color32::from_rgb(255, 170, 60),
        PolicyFamily::GreedyDual => Color32::from_rgb(120, 220, 140),
    }
}

const TABLE_WIDTH: f32 = 500.0;

impl Panel for PolicyTab {
    fn ui(&mut self, ui: &mut egui::Ui, _cx: &mut PanelContext) {
        #[cfg(not(target_arch = "wasm32"))]
        self.collect();
        ui.horizontal_top(|ui| {
            ui.vertical(|ui| {
                ui.set_width(TABLE_WIDTH);
                controls_ui(ui, self);
                if let Some(Ok(c)) = &self.result {
                    table_ui(ui, c);
                }
            });
            ui.separator();
            if let Some(Ok(c)) = &self.result {
                chart_ui(ui, c);
            }
        });
    }
}

fn controls_ui(ui: &mut egui::Ui, tab: &mut PolicyTab) {
    ui.label(
        "How long should an idle environment be kept? Fixed keep-alive against the hybrid histogram \
         policy (Shahrad et al., USENIX ATC 2020) and greedy-dual (FaasCache, ASPLOS 2021) on a real trace.",
    );
    #[cfg(target_arch = "wasm32")]
    {
        let _ = tab;
        ui.label(
            RichText::new(
                "The browser cannot read trace files: run `faaslab replay invocations.csv --policy \
                 fixed:10m,hybrid,greedy-dual` or open this tab in the native app.",
            )
            .italics(),
        );
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        egui::Grid::new("policy-inputs").num_columns(2).show(ui, |ui| {
            ui.label("invocations file");
            ui.add(egui::TextEdit::singleline(&mut tab.path).desired_width(360.0));
            ui.end_row();
            ui.label("policies");
            ui.add(egui::TextEdit::singleline(&mut tab.policies).desired_width(360.0));
            ui.end_row();
        });
        ui.horizontal(|ui| {
            let label = if tab.running() { "Comparing…" } else { "Compare policies" };
            if ui.add_enabled(!tab.running(), egui::Button::new(RichText::new(label).strong())).clicked() {
                tab.start();
            }
            if tab.running() {
                let done = tab.done.load(std::sync::atomic::Ordering::Relaxed) as f32 / 1e6;
                ui.add(egui::ProgressBar::new(done).desired_width(200.0).show_percentage());
                ui.ctx().request_repaint();
            }
        });
    }
    if let Some(Err(e)) = &tab.result {
        ui.label(RichText::new(e).color(crate::app::theme::palette::ERROR_TEXT));
    }
}

fn table_ui(ui: &mut egui::Ui, c: &PolicyComparison) {
    ui.label(
        RichText::new(format!(
            "{} functions in {} apps, {} minutes, {} invocations; wasted memory relative to {}.",
            c.functions, c.apps, c.minutes, c.invocations, c.baseline
        ))
        .small(),
    );
    egui::ScrollArea::vertical().id_salt("policy-table").show(ui, |ui| {
        egui::Grid::new("policy-results").num_columns(4).striped(true).show(ui, |ui| {
            for title in ["setting", "p75 app cold starts", "wasted memory", "cold starts"] {
                ui.label(RichText::new(title).strong());
            }
            ui.end_row();
            for r in &c.results {
                ui.label(RichText::new(&r.policy).color(colour(r.family)).monospace());
                ui.label(RichText::new(format!("{:.1}%", r.p75_app_cold_start_percent)).monospace());
                ui.label(RichText::new(format!("{:.3}x", r.wasted_memory_normalised)).monospace());
                ui.label(RichText::new(format!("{} ({:.2}%)", r.cold_starts, r.cold_start_percent)).monospace());
                ui.end_row();
            }
        });
    });
}

/// Shahrad et al.'s figure: down and to the left is better.
fn chart_ui(ui: &mut egui::Ui, c: &PolicyComparison) {
    ui.vertical(|ui| {
        ui.label(RichText::new("75th-percentile app cold starts (%) against wasted memory (x fixed:10m)").strong());
        Plot::new("keep-alive-policies")
            .legend(Legend::default().position(Corner::LeftBottom))
            .x_axis_label("wasted memory time, relative to fixed:10m")
            .y_axis_label("p75 app cold starts (%)")
            .include_x(0.0)
            .include_y(0.0)
            .include_y(100.0)
            .show(ui, |plot| {
                for family in [PolicyFamily::Fixed, PolicyFamily::Hybrid, PolicyFamily::GreedyDual] {
                    let points: Vec<[f64; 2]> = c
                        .results
                        .iter()
                        .filter(|r| r.family == family)
                        .map(|r| [r.wasted_memory_normalised, r.p75_app_cold_start_percent])
                        .collect();
                    if points.is_empty() {
                        continue;
                    }
                    let shape = match family {
                        PolicyFamily::Fixed => MarkerShape::Circle,
                        PolicyFamily::Hybrid => MarkerShape::Diamond,
                        PolicyFamily::GreedyDual => MarkerShape::Square,
                    };
                    plot.points(Points::new(family.label(), points).shape(shape).radius(6.0).color(colour(family)));
                }
                for r in &c.results {
                    let at = PlotPoint::new(r.wasted_memory_normalised, r.p75_app_cold_start_percent);
                    let label = RichText::new(format!("  {}", r.policy)).small().color(colour(r.family));
                    // Unnamed: labels on the points, not entries in the legend.
                    plot.text(Text::new("", at, label).anchor(egui::Align2::LEFT_CENTER));
                }
            });
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two apps over a day-long hour: one invoked every 5 minutes, one every 30.
    fn trace() -> String {
        let minutes = 120;
        let header: Vec<String> = (1..=minutes).map(|m| m.to_string()).collect();
        let mut text = format!("HashOwner,HashApp,HashFunction,Trigger,{}\n", header.join(","));
        for (app, every) in [("often", 5), ("rarely", 30)] {
            let counts: Vec<&str> = (0..minutes).map(|m| if m % every == 0 { "1" } else { "0" }).collect();
            text.push_str(&format!("owner,{app},{app}-f,http,{}\n", counts.join(",")));
        }
        text
    }

    #[test]
    fn the_tab_compares_policies_on_a_trace_file_and_normalises_to_fixed_ten_minutes() {
        let dir = std::env::temp_dir().join(format!("faaslab-policy-tab-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("invocations.csv");
        std::fs::write(&path, trace()).unwrap();
        let mut tab =
            PolicyTab { path: path.display().to_string(), policies: "fixed:10m,fixed:1h".into(), ..default() };
        tab.start();
        for _ in 0..600 {
            tab.collect();
            if !tab.running() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let c = tab.result.clone().expect("finished").expect("compared");
        // The progress bar ended full: both settings simulated the whole trace.
        assert_eq!(tab.done.load(std::sync::atomic::Ordering::Relaxed), 1_000_000);
        assert_eq!(c.results.iter().map(|r| r.policy.as_str()).collect::<Vec<_>>(), ["fixed:10m", "fixed:1h"]);
        assert_eq!(c.results[0].wasted_memory_normalised, 1.0);
        // Every 5 minutes stays warm under both; every 30 minutes is cold under 10 minutes
        // (4 of 4 invocations) and warm after the first under an hour (1 of 4).
        assert_eq!(c.results[0].cold_starts, 1 + 4);
        assert_eq!(c.results[1].cold_starts, 1 + 1);
        // A bad policy string is said, not run.
        tab.policies = "fixed:-3m".into();
        tab.start();
        assert!(tab.result.as_ref().is_some_and(|r| r.as_ref().is_err_and(|e| e.contains("-3m"))));
        std::fs::remove_dir_all(dir).ok();
    }
}
