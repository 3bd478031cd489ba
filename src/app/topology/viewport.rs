//! The part of the window the panels leave to the topology: the panels measure it, the
//! camera fits the graph into it and presenter mode's layout shapes its bands to it.

use bevy::prelude::*;

/// The topology's part of the window, in physical pixels (written by the panels after
/// they are laid out).
#[derive(Resource, Clone, Copy, PartialEq)]
pub struct TopologyViewport {
    pub position: UVec2,
    pub size: UVec2,
    /// Physical pixels per logical pixel (a phone's 2 or 3; 1 on most desktops).
    pub scale_factor: f32,
}

impl Default for TopologyViewport {
    fn default() -> Self {
        TopologyViewport { position: UVec2::ZERO, size: UVec2::ZERO, scale_factor: 1.0 }
    }
}

impl TopologyViewport {
    /// The size in logical pixels: what the camera's projection spans at scale 1 and
    /// what label sizes are measured in.
    pub fn logical_size(&self) -> Vec2 {
        self.size.as_vec2() / self.scale_factor.max(f32::MIN_POSITIVE)
    }
}

#[cfg(test)]
mod tests {
    use super::TopologyViewport;
    use bevy::prelude::*;

    /// A phone's 1000x1400 physical pixels at 2 to one are the 500x700 the camera
    /// spans and the layout measures labels in (the graph was fitted twice too large).
    #[test]
    fn a_phone_screen_is_measured_in_logical_pixels() {
        let phone = TopologyViewport { position: UVec2::ZERO, size: UVec2::new(1000, 1400), scale_factor: 2.0 };
        assert_eq!(phone.logical_size(), Vec2::new(500.0, 700.0));
        let desktop = TopologyViewport { size: UVec2::new(1100, 520), ..default() };
        assert_eq!(desktop.logical_size(), Vec2::new(1100.0, 520.0));
    }
}
