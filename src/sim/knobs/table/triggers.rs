//! The knobs of a trigger: its arrivals (rate, switch, fleet), where it sends them and
//! with what payload, and a WebSocket's messages.

use super::{always, on_off};
use crate::sim::config::SimConfig;
use crate::sim::kernel::dist::Dist;
use crate::sim::kernel::time::SimDuration;
use crate::sim::knobs::{Knob, KnobValue, Live, NameKind, Owner, Unit};
use crate::sim::services::storage::SizeDist;
use crate::sim::trigger::{TargetKind, TriggerSpec};
use crate::sim::websocket::WebSocketSpec;

pub(super) const RATE: Knob = Knob {
    property: "rate",
    owner: Owner::Trigger,
    unit: Unit::Factor,
    help: "the arrival rate, as a multiple of the scenario's",
    range: |_| (0.1, 10.0),
    applies: always,
    read: |c, i| c.rate_scale_of(i).to_string(),
    write: |c, i, v| c.set_rate_scale(i, v.number().unwrap_or(0.0)),
    live: Live::Apply(|sim, i, _, v| sim.set_rate_scale(i, v.number().unwrap_or(0.0))),
};

pub(super) const ENABLED: Knob = Knob {
    property: "enabled",
    owner: Owner::Trigger,
    unit: Unit::Toggle,
    help: "whether the trigger sends anything at all",
    range: |_| (0.0, 1.0),
    applies: always,
    read: |c, i| on_off(c.rate_scale_of(i) > 0.0),
    write: |c, i, v| {
        // Switching on again keeps a multiplier set before; off is a multiplier of 0.
        let keep = if v.is_on() { c.rate_scale_of(i).max(0.0) } else { 0.0 };
        c.set_rate_scale(i, if v.is_on() && keep == 0.0 { 1.0 } else { keep });
    },
    live: Live::No,
};

pub(super) const TARGET: Knob = Knob {
    property: "target",
    owner: Owner::Trigger,
    unit: Unit::Name { of: NameKind::Function, or_none: false },
    help: "the function that serves the trigger's requests (one design or another for the same clients)",
    range: |_| (0.0, 0.0),
    applies: invokes_a_function,
    read: |c, i| c.triggers[i].target().to_string(),
    write: |c, i, v| c.trigger_mut(i).set_target(v.name()),
    live: Live::No,
};

pub(super) const CLAIM_CHECK: Knob = Knob {
    property: "claim_check",
    owner: Owner::Trigger,
    unit: Unit::Name { of: NameKind::Bucket, or_none: true },
    help: "the bucket that stores payloads over the limit, a reference travelling instead (none = rejected)",
    range: |_| (0.0, 0.0),
    applies: |c, i| c.triggers[i].payload().map(|_| ()).ok_or("has no payload"),
    read: |c, i| {
        let bucket = c.triggers[i].payload().and_then(|p| p.claim_check.clone());
        bucket.unwrap_or_else(|| "none".to_string())
    },
    write: |c, i, v| {
        if let Some(p) = c.trigger_mut(i).payload_mut() {
            p.claim_check = (*v != KnobValue::None).then(|| v.name().to_string());
        }
    },
    live: Live::No,
};

pub(super) const FLEET: Knob = Knob {
    property: "fleet",
    owner: Owner::Trigger,
    unit: Unit::Toggle,
    help: "serve the trigger's requests on the always-on server fleet instead (priced by the hour)",
    range: |_| (0.0, 1.0),
    applies: invokes_a_function,
    read: |c, i| on_off(c.fleet_triggers.iter().any(|t| t == c.triggers[i].name())),
    write: |c, i, v| {
        let name = c.triggers[i].name().to_string();
        c.fleet_triggers.retain(|t| *t != name);
        if v.is_on() {
            c.fleet_triggers.push(name);
        }
    },
    live: Live::No,
};

