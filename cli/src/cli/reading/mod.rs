//! Commands that read the ledger: the status at a point on both time axes
//! (and the flags that name that point), the event log, one event.

pub mod log;
pub mod query;
pub mod rollup;
pub mod show;
pub mod status;
