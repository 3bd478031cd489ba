//! What is drawn with gizmos each frame: edges with arrow heads, node icons until their
//! files have loaded (a trigger's by its kind), and the requests as dots moving along the edges, coloured by
//! fate.

use super::graph::{NodeKind, TriggerKind};
use super::icons::{NodeIcons, icon_place};
use super::journeys::{Fate, Journeys, replay_lag};
use super::nodes::Topology;
use super::routes::point_along;
use crate::app::AppSystems;
use crate::app::playback::Playback;
use crate::app::theme::palette;
use crate::app::view_state::ViewState;
use bevy::prelude::*;

pub(super) fn plugin(app: &mut App) {
    // After SyncView: the topology and the journeys belong to the same scenario then.
    app.add_systems(Update, (draw_edges_and_icons, draw_requests).after(AppSystems::SyncView));
}

/// Dots drawn at most per frame; above that every n-th request is drawn.
const MAX_DOTS: usize = 1500;
const DOT_RADIUS: f32 = 7.0;

fn draw_edges_and_icons(
    mut gizmos: Gizmos,
    topology: Option<Res<Topology>>,
    view: Res<ViewState>,
    icons: Option<Res<NodeIcons>>,
    images: Res<Assets<Image>>,
) {
    let Some(topology) = topology else { return };
    for route in &topology.edge_routes {
        let [before @ .., last, end] = route.as_slice() else { continue };
        if !before.is_empty() {
            gizmos.linestrip_2d(route[..route.len() - 1].iter().copied(), palette::EDGE);
        }
        gizmos.arrow_2d(*last, *end, palette::EDGE).with_tip_length(18.0);
    }
    for (id, node) in topology.graph.nodes.iter().enumerate() {
        let body = topology.body(id);
        let (centre, r) = icon_place(body);
        // The icon's file draws it once loaded; until then (or without it) gizmos do.
        let from_file = icons.as_ref().is_some_and(|icons| icons.is_loaded(node.kind, &images));
        match node.kind {
            _ if from_file => {}
            NodeKind::Trigger(kind) => trigger_icon(&mut gizmos, kind, centre, r),
            NodeKind::Queue | NodeKind::Stream => {
                // Stacked messages (or records).
                for k in -1..=1 {
                    let y = centre.y + k as f32 * r * 0.55;
                    gizmos.rect_2d(Vec2::new(centre.x, y), Vec2::new(r * 1.6, r * 0.35), palette::TEXT);
                }
            }
            NodeKind::Database => {
                // A cylinder.
                gizmos.ellipse_2d(centre + Vec2::Y * r * 0.7, Vec2::new(r * 0.8, r * 0.25), palette::TEXT);
                gizmos.ellipse_2d(centre - Vec2::Y * r * 0.7, Vec2::new(r * 0.8, r * 0.25), palette::TEXT);
                gizmos.line_2d(
                    centre + Vec2::new(-r * 0.8, r * 0.7),
                    centre + Vec2::new(-r * 0.8, -r * 0.7),
                    palette::TEXT,
                );
                gizmos.line_2d(
                    centre + Vec2::new(r * 0.8, r * 0.7),
                    centre + Vec2::new(r * 0.8, -r * 0.7),
                    palette::TEXT,
                );
            }
            NodeKind::Bus => {
                // A line with stops.
                gizmos.line_2d(centre - Vec2::X * r, centre + Vec2::X * r, palette::TEXT);
                for k in -1..=1 {
                    gizmos.circle_2d(centre + Vec2::X * r * 0.8 * k as f32, r * 0.2, palette::TEXT);
                }
            }
            NodeKind::Bucket => {
                // A bucket: a trapezoid.
                let (a, b) = (Vec2::new(-r * 0.9, r * 0.7), Vec2::new(r * 0.9, r * 0.7));
                let (c, d) = (Vec2::new(r * 0.6, -r * 0.8), Vec2::new(-r * 0.6, -r * 0.8));
                gizmos.linestrip_2d([centre + a, centre + b, centre + c, centre + d, centre + a], palette::TEXT);
            }
            NodeKind::Workflow => {
                // Three steps joined.
                for k in -1..=1 {
                    gizmos.rect_2d(
                        centre + Vec2::new(k as f32 * r * 0.7, k as f32 * -r * 0.5),
                        Vec2::splat(r * 0.45),
                        palette::TEXT,
                    );
                }
            }
            NodeKind::Api => {
                // A plug: someone else's service behind a socket.
                gizmos.rect_2d(centre - Vec2::Y * r * 0.2, Vec2::new(r * 1.2, r * 0.9), palette::TEXT);
                for x in [-0.3, 0.3] {
                    gizmos.line_2d(
                        centre + Vec2::new(x * r, r * 0.25),
                        centre + Vec2::new(x * r, r * 0.9),
                        palette::TEXT,
                    );
                }
                gizmos.line_2d(centre - Vec2::Y * r * 0.65, centre - Vec2::Y * r, palette::TEXT);
            }
            NodeKind::Function => {
                // A lambda.
                let (top, bottom) = (centre + Vec2::new(-r * 0.5, r), centre + Vec2::new(r * 0.7, -r));
                gizmos.line_2d(top, bottom, palette::TEXT);
                gizmos.line_2d(top, top + Vec2::new(-r * 0.3, 0.0), palette::TEXT);
                gizmos.line_2d(centre + Vec2::new(0.05 * r, 0.0), centre + Vec2::new(-r * 0.7, -r), palette::TEXT);
            }
        }
        gizmos.rect_2d(body.center(), body.size(), palette::EDGE.with_alpha(0.6));
        if view.selected_node == Some(id) {
            for grow in [4.0, 6.0, 8.0] {
                gizmos.rect_2d(body.center(), body.size() + Vec2::splat(grow * 2.0), palette::SELECTED);
            }
        }
    }
}

