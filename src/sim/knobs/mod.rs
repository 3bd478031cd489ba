//! Knobs by name: `api.memory=1024`, `orders.batch_size=10`, `checkout.rate=2`. One
//! vocabulary for the command line (`--set`), challenges (allowed knobs and reference
//! solutions), timelines, share links and the app. The property after the dot says
//! which kind of node the name before it is, so names never clash across kinds.
//!
//! Every knob is one entry of [`KNOBS`] (in `table/`): its name, owner, unit, help,
//! slider range, how to read and write it on a configuration, and whether and how it
//! changes a running simulation. Adding a knob is adding a constant in the file of
//! the kind of node it acts on and its name in that list.
//! Every value is text (as typed) and has a number (for ranges and sliders): megabytes,
//! seconds for durations, counts, 1/0 for on/off.

mod by_name;
mod live;
mod table;

pub use by_name::{Resolver, knob_ids, knob_names, resolve};
pub use live::{MAX_KEEP_ALIVE, RATE_SCALE_RANGE};
pub use table::KNOBS;

use crate::sim::Simulation;
use crate::sim::config::SimConfig;
use crate::sim::function::permissions::Permission;
use crate::sim::kernel::time::{SimDuration, parse_duration};

/// What a knob's value is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    Megabytes,
    Duration,
    Count,
    /// A count, or `none` (reserved concurrency, a pooler).
    CountOrNone,
    /// A fraction 0..1, or `off` (lazy initialisation's first-request share).
    FractionOrOff,
    /// A multiplier of what the scenario wrote.
    Factor,
    Toggle,
    /// One of a few words.
    Choice(&'static [&'static str]),
    /// The name of one of the scenario's nodes of a kind, or `none` where allowed.
    Name {
        of: NameKind,
        or_none: bool,
    },
    /// A role: permission statements separated by commas (`Read(orders-db), Send(jobs)`),
    /// or `*` for everything.
    Permissions,
}

/// The kinds of node a knob's value may name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NameKind {
    Function,
    Bucket,
    Queue,
    /// A region the scenario knows: the account's, and those its latency table names.
    Region,
}

impl NameKind {
    /// The names of the nodes of this kind in `config`.
    pub fn names(self, config: &SimConfig) -> Vec<&str> {
        match self {
            NameKind::Function => config.functions.iter().map(|f| f.name.as_str()).collect(),
            NameKind::Bucket => config.buckets.iter().map(|b| b.name.as_str()).collect(),
            NameKind::Queue => config.queues.iter().map(|q| q.name.as_str()).collect(),
            NameKind::Region => config.regions(),
        }
    }

    fn noun(self) -> &'static str {
        match self {
            NameKind::Function => "function",
            NameKind::Bucket => "bucket",
            NameKind::Queue => "queue",
            NameKind::Region => "region",
        }
    }
}

/// The kinds of node a knob acts on (`Account` last: `Resolver` counts them by it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Owner {
    Function,
    Trigger,
    Queue,
    Database,
    Stream,
    Account,
}

impl Owner {
    /// The names of the nodes of this kind in `config`, in order.
    pub fn nodes(self, config: &SimConfig) -> Vec<&str> {
        match self {
            Owner::Function => config.functions.iter().map(|f| f.name.as_str()).collect(),
            Owner::Trigger => config.triggers.iter().map(|t| t.name()).collect(),
            Owner::Queue => config.queues.iter().map(|q| q.name.as_str()).collect(),
            Owner::Database => config.databases.iter().map(|d| d.name.as_str()).collect(),
            Owner::Stream => config.streams.iter().map(|s| s.name.as_str()).collect(),
            Owner::Account => vec!["account"],
        }
    }

    /// How many nodes of this kind `config` has.
    fn count(self, config: &SimConfig) -> usize {
        match self {
            Owner::Function => config.functions.len(),
            Owner::Trigger => config.triggers.len(),
            Owner::Queue => config.queues.len(),
            Owner::Database => config.databases.len(),
            Owner::Stream => config.streams.len(),
            Owner::Account => 1,
        }
    }

    fn noun(self) -> &'static str {
        match self {
            Owner::Function => "function",
            Owner::Trigger => "trigger",
            Owner::Queue => "queue",
            Owner::Database => "database",
            Owner::Stream => "stream",
            Owner::Account => "account (write \"account.concurrency\")",
        }
    }
}

