//! The global allocator of the binary and its benchmarks: mimalloc, asked the cheaper way.
//!
//! The `mimalloc` crate passes every request to `mi_malloc_aligned`, whose alignment checks
//! cost about as much again as the allocation itself: 6 % of the instructions of linting
//! a 2,000-revision Alembic project, which makes two million small allocations. Almost
//! every Rust allocation asks for an alignment that plain `mi_malloc` already gives: no
//! more than 16 bytes and no more than its size: mimalloc rounds block sizes to 16 bytes
//! from 16 up and starts every page's blocks 16-aligned (`MI_ALIGN2W` in page-queue.c, the
//! assertion in alloc.c's `mi_page_malloc_zero`). Only the others take the aligned path.

use std::alloc::{GlobalAlloc, Layout};
use std::ffi::c_void;

use libmimalloc_sys as mi;

/// The alignment every mimalloc block of at least that size has (`MI_MAX_ALIGN_SIZE`).
const NATURAL_ALIGNMENT: usize = 16;

pub struct Allocator;

fn naturally_aligned(size: usize, align: usize) -> bool {
    align <= NATURAL_ALIGNMENT && align <= size
}

type Plain = unsafe extern "C" fn(usize) -> *mut c_void;
type Aligned = unsafe extern "C" fn(usize, usize) -> *mut c_void;

/// A block for `layout` from `plain` when it aligns the block anyway, else from `aligned`.
///
/// # Safety
/// As [`GlobalAlloc::alloc`].
#[inline]
unsafe fn allocate(layout: Layout, plain: Plain, aligned: Aligned) -> *mut u8 {
    let (size, align) = (layout.size(), layout.align());
    unsafe {
        if naturally_aligned(size, align) {
            plain(size).cast()
        } else {
            aligned(size, align).cast()
        }
    }
}

// SAFETY: each method forwards to the mimalloc function with the same contract, plain
// only where mimalloc guarantees the alignment asked for.
unsafe impl GlobalAlloc for Allocator {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        unsafe { allocate(layout, mi::mi_malloc, mi::mi_malloc_aligned) }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        unsafe { allocate(layout, mi::mi_zalloc, mi::mi_zalloc_aligned) }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, _layout: Layout) {
        unsafe { mi::mi_free(ptr.cast::<c_void>()) }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let align = layout.align();
        unsafe {
            if naturally_aligned(new_size, align) {
                mi::mi_realloc(ptr.cast::<c_void>(), new_size).cast()
            } else {
                mi::mi_realloc_aligned(ptr.cast::<c_void>(), new_size, align).cast()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sizes and alignments around mimalloc's natural alignment, up to a page: each block
    /// is aligned as asked, zeroed when asked, and keeps its bytes when grown and shrunk.
    #[test]
    fn blocks_are_aligned_as_asked_and_keep_their_bytes() {
        let allocator = Allocator;
        let sizes = [
            1, 2, 3, 7, 8, 15, 16, 17, 24, 31, 32, 48, 64, 100, 4096, 5000,
        ];
        for align in (0..13).map(|shift| 1usize << shift) {
            for size in sizes {
                let layout = Layout::from_size_align(size, align).unwrap();
                let aligned =
                    |block: *mut u8| !block.is_null() && (block as usize).is_multiple_of(align);
                for new_size in [1, size / 2 + 1, size * 3, 70_000] {
                    unsafe {
                        let zeroed = allocator.alloc_zeroed(layout);
                        assert!(aligned(zeroed) && (0..size).all(|i| *zeroed.add(i) == 0));
                        allocator.dealloc(zeroed, layout);
                        let block = allocator.alloc(layout);
                        assert!(aligned(block), "{size} {align}");
                        (0..size).for_each(|i| *block.add(i) = i as u8);
                        let kept = size.min(new_size);
                        let moved = allocator.realloc(block, layout, new_size);
                        assert!(aligned(moved) && (0..kept).all(|i| *moved.add(i) == i as u8));
                        let grown = Layout::from_size_align(new_size, align).unwrap();
                        let back = allocator.realloc(moved, grown, size);
                        assert!(aligned(back) && (0..kept).all(|i| *back.add(i) == i as u8));
                        allocator.dealloc(back, layout);
                    }
                }
            }
        }
    }
}
