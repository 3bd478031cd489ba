//! A layered left-to-right layout of the topology graph: columns by data flow, nodes
//! ordered to cut crossings and levelled with what they feed, unconnected parts packed
//! in a grid. Pure: no ECS, so it is tested on every scenario file.

use super::graph::{Graph, NodeKind};
use bevy::math::{Rect, Vec2};

/// Room under a function's body for its environment pool, in world units.
pub const POOL_HEIGHT: f32 = 120.0;

/// Room under a node's body for what hangs below it (a function's environment pool).
fn below_height(kind: NodeKind) -> f32 {
    match kind {
        NodeKind::Function => POOL_HEIGHT,
        _ => 0.0,
    }
}

/// Gap between columns and between nodes of a column, in world units.
const COLUMN_GAP: f32 = 180.0;
const ROW_GAP: f32 = 36.0;

/// Gap between separate parts of the graph (unconnected groups of nodes).
const PART_GAP: Vec2 = Vec2::new(120.0, 70.0);
/// The shape (width / height) the parts are packed towards: a wide screen's.
const TARGET_ASPECT: f32 = 1.6;

/// Where each node goes: its whole footprint (body and what hangs below), indexed like
/// `graph.nodes`, centred on the origin, y growing up (Bevy's world). Unconnected parts
/// (ten triggers each calling its own function) are laid out one by one and packed in a
/// grid, so a wide screen shows them large instead of one tall column.
pub fn layout(graph: &Graph) -> Vec<Rect> {
    let parts = connected_parts(graph);
    if parts.len() <= 1 {
        return layered(graph);
    }
    let laid: Vec<(Vec<usize>, Vec<Rect>, Rect)> = parts
        .into_iter()
        .map(|ids| {
            let local = |i: usize| ids.iter().position(|&j| j == i);
            let sub = Graph {
                nodes: ids.iter().map(|&i| graph.nodes[i].clone()).collect(),
                edges: graph.edges.iter().filter_map(|&(a, b)| Some((local(a)?, local(b)?))).collect(),
            };
            let rects = layered(&sub);
            let bounds = rects.iter().skip(1).fold(rects[0], |acc, r| acc.union(*r));
            (ids, rects, bounds)
        })
        .collect();
    let cell = laid.iter().fold(Vec2::ZERO, |acc, (_, _, b)| acc.max(b.size()));
    let n = laid.len();
    let shape = |columns: usize| {
        let rows = n.div_ceil(columns);
        let size = Vec2::new(columns as f32, rows as f32) * (cell + PART_GAP) - PART_GAP;
        (size.x / size.y / TARGET_ASPECT).ln().abs()
    };
    let columns = (1..=n).min_by(|&a, &b| shape(a).total_cmp(&shape(b))).unwrap_or(1);
    let rows = n.div_ceil(columns);
    let total = Vec2::new(columns as f32, rows as f32) * (cell + PART_GAP) - PART_GAP;
    let mut out = vec![Rect::default(); graph.nodes.len()];
    for (k, (ids, rects, bounds)) in laid.into_iter().enumerate() {
        let (row, column) = ((k / columns) as f32, (k % columns) as f32);
        // Each part sits centred in its own cell of the grid: cells do not overlap.
        let cell_centre = Vec2::new(
            -total.x / 2.0 + column * (cell.x + PART_GAP.x) + cell.x / 2.0,
            total.y / 2.0 - row * (cell.y + PART_GAP.y) - cell.y / 2.0,
        );
        let shift = cell_centre - bounds.center();
        for (local, &i) in ids.iter().enumerate() {
            out[i] = Rect::from_center_size(rects[local].center() + shift, rects[local].size());
        }
    }
    out
}

/// Groups of nodes joined by edges (direction ignored), each in node order, ordered by
/// their first node.
fn connected_parts(graph: &Graph) -> Vec<Vec<usize>> {
    let n = graph.nodes.len();
    let mut part: Vec<usize> = (0..n).collect();
    fn root(part: &mut [usize], mut i: usize) -> usize {
        while part[i] != i {
            part[i] = part[part[i]];
            i = part[i];
        }
        i
    }
    for &(a, b) in &graph.edges {
        let (ra, rb) = (root(&mut part, a), root(&mut part, b));
        part[ra.max(rb)] = ra.min(rb);
    }
    let mut groups: Vec<Vec<usize>> = Vec::new();
    let mut group_of_root: Vec<Option<usize>> = vec![None; n];
    for i in 0..n {
        let r = root(&mut part, i);
        match group_of_root[r] {
            Some(g) => groups[g].push(i),
            None => {
                group_of_root[r] = Some(groups.len());
                groups.push(vec![i]);
            }
        }
    }
    groups
}

