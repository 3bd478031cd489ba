//! The design canvas drawn over the window below the top bar: a toolbar (palette,
//! undo and redo, run, save), the canvas (the brief's fixed parts, dimmed, and the
//! design's, with their wires; click a node to inspect it, drag it to move it, "Wire
//! from" then click the target), and a side column (inspector with the node's problems,
//! the brief's requirements, every problem of the design). Everything it does is a
//! `DesignAction`, applied by the plugin. Ctrl+Z undoes, Ctrl+Shift+Z (or Ctrl+Y) redoes,
//! Delete removes the selected node, Escape cancels wiring.

use super::{DesignAction, DesignCanvas};
use crate::app::AppSystems;
use crate::app::share_ui::link_for;
use crate::app::theme::palette;
use crate::app::topology::viewport::TopologyViewport;
use crate::design::{self, DesignDoc, Edge, Kind, Node, Owner};
use crate::sim::function::Runtime;
use bevy::prelude::*;
use bevy_egui::egui::{self, Color32, RichText};
use bevy_egui::input::EguiWantsInput;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass};

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<CanvasUi>()
        .add_systems(Update, shortcuts.in_set(AppSystems::Input).before(super::apply_actions))
        .add_systems(EguiPrimaryContextPass, draw);
}

/// The panel's own state: what is being typed and dragged.
#[derive(Resource, Default)]
struct CanvasUi {
    /// The name field of the palette.
    new_name: String,
    /// Inspector fields being typed (field, text), sent on Enter or leaving the field.
    editing: Vec<(String, String)>,
    /// The node being dragged and how far.
    dragging: Option<(Node, egui::Vec2)>,
    /// The design's share link after "Share" (copied), or why it has none.
    shared: Option<Result<String, String>>,
    /// Where this frame drew the canvas's buttons and nodes, by name (the web build
    /// publishes them for the end-to-end check, which clicks and taps them).
    targets: Vec<(String, egui::Rect)>,
    /// What the web build last published of them.
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
    published: String,
}

const NODE: egui::Vec2 = egui::vec2(170.0, 58.0);
const SIDE_WIDTH: f32 = 360.0;
const FIXED_FILL: Color32 = Color32::from_rgb(42, 46, 58);
const TRIGGER_FILL: Color32 = Color32::from_rgb(33, 84, 107);
const FUNCTION_FILL: Color32 = Color32::from_rgb(115, 66, 20);
const SERVICE_FILL: Color32 = Color32::from_rgb(56, 61, 92);
const EDGE: Color32 = Color32::from_rgb(140, 153, 173);
/// Behind a wire's label: the canvas's background, a little see-through.
const LABEL_FILL: Color32 = Color32::from_rgba_premultiplied(18, 20, 26, 220);
const SELECTED: Color32 = Color32::from_rgb(255, 230, 77);
const CANVAS_FILL: Color32 = Color32::from_rgb(20, 23, 28);

fn shortcuts(
    keys: Option<Res<ButtonInput<KeyCode>>>,
    wants: Option<Res<EguiWantsInput>>,
    canvas: Res<DesignCanvas>,
    mut actions: MessageWriter<DesignAction>,
) {
    let (Some(keys), Some(wants)) = (keys, wants) else { return };
    if !canvas.open || canvas.doc.is_none() || wants.wants_any_keyboard_input() {
        return;
    }
    let ctrl = keys.any_pressed([KeyCode::ControlLeft, KeyCode::ControlRight, KeyCode::SuperLeft]);
    let shift = keys.any_pressed([KeyCode::ShiftLeft, KeyCode::ShiftRight]);
    if ctrl && keys.just_pressed(KeyCode::KeyZ) {
        actions.write(if shift { DesignAction::Redo } else { DesignAction::Undo });
    } else if ctrl && keys.just_pressed(KeyCode::KeyY) {
        actions.write(DesignAction::Redo);
    } else if keys.just_pressed(KeyCode::Escape) {
        actions.write(DesignAction::WireFrom(None));
    } else if keys.just_pressed(KeyCode::Delete)
        && let Some(node) = canvas.selected.clone()
    {
        actions.write(DesignAction::Edit(design::Command::Delete { node }));
    }
}

