//! Messages that no consumer has received yet, in the order they were sent, packed as
//! differences from the message before: a backlog of millions costs a few bytes a
//! message (send time and correlation id as varint deltas, then a flags byte), not a
//! full record each.

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
}

const COUNTED: u8 = 1;
const POISON: u8 = 2;
const TRIGGER: u8 = 4;
const FETCH: u8 = 8;
const DEPTH: u8 = 16;

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

impl FreshMessages {
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
            | flag(m.depth != 0, DEPTH);
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
        let (time, correlation) = self.before_head;
        let at = &mut self.head;
        let sent_at = time + get_varint(&self.bytes, at);
        let zigzag = get_varint(&self.bytes, at);
        let delta = ((zigzag >> 1) as i64) ^ -((zigzag & 1) as i64);
        let correlation = correlation.wrapping_add(delta as u64);
        let flags = self.bytes[*at];
        *at += 1;
        let trigger = (flags & TRIGGER != 0).then(|| get_varint(&self.bytes, at) as u32);
        let fetch = SimDuration(if flags & FETCH != 0 { get_varint(&self.bytes, at) } else { 0 });
        let depth = if flags & DEPTH != 0 { get_varint(&self.bytes, at) as u16 } else { 0 };
        self.front = Some(Sent {
            sent_at: SimTime(sent_at),
            correlation,
            counted: flags & COUNTED != 0,
            poison: flags & POISON != 0,
            trigger,
            fetch,
            depth,
        });
        self.before_head = (sent_at, correlation);
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
                };
                fifo.push(m);
                reference.push_back(m);
            } else {
                assert_eq!(fifo.pop(), reference.pop_front());
            }
            assert_eq!(fifo.len(), reference.len());
            assert_eq!(fifo.front(), reference.front());
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
            };
            backlog.push(m);
        }
        assert!(backlog.capacity() <= 5 * 1_000_000, "{} bytes", backlog.capacity());
        assert_eq!(backlog.front_serial(), 0);
        assert_eq!(backlog.next_serial(), 1_000_000);
    }
}
