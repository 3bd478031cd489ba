//! Colours shared by the topology, the legend and the charts, so one meaning has one
//! colour everywhere. Chosen to stay apart on a washed-out projector.

use bevy::prelude::Color;

pub const TEXT: Color = Color::srgb(0.95, 0.95, 0.95);
pub const TEXT_DIM: Color = Color::srgb(0.75, 0.78, 0.82);
pub const TRIGGER_BODY: Color = Color::srgb(0.13, 0.33, 0.42);
pub const FUNCTION_BODY: Color = Color::srgb(0.45, 0.26, 0.08);
/// Queues, databases, buses, buckets, streams and workflows.
pub const SERVICE_BODY: Color = Color::srgb(0.22, 0.24, 0.36);
pub const EDGE: Color = Color::srgb(0.55, 0.6, 0.68);
pub const SELECTED: Color = Color::srgb(1.0, 0.9, 0.3);
pub const BADGE: Color = Color::srgb(1.0, 0.42, 0.38);

// Environment states.
pub const INITIALIZING: Color = Color::srgb(0.34, 0.61, 0.94);
pub const BUSY: Color = Color::srgb(0.96, 0.62, 0.16);
pub const IDLE: Color = Color::srgb(0.35, 0.75, 0.43);
pub const PROVISIONED: Color = Color::srgb(0.70, 0.50, 0.92);

// Request fates.
pub const WARM: Color = Color::srgb(0.45, 0.88, 0.50);
pub const COLD: Color = Color::srgb(0.38, 0.68, 1.0);
pub const THROTTLED: Color = Color::srgb(1.0, 0.25, 0.25);
pub const FAILED: Color = Color::srgb(1.0, 0.45, 0.85);
pub const RETRIED: Color = Color::srgb(1.0, 0.93, 0.35);

/// The same colour for egui.
pub fn egui(color: Color) -> bevy_egui::egui::Color32 {
    let c = color.to_srgba();
    let byte = |v: f32| (v.clamp(0.0, 1.0) * 255.0).round() as u8;
    bevy_egui::egui::Color32::from_rgb(byte(c.red), byte(c.green), byte(c.blue))
}
