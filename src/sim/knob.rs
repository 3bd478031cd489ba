//! Knobs by name: `api.memory=1024`, `orders.batch_size=10`, `checkout.rate=2`. One
//! vocabulary for the command line (`--set`), challenges (allowed knobs and reference
//! solutions), timelines, share links and the app. The property after the dot says
//! which kind of node the name before it is, so names never clash across kinds.
//! Every value is text (as typed) and has a number (for ranges and sliders): megabytes,
//! seconds for durations, counts, 1/0 for on/off.

use super::config::{SimConfig, index_of};
use super::cost::Architecture;
use super::database::PoolerSpec;
use super::function::{KeepAlive, Runtime};
use super::time::{SimDuration, parse_duration};

/// What a knob's value is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    Megabytes,
    Duration,
    Count,
    /// A count, or `none` (reserved concurrency, a pooler).
    CountOrNone,
    /// A multiplier of what the scenario wrote.
    Factor,
    Toggle,
    /// One of a few words.
    Choice(&'static [&'static str]),
}

/// The kinds of node a knob acts on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Owner {
    Function,
    Trigger,
    Queue,
    Database,
    Account,
}

/// Every knob property: (property, owner, unit, what it changes).
pub const PROPERTIES: &[(&str, Owner, Unit, &str)] = &[
    ("memory", Owner::Function, Unit::Megabytes, "memory size (and with it CPU share and price)"),
    ("keep_alive", Owner::Function, Unit::Duration, "how long an idle environment stays warm"),
    ("provisioned", Owner::Function, Unit::Count, "provisioned concurrency: environments kept initialised"),
    ("reserved", Owner::Function, Unit::CountOrNone, "reserved concurrency (none = share the account pool)"),
    ("timeout", Owner::Function, Unit::Duration, "the longest an invocation may run"),
    ("idempotency", Owner::Function, Unit::Toggle, "an idempotency store that suppresses duplicate side effects"),
    ("runtime", Owner::Function, Unit::Choice(RUNTIMES), "the language runtime"),
    ("package_mb", Owner::Function, Unit::Megabytes, "deployment package size"),
    ("architecture", Owner::Function, Unit::Choice(&["x86", "arm"]), "instruction set (Arm is 20% cheaper)"),
    ("async_retries", Owner::Function, Unit::Count, "retries of a failed asynchronous invocation (0..2)"),
    ("rate", Owner::Trigger, Unit::Factor, "the arrival rate, as a multiple of the scenario's"),
    ("enabled", Owner::Trigger, Unit::Toggle, "whether the trigger sends anything at all"),
    ("batch_size", Owner::Queue, Unit::Count, "messages per invocation"),
    ("visibility_timeout", Owner::Queue, Unit::Duration, "how long a received message stays hidden"),
    ("max_receives", Owner::Queue, Unit::Count, "receives before a message goes to the dead-letter queue"),
    ("max_concurrency", Owner::Queue, Unit::Count, "the most concurrent invocations the queue's pollers make"),
    ("dlq", Owner::Queue, Unit::Toggle, "whether the queue's dead-letter queue is attached"),
    ("pooler", Owner::Database, Unit::CountOrNone, "a connection pooler's pool size (none = direct connections)"),
    ("max_connections", Owner::Database, Unit::Count, "the database's connection limit"),
    ("concurrency", Owner::Account, Unit::Count, "the account's concurrency limit"),
];

const RUNTIMES: &[&str] = &["python", "nodejs", "ruby", "go", "java", "dotnet", "rust", "container"];

/// A knob name resolved against a configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KnobId {
    /// The index of the function, trigger, queue or database (0 for the account).
    pub index: usize,
    /// Index into `PROPERTIES`.
    property: usize,
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
}

impl KnobValue {
    /// The number ranges and sliders use (none = -1 is never in a range).
    pub fn number(&self) -> Option<f64> {
        match self {
            KnobValue::Number(x) => Some(*x),
            KnobValue::Duration(d) => Some(d.as_secs_f64()),
            KnobValue::None | KnobValue::Word(_) => None,
        }
    }
}

