//! The rows of an in-memory table (Arrow batches handed in by the Python
//! package) split into runs, and the runs done on threads with their
//! results in table order.
//!
//! Owns: the size of a run, the split of a table's parts into runs, and the
//! scoped threads that take runs in turn. Never does: read a cell or know
//! what a run computes (`batch::table` doses, `lines::table` derives).

use std::ops::Range;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Rows per run handed to a thread.
pub(crate) const RUN_ROWS: usize = 1 << 16;

/// One run: its part, its rows in that part, and the table row (from 0) of
/// its first row.
pub(crate) type Run = (usize, Range<usize>, u64);

/// The runs of at most [`RUN_ROWS`] rows of parts holding `rows` rows each,
/// in table order.
pub(crate) fn runs(rows: impl IntoIterator<Item = usize>) -> Vec<Run> {
    let mut runs = Vec::new();
    let mut offset = 0u64;
    for (part, n) in rows.into_iter().enumerate() {
        let mut start = 0;
        while start < n {
            let end = (start + RUN_ROWS).min(n);
            runs.push((part, start..end, offset + start as u64));
            start = end;
        }
        offset += n as u64;
    }
    runs
}

/// Runs jobs `0..jobs` on `threads` threads (at least one), each thread
/// with the worker `make` gives it, and gives their results in job order.
pub(crate) fn on_threads<T: Send, W: FnMut(usize) -> T>(
    jobs: usize,
    threads: usize,
    make: impl Fn() -> W + Sync,
) -> Vec<T> {
    let next = AtomicUsize::new(0);
    let done: Mutex<Vec<Option<T>>> = Mutex::new((0..jobs).map(|_| None).collect());
    std::thread::scope(|s| {
        for _ in 0..threads.max(1).min(jobs) {
            s.spawn(|| {
                let mut work = make();
                loop {
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    if k >= jobs {
                        return;
                    }
                    let result = work(k);
                    done.lock().unwrap_or_else(|p| p.into_inner())[k] = Some(result);
                }
            });
        }
    });
    done.into_inner()
        .unwrap_or_else(|p| p.into_inner())
        .into_iter()
        .flatten()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_are_cut_into_runs_numbered_in_table_order() {
        let got = runs([RUN_ROWS + 2, 0, 3]);
        assert_eq!(
            got,
            [
                (0, 0..RUN_ROWS, 0),
                (0, RUN_ROWS..RUN_ROWS + 2, RUN_ROWS as u64),
                (2, 0..3, RUN_ROWS as u64 + 2),
            ]
        );
        assert!(runs([0, 0]).is_empty());
    }

    #[test]
    fn results_come_back_in_job_order_whatever_the_threads() {
        for threads in [0, 1, 3, 64] {
            let got = on_threads(100, threads, || |k: usize| k * 2);
            assert_eq!(got, (0..100).map(|k| k * 2).collect::<Vec<_>>());
        }
        assert!(on_threads(0, 4, || |k: usize| k).is_empty());
    }
}