fn draw(
    mut contexts: EguiContexts,
    canvas: Res<DesignCanvas>,
    mut ui_state: ResMut<CanvasUi>,
    viewport: Res<TopologyViewport>,
    mut actions: MessageWriter<DesignAction>,
) -> Result {
    let Some(doc) = &canvas.doc else { return Ok(()) };
    let ctx = contexts.ctx_mut()?;
    ui_state.targets.clear();
    let ppp = ctx.pixels_per_point();
    let min = egui::pos2(viewport.position.x as f32 / ppp, viewport.position.y as f32 / ppp);
    let mut out = Vec::new();
    if !canvas.open {
        // The design stays: a button brings it back over the run.
        egui::Area::new("design-reopen".into())
            .order(egui::Order::Foreground)
            .fixed_pos(min + egui::vec2(8.0, 8.0))
            .show(ctx, |ui| {
                egui::Frame::popup(ui.style()).show(ui, |ui| {
                    if ui.button("✏ Back to the design").on_hover_text("the design canvas, as you left it").clicked()
                    {
                        out.push(DesignAction::Show(true));
                    }
                });
            });
        actions.write_batch(out);
        return Ok(());
    }
    // The canvas is a mode of its own: it takes the window below the top bar (the
    // topology's top edge), side and bottom panels included, for room to draw.
    let screen = ctx.viewport_rect();
    let min = egui::pos2(screen.min.x, min.y);
    let size = screen.max - min;
    if size.x < 200.0 || size.y < 150.0 {
        return Ok(());
    }
    // Not constrained: egui would push an area as large as the free space off its place.
    let area = egui::Area::new("design-canvas".into()).order(egui::Order::Middle).constrain(false).fixed_pos(min);
    area.show(ctx, |ui| {
        ui.set_min_size(size);
        ui.set_max_size(size);
        egui::Frame::new().fill(CANVAS_FILL).inner_margin(6.0).show(ui, |ui| {
            ui.set_min_size(size - egui::vec2(12.0, 12.0));
            toolbar_ui(ui, &canvas, doc, &mut ui_state, &mut out);
            ui.separator();
            let height = ui.available_height().max(100.0);
            let column = egui::Layout::top_down(egui::Align::Min);
            ui.horizontal_top(|ui| {
                let width = (ui.available_width() - SIDE_WIDTH - 8.0).max(200.0);
                ui.allocate_ui_with_layout(egui::vec2(width, height), column, |ui| {
                    egui::ScrollArea::both().id_salt("design-area").show(ui, |ui| {
                        graph_ui(ui, &canvas, doc, &mut ui_state, &mut out);
                    });
                });
                ui.separator();
                ui.allocate_ui_with_layout(egui::vec2(SIDE_WIDTH, height), column, |ui| {
                    egui::ScrollArea::vertical().id_salt("design-side").show(ui, |ui| {
                        side_ui(ui, &canvas, doc, &mut ui_state, &mut out);
                    });
                });
            });
        });
    });
    // Published when they change (the app may draw only on input, so not every N frames).
    #[cfg(target_arch = "wasm32")]
    {
        let published = format!("{}\n{}", summary(doc), targets_json(&ui_state.targets, ppp));
        if published != ui_state.published {
            let (design, targets) = published.split_once('\n').unwrap_or_default();
            crate::app::web::publish("design", design);
            crate::app::web::publish("designTargets", targets);
            ui_state.published = published;
        }
    }
    actions.write_batch(out);
    Ok(())
}

/// The design's nodes and wires in one line (`function "a"; ...|connect: x -> y; ...`),
/// what the end-to-end check compares before and after a link.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
fn summary(doc: &DesignDoc) -> String {
    let nodes: Vec<String> =
        doc.nodes().iter().filter(|n| doc.owner(n) == Some(Owner::Design)).map(Node::label).collect();
    let edges: Vec<String> = doc
        .edges()
        .iter()
        .filter(|e| !e.fixed)
        .map(|e| format!("{}: {} -> {}", e.label, e.from.label(), e.to.label()))
        .collect();
    format!("{}|{}", nodes.join("; "), edges.join("; "))
}

/// The targets as JSON, `{"name": [x, y, width, height], ...}` in physical pixels.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
fn targets_json(targets: &[(String, egui::Rect)], ppp: f32) -> String {
    let map: serde_json::Map<String, serde_json::Value> = targets
        .iter()
        .map(|(name, r)| {
            (name.clone(), serde_json::json!([r.min.x * ppp, r.min.y * ppp, r.width() * ppp, r.height() * ppp]))
        })
        .collect();
    serde_json::Value::Object(map).to_string()
}

