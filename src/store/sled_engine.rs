//! The sled engine: the one production implementation of
//! [`Engine`], and the only module that names a `sled::` type.
//!
//! Durability: every commit is one sled transaction over the trees it
//! touches, followed by sled's `flush()` (which on Linux ends in
//! `sync_file_range`, data pages only) and an `fsync` of the database file,
//! so the file's size and metadata reach the disk too.

use super::engine::{empty_range, Engine, Entries, TreeId, Write};
use crate::{Error, Result};
use sled::transaction::{ConflictableTransactionError, TransactionError};
use sled::Transactional;
use std::fs::File;
use std::ops::Bound;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

/// sled's page cache. Its default (1 GiB) lets a process that reads a large
/// store grow by that much; an agency's working set (its plan and the
/// current year's figures) is far smaller. sled's page table still grows
/// with the store (docs/performance.md, "Memory").
pub const CACHE_BYTES: u64 = 16 * 1024 * 1024;

/// Index entries written per sled batch during a bulk refill.
const BULK_CHUNK: usize = 8_192;

static POISONED: AtomicBool = AtomicBool::new(false);

/// Mark the storage engine as having met damaged data. sled 0.34 can spin
/// forever flushing while a damaged database is dropped; after this, open
/// stores are not closed on drop but left to the end of the process.
pub fn poison() {
    POISONED.store(true, Ordering::SeqCst);
}

/// Whether a panic at `location` (a source path) happened inside the
/// storage engine: it met bytes it cannot read.
pub fn is_engine_panic(location: &str) -> bool {
    location.contains("/sled-")
}

/// A sled database with the ledger's trees.
pub struct SledEngine {
    file: PathBuf,
    db: sled::Db,
    db_file: File,
    trees: [sled::Tree; 7],
}

impl Drop for SledEngine {
    fn drop(&mut self) {
        if POISONED.load(Ordering::SeqCst) {
            // Keep one reference alive so sled's final flush never runs.
            std::mem::forget(self.db.clone());
        }
    }
}

impl SledEngine {
    /// Open (or create) the database in `dir`. The caller holds the
    /// directory's lock; `ledger_dir` names the ledger in errors.
    pub fn open(dir: &Path, ledger_dir: &Path) -> Result<SledEngine> {
        discard_unfinished_snapshots(dir)?;
        let db = match sled::Config::new().path(dir).cache_capacity(CACHE_BYTES).open() {
            Ok(db) => db,
            // The process that held LOCK may still be releasing sled's own
            // file lock while it exits: the ledger is still in use.
            Err(sled::Error::Io(e)) if e.to_string().contains("could not acquire lock") => {
                return Err(Error::InUse {
                    path: ledger_dir.into(),
                })
            }
            // Any other refusal to open files sled wrote itself (a damaged
            // `conf`, an unreadable snapshot, a log that does not parse) is
            // damage to the store, not a failure of the machine.
            Err(sled::Error::Io(e)) if !damaged_io(&e) => return Err(Error::io(dir, e)),
            Err(e) => return Err(damaged(dir, &e)),
        };
        let file = dir.join("db");
        let db_file = File::open(&file).map_err(|e| Error::io(&file, e))?;
        let open = |t: TreeId| db.open_tree(t.name());
        let trees = [
            open(TreeId::Events)?,
            open(TreeId::Meta)?,
            open(TreeId::ByHash)?,
            open(TreeId::ByKind)?,
            open(TreeId::Keys)?,
            open(TreeId::Proj)?,
            open(TreeId::Merkle)?,
        ];
        Ok(SledEngine {
            file,
            db,
            db_file,
            trees,
        })
    }

    fn tree(&self, t: TreeId) -> &sled::Tree {
        &self.trees[t as usize]
    }
}

/// Remove the snapshot files a killed process left half written.
///
/// sled 0.34 writes its page-table snapshot to `snap.<lsn>.generating`,
/// syncs it, renames it to `snap.<lsn>` (the rename is the commit) and only
/// then deletes the older snapshot. A process killed before the rename
/// leaves the `.generating` file behind, and sled 0.34.7 reads it anyway at
/// the next open when its lsn is the newest (its snapshot listing skips
/// only `.in___motion` files): the checksum of a partial file fails and the
/// whole store is reported corrupt (spacejam/sled#1527). It also opens that
/// path again without truncating it, so a later, shorter snapshot of the
/// same lsn would keep the old tail. Removing an unrenamed file restores
/// sled's own protocol: the store opens from the last renamed snapshot and
/// replays the log after it, exactly as after a kill just before the file
/// was created. No event or index entry is in a snapshot.
fn discard_unfinished_snapshots(dir: &Path) -> Result<()> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(Error::io(dir, e)),
    };
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with("snap.") && name.ends_with(".generating") {
            let path = entry.path();
            std::fs::remove_file(&path).map_err(|e| Error::io(&path, e))?;
        }
    }
    Ok(())
}

