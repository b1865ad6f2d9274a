//! A ledger published as static files in the C2SP tlog-tiles layout, and
//! mirrored from them with every check (`schema/tiles.md`).
//!
//! The log's entries are the event hashes (sakip's Merkle leaves are
//! `SHA-256(0x00 || event hash)`, `schema/proofs.md`), so `tile/entries/N`
//! holds 32-byte entries, as the spec's big-endian u16 length-prefixed
//! bundles; the signed events themselves are served beside them, in the
//! spec's "different format at a different URL", as `tile/sakip-events/N`
//! (each event a 4-byte little-endian length and its stored bytes, as in a
//! bundle's `events.bin`), 256 per bundle like the entries. The checkpoint is
//! the ledger's kept one (signed by an inspector, with any witnesses'
//! cosignatures). Publishing is incremental: full tiles already written are
//! compared, not rewritten; a published tile that differs from the ledger
//! is refused.

use crate::checkpoint::Checkpoint;
use crate::event::PublicKey;
use crate::ledger::Ledger;
use crate::merkle::{leaf_hash, node_hash, Hash};
use crate::{Error, Result};
use std::path::Path;

/// Hashes per full tile.
pub const WIDTH: u64 = 256;

/// The path of tile `n` at `level` (`tile/0/x001/234`), or of an entry
/// bundle with `level` = `"entries"` / `"sakip-events"`, partial with
/// `width` < 256.
pub fn tile_path(level: &str, n: u64, width: u64) -> String {
    let mut groups = vec![format!("{:03}", n % 1000)];
    let mut rest = n / 1000;
    while rest > 0 {
        groups.push(format!("x{:03}", rest % 1000));
        rest /= 1000;
    }
    groups.reverse();
    let mut path = format!("tile/{level}/{}", groups.join("/"));
    if width < WIDTH {
        path.push_str(&format!(".p/{width}"));
    }
    path
}

/// The Merkle tree hash of a power-of-two run of hashes (a full subtree).
fn subtree(hashes: &[Hash]) -> Hash {
    let mut level = hashes.to_vec();
    while level.len() > 1 {
        level = level.chunks(2).map(|p| node_hash(&p[0], &p[1])).collect();
    }
    level[0]
}

/// The root of a tree over `leaves` (RFC 6962 MTH), for checking.
fn mth(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => crate::merkle::empty_root(),
        1 => leaves[0],
        n => {
            let k = (n as u64).next_power_of_two() / 2;
            node_hash(&mth(&leaves[..k as usize]), &mth(&leaves[k as usize..]))
        }
    }
}

/// Every tile of a tree with these leaf hashes: (path, bytes), level by
/// level, partial tiles included.
fn hash_tiles(leaves: &[Hash]) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut level_hashes = leaves.to_vec();
    let mut level = 0;
    while !level_hashes.is_empty() {
        let mut next = Vec::new();
        for (n, chunk) in level_hashes.chunks(WIDTH as usize).enumerate() {
            out.push((
                tile_path(&level.to_string(), n as u64, chunk.len() as u64),
                chunk.concat(),
            ));
            if chunk.len() as u64 == WIDTH {
                next.push(subtree(chunk));
            }
        }
        level_hashes = next;
        level += 1;
    }
    out
}

/// What a publication wrote.
#[derive(Debug, Default)]
pub struct Published {
    /// The size of the checkpoint published.
    pub size: u64,
    /// Files written this time.
    pub written: usize,
    /// Files already there and identical.
    pub unchanged: usize,
    /// Bytes of tiles and bundles in all.
    pub bytes: u64,
}