/// A name not yet used by the design or the brief for that kind (`function-2`).
fn fresh_name(doc: &DesignDoc, kind: Kind, typed: &str) -> String {
    let typed = typed.trim();
    if !typed.is_empty() {
        return typed.to_string();
    }
    let base = kind.noun().to_lowercase();
    (1..).map(|i| format!("{base}-{i}")).find(|n| doc.owner(&Node::new(kind, n)).is_none()).expect("a free name")
}

fn toolbar_ui(
    ui: &mut egui::Ui,
    canvas: &DesignCanvas,
    doc: &DesignDoc,
    state: &mut CanvasUi,
    out: &mut Vec<DesignAction>,
) {
    ui.horizontal_wrapped(|ui| {
        ui.label(RichText::new(format!("Design for {}", doc.brief_name())).strong());
        ui.separator();
        ui.add(egui::TextEdit::singleline(&mut state.new_name).hint_text("name (optional)").desired_width(120.0));
        for (label, kind) in
            [("+ Function", Kind::Function), ("+ Queue", Kind::Queue), ("+ Bus", Kind::Bus), ("+ Bucket", Kind::Bucket)]
        {
            let button = ui.button(label);
            state.targets.push((label.to_string(), button.rect));
            if button.clicked() {
                let name = fresh_name(doc, kind, &state.new_name);
                let command = match kind {
                    Kind::Function => design::Command::AddFunction {
                        name,
                        runtime: Runtime::Python,
                        memory_mb: 512,
                        duration: design::parse_dist("LogNormal(median: \"50ms\", p99: \"200ms\")")
                            .expect("a valid distribution"),
                    },
                    Kind::Queue => design::Command::AddQueue { name },
                    Kind::Bus => design::Command::AddBus { name },
                    _ => design::Command::AddBucket { name },
                };
                out.push(DesignAction::Edit(command));
                state.new_name.clear();
            }
        }
        ui.separator();
        let undo = ui.add_enabled(doc.can_undo(), egui::Button::new("↶ Undo")).on_hover_text("Ctrl+Z");
        state.targets.push(("Undo".into(), undo.rect));
        if undo.clicked() {
            out.push(DesignAction::Undo);
        }
        if ui.add_enabled(doc.can_redo(), egui::Button::new("↷ Redo")).on_hover_text("Ctrl+Shift+Z").clicked() {
            out.push(DesignAction::Redo);
        }
        ui.separator();
        let runnable = canvas.problems.is_empty();
        let run = egui::Button::new(RichText::new("▶ Run").strong());
        let run = ui
            .add_enabled(runnable, run)
            .on_hover_text("merge with the brief and play it: charts, traces, the challenge's grading")
            .on_disabled_hover_text("fix the problems listed on the right first");
        state.targets.push(("Run".into(), run.rect));
        if run.clicked() {
            out.push(DesignAction::Run);
        }
        ui.separator();
        let mut path = canvas.save_path.clone();
        ui.add(egui::TextEdit::singleline(&mut path).desired_width(170.0));
        if path != canvas.save_path {
            out.push(DesignAction::SetSavePath(path.clone()));
        }
        if ui.button("💾 Save .ron").on_hover_text("the design file, as `faaslab run` reads it").clicked() {
            out.push(DesignAction::Save { path });
        }
        let share = ui.button("🔗 Share").on_hover_text("a link that opens this design, as drawn, on the canvas");
        state.targets.push(("Share".into(), share.rect));
        if share.clicked() {
            state.shared = Some(super::share_fragment(doc).map(|fragment| link_for(ui.ctx(), &fragment)));
        }
        if ui.button("Close").on_hover_text("back to the run; the design is kept").clicked() {
            out.push(DesignAction::Show(false));
        }
    });
    match state.shared.clone() {
        Some(Ok(mut link)) => {
            ui.horizontal(|ui| {
                ui.add(egui::TextEdit::singleline(&mut link).desired_width(420.0));
                ui.label("Copied: this link opens the design as it is now.");
                if ui.small_button("✕").clicked() {
                    state.shared = None;
                }
            });
        }
        Some(Err(why)) => {
            ui.label(RichText::new(why).color(palette::ERROR_TEXT));
        }
        None => {}
    }
    if let Some(from) = &canvas.wire_from {
        ui.label(
            RichText::new(format!("Wiring from {}: click the node to wire it to (Escape cancels).", from.label()))
                .color(SELECTED),
        );
    }
    if let Some(message) = &canvas.message {
        ui.label(RichText::new(message).color(palette::ERROR_TEXT));
    }
}

