//! A function's on-demand idle environments, least recently used first, kept inline
//! while they are few (see `IdleList`).

use std::collections::VecDeque;

/// On-demand idle environments (slot ids), least recently used first. Up to `INLINE`
/// ids live in the list itself, so a function with a few environments reaches its idle
/// one without a heap allocation of its own (another cache line per invocation when
/// thousands of functions share the traffic, issue 16); more move, all of them, to a
/// `VecDeque` until it empties again. Either `inline_len` is zero or `spill` is empty.
#[derive(Clone, Debug, Default)]
pub(crate) struct IdleList {
    inline_len: u32,
    inline: [u32; IdleList::INLINE],
    spill: VecDeque<u32>,
}

impl IdleList {
    const INLINE: usize = 3;

    #[inline]
    fn inline(&self) -> &[u32] {
        &self.inline[..self.inline_len as usize]
    }

    #[inline]
    pub fn len(&self) -> usize {
        self.inline_len as usize + self.spill.len()
    }

    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    #[inline]
    pub fn push_back(&mut self, id: u32) {
        let n = self.inline_len as usize;
        if !self.spill.is_empty() {
            self.spill.push_back(id); // spilled: nothing inline
        } else if n < Self::INLINE {
            self.inline[n] = id;
            self.inline_len += 1;
        } else {
            self.spill_and_push(id);
        }
    }

    /// Moves the inline ids, all of them, to `spill`, then adds `id`.
    #[cold]
    #[inline(never)]
    fn spill_and_push(&mut self, id: u32) {
        let n = self.inline_len as usize;
        self.spill.extend(&self.inline[..n]);
        self.inline_len = 0;
        self.spill.push_back(id);
    }

    #[inline]
    pub fn pop_back(&mut self) -> Option<u32> {
        if self.inline_len > 0 {
            self.inline_len -= 1;
            return Some(self.inline[self.inline_len as usize]);
        }
        self.spill.pop_back()
    }

    pub fn pop_front(&mut self) -> Option<u32> {
        if self.inline_len > 0 {
            let id = self.inline[0];
            self.remove(0);
            return Some(id);
        }
        self.spill.pop_front()
    }

    pub fn front(&self) -> Option<&u32> {
        self.inline().first().or_else(|| self.spill.front())
    }

    pub fn back(&self) -> Option<&u32> {
        self.inline().last().or_else(|| self.spill.back())
    }

    /// The ids, least recently used first.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &u32> {
        self.inline().iter().chain(self.spill.iter())
    }

    /// Where `id` is, counted from the front (searching from the back).
    pub fn rposition(&self, id: u32) -> Option<usize> {
        match self.inline_len {
            0 => self.spill.iter().rposition(|&e| e == id),
            _ => self.inline().iter().rposition(|&e| e == id),
        }
    }

    /// Where `id` is, counted from the front.
    pub fn position(&self, id: u32) -> Option<usize> {
        self.iter().position(|&e| e == id)
    }

    /// Takes out the id at `at`, keeping the others' order.
    pub fn remove(&mut self, at: usize) -> Option<u32> {
        let n = self.inline_len as usize;
        if n == 0 {
            return self.spill.remove(at);
        }
        if at >= n {
            return None;
        }
        let id = self.inline[at];
        self.inline.copy_within(at + 1..n, at);
        self.inline_len -= 1;
        Some(id)
    }
}

#[cfg(test)]
mod tests {
    use super::IdleList;
    use std::collections::VecDeque;

    /// The idle list behaves exactly as the `VecDeque` it replaces, across its inline
    /// part's capacity and back (a fixed pseudo-random sequence of every operation).
    #[test]
    fn idle_list_matches_a_deque_through_spills_and_back() {
        let (mut list, mut deque) = (IdleList::default(), VecDeque::new());
        let mut x: u64 = 7;
        for step in 0..20_000u32 {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let r = (x >> 33) as u32;
            match r % 7 {
                0..=2 => {
                    list.push_back(step);
                    deque.push_back(step);
                }
                3 => assert_eq!(list.pop_back(), deque.pop_back()),
                4 => assert_eq!(list.pop_front(), deque.pop_front()),
                5 if !deque.is_empty() => {
                    let at = r as usize / 7 % deque.len();
                    let id = deque[at];
                    assert_eq!(list.rposition(id), Some(at));
                    assert_eq!(list.position(id), Some(at));
                    assert_eq!(list.remove(at), deque.remove(at));
                }
                _ => {
                    // Drain to empty now and then, so the list goes back to inline.
                    if r.is_multiple_of(5) {
                        while let Some(id) = deque.pop_back() {
                            assert_eq!(list.pop_back(), Some(id));
                        }
                    }
                }
            }
            assert_eq!(list.len(), deque.len());
            assert_eq!(list.is_empty(), deque.is_empty());
            assert_eq!(list.front(), deque.front());
            assert_eq!(list.back(), deque.back());
            assert!(list.iter().eq(deque.iter()));
        }
    }
}
