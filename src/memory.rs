//! Memory given back after heavy one-off work.
//!
//! mimalloc (the global allocator, see `lib.rs`) keeps a thread's freed pages
//! for reuse; glibc gave large blocks back at once. Work that allocates tens of
//! megabytes for a moment (brotli at quality 11 when a title is ingested or
//! the static pages are compressed, a GTFS feed, a PDF label sheet) calls
//! [`release_free_memory`] when done, so an idle service stays small: without
//! it, the first start (static pages compressed) held 55 MiB instead of 20.

/// Returns the free pages of the calling thread's heap, and of threads that
/// ended, to the operating system. Costs a few hundred microseconds: call it
/// after heavy work, not after light requests (one code image, a chapter).
pub fn release_free_memory() {
    // SAFETY: mi_collect only walks the allocator's own free lists; it is
    // safe to call from any thread at any time.
    unsafe { libmimalloc_sys::mi_collect(true) }
}

/// Runs heavy CPU work on a blocking thread, then gives back what it freed.
pub async fn heavy<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, tokio::task::JoinError> {
    tokio::task::spawn_blocking(move || {
        let out = work();
        release_free_memory();
        out
    })
    .await
}
