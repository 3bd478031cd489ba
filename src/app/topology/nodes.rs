//! Node entities: a body, a name and a subtitle per node, and a badge
//! on functions counting refused and failed requests, kept in step with the simulation.

use super::graph::{Graph, NodeKind};
use super::layout::{PRESENTER_VIEW_720P, Style, body_rect, bounds_of, layout};
use super::routes::edge_routes;
use super::viewport::TopologyViewport;
use crate::app::AppSystems;
use crate::app::chaos::{FaultNode, fault_of};
use crate::app::playback::Playback;
use crate::app::theme::palette;
use crate::app::view_state::ViewState;
use crate::sim::Simulation;
use crate::sim::kernel::arrivals::Arrivals;
use bevy::prelude::*;
use bevy::sprite::Anchor;

pub(super) fn plugin(app: &mut App) {
    app.add_systems(Update, rebuild_topology.in_set(AppSystems::Rebuild))
        .add_systems(Update, (update_subtitles, update_badges).in_set(AppSystems::SyncView));
}

/// The scenario's graph and where its nodes are (world units, y up).
#[derive(Resource)]
pub struct Topology {
    pub graph: Graph,
    /// Each node's footprint (body and pool), indexed like `graph.nodes`.
    pub footprints: Vec<Rect>,
    /// The `Playback::scenario_generation` it was built for.
    pub scenario_generation: u32,
    /// The `Playback::generation` (run) it was last checked against.
    generation: u32,
    /// Presenter mode's compact nodes, or the working view's.
    pub style: Style,
    /// Each edge's path (indexed like `graph.edges`), around the nodes it would cross
    /// (`routes::edge_route`).
    pub edge_routes: Vec<Vec<Vec2>>,
}

/// Everything the topology spawns (bodies, texts, pools), so that opening another
/// scenario can despawn all of it and build the new one.
#[derive(Component)]
pub struct TopologyEntity;

impl Topology {
    pub fn body(&self, node: usize) -> Rect {
        body_rect(self.graph.nodes[node].kind, self.style, self.footprints[node])
    }

    /// The smallest rectangle holding every node.
    pub fn bounds(&self) -> Rect {
        bounds_of(&self.footprints)
    }
}

/// A node's body; `node` indexes `Topology::graph.nodes`.
#[derive(Component)]
pub struct TopologyNode {
    pub node: usize,
}

/// Marks the node of the simulation's function number `0`.
#[derive(Component)]
pub struct FunctionNode(pub usize);

/// The second line of a node's text (runtime and memory, or arrival rate).
#[derive(Component)]
struct Subtitle {
    kind: NodeKind,
    index: usize,
}

/// Throttles, errors and timeouts of a function, above its body; empty when none.
#[derive(Component)]
struct Badge(usize);

// The default font has no middle dot or bullet: separators are commas.

/// Builds the topology from the scenario's configuration at startup, again whenever
/// another scenario is opened, and after a restart whose configuration connects the
/// nodes otherwise (a trigger's `target` knob), or when presenter mode is switched.
fn rebuild_topology(
    mut commands: Commands,
    playback: Res<Playback>,
    topology: Option<ResMut<Topology>>,
    spawned: Query<Entity, With<TopologyEntity>>,
    mut view: ResMut<ViewState>,
    viewport: Option<Res<TopologyViewport>>,
) {
    let style = if view.compact() { Style::Presenter } else { Style::Normal };
    let graph = match topology {
        Some(t) if t.scenario_generation == playback.scenario_generation && t.style != style => t.graph.clone(),
        Some(mut t) if t.scenario_generation == playback.scenario_generation => {
            if t.generation == playback.generation {
                return;
            }
            // Not a change the camera should refit to.
            t.bypass_change_detection().generation = playback.generation;
            let graph = Graph::from_config(&playback.scenario.config);
            if graph == t.graph {
                return;
            }
            graph
        }
        _ => Graph::from_config(&playback.scenario.config),
    };
    // Node numbers mean other nodes now.
    view.selected_node = None;
    for entity in &spawned {
        commands.entity(entity).despawn();
    }
    // The view the panels measured, once they have (presenter mode's bands depend on
    // its shape).
    let view_size =
        viewport.map(|v| v.logical_size()).filter(|s| s.x >= 16.0 && s.y >= 16.0).unwrap_or(PRESENTER_VIEW_720P);
    spawn_nodes(&mut commands, &playback, graph, style, view_size);
}