impl Engine for SledEngine {
    fn get(&self, tree: TreeId, key: &[u8]) -> Result<Option<Vec<u8>>> {
        Ok(self.tree(tree).get(key)?.map(|v| v.to_vec()))
    }

    fn range(&self, tree: TreeId, lo: Bound<&[u8]>, hi: Bound<&[u8]>) -> Entries<'_> {
        if empty_range(lo, hi) {
            return Box::new(std::iter::empty());
        }
        let lo = lo.map(|b| b.to_vec());
        let hi = hi.map(|b| b.to_vec());
        Box::new(
            self.tree(tree)
                .range::<Vec<u8>, _>((lo, hi))
                .map(|r| r.map(|(k, v)| (k.to_vec(), v.to_vec())).map_err(Error::from)),
        )
    }

    fn commit(&self, writes: &[Write]) -> Result<()> {
        let [events, meta, by_hash, by_kind, keys, proj, merkle] = &self.trees;
        let result: std::result::Result<(), TransactionError<()>> =
            (events, meta, by_hash, by_kind, keys, proj, merkle).transaction(|trees| {
                let (events, meta, by_hash, by_kind, keys, proj, merkle) = trees;
                for (tree, k, v) in writes {
                    let t = match tree {
                        TreeId::Events => events,
                        TreeId::Meta => meta,
                        TreeId::ByHash => by_hash,
                        TreeId::ByKind => by_kind,
                        TreeId::Keys => keys,
                        TreeId::Proj => proj,
                        TreeId::Merkle => merkle,
                    };
                    match v {
                        Some(v) => t.insert(k.as_slice(), v.as_slice())?,
                        None => t.remove(k.as_slice())?,
                    };
                }
                Ok::<(), ConflictableTransactionError<()>>(())
            });
        match result {
            Ok(()) => {}
            Err(TransactionError::Storage(e)) => return Err(e.into()),
            Err(TransactionError::Abort(())) => return Err(Error::Store("transaction aborted".into())),
        }
        self.sync()
    }

    fn bulk(&self, tree: TreeId, writes: Vec<(Vec<u8>, Vec<u8>)>) -> Result<()> {
        let t = self.tree(tree);
        let mut batch = sled::Batch::default();
        let mut pending = 0usize;
        for (k, v) in writes {
            batch.insert(k, v);
            pending += 1;
            if pending >= BULK_CHUNK {
                t.apply_batch(std::mem::take(&mut batch))?;
                pending = 0;
            }
        }
        t.apply_batch(batch)?;
        Ok(())
    }

    fn clear(&self, tree: TreeId) -> Result<()> {
        Ok(self.tree(tree).clear()?)
    }

    fn sync(&self) -> Result<()> {
        self.db.flush()?;
        self.db_file.sync_all().map_err(|e| Error::io(&self.file, e))?;
        Ok(())
    }
}

/// An I/O error that means the bytes on disk are not what sled wrote.
fn damaged_io(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::InvalidData
            | std::io::ErrorKind::UnexpectedEof
            | std::io::ErrorKind::InvalidInput
    )
}

/// The store in `dir` cannot be opened because its files are damaged.
fn damaged(dir: &Path, e: &sled::Error) -> Error {
    if matches!(e, sled::Error::Corruption { .. } | sled::Error::ReportableBug(_)) {
        poison();
    }
    Error::Integrity {
        seq: None,
        reason: format!(
            "the store's files in {} are damaged and do not open ({e})",
            dir.display()
        ),
    }
}

impl From<sled::Error> for Error {
    fn from(e: sled::Error) -> Self {
        // Damaged or inconsistent data: never let sled close this database.
        if matches!(e, sled::Error::Corruption { .. } | sled::Error::ReportableBug(_)) {
            poison();
        }
        match e {
            sled::Error::Corruption { at, .. } => Error::Integrity {
                seq: None,
                reason: match at {
                    Some(at) => format!("the store is damaged (sled reports a corrupt page at {at:?})"),
                    None => "the store is damaged (sled reports a corrupt page)".into(),
                },
            },
            other => Error::Store(other.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_snapshot_left_half_written_by_a_killed_process_is_discarded_at_open() {
        // What a kill between sled's snapshot write and its rename leaves: a
        // partial file under a newer lsn than any complete snapshot. (The
        // store is not opened, closed and reopened here: sled releases a
        // closed database's lock from a background thread.)
        let dir = tempfile::tempdir().unwrap();
        let store = dir.path().join("store");
        std::fs::create_dir(&store).unwrap();
        let partial = store.join("snap.00000000FFFFFFFF.generating");
        std::fs::write(&partial, [7u8; 100]).unwrap();
        let engine = SledEngine::open(&store, dir.path()).unwrap();
        assert!(!partial.exists());
        engine
            .commit(&[(TreeId::Meta, b"k".to_vec(), Some(b"v".to_vec()))])
            .unwrap();
        assert_eq!(engine.get(TreeId::Meta, b"k").unwrap(), Some(b"v".to_vec()));
    }
}