fn fill(kind: Kind, owner: Owner) -> Color32 {
    match (owner, kind) {
        (_, Kind::Trigger) => TRIGGER_FILL,
        (Owner::Brief, _) => FIXED_FILL,
        (Owner::Design, Kind::Function) => FUNCTION_FILL,
        (Owner::Design, _) => SERVICE_FILL,
    }
}

fn graph_ui(
    ui: &mut egui::Ui,
    canvas: &DesignCanvas,
    doc: &DesignDoc,
    state: &mut CanvasUi,
    out: &mut Vec<DesignAction>,
) {
    let positions = doc.positions();
    let extent = positions
        .values()
        .fold(egui::vec2(0.0, 0.0), |e, p| e.max(egui::vec2(p[0], p[1]) + NODE + egui::vec2(20.0, 20.0)));
    // The whole design fits the space it has, down to half size (then it scrolls).
    let room = ui.available_size();
    let scale = (room.x / extent.x.max(1.0)).min(room.y / extent.y.max(1.0)).clamp(0.5, 1.0);
    let (area, background) = ui.allocate_exact_size((extent * scale).max(room), egui::Sense::click());
    if background.clicked() {
        out.push(DesignAction::Select(None));
        out.push(DesignAction::WireFrom(None));
    }
    let painter = ui.painter_at(area);
    let dragging = state.dragging.clone();
    let rect_of = |node: &Node| -> Option<egui::Rect> {
        let p = positions.get(node)?;
        let mut min = area.min + egui::vec2(p[0], p[1]) * scale;
        if let Some((dragged, by)) = &dragging
            && dragged == node
        {
            min += *by;
        }
        Some(egui::Rect::from_min_size(min, NODE * scale))
    };
    // Wires under the nodes, their labels over them (a short wire's label is wider than
    // the gap it crosses: under the nodes it was cut off).
    let labels: Vec<(egui::Pos2, String)> =
        doc.edges().iter().filter_map(|edge| edge_ui(&painter, edge, rect_of(&edge.from), rect_of(&edge.to))).collect();
    for node in doc.nodes() {
        let Some(rect) = rect_of(&node) else { continue };
        let owner = doc.owner(&node).unwrap_or(Owner::Brief);
        let problems = doc.node_problems(&node, &canvas.problems).len();
        let selected = canvas.selected.as_ref() == Some(&node) || canvas.wire_from.as_ref() == Some(&node);
        let stroke = if selected {
            egui::Stroke::new(2.5, SELECTED)
        } else if problems > 0 {
            egui::Stroke::new(2.0, palette::FAIL)
        } else {
            egui::Stroke::new(1.0, EDGE)
        };
        painter.rect(rect, 6.0, fill(node.kind, owner), stroke, egui::StrokeKind::Inside);
        let title =
            if owner == Owner::Brief { format!("{} (brief)", node.kind.noun()) } else { node.kind.noun().to_string() };
        painter.text(
            rect.min + egui::vec2(8.0, 6.0) * scale,
            egui::Align2::LEFT_TOP,
            title,
            egui::FontId::proportional(11.0 * scale),
            Color32::from_gray(190),
        );
        painter.text(
            rect.min + egui::vec2(8.0, 24.0) * scale,
            egui::Align2::LEFT_TOP,
            &node.name,
            egui::FontId::proportional(15.0 * scale),
            Color32::WHITE,
        );
        if problems > 0 {
            painter.text(
                rect.right_top() + egui::vec2(-8.0, 6.0),
                egui::Align2::RIGHT_TOP,
                format!("⚠ {problems}"),
                egui::FontId::proportional(12.0),
                palette::FAIL,
            );
        }
        let response = ui.interact(rect, ui.id().with(("design-node", &node)), egui::Sense::click_and_drag());
        state.targets.push((node.label(), rect));
        if response.dragged() {
            let by = state.dragging.as_ref().filter(|(n, _)| *n == node).map_or(egui::Vec2::ZERO, |(_, v)| *v);
            state.dragging = Some((node.clone(), by + response.drag_delta()));
        }
        if response.drag_stopped()
            && let Some((dragged, by)) = state.dragging.take()
            && let Some(p) = positions.get(&dragged)
        {
            let (x, y) = ((p[0] + by.x / scale).max(0.0), (p[1] + by.y / scale).max(0.0));
            out.push(DesignAction::Edit(design::Command::Move { node: dragged, x, y }));
        }
        if response.clicked() {
            match &canvas.wire_from {
                Some(from) if *from != node => {
                    out.push(DesignAction::Edit(design::Command::Wire { from: from.clone(), to: node.clone() }));
                    out.push(DesignAction::WireFrom(None));
                }
                _ => {
                    out.push(DesignAction::WireFrom(None));
                    out.push(DesignAction::Select(Some(node.clone())));
                }
            }
        }
    }
    for (at, label) in labels {
        edge_label(&painter, at, &label);
    }
}