/// A trigger's icon by its kind, in a circle of radius `r` around `centre`.
fn trigger_icon(gizmos: &mut Gizmos, kind: TriggerKind, centre: Vec2, r: f32) {
    let at = |x: f32, y: f32| centre + Vec2::new(x * r, y * r);
    match kind {
        TriggerKind::Http => {
            // A globe: the web.
            gizmos.circle_2d(centre, r, palette::TEXT);
            gizmos.ellipse_2d(centre, Vec2::new(r * 0.45, r), palette::TEXT);
            gizmos.line_2d(at(-1.0, 0.0), at(1.0, 0.0), palette::TEXT);
        }
        TriggerKind::Async | TriggerKind::Producer => {
            // An envelope: a message sent and not waited for.
            gizmos.rect_2d(centre, Vec2::new(r * 1.8, r * 1.2), palette::TEXT);
            gizmos.linestrip_2d([at(-0.9, 0.6), at(0.0, -0.1), at(0.9, 0.6)], palette::TEXT);
        }
        TriggerKind::Schedule => {
            // A clock.
            gizmos.circle_2d(centre, r, palette::TEXT);
            gizmos.linestrip_2d([at(0.0, 0.7), centre, at(0.5, 0.0)], palette::TEXT);
        }
        TriggerKind::Events => {
            // A lightning bolt: something happened.
            gizmos.linestrip_2d([at(0.3, 1.0), at(-0.4, 0.0), at(0.3, 0.0), at(-0.3, -1.0)], palette::TEXT);
        }
        TriggerKind::Upload => {
            // An arrow up onto a tray.
            gizmos.arrow_2d(at(0.0, -0.5), at(0.0, 1.0), palette::TEXT).with_tip_length(r * 0.6);
            gizmos.linestrip_2d([at(-0.9, -0.3), at(-0.9, -0.9), at(0.9, -0.9), at(0.9, -0.3)], palette::TEXT);
        }
        TriggerKind::Writes => {
            // A table: a grid of rows.
            gizmos.rect_2d(centre, Vec2::new(r * 1.8, r * 1.6), palette::TEXT);
            for y in [-0.27, 0.27] {
                gizmos.line_2d(at(-0.9, y), at(0.9, y), palette::TEXT);
            }
            gizmos.line_2d(at(-0.3, -0.8), at(-0.3, 0.8), palette::TEXT);
        }
        TriggerKind::Workflow => {
            // A play button: executions start.
            gizmos.circle_2d(centre, r, palette::TEXT);
            gizmos.linestrip_2d([at(-0.3, 0.5), at(0.5, 0.0), at(-0.3, -0.5), at(-0.3, 0.5)], palette::TEXT);
        }
    }
}

fn fate_colour(fate: Option<Fate>, cold: bool, retry: bool) -> Color {
    match fate {
        Some(Fate::Retried) => palette::RETRIED,
        Some(Fate::Warm) => palette::WARM,
        Some(Fate::ColdStart) => palette::COLD,
        Some(Fate::Throttled) => palette::THROTTLED,
        Some(Fate::Failed) => palette::FAILED,
        // Still running: a request that did not wait for a cold start started warm at
        // once (the engine starts warm requests in the arrival's own event).
        None if retry => palette::RETRIED,
        None if cold => palette::COLD,
        None => palette::WARM,
    }
}

fn draw_requests(
    mut gizmos: Gizmos,
    playback: Res<Playback>,
    journeys: Res<Journeys>,
    topology: Option<Res<Topology>>,
) {
    let Some(topology) = topology else { return };
    let sim = &playback.sim;
    // The edge into each function (from its first trigger: the log does not say which
    // trigger sent a request when several call the same function).
    let routes: Vec<Option<&[Vec2]>> = (topology.graph.first_edge_into_each_function(sim.functions().len()))
        .into_iter()
        .map(|edge| edge.map(|e| topology.edge_routes[e].as_slice()))
        .collect();
    let lag = replay_lag(playback.speed);
    let now = sim.now();
    let every = journeys.by_request.len().div_ceil(MAX_DOTS).max(1);
    for (request, j) in journeys.by_request.iter() {
        if request % every as u64 != 0 {
            continue;
        }
        let Some(p) = j.progress(now, lag) else { continue };
        let Some(Some(route)) = routes.get(j.function as usize) else { continue };
        // Refused requests go to the function and bounce back.
        let along = if j.fate() == Some(Fate::Throttled) { 1.0 - (2.0 * p - 1.0).abs() } else { p };
        // Spread dots over the edge's width by request id, so parallel ones are seen.
        let spread = ((request % 7) as f32 - 3.0) * 3.0;
        let at = point_along(route, along) + Vec2::Y * spread;
        // Gizmo circles are outlines: nested ones read as a filled dot.
        let colour = fate_colour(j.fate(), j.cold, j.retry);
        for r in [1.0, 0.8, 0.6, 0.4, 0.2].map(|k| k * DOT_RADIUS) {
            gizmos.circle_2d(at, r, colour).resolution(12);
        }
    }
}
