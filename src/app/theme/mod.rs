//! The app's look, shared by every panel and the topology: the palette (one colour per
//! meaning), the fonts (files in assets/), the small widgets several panels draw (colour
//! swatches, value tables, error lines) and the knob widget (a knob by name, drawn by its
//! unit).

pub mod fonts;
pub mod knob;
pub mod palette;
pub mod widgets;
