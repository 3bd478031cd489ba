//! Names: a scenario refers to its nodes by name, the simulation by index.

/// What a scenario refers to by name (functions, queues, databases, ...).
pub trait Named {
    fn name(&self) -> &str;
}

/// The index of the item called `name`.
pub fn index_of<T: Named>(items: &[T], name: &str) -> Option<u32> {
    items.iter().position(|i| i.name() == name).map(|i| i as u32)
}