/// Publish the ledger up to its kept checkpoint into `out`: hash tiles,
/// entry bundles, event bundles, then the checkpoint (last, so a reader
/// never sees a checkpoint whose tiles are missing).
pub fn publish(ledger: &Ledger, out: &Path) -> Result<Published> {
    let text = ledger.kept_checkpoint()?.ok_or_else(|| {
        Error::Input(
            "the ledger has no checkpoint to publish: sign one first (`sakip checkpoint`, by an inspector)"
                .into(),
        )
    })?;
    let c = Checkpoint::parse(&text)?;
    ledger.check_extends(&c)?;
    let size = c.size;
    let mut leaves = Vec::with_capacity(size as usize);
    let mut events: Vec<Vec<u8>> = Vec::with_capacity(size as usize);
    for entry in ledger.stored_bytes_from(0).take(size as usize) {
        let (_, bytes) = entry?;
        leaves.push(leaf_hash(&crate::codec::hash_stored(&bytes).0));
        events.push(bytes);
    }
    if mth(&leaves) != c.root {
        return Err(Error::integrity(
            size.saturating_sub(1),
            "the events do not hash to the kept checkpoint's root",
        ));
    }
    let mut files = hash_tiles(&leaves);
    for (n, chunk) in events.chunks(WIDTH as usize).enumerate() {
        let mut entries = Vec::new();
        let mut stored = Vec::new();
        for bytes in chunk {
            entries.extend_from_slice(&32u16.to_be_bytes());
            entries.extend_from_slice(&crate::codec::hash_stored(bytes).0);
            stored.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
            stored.extend_from_slice(bytes);
        }
        let width = chunk.len() as u64;
        files.push((tile_path("entries", n as u64, width), entries));
        files.push((tile_path("sakip-events", n as u64, width), stored));
    }
    let mut done = Published {
        size,
        ..Published::default()
    };
    for (path, bytes) in &files {
        let target = out.join(path);
        done.bytes += bytes.len() as u64;
        match std::fs::read(&target) {
            Ok(existing) if existing == *bytes => {
                done.unchanged += 1;
                continue;
            }
            Ok(_) => {
                return Err(Error::Integrity {
                    seq: None,
                    reason: format!(
                        "{} is already published with other content: the ledger no longer matches what it published (rewritten?)",
                        target.display()
                    ),
                })
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::io(&target, e)),
        }
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        }
        crate::fsutil::write(&target, bytes, crate::fsutil::Existing::Refuse, 0o644)?;
        done.written += 1;
    }
    crate::fsutil::write(
        &out.join("checkpoint"),
        text.as_bytes(),
        crate::fsutil::Existing::Replace,
        0o644,
    )?;
    Ok(done)
}

/// Where a mirror reads a published log from: a URL or a directory.
pub trait Source {
    /// The bytes at `path` (relative to the log's prefix), `None` when it
    /// does not exist.
    fn get(&self, path: &str) -> Result<Option<Vec<u8>>>;
}

/// A published log in a directory.
pub struct DirSource(pub std::path::PathBuf);

impl Source for DirSource {
    fn get(&self, path: &str) -> Result<Option<Vec<u8>>> {
        let p = self.0.join(path);
        match std::fs::read(&p) {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::io(&p, e)),
        }
    }
}

/// What a mirror run established.
#[derive(Debug)]
pub struct Mirrored {
    /// The size mirrored before this run (0 the first time).
    pub from: u64,
    /// The size mirrored now.
    pub size: u64,
    /// What verifying the mirrored events found.
    pub verified: crate::verify::Verified,
    /// Who signed the checkpoint (among the trusted keys).
    pub signers: Vec<PublicKey>,
}

