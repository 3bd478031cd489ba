//! Editing a design by commands: adding parts, wiring, setting fields, deleting and
//! moving nodes, each applied whole or not at all, with undo and redo.

use super::{DesignDoc, Kind, Node, Owner, wiring};
use crate::sim::function::{FunctionSpec, Runtime};
use crate::sim::kernel::dist::Dist;
use crate::sim::names::quoted;

/// An edit of the design.
#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    AddFunction {
        name: String,
        runtime: Runtime,
        memory_mb: u32,
        duration: Dist,
    },
    AddQueue {
        name: String,
    },
    AddBus {
        name: String,
    },
    AddBucket {
        name: String,
    },
    /// See the module docs for the wirings that mean something.
    Wire {
        from: Node,
        to: Node,
    },
    /// Removes a wire (the last call, when a function calls the same node twice).
    Unwire {
        from: Node,
        to: Node,
    },
    /// An inspector field: a knob's property (`memory`, `max_concurrency`, `dlq`, ...)
    /// with the knob's words, a call's field (`calls[1].retries`), or any field of the
    /// part as RON (`duration` = `LogNormal(median: "20ms", p99: "80ms")`).
    SetField {
        node: Node,
        field: String,
        value: String,
    },
    /// Removes a node of the design and every wire to or from it.
    Delete {
        node: Node,
    },
    Move {
        node: Node,
        x: f32,
        y: f32,
    },
}

impl DesignDoc {
    /// Applies a command; on success it can be undone. A refused command changes
    /// nothing and says why (and what is allowed).
    pub fn apply(&mut self, command: Command) -> Result<(), String> {
        let before = self.state.clone();
        let result = self.run(command);
        match result {
            Ok(()) if self.state != before => {
                self.undo.push(before);
                self.redo.clear();
                self.lay_out();
                Ok(())
            }
            Ok(()) => Ok(()),
            Err(e) => {
                self.state = before;
                Err(e)
            }
        }
    }

    /// Goes back one command; false when there is none.
    pub fn undo(&mut self) -> bool {
        let Some(previous) = self.undo.pop() else { return false };
        self.redo.push(std::mem::replace(&mut self.state, previous));
        self.lay_out();
        true
    }

    /// Redoes the last undone command; false when there is none.
    pub fn redo(&mut self) -> bool {
        let Some(next) = self.redo.pop() else { return false };
        self.undo.push(std::mem::replace(&mut self.state, next));
        self.lay_out();
        true
    }

    fn run(&mut self, command: Command) -> Result<(), String> {
        match command {
            Command::AddFunction { name, runtime, memory_mb, duration } => {
                self.free_name(Kind::Function, &name)?;
                self.parts_mut().functions.push(FunctionSpec::new(&name, runtime, memory_mb, duration));
            }
            Command::AddQueue { name } => {
                self.free_name(Kind::Queue, &name)?;
                self.parts_mut().queues.push(from_defaults(&name));
            }
            Command::AddBus { name } => {
                self.free_name(Kind::Bus, &name)?;
                self.parts_mut().buses.push(from_defaults(&name));
            }
            Command::AddBucket { name } => {
                self.free_name(Kind::Bucket, &name)?;
                self.parts_mut().buckets.push(from_defaults(&name));
            }
            Command::Wire { from, to } => wiring::wire(self, &from, &to)?,
            Command::Unwire { from, to } => wiring::unwire(self, &from, &to)?,
            Command::SetField { node, field, value } => self.set_field(&node, &field, &value)?,
            Command::Delete { node } => {
                self.editable(&node)?;
                wiring::delete(self, &node);
                self.state.pinned.remove(&node);
            }
            Command::Move { node, x, y } => {
                if self.owner(&node).is_none() {
                    return Err(format!("there is no {} to move", node.label()));
                }
                if !(x.is_finite() && y.is_finite()) {
                    return Err("a position is two finite numbers".into());
                }
                self.state.pinned.insert(node, [x, y]);
            }
        }
        Ok(())
    }

    /// `name` is free for a new node of `kind` (in the design and the brief).
    fn free_name(&self, kind: Kind, name: &str) -> Result<Node, String> {
        let node = Node::new(kind, name);
        if name.trim().is_empty() || name.trim() != name {
            return Err(format!("a {} needs a name (without spaces around it)", kind.noun()));
        }
        match self.owner(&node) {
            Some(Owner::Design) => Err(format!("the design already has a {}", node.label())),
            Some(Owner::Brief) => {
                Err(format!("the brief already has a {}: use it, or name yours otherwise", node.label()))
            }
            None => Ok(node),
        }
    }

    /// Refuses the brief's parts (its givens) and nodes that do not exist.
    pub(super) fn editable(&self, node: &Node) -> Result<usize, String> {
        match (self.design_index(node), self.owner(node)) {
            (Some(i), _) => Ok(i),
            (None, Some(_)) => Err(format!("the brief's {} is fixed: it is one of the brief's givens", node.label())),
            (None, None) => Err(format!("the design has no {}", node.label())),
        }
    }
}

/// A part with every default but its name (what the file's `(name: "x")` reads as).
fn from_defaults<T: serde::de::DeserializeOwned>(name: &str) -> T {
    let text = format!("(name: {})", quoted(name));
    ron::from_str(&text).expect("every part but a function and an API needs only its name (tested)")
}