fn spawn_nodes(commands: &mut Commands, playback: &Playback, graph: Graph, style: Style, view: Vec2) {
    let footprints = layout(&graph, style, view);
    let (scenario_generation, generation) = (playback.scenario_generation, playback.generation);
    let edge_routes = edge_routes(&graph, style, &footprints);
    let topology = Topology { graph, footprints, scenario_generation, generation, style, edge_routes };
    let metrics = style.metrics();
    for (id, node) in topology.graph.nodes.iter().enumerate() {
        let body = topology.body(id);
        let colour = match node.kind {
            NodeKind::Trigger(_) => palette::TRIGGER_BODY,
            NodeKind::Function => palette::FUNCTION_BODY,
            _ => palette::SERVICE_BODY,
        };
        // Text starts right of the icon drawn at the body's left end.
        let text_x = body.min.x + body.height() * 0.9;
        let mut entity = commands.spawn((
            TopologyEntity,
            TopologyNode { node: id },
            Sprite::from_color(colour, body.size()),
            Transform::from_translation(body.center().extend(0.0)),
        ));
        if node.kind == NodeKind::Function {
            entity.insert(FunctionNode(node.index));
        }
        // One line in presenter mode: the name, centred.
        let name_y = if metrics.subtitles { body.center().y + 13.0 } else { body.center().y };
        commands.spawn((
            TopologyEntity,
            Text2d::new(node.name.clone()),
            TextFont::from_font_size(metrics.name_size),
            TextColor(palette::TEXT),
            Anchor::CENTER_LEFT,
            Transform::from_xyz(text_x, name_y, 1.0),
        ));
        if metrics.subtitles {
            commands.spawn((
                TopologyEntity,
                Subtitle { kind: node.kind, index: node.index },
                Text2d::new(""),
                TextFont::from_font_size(metrics.small_size),
                TextColor(palette::TEXT_DIM),
                Anchor::CENTER_LEFT,
                Transform::from_xyz(text_x, body.center().y - 16.0, 1.0),
            ));
        }
        if node.kind == NodeKind::Function {
            commands.spawn((
                TopologyEntity,
                Badge(node.index),
                Text2d::new(""),
                TextFont::from_font_size(metrics.small_size),
                TextColor(palette::BADGE),
                // Centred: a badge wider than its node (a fault and a count) spills
                // half as far each side, into the gaps, instead of over the node to its left.
                Anchor::BOTTOM_CENTER,
                Transform::from_xyz(body.center().x, body.max.y + 4.0, 1.0),
            ));
        }
    }
    commands.insert_resource(topology);
}

/// A count short enough for a node's line at any traffic: exact below 10 000, then
/// cut (not rounded) to three figures: 12.3k, 153k, 1.2M, 153M, 4.2G.
pub(crate) fn compact_count(n: u64) -> String {
    let tenths = |unit: u64| format!("{}.{}", n / unit, n / (unit / 10) % 10);
    match n {
        0..=9_999 => n.to_string(),
        10_000..=99_999 => format!("{}k", tenths(1_000)),
        100_000..=999_999 => format!("{}k", n / 1_000),
        1_000_000..=9_999_999 => format!("{}M", tenths(1_000_000)),
        10_000_000..=999_999_999 => format!("{}M", n / 1_000_000),
        _ => format!("{}G", tenths(1_000_000_000)),
    }
}

/// A rate for a node's line: one decimal below 1 000 a second, then as a count.
fn compact_rate(rate: f64) -> String {
    if rate < 1_000.0 { format!("{rate:.1}/s") } else { format!("{}/s", compact_count(rate as u64)) }
}

