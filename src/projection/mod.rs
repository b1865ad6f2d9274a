//! Projections: the indexes that answer "what was the state of each
//! indicator as of quarter Q, as known at seq N" without replaying the
//! ledger. Domain validation before every append is in `rules.rs`.
//!
//! Every event maps to index entries by the pure function [`index_entries`];
//! the ledger writes them in the same transaction as the event, and
//! `sakip rebuild` recomputes them from the events alone, so the two paths
//! cannot drift. Index keys (tree `proj`, all integers big-endian, codes
//! NUL-terminated) end in the seq of the event, so "the latest version known
//! at seq N" is a short prefix scan:
//!
//! ```text
//! 'I' code                         -> seq     plan item defined
//! 'N' code                         -> seq     indicator defined
//! 'T' year code scope seq          -> value   target set / revised (scope 0 year, 1-4 quarter, 5 renstra)
//! 'R' year code quarter seq        -> value   realisation recorded / corrected (quarter 0 = annual)
//! 'B' year code seq                -> value   pagu set / revised
//! 'S' year code quarter seq        -> value   spending
//! 'W' year code seq                -> ()      narrative
//! 'A' covered-seq approval-seq     -> decision (0 approve, 1 reject, 2 return)
//! 'M' recorded_at seq              -> ()      transaction time (sign bit flipped); not
//!                                             stored in a store of layout 2 or 3 (`store::Layout`)
//! 'H' sha256 seq                   -> ()      report issued, by the hash of its bytes
//! 'X' code year seq                -> kind    plan item (0) or indicator (1) retired from year on
//! 'Z' seq                          -> zone    the agency's time zone (0 WIB, 1 WITA, 2 WIT)
//! ```
//!
//! `value` is the bincode encoding of the version's [`Value`] (pagu and
//! spending as `Value::Number`), so a query reads figures from the index
//! alone and never decodes an event. The layout is versioned by
//! [`PROJECTION_VERSION`]; a store whose index has another version is
//! refused until `sakip rebuild` recomputes it.
//!
//! This module never writes: it computes entries and reads through
//! [`IndexRead`]. Submodules: `index` (the entries, the read trait, the
//! in-memory and overlay indexes), `lookup` (definitions, versions,
//! decisions, time), `state` (the as-of state of every indicator).

mod defs;
mod index;
mod lookup;
mod state;
mod year_cache;

pub use defs::*;
pub use index::*;
pub use lookup::*;
pub use state::*;
pub use year_cache::*;

/// The layout of the projection index described above. Version 1 kept no
/// values in version entries.
pub const PROJECTION_VERSION: u8 = 2;
