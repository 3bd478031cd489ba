//! WebSocket connections on an HTTP trigger (`websocket: (...)`): the trigger's arrivals
//! open connections; each stays open for a session and sends messages while open, and
//! each message invokes the trigger's function as an HTTP request would (API Gateway's
//! WebSocket routes invoke their Lambda integration once per message). A message is
//! delivered to `fanout` other connections (the members of a chat room).
//!
//! API Gateway bills what a connection does whether or not a function runs: every
//! message received and every copy sent, in 32 KB increments, and every minute a
//! connection is open (`kernel::cost::websocket`). On the server fleet (the trigger's
//! `fleet` knob) the servers hold the connections instead: no per-message or
//! per-minute charge, and the fleet is sized for the connections it holds as well as
//! for the messages it serves.

use crate::sim::kernel::cost::websocket::increments;
use crate::sim::kernel::dist::{Dist, Sampler};
use crate::sim::kernel::metrics::TimeIntegral;
use crate::sim::kernel::rng::RngStream;
use crate::sim::kernel::time::{SimDuration, SimTime};
use crate::sim::services::storage::SizeDist;
use crate::sim::{Event, Simulation};
use serde::{Deserialize, Serialize};

/// API Gateway closes a WebSocket connection after 2 hours ("Connection duration for
/// WebSocket API", API Gateway quotas): sessions are cut there.
pub const MAX_SESSION: SimDuration = SimDuration::from_secs(2 * 3600);
/// The largest message API Gateway accepts ("Message payload size", 128 KB).
pub const MAX_MESSAGE_KB: f64 = 128.0;

/// What each connection of a WebSocket trigger does.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebSocketSpec {
    /// How long a connection stays open (cut at 2 hours, as API Gateway does).
    pub session: Dist,
    /// Messages each open connection sends a minute (at random moments: Poisson).
    pub messages_per_minute: f64,
    /// The size of each message, in KB (default 1 KB); at most 128.
    #[serde(default = "one_kb")]
    pub message_kb: SizeDist,
    /// Connections each message is delivered to besides its sender's (the other members
    /// of a chat room): on API Gateway every copy is a message sent, billed.
    #[serde(default)]
    pub fanout: u32,
}

fn one_kb() -> SizeDist {
    SizeDist::Constant { kb: 1.0 }
}

/// The connections of one WebSocket trigger at run time.
#[derive(Clone, Debug)]
pub struct SocketState {
    pub spec: WebSocketSpec,
    session: Sampler,
    rng: RngStream,
    /// Connections open now, and the most open at once since the warm-up.
    pub open: u64,
    pub peak_open: u64,
    /// Open connections integrated over time (connection-microseconds), up to `since`.
    integral: TimeIntegral,
    since: SimTime,
    pub(crate) warmup_integral: TimeIntegral,
    /// Counted (after the warm-up): connections opened, messages received, copies
    /// delivered to other connections, and messages API Gateway bills (32 KB increments
    /// of every message received and delivered; none on the fleet).
    pub opened: u64,
    pub messages: u64,
    pub delivered: u64,
    pub billed_messages: u64,
}

impl SocketState {
    pub(crate) fn new(spec: &WebSocketSpec, seed: u64, trigger: &str) -> SocketState {
        SocketState {
            spec: spec.clone(),
            session: Sampler::new(&spec.session),
            rng: RngStream::new(seed, &format!("trigger/{trigger}/websocket")),
            open: 0,
            peak_open: 0,
            integral: TimeIntegral::default(),
            since: SimTime::ZERO,
            warmup_integral: TimeIntegral::default(),
            opened: 0,
            messages: 0,
            delivered: 0,
            billed_messages: 0,
        }
    }

    /// Open connections integrated up to `now`.
    pub fn integral_at(&self, now: SimTime) -> TimeIntegral {
        let mut i = self.integral;
        i.add(self.open, now.since(self.since));
        i
    }

    /// Connection-minutes since the warm-up, up to `now`.
    pub fn connection_minutes(&self, now: SimTime) -> f64 {
        (self.integral_at(now).area - self.warmup_integral.area) as f64 / 60e6
    }

    fn set_open(&mut self, now: SimTime, open: u64) {
        self.integral = self.integral_at(now);
        self.since = now;
        self.open = open;
        self.peak_open = self.peak_open.max(open);
    }

    pub(crate) fn reset_at_warmup(&mut self, now: SimTime) {
        self.warmup_integral = self.integral_at(now);
        self.peak_open = self.open;
    }
}

impl Simulation {
    /// A client connects: its session is drawn, and its first message (or its close).
    pub(crate) fn open_socket(&mut self, trigger: u32) {
        let now = self.now;
        let counted = now >= self.warmup_end;
        let Some(s) = self.triggers[trigger as usize].socket.as_mut() else { return };
        s.set_open(now, s.open + 1);
        s.opened += u64::from(counted);
        let session = s.session.sample(&mut s.rng).min(MAX_SESSION);
        self.next_on_socket(trigger, now + session);
    }

    /// Schedules a connection's next message, or its close if that comes first.
    fn next_on_socket(&mut self, trigger: u32, closes: SimTime) {
        let now = self.now;
        let Some(s) = self.triggers[trigger as usize].socket.as_mut() else { return };
        let gap = s.rng.exponential(60.0 / s.spec.messages_per_minute.max(1e-9));
        let next = now + SimDuration::from_secs_f64(gap);
        if next < closes {
            self.queue.schedule(next, Event::SocketMessage { trigger, closes });
        } else {
            self.queue.schedule(closes, Event::SocketClosed { trigger });
        }
    }

    /// A connection sends a message: billed (on API Gateway), then served by the
    /// trigger's function or, moved, by the fleet.
    pub(crate) fn on_socket_message(&mut self, trigger: u32, closes: SimTime) {
        let counted = self.now >= self.warmup_end;
        let id = self.new_correlation();
        self.series.current.arrivals += 1;
        let t = &mut self.triggers[trigger as usize];
        let on_fleet = t.on_fleet;
        t.counters.arrived += u64::from(counted);
        if let Some(s) = t.socket.as_mut() {
            let kb = s.spec.message_kb.sample_kb(&mut s.rng).min(MAX_MESSAGE_KB);
            let fanout = u64::from(s.spec.fanout);
            if counted {
                s.messages += 1;
                s.delivered += fanout;
                if !on_fleet {
                    s.billed_messages += increments(kb) * (1 + fanout);
                }
            }
        }
        self.next_on_socket(trigger, closes);
        if counted {
            self.services.work.begin(id, self.now);
        }
        if on_fleet {
            self.serve_on_fleet(trigger, id, counted);
        } else {
            self.invoke_for_client(trigger, id, counted, SimDuration::ZERO);
        }
        self.work_done(id, false);
    }

    pub(crate) fn on_socket_closed(&mut self, trigger: u32) {
        let now = self.now;
        if let Some(s) = self.triggers[trigger as usize].socket.as_mut() {
            s.set_open(now, s.open.saturating_sub(1));
        }
    }
}