impl KnobId {
    pub fn property(&self) -> &'static str {
        PROPERTIES[self.property].0
    }
    pub fn unit(&self) -> Unit {
        PROPERTIES[self.property].2
    }
    pub fn help(&self) -> &'static str {
        PROPERTIES[self.property].3
    }
    fn owner(&self) -> Owner {
        PROPERTIES[self.property].1
    }
}

/// Resolves `node.property` against `config`.
pub fn resolve(config: &SimConfig, name: &str) -> Result<KnobId, String> {
    let Some((node, property)) = name.trim().rsplit_once('.') else {
        return Err(format!("knob \"{name}\": expected node.property, such as \"api.memory\""));
    };
    let Some(p) = PROPERTIES.iter().position(|(n, ..)| *n == property) else {
        let names: Vec<&str> = PROPERTIES.iter().map(|(n, ..)| *n).collect();
        return Err(format!("knob \"{name}\": no property \"{property}\" (known: {})", names.join(", ")));
    };
    let owner = PROPERTIES[p].1;
    let index = match owner {
        Owner::Function => index_of(&config.functions, node),
        Owner::Trigger => config.triggers.iter().position(|t| t.name() == node).map(|i| i as u32),
        Owner::Queue => index_of(&config.queues, node),
        Owner::Database => index_of(&config.databases, node),
        Owner::Account => (node == "account").then_some(0),
    };
    let kind = match owner {
        Owner::Function => "function",
        Owner::Trigger => "trigger",
        Owner::Queue => "queue",
        Owner::Database => "database",
        Owner::Account => "account (write \"account.concurrency\")",
    };
    let Some(index) = index else {
        return Err(format!(
            "knob \"{name}\": \"{property}\" is a knob of a {kind}, and there is no {kind} \"{node}\""
        ));
    };
    let id = KnobId { index: index as usize, property: p };
    if id.property() == "dlq" && config.queues[id.index].dlq.is_none() {
        return Err(format!("knob \"{name}\": queue \"{node}\" has no dead-letter queue to attach"));
    }
    if matches!(id.property(), "batch_size" | "max_concurrency") && config.queues[id.index].consumer.is_none() {
        return Err(format!("knob \"{name}\": queue \"{node}\" has no consumer function"));
    }
    Ok(id)
}

/// Parses `value` for the knob `name` of `config`.
pub fn parse(config: &SimConfig, name: &str, value: &str) -> Result<KnobChange, String> {
    let id = resolve(config, name)?;
    let text = value.trim();
    let bad = |expected: &str| format!("knob \"{name}\": expected {expected}, got \"{value}\"");
    let number = |text: &str| text.parse::<f64>().ok().filter(|x| x.is_finite() && *x >= 0.0);
    let count = |text: &str| number(text).filter(|x| x.fract() == 0.0 && *x <= u32::MAX as f64);
    let value = match id.unit() {
        Unit::Megabytes => KnobValue::Number(number(text).ok_or_else(|| bad("a size in MB"))?),
        Unit::Factor => KnobValue::Number(number(text).ok_or_else(|| bad("a multiplier such as 2 or 0.5"))?),
        Unit::Count => KnobValue::Number(count(text).ok_or_else(|| bad("a whole number"))?),
        Unit::CountOrNone if text == "none" || text == "off" => KnobValue::None,
        Unit::CountOrNone => KnobValue::Number(count(text).ok_or_else(|| bad("a whole number or \"none\""))?),
        Unit::Duration => {
            // A bare number is seconds (what a slider writes).
            let d = match number(text) {
                Some(secs) => SimDuration::from_secs_f64(secs),
                None => parse_duration(text).map_err(|e| format!("knob \"{name}\": {e}"))?,
            };
            KnobValue::Duration(d)
        }
        Unit::Toggle => KnobValue::Number(match text {
            "on" | "true" | "yes" | "1" => 1.0,
            "off" | "false" | "no" | "0" => 0.0,
            _ => return Err(bad("on or off")),
        }),
        Unit::Choice(words) => match words.iter().find(|w| w.eq_ignore_ascii_case(text)) {
            Some(w) => KnobValue::Word(w),
            None => return Err(bad(&format!("one of {}", words.join(", ")))),
        },
    };
    Ok(KnobChange { id, value })
}

