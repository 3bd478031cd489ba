//! A queue's visibility bookkeeping: the deadlines of received messages, and the list
//! of messages visible again after a timeout, in the order they came back.

use super::{Message, MessageState, QueueState, Returned};
use crate::sim::kernel::time::SimTime;

impl QueueState {
    /// The front of `returned`, its stale entries dropped.
    pub(super) fn returned_front(&mut self) -> Option<Returned> {
        while let Some(&r) = self.returned.front() {
            let m = &self.messages[r.slot as usize];
            if m.state == MessageState::Visible && m.receipt == r.receipt {
                return Some(r);
            }
            self.returned.pop_front();
            self.stale_returned -= 1;
        }
        None
    }

    /// An entry of `returned` went stale; compacts the list once most of it is.
    pub(super) fn went_stale(&mut self) {
        self.stale_returned += 1;
        if self.stale_returned > 64 && self.stale_returned * 2 > self.returned.len() {
            let messages = &self.messages;
            self.returned.retain(|r| {
                let m = &messages[r.slot as usize];
                m.state == MessageState::Visible && m.receipt == r.receipt
            });
            self.stale_returned = 0;
        }
    }

    /// Whether the receive `receipt` of message `id` is still being processed (not
    /// deleted, expired or received again since).
    pub(super) fn receive_is_live(&self, id: u32, receipt: u32) -> bool {
        let m = &self.messages[id as usize];
        m.state == MessageState::InFlight && m.receipt == receipt
    }

    /// Notes a receive's visibility deadline. Returns false when it comes before one
    /// noted earlier (the timeout was shortened while messages were in flight): that
    /// receive needs a timer of its own.
    pub(super) fn note_deadline(&mut self, deadline: SimTime, id: u32, receipt: u32) -> bool {
        self.drop_dead_deadlines();
        if self.visibility_deadlines.back().is_some_and(|&(d, _, _)| d > deadline) {
            return false;
        }
        self.visibility_deadlines.push_back((deadline, id, receipt));
        true
    }

    /// Drops the entries at the front whose receive has ended.
    pub(super) fn drop_dead_deadlines(&mut self) {
        while let Some(&(_, id, receipt)) = self.visibility_deadlines.front() {
            if self.receive_is_live(id, receipt) {
                break;
            }
            self.visibility_deadlines.pop_front();
        }
    }

    /// A received message's visibility timeout ended without a delete: it becomes
    /// visible again, or goes to the DLQ after `max_receive_count` receives. Returns
    /// `Some(message)` when it must move to the DLQ (the caller sends it there).
    pub(crate) fn visibility_expired(&mut self, id: u32, receipt: u32, now: SimTime) -> Option<Message> {
        if !self.receive_is_live(id, receipt) {
            return None; // deleted, or received again since
        }
        let m = &self.messages[id as usize];
        self.in_flight -= 1;
        // Without a dead-letter queue there is no redrive policy: it comes back until
        // the retention period ends.
        if m.receives >= self.spec.max_receive_count && self.dlq_index.is_some() {
            let message = m.clone();
            self.counters.to_dlq += u64::from(message.counted);
            self.counters.to_dlq_poison += u64::from(message.counted && message.poison);
            self.forget(id);
            return Some(message);
        }
        let serial = m.serial;
        self.messages[id as usize].state = MessageState::Visible;
        self.messages[id as usize].listed = true;
        let sent_before = self.fresh.next_serial();
        self.returned.push_back(Returned { slot: id, receipt, sent_before });
        self.visible_by_age.insert((serial, id));
        self.note_depth(now);
        None
    }
}