/// A wire: an arrow from the right of one node to the left of the other. Returns where
/// its label goes (drawn once the nodes are).
fn edge_ui(
    painter: &egui::Painter,
    edge: &Edge,
    from: Option<egui::Rect>,
    to: Option<egui::Rect>,
) -> Option<(egui::Pos2, String)> {
    let (Some(from), Some(to)) = (from, to) else { return None };
    let (a, b) = if edge.from == edge.to {
        (from.right_center(), from.right_bottom())
    } else if to.center().x >= from.right() {
        (from.right_center(), to.left_center())
    } else if to.right() <= from.left() {
        (from.left_center(), to.right_center())
    } else if to.center().y > from.center().y {
        (from.center_bottom(), to.center_top())
    } else {
        (from.center_top(), to.center_bottom())
    };
    let colour = if edge.fixed { Color32::from_gray(110) } else { EDGE };
    arrow(painter, a, b, egui::Stroke::new(1.5, colour));
    // A level wire's label sits above the two nodes' top edges, in the space between
    // rows: at the wire itself it covered the nodes' captions (the gap is narrower than
    // most labels). A slanted wire's goes at its middle, between the rows already.
    let middle = a + (b - a) * 0.5;
    let at = if (b.y - a.y).abs() < from.height() / 2.0 {
        egui::pos2(middle.x, from.top().min(to.top()) + 1.0)
    } else {
        middle
    };
    Some((at, edge.label.clone()))
}

/// A line with a head of a fixed size at `b` (egui's own arrow head is a quarter of the
/// arrow's length: a long wire ended in stubs reaching past its node).
fn arrow(painter: &egui::Painter, a: egui::Pos2, b: egui::Pos2, stroke: egui::Stroke) {
    const HEAD: f32 = 8.0;
    painter.line_segment([a, b], stroke);
    let back = (a - b).normalized() * HEAD;
    let turn = egui::emath::Rot2::from_angle(std::f32::consts::TAU / 12.0);
    painter.line_segment([b, b + turn * back], stroke);
    painter.line_segment([b, b + turn.inverse() * back], stroke);
}

/// A wire's label above its middle, on a dark patch so that it reads over a node.
fn edge_label(painter: &egui::Painter, at: egui::Pos2, label: &str) {
    let galley = painter.layout_no_wrap(label.to_string(), egui::FontId::proportional(10.5), Color32::from_gray(210));
    let rect = egui::Align2::CENTER_BOTTOM.anchor_size(at + egui::vec2(0.0, -3.0), galley.size());
    painter.rect_filled(rect.expand2(egui::vec2(3.0, 1.0)), 3.0, LABEL_FILL);
    painter.galley(rect.min, galley, Color32::from_gray(210));
}

fn side_ui(
    ui: &mut egui::Ui,
    canvas: &DesignCanvas,
    doc: &DesignDoc,
    state: &mut CanvasUi,
    out: &mut Vec<DesignAction>,
) {
    ui.set_width(SIDE_WIDTH - 12.0);
    egui::CollapsingHeader::new(RichText::new("Inspector").strong()).default_open(true).show(ui, |ui| {
        inspector_ui(ui, canvas, doc, state, out);
    });
    egui::CollapsingHeader::new(RichText::new("Requirements (the brief's)").strong()).default_open(true).show(
        ui,
        |ui| {
            requirements_ui(ui, doc);
        },
    );
    let title = format!("Problems ({})", canvas.problems.len());
    egui::CollapsingHeader::new(RichText::new(title).strong()).default_open(true).show(ui, |ui| {
        if canvas.problems.is_empty() {
            ui.label(RichText::new("None: the design runs. Press Run.").color(palette::PASS));
        }
        for d in &canvas.problems {
            ui.label(
                RichText::new(format!("{}:{} {}: {}", d.line, d.column, d.path, d.message))
                    .color(palette::ERROR_TEXT)
                    .small(),
            );
        }
    });
}