/// Mirror a published log into `out`: fetch its checkpoint (signed by one
/// of `trusted`), fetch every tile and bundle up to its size, check that
/// every event hashes to its entry, every hash tile is what the entries
/// imply, the root is the checkpoint's, the tree is consistent with the
/// one mirrored before (its first entries unchanged and hashing to the old
/// root), and every event verifies as in `verify-bundle` (signatures,
/// chain, authorization, rules). Only then is the local copy replaced.
pub fn mirror(source: &dyn Source, out: &Path, trusted: &[PublicKey]) -> Result<Mirrored> {
    let bad = |why: String| Error::Integrity {
        seq: None,
        reason: why,
    };
    if trusted.is_empty() {
        return Err(Error::Input(
            "a mirror needs the key that signs the log's checkpoints (--trusted-key FILE.pub)".into(),
        ));
    }
    let text = source
        .get("checkpoint")?
        .ok_or_else(|| Error::Input("the source has no checkpoint".into()))?;
    let text = String::from_utf8(text).map_err(|_| bad("the checkpoint is not UTF-8".into()))?;
    let c = Checkpoint::parse(&text)?;
    let signers = c.signers(trusted.iter());
    if signers.is_empty() {
        return Err(bad(
            "the published checkpoint is not signed by a trusted key".into()
        ));
    }
    let old = match std::fs::read_to_string(out.join("checkpoint")) {
        Ok(t) => Some(Checkpoint::parse(&t)?),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(Error::io(out.join("checkpoint"), e)),
    };
    if let Some(o) = &old {
        if o.origin != c.origin {
            return Err(bad(format!(
                "the source is ledger {}, the mirror holds {}",
                c.origin, o.origin
            )));
        }
        if c.size < o.size {
            return Err(bad(format!(
                "the published checkpoint has {} events, fewer than the {} already mirrored (rolled back)",
                c.size, o.size
            )));
        }
    }
    let size = c.size;
    let mut leaves = Vec::with_capacity(size as usize);
    let mut events: Vec<(u64, Vec<u8>)> = Vec::with_capacity(size as usize);
    // Every file is fetched once: checked here, written below.
    let mut fetched: Vec<(String, Vec<u8>)> = Vec::new();
    let bundles = size.div_ceil(WIDTH);
    for n in 0..bundles {
        let width = (size - n * WIDTH).min(WIDTH);
        let entries_path = tile_path("entries", n, width);
        let events_path = tile_path("sakip-events", n, width);
        let entries = source
            .get(&entries_path)?
            .ok_or_else(|| bad(format!("{entries_path} is missing")))?;
        let stored = source
            .get(&events_path)?
            .ok_or_else(|| bad(format!("{events_path} is missing")))?;
        if entries.len() as u64 != width * 34 {
            return Err(bad(format!(
                "{entries_path} holds {} bytes, not {width} entries",
                entries.len()
            )));
        }
        let mut at = 0usize;
        for i in 0..width {
            let e = &entries[(i * 34) as usize..((i + 1) * 34) as usize];
            if e[..2] != 32u16.to_be_bytes() {
                return Err(bad(format!(
                    "{entries_path}: entry {i} is not a 32-byte event hash"
                )));
            }
            let seq = n * WIDTH + i;
            let len = stored
                .get(at..at + 4)
                .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
                .filter(|l| *l <= crate::codec::MAX_EVENT_BYTES)
                .ok_or_else(|| bad(format!("{events_path}: event {seq} is cut short")))?;
            let bytes = stored
                .get(at + 4..at + 4 + len)
                .ok_or_else(|| bad(format!("{events_path}: event {seq} is cut short")))?;
            at += 4 + len;
            let hash = crate::codec::hash_stored(bytes);
            if hash.0[..] != e[2..] {
                return Err(bad(format!(
                    "{events_path}: event {seq} does not hash to its entry in {entries_path}"
                )));
            }
            leaves.push(leaf_hash(&hash.0));
            events.push((seq, bytes.to_vec()));
        }
        if at != stored.len() {
            return Err(bad(format!("{events_path} has bytes after its last event")));
        }
        fetched.push((entries_path, entries));
        fetched.push((events_path, stored));
    }
    for (path, expected) in hash_tiles(&leaves) {
        let got = source
            .get(&path)?
            .ok_or_else(|| bad(format!("{path} is missing")))?;
        if got != expected {
            return Err(bad(format!(
                "{path} is not what the published entries hash to (a rewritten tile)"
            )));
        }
        fetched.push((path, got));
    }
    if mth(&leaves) != c.root {
        return Err(bad(
            "the published entries do not hash to the checkpoint's root".into()
        ));
    }
    if let Some(o) = &old {
        let old_leaves = leaves.get(..o.size as usize).unwrap_or(&[]);
        if mth(old_leaves) != o.root {
            return Err(bad(format!(
                "the published log is not consistent with the {} events mirrored before: its first entries changed (a fork)",
                o.size
            )));
        }
    }
    let mut v = crate::verify::Verifier::new();
    for run in events.chunks(4096) {
        let run: Vec<(u64, &[u8])> = run.iter().map(|(s, b)| (*s, b.as_slice())).collect();
        v.push_many(&run)?;
    }
    let verified = v.finish()?;
    // Replace the local copy: the tiles, then the checkpoint, last.
    let from = old.as_ref().map_or(0, |o| o.size);
    let local = DirSource(out.to_path_buf());
    for (path, bytes) in fetched {
        if local.get(&path)?.as_deref() == Some(bytes.as_slice()) {
            continue;
        }
        let target = out.join(&path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        }
        crate::fsutil::write(&target, &bytes, crate::fsutil::Existing::Replace, 0o644)?;
    }
    std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
    crate::fsutil::write(
        &out.join("checkpoint"),
        text.as_bytes(),
        crate::fsutil::Existing::Replace,
        0o644,
    )?;
    Ok(Mirrored {
        from,
        size,
        verified,
        signers,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tile_paths_follow_the_spec() {
        assert_eq!(tile_path("0", 1_234_067, 256), "tile/0/x001/x234/067");
        assert_eq!(tile_path("1", 0, 17), "tile/1/000.p/17");
        assert_eq!(tile_path("entries", 5, 256), "tile/entries/005");
    }

    #[test]
    fn a_tree_of_70000_has_the_tiles_the_spec_lists() {
        let leaves: Vec<Hash> = (0..70_000u32)
            .map(|i| {
                let mut h = [0u8; 32];
                h[..4].copy_from_slice(&i.to_be_bytes());
                leaf_hash(&h)
            })
            .collect();
        let tiles = hash_tiles(&leaves);
        let partial: Vec<&str> = tiles
            .iter()
            .map(|(p, _)| p.as_str())
            .filter(|p| p.contains(".p/"))
            .collect();
        assert_eq!(partial, ["tile/0/273.p/112", "tile/1/001.p/17", "tile/2/000.p/1"]);
        assert_eq!(
            tiles.iter().filter(|(p, _)| p.starts_with("tile/0/")).count(),
            274
        );
        assert!(tiles.iter().any(|(p, _)| p == "tile/1/000"));
    }
}
