//! Background threads: the store's group-commit writer and checkpointer, and `serve`'s NDJSON
//! printer. On Linux they are put in `SCHED_BATCH`, which keeps their CPU share but never lets
//! their wake-ups preempt the threads that read requests and write answers. On a busy core
//! that is what makes group commit work: the writer runs once the receiver has queued what it
//! had ready, instead of waking for every request and committing one row at a time; and the
//! printer writes its lines between answers instead of in the middle of them.

/// Put the calling thread in the background class (best effort: a failure is logged and the
/// thread keeps its normal class). A thread whose nice value was changed is left alone.
pub fn mark_current_thread() {
    #[cfg(target_os = "linux")]
    linux::mark();
}

#[cfg(target_os = "linux")]
mod linux {
    use thread_priority::unix::{
        NormalThreadSchedulePolicy, ThreadSchedulePolicy, set_thread_priority_and_policy,
        thread_native_id,
    };
    use thread_priority::{ThreadPriority, ThreadPriorityOsValue};

    pub(super) fn mark() {
        // The crate sets a nice value along with the policy; only nice 0 is kept unchanged.
        if current_nice() != Some(0) {
            return;
        }
        let policy = ThreadSchedulePolicy::Normal(NormalThreadSchedulePolicy::Batch);
        let nice_zero = ThreadPriority::Os(ThreadPriorityOsValue::default());
        if let Err(e) = set_thread_priority_and_policy(thread_native_id(), nice_zero, policy) {
            tracing::debug!(error = ?e, "could not put a background thread in SCHED_BATCH");
        }
    }

    /// The calling thread's nice value.
    fn current_nice() -> Option<i64> {
        stat_field(19)
    }

    /// Field `n` (1-based, as in proc(5)) of `/proc/thread-self/stat`, as a number.
    fn stat_field(n: usize) -> Option<i64> {
        let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
        // The command name (field 2) is in parentheses and may contain spaces.
        let after_name = &stat[stat.rfind(')')? + 1..];
        after_name
            .split_whitespace()
            .nth(n.checked_sub(3)?)?
            .parse()
            .ok()
    }

    #[cfg(test)]
    #[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
    mod tests {
        #[test]
        fn a_marked_thread_is_in_sched_batch() {
            std::thread::spawn(|| {
                assert_eq!(super::current_nice(), Some(0));
                super::mark();
                // Field 41 is the scheduling policy: 3 is SCHED_BATCH.
                assert_eq!(super::stat_field(41), Some(3));
                assert_eq!(super::current_nice(), Some(0));
            })
            .join()
            .unwrap();
        }
    }
}
