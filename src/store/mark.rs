//! The head mark: the size and last hash of the ledger, written beside the
//! store (`DIR/HEAD-MARK`) after every durable commit and checked at every
//! open. sled keeps its own head record inside its log, so a log cut back
//! to an older complete transaction (snapshot files deleted, the tail
//! zeroed) or an older copy of the store put back carries an older head
//! that agrees with itself; the mark, outside the log, does not move back
//! with it. It catches accidents and careless edits, not an attacker who
//! rewrites the mark too: against that, checkpoints held outside the
//! agency (`verify --checkpoint`) and the witnesses' cosignatures.
//!
//! The mark is written after the commit is durable, by a rename over the
//! old one and without a sync of its own: after a crash it may be older
//! than the store, never newer, and an older mark is only a weaker check.

use super::{Head, Store};
use crate::event::EventHash;
use crate::{Error, Result};
use std::path::Path;

/// The mark's file name in the ledger directory.
pub const FILE: &str = "HEAD-MARK";

const TAG: &str = "sakip-head-mark/1";

/// Write the mark of `head` into `dir` (best effort: the commit it follows
/// is already durable and acknowledged; a mark not written stays older).
pub(crate) fn write(dir: &Path, head: &Head) {
    let text = format!("{TAG}\n{} {}\n", head.count, hex::encode(head.hash.0));
    let tmp = dir.join(format!("{FILE}.tmp"));
    if std::fs::write(&tmp, text).is_ok() {
        let _ = std::fs::rename(&tmp, dir.join(FILE));
    }
}

/// The mark in `dir`, if there is one: the count and the last hash.
fn read(dir: &Path) -> Result<Option<(u64, EventHash)>> {
    let path = dir.join(FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io(&path, e)),
    };
    let bad = || {
        Error::Integrity {
        seq: None,
        reason: format!(
            "{} is damaged (expected '{TAG}', then the count and the last hash); if nothing else is wrong, `sakip verify` passes once it is removed",
            path.display()
        ),
    }
    };
    let mut lines = text.lines();
    if lines.next() != Some(TAG) {
        return Err(bad());
    }
    let (count, hash) = lines.next().and_then(|l| l.split_once(' ')).ok_or_else(bad)?;
    let count: u64 = count.parse().map_err(|_| bad())?;
    let hash: [u8; 32] = hex::decode(hash)
        .ok()
        .and_then(|h| h.try_into().ok())
        .ok_or_else(bad)?;
    Ok(Some((count, EventHash(hash))))
}

/// Refuse a store that holds fewer events than its mark, or whose event at
/// the mark's last seq is not the one the mark names.
pub(crate) fn check(store: &Store) -> Result<()> {
    let Some((count, hash)) = read(store.dir())? else {
        return Ok(());
    };
    let head_count = store.head()?.map_or(0, |h| h.count);
    let gone = |what: String| {
        Error::Integrity {
        seq: Some(count.saturating_sub(1)),
        reason: format!(
            "{what}, while the ledger's head mark ({FILE}) says it held {count} events, the last {}: events were cut off the end, or an older copy of the store was put back. Restore from a bundle (`sakip restore`); if this older copy is the one meant, remove {FILE} and check it against the latest checkpoint",
            hash.to_hex()
        ),
    }
    };
    if head_count < count {
        return Err(gone(format!("the store holds {head_count} events")));
    }
    if count == 0 {
        return Ok(());
    }
    match store.get(count - 1)? {
        Some(bytes) if crate::codec::hash_stored(&bytes) != hash => Err(gone(format!(
            "the store's event {} is another one (a forked history)",
            count - 1
        ))),
        // A missing event under a head that still counts it is what
        // `verify` names in full (the head against the events).
        _ => Ok(()),
    }
}
