//! Names: a scenario refers to its nodes by name, the simulation by index.

/// What a scenario refers to by name (functions, queues, databases, ...).
pub trait Named {
    fn name(&self) -> &str;
}

/// A node shared between the configuration and the run (functions' specs).
impl<T: Named> Named for std::sync::Arc<T> {
    fn name(&self) -> &str {
        (**self).name()
    }
}

/// A name in quotes for a message, escaped as Rust writes strings: a name holding a
/// newline or a quote cannot break a message over lines or end it early.
pub fn quoted(name: &str) -> String {
    format!("{name:?}")
}

/// The index of the item called `name`.
pub fn index_of<T: Named>(items: &[T], name: &str) -> Option<u32> {
    items.iter().position(|i| i.name() == name).map(|i| i as u32)
}

/// Names to indices for one kind of node, built once: looking up every name of a large
/// scenario stays linear (a scan per lookup made building 10 000 functions quadratic).
pub struct NameIndex<'a>(std::collections::HashMap<&'a str, u32>);

impl<'a> NameIndex<'a> {
    /// The index of each name; the first item wins when a name repeats (as `index_of`).
    pub fn of<T: Named>(items: &'a [T]) -> NameIndex<'a> {
        NameIndex::of_names(items.iter().map(Named::name))
    }

    /// The same over names in their nodes' order (triggers name themselves by kind).
    pub fn of_names(names: impl ExactSizeIterator<Item = &'a str>) -> NameIndex<'a> {
        let mut map = std::collections::HashMap::with_capacity(names.len());
        for (i, name) in names.enumerate() {
            map.entry(name).or_insert(i as u32);
        }
        NameIndex(map)
    }

    pub fn get(&self, name: &str) -> Option<u32> {
        self.0.get(name).copied()
    }
}
