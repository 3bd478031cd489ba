//! The environment pool under each function: one small box per environment coloured by
//! state, a line with the counts and the concurrency limit, and a stacked bar instead
//! of boxes when there are too many to read.

use super::layout::Style;
use super::nodes::{FunctionNode, Topology, TopologyEntity, TopologyNode};
use crate::app::AppSystems;
use crate::app::playback::Playback;
use crate::app::theme::palette;
use crate::sim::function::EnvState;
use crate::sim::function::pool::FunctionState;
use bevy::prelude::*;
use bevy::sprite::Anchor;

pub(super) fn plugin(app: &mut App) {
    app.add_systems(Update, sync_pools.in_set(AppSystems::SyncView));
}

const BOX: f32 = 14.0;
const GAP: f32 = 4.0;

/// How many boxes fit under a body of `width` in the working view; above that the pool
/// is a stacked bar.
#[cfg(test)]
pub fn max_boxes(width: f32) -> usize {
    max_boxes_in(width, Style::Normal)
}

fn max_boxes_in(width: f32, style: Style) -> usize {
    per_row(width) * style.metrics().pool_rows
}

/// The count line's height above the boxes.
fn label_height(style: Style) -> f32 {
    style.metrics().small_size + 8.0
}

fn per_row(width: f32) -> usize {
    ((width + GAP) / (BOX + GAP)).max(1.0) as usize
}

/// One environment's box; `position` is its place in the grid, left to right.
#[derive(Component)]
pub struct EnvBox {
    pub function: usize,
    pub position: usize,
}

/// A segment of the stacked bar (`EnvColour` order).
#[derive(Component)]
pub struct BarSegment {
    pub function: usize,
    segment: usize,
}

#[derive(Component)]
struct PoolLabel(usize);

/// The state an environment is drawn in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EnvColour {
    Initializing,
    Busy,
    Idle,
    Provisioned,
}

impl EnvColour {
    const ALL: [EnvColour; 4] = [EnvColour::Initializing, EnvColour::Busy, EnvColour::Provisioned, EnvColour::Idle];

    pub fn colour(self) -> Color {
        match self {
            EnvColour::Initializing => palette::INITIALIZING,
            EnvColour::Busy => palette::BUSY,
            EnvColour::Idle => palette::IDLE,
            EnvColour::Provisioned => palette::PROVISIONED,
        }
    }
}

/// Each live environment's colour, in slot order (stable from frame to frame).
pub fn env_colours(f: &FunctionState) -> Vec<EnvColour> {
    f.environment_slots()
        .map(|(_, env)| match env.state {
            EnvState::Initializing => EnvColour::Initializing,
            EnvState::Busy => EnvColour::Busy,
            EnvState::Idle if env.provisioned => EnvColour::Provisioned,
            EnvState::Idle => EnvColour::Idle,
        })
        .collect()
}

/// Where the pool area starts: its top-left corner under the function's body.
fn pool_origin(topology: &Topology, node: usize) -> Vec2 {
    let body = topology.body(node);
    Vec2::new(body.min.x, body.min.y - 6.0)
}

