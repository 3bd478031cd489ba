//! The edges' paths between the laid-out nodes: straight where nothing is in the way,
//! through the gaps of a column they skip, and back under a node's pool into presenter
//! mode's next band. Pure, like the layout, and tested on every scenario file.

use super::graph::Graph;
use super::layout::{Style, body_rect};
use bevy::math::{Rect, Vec2};

/// Start and end of the edge from `from` into `to`: the right side of `from`'s body,
/// the left side of `to`'s.
fn edge_ends(graph: &Graph, style: Style, footprints: &[Rect], from: usize, to: usize) -> (Vec2, Vec2) {
    let body = |i: usize| body_rect(graph.nodes[i].kind, style, footprints[i]);
    let (a, b) = (body(from), body(to));
    (Vec2::new(a.max.x, a.center().y), Vec2::new(b.min.x, b.center().y))
}

/// Every edge's path (indexed like `graph.edges`), around the nodes it would cross.
pub fn edge_routes(graph: &Graph, style: Style, footprints: &[Rect]) -> Vec<Vec<Vec2>> {
    let routes = graph.edges.iter().map(|&(from, to)| {
        let (start, end) = edge_ends(graph, style, footprints, from, to);
        let others = footprints.iter().enumerate().filter(|&(i, _)| i != from && i != to).map(|(_, r)| *r);
        edge_route(start, end, [footprints[from], footprints[to]], others)
    });
    routes.collect()
}

/// Room an edge keeps from the nodes it passes, in world units.
const EDGE_CLEARANCE: f32 = 8.0;

/// The path of the edge from `start` to `end` (its points, in order) around the other
/// nodes' footprints (`others`). Most edges are straight. One that skips a column
/// would strike through that column's names and pool counts, unreadable on a
/// projector, and seem to end at a node it passes: it bends through the gap between
/// the column's nodes nearest its straight line instead, then is pulled as straight as
/// the nodes allow.
fn edge_route(start: Vec2, end: Vec2, ends: [Rect; 2], others: impl IntoIterator<Item = Rect>) -> Vec<Vec2> {
    let all: Vec<Rect> = others.into_iter().map(|r| r.inflate(EDGE_CLEARANCE)).collect();
    if end.x <= start.x {
        return band_break_route(start, end, ends, &all);
    }
    if clear(start, end, &all) {
        return vec![start, end];
    }
    let mut obstacles: Vec<Rect> = all.into_iter().filter(|r| r.max.x > start.x && r.min.x < end.x).collect();
    // Columns: the obstacles grouped by overlapping x ranges, left to right.
    obstacles.sort_by(|a, b| a.min.x.total_cmp(&b.min.x));
    let mut columns: Vec<(f32, f32, Vec<Rect>)> = Vec::new();
    for r in &obstacles {
        match columns.last_mut() {
            Some((_, right, members)) if r.min.x <= *right => {
                *right = right.max(r.max.x);
                members.push(*r);
            }
            _ => columns.push((r.min.x, r.max.x, vec![*r])),
        }
    }
    let mut points = vec![start];
    for (left, right, members) in columns {
        let (left, right) = (left.max(start.x), right.min(end.x));
        let here = *points.last().unwrap_or(&start);
        // Where the straight line from here to the end crosses the column's middle.
        let middle = (left + right) / 2.0;
        let wanted = here.y + (end.y - here.y) * (middle - here.x) / (end.x - here.x).max(f32::EPSILON);
        // Through the gap above the column, between its nodes or below it.
        let y = nearest_gap(&members, wanted);
        points.push(Vec2::new(left, y));
        points.push(Vec2::new(right, y));
    }
    points.push(end);
    pulled_straight(points, &obstacles)
}

