//! The lanes' pending events (`engine`): a binary min-heap of (time, sequence, lane),
//! written here so that its push and pop are always inlined into the event loop.
//! std's `BinaryHeap::pop` was inlined or not depending on how the compiler split the
//! crate into codegen units: unrelated edits moved case (a) by 2-3% of its instructions.

/// A lane's pending event: (time in microseconds, sequence number, lane).
pub(crate) type LaneEvent = (u64, u64, u32);

#[derive(Clone, Debug, Default)]
pub(crate) struct LaneHeap {
    /// Heap-ordered by (time, sequence): each item no later than its two children.
    items: Vec<LaneEvent>,
}

/// Sequence numbers are unique, so (time, sequence) orders every pair of items.
#[inline(always)]
fn before(a: &LaneEvent, b: &LaneEvent) -> bool {
    (a.0, a.1) < (b.0, b.1)
}

impl LaneHeap {
    pub(crate) fn with_capacity(lanes: usize) -> Self {
        LaneHeap { items: Vec::with_capacity(lanes) }
    }

    pub(crate) fn len(&self) -> usize {
        self.items.len()
    }

    /// The earliest item.
    #[inline(always)]
    pub(crate) fn peek(&self) -> Option<LaneEvent> {
        self.items.first().copied()
    }

    #[inline]
    pub(crate) fn push(&mut self, item: LaneEvent) {
        // The new item moves up through a hole: each parent later than it moves down.
        self.items.push(item);
        let mut hole = self.items.len() - 1;
        while hole > 0 {
            let parent = (hole - 1) / 2;
            if !before(&item, &self.items[parent]) {
                break;
            }
            self.items[hole] = self.items[parent];
            hole = parent;
        }
        self.items[hole] = item;
    }

    /// Takes the earliest item.
    #[inline(always)]
    pub(crate) fn pop(&mut self) -> Option<LaneEvent> {
        let last = self.items.pop()?;
        let Some(&top) = self.items.first() else {
            return Some(last);
        };
        // The last item moves down from the top through a hole: each earlier child moves up.
        let n = self.items.len();
        let mut hole = 0;
        loop {
            let left = 2 * hole + 1;
            if left >= n {
                break;
            }
            let right = left + 1;
            let child = if right < n && before(&self.items[right], &self.items[left]) { right } else { left };
            if !before(&self.items[child], &last) {
                break;
            }
            self.items[hole] = self.items[child];
            hole = child;
        }
        self.items[hole] = last;
        Some(top)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pops_in_time_then_sequence_order_under_interleaved_use() {
        // A seeded mix of pushes and pops, against a sorted list; equal times included.
        let mut heap = LaneHeap::with_capacity(4);
        let mut reference: Vec<LaneEvent> = Vec::new();
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        for seq in 0..5_000u64 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            if x.is_multiple_of(3) && !reference.is_empty() {
                reference.sort_unstable();
                assert_eq!(heap.pop(), Some(reference.remove(0)), "step {seq}");
            } else {
                let item = (x % 50, seq, (x % 64) as u32);
                heap.push(item);
                reference.push(item);
            }
            assert_eq!(heap.len(), reference.len());
        }
        reference.sort_unstable();
        for expected in reference {
            assert_eq!(heap.peek(), Some(expected));
            assert_eq!(heap.pop(), Some(expected));
        }
        assert_eq!((heap.pop(), heap.peek()), (None, None));
    }
}
