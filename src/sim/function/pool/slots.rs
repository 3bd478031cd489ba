//! A function's environment slots, the first kept inline. Most functions of a large
//! account have one environment at a time; inline, its slot lies among the function's
//! own lines, which the loop asks for one event ahead (`sim/warm.rs`), where a slot
//! behind the vector's pointer could only be asked for once that pointer had arrived:
//! a wait for memory in every invocation's start and end (issue 16).

use super::Slot;
use crate::sim::function::{EnvState, Environment};
use crate::sim::kernel::time::SimTime;

#[derive(Clone, Debug)]
pub(crate) struct Slots {
    /// Slot 0, in use when `len` is not zero.
    first: Slot,
    /// Slots 1 and up.
    rest: Vec<Slot>,
    len: u32,
}

impl Default for Slots {
    fn default() -> Self {
        let unused = Slot { env: Environment::new(SimTime::ZERO, EnvState::Idle, false), request: None, alive: false };
        Slots { first: unused, rest: Vec::new(), len: 0 }
    }
}

impl Slots {
    pub(crate) fn len(&self) -> usize {
        self.len as usize
    }

    /// Adds a slot at index `len()`.
    pub(crate) fn push(&mut self, slot: Slot) {
        if self.len == 0 {
            self.first = slot;
        } else {
            self.rest.push(slot);
        }
        self.len += 1;
    }

    #[inline]
    pub(crate) fn get(&self, id: usize) -> Option<&Slot> {
        match id {
            0 if self.len > 0 => Some(&self.first),
            0 => None,
            _ => self.rest.get(id - 1),
        }
    }

    #[inline]
    pub(crate) fn get_mut(&mut self, id: usize) -> Option<&mut Slot> {
        match id {
            0 if self.len > 0 => Some(&mut self.first),
            0 => None,
            _ => self.rest.get_mut(id - 1),
        }
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &Slot> {
        std::iter::once(&self.first).take(self.len.min(1) as usize).chain(&self.rest)
    }

    pub(crate) fn iter_mut(&mut self) -> impl Iterator<Item = &mut Slot> {
        std::iter::once(&mut self.first).take(self.len.min(1) as usize).chain(&mut self.rest)
    }

    /// Slots allocated (for memory checks): the inline one and the vector's.
    pub(crate) fn capacity(&self) -> usize {
        1 + self.rest.capacity()
    }
}

impl std::ops::Index<usize> for Slots {
    type Output = Slot;
    #[inline]
    fn index(&self, id: usize) -> &Slot {
        self.get(id).expect("an environment slot of this function")
    }
}

impl std::ops::IndexMut<usize> for Slots {
    #[inline]
    fn index_mut(&mut self, id: usize) -> &mut Slot {
        self.get_mut(id).expect("an environment slot of this function")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slot(at: u64) -> Slot {
        Slot { env: Environment::new(SimTime(at), EnvState::Busy, false), request: None, alive: true }
    }

    #[test]
    fn slots_number_from_zero_whether_inline_or_not() {
        let mut slots = Slots::default();
        assert_eq!((slots.len(), slots.iter().count()), (0, 0));
        assert!(slots.get(0).is_none() && slots.get(1).is_none());
        for at in 0..5 {
            slots.push(slot(at));
        }
        assert_eq!(slots.len(), 5);
        for id in 0..5 {
            assert_eq!(slots[id].env.created_at, SimTime(id as u64));
        }
        assert!(slots.get(5).is_none());
        slots[3].alive = false;
        slots.get_mut(0).expect("slot 0").alive = false;
        let alive: Vec<u64> = slots.iter().filter(|s| s.alive).map(|s| s.env.created_at.0).collect();
        assert_eq!(alive, [1, 2, 4]);
        for s in slots.iter_mut() {
            s.alive = true;
        }
        assert_eq!(slots.iter().filter(|s| s.alive).count(), 5);
        assert_eq!(slots.capacity(), 1 + slots.rest.capacity());
    }
}