/// An edge into a later band of presenter mode's layout (its end left of its start):
/// out to the right, back left under its own node's pool (or the nearest gap below
/// it), and in from the left, in straight runs. A straight line would cross the screen
/// and its own node's counts.
fn band_break_route(start: Vec2, end: Vec2, ends: [Rect; 2], obstacles: &[Rect]) -> Vec<Vec2> {
    let step = 3.0 * EDGE_CLEARANCE;
    let (right, left) = (start.x + step, end.x - step);
    let across: Vec<Rect> = obstacles
        .iter()
        .copied()
        .chain(ends.map(|r| r.inflate(EDGE_CLEARANCE)))
        .filter(|r| r.max.x > left && r.min.x < right)
        .collect();
    // Just under the node's pool: every edge out of it shares that run, clear of the
    // error counts above the next band's functions.
    let y = nearest_gap(&across, ends[0].min.y - EDGE_CLEARANCE);
    vec![start, Vec2::new(right, start.y), Vec2::new(right, y), Vec2::new(left, y), Vec2::new(left, end.y), end]
}

/// Whether the segment from `a` to `b` stays out of every obstacle.
fn clear(a: Vec2, b: Vec2, obstacles: &[Rect]) -> bool {
    obstacles.iter().all(|&r| inside_interval(a, b, r).is_none())
}

/// The height nearest `wanted` outside every one of `members` (above them, between
/// them or below them).
fn nearest_gap(members: &[Rect], wanted: f32) -> f32 {
    let mut gaps = vec![(f32::NEG_INFINITY, f32::INFINITY)];
    for r in members {
        gaps = gaps
            .into_iter()
            .flat_map(|(low, high)| [(low, high.min(r.min.y)), (low.max(r.max.y), high)])
            .filter(|(low, high)| low < high)
            .collect();
    }
    gaps.iter()
        .map(|&(low, high)| wanted.clamp(low, high))
        .min_by(|a, b| (a - wanted).abs().total_cmp(&(b - wanted).abs()))
        .unwrap_or(wanted)
}

/// `points` with every point dropped whose neighbours see each other past the obstacles.
fn pulled_straight(points: Vec<Vec2>, obstacles: &[Rect]) -> Vec<Vec2> {
    let mut pulled = vec![points[0]];
    let mut i = 0;
    while i + 1 < points.len() {
        let mut next = i + 1;
        while next + 1 < points.len() && clear(points[i], points[next + 1], obstacles) {
            next += 1;
        }
        pulled.push(points[next]);
        i = next;
    }
    pulled
}

/// The point a share `along` (0 to 1) of the way along `path`, by length.
pub fn point_along(path: &[Vec2], along: f32) -> Vec2 {
    let length: f32 = path.windows(2).map(|w| w[0].distance(w[1])).sum();
    let mut left = along.clamp(0.0, 1.0) * length;
    for w in path.windows(2) {
        let piece = w[0].distance(w[1]);
        if left <= piece && piece > 0.0 {
            return w[0].lerp(w[1], left / piece);
        }
        left -= piece;
    }
    path.last().copied().unwrap_or_default()
}

