//! Locks that outlive a panicking request.

use std::sync::{Mutex, MutexGuard};

/// Lock a mutex, also after another request panicked while holding it
/// (the data behind it is replaced whole or checked on use).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}