pub(super) const INVOKE_OVERHEAD_MS: Knob = Knob {
    property: "invoke_overhead_ms",
    owner: Owner::Trigger,
    unit: Unit::Count,
    help: "what the API gateway and Lambda's invoke path add to each request, its median in ms (its jitter scales with it; 0 = none)",
    range: |_| (0.0, 50.0),
    applies: |c, i| match *c.triggers[i] {
        TriggerSpec::Http { .. } => Ok(()),
        _ => Err("is not an HTTP or WebSocket trigger"),
    },
    read: |c, i| match &*c.triggers[i] {
        TriggerSpec::Http { invoke_overhead: Some(d), .. } => format!("{}", (d.typical_secs() * 1000.0).round()),
        _ => "0".to_string(),
    },
    write: |c, i, v| {
        if let TriggerSpec::Http { invoke_overhead, .. } = c.trigger_mut(i) {
            let ms = f64::from(v.count());
            *invoke_overhead = match invoke_overhead.take() {
                _ if ms == 0.0 => None,
                Some(d) if d.typical_secs() > 0.0 => Some(d.scaled(ms / 1000.0 / d.typical_secs())),
                // None written: a constant, for a what-if.
                _ => Some(Dist::constant(SimDuration::from_secs_f64(ms / 1000.0))),
            };
        }
    },
    live: Live::No,
};

pub(super) const FANOUT: Knob = Knob {
    property: "fanout",
    owner: Owner::Trigger,
    unit: Unit::Count,
    help: "connections each WebSocket message is delivered to (a chat room's other members; each copy is billed)",
    range: |_| (0.0, 100.0),
    applies: is_websocket,
    read: |c, i| websocket_of(c, i).map_or("0".to_string(), |w| w.fanout.to_string()),
    write: |c, i, v| {
        if let Some(w) = websocket_mut(c, i) {
            w.fanout = v.count();
        }
    },
    live: Live::No,
};

pub(super) const MESSAGE_KB: Knob = Knob {
    property: "message_kb",
    owner: Owner::Trigger,
    unit: Unit::Count,
    help: "the size of each WebSocket message in KB (billed in 32 KB increments; at most 128)",
    range: |_| (1.0, 128.0),
    applies: is_websocket,
    // A size written as a distribution reads as its typical size.
    read: |c, i| match websocket_of(c, i).map(|w| &w.message_kb) {
        Some(SizeDist::Constant { kb }) => format!("{}", kb.round()),
        Some(SizeDist::Uniform { min_kb, max_kb }) => format!("{}", ((min_kb + max_kb) / 2.0).round()),
        Some(SizeDist::LogNormal { median_kb, .. }) => format!("{}", median_kb.round()),
        None => "0".to_string(),
    },
    write: |c, i, v| {
        if let Some(w) = websocket_mut(c, i) {
            w.message_kb = SizeDist::Constant { kb: f64::from(v.count()) };
        }
    },
    live: Live::No,
};

/// Triggers that invoke a function directly (HTTP, asynchronous events, schedules).
fn invokes_a_function(config: &SimConfig, trigger: usize) -> Result<(), &'static str> {
    match config.triggers[trigger].target_kind() {
        TargetKind::Function => Ok(()),
        _ => Err("does not invoke a function directly"),
    }
}

/// A trigger's WebSocket description, if it is one.
fn websocket_of(config: &SimConfig, trigger: usize) -> Option<&WebSocketSpec> {
    match &*config.triggers[trigger] {
        TriggerSpec::Http { websocket, .. } => websocket.as_deref(),
        _ => None,
    }
}

fn websocket_mut(config: &mut SimConfig, trigger: usize) -> Option<&mut WebSocketSpec> {
    match config.trigger_mut(trigger) {
        TriggerSpec::Http { websocket, .. } => websocket.as_deref_mut(),
        _ => None,
    }
}

fn is_websocket(config: &SimConfig, trigger: usize) -> Result<(), &'static str> {
    websocket_of(config, trigger).map(|_| ()).ok_or("is not a WebSocket trigger (write `websocket: (...)` on it)")
}
