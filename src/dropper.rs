//! Frees what a big file leaves behind off the threads that have work to do. A 50 MiB
//! file's schema model, file state and report come to most of a gigabyte. Freeing them
//! took the lint thread about 0.35 s after its last batch, and the main thread about 0.4 s
//! after the output (`perf record`, 7.6 s in all): time in which nothing else ran. They
//! are handed to a thread of their own instead, which frees them a moment later at the
//! lowest priority; the binary exits without waiting for it (`src/main.rs`), so what a
//! run's last big file leaves is never freed at all. Small values are freed where they
//! are, as before: handing them over would cost more than freeing them.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::Sender;
use std::time::{Duration, Instant};

/// The size of the text a value was built from at which it is freed by the dropper.
pub const FROM_SOURCE_BYTES: usize = 1 << 20;

/// A value and when it was handed over.
type Freight = (Box<dyn Send>, Instant);

/// How long a value waits before it is freed. A run usually ends soon after its last big
/// file (its output is what is left), and the binary exits without freeing: a value
/// still waiting then costs nothing. Freeing at once made the output slower instead:
/// on a 50 MiB file the frees (across threads, each block queued for its owner)
/// and the memory they hand back to the system ran beside the rendering of the findings.
const GRACE: Duration = Duration::from_secs(2);

/// Values handed to the dropper and not yet freed, at most: about one big file's
/// leftovers (its catalog, file state and summaries, then its report). Beyond that a value
/// is freed where it is, as if small. Never waiting for the dropper matters: at the lowest
/// priority it may not run until the threads that hand it work are done, and one that
/// waited for it would wait for that.
const PENDING_AT_MOST: usize = 4;

static PENDING: AtomicUsize = AtomicUsize::new(0);

static DROPPER: OnceLock<Option<Sender<Freight>>> = OnceLock::new();

/// Drops `value`: on the dropper thread when `source_bytes`, the size of the text it was
/// built from, is at least [`FROM_SOURCE_BYTES`] and the dropper has room; here otherwise.
pub fn drop_for<T: Send + 'static>(value: T, source_bytes: usize) {
    if source_bytes < FROM_SOURCE_BYTES || !take_a_place() {
        return drop(value);
    }
    let sent = match DROPPER.get_or_init(start) {
        // Fails only if the dropper panicked: the value comes back and is freed here.
        Some(dropper) => (dropper.send((Box::new(value), Instant::now()))).map_err(drop),
        None => {
            drop(value);
            Err(())
        }
    };
    if sent.is_err() {
        PENDING.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Counts one more value pending, unless [`PENDING_AT_MOST`] are.
fn take_a_place() -> bool {
    let more = |pending: usize| (pending < PENDING_AT_MOST).then_some(pending + 1);
    (PENDING.fetch_update(Ordering::Relaxed, Ordering::Relaxed, more)).is_ok()
}

fn start() -> Option<Sender<Freight>> {
    let (sender, freight) = std::sync::mpsc::channel::<Freight>();
    let free = move || {
        lowest_priority();
        for (value, handed) in freight {
            std::thread::sleep(GRACE.saturating_sub(handed.elapsed()));
            drop(value);
            PENDING.fetch_sub(1, Ordering::Relaxed);
        }
    };
    let thread = std::thread::Builder::new().name("locksmith-free".into());
    thread.spawn(free).ok().map(|_| sender)
}

/// The calling thread yields to every other (nice 19): freeing is what can wait.
fn lowest_priority() {
    #[cfg(target_os = "linux")]
    // SAFETY: plain system calls on the calling thread; a failure leaves it as it was.
    unsafe {
        let thread = libc::syscall(libc::SYS_gettid) as libc::id_t;
        libc::setpriority(libc::PRIO_PROCESS, thread, 19);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Tells when it is dropped, and on which thread.
    struct Witness(std::sync::mpsc::Sender<String>);

    impl Drop for Witness {
        fn drop(&mut self) {
            let thread = std::thread::current().name().unwrap_or("").to_string();
            let _ = self.0.send(thread);
        }
    }

    #[test]
    fn big_values_are_freed_on_the_dropper_thread_small_ones_here() {
        let (tell, told) = std::sync::mpsc::channel();
        drop_for(Witness(tell.clone()), FROM_SOURCE_BYTES - 1);
        let here = std::thread::current().name().unwrap_or("").to_string();
        assert_eq!(told.try_recv().as_deref(), Ok(here.as_str()));
        drop_for(Witness(tell), FROM_SOURCE_BYTES);
        let timeout = std::time::Duration::from_secs(30);
        assert_eq!(told.recv_timeout(timeout).as_deref(), Ok("locksmith-free"));
    }
}
