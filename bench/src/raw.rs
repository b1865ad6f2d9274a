//! The raw baselines every figure is set beside: Ed25519 and SHA-256 alone, and sled written and read with nothing of sakip around it.

use crate::bench::*;
use sakip::keys::KeyPair;
use sakip::{Error, Result};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Open the sled store in `dir` as sakip does (the same page cache) and
/// read every entry of every tree once: what holding and reading the store
/// costs sled itself, with nothing checked. Runs of events are read as the
/// store reads them, one point read each (a long sled iterator keeps large
/// pages in memory: `docs/performance.md`, "Events in runs"); every other
/// tree with an iterator. Returns the entries read.
pub fn raw_read(dir: &Path) -> Result<u64> {
    let db = sled::Config::new()
        .path(dir)
        .cache_capacity(sakip::store::CACHE_BYTES)
        .open()?;
    let runs =
        db.open_tree("meta")?.get("events")?.as_deref() == Some(&[sakip::store::EventKeys::Runs as u8][..]);
    let mut entries = 0u64;
    for name in db.tree_names() {
        let tree = db.open_tree(&name)?;
        if runs && name == "events" {
            let mut seq = 0u64;
            while let Some(run) = tree.get(seq.to_be_bytes())? {
                seq += sakip::store::runs::split(seq, &run)?.len() as u64;
                std::hint::black_box(run);
                entries += 1;
            }
            continue;
        }
        for entry in tree.iter() {
            let (k, v) = entry?;
            std::hint::black_box((k, v));
            entries += 1;
        }
    }
    Ok(entries)
}

/// Copy the projection index into a fresh sled tree in batches: the raw
/// cost of writing the entries a rebuild writes. Returns events per second.
pub(crate) fn raw_index_copy(store: &sakip::store::Store, dir: &Path, events: u64) -> Result<f64> {
    let entries = store.projection_entries_iter();
    let db = sled::Config::new().path(dir).open()?;
    let tree = db.open_tree("proj")?;
    let mut chunk: Vec<(Vec<u8>, Vec<u8>)> = Vec::with_capacity(50_000);
    let mut elapsed = 0.0;
    let mut write = |chunk: &mut Vec<(Vec<u8>, Vec<u8>)>| -> Result<()> {
        let t = Instant::now();
        let mut batch = sled::Batch::default();
        for (k, v) in chunk.drain(..) {
            batch.insert(k.as_slice(), v.as_slice());
        }
        tree.apply_batch(batch)?;
        elapsed += t.elapsed().as_secs_f64();
        Ok(())
    };
    for entry in entries {
        chunk.push(entry?);
        if chunk.len() == 50_000 {
            write(&mut chunk)?;
        }
    }
    write(&mut chunk)?;
    let t = Instant::now();
    db.flush()?;
    elapsed += t.elapsed().as_secs_f64();
    drop(db);
    let _ = std::fs::remove_dir_all(dir);
    Ok(events as f64 / elapsed.max(1e-9))
}

