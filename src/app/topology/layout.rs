//! A layered left-to-right layout of the topology graph: columns by data flow, nodes
//! ordered to cut crossings and levelled with what they feed, unconnected parts packed
//! in a grid. In presenter mode the nodes are compact (one line of large text, the pool
//! as a strip) and a long pipeline's columns wrap into bands, so that the graph fills a
//! wide screen and its labels stay readable from the back of a room. Pure: no ECS, so it
//! is tested on every scenario file.

use super::graph::{Graph, Node, NodeKind};
use bevy::math::{Rect, Vec2};

/// How the topology is drawn: the working view, or presenter mode's.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Style {
    #[default]
    Normal,
    /// Names only on the bodies (the details window has the rest), the environment
    /// pool as boxes under a count line, narrower gaps, columns wrapped into bands.
    Presenter,
}

/// Sizes of a style, in world units (the camera fits the graph to the view, so what
/// matters is their ratio to the graph's extent).
#[derive(Clone, Copy, Debug)]
pub struct Metrics {
    /// A node's name.
    pub name_size: f32,
    /// Second lines, pool counts and error badges.
    pub small_size: f32,
    /// Gap between columns and between nodes of a column.
    pub column_gap: f32,
    pub row_gap: f32,
    /// Room under a function's body for its environment pool (count line and boxes).
    pub pool_height: f32,
    /// Rows of environment boxes before the pool becomes a stacked bar.
    pub pool_rows: usize,
    /// Whether bodies carry a second line (runtime and memory, queue depth, ...).
    pub subtitles: bool,
}

impl Style {
    pub fn metrics(self) -> Metrics {
        match self {
            Style::Normal => Metrics {
                name_size: 26.0,
                small_size: 18.0,
                column_gap: 180.0,
                row_gap: 36.0,
                pool_height: POOL_HEIGHT,
                pool_rows: 5,
                subtitles: true,
            },
            Style::Presenter => Metrics {
                name_size: 22.0,
                small_size: 22.0,
                column_gap: 56.0,
                row_gap: 26.0,
                pool_height: 48.0,
                pool_rows: 1,
                subtitles: false,
            },
        }
    }

    /// The node's body (icon and text), in world units: as wide as its name needs (the
    /// default font is monospaced: 0.6 em a character). The working view's is at least
    /// its kind's width (for the second line); presenter mode's a function's pool count
    /// line ("12 envs, 340 busy").
    pub fn body_size(self, node: &Node) -> Vec2 {
        let height = self.body_height(node.kind);
        // The icon (0.9 of the height), the name, and a margin.
        let needed = height * 0.9 + node.name.chars().count() as f32 * 0.6 * self.metrics().name_size + 16.0;
        let least = match self {
            Style::Normal => node.kind.body_size().x,
            Style::Presenter if node.kind == NodeKind::Function => 230.0,
            Style::Presenter => 150.0,
        };
        Vec2::new(needed.max(least), height)
    }

    pub fn body_height(self, kind: NodeKind) -> f32 {
        match self {
            Style::Normal => kind.body_size().y,
            Style::Presenter => 46.0,
        }
    }

    /// Room under a node's body for what hangs below it (a function's environment pool).
    fn below_height(self, kind: NodeKind) -> f32 {
        match kind {
            NodeKind::Function => self.metrics().pool_height,
            _ => 0.0,
        }
    }

    fn footprint(self, node: &Node) -> Vec2 {
        self.body_size(node) + Vec2::new(0.0, self.below_height(node.kind))
    }

    /// Gap between separate parts of the graph (unconnected groups of nodes), and
    /// between presenter mode's bands.
    fn part_gap(self) -> Vec2 {
        match self {
            Style::Normal => Vec2::new(120.0, 70.0),
            Style::Presenter => Vec2::new(70.0, 40.0),
        }
    }