/// Whether and how a knob changes a run that is under way.
#[derive(Clone, Copy)]
pub enum Live {
    /// It shapes how the run is built (a pooler, the account limit): set it before the
    /// run starts (the app restarts the run with it).
    No,
    /// It changes the function's spec, which each invocation reads.
    FunctionSpec,
    /// A change of the running model: the node's index, the configuration with the
    /// change applied (already validated) and the value.
    Apply(fn(&mut Simulation, usize, &SimConfig, &KnobValue) -> Result<(), String>),
}

/// One knob: everything about it in one place.
pub struct Knob {
    /// The property after the dot: `memory` in `api.memory`.
    pub property: &'static str,
    pub owner: Owner,
    pub unit: Unit,
    /// What it changes, in a phrase (tooltips, `--help` of the format doc).
    pub help: &'static str,
    /// The slider range in free play, in the knob's number: what the configuration
    /// accepts, narrowed to what is worth sliding through.
    pub range: fn(&SimConfig) -> (f64, f64),
    /// Whether node `index` has this knob (a queue without a consumer has no batch
    /// size): `Err` says why not.
    pub applies: fn(&SimConfig, usize) -> Result<(), &'static str>,
    /// The value in a configuration, as text that `parse` accepts.
    pub read: fn(&SimConfig, usize) -> String,
    /// Writes a parsed value (the result still has to pass `SimConfig::problems`).
    pub write: fn(&mut SimConfig, usize, &KnobValue),
    pub live: Live,
}

/// A knob name resolved against a configuration.
#[derive(Clone, Copy)]
pub struct KnobId {
    /// The index of the function, trigger, queue or database (0 for the account).
    pub index: usize,
    pub knob: &'static Knob,
}

impl PartialEq for KnobId {
    fn eq(&self, other: &KnobId) -> bool {
        self.index == other.index && std::ptr::eq(self.knob, other.knob)
    }
}

impl std::fmt::Debug for KnobId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "KnobId({}, {})", self.index, self.knob.property)
    }
}

/// A knob with a parsed value, ready to apply.
#[derive(Clone, Debug, PartialEq)]
pub struct KnobChange {
    pub id: KnobId,
    pub value: KnobValue,
}

#[derive(Clone, Debug, PartialEq)]
pub enum KnobValue {
    Number(f64),
    Duration(SimDuration),
    None,
    Word(&'static str),
    /// A node's name (a function, for `Unit::Function`).
    Name(String),
}

impl KnobValue {
    /// The number ranges and sliders use (`none` and words have none).
    pub fn number(&self) -> Option<f64> {
        match self {
            KnobValue::Number(x) => Some(*x),
            KnobValue::Duration(d) => Some(d.as_secs_f64()),
            KnobValue::None | KnobValue::Word(_) | KnobValue::Name(_) => None,
        }
    }
    /// A whole number (parsing made sure it is one where the unit is a count).
    pub fn count(&self) -> u32 {
        self.number().unwrap_or(0.0) as u32
    }
    /// A count, or `None` for `none`.
    pub fn count_or_none(&self) -> Option<u32> {
        (*self != KnobValue::None).then(|| self.count())
    }
    pub fn is_on(&self) -> bool {
        self.number().is_some_and(|n| n > 0.0)
    }
    pub fn duration(&self) -> SimDuration {
        match self {
            KnobValue::Duration(d) => *d,
            _ => SimDuration::ZERO,
        }
    }
    pub fn word(&self) -> &'static str {
        match self {
            KnobValue::Word(w) => w,
            _ => "",
        }
    }
    pub fn name(&self) -> &str {
        match self {
            KnobValue::Name(n) => n,
            _ => "",
        }
    }
}

impl KnobId {
    pub fn property(&self) -> &'static str {
        self.knob.property
    }
    pub fn unit(&self) -> Unit {
        self.knob.unit
    }
    pub fn help(&self) -> &'static str {
        self.knob.help
    }
    pub fn owner(&self) -> Owner {
        self.knob.owner
    }
    /// Whether it can change during a run (in the app, or on a timeline).
    pub fn is_live(&self) -> bool {
        !matches!(self.knob.live, Live::No)
    }
    /// Whether `config` has this knob too: a node of that number, to which it applies.
    pub fn applies_in(&self, config: &SimConfig) -> bool {
        self.index < self.knob.owner.count(config) && (self.knob.applies)(config, self.index).is_ok()
    }
    /// Its value in `config`, as text that `parse` accepts.
    pub fn current(&self, config: &SimConfig) -> String {
        (self.knob.read)(config, self.index)
    }
    /// Its value as a number (for ranges); `None` for words and `none`.
    pub fn current_number(&self, config: &SimConfig) -> Option<f64> {
        parse_value(self.knob, &self.current(config), config).ok().and_then(|v| v.number())
    }
    /// Its full name (`api.memory`).
    pub fn name(&self, config: &SimConfig) -> String {
        let nodes = self.owner().nodes(config);
        format!("{}.{}", nodes.get(self.index).copied().unwrap_or("?"), self.property())
    }
}

