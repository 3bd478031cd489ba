//! What the viewer chose to see: which panels are open, presenter mode, the help
//! overlay. Shortcuts and panels change it; everything that draws reads it.

use bevy::prelude::*;

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<ViewState>();
}

/// The panels the number keys 1-9 toggle, in key order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PanelId {
    Scenario,
    Numbers,
    Knobs,
    Charts,
    Legend,
    EventLog,
}

impl PanelId {
    pub const ALL: [PanelId; 6] =
        [PanelId::Scenario, PanelId::Numbers, PanelId::Knobs, PanelId::Charts, PanelId::Legend, PanelId::EventLog];

    pub fn title(self) -> &'static str {
        match self {
            PanelId::Scenario => "Scenario",
            PanelId::Numbers => "Numbers",
            PanelId::Knobs => "Knobs",
            PanelId::Charts => "Charts, traces, log, A/B, tuning (bottom)",
            PanelId::Legend => "Legend",
            PanelId::EventLog => "Event log",
        }
    }
}

/// What the bottom panel shows (its tabs, left to right).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum BottomTab {
    #[default]
    Charts,
    Traces,
    Log,
    Compare,
    PowerTuning,
    KeepAlivePolicies,
}

impl BottomTab {
    pub const ALL: [BottomTab; 6] = [
        BottomTab::Charts,
        BottomTab::Traces,
        BottomTab::Log,
        BottomTab::Compare,
        BottomTab::PowerTuning,
        BottomTab::KeepAlivePolicies,
    ];

    /// Its name on the command line (`--tab power-tuning`).
    pub fn name(self) -> &'static str {
        match self {
            BottomTab::Charts => "charts",
            BottomTab::Traces => "traces",
            BottomTab::Log => "log",
            BottomTab::Compare => "compare",
            BottomTab::PowerTuning => "power-tuning",
            BottomTab::KeepAlivePolicies => "keep-alive-policies",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            BottomTab::Charts => "Charts",
            BottomTab::Traces => "Traces",
            BottomTab::Log => "Log",
            BottomTab::Compare => "A/B compare",
            BottomTab::PowerTuning => "Power tuning",
            BottomTab::KeepAlivePolicies => "Keep-alive policies",
        }
    }
}

impl std::str::FromStr for BottomTab {
    type Err = String;

    /// A tab by its name (see `name`).
    fn from_str(name: &str) -> Result<BottomTab, String> {
        BottomTab::ALL.into_iter().find(|tab| tab.name() == name).ok_or_else(|| {
            let names: Vec<&str> = BottomTab::ALL.map(BottomTab::name).to_vec();
            format!("no tab \"{name}\" (the tabs: {})", names.join(", "))
        })
    }
}

#[derive(Resource, Debug)]
pub struct ViewState {
    /// Indexed like `PanelId::ALL`: the working view's panels, and presenter mode's
    /// (none at first: the topology and the caption fill the screen; `1`-`9` open them).
    open: [bool; PanelId::ALL.len()],
    presenter_open: [bool; PanelId::ALL.len()],
    /// Large text and only the panels a class needs.
    pub presenter: bool,
    /// A phone's screen (under 560 points wide): the topology and one chart, read-only;
    /// the panels measure the window each frame and set it.
    pub narrow: bool,
    pub help: bool,
    /// The topology node whose details are shown (index into the graph's nodes).
    pub selected_node: Option<usize>,
    pub bottom_tab: BottomTab,
    /// The request whose trace the waterfall shows (its correlation id).
    pub selected_trace: Option<u64>,
}

impl Default for ViewState {
    fn default() -> Self {
        ViewState {
            open: [true, true, true, true, true, false],
            presenter_open: [false; PanelId::ALL.len()],
            presenter: false,
            narrow: false,
            help: false,
            selected_node: None,
            bottom_tab: BottomTab::Charts,
            selected_trace: None,
        }
    }
}

impl ViewState {
    fn slot(panel: PanelId) -> usize {
        PanelId::ALL.iter().position(|&p| p == panel).unwrap_or(0)
    }

    /// Whether a panel shows, in the mode shown (presenter mode has its own set; a
    /// phone's screen shows the charts only).
    pub fn is_open(&self, panel: PanelId) -> bool {
        if self.narrow {
            return panel == PanelId::Charts;
        }
        self.panels()[Self::slot(panel)]
    }

    /// Whether the topology is drawn compact (presenter mode, and a phone's screen).
    pub fn compact(&self) -> bool {
        self.presenter || self.narrow
    }

    pub fn toggle(&mut self, panel: PanelId) {
        let slot = Self::slot(panel);
        let panels = if self.presenter { &mut self.presenter_open } else { &mut self.open };
        panels[slot] = !panels[slot];
    }

    fn panels(&self) -> &[bool; PanelId::ALL.len()] {
        if self.presenter { &self.presenter_open } else { &self.open }
    }
}

#[cfg(test)]
mod tests {
    use super::BottomTab;

    #[test]
    fn every_tab_is_found_by_its_name() {
        for tab in BottomTab::ALL {
            assert_eq!(tab.name().parse::<BottomTab>(), Ok(tab));
        }
        assert!("charts ".parse::<BottomTab>().unwrap_err().contains("power-tuning"));
    }
}