/// Raw Ed25519 signing (one core), batch and strict verification (every
/// core) and SHA-256 over `n` messages of an event's size.
pub fn crypto_baselines(n: usize) -> Result<Baselines> {
    let key = KeyPair::from_seed([7; 32]);
    let messages: Vec<Vec<u8>> = (0..n)
        .map(|i| {
            let mut body = vec![0x5a; 300];
            body[..8].copy_from_slice(&(i as u64).to_be_bytes());
            sakip::codec::signing_message(&body)
        })
        .collect();

    let t = Instant::now();
    let signatures: Vec<[u8; 64]> = messages.iter().map(|m| key.sign(m)).collect();
    let sign_rate = rate(n, t);
    let public = ed25519_dalek::VerifyingKey::from_bytes(&key.public().0)
        .map_err(|e| Error::Input(format!("benchmark key: {e}")))?;
    let pairs: Vec<(&[u8], ed25519_dalek::Signature)> = messages
        .iter()
        .zip(&signatures)
        .map(|(m, s)| (m.as_slice(), ed25519_dalek::Signature::from_bytes(s)))
        .collect();
    let failures = std::sync::atomic::AtomicUsize::new(0);
    let t = Instant::now();
    on_all_cores(&pairs, |part| {
        for batch in part.chunks(64) {
            let msgs: Vec<&[u8]> = batch.iter().map(|(m, _)| *m).collect();
            let sigs: Vec<ed25519_dalek::Signature> = batch.iter().map(|(_, s)| *s).collect();
            if ed25519_dalek::verify_batch(&msgs, &sigs, &vec![public; batch.len()]).is_err() {
                failures.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
        }
    });
    let batch_verify_rate = rate(n, t);
    let t = Instant::now();
    on_all_cores(&pairs, |part| {
        for (m, s) in part {
            if public.verify_strict(m, s).is_err() {
                failures.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
        }
    });
    let strict_rate = rate(n, t);
    if failures.into_inner() != 0 {
        return Err(Error::Input("a benchmark signature did not verify".into()));
    }
    let t = Instant::now();
    let mut digest = [0u8; 32];
    for m in &messages {
        digest = sakip::codec::hash_stored(m).0;
    }
    std::hint::black_box(digest);
    let sha_rate = rate(n, t);

    Ok(Baselines {
        sign: sign_rate,
        batch_verify: batch_verify_rate,
        strict_verify: strict_rate,
        sha256: sha_rate,
    })
}

/// Raw sled with the ledger's seven trees, written with what an append of
/// realisations writes in the current store layout (3, events in runs):
/// the runs of events a transaction fills, each event's projection entry,
/// the hash look-up entries of the groups of 16 events it completes or
/// leaves open, the Merkle nodes of levels 4 and up its leaves complete,
/// the head; no kind index entry (realisations have none) and no time
/// entry. Each transaction is flushed and fsynced, as a commit is. No
/// signing, validation or encoding.
pub(crate) struct RawStore {
    dir: PathBuf,
    db_path: PathBuf,
    db: sled::Db,
    trees: Vec<sled::Tree>,
    file: std::fs::File,
    fold: sakip::store::HashFold,
    seq: u64,
}

impl RawStore {
    pub(crate) fn create(dir: &Path) -> Result<RawStore> {
        let db = sled::Config::new().path(dir).open()?;
        let names = ["events", "meta", "by_hash", "by_kind", "keys", "proj", "merkle"];
        let trees = names
            .iter()
            .map(|t| db.open_tree(t))
            .collect::<sled::Result<_>>()?;
        let db_path = dir.join("db");
        let file = std::fs::File::open(&db_path).map_err(|e| Error::io(&db_path, e))?;
        Ok(RawStore {
            dir: dir.into(),
            db_path,
            db,
            trees,
            file,
            fold: sakip::store::HashFold::new(sakip::store::Layout::CURRENT),
            seq: 0,
        })
    }

    /// Append `n` events of 200 bytes in one transaction, flushed and
    /// fsynced.
    pub(crate) fn append(&mut self, n: u64) -> Result<()> {
        use sled::Transactional;
        let event = [0x5a; 200];
        let (seq, end) = (self.seq, self.seq + n);
        let hash_entries = raw_hash_entries(&mut self.fold, seq..end);
        let runs = sakip::store::EventKeys::CURRENT.entries_of((seq..end).map(|s| (s, &event[..])));
        let t = &self.trees;
        let result: std::result::Result<(), sled::transaction::TransactionError<()>> =
            (&t[0], &t[1], &t[2], &t[5], &t[6]).transaction(|(events, meta, by_hash, proj, merkle)| {
                for (k, v) in &hash_entries {
                    by_hash.insert(k.as_slice(), v.as_slice())?;
                }
                for (k, v) in &runs {
                    events.insert(k.as_slice(), v.as_slice())?;
                }
                for s in seq..end {
                    let k = s.to_be_bytes();
                    let h = raw_hash(s);
                    let mut entry = b"R\x07\xe5IKU-01\x00\x01".to_vec();
                    entry.extend_from_slice(&k);
                    proj.insert(entry, &[0x5a; 20])?;
                    for (level, index) in raw_merkle_nodes(s) {
                        let mut node = [0u8; 9];
                        node[0] = level;
                        node[1..].copy_from_slice(&index.to_be_bytes());
                        merkle.insert(&node, &h)?;
                    }
                }
                meta.insert(&b"head"[..], &[0x5a_u8; 48][..])?;
                Ok(())
            });
        result.map_err(|e| Error::Store(format!("{e:?}")))?;
        self.db.flush()?;
        self.file.sync_all().map_err(|e| Error::io(&self.db_path, e))?;
        self.seq = end;
        Ok(())
    }

    /// Disk bytes per event, and bytes of keys and values held per event.
    pub(crate) fn bytes_per_event(&self) -> Result<(f64, f64)> {
        let n = self.seq.max(1) as f64;
        let disk = dir_bytes(&self.dir) as f64 / n;
        let mut written = 0usize;
        for tree in &self.trees {
            for entry in tree.iter() {
                let (k, v) = entry?;
                written += k.len() + v.len();
            }
        }
        Ok((disk, written as f64 / n))
    }

    pub(crate) fn remove(self) {
        let dir = self.dir.clone();
        drop(self);
        let _ = std::fs::remove_dir_all(dir);
    }
}

/// Raw sled: `n` events' worth of an import's writes ([`RawStore`]) in one
/// transaction per batch of `batch`: the store's floor under a batch
/// import. Returns events per second, disk bytes per event and the bytes
/// of keys and values it holds per event.
pub(crate) fn raw_transactions(dir: &Path, n: usize, batch: usize) -> Result<(f64, f64, f64)> {
    let mut raw = RawStore::create(dir)?;
    let t = Instant::now();
    while raw.seq < n as u64 {
        raw.append((batch as u64).min(n as u64 - raw.seq))?;
    }
    let rate = rate(n, t);
    let (disk, written) = raw.bytes_per_event()?;
    raw.remove();
    Ok((rate, disk, written))
}

/// The raw floor under a single durable append: after `history` events in
/// batches of `batch`, `singles` appends of one event, each a raw Ed25519
/// signature over an event-sized message and then that event's writes in
/// one transaction, flushed and fsynced ([`RawStore`]). Returns the
/// latency of each in milliseconds.
pub(crate) fn raw_single_appends(
    dir: &Path,
    history: usize,
    batch: usize,
    singles: usize,
) -> Result<Vec<f64>> {
    let mut raw = RawStore::create(dir)?;
    while raw.seq < history as u64 {
        raw.append((batch as u64).min(history as u64 - raw.seq))?;
    }
    let key = KeyPair::from_seed([9; 32]);
    let mut body = vec![0x5a; 300];
    let mut out = Vec::with_capacity(singles);
    for i in 0..singles as u64 {
        let t = Instant::now();
        body[..8].copy_from_slice(&i.to_be_bytes());
        std::hint::black_box(key.sign(&sakip::codec::signing_message(&body)));
        raw.append(1)?;
        out.push(millis(t));
    }
    raw.remove();
    Ok(out)
}

/// A stand-in for the hash of event `seq`: as scattered as a real one.
pub(crate) fn raw_hash(seq: u64) -> [u8; 32] {
    let mut h = [0u8; 32];
    h[..8].copy_from_slice(&seq.wrapping_mul(0x9e37_79b9_7f4a_7c15).to_be_bytes());
    h[8..16].copy_from_slice(&seq.to_be_bytes());
    h
}

/// The hash look-up entries a store of the current layout writes for the
/// events `seqs`, appended as one batch after those `fold` has seen: every
/// group the batch completes, and the one it leaves open.
pub(crate) fn raw_hash_entries(
    fold: &mut sakip::store::HashFold,
    seqs: std::ops::Range<u64>,
) -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut out: Vec<_> = seqs.filter_map(|s| fold.push(s, &raw_hash(s))).collect();
    out.extend(fold.open_entry());
    out
}

/// The Merkle nodes a store of the current layout writes when leaf `seq`
/// is appended: every perfect subtree it completes, from the lowest level
/// the layout stores up.
pub(crate) fn raw_merkle_nodes(seq: u64) -> impl Iterator<Item = (u8, u64)> {
    let completed = seq.trailing_ones() as u8;
    (sakip::store::Layout::CURRENT.first_stored_level()..=completed).map(move |level| (level, seq >> level))
}

/// Raw sled: the same writes as [`raw_transactions`], keyed by a one-byte
/// space prefix in a single tree and written with one atomic `apply_batch`
/// per batch, flushed and fsynced: what a one-tree store layout would cost.
pub(crate) fn raw_one_tree_batches(dir: &Path, n: usize, batch: usize) -> Result<f64> {
    let db = sled::Config::new().path(dir).open()?;
    let tree = db.open_tree("ledger")?;
    let db_path = dir.join("db");
    let file = std::fs::File::open(&db_path).map_err(|e| Error::io(&db_path, e))?;
    let event = vec![0x5a; 200];
    let key = |space: u8, parts: &[&[u8]]| {
        let mut k = vec![space];
        for p in parts {
            k.extend_from_slice(p);
        }
        k
    };
    let t = Instant::now();
    let mut seq = 0u64;
    let mut fold = sakip::store::HashFold::new(sakip::store::Layout::CURRENT);
    while (seq as usize) < n {
        let end = (seq + batch as u64).min(n as u64);
        let mut b = sled::Batch::default();
        for (k, v) in raw_hash_entries(&mut fold, seq..end) {
            b.insert(key(b'h', &[&k]), v);
        }
        for (k, v) in sakip::store::EventKeys::CURRENT.entries_of((seq..end).map(|s| (s, event.as_slice()))) {
            b.insert(key(b'e', &[&k]), v);
        }
        for s in seq..end {
            let k = s.to_be_bytes();
            let h = raw_hash(s);
            b.insert(key(b'p', &[b"R\x07\xe5IKU-01\x00\x01", &k]), &[0x5a_u8; 20][..]);
            for (level, index) in raw_merkle_nodes(s) {
                b.insert(key(b'm', &[&[level], &index.to_be_bytes()]), &h[..]);
            }
        }
        b.insert(key(b'x', &[b"head"]), &[0x5a_u8; 48][..]);
        tree.apply_batch(b)?;
        db.flush()?;
        file.sync_all().map_err(|e| Error::io(&db_path, e))?;
        seq = end;
    }
    let rate = rate(n, t);
    drop(tree);
    drop(db);
    let _ = std::fs::remove_dir_all(dir);
    Ok(rate)
}
