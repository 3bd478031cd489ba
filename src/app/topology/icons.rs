//! The node-kind icons: image files in assets/icons/ (drawn by assets/icons.py) loaded
//! through Bevy's asset server and shown as sprites at each node's left end, tinted
//! with the text colour. Until a file has loaded, or when it is missing, `draw` draws
//! the same shape with gizmos: a missing file costs the look, never the picture.

use super::graph::{NodeKind, TriggerKind};
use super::nodes::Topology;
use crate::app::AppSystems;
use crate::app::theme::palette;
use bevy::prelude::*;

pub(super) fn plugin(app: &mut App) {
    app.add_systems(Startup, load).add_systems(Update, place_icons.after(AppSystems::Rebuild));
}

/// Every kind a node can be, for loading each file once.
const ALL_KINDS: [NodeKind; 16] = [
    NodeKind::Function,
    NodeKind::Queue,
    NodeKind::Stream,
    NodeKind::Database,
    NodeKind::Bus,
    NodeKind::Bucket,
    NodeKind::Workflow,
    NodeKind::Api,
    NodeKind::Trigger(TriggerKind::Http),
    NodeKind::Trigger(TriggerKind::Async),
    NodeKind::Trigger(TriggerKind::Producer),
    NodeKind::Trigger(TriggerKind::Schedule),
    NodeKind::Trigger(TriggerKind::Events),
    NodeKind::Trigger(TriggerKind::Upload),
    NodeKind::Trigger(TriggerKind::Writes),
    NodeKind::Trigger(TriggerKind::Workflow),
];

/// The file inside the assets folder that pictures a node of `kind`.
pub fn icon_file(kind: NodeKind) -> &'static str {
    match kind {
        NodeKind::Function => "icons/function.png",
        NodeKind::Queue => "icons/queue.png",
        NodeKind::Stream => "icons/stream.png",
        NodeKind::Database => "icons/database.png",
        NodeKind::Bus => "icons/bus.png",
        NodeKind::Bucket => "icons/bucket.png",
        NodeKind::Workflow => "icons/workflow.png",
        NodeKind::Api => "icons/api.png",
        NodeKind::Trigger(kind) => match kind {
            TriggerKind::Http => "icons/trigger-http.png",
            // A producer sends messages without waiting, as an asynchronous caller does.
            TriggerKind::Async | TriggerKind::Producer => "icons/trigger-async.png",
            TriggerKind::Schedule => "icons/trigger-schedule.png",
            TriggerKind::Events => "icons/trigger-events.png",
            TriggerKind::Upload => "icons/trigger-upload.png",
            TriggerKind::Writes => "icons/trigger-writes.png",
            TriggerKind::Workflow => "icons/trigger-workflow.png",
        },
    }
}

/// The loaded (or loading) icon of each kind.
#[derive(Resource)]
pub struct NodeIcons {
    handles: Vec<(NodeKind, Handle<Image>)>,
}

impl NodeIcons {
    fn handle(&self, kind: NodeKind) -> Option<&Handle<Image>> {
        self.handles.iter().find(|(k, _)| *k == kind).map(|(_, h)| h)
    }

    /// Whether the sprite shows `kind`'s icon (else gizmos draw it).
    pub fn is_loaded(&self, kind: NodeKind, images: &Assets<Image>) -> bool {
        self.handle(kind).is_some_and(|h| images.contains(h))
    }
}

fn load(mut commands: Commands, assets: Res<AssetServer>) {
    let handles = ALL_KINDS.iter().map(|&kind| (kind, assets.load(icon_file(kind)))).collect();
    commands.insert_resource(NodeIcons { handles });
}

/// Where a node's icon goes: a square of radius `r` around `centre`, at the body's left
/// end (the text starts right of it). Gizmos draw their fallback in the same place.
pub fn icon_place(body: Rect) -> (Vec2, f32) {
    (Vec2::new(body.min.x + body.height() * 0.45, body.center().y), body.height() * 0.3)
}

/// A node's icon sprite (despawned when the topology is rebuilt).
#[derive(Component)]
struct NodeIcon;

/// One sprite per node, again whenever the topology was rebuilt (another scenario,
/// presenter mode, a new wiring). A sprite whose image has not loaded draws nothing.
fn place_icons(
    mut commands: Commands,
    topology: Option<Res<Topology>>,
    icons: Option<Res<NodeIcons>>,
    placed: Query<Entity, With<NodeIcon>>,
) {
    let (Some(topology), Some(icons)) = (topology, icons) else { return };
    if !topology.is_changed() {
        return;
    }
    for entity in &placed {
        commands.entity(entity).despawn();
    }
    for (id, node) in topology.graph.nodes.iter().enumerate() {
        let Some(image) = icons.handle(node.kind) else { continue };
        let (centre, r) = icon_place(topology.body(id));
        commands.spawn((
            NodeIcon,
            Sprite { image: image.clone(), color: palette::TEXT, custom_size: Some(Vec2::splat(2.0 * r)), ..default() },
            // Above the body (z 0), below the texts (z 1).
            Transform::from_translation(centre.extend(0.5)),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::{ALL_KINDS, icon_file};

    /// Every kind's file is a PNG in assets/, listed in its README with where it came
    /// from, and drawn by the script beside it.
    #[test]
    fn every_node_kind_has_an_icon_file_listed_in_the_assets_readme() {
        let readme = std::fs::read_to_string("assets/README.md").expect("run from the crate root");
        let script = std::fs::read_to_string("assets/icons.py").expect("assets/icons.py");
        for kind in ALL_KINDS {
            let file = icon_file(kind);
            let bytes = std::fs::read(format!("assets/{file}")).unwrap_or_else(|e| panic!("assets/{file}: {e}"));
            assert_eq!(bytes[..8], *b"\x89PNG\r\n\x1a\n", "{file}: not a PNG");
            assert!(readme.contains(&format!("`{file}`")), "assets/README.md does not list {file}");
            let drawn_by = file.trim_start_matches("icons/").trim_end_matches(".png").replace('-', "_");
            assert!(script.contains(&format!("def {drawn_by}(pen)")), "icons.py does not draw {file}");
        }
    }
}
