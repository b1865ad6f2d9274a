//! The Merkle tree over the events: roots, inclusion paths, the origin
//! line, kept checkpoints and consistency with an older head.

use super::*;

impl Ledger {
    /// Keep the text of the latest checkpoint, durably (a cache for
    /// `export`, not part of the ledger's history).
    pub fn keep_checkpoint(&self, text: &str) -> Result<()> {
        self.store.put_checkpoint(text)
    }

    /// The text of the latest checkpoint kept by [`Ledger::keep_checkpoint`].
    pub fn kept_checkpoint(&self) -> Result<Option<String>> {
        self.store.checkpoint()
    }

    /// The Merkle audit path of leaf `seq` in the tree of the first `size`
    /// events.
    pub fn inclusion_path(&self, seq: u64, size: u64) -> Result<Vec<crate::merkle::Hash>> {
        crate::merkle::inclusion_proof(&self.store, seq, size)
    }

    /// The Merkle root of the first `size` events.
    pub fn merkle_root(&self, size: u64) -> Result<crate::merkle::Hash> {
        if size > self.head().count {
            return Err(Error::Input(format!(
                "the ledger has {} events, not {size}",
                self.head().count
            )));
        }
        crate::merkle::root(&self.store, size)
    }

    /// This ledger's checkpoint origin.
    pub fn origin(&self) -> Result<String> {
        let genesis = self
            .event(0)?
            .ok_or_else(|| Error::integrity(0, "the genesis event is missing"))?;
        Ok(crate::checkpoint::origin(
            &self.genesis()?.agency_code,
            &genesis.hash,
        ))
    }

    /// Check that this ledger extends `c`: same origin, signed by an
    /// inspector key of the ledger that was active at `c.size`
    /// ([`crate::checkpoint::may_sign`]), at least as many events, the first `c.size` events hashing to
    /// `c.root`, and a consistency proof from `c` to the head that verifies.
    /// Returns the signers and the proof length.
    pub fn check_extends(
        &self,
        c: &crate::checkpoint::Checkpoint,
    ) -> Result<(Vec<crate::event::PublicKey>, usize)> {
        let (signers, proof) = self.check_extends_trusting(c, &[])?;
        Ok((signers.qualified, proof))
    }

    /// [`Ledger::check_extends`], also requiring a signature by one of
    /// `trusted` (keys the verifier names), and telling every signer apart.
    pub fn check_extends_trusting(
        &self,
        c: &crate::checkpoint::Checkpoint,
        trusted: &[crate::event::PublicKey],
    ) -> Result<(crate::checkpoint::Signers, usize)> {
        let origin = self.origin()?;
        if c.origin != origin {
            return Err(Error::Input(format!(
                "the checkpoint is for ledger {}, this is {origin}",
                c.origin
            )));
        }
        let signers = c.require_signers(&self.registry, trusted)?;
        let size = self.head().count;
        if c.size > size {
            return Err(Error::Integrity {
                seq: Some(size),
                reason: format!(
                    "the ledger has {size} events but the checkpoint commits to {}: it was truncated",
                    c.size
                ),
            });
        }
        let old_root = crate::merkle::root(&self.store, c.size)?;
        if old_root != c.root {
            return Err(Error::Integrity {
                seq: None,
                reason: format!(
                    "the first {} events no longer hash to the checkpoint's root: events before seq {} were rewritten, removed or reordered",
                    c.size, c.size
                ),
            });
        }
        let proof = crate::merkle::consistency_proof(&self.store, c.size, size)?;
        let new_root = crate::merkle::root(&self.store, size)?;
        if !crate::merkle::verify_consistency(c.size, size, &c.root, &new_root, &proof) {
            return Err(Error::Integrity {
                seq: None,
                reason: "the consistency proof from the checkpoint does not verify".into(),
            });
        }
        Ok((signers, proof.len()))
    }
}
