//! Messages that no consumer has received yet, in the order they were sent, packed as
//! differences from the message before: a backlog of millions costs a few bytes a
//! message (send time and correlation id as varint deltas, then a flags byte), not a
//! full record each. A dead letter adds its reason, receive count and origin in about
//! three bytes more.

use super::redrive::{DeadLetter, FailReason};
use crate::sim::kernel::time::{SimDuration, SimTime};

/// A message as sent: what a consumer needs once it receives it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Sent {
    pub sent_at: SimTime,
    /// Correlation id of the request that produced it.
    pub correlation: u64,
    pub counted: bool,
    /// Fails every time it is processed.
    pub poison: bool,
    /// The producer trigger that sent it.
    pub trigger: Option<u32>,
    /// Time a consumer needs to fetch its claim-checked payload (zero when inline).
    pub fetch: SimDuration,
    /// Function invocations in its chain so far (recursive loop detection).
    pub depth: u16,
    /// Why it was dead-lettered, when it arrived as a dead letter.
    pub dead: Option<DeadLetter>,
}

const COUNTED: u8 = 1;
const POISON: u8 = 2;
const TRIGGER: u8 = 4;
const FETCH: u8 = 8;
const DEPTH: u8 = 16;
const DEAD: u8 = 32;
/// In a dead letter's reason byte (the reason is its low nibble).
const DEAD_SOURCE: u8 = 16;
const DEAD_TRIGGER: u8 = 32;

/// A first-in first-out list of sent messages; message `k` from the front has serial
/// number `front_serial() + k` (serials count the queue's sends).
#[derive(Clone, Debug, Default)]
pub(crate) struct FreshMessages {
    bytes: Vec<u8>,
    /// Where the second message starts in `bytes` (the first is decoded in `front`).
    head: usize,
    front: Option<Sent>,
    len: usize,
    front_serial: u64,
    /// The last message pushed (deltas are taken from it).
    back: (u64, u64),
    /// The message before the one at `head` (deltas there are taken from it).
    before_head: (u64, u64),
}

fn put_varint(bytes: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        bytes.push((v as u8) | 0x80);
        v >>= 7;
    }
    bytes.push(v as u8);
}

fn get_varint(bytes: &[u8], at: &mut usize) -> u64 {
    let mut v = 0u64;
    let mut shift = 0;
    loop {
        let b = bytes[*at];
        *at += 1;
        v |= u64::from(b & 0x7f) << shift;
        if b < 0x80 {
            return v;
        }
        shift += 7;
    }
}

/// Decodes the message at `at` (moving past it), whose deltas are taken from `before`
/// (send time and correlation id of the message before it).
fn decode(bytes: &[u8], at: &mut usize, (time, correlation): (u64, u64)) -> Sent {
    let sent_at = time + get_varint(bytes, at);
    let zigzag = get_varint(bytes, at);
    let delta = ((zigzag >> 1) as i64) ^ -((zigzag & 1) as i64);
    let correlation = correlation.wrapping_add(delta as u64);
    let flags = bytes[*at];
    *at += 1;
    let trigger = (flags & TRIGGER != 0).then(|| get_varint(bytes, at) as u32);
    let fetch = SimDuration(if flags & FETCH != 0 { get_varint(bytes, at) } else { 0 });
    let depth = if flags & DEPTH != 0 { get_varint(bytes, at) as u16 } else { 0 };
    let dead = (flags & DEAD != 0).then(|| {
        let reason = bytes[*at];
        *at += 1;
        let receives = get_varint(bytes, at) as u32;
        let source = (reason & DEAD_SOURCE != 0).then(|| get_varint(bytes, at) as u32);
        let trigger = (reason & DEAD_TRIGGER != 0).then(|| get_varint(bytes, at) as u32);
        DeadLetter { reason: FailReason::from_u8(reason & 15), receives, source, trigger }
    });
    Sent {
        sent_at: SimTime(sent_at),
        correlation,
        counted: flags & COUNTED != 0,
        poison: flags & POISON != 0,
        trigger,
        fetch,
        depth,
        dead,
    }
}