/// Parses `text` as a value of `knob`; the error says what was expected.
fn parse_value(knob: &Knob, text: &str, config: &SimConfig) -> Result<KnobValue, String> {
    let text = text.trim();
    let number = |text: &str| text.parse::<f64>().ok().filter(|x| x.is_finite() && *x >= 0.0);
    let count = |text: &str| number(text).filter(|x| x.fract() == 0.0 && *x <= u32::MAX as f64);
    Ok(match knob.unit {
        Unit::Megabytes => KnobValue::Number(number(text).ok_or("a size in MB")?),
        Unit::Factor => KnobValue::Number(number(text).ok_or("a multiplier such as 2 or 0.5")?),
        Unit::Count => KnobValue::Number(count(text).ok_or("a whole number")?),
        Unit::CountOrNone if text == "none" || text == "off" => KnobValue::None,
        Unit::CountOrNone => KnobValue::Number(count(text).ok_or("a whole number or \"none\"")?),
        Unit::FractionOrOff if text == "off" || text == "none" => KnobValue::None,
        Unit::FractionOrOff => {
            KnobValue::Number(number(text).filter(|x| *x <= 1.0).ok_or("a fraction from 0 to 1, or \"off\"")?)
        }
        Unit::Duration => {
            // A bare number is seconds (what a slider writes).
            let d = match number(text) {
                Some(secs) => SimDuration::from_secs_f64(secs),
                None => parse_duration(text).map_err(|e| format!("!{e}"))?,
            };
            KnobValue::Duration(d)
        }
        Unit::Toggle => KnobValue::Number(match text {
            "on" | "true" | "yes" | "1" => 1.0,
            "off" | "false" | "no" | "0" => 0.0,
            _ => return Err("on or off".into()),
        }),
        Unit::Choice(words) => match words.iter().find(|w| w.eq_ignore_ascii_case(text)) {
            Some(w) => KnobValue::Word(w),
            None => return Err(format!("one of {}", words.join(", "))),
        },
        Unit::Permissions => {
            let statements: Result<Vec<Permission>, String> =
                text.split(',').filter(|s| !s.trim().is_empty()).map(Permission::parse).collect();
            let labels: Vec<String> = statements?.iter().map(Permission::label).collect();
            KnobValue::Name(labels.join(", "))
        }
        Unit::Name { or_none: true, .. } if text == "none" || text == "off" => KnobValue::None,
        Unit::Name { of, or_none } => {
            let names = of.names(config);
            match names.iter().find(|n| **n == text) {
                Some(n) => KnobValue::Name(n.to_string()),
                None => {
                    let none = if or_none { " or \"none\"" } else { "" };
                    return Err(format!("the name of a {} of the scenario ({}){none}", of.noun(), names.join(", ")));
                }
            }
        }
    })
}

/// Parses `value` for the knob `name` of `config`.
pub fn parse(config: &SimConfig, name: &str, value: &str) -> Result<KnobChange, String> {
    let id = resolve(config, name)?;
    let value = parse_value(id.knob, value, config).map_err(|expected| match expected.strip_prefix('!') {
        // A duration's own message already says what it expected.
        Some(message) => format!("knob \"{name}\": {message}"),
        None => format!("knob \"{name}\": expected {expected}, got \"{value}\""),
    })?;
    Ok(KnobChange { id, value })
}

impl KnobChange {
    /// Changes `config` (before a run). The result still has to pass `problems()`.
    pub fn apply_to(&self, config: &mut SimConfig) {
        (self.id.knob.write)(config, self.id.index, &self.value);
    }

    /// `config` with the change, if the result can run; the error names the problem.
    pub fn applied(&self, config: &SimConfig, name: &str, value: &str) -> Result<SimConfig, String> {
        let mut changed = config.clone();
        self.apply_to(&mut changed);
        match changed.problems().first() {
            Some(p) => Err(format!("knob \"{name}\" = \"{value}\": {}: {}", p.path, p.message)),
            None => Ok(changed),
        }
    }
}

/// Applies `name=value` to `config` and checks the result can run.
pub fn set(config: &mut SimConfig, name: &str, value: &str) -> Result<(), String> {
    *config = parse(config, name, value)?.applied(config, name, value)?;
    Ok(())
}

