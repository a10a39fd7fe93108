//! Deep inputs (a parse tree 10,000 levels deep, a long Python expression) need deep
//! stacks. Work that may recurse that deep runs through [`with_stack`]: directly when the
//! current thread's stack is big enough (locksmith's worker threads have a big one, see
//! [`init_workers`]), otherwise on a scoped thread of the size asked for. Spawning a thread
//! per file cost more than linting a small file did; a big stack costs only the pages used.

use std::cell::Cell;

/// The stack of each worker thread: reserved address space, committed only as used.
pub const WORKER_STACK: usize = 256 << 20;

/// The stacks a worker thread is started with, tried in turn: a process whose address space
/// is limited (`ulimit -v`) may not reserve the first, and a smaller one beats no thread
/// (work deeper than the thread's stack allows still asks [`with_stack`] for a bigger one).
const WORKER_STACKS: [usize; 4] = [WORKER_STACK, 64 << 20, 16 << 20, 2 << 20];

thread_local! {
    /// The stack size of this thread, when locksmith started it.
    static STACK: Cell<usize> = const { Cell::new(0) };
}

/// Builds the global rayon pool, each worker with the biggest stack of [`WORKER_STACKS`]
/// the system gives it. Call once, early (the binary and the benchmark do); without it
/// work still runs, on spawned threads.
pub fn init_workers() {
    let _ = rayon::ThreadPoolBuilder::new()
        .spawn_handler(|worker| {
            let run = shared(move || worker.run());
            start_with_a_stack(None, |builder, size| {
                builder.spawn(as_worker(size, std::sync::Arc::clone(&run)))
            })
            .map(drop)
        })
        .build_global();
}

/// Starts a thread with a worker's stack, for work as deep as a worker's.
pub fn spawn<T: Send + 'static>(
    name: &str,
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<std::thread::JoinHandle<T>, std::io::Error> {
    let work = shared(work);
    start_with_a_stack(Some(name), |builder, size| {
        builder.spawn(as_worker(size, std::sync::Arc::clone(&work)))
    })
}

/// [`spawn`] for a thread of `scope`, which may borrow what the scope outlives.
pub fn spawn_scoped<'scope, T: Send + 'scope>(
    scope: &'scope std::thread::Scope<'scope, '_>,
    name: &str,
    work: impl FnOnce() -> T + Send + 'scope,
) -> Result<std::thread::ScopedJoinHandle<'scope, T>, std::io::Error> {
    let work = shared(work);
    start_with_a_stack(Some(name), |builder, size| {
        builder.spawn_scoped(scope, as_worker(size, std::sync::Arc::clone(&work)))
    })
}

/// The work a thread runs, where the thread that tries to start it can take it back: a
/// thread that could not start drops its closure, and the next try needs the work.
type Shared<F> = std::sync::Arc<std::sync::Mutex<Option<F>>>;

fn shared<F>(work: F) -> Shared<F> {
    std::sync::Arc::new(std::sync::Mutex::new(Some(work)))
}

/// A thread (of that `name`) `start`ed with each stack of [`WORKER_STACKS`] in turn, until
/// one starts; the last error when none does.
fn start_with_a_stack<H>(
    name: Option<&str>,
    mut start: impl FnMut(std::thread::Builder, usize) -> Result<H, std::io::Error>,
) -> Result<H, std::io::Error> {
    let mut error = None;
    for size in WORKER_STACKS {
        let mut builder = std::thread::Builder::new().stack_size(size);
        if let Some(name) = name {
            builder = builder.name(name.into());
        }
        match start(builder, size) {
            Ok(handle) => return Ok(handle),
            Err(e) => error = Some(e),
        }
    }
    Err(error.expect("at least one stack size is tried"))
}

/// The shared `work`, run knowing that its thread has a stack of `size`.
fn as_worker<T, F: FnOnce() -> T>(size: usize, work: Shared<F>) -> impl FnOnce() -> T {
    move || {
        STACK.with(|s| s.set(size));
        let work = (work.lock().ok().and_then(|mut w| w.take()))
            .expect("a thread that started is the only one to take its work");
        work()
    }
}

/// Runs `work` with at least `needed` bytes of stack; `Err` when no thread can be started.
pub fn with_stack<T: Send>(
    needed: usize,
    work: impl FnOnce() -> T + Send,
) -> Result<T, std::io::Error> {
    if STACK.with(Cell::get) >= needed {
        return Ok(work());
    }
    std::thread::scope(|scope| {
        let thread = std::thread::Builder::new()
            .name("locksmith-deep".into())
            .stack_size(needed)
            .spawn_scoped(scope, move || {
                STACK.with(|s| s.set(needed));
                work()
            })?;
        // A panic is the caller's to handle, as if the work had run on its own thread.
        Ok(thread
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deep_recursion_gets_its_stack_either_way() {
        // `pad[0] * 0` uses the padding, so that every frame keeps it.
        #[allow(clippy::erasing_op)]
        fn depth(n: u64) -> u64 {
            // Enough locals per frame that 100,000 frames overflow a default 2 MB stack.
            let pad = std::hint::black_box([n; 16]);
            if n == 0 {
                0
            } else {
                1 + depth(n - 1) + pad[0] * 0
            }
        }
        assert_eq!(with_stack(64 << 20, || depth(100_000)).unwrap(), 100_000);
        // Nested: the inner call runs on the outer thread, already big enough.
        let nested = with_stack(64 << 20, || with_stack(32 << 20, || depth(50_000)).unwrap());
        assert_eq!(nested.unwrap(), 50_000);
    }
}