    /// The margin the camera leaves around the graph (badges above the top nodes,
    /// arrow heads).
    fn fit_margin(self) -> Vec2 {
        match self {
            Style::Normal => Vec2::new(80.0, 110.0),
            Style::Presenter => Vec2::new(30.0, 56.0),
        }
    }
}

/// Room under a function's body for its environment pool, in world units (normal view).
pub const POOL_HEIGHT: f32 = 120.0;

/// The shape (width / height) the parts are packed towards: a wide screen's.
const TARGET_ASPECT: f32 = 1.6;

/// The topology's part of a 1280x720 window (the common projector's) in presenter mode:
/// the line of controls and a caption of three lines take the top (measured 1280x525 with
/// regional-latency's first caption; 1280x570 with two lines: `faaslab gui NAME
/// --presenter --window 1280x720 --screenshot F` logs it). The layout's view until the
/// panels have measured the real one.
pub const PRESENTER_VIEW_720P: Vec2 = Vec2::new(1280.0, 520.0);

/// World units per physical pixel that fit `bounds` into a viewport of `view` pixels.
/// Small graphs are not blown up past 4/3: boxes and text stay in proportion.
pub fn fit_scale(bounds: Rect, view: Vec2, style: Style) -> f32 {
    let size = bounds.size() + style.fit_margin();
    (size.x / view.x).max(size.y / view.y).max(0.75)
}

/// The smallest rectangle holding every footprint.
pub fn bounds_of(rects: &[Rect]) -> Rect {
    rects.iter().fold(Rect::default(), |acc, r| if acc.is_empty() { *r } else { acc.union(*r) })
}

/// Where each node goes: its whole footprint (body and what hangs below), indexed like
/// `graph.nodes`, centred on the origin, y growing up (Bevy's world). Unconnected parts
/// (ten triggers each calling its own function) are laid out one by one and packed in a
/// grid, so a wide screen shows them large instead of one tall column.
pub fn layout(graph: &Graph, style: Style, view: Vec2) -> Vec<Rect> {
    let parts = connected_parts(graph);
    if parts.len() <= 1 {
        return match style {
            Style::Normal => layered(graph, style).0,
            Style::Presenter => banded(graph, view),
        };
    }
    let packed = pack_parts(graph, parts, style, view);
    if style == Style::Normal {
        return packed;
    }
    // Presenter mode: whichever shows the graph larger, the parts packed in a grid or
    // all of them sharing columns (sources first) wrapped into bands.
    let banded = banded(graph, view);
    if fit_scale(bounds_of(&banded), view, style) < fit_scale(bounds_of(&packed), view, style) {
        banded
    } else {
        packed
    }
}