/// Splits `name=value` (the command line's `--set`).
pub fn split_setting(text: &str) -> Result<(&str, &str), String> {
    match text.split_once('=') {
        Some((name, value)) if !name.trim().is_empty() => Ok((name.trim(), value.trim())),
        _ => Err(format!("expected name=value, such as api.memory=1024, got \"{text}\"")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Scenario;

    fn config() -> SimConfig {
        Scenario::default_scenario().config
    }

    #[test]
    fn setting_then_reading_gives_the_value_back() {
        let mut c = config();
        for (name, value) in [
            ("api.memory", "1024"),
            ("api.keep_alive", "5m"),
            ("api.provisioned", "3"),
            ("api.reserved", "50"),
            ("api.reserved", "none"),
            ("api.timeout", "30s"),
            ("api.idempotency", "on"),
            ("api.runtime", "java"),
            ("api.architecture", "arm"),
            ("api.async_retries", "0"),
            ("account.concurrency", "500"),
        ] {
            set(&mut c, name, value).unwrap();
            let id = resolve(&c, name).unwrap();
            assert_eq!(id.current(&c), value, "{name}");
            assert_eq!(id.name(&c), name);
        }
        assert_eq!(resolve(&c, "api.keep_alive").unwrap().current_number(&c), Some(300.0));
    }

    #[test]
    fn bad_names_and_values_say_what_was_expected() {
        let mut c = config();
        let trigger = c.triggers[0].name().to_string();
        let err = |c: &mut SimConfig, n: &str, v: &str| set(c, n, v).unwrap_err();
        assert!(err(&mut c, "memory", "1").contains("node.property"));
        // An unknown property lists the node's own knobs, each once; an unknown node,
        // the nodes there are.
        let colour = err(&mut c, "api.colour", "1");
        assert!(
            colour.starts_with("knob \"api.colour\": \"api\" has no knob \"colour\" (its knobs: memory, keep_alive,")
        );
        assert!(!colour.contains("batch_size") && colour.matches("on_failure").count() == 1, "{colour}");
        let nowhere = err(&mut c, "nope.colour", "1");
        assert_eq!(
            nowhere,
            format!("knob \"nope.colour\": no node \"nope\" has a knob \"colour\" (nodes: api, {trigger}, account)")
        );
        assert_eq!(
            err(&mut c, "nope.memory", "1"),
            "knob \"nope.memory\": \"memory\" is a knob of a function, and there is no function \"nope\" (api)"
        );
        assert!(err(&mut c, "api.memory", "lots").contains("a size in MB"));
        assert!(err(&mut c, "api.memory", "64").contains("memory"));
        assert!(err(&mut c, "api.provisioned", "1.5").contains("whole number"));
        assert!(err(&mut c, "api.keep_alive", "soon").contains("duration"));
        assert!(err(&mut c, "api.runtime", "cobol").contains("one of python"));
        assert!(err(&mut c, &format!("{trigger}.rate"), "-1").contains("multiplier"));
        assert!(err(&mut c, "api.rate", "2").contains("no trigger \"api\""));
        // Nothing was changed by the failures.
        assert_eq!(c, config());
    }

    #[test]
    fn rate_and_enabled_scale_a_trigger() {
        let mut c = config();
        let t = format!("{}.", c.triggers[0].name());
        set(&mut c, &format!("{t}rate"), "2").unwrap();
        assert_eq!(c.rate_scale_of(0), 2.0);
        set(&mut c, &format!("{t}enabled"), "off").unwrap();
        assert_eq!(c.rate_scale_of(0), 0.0);
        set(&mut c, &format!("{t}enabled"), "on").unwrap();
        assert_eq!(c.rate_scale_of(0), 1.0);
        assert!(set(&mut c, &format!("{t}rate"), "50").unwrap_err().contains("rate"));
    }

    #[test]
    fn every_knob_reads_back_what_it_wrote_on_every_library_node() {
        // The table's read and write of each knob agree: writing the value read back
        // changes nothing, for every node of every library scenario.
        for (name, text) in crate::scenario::LIBRARY {
            let config = Scenario::parse(text, name).unwrap().config;
            for knob_name in knob_names(&config) {
                let id = resolve(&config, &knob_name).unwrap();
                let value = id.current(&config);
                if value == "random" || value == "custom" {
                    // A random keep-alive or a custom cold-start distribution is written
                    // in the file; the knob can replace it but has no word for it.
                    continue;
                }
                let mut again = config.clone();
                set(&mut again, &knob_name, &value).unwrap_or_else(|e| panic!("{name}: {e}"));
                assert_eq!(again, config, "{name}: {knob_name}={value}");
            }
        }
    }
}
