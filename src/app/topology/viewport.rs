//! The part of the window the panels leave to the topology: the panels measure it, the
//! camera fits the graph into it and presenter mode's layout shapes its bands to it.

use bevy::prelude::*;

/// The topology's part of the window, in physical pixels (written by the panels after
/// they are laid out).
#[derive(Resource, Default, Clone, Copy, PartialEq)]
pub struct TopologyViewport {
    pub position: UVec2,
    pub size: UVec2,
}