fn inspector_ui(
    ui: &mut egui::Ui,
    canvas: &DesignCanvas,
    doc: &DesignDoc,
    state: &mut CanvasUi,
    out: &mut Vec<DesignAction>,
) {
    let Some(node) = &canvas.selected else {
        ui.weak("Click a node to inspect it. Add parts with the palette above; wire them with \"Wire from\".");
        return;
    };
    ui.label(RichText::new(node.label()).strong());
    ui.horizontal(|ui| {
        let wire = ui.button("Wire from").on_hover_text("then click the node to wire it to");
        state.targets.push(("Wire from".into(), wire.rect));
        if wire.clicked() {
            out.push(DesignAction::WireFrom(Some(node.clone())));
        }
        if doc.owner(node) == Some(Owner::Design) && ui.button("🗑 Delete").on_hover_text("Delete key").clicked() {
            out.push(DesignAction::Edit(design::Command::Delete { node: node.clone() }));
        }
    });
    if doc.owner(node) == Some(Owner::Brief) {
        ui.weak(
            "One of the brief's givens: fixed. Wire it (a trigger, bucket or stream) or wire your functions to it.",
        );
    }
    for problem in doc.node_problems(node, &canvas.problems) {
        ui.label(RichText::new(format!("{}: {}", problem.path, problem.message)).color(palette::ERROR_TEXT).small());
    }
    let fields = doc.fields(node);
    if !fields.is_empty() {
        egui::Grid::new("design-fields").num_columns(2).striped(true).show(ui, |ui| {
            for f in fields {
                ui.label(&f.field).on_hover_text(&f.help);
                let slot = state.editing.iter().position(|(name, _)| *name == f.field);
                let mut text = slot.map_or(f.value.clone(), |i| state.editing[i].1.clone());
                let response = ui.add(egui::TextEdit::singleline(&mut text).desired_width(170.0));
                if response.changed() {
                    match slot {
                        Some(i) => state.editing[i].1 = text.clone(),
                        None => state.editing.push((f.field.clone(), text.clone())),
                    }
                }
                if response.lost_focus() && slot.is_some() {
                    state.editing.retain(|(name, _)| *name != f.field);
                    if text != f.value {
                        out.push(DesignAction::Edit(design::Command::SetField {
                            node: node.clone(),
                            field: f.field.clone(),
                            value: text,
                        }));
                    }
                }
                ui.end_row();
            }
        });
    }
    let wires: Vec<Edge> = doc.edges().into_iter().filter(|e| e.from == *node && !e.fixed).collect();
    if !wires.is_empty() {
        ui.label(RichText::new("Wires from here").strong());
        for e in wires {
            ui.horizontal(|ui| {
                ui.label(format!("{} → {}", e.label, e.to.label()));
                if ui.small_button("✕").on_hover_text("remove this wire").clicked() {
                    out.push(DesignAction::Edit(design::Command::Unwire { from: e.from.clone(), to: e.to.clone() }));
                }
            });
        }
    }
}

fn requirements_ui(ui: &mut egui::Ui, doc: &DesignDoc) {
    let brief = doc.brief();
    if let Some(challenge) = &brief.challenge {
        ui.label(challenge.goal.trim());
    }
    for flow in &brief.config.flows {
        let effects: Vec<String> = flow.effects.iter().map(|e| e.label()).collect();
        ui.label(format!(
            "Flow {}: every request of {} causes {}, within {}{}.",
            flow.name,
            flow.from.join(", "),
            effects.join(", "),
            flow.within,
            if flow.at_least_once { " (at least once)" } else { ", each exactly once" }
        ));
    }
    if let Some(challenge) = &brief.challenge {
        ui.label(RichText::new("Objectives").strong());
        for o in &challenge.objectives {
            ui.label(format!("- {}", o.requirement()));
        }
    }
}
