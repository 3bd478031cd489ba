//! A trigger's spec (`TriggerSpec::problems`: its target, arrivals, payloads, client) and a
//! WebSocket trigger's connections and messages (`WebSocketSpec::problems`).

use crate::sim::kernel::arrivals::Arrivals;
use crate::sim::kernel::num;
use crate::sim::services::storage::SizeDist;
use crate::sim::trigger::{TargetKind, TriggerSpec};

use super::{At, Names, join};

impl TriggerSpec {
    pub(super) fn problems(&self, names: &Names, at: &mut At) {
        let t = self;
        if t.name().trim().is_empty() {
            at.push("name", "a trigger needs a name".into());
        }
        let target = t.target();
        let (field, problem) = match t.target_kind() {
            TargetKind::Function => ("target", names.unknown_function(target)),
            TargetKind::Queue => ("queue", names.unknown_queue(target)),
            TargetKind::Bus => ("bus", names.unknown_bus(target)),
            TargetKind::Bucket => ("bucket", names.unknown_bucket(target)),
            TargetKind::Stream => ("stream", names.unknown_stream(target)),
            TargetKind::Workflow => ("workflow", names.unknown_workflow(target)),
        };
        if let Some(problem) = problem {
            at.push(field, problem);
        }
        if let Some(p) = t.payload() {
            for message in p.size_kb.problems() {
                at.push("payload.size_kb", message);
            }
            if let Some(problem) = p.claim_check.as_deref().and_then(|b| names.unknown_bucket(b)) {
                at.push("payload.claim_check", problem);
            }
        }
        if let TriggerSpec::Http { durations, invoke_overhead, websocket, payload, client, .. } = t {
            if let Some(client) = client {
                for (field, message) in client.problems() {
                    at.push(&join("client", field), message);
                }
                if websocket.is_some() {
                    at.push("client", "a WebSocket's messages are not retried by a client policy".into());
                }
            }
            if let Some(overhead) = invoke_overhead {
                for (field, message) in overhead.problems() {
                    at.push(&join("invoke_overhead", field), message);
                }
            }
            if let Some(w) = websocket {
                w.problems(at);
                if payload.is_some() {
                    at.push("payload", "a WebSocket trigger's messages are sized by websocket.message_kb".into());
                }
            }
            for (function, dist) in durations {
                let at_key = format!("durations[\"{function}\"]");
                if let Some(problem) = names.unknown_function(function) {
                    at.push(&at_key, problem);
                }
                for (field, message) in dist.problems() {
                    at.push(&join(&at_key, field), message);
                }
            }
        }
        if let TriggerSpec::Upload { size_kb, .. } = t {
            for message in size_kb.problems() {
                at.push("size_kb", message);
            }
        }
        if let TriggerSpec::Schedule { arrivals, .. } = t
            && !matches!(arrivals, Arrivals::Every { .. } | Arrivals::Daily { .. })
        {
            at.push("arrivals", "a schedule runs Every(period: ...) or Daily(times: [...])".into());
        }
        if let TriggerSpec::Producer { poison, .. } | TriggerSpec::Writes { poison, .. } = t
            && !(0.0..=1.0).contains(poison)
        {
            at.push("poison", format!("a fraction in 0..1, got {}", num(*poison)));
        }
        for (field, message) in t.arrivals().problems() {
            at.push(&join("arrivals", &field), message);
        }
    }
}

impl crate::sim::websocket::WebSocketSpec {
    fn problems(&self, at: &mut At) {
        use crate::sim::websocket::MAX_MESSAGE_KB;
        for (field, message) in self.session.problems() {
            at.push(&join("websocket.session", field), message);
        }
        let rate = self.messages_per_minute;
        if !(rate.is_finite() && rate > 0.0 && rate <= 600.0) {
            at.push(
                "websocket.messages_per_minute",
                format!("messages a connection sends a minute, above 0 and at most 600, got {}", num(rate)),
            );
        }
        let sizes = self.message_kb.problems();
        for message in &sizes {
            at.push("websocket.message_kb", message.clone());
        }
        let largest = match self.message_kb {
            SizeDist::Constant { kb } => kb,
            SizeDist::Uniform { max_kb, .. } => max_kb,
            SizeDist::LogNormal { p99_kb, .. } => p99_kb,
        };
        if sizes.is_empty() && largest > MAX_MESSAGE_KB {
            at.push(
                "websocket.message_kb",
                format!(
                    "API Gateway accepts messages of at most {} KB (larger ones close the connection), got {}",
                    num(MAX_MESSAGE_KB),
                    num(largest)
                ),
            );
        }
        if self.fanout > 100_000 {
            at.push(
                "websocket.fanout",
                format!("0..100000 connections a message is delivered to, got {}", self.fanout),
            );
        }
    }
}
