//! An engine in memory: ordered maps behind a lock. Same semantics as the
//! sled engine except durability (there is no disk); used by fast tests
//! and by throw-away ledgers.

use super::engine::{empty_range, Engine, Entries, TreeId, Write};
use crate::Result;
use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::RwLock;

type Tree = BTreeMap<Vec<u8>, Vec<u8>>;

/// The in-memory engine.
#[derive(Default)]
pub struct MemoryEngine {
    trees: RwLock<BTreeMap<TreeId, Tree>>,
    /// Tests of a failed commit: while above 0, counts commits down, and
    /// the commit that takes it to 0 fails and writes nothing.
    #[cfg(test)]
    pub(crate) fail_in: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl MemoryEngine {
    fn read<T>(&self, f: impl FnOnce(&BTreeMap<TreeId, Tree>) -> T) -> T {
        let guard = self.trees.read().unwrap_or_else(|p| p.into_inner());
        f(&guard)
    }

    fn write<T>(&self, f: impl FnOnce(&mut BTreeMap<TreeId, Tree>) -> T) -> T {
        let mut guard = self.trees.write().unwrap_or_else(|p| p.into_inner());
        f(&mut guard)
    }
}

impl Engine for MemoryEngine {
    fn get(&self, tree: TreeId, key: &[u8]) -> Result<Option<Vec<u8>>> {
        Ok(self.read(|t| t.get(&tree).and_then(|m| m.get(key).cloned())))
    }

    fn range(&self, tree: TreeId, lo: Bound<&[u8]>, hi: Bound<&[u8]>) -> Entries<'_> {
        let entries: Vec<(Vec<u8>, Vec<u8>)> = self.read(|t| match t.get(&tree) {
            Some(m) if !empty_range(lo, hi) => m
                .range::<[u8], _>((lo, hi))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            _ => Vec::new(),
        });
        Box::new(entries.into_iter().map(Ok))
    }

    fn commit(&self, writes: &[Write]) -> Result<()> {
        #[cfg(test)]
        {
            use std::sync::atomic::Ordering::SeqCst;
            let left = self.fail_in.load(SeqCst);
            if left > 0 {
                self.fail_in.store(left - 1, SeqCst);
                if left == 1 {
                    return Err(crate::Error::Store("the commit failed (injected)".into()));
                }
            }
        }
        self.write(|t| {
            for (tree, k, v) in writes {
                let m = t.entry(*tree).or_default();
                match v {
                    Some(v) => m.insert(k.clone(), v.clone()),
                    None => m.remove(k),
                };
            }
        });
        Ok(())
    }

    fn bulk(&self, tree: TreeId, writes: Vec<(Vec<u8>, Vec<u8>)>) -> Result<()> {
        self.write(|t| t.entry(tree).or_default().extend(writes));
        Ok(())
    }

    fn clear(&self, tree: TreeId) -> Result<()> {
        self.write(|t| t.remove(&tree));
        Ok(())
    }

    fn sync(&self) -> Result<()> {
        Ok(())
    }
}