/// The knob's value in `config`, as text that `parse` accepts.
pub fn current(config: &SimConfig, id: KnobId) -> String {
    let i = id.index;
    let f = || &config.functions[i];
    let q = || &config.queues[i];
    let on_off = |b: bool| if b { "on" } else { "off" }.to_string();
    let count_or_none = |c: Option<u32>| c.map_or("none".to_string(), |c| c.to_string());
    match id.property() {
        "memory" => f().memory_mb.to_string(),
        "keep_alive" => match &f().keep_alive {
            KeepAlive::Fixed(d) => d.to_string(),
            KeepAlive::Random(_) => "random".to_string(),
        },
        "provisioned" => f().provisioned_concurrency.to_string(),
        "reserved" => count_or_none(f().reserved_concurrency),
        "timeout" => f().timeout.to_string(),
        "idempotency" => on_off(f().idempotency),
        "runtime" => f().runtime.label().to_lowercase().replace('.', ""),
        "package_mb" => f().package_mb.to_string(),
        "architecture" => match f().architecture {
            Architecture::X86 => "x86",
            Architecture::Arm => "arm",
        }
        .to_string(),
        "async_retries" => f().async_retries.to_string(),
        "rate" => config.rate_scale_of(i).to_string(),
        "enabled" => on_off(config.rate_scale_of(i) > 0.0),
        "batch_size" => q().consumer.as_ref().map_or(0, |c| c.batch_size).to_string(),
        "visibility_timeout" => q().visibility_timeout.to_string(),
        "max_receives" => q().max_receive_count.to_string(),
        "max_concurrency" => q().consumer.as_ref().map_or(0, |c| c.max_concurrency).to_string(),
        "dlq" => on_off(!config.detached_dlqs.contains(&q().name)),
        "pooler" => count_or_none(config.databases[i].pooler.as_ref().map(|p| p.pool_size)),
        "max_connections" => config.databases[i].max_connections.to_string(),
        "concurrency" => config.account.concurrency_limit.to_string(),
        other => unreachable!("every property has a reader: {other}"),
    }
}

/// The knob's value as a number (for ranges); `None` for words and `none`.
pub fn current_number(config: &SimConfig, id: KnobId) -> Option<f64> {
    let name = knob_name(config, id);
    parse(config, &name, &current(config, id)).ok().and_then(|c| c.value.number())
}

/// The knob's full name (`api.memory`).
pub fn knob_name(config: &SimConfig, id: KnobId) -> String {
    let node = match id.owner() {
        Owner::Function => config.functions[id.index].name.as_str(),
        Owner::Trigger => config.triggers[id.index].name(),
        Owner::Queue => config.queues[id.index].name.as_str(),
        Owner::Database => config.databases[id.index].name.as_str(),
        Owner::Account => "account",
    };
    format!("{node}.{}", id.property())
}

fn runtime_of(word: &str) -> Runtime {
    match word {
        "python" => Runtime::Python,
        "nodejs" => Runtime::Nodejs,
        "ruby" => Runtime::Ruby,
        "go" => Runtime::Go,
        "java" => Runtime::Java,
        "dotnet" => Runtime::Dotnet,
        "rust" => Runtime::Rust,
        _ => Runtime::Container,
    }
}

