//! Colours shared by the topology, the legend, the charts and the panels, so one
//! meaning has one colour everywhere. Chosen to stay apart on a washed-out projector.

use bevy::prelude::Color;
use bevy_egui::egui::Color32;

/// Behind the topology.
pub const BACKGROUND: Color = Color::srgb(0.08, 0.09, 0.11);

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

// Panels (egui).
/// A refused change or a file that could not be opened, said in words.
pub const ERROR_TEXT: Color32 = Color32::from_rgb(255, 120, 110);
/// A challenge objective met, or not.
pub const PASS: Color32 = Color32::from_rgb(90, 200, 120);
pub const FAIL: Color32 = Color32::from_rgb(235, 90, 80);
/// The part of the run played so far, under the timeline slider.
pub const REACHED: Color32 = Color32::from_rgb(120, 170, 230);
/// A/B compare: run A (solid) and run B (dashed).
pub const RUN_A: Color32 = Color32::from_rgb(245, 158, 41);
pub const RUN_B: Color32 = Color32::from_rgb(90, 210, 250);
/// Power tuning's best sizes.
pub const CHEAPEST: Color32 = Color32::from_rgb(110, 220, 120);
pub const FASTEST: Color32 = Color32::from_rgb(90, 210, 250);
/// The caption strip over the topology, and its text.
pub const CAPTION_FILL: Color32 = Color32::from_rgb(20, 24, 32);
pub const CAPTION_TEXT: Color32 = Color32::WHITE;

/// The same colour for egui.
pub fn egui(color: Color) -> Color32 {
    let c = color.to_srgba();
    let byte = |v: f32| (v.clamp(0.0, 1.0) * 255.0).round() as u8;
    Color32::from_rgb(byte(c.red), byte(c.green), byte(c.blue))
}