impl FreshMessages {
    /// An empty list whose next message gets serial number `serial` (a list rebuilt
    /// after some of its messages left it keeps the serials after them unused).
    pub(crate) fn starting_at(serial: u64) -> FreshMessages {
        FreshMessages { front_serial: serial, ..FreshMessages::default() }
    }

    /// The messages in order, front first, without taking them.
    pub(crate) fn iter(&self) -> impl Iterator<Item = Sent> + '_ {
        let mut at = self.head;
        let mut before = self.before_head;
        let mut front = self.front;
        let mut left = self.len;
        std::iter::from_fn(move || {
            if left == 0 {
                return None;
            }
            left -= 1;
            if let Some(m) = front.take() {
                return Some(m);
            }
            let m = decode(&self.bytes, &mut at, before);
            before = (m.sent_at.0, m.correlation);
            Some(m)
        })
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The serial number of the front message (of the next one sent when empty).
    pub(crate) fn front_serial(&self) -> u64 {
        self.front_serial
    }

    /// The serial number the next message sent will get.
    pub(crate) fn next_serial(&self) -> u64 {
        self.front_serial + self.len as u64
    }

    pub(crate) fn front(&self) -> Option<&Sent> {
        self.front.as_ref()
    }

    /// Bytes held (memory checks).
    pub(crate) fn capacity(&self) -> usize {
        self.bytes.capacity()
    }

    /// Appends a message sent now (send times never decrease).
    pub(crate) fn push(&mut self, m: Sent) {
        if self.front.is_none() {
            self.front = Some(m);
            self.before_head = (m.sent_at.0, m.correlation);
            self.back = self.before_head;
            self.len = 1;
            self.bytes.clear();
            self.head = 0;
            return;
        }
        let (time, correlation) = self.back;
        put_varint(&mut self.bytes, m.sent_at.0 - time);
        // Zigzag: a correlation id may be below the previous one.
        let delta = m.correlation.wrapping_sub(correlation) as i64;
        put_varint(&mut self.bytes, ((delta << 1) ^ (delta >> 63)) as u64);
        let flag = |on: bool, bit: u8| if on { bit } else { 0 };
        let flags = flag(m.counted, COUNTED)
            | flag(m.poison, POISON)
            | flag(m.trigger.is_some(), TRIGGER)
            | flag(m.fetch.0 != 0, FETCH)
            | flag(m.depth != 0, DEPTH)
            | flag(m.dead.is_some(), DEAD);
        self.bytes.push(flags);
        if let Some(t) = m.trigger {
            put_varint(&mut self.bytes, u64::from(t));
        }
        if m.fetch.0 != 0 {
            put_varint(&mut self.bytes, m.fetch.0);
        }
        if m.depth != 0 {
            put_varint(&mut self.bytes, u64::from(m.depth));
        }
        if let Some(d) = m.dead {
            let reason =
                d.reason as u8 | flag(d.source.is_some(), DEAD_SOURCE) | flag(d.trigger.is_some(), DEAD_TRIGGER);
            self.bytes.push(reason);
            put_varint(&mut self.bytes, u64::from(d.receives));
            if let Some(q) = d.source {
                put_varint(&mut self.bytes, u64::from(q));
            }
            if let Some(t) = d.trigger {
                put_varint(&mut self.bytes, u64::from(t));
            }
        }
        self.back = (m.sent_at.0, m.correlation);
        self.len += 1;
    }

