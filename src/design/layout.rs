//! Where nodes sit on the canvas: laid out in columns by how far along the wires they
//! are from the brief's clients. A node moved by hand is pinned where it was put; the
//! pinned positions are saved in one trailing comment line of the design file
//! (`// canvas: [...]`), which `Scenario::parse` ignores like any comment, and the
//! others are laid out again on opening, to the same places.

use super::{Edge, Kind, Node};
use std::collections::BTreeMap;

/// Column and row spacing, in canvas units.
pub const COLUMN: f32 = 210.0;
pub const ROW: f32 = 90.0;
const MARGIN: f32 = 30.0;
const PREFIX: &str = "// canvas: ";

/// Each node's column: 0 for the clients (triggers), then one past the furthest node
/// wired to it (cycles stop growing after as many rounds as nodes). Parts nothing is
/// wired to yet: the design's beside the clients, the brief's at the right (they are
/// what the design must reach).
fn columns(nodes: &[Node], fixed: &[bool], edges: &[Edge]) -> BTreeMap<Node, usize> {
    let mut col: BTreeMap<Node, usize> = nodes.iter().map(|n| (n.clone(), 0)).collect();
    for _ in 0..nodes.len() {
        let mut changed = false;
        for e in edges {
            let Some(&from) = col.get(&e.from) else { continue };
            if let Some(to) = col.get_mut(&e.to)
                && *to < from + 1
                && from < nodes.len()
            {
                *to = from + 1;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    let wired = |n: &Node| edges.iter().any(|e| e.from == *n || e.to == *n);
    let right = nodes.iter().filter(|n| wired(n)).map(|n| col[n] + 1).max().unwrap_or(0).max(3);
    for (n, fixed) in nodes.iter().zip(fixed) {
        if n.kind != Kind::Trigger && !wired(n) {
            col.insert(n.clone(), if *fixed { right } else { 1 });
        }
    }
    col
}

/// Every node's position: the pinned ones (moved by hand) where they were put, the
/// others in the first free row of their column.
pub(super) fn lay_out(
    nodes: &[Node],
    fixed: &[bool],
    edges: &[Edge],
    pinned: &BTreeMap<Node, [f32; 2]>,
) -> BTreeMap<Node, [f32; 2]> {
    let col = columns(nodes, fixed, edges);
    let mut positions: BTreeMap<Node, [f32; 2]> =
        pinned.iter().filter(|(n, _)| col.contains_key(*n)).map(|(n, p)| (n.clone(), *p)).collect();
    for n in nodes {
        if positions.contains_key(n) {
            continue;
        }
        let x = MARGIN + col[n] as f32 * COLUMN;
        let taken = |y: f32, positions: &BTreeMap<Node, [f32; 2]>| {
            positions.values().any(|p| (p[0] - x).abs() < COLUMN / 2.0 && (p[1] - y).abs() < ROW / 2.0)
        };
        let mut row = 0;
        while taken(MARGIN + row as f32 * ROW, &positions) {
            row += 1;
        }
        positions.insert(n.clone(), [x, MARGIN + row as f32 * ROW]);
    }
    positions
}

/// The pinned positions as the design file's last line (none: no line).
pub(super) fn write_positions(positions: &BTreeMap<Node, [f32; 2]>) -> String {
    let list: Vec<(Kind, &str, f32, f32)> =
        positions.iter().map(|(n, p)| (n.kind, n.name.as_str(), p[0], p[1])).collect();
    match ron::to_string(&list) {
        Ok(text) if !list.is_empty() => format!("{PREFIX}{text}\n"),
        _ => String::new(),
    }
}

/// The positions a design file's canvas line holds (None without one, or a broken one).
pub(super) fn read_positions(text: &str) -> Option<BTreeMap<Node, [f32; 2]>> {
    let line = text.lines().rev().find_map(|l| l.trim().strip_prefix(PREFIX))?;
    let list: Vec<(Kind, String, f32, f32)> = ron::from_str(line).ok()?;
    Some(
        list.into_iter()
            .filter(|p| p.2.is_finite() && p.3.is_finite())
            .map(|(k, n, x, y)| (Node { kind: k, name: n }, [x, y]))
            .collect(),
    )
}