#[allow(clippy::type_complexity)]
fn sync_pools(
    mut commands: Commands,
    playback: Res<Playback>,
    topology: Option<Res<Topology>>,
    nodes: Query<(&TopologyNode, &FunctionNode)>,
    mut boxes: Query<(&EnvBox, &mut Sprite, &mut Visibility), (Without<BarSegment>, Without<PoolLabel>)>,
    mut bars: Query<(&BarSegment, &mut Sprite, &mut Transform, &mut Visibility), Without<EnvBox>>,
    mut labels: Query<(&PoolLabel, &mut Text2d)>,
) {
    let Some(topology) = topology else { return };
    let sim = &playback.sim;
    let mut have_boxes = vec![0usize; sim.functions().len()];
    // Everything below is looked up by index: a frame of 20 000 functions that found
    // each box's and bar's node by scanning the nodes took seconds.
    let nodes: Vec<(&TopologyNode, &FunctionNode)> = nodes.iter().collect();
    // Each function's node (the first, should one be drawn twice).
    let mut node_of = vec![None; sim.functions().len()];
    for (k, (_, f)) in nodes.iter().enumerate() {
        node_of[f.0].get_or_insert(k);
    }
    // Only drawn functions have boxes to colour (the topology draws the first few
    // hundred of a kind).
    let colours: Vec<Vec<EnvColour>> = (sim.functions().iter().zip(&node_of))
        .map(|(f, node)| if node.is_some() { env_colours(f) } else { Vec::new() })
        .collect();
    let widths: Vec<f32> = nodes.iter().map(|(n, _)| topology.body(n.node).width()).collect();
    let too_many: Vec<bool> =
        nodes.iter().zip(&widths).map(|((_, f), &w)| colours[f.0].len() > max_boxes_in(w, topology.style)).collect();
    let stacked = |function: usize| node_of[function].is_some_and(|k: usize| too_many[k]);
    let mut has_bar = vec![false; sim.functions().len()];
    for (segment, ..) in &bars {
        if let Some(has) = has_bar.get_mut(segment.function) {
            *has = true;
        }
    }
    for (b, mut sprite, mut visibility) in &mut boxes {
        have_boxes[b.function] = have_boxes[b.function].max(b.position + 1);
        let shown = colours[b.function].get(b.position).filter(|_| !stacked(b.function));
        *visibility = if shown.is_some() { Visibility::Inherited } else { Visibility::Hidden };
        if let Some(c) = shown {
            sprite.color = c.colour();
        }
    }
    for (k, (node, function)) in nodes.iter().enumerate() {
        let f = function.0;
        let origin = pool_origin(&topology, node.node);
        // Boxes are spawned once and reused; hidden ones wait for a bigger pool.
        if !too_many[k] {
            let row_len = per_row(widths[k]);
            for (position, colour) in colours[f].iter().enumerate().skip(have_boxes[f]) {
                let (row, col) = (position / row_len, position % row_len);
                let centre = origin
                    + Vec2::new(
                        BOX / 2.0 + col as f32 * (BOX + GAP),
                        -label_height(topology.style) - BOX / 2.0 - row as f32 * (BOX + GAP),
                    );
                commands.spawn((
                    TopologyEntity,
                    EnvBox { function: f, position },
                    Sprite::from_color(colour.colour(), Vec2::splat(BOX)),
                    Transform::from_translation(centre.extend(0.5)),
                ));
            }
        }
        if !has_bar[f] {
            for segment in 0..EnvColour::ALL.len() {
                commands.spawn((
                    TopologyEntity,
                    BarSegment { function: f, segment },
                    Sprite::from_color(EnvColour::ALL[segment].colour(), Vec2::ONE),
                    Transform::default(),
                    Visibility::Hidden,
                ));
            }
            commands.spawn((
                TopologyEntity,
                PoolLabel(f),
                Text2d::new(""),
                TextFont::from_font_size(topology.style.metrics().small_size),
                TextColor(palette::TEXT_DIM),
                Anchor::TOP_LEFT,
                Transform::from_translation((origin + Vec2::new(0.0, -2.0)).extend(1.0)),
            ));
        }
    }
    for (segment, mut sprite, mut transform, mut visibility) in &mut bars {
        let f = segment.function;
        let Some(&Some(k)) = node_of.get(f) else { continue };
        if !too_many[k] {
            *visibility = Visibility::Hidden;
            continue;
        }
        // The bar: one segment per state, widths proportional to their counts.
        let total = colours[f].len().max(1) as f32;
        let count_of = |c: EnvColour| colours[f].iter().filter(|&&x| x == c).count() as f32;
        let before: f32 = EnvColour::ALL[..segment.segment].iter().map(|&c| count_of(c)).sum();
        let count = count_of(EnvColour::ALL[segment.segment]);
        let (node, _) = nodes[k];
        let origin = pool_origin(&topology, node.node);
        let width = widths[k];
        let height = topology.style.metrics().pool_rows as f32 * (BOX + GAP) - GAP;
        let x = origin.x + width * (before + count / 2.0) / total;
        transform.translation = Vec3::new(x, origin.y - label_height(topology.style) - height / 2.0, 0.5);
        sprite.custom_size = Some(Vec2::new(width * count / total, height));
        *visibility = if count > 0.0 { Visibility::Inherited } else { Visibility::Hidden };
    }
    for (label, mut text) in &mut labels {
        let f = &sim.functions()[label.0];
        let envs = crate::report::count(u64::from(f.environments()), "env", "envs");
        let value = match topology.style {
            Style::Normal => format!("{envs}, {} of {} in flight", f.in_flight(), sim.concurrency_limit(label.0)),
            // Presenter mode's bodies are narrow; the limit is in the details window.
            Style::Presenter => format!("{envs}, {} busy", f.in_flight()),
        };
        if text.0 != value {
            text.0 = value;
        }
    }
}
