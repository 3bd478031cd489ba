//! Asking the CPU to bring memory into its caches ahead of use.
//!
//! With thousands of functions, each event finds its trigger's and function's state
//! out of the caches (issue 16): the loop reads a line, waits for memory, reads the
//! next. Asking for the next event's lines while the current one is handled lets the
//! waits overlap with work.

/// Asks for the `lines` cache lines (64 bytes each) from `value`'s first byte. Only a
/// hint: it reads nothing the program sees, and costs nothing where unsupported.
#[inline(always)]
pub fn prefetch_lines<T>(value: &T, lines: usize) {
    #[cfg(target_arch = "x86_64")]
    {
        use core::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        let first = (value as *const T).cast::<i8>();
        for line in 0..lines {
            // SAFETY: a prefetch reads nothing into the program and never faults, at any
            // address (x86 PREFETCHh); SSE, which it needs, is part of x86-64's baseline.
            // `wrapping_add`: an address past the value is still only a hint.
            unsafe { _mm_prefetch::<_MM_HINT_T0>(first.wrapping_add(line * 64)) };
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (value, lines);
}