/// Where the segment `start + t (end - start)`, t in [0, 1], lies inside `r`, as its
/// interval of t (Liang and Barsky's clipping).
fn inside_interval(start: Vec2, end: Vec2, r: Rect) -> Option<(f32, f32)> {
    let d = end - start;
    let (mut t0, mut t1) = (0.0f32, 1.0f32);
    for (p, q) in
        [(-d.x, start.x - r.min.x), (d.x, r.max.x - start.x), (-d.y, start.y - r.min.y), (d.y, r.max.y - start.y)]
    {
        if p == 0.0 {
            if q < 0.0 {
                return None; // parallel to this side and outside it
            }
            continue;
        }
        let t = q / p;
        if p < 0.0 {
            t0 = t0.max(t);
        } else {
            t1 = t1.min(t);
        }
        if t0 >= t1 {
            return None;
        }
    }
    Some((t0, t1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::topology::layout::tests::{NORMAL_VIEW, library};
    use crate::app::topology::layout::{PRESENTER_VIEW_720P, layout};

    #[test]
    fn an_edge_bends_through_the_gap_nearest_its_line_and_is_straight_otherwise() {
        let (start, end) = (Vec2::ZERO, Vec2::new(300.0, 0.0));
        // The edge's own nodes, far away (only a band break looks at them).
        const NO_ENDS: [Rect; 2] = [Rect { min: Vec2::splat(-1e6), max: Vec2::splat(-1e6) }; 2];
        // Nothing in the way, or something beside the line (20 units above it, 8 of
        // clearance): straight.
        assert_eq!(edge_route(start, end, NO_ENDS, []), vec![start, end]);
        let beside = Rect::from_center_size(Vec2::new(150.0, 20.0), Vec2::new(40.0, 10.0));
        assert_eq!(edge_route(start, end, NO_ENDS, [beside]), vec![start, end]);
        // A column of two nodes across the line, a gap between them from y = 5 to 45:
        // the edge goes through the gap (clearance 8: at y = 13) and straight where it can.
        let column = [
            Rect::from_center_size(Vec2::new(150.0, -20.0), Vec2::new(40.0, 50.0)),
            Rect::from_center_size(Vec2::new(150.0, 70.0), Vec2::new(40.0, 50.0)),
        ];
        let route = edge_route(start, end, NO_ENDS, column);
        assert_eq!(route, vec![start, Vec2::new(122.0, 13.0), Vec2::new(178.0, 13.0), end]);
        // A node across the line, as far from its top as from its bottom: under it
        // (y = -10 - 8), the first gap found.
        let alone = Rect::from_center_size(Vec2::new(150.0, 0.0), Vec2::new(40.0, 20.0));
        let route = edge_route(start, end, NO_ENDS, [alone]);
        assert_eq!(route, vec![start, Vec2::new(122.0, -18.0), Vec2::new(178.0, -18.0), end]);
        // Halfway along a path is halfway along its length.
        assert_eq!(point_along(&[Vec2::ZERO, Vec2::new(10.0, 0.0), Vec2::new(10.0, 30.0)], 0.5), Vec2::new(10.0, 10.0));
        assert_eq!(point_along(&[start, end], 1.0), end);
    }

    #[test]
    fn no_edge_is_drawn_across_another_node_in_any_library_scenario() {
        let (mut bent, mut band_breaks) = (0, 0);
        for (file, scenario) in library() {
            for style in [Style::Normal, Style::Presenter] {
                let graph = Graph::from_config(&scenario.config);
                let view = if style == Style::Normal { NORMAL_VIEW } else { PRESENTER_VIEW_720P };
                let rects = layout(&graph, style, view);
                for (&(from, to), route) in graph.edges.iter().zip(edge_routes(&graph, style, &rects)) {
                    let (start, end) = edge_ends(&graph, style, &rects, from, to);
                    let others = || (0..rects.len()).filter(|&i| i != from && i != to).map(|i| (i, rects[i]));
                    assert_eq!((route[0], route[route.len() - 1]), (start, end));
                    bent += usize::from(route.len() > 2);
                    band_breaks += usize::from(end.x < start.x);
                    // Between its first and last runs, an edge keeps off its own two nodes too
                    // (a band break runs back under its node's pool).
                    for piece in route.windows(2).skip(1).take(route.len().saturating_sub(3)) {
                        for i in [from, to] {
                            assert!(
                                inside_interval(piece[0], piece[1], rects[i]).is_none(),
                                "{file} ({style:?}): the edge {} -> {} runs back across {} ({route:?})",
                                graph.nodes[from].name,
                                graph.nodes[to].name,
                                graph.nodes[i].name
                            );
                        }
                    }
                    for piece in route.windows(2) {
                        for (i, r) in others() {
                            assert!(
                                inside_interval(piece[0], piece[1], r).is_none(),
                                "{file} ({style:?}): the edge {} -> {} is drawn across {} ({route:?} through {r:?})",
                                graph.nodes[from].name,
                                graph.nodes[to].name,
                                graph.nodes[i].name
                            );
                        }
                    }
                }
            }
        }
        // The library has edges that skip a column (orchestration-vs-choreography's), and
        // presenter mode wraps the pipeline bench into two bands.
        assert!(bent > 0 && band_breaks > 0, "{bent} bent, {band_breaks} band breaks");
    }
}
