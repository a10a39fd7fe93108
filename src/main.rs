//! locksmith's command line; the code lives in [`cli`].

use std::process::ExitCode;

mod cli;

// mimalloc: a quarter less CPU than glibc's malloc on a file list (which frees across
// threads: parse trees are built on one and dropped on another); huge pages off, which
// would otherwise double the peak RSS on machines that default to them.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    cli::main()
}
