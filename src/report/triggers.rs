//! One trigger's report (`TriggerReport`) and a WebSocket trigger's connections,
//! messages and API Gateway charges (`WebSocketReport`).

use crate::sim::Simulation;
use crate::sim::kernel::cost::{self, MONTH_SECS};
use serde::Serialize;

use super::{LatencyReport, RequestsReport, is_zero};

/// One trigger.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct TriggerReport {
    pub name: String,
    pub target: String,
    pub requests: RequestsReport,
    pub latency_ms: LatencyReport,
    /// Schedules: runs that started while the previous run was still going.
    pub overlaps: u64,
    /// A WebSocket trigger's connections and messages (its requests are the messages).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub websocket: Option<WebSocketReport>,
    /// With a client policy: attempts the client abandoned for want of an answer in
    /// time, and attempts it made after the first (the functions ran them all).
    #[serde(skip_serializing_if = "is_zero")]
    pub client_timeouts: u64,
    #[serde(skip_serializing_if = "is_zero")]
    pub client_retries: u64,
}

/// A WebSocket trigger over the measured window.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct WebSocketReport {
    /// Where the connections are held: "API Gateway", or "server fleet" when moved.
    pub held_by: String,
    pub connections_opened: u64,
    /// Connections open at the end, at most at once, and on average.
    pub open_at_end: u64,
    pub peak_open: u64,
    pub avg_open: f64,
    pub connection_minutes: f64,
    /// Messages received from clients, and copies delivered to other connections.
    pub messages: u64,
    pub delivered: u64,
    /// What API Gateway bills: 32 KB increments of every message received and
    /// delivered (0 on the fleet), and its charges for them and the connection minutes.
    pub billed_messages: u64,
    pub messages_usd: f64,
    pub connection_minutes_usd: f64,
}

/// A WebSocket trigger's report: API Gateway's meters priced over `window`, or none
/// when the fleet holds its connections.
pub(super) fn websocket_report(sim: &Simulation, t: &crate::sim::trigger::TriggerState) -> Option<WebSocketReport> {
    let s = t.socket.as_ref()?;
    let now = sim.now();
    let window = sim.measured_window();
    let months = window.as_secs_f64() / MONTH_SECS;
    let minutes = s.connection_minutes(now);
    let (messages_usd, connection_minutes_usd) =
        if t.on_fleet { (0.0, 0.0) } else { cost::websocket::cost_usd(s.billed_messages, minutes, months) };
    Some(WebSocketReport {
        held_by: if t.on_fleet { "server fleet" } else { "API Gateway" }.to_string(),
        connections_opened: s.opened,
        open_at_end: s.open,
        peak_open: s.peak_open,
        avg_open: s.integral_at(now).average_since(&s.warmup_integral, window),
        connection_minutes: minutes,
        messages: s.messages,
        delivered: s.delivered,
        billed_messages: s.billed_messages,
        messages_usd,
        connection_minutes_usd,
    })
}