/// Unconnected parts laid out one by one and packed in a grid shaped like `view`
/// (a wide screen's shape in the working view).
fn pack_parts(graph: &Graph, parts: Vec<Vec<usize>>, style: Style, view: Vec2) -> Vec<Rect> {
    let aspect = match style {
        Style::Normal => TARGET_ASPECT,
        Style::Presenter => view.x / view.y,
    };
    let part_gap = style.part_gap();
    let laid: Vec<(Vec<usize>, Vec<Rect>, Rect)> = parts
        .into_iter()
        .map(|ids| {
            let local = |i: usize| ids.iter().position(|&j| j == i);
            let sub = Graph {
                nodes: ids.iter().map(|&i| graph.nodes[i].clone()).collect(),
                edges: graph.edges.iter().filter_map(|&(a, b)| Some((local(a)?, local(b)?))).collect(),
                left_out: Vec::new(),
            };
            let rects = layered(&sub, style).0;
            let bounds = rects.iter().skip(1).fold(rects[0], |acc, r| acc.union(*r));
            (ids, rects, bounds)
        })
        .collect();
    let cell = laid.iter().fold(Vec2::ZERO, |acc, (_, _, b)| acc.max(b.size()));
    let n = laid.len();
    let shape = |columns: usize| {
        let rows = n.div_ceil(columns);
        let size = Vec2::new(columns as f32, rows as f32) * (cell + part_gap) - part_gap;
        (size.x / size.y / aspect).ln().abs()
    };
    let columns = (1..=n).min_by(|&a, &b| shape(a).total_cmp(&shape(b))).unwrap_or(1);
    let rows = n.div_ceil(columns);
    let total = Vec2::new(columns as f32, rows as f32) * (cell + part_gap) - part_gap;
    let mut out = vec![Rect::default(); graph.nodes.len()];
    for (k, (ids, rects, bounds)) in laid.into_iter().enumerate() {
        let (row, column) = ((k / columns) as f32, (k % columns) as f32);
        // Each part sits centred in its own cell of the grid: cells do not overlap.
        let cell_centre = Vec2::new(
            -total.x / 2.0 + column * (cell.x + part_gap.x) + cell.x / 2.0,
            total.y / 2.0 - row * (cell.y + part_gap.y) - cell.y / 2.0,
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

/// The layered layout of one connected graph: columns by data flow, left to right; also
/// each node's column.
fn layered(graph: &Graph, style: Style) -> (Vec<Rect>, Vec<usize>) {
    let Metrics { column_gap, row_gap, .. } = style.metrics();
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
    let footprint = |i: usize| style.footprint(&graph.nodes[i]);
    let widths: Vec<f32> = column_nodes.iter().map(|c| c.iter().map(|&i| footprint(i).x).fold(0.0, f32::max)).collect();
    let total_width = widths.iter().sum::<f32>() + column_gap * columns.saturating_sub(1) as f32;
    let mut rects = vec![Rect::default(); n];
    let mut x = -total_width / 2.0;
    for (c, nodes) in column_nodes.iter().enumerate() {
        let height: f32 =
            nodes.iter().map(|&i| footprint(i).y).sum::<f32>() + row_gap * nodes.len().saturating_sub(1) as f32;
        let mut top = height / 2.0;
        let centre_x = x + widths[c] / 2.0;
        for &i in nodes {
            let size = footprint(i);
            rects[i] = Rect::from_center_size(Vec2::new(centre_x, top - size.y / 2.0), size);
            top -= size.y + row_gap;
        }
        x += widths[c] + column_gap;
    }
    align_to_successors(graph, style, &column_nodes, &mut rects);
    (rects, layer)
}

/// Moves each node (right to left, column by column) level with the mean of the nodes
/// it feeds, so edges run straight; a top-down sweep then restores the gaps, which
/// keeps the order and rules out overlaps.
fn align_to_successors(graph: &Graph, style: Style, column_nodes: &[Vec<usize>], rects: &mut [Rect]) {
    let row_gap = style.metrics().row_gap;
    let body_height = |i: usize| style.body_height(graph.nodes[i].kind);
    let body_y = |rects: &[Rect], i: usize| rects[i].max.y - body_height(i) / 2.0;
    for nodes in column_nodes.iter().rev().skip(1) {
        let mut previous_bottom = f32::INFINITY;
        for &i in nodes {
            let targets: Vec<f32> = graph.edges.iter().filter(|e| e.0 == i).map(|e| body_y(rects, e.1)).collect();
            let height = rects[i].height();
            let mut top = rects[i].max.y;
            if !targets.is_empty() {
                let wanted = targets.iter().sum::<f32>() / targets.len() as f32;
                top = wanted + body_height(i) / 2.0;
            }
            top = top.min(previous_bottom - row_gap);
            rects[i] = Rect::from_center_size(Vec2::new(rects[i].center().x, top - height / 2.0), rects[i].size());
            previous_bottom = top - height;
        }
    }
}

/// Presenter mode's layout of one connected graph: its columns wrapped into as many
/// bands (rows of columns, top to bottom) as make it largest in a view of `view`
/// pixels, each band centred. One band is a plain layered layout.
fn banded(graph: &Graph, view: Vec2) -> Vec<Rect> {
    let style = Style::Presenter;
    let (rects, column) = layered(graph, style);
    let columns = column.iter().copied().max().map_or(0, |m| m + 1);
    let mut best: Option<(f32, Vec<Rect>)> = None;
    for bands in 1..=columns.max(1) {
        let per_band = columns.div_ceil(bands);
        let mut out = rects.clone();
        let mut top = 0.0f32;
        for band in 0..bands {
            let members: Vec<usize> = (0..rects.len()).filter(|&i| column[i] / per_band == band).collect();
            if members.is_empty() {
                continue;
            }
            let extent = bounds_of(&members.iter().map(|&i| rects[i]).collect::<Vec<_>>());
            // The band's top-left corner moves to (-width / 2, top).
            let shift = Vec2::new(-extent.width() / 2.0 - extent.min.x, top - extent.max.y);
            for &i in &members {
                out[i] = Rect::from_center_size(rects[i].center() + shift, rects[i].size());
            }
            top -= extent.height() + style.part_gap().y;
        }
        let bounds = bounds_of(&out);
        let centre = bounds.center();
        for r in &mut out {
            *r = Rect::from_center_size(r.center() - centre, r.size());
        }
        let scale = fit_scale(bounds, view, style);
        // Another band must make the graph clearly larger: a band break costs a
        // crossing edge.
        if best.as_ref().is_none_or(|(s, _)| scale < s * 0.97) {
            best = Some((scale, out));
        }
    }
    best.map_or(rects, |(_, out)| out)
}

/// The body of a node placed at `footprint`: its top part.
pub fn body_rect(kind: NodeKind, style: Style, footprint: Rect) -> Rect {
    let size = Vec2::new(footprint.width(), style.body_height(kind));
    Rect::from_center_size(Vec2::new(footprint.center().x, footprint.max.y - size.y / 2.0), size)
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::scenario::Scenario;
    use std::path::Path;

    /// The topology's part of a 1600x900 window with the side and chart panels open.
    pub(in crate::app::topology) const NORMAL_VIEW: Vec2 = Vec2::new(1100.0, 520.0);

    /// Every library scenario, and the two benches with edges to draw.
    pub(in crate::app::topology) fn library() -> Vec<(String, Scenario)> {
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
        for ((file, scenario), style) in scenarios.iter().flat_map(|s| [(s, Style::Normal), (s, Style::Presenter)]) {
            let graph = Graph::from_config(&scenario.config);
            let rects = layout(&graph, style, if style == Style::Normal { NORMAL_VIEW } else { PRESENTER_VIEW_720P });
            assert_eq!(rects.len(), graph.nodes.len());
            for i in 0..rects.len() {
                for j in i + 1..rects.len() {
                    let overlap = rects[i].intersect(rects[j]);
                    assert!(
                        overlap.is_empty(),
                        "{file} ({style:?}): {} and {} overlap: {:?} {:?}",
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
            let rects = layout(&graph, Style::Normal, NORMAL_VIEW);
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
        let rects = layout(&graph, Style::Normal, NORMAL_VIEW);
        let bounds = rects.iter().skip(1).fold(rects[0], |acc, r| acc.union(*r));
        assert!(bounds.width() > bounds.height(), "{bounds:?}");
        assert_eq!(connected_parts(&graph).len(), 10);
    }

    #[test]
    fn presenter_labels_are_at_least_18_px_at_1280x720() {
        let mut worst = (f32::INFINITY, String::new());
        for (file, scenario) in library() {
            let graph = Graph::from_config(&scenario.config);
            let rects = layout(&graph, Style::Presenter, PRESENTER_VIEW_720P);
            let scale = fit_scale(bounds_of(&rects), PRESENTER_VIEW_720P, Style::Presenter);
            let metrics = Style::Presenter.metrics();
            let smallest = metrics.name_size.min(metrics.small_size) / scale;
            if smallest < worst.0 {
                worst = (smallest, file);
            }
        }
        assert!(worst.0 >= 18.0, "{}: labels of {:.1} px in presenter mode at 1280x720", worst.1, worst.0);
    }
}
