//! locksmith's command line; the code lives in [`cli`].

mod cli;

// mimalloc: a quarter less CPU than glibc's malloc on a file list (which frees across
// threads: parse trees are built on one and dropped on another); huge pages off, which
// would otherwise double the peak RSS on machines that default to them.
#[global_allocator]
static ALLOCATOR: locksmith::allocator::Allocator = locksmith::allocator::Allocator;

/// `mi_option_purge_delay` in mimalloc's `mimalloc.h` (the sys crate names no constant for
/// it): how many milliseconds freed memory waits before it goes back to the system.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

fn main() {
    // 25 ms instead of 10: memory returned to the system at once is faulted in again by
    // the next files (0 ms: 3,200 files take 322 ms of CPU against 263), and memory never
    // returned grows with the file count (the peak 1.51× from 1,000 to 10,000 files). 25
    // ms costs about what never returning it does, and the peak grows 1.33× (README).
    // MIMALLOC_PURGE_DELAY, when set, still decides.
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: an integer option, set before any thread but this one exists.
        unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 25) };
    }
    exit(cli::main())
}

/// Ends the process without the cleanup that returning from `main` runs. mimalloc frees
/// its whole heap then (`mi_process_done`: 2 % of the CPU samples on 10 MB of DDL, `perf
/// record`, with nothing else left to run), and the dropper thread may still hold a big
/// file's leftovers (`locksmith::dropper`). Everything the command owed is done by now:
/// its output is flushed here, and its temporary files were deleted when it returned.
fn exit(code: u8) -> ! {
    use std::io::Write;
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().flush();
    // SAFETY: `_exit` ends the process at once; nothing after it runs.
    unsafe { libc::_exit(code.into()) }
}
