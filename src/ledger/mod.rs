//! The ledger: appending signed events and reading them back.
//!
//! Architecture invariant: the only ways bytes enter the store are
//! [`Ledger::append_all`] and [`Ledger::append_batches`], which check
//! authorization with the same [`Registry::check`] that `verify` uses,
//! sign, chain, and commit each batch in one durable transaction. Nothing
//! is ever rewritten or deleted.

use crate::authz::Registry;
use crate::checked::CheckedIndex;
use crate::clock::Clock;
use crate::codec::{self, Frame, Unsigned};
use crate::event::{Event, EventHash, Genesis, Kind, Payload, PublicKey};
use crate::keys::{KeyPair, Signer};
use crate::merkle::Frontier;
use crate::projection::Known;
use crate::projection::{self, MemIndex, Overlay};
use crate::store::{Head, Staged, Store};
use crate::{Error, Result};
use std::path::Path;
use std::sync::Arc;

mod append;
mod open;
mod prepared;
mod read;
mod rebuild;
mod stage;
mod tree;

use append::appended;
pub use prepared::{Prepared, PreparedBatch};
use stage::{Checker, Sealer};

/// An open ledger.
pub struct Ledger {
    store: Store,
    registry: Registry,
    head: Option<Head>,
    clock: Arc<dyn Clock>,
    /// Signatures verified by this process's readers (`checked.rs`).
    pub(crate) verified: crate::checked::Verified,
    /// Year figures read by this process's queries, kept up to date by its
    /// appends (`projection::YearCache`).
    pub(crate) years: projection::YearCache,
    /// The Merkle tree's right edge at the head, as this process's appends
    /// made it: an append reads its left siblings here, not in the store.
    frontier: std::sync::Mutex<Option<Frontier>>,
}

impl std::fmt::Debug for Ledger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ledger")
            .field("store", &self.store)
            .field("head", &self.head)
            .finish()
    }
}

/// Where an appended event landed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Appended {
    /// Its seq.
    pub seq: u64,
    /// Its hash.
    pub hash: EventHash,
}

/// An event read back from the store, with its hash and size.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredEvent {
    /// The decoded event.
    pub event: Event,
    /// Its hash.
    pub hash: EventHash,
    /// Stored size in bytes.
    pub size: usize,
}

impl Ledger {
    /// The underlying store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The current head.
    pub fn head(&self) -> Head {
        self.head.expect("an open ledger always has a genesis event")
    }

    /// The key registry as of the head, replayed from the key events.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// The projection index as queries must read it: every entry checked
    /// against its signed event before it is used (`checked.rs`).
    pub fn index(&self) -> CheckedIndex<'_> {
        CheckedIndex::new(&self.store, &self.registry, self.head())
            .remembering(&self.verified)
            .with_years(&self.years)
    }

    /// [`Ledger::index`] as a fresh process reads it: every signature
    /// checked again, none remembered (for measurements).
    pub fn index_checking_every_signature(&self) -> CheckedIndex<'_> {
        CheckedIndex::new(&self.store, &self.registry, self.head())
    }

    /// This machine's own clock (the one recorded times are bounded by):
    /// a time after it has not happened yet.
    pub fn wall(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.wall()
    }

    /// The name of a key's holder, or "unknown key ID".
    pub fn author_name(&self, key: &PublicKey) -> String {
        match self.registry.get(key) {
            Some(state) => state.holder.name.clone(),
            None => format!("unknown key {}", key.key_id()),
        }
    }
}

#[cfg(test)]
mod tests;