impl KnobChange {
    /// Changes `config` (before a run). The result still has to pass `problems()`.
    pub fn apply_to(&self, config: &mut SimConfig) {
        let i = self.id.index;
        let n = self.value.number().unwrap_or(0.0);
        let count = n as u32;
        let d = match self.value {
            KnobValue::Duration(d) => d,
            _ => SimDuration::ZERO,
        };
        let word = match self.value {
            KnobValue::Word(w) => w,
            _ => "",
        };
        let is_none = self.value == KnobValue::None;
        match self.id.property() {
            "memory" => config.functions[i].memory_mb = n.round() as u32,
            "keep_alive" => config.functions[i].keep_alive = KeepAlive::Fixed(d),
            "provisioned" => config.functions[i].provisioned_concurrency = count,
            "reserved" => config.functions[i].reserved_concurrency = (!is_none).then_some(count),
            "timeout" => config.functions[i].timeout = d,
            "idempotency" => config.functions[i].idempotency = n > 0.0,
            "runtime" => config.functions[i].runtime = runtime_of(word),
            "package_mb" => config.functions[i].package_mb = n,
            "architecture" => {
                config.functions[i].architecture = if word == "arm" { Architecture::Arm } else { Architecture::X86 }
            }
            "async_retries" => config.functions[i].async_retries = count,
            "rate" => config.set_rate_scale(i, n),
            "enabled" => {
                let keep = if n > 0.0 { config.rate_scale_of(i).max(0.0) } else { 0.0 };
                config.set_rate_scale(i, if n > 0.0 && keep == 0.0 { 1.0 } else { keep });
            }
            "batch_size" => {
                if let Some(c) = config.queues[i].consumer.as_mut() {
                    c.batch_size = count;
                }
            }
            "visibility_timeout" => config.queues[i].visibility_timeout = d,
            "max_receives" => config.queues[i].max_receive_count = count,
            "max_concurrency" => {
                if let Some(c) = config.queues[i].consumer.as_mut() {
                    c.max_concurrency = count;
                }
            }
            "dlq" => {
                let name = config.queues[i].name.clone();
                config.detached_dlqs.retain(|q| *q != name);
                if n == 0.0 {
                    config.detached_dlqs.push(name);
                }
            }
            "pooler" => config.databases[i].pooler = (!is_none).then_some(PoolerSpec { pool_size: count }),
            "max_connections" => config.databases[i].max_connections = count,
            "concurrency" => config.account.concurrency_limit = count,
            other => unreachable!("every property has a writer: {other}"),
        }
    }
}

/// Whether a property can change during a run (in the app, or on a timeline). The
/// others shape what the run is built from (a pooler, the account limit): set them
/// before it starts.
pub fn is_live(property: &str) -> bool {
    let owner = PROPERTIES.iter().find(|(n, ..)| *n == property).map(|p| p.1);
    owner == Some(Owner::Function)
        || matches!(property, "rate" | "batch_size" | "visibility_timeout" | "max_receives" | "max_concurrency" | "dlq")
}

/// Applies `name=value` to `config` and checks the result can run.
pub fn set(config: &mut SimConfig, name: &str, value: &str) -> Result<(), String> {
    let change = parse(config, name, value)?;
    let mut changed = config.clone();
    change.apply_to(&mut changed);
    let problems = changed.problems();
    if let Some(p) = problems.first() {
        return Err(format!("knob \"{name}\" = \"{value}\": {}: {}", p.path, p.message));
    }
    *config = changed;
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
        Scenario::default_scenario().config.clone()
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
            assert_eq!(current(&c, id), value, "{name}");
        }
        assert_eq!(current_number(&c, resolve(&c, "api.keep_alive").unwrap()), Some(300.0));
    }

    #[test]
    fn bad_names_and_values_say_what_was_expected() {
        let mut c = config();
        let trigger = c.triggers[0].name().to_string();
        let err = |c: &mut SimConfig, n: &str, v: &str| set(c, n, v).unwrap_err();
        assert!(err(&mut c, "memory", "1").contains("node.property"));
        assert!(err(&mut c, "api.colour", "1").contains("no property \"colour\""));
        assert!(err(&mut c, "nope.memory", "1").contains("no function \"nope\""));
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
}
