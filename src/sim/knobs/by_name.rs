//! Knobs by name: `node.property` resolved against a configuration (one name, or many
//! through a `Resolver`), the messages for names that resolve to nothing, and every
//! knob a configuration has, named or by number.

use super::{KNOBS, Knob, KnobId, Owner};
use crate::sim::config::SimConfig;
use crate::sim::names::{NameIndex, index_of};

impl Owner {
    /// All the indices of this kind's nodes, by name, for resolving many names.
    fn name_index(self, config: &SimConfig) -> NameIndex<'_> {
        match self {
            Owner::Function => NameIndex::of(&config.functions),
            Owner::Trigger => NameIndex::of_names(config.triggers.iter().map(|t| t.name())),
            Owner::Queue => NameIndex::of(&config.queues),
            Owner::Database => NameIndex::of(&config.databases),
            Owner::Stream => NameIndex::of(&config.streams),
            Owner::Account => NameIndex::of_names(std::iter::once("account")),
        }
    }

    /// The index of the node called `node`, by scanning (one name: no index to build).
    fn index(self, config: &SimConfig, node: &str) -> Option<usize> {
        let index = match self {
            Owner::Function => index_of(&config.functions, node),
            Owner::Trigger => config.triggers.iter().position(|t| t.name() == node).map(|i| i as u32),
            Owner::Queue => index_of(&config.queues, node),
            Owner::Database => index_of(&config.databases, node),
            Owner::Stream => index_of(&config.streams, node),
            Owner::Account => (node == "account").then_some(0),
        };
        index.map(|i| i as usize)
    }
}

/// Resolves `node.property` against `config`.
pub fn resolve(config: &SimConfig, name: &str) -> Result<KnobId, String> {
    resolve_by(config, name, |owner, node| owner.index(config, node))
}

/// Resolves many knob names against one configuration, each in constant time (a share
/// link compares every knob of every node: by scanning the nodes for each name, 20 000
/// functions took the app seconds a refresh).
pub struct Resolver<'a> {
    config: &'a SimConfig,
    /// Each owner's nodes by name, built when a name first asks for that owner.
    indices: [std::cell::OnceCell<NameIndex<'a>>; Owner::Account as usize + 1],
}

impl<'a> Resolver<'a> {
    pub fn new(config: &'a SimConfig) -> Resolver<'a> {
        Resolver { config, indices: Default::default() }
    }

    /// What `resolve` gives for `name`.
    pub fn resolve(&self, name: &str) -> Result<KnobId, String> {
        resolve_by(self.config, name, |owner, node| {
            self.indices[owner as usize].get_or_init(|| owner.name_index(self.config)).get(node).map(|i| i as usize)
        })
    }
}

/// `resolve`, finding a node of a kind by `find`.
fn resolve_by(config: &SimConfig, name: &str, find: impl Fn(Owner, &str) -> Option<usize>) -> Result<KnobId, String> {
    let Some((node, property)) = name.trim().rsplit_once('.') else {
        return Err(format!("knob \"{name}\": expected node.property, such as \"api.memory\""));
    };
    // A property can belong to several kinds of node (a queue's batch size and a
    // stream's): the node's name says which.
    let candidates: Vec<&'static Knob> = KNOBS.iter().filter(|k| k.property == property).collect();
    if candidates.is_empty() {
        return Err(unknown_property(config, name, node, property));
    }
    let found = candidates.iter().find_map(|k| find(k.owner, node).map(|i| (*k, i)));
    let Some((knob, index)) = found else {
        let kinds: Vec<&str> = candidates.iter().map(|k| k.owner.noun()).collect();
        let kind = kinds.join(" or ");
        let nodes = each_once(candidates.iter().flat_map(|k| k.owner.nodes(config)));
        let list = if nodes.is_empty() { "this scenario has none".to_string() } else { nodes.join(", ") };
        return Err(format!(
            "knob \"{name}\": \"{property}\" is a knob of a {kind}, and there is no {kind} \"{node}\" ({list})"
        ));
    };
    (knob.applies)(config, index).map_err(|why| format!("knob \"{name}\": {} \"{node}\" {why}", knob.owner.noun()))?;
    Ok(KnobId { index, knob })
}

/// What to say about a property no knob has: the knobs `node` does have, or, when no
/// node has that name, the nodes there are (the whole list of properties of every
/// kind of node would not help).
fn unknown_property(config: &SimConfig, name: &str, node: &str, property: &str) -> String {
    let prefix = format!("{node}.");
    let own = each_once(knob_names(config).into_iter().filter_map(|n| n.strip_prefix(&prefix).map(str::to_owned)));
    if own.is_empty() {
        let nodes = each_once(KNOBS.iter().flat_map(|k| k.owner.nodes(config)));
        return format!("knob \"{name}\": no node \"{node}\" has a knob \"{property}\" (nodes: {})", nodes.join(", "));
    }
    format!("knob \"{name}\": \"{node}\" has no knob \"{property}\" (its knobs: {})", own.join(", "))
}

/// The items in their order, each only the first time it comes (names listed in a
/// message: a property several kinds share, a node several knobs act on).
fn each_once<T: PartialEq>(items: impl IntoIterator<Item = T>) -> Vec<T> {
    let mut kept = Vec::new();
    for item in items {
        if !kept.contains(&item) {
            kept.push(item);
        }
    }
    kept
}

/// Every knob name `config` has, in a stable order (`KNOBS` order, then node order).
pub fn knob_names(config: &SimConfig) -> Vec<String> {
    let mut names = Vec::new();
    for knob in KNOBS {
        for (index, node) in knob.owner.nodes(config).into_iter().enumerate() {
            if (knob.applies)(config, index).is_ok() {
                names.push(format!("{node}.{}", knob.property));
            }
        }
    }
    names
}

/// Every knob `config` has, in the order of `knob_names`, without naming them (a
/// share link compares every knob of every node and names only those that changed).
pub fn knob_ids(config: &SimConfig) -> impl Iterator<Item = KnobId> + '_ {
    KNOBS.iter().flat_map(move |knob| {
        (0..knob.owner.count(config))
            .filter(move |&index| (knob.applies)(config, index).is_ok())
            .map(move |index| KnobId { index, knob })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Scenario;

    #[test]
    fn the_resolver_and_the_ids_agree_with_resolving_each_name() {
        // What share links and the app use for thousands of knobs gives what one
        // `resolve` gives: the same knob for every name, the same message for bad ones,
        // and the names in the same order.
        for (name, text) in crate::scenario::LIBRARY {
            let config = Scenario::parse(text, name).unwrap().config;
            let resolver = Resolver::new(&config);
            let names = knob_names(&config);
            let ids: Vec<KnobId> = knob_ids(&config).collect();
            assert_eq!(ids.iter().map(|id| id.name(&config)).collect::<Vec<_>>(), names, "{name}");
            let function = config.functions.first().map_or("api", |f| f.name.as_str());
            let bad = [format!("{function}.nope"), "nope.memory".into(), "account".into(), "nope.batch_size".into()];
            for knob_name in names.iter().chain(&bad) {
                match (resolve(&config, knob_name), resolver.resolve(knob_name)) {
                    (Ok(a), Ok(b)) => assert_eq!(a, b, "{name}: {knob_name}"),
                    (Err(a), Err(b)) => assert_eq!(a, b, "{name}: {knob_name}"),
                    (a, b) => panic!("{name}: {knob_name}: {a:?} against {b:?}"),
                }
            }
            assert!(ids.iter().all(|id| id.applies_in(&config)));
        }
    }
}
