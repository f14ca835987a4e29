//! Work no passenger waits for runs apart from the passengers' requests: on
//! its own thread and async runtime, at a lower OS scheduling priority.
//!
//! A national GTFS-Realtime feed takes a few hundred milliseconds of CPU to
//! decode and apply (10,000 trips moved, their sessions extended). On the
//! request runtime, each slice of that work delays every chapter waiting
//! behind it; here the kernel runs the passengers' threads first whenever
//! both want the CPU, and the feed gets what they leave.
//!
//! Two things to know when moving work here:
//! - Locks shared with requests should not be held long by this thread: a
//!   request blocked on one waits for a thread the kernel ranks lower.
//! - A PostgreSQL connection this runtime opens is driven by this runtime;
//!   a request that later borrows it from the shared pool is answered at the
//!   pace of this thread (a few milliseconds at worst, between two slices).
//!   No passenger route reads the database.

use std::future::Future;

use tokio::runtime::Handle;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// How much lower than the service's threads background threads run, in
/// nice steps: at 10 apart, the kernel gives a busy background thread about
/// a tenth of the CPU a busy request thread gets.
const NICENESS: i32 = 10;

/// The background runtime; it stops when this is dropped.
#[derive(Debug)]
pub struct Background {
    handle: Handle,
    stop: Option<oneshot::Sender<()>>,
}

impl Background {
    /// Starts the thread (named `trajet-background`) and its runtime.
    pub fn start() -> std::io::Result<Self> {
        // Relative to the service's own: one started with `nice` keeps the gap.
        let level = (priority() + NICENESS).min(19);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .thread_name("trajet-background")
            // Its blocking threads (feed decoding) run at the same priority.
            .on_thread_start(move || set_priority(level))
            .build()?;
        let handle = runtime.handle().clone();
        let (stop, stopped) = oneshot::channel::<()>();
        std::thread::Builder::new()
            .name("trajet-background".into())
            .spawn(move || {
                set_priority(level);
                // Ends when `stop` is sent or dropped; the runtime, then its
                // tasks, are dropped with this thread.
                runtime.block_on(async {
                    let _ = stopped.await;
                });
            })?;
        Ok(Self {
            handle,
            stop: Some(stop),
        })
    }

    /// Runs `task` on the background runtime.
    pub fn spawn<F>(&self, task: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.handle.spawn(task)
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// The calling thread's nice value (Linux: per thread; 0 elsewhere).
fn priority() -> i32 {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: gettid and getpriority only read their arguments.
        unsafe { libc::getpriority(libc::PRIO_PROCESS, libc::gettid() as libc::id_t) }
    }
    #[cfg(not(target_os = "linux"))]
    0
}

/// Sets the calling thread's nice value (Linux: per thread; nothing elsewhere).
fn set_priority(level: i32) {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: gettid and setpriority only read their arguments; a
        // failure (a sandbox refusing it) leaves the priority as it was.
        let done =
            unsafe { libc::setpriority(libc::PRIO_PROCESS, libc::gettid() as libc::id_t, level) };
        if done != 0 {
            tracing::debug!(
                error = %std::io::Error::last_os_error(),
                "the background thread keeps the service's priority"
            );
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = level;
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    /// The nice value of a thread of this process, from /proc.
    fn niceness(thread: libc::pid_t) -> i32 {
        let stat = std::fs::read_to_string(format!("/proc/self/task/{thread}/stat")).unwrap();
        // Fields after the command's closing parenthesis; nice is field 19.
        let after = &stat[stat.rfind(')').unwrap() + 2..];
        after.split(' ').nth(16).unwrap().parse().unwrap()
    }

    #[test]
    fn background_tasks_run_on_a_lower_priority_thread_and_stop_with_it() {
        let here = niceness(unsafe { libc::gettid() });
        assert_eq!(priority(), here);
        let background = Background::start().unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let (thread, blocking) = runtime.block_on(async {
            let thread = background
                .spawn(async { unsafe { libc::gettid() } })
                .await
                .unwrap();
            let blocking = background
                .spawn(async {
                    tokio::task::spawn_blocking(|| unsafe { libc::gettid() })
                        .await
                        .unwrap()
                })
                .await
                .unwrap();
            (thread, blocking)
        });
        assert_eq!(niceness(thread), (here + NICENESS).min(19));
        assert_eq!(niceness(blocking), (here + NICENESS).min(19));
        drop(background);
        // The thread ends soon after.
        let gone = (0..200).any(|_| {
            std::thread::sleep(std::time::Duration::from_millis(10));
            !std::path::Path::new(&format!("/proc/self/task/{thread}")).exists()
        });
        assert!(gone, "the background thread still runs");
    }
}