pub(crate) fn subtitle(sim: &Simulation, kind: NodeKind, index: usize) -> String {
    let now = sim.now();
    let n = compact_count;
    match kind {
        NodeKind::Queue => {
            let q = &sim.queues()[index];
            format!("{} waiting, {} taken, {} to DLQ", n(q.depth()), n(q.in_flight.into()), n(q.counters.to_dlq))
        }
        NodeKind::Database => {
            let d = &sim.databases()[index];
            format!("{}/{} conns, {} refused", d.connections, d.spec.max_connections, n(d.counters.connection_errors))
        }
        NodeKind::Bus => {
            let b = &sim.buses()[index];
            format!("{} events, {} sent on", n(b.counters.published), n(b.counters.deliveries))
        }
        NodeKind::Bucket => {
            let b = &sim.buckets()[index];
            let warn = if b.counters.loops_stopped > 0 { ", LOOP!" } else { "" };
            format!("{} objects{warn}", n(b.counters.objects_created))
        }
        NodeKind::Stream => {
            let s = &sim.streams()[index];
            format!("{} shards, {:.0} s behind", s.spec.shards, s.iterator_age(now).as_secs_f64())
        }
        NodeKind::Workflow => {
            let w = &sim.workflows()[index];
            let done = w.counters.succeeded + w.counters.compensated + w.counters.failed;
            format!("{} running, {} done", n(w.running), n(done))
        }
        NodeKind::Api => {
            let a = &sim.apis()[index];
            format!("{} calls, {} refused (429)", n(a.counters.requests), n(a.counters.throttled))
        }
        NodeKind::Function => {
            let spec = &sim.functions()[index].model.spec;
            format!("{}, {} MB", spec.runtime.label(), spec.memory_mb)
        }
        NodeKind::Trigger(kind) => {
            let t = &sim.triggers()[index];
            let scale = t.arrivals.rate_scale;
            let shape = match t.arrivals.spec() {
                Arrivals::Poisson { rate } | Arrivals::Constant { rate } => compact_rate(rate * scale),
                _ => match t.arrivals.spec().peak_rate() * scale {
                    peak if peak < 1_000.0 => format!("up to {peak:.0}/s"),
                    peak => format!("up to {}", compact_rate(peak)),
                },
            };
            let kind = kind.word();
            if (scale - 1.0).abs() > 1e-9 {
                format!("{kind}, {shape} (x{scale:.1})")
            } else {
                format!("{kind}, {shape}")
            }
        }
    }
}

/// Writes only on change: rewriting text every frame would lay it out again.
fn set_if_changed(text: &mut Text2d, value: String) {
    if text.0 != value {
        text.0 = value;
    }
}

fn update_subtitles(playback: Res<Playback>, mut texts: Query<(&Subtitle, &mut Text2d)>) {
    for (s, mut text) in &mut texts {
        let mut line = subtitle(&playback.sim, s.kind, s.index);
        // A fault switched on (or scripted) is said first, on the node it hits (a
        // function's in its red badge above it).
        let node = match s.kind {
            NodeKind::Database => Some(FaultNode::Database),
            NodeKind::Trigger(_) => Some(FaultNode::Trigger),
            _ => None,
        };
        if let Some(fault) = node.and_then(|n| fault_of(&playback.sim, &playback.scenario, n, s.index)) {
            // The fault replaces the first part of the line (the node is narrow).
            let rest = line.split_once(", ").map_or(line.as_str(), |(_, rest)| rest);
            line = format!("{fault}, {rest}");
        }
        set_if_changed(&mut text, line);
    }
}

/// The badge says how many requests the function refused or lost, and why.
pub fn badge_text(sim: &Simulation, function: usize) -> String {
    let f = &sim.functions()[function];
    let mut parts = Vec::new();
    if f.lifetime_throttles > 0 {
        parts.push(format!("{} throttled", compact_count(f.lifetime_throttles)));
    }
    if f.counters.failed > 0 {
        let failed = f.counters.failed;
        parts.push(format!("{} error{}", compact_count(failed), if failed == 1 { "" } else { "s" }));
    }
    if f.counters.timed_out > 0 {
        parts.push(format!("{} timed out", compact_count(f.counters.timed_out)));
    }
    parts.join(", ")
}

fn update_badges(playback: Res<Playback>, mut badges: Query<(&Badge, &mut Text2d)>) {
    for (badge, mut text) in &mut badges {
        let mut line = badge_text(&playback.sim, badge.0);
        if let Some(fault) = fault_of(&playback.sim, &playback.scenario, FaultNode::Function, badge.0) {
            line = if line.is_empty() { fault } else { format!("{fault} | {line}") };
        }
        set_if_changed(&mut text, line);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_stay_short_at_any_traffic() {
        let cases = [
            (0, "0"),
            (9_999, "9999"),
            (10_000, "10.0k"),
            (99_999, "99.9k"),
            (143_755, "143k"),
            (1_000_000, "1.0M"),
            (4_194_304, "4.1M"),
            (153_241_000, "153M"),
            (u64::MAX, "18446744073.7G"),
        ];
        for (n, text) in cases {
            assert_eq!(compact_count(n), text, "{n}");
        }
        assert_eq!(compact_rate(2.0), "2.0/s");
        assert_eq!(compact_rate(150_000.0), "150k/s");
    }
}