    /// Takes the front message.
    pub(crate) fn pop(&mut self) -> Option<Sent> {
        let popped = self.front.take()?;
        self.front_serial += 1;
        self.len -= 1;
        if self.len == 0 {
            self.bytes.clear();
            self.head = 0;
            return Some(popped);
        }
        let mut at = self.head;
        let next = decode(&self.bytes, &mut at, self.before_head);
        self.head = at;
        self.front = Some(next);
        self.before_head = (next.sent_at.0, next.correlation);
        // Give back the consumed part once it is most of the buffer (amortised O(1)).
        if self.head > 4096 && self.head * 2 > self.bytes.len() {
            self.bytes.drain(..self.head);
            self.head = 0;
            if self.bytes.capacity() > 4 * self.bytes.len().max(4096) {
                self.bytes.shrink_to(2 * self.bytes.len().max(4096));
            }
        }
        Some(popped)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::kernel::rng::RngStream;

    #[test]
    fn gives_back_what_was_sent_in_order_in_a_few_bytes_each() {
        let mut rng = RngStream::new(3, "fresh");
        let mut fifo = FreshMessages::default();
        let mut reference = std::collections::VecDeque::new();
        let mut now = 0u64;
        for round in 0..200_000u64 {
            if rng.unit() < 0.6 {
                now += (rng.unit() * 30.0) as u64;
                let m = Sent {
                    sent_at: SimTime(now),
                    correlation: if rng.unit() < 0.9 { round } else { (rng.unit() * 1e12) as u64 },
                    counted: rng.unit() < 0.8,
                    poison: rng.unit() < 0.01,
                    trigger: (rng.unit() < 0.5).then_some((rng.unit() * 100.0) as u32),
                    fetch: SimDuration(if rng.unit() < 0.05 { 20_000 + round } else { 0 }),
                    depth: if rng.unit() < 0.02 { 7 } else { 0 },
                    dead: (rng.unit() < 0.1).then(|| DeadLetter {
                        reason: FailReason::from_u8((rng.unit() * 7.0) as u8),
                        receives: 1 + (rng.unit() * 1000.0) as u32,
                        source: (rng.unit() < 0.8).then_some((rng.unit() * 300.0) as u32),
                        trigger: (rng.unit() < 0.5).then_some((rng.unit() * 300.0) as u32),
                    }),
                };
                fifo.push(m);
                reference.push_back(m);
            } else {
                assert_eq!(fifo.pop(), reference.pop_front());
            }
            assert_eq!(fifo.len(), reference.len());
            assert_eq!(fifo.front(), reference.front());
            if round % 1000 == 0 {
                assert!(fifo.iter().eq(reference.iter().copied()), "round {round}: iter lists the same");
            }
        }
        // A backlog of ordinary messages (one every 10 us, consecutive correlation ids,
        // counted, from trigger 0) packs into 4 bytes each.
        let mut backlog = FreshMessages::default();
        for k in 0..1_000_000u64 {
            let m = Sent {
                sent_at: SimTime(k * 10),
                correlation: k + 1,
                counted: true,
                poison: false,
                trigger: Some(0),
                fetch: SimDuration::ZERO,
                depth: 0,
                dead: None,
            };
            backlog.push(m);
        }
        assert!(backlog.capacity() <= 5 * 1_000_000, "{} bytes", backlog.capacity());
        // A DLQ's backlog of dead letters (a reason, 5 receives, from queue 0 and
        // producer 0): 7 bytes each (time and id deltas, flags, then reason, receives,
        // source and producer), the first kept whole.
        let mut dead = FreshMessages::default();
        for k in 0..100_000u64 {
            let letter = DeadLetter { reason: FailReason::Error, receives: 5, source: Some(0), trigger: Some(0) };
            let m = Sent {
                sent_at: SimTime(k * 10),
                correlation: k + 1,
                counted: true,
                poison: false,
                trigger: None,
                fetch: SimDuration::ZERO,
                depth: 0,
                dead: Some(letter),
            };
            dead.push(m);
        }
        assert_eq!(dead.bytes.len(), 7 * (100_000 - 1));
        assert_eq!(dead.iter().filter(|m| m.dead.is_some_and(|d| d.receives == 5)).count(), 100_000);
        assert_eq!(backlog.front_serial(), 0);
        assert_eq!(backlog.next_serial(), 1_000_000);
    }
}