/// The layered layout of one connected graph: columns by data flow, left to right.
fn layered(graph: &Graph) -> Vec<Rect> {
    let n = graph.nodes.len();
    // Column: the longest path from a source (n rounds settle any acyclic graph; a
    // cycle, which no scenario has yet, stops growing after n rounds).
    let mut layer: Vec<usize> = graph.nodes.iter().map(|node| node.kind.min_layer()).collect();
    for _ in 0..n {
        let mut changed = false;
        for &(from, to) in &graph.edges {
            if layer[to] < layer[from] + 1 {
                layer[to] = layer[from] + 1;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    let columns = layer.iter().copied().max().map_or(0, |m| m + 1);
    // Order within a column: by the mean rank of a node's inputs (fewer crossings),
    // then by its order in the scenario.
    let mut rank = vec![0.0f32; n];
    let mut column_nodes: Vec<Vec<usize>> = vec![Vec::new(); columns];
    for (c, nodes) in column_nodes.iter_mut().enumerate() {
        let mut members: Vec<(f32, usize)> = (0..n)
            .filter(|&i| layer[i] == c)
            .map(|i| {
                let inputs: Vec<f32> = graph.edges.iter().filter(|e| e.1 == i).map(|e| rank[e.0]).collect();
                let key = if inputs.is_empty() { i as f32 } else { inputs.iter().sum::<f32>() / inputs.len() as f32 };
                (key, i)
            })
            .collect();
        members.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        for (r, &(_, i)) in members.iter().enumerate() {
            rank[i] = r as f32;
        }
        *nodes = members.into_iter().map(|(_, i)| i).collect();
    }
    let footprint = |i: usize| {
        let kind = graph.nodes[i].kind;
        kind.body_size() + Vec2::new(0.0, below_height(kind))
    };
    let widths: Vec<f32> = column_nodes.iter().map(|c| c.iter().map(|&i| footprint(i).x).fold(0.0, f32::max)).collect();
    let total_width = widths.iter().sum::<f32>() + COLUMN_GAP * columns.saturating_sub(1) as f32;
    let mut rects = vec![Rect::default(); n];
    let mut x = -total_width / 2.0;
    for (c, nodes) in column_nodes.iter().enumerate() {
        let height: f32 =
            nodes.iter().map(|&i| footprint(i).y).sum::<f32>() + ROW_GAP * nodes.len().saturating_sub(1) as f32;
        let mut top = height / 2.0;
        let centre_x = x + widths[c] / 2.0;
        for &i in nodes {
            let size = footprint(i);
            rects[i] = Rect::from_center_size(Vec2::new(centre_x, top - size.y / 2.0), size);
            top -= size.y + ROW_GAP;
        }
        x += widths[c] + COLUMN_GAP;
    }
    align_to_successors(graph, &column_nodes, &mut rects);
    rects
}

/// Moves each node (right to left, column by column) level with the mean of the nodes
/// it feeds, so edges run straight; a top-down sweep then restores the gaps, which
/// keeps the order and rules out overlaps.
fn align_to_successors(graph: &Graph, column_nodes: &[Vec<usize>], rects: &mut [Rect]) {
    let body_y = |rects: &[Rect], i: usize| rects[i].max.y - graph.nodes[i].kind.body_size().y / 2.0;
    for nodes in column_nodes.iter().rev().skip(1) {
        let mut previous_bottom = f32::INFINITY;
        for &i in nodes {
            let targets: Vec<f32> = graph.edges.iter().filter(|e| e.0 == i).map(|e| body_y(rects, e.1)).collect();
            let height = rects[i].height();
            let mut top = rects[i].max.y;
            if !targets.is_empty() {
                let wanted = targets.iter().sum::<f32>() / targets.len() as f32;
                top = wanted + graph.nodes[i].kind.body_size().y / 2.0;
            }
            top = top.min(previous_bottom - ROW_GAP);
            rects[i] = Rect::from_center_size(Vec2::new(rects[i].center().x, top - height / 2.0), rects[i].size());
            previous_bottom = top - height;
        }
    }
}

/// The body of a node placed at `footprint`: its top part.
pub fn body_rect(kind: NodeKind, footprint: Rect) -> Rect {
    let size = kind.body_size();
    Rect::from_center_size(Vec2::new(footprint.center().x, footprint.max.y - size.y / 2.0), size)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Scenario;
    use std::path::Path;

    fn library() -> Vec<(String, Scenario)> {
        let mut files: Vec<_> = std::fs::read_dir("scenarios")
            .expect("run from the crate root")
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "ron"))
            .collect();
        files.push("benches/ten-function-mix.ron".into());
        files.push("benches/pipeline.ron".into());
        files.into_iter().map(|p: std::path::PathBuf| (p.display().to_string(), load(&p))).collect()
    }

    fn load(path: &Path) -> Scenario {
        Scenario::load(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    #[test]
    fn no_two_nodes_overlap_in_any_library_scenario() {
        let scenarios = library();
        assert!(scenarios.len() >= 3);
        for (file, scenario) in scenarios {
            let graph = Graph::from_config(&scenario.config);
            let rects = layout(&graph);
            assert_eq!(rects.len(), graph.nodes.len());
            for i in 0..rects.len() {
                for j in i + 1..rects.len() {
                    let overlap = rects[i].intersect(rects[j]);
                    assert!(
                        overlap.is_empty(),
                        "{file}: {} and {} overlap: {:?} {:?}",
                        graph.nodes[i].name,
                        graph.nodes[j].name,
                        rects[i],
                        rects[j]
                    );
                }
            }
        }
    }

    #[test]
    fn data_flows_left_to_right() {
        for (file, scenario) in library() {
            let graph = Graph::from_config(&scenario.config);
            let rects = layout(&graph);
            assert!(graph.edges.len() >= scenario.config.triggers.len(), "{file}: every trigger feeds something");
            for &(from, to) in &graph.edges {
                assert!(rects[from].max.x < rects[to].min.x, "{file}: edge {from}->{to} goes backwards");
            }
        }
    }

    #[test]
    fn unconnected_parts_are_packed_for_a_wide_screen() {
        let scenario = load(Path::new("benches/ten-function-mix.ron"));
        let graph = Graph::from_config(&scenario.config);
        let rects = layout(&graph);
        let bounds = rects.iter().skip(1).fold(rects[0], |acc, r| acc.union(*r));
        assert!(bounds.width() > bounds.height(), "{bounds:?}");
        assert_eq!(connected_parts(&graph).len(), 10);
    }
}
