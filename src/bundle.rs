//! Export bundles: a directory holding the raw events, their decoded JSON,
//! the latest checkpoint, a manifest and the format specification, which can
//! be verified without opening any store (`schema/bundle.md`).

use crate::checkpoint::Checkpoint;
use crate::ledger::Ledger;
use crate::verify::{Verified, Verifier};
use crate::{Error, Result};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use sha2::{Digest, Sha256};
use std::io::{BufWriter, Read, Write};
use std::path::Path;

/// The specification shipped in every bundle.
pub const FORMAT_MD: &str = concat!(
    include_str!("../schema/bundle.md"),
    "\n\n",
    include_str!("../schema/event-v1.md"),
    "\n\n",
    include_str!("../schema/proofs.md")
);

const FORMAT: &str = "sakip-bundle/1";

fn sha_file(path: &Path) -> Result<String> {
    let mut file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut hasher = Sha256::new();
    std::io::copy(&mut file, &mut hasher).map_err(|e| Error::io(path, e))?;
    Ok(hex::encode(hasher.finalize()))
}

/// What an export wrote.
#[derive(Debug)]
pub struct Exported {
    /// Events exported.
    pub events: u64,
    /// Merkle root over them.
    pub root: [u8; 32],
    /// Whether the latest checkpoint was included.
    pub checkpoint: bool,
}

/// The JSON object of one event: a line of `events.jsonl`, and what
/// `sakip log --format json` and `sakip show` print (schema/bundle.md).
pub fn event_json(ledger: &Ledger, e: &crate::ledger::StoredEvent) -> serde_json::Value {
    event_json_named(e, ledger.author_name(&e.event.author))
}

/// [`event_json`] with the author's name given (a bundle verifier names
/// authors from the registry its events imply).
fn event_json_named(e: &crate::ledger::StoredEvent, author_name: String) -> serde_json::Value {
    serde_json::json!({
        "seq": e.event.seq,
        "hash": e.hash,
        "prev": e.event.prev,
        "kind": e.event.payload.kind().name(),
        "author": e.event.author.to_hex(),
        "author_key_id": e.event.author.key_id(),
        "author_name": author_name,
        "recorded_at": crate::clock::format_micros(e.event.recorded_at),
        "size": e.size,
        "payload": e.event.payload,
        "signature": hex::encode(e.event.signature),
    })
}

/// Export the ledger into `dir` (created; must not exist).
pub fn export(ledger: &Ledger, dir: &Path) -> Result<Exported> {
    crate::fsutil::create_new_dir(dir)?;
    let io = |p: &Path| {
        let p = p.to_path_buf();
        move |e| Error::io(&p, e)
    };
    let bin_path = dir.join("events.bin");
    let json_path = dir.join("events.jsonl");
    let new_file = |p: &Path| std::fs::OpenOptions::new().write(true).create_new(true).open(p);
    let mut bin = BufWriter::new(new_file(&bin_path).map_err(io(&bin_path))?);
    let mut json = BufWriter::new(new_file(&json_path).map_err(io(&json_path))?);
    let mut n = 0u64;
    let mut head = crate::event::EventHash::ZERO;
    let mut frontier = crate::merkle::Frontier::default();
    for entry in ledger.stored_bytes_from(0) {
        let (_, bytes) = entry?;
        bin.write_all(&(bytes.len() as u32).to_le_bytes())
            .map_err(io(&bin_path))?;
        bin.write_all(&bytes).map_err(io(&bin_path))?;
        let stored = ledger
            .event(n)?
            .ok_or_else(|| Error::integrity(n, "the event is missing"))?;
        serde_json::to_writer(&mut json, &event_json(ledger, &stored))
            .map_err(|e| Error::Internal(e.to_string()))?;
        json.write_all(b"\n").map_err(io(&json_path))?;
        head = stored.hash;
        frontier.push(&head.0);
        n += 1;
    }
    bin.flush().map_err(io(&bin_path))?;
    json.flush().map_err(io(&json_path))?;
    drop((bin, json));
    let format_path = dir.join("FORMAT.md");
    crate::fsutil::write(
        &format_path,
        FORMAT_MD.as_bytes(),
        crate::fsutil::Existing::Refuse,
        0o644,
    )?;
    let mut files = serde_json::Map::new();
    let checkpoint = ledger.store().checkpoint()?;
    if let Some(text) = &checkpoint {
        let p = dir.join("checkpoint");
        crate::fsutil::write(&p, text.as_bytes(), crate::fsutil::Existing::Refuse, 0o644)?;
        files.insert("checkpoint".into(), sha_file(&p)?.into());
    }
    for name in ["events.bin", "events.jsonl", "FORMAT.md"] {
        files.insert(name.into(), sha_file(&dir.join(name))?.into());
    }
    let root = frontier.root();
    let p = dir.join("manifest.json");
    let text = manifest_text(&ledger.origin()?, n, &head, &root, files);
    crate::fsutil::write(&p, text.as_bytes(), crate::fsutil::Existing::Refuse, 0o644)?;
    Ok(Exported {
        events: n,
        root,
        checkpoint: checkpoint.is_some(),
    })
}

/// The manifest's exact text: every field is derived from the events and
/// the files beside it, so a verifier rebuilds it and compares bytes.
fn manifest_text(
    origin: &str,
    events: u64,
    head: &crate::event::EventHash,
    root: &[u8; 32],
    files: serde_json::Map<String, serde_json::Value>,
) -> String {
    let manifest = serde_json::json!({
        "format": FORMAT,
        "origin": origin,
        "events": events,
        "head": head.to_hex(),
        "root": B64.encode(root),
        "files": files,
    });
    format!(
        "{}\n",
        serde_json::to_string_pretty(&manifest).unwrap_or_default()
    )
}

/// The files a bundle may hold, with the most bytes each may have (`None`:
/// streamed, any size).
const BUNDLE_FILES: [(&str, Option<u64>); 4] = [
    ("events.bin", None),
    ("events.jsonl", None),
    ("FORMAT.md", Some(1 << 20)),
    ("checkpoint", Some(64 << 10)),
];

/// The most bytes `manifest.json` may have.
const MAX_MANIFEST_BYTES: u64 = 1 << 20;

/// The most bytes one line of `events.jsonl` may have.
const MAX_JSON_LINE: usize = 64 << 20;

/// Open a file of a bundle for reading: a regular file directly in the
/// bundle (no symbolic link, device or FIFO), at most `limit` bytes.
fn open_bundle_file(dir: &Path, name: &str, limit: Option<u64>) -> Result<std::fs::File> {
    let path = dir.join(name);
    let bad = |why: String| Error::Integrity {
        seq: None,
        reason: format!("bundle {}: {name} {why}", dir.display()),
    };
    let meta = match std::fs::symlink_metadata(&path) {
        Ok(meta) => meta,
        // Only the manifest's absence says "this is not a bundle"; a file
        // it lists and the directory lacks is a bundle cut short.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && name != "manifest.json" => {
            return Err(bad(
                "is missing, though the bundle needs it or manifest.json lists it".into(),
            ))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(Error::Input(format!(
                "{}: no manifest.json, so not a bundle (`sakip export --out DIR` writes one)",
                dir.display()
            )))
        }
        Err(e) => return Err(Error::io(&path, e)),
    };
    if !meta.file_type().is_file() {
        return Err(bad(
            "is not a regular file (a link, device or FIFO is refused)".into()
        ));
    }
    if let Some(max) = limit.filter(|max| meta.len() > *max) {
        return Err(bad(format!(
            "has {} bytes, more than the {max} it may have",
            meta.len()
        )));
    }
    std::fs::File::open(&path).map_err(|e| Error::io(&path, e))
}

/// Read a small file of a bundle whole ([`open_bundle_file`]'s checks).
fn read_bundle_file(dir: &Path, name: &str, limit: u64) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    let path = dir.join(name);
    open_bundle_file(dir, name, Some(limit))?
        .take(limit + 1)
        .read_to_end(&mut out)
        .map_err(|e| Error::io(&path, e))?;
    Ok(out)
}

/// Read `events.jsonl` again from `events.bin` and compare line by line:
/// the readable file is derived, byte for byte, from the signed events.
fn check_jsonl(dir: &Path, registry: &crate::authz::Registry) -> Result<()> {
    use std::io::BufRead;
    let bin_path = dir.join("events.bin");
    let bin = open_bundle_file(dir, "events.bin", None)?;
    let json = open_bundle_file(dir, "events.jsonl", None)?;
    let mut events = EventReader::new(std::io::BufReader::with_capacity(1 << 20, bin), &bin_path);
    let mut lines = std::io::BufReader::with_capacity(1 << 20, json);
    let differs = |line: u64, why: &str| {
        Error::Integrity {
        seq: Some(line - 1),
        reason: format!(
            "bundle {}: events.jsonl line {line} {why}; the readable file must be exactly what events.bin decodes to",
            dir.display()
        ),
    }
    };
    let mut line_no = 0u64;
    let mut buf = Vec::new();
    while let Some((seq, bytes)) = events.next_event()? {
        line_no += 1;
        buf.clear();
        let read = (&mut lines)
            .take(MAX_JSON_LINE as u64)
            .read_until(b'\n', &mut buf)
            .map_err(|e| Error::io(dir.join("events.jsonl"), e))?;
        if read == 0 {
            return Err(differs(
                line_no,
                &format!("is missing (events.bin holds event {seq})"),
            ));
        }
        let event = crate::codec::decode(&bytes).map_err(|e| Error::integrity(seq, e))?;
        let stored = crate::ledger::StoredEvent {
            hash: crate::codec::hash_stored(&bytes),
            size: bytes.len(),
            event,
        };
        let name = match registry.get(&stored.event.author) {
            Some(state) => state.holder.name.clone(),
            None => format!("unknown key {}", stored.event.author.key_id()),
        };
        let mut expected = serde_json::to_vec(&event_json_named(&stored, name))
            .map_err(|e| Error::Internal(e.to_string()))?;
        expected.push(b'\n');
        if buf != expected {
            return Err(differs(line_no, &format!("does not match event {seq}")));
        }
    }
    buf.clear();
    if lines
        .take(1)
        .read_until(b'\n', &mut buf)
        .map_err(|e| Error::io(dir.join("events.jsonl"), e))?
        > 0
    {
        return Err(differs(line_no + 1, "has no event in events.bin"));
    }
    Ok(())
}

/// What a bundle verification established.
#[derive(Debug)]
pub struct BundleVerified {
    /// What the chain check found.
    pub verified: Verified,
    /// The ledger's origin line.
    pub origin: String,
    /// Size of the checkpoint and the key ids that signed it.
    pub checkpoint: Option<(u64, Vec<String>)>,
    /// The checkpoint itself (with any witnesses' cosignatures).
    pub checkpoint_note: Option<Checkpoint>,
    /// What the verifier could not vouch for but is no failure (a
    /// specification from another version).
    pub notes: Vec<String>,
}

/// What a bundle verification checks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Scope {
    /// Everything `sakip verify` checks of the events, and the bundle's
    /// files, manifest and checkpoint.
    #[default]
    Full,
    /// What `tools/verify_bundle.py` checks: all of [`Scope::Full`] except
    /// the plan rules of domain events (`rules::validate`: indicators
    /// defined, values fitting their kind, bounds on figures). Signatures,
    /// chain, time, keys and roles, the readable files, manifest and
    /// checkpoint are checked alike.
    Chain,
}

/// Verify a bundle directory without any store.
pub fn verify(dir: &Path) -> Result<BundleVerified> {
    verify_trusting(dir, &[])
}

/// [`verify`], with the checkpoint, if any, also required to carry a
/// signature by one of `trusted`.
pub fn verify_trusting(dir: &Path, trusted: &[crate::event::PublicKey]) -> Result<BundleVerified> {
    verify_scoped(dir, trusted, Scope::Full)
}

/// [`verify_trusting`], checking `scope`. Events recorded later than this
/// machine's clock plus [`crate::clock::FUTURE_MARGIN`] are refused in
/// either scope, as `verify`, `restore` and `--bundle` refuse them.
pub fn verify_scoped(
    dir: &Path,
    trusted: &[crate::event::PublicKey],
    scope: Scope,
) -> Result<BundleVerified> {
    let bad = |why: String| Error::Integrity {
        seq: None,
        reason: format!("bundle {}: {why}", dir.display()),
    };
    let manifest_bytes = read_bundle_file(dir, "manifest.json", MAX_MANIFEST_BYTES)?;
    let manifest: serde_json::Value = serde_json::from_slice(&manifest_bytes)
        .map_err(|e| bad(format!("manifest.json is not JSON ({e})")))?;
    if manifest["format"] != FORMAT {
        return Err(bad(format!("unknown format {}", manifest["format"])));
    }
    let files = manifest["files"]
        .as_object()
        .ok_or_else(|| bad("manifest.json lists no files".into()))?;
    let mut digests = serde_json::Map::new();
    for (name, digest) in files {
        let Some((_, limit)) = BUNDLE_FILES.iter().find(|(known, _)| known == name) else {
            return Err(bad(format!(
                "manifest.json lists {name:?}, which is not a file of a bundle"
            )));
        };
        let mut file = open_bundle_file(dir, name, *limit)?;
        let mut hasher = Sha256::new();
        std::io::copy(&mut file, &mut hasher).map_err(|e| Error::io(dir.join(name), e))?;
        let actual = hex::encode(hasher.finalize());
        if Some(actual.as_str()) != digest.as_str() {
            return Err(bad(format!("{name} does not match its SHA-256 in manifest.json")));
        }
        digests.insert(name.clone(), actual.into());
    }
    for required in ["events.bin", "FORMAT.md", "events.jsonl"] {
        if !files.contains_key(required) {
            return Err(bad(format!("manifest.json does not list {required}")));
        }
    }
    let checkpoint = match files.contains_key("checkpoint") {
        true => {
            let bytes = read_bundle_file(dir, "checkpoint", 64 << 10)?;
            let text =
                String::from_utf8(bytes).map_err(|_| bad("the checkpoint is not UTF-8 text".into()))?;
            Some(Checkpoint::parse(&text)?)
        }
        false => None,
    };
    let bin_path = dir.join("events.bin");
    let bin = open_bundle_file(dir, "events.bin", None)?;
    let mut v = Verifier::new().not_after(chrono::Utc::now());
    if scope == Scope::Chain {
        v = v.without_plan_rules();
    }
    if let Some(c) = &checkpoint {
        v.root_at(c.size);
    }
    let mut events = EventReader::new(std::io::BufReader::with_capacity(1 << 20, bin), &bin_path);
    let mut genesis = None;
    while let Some(run) = events.next_run(VERIFY_RUN)? {
        if genesis.is_none() {
            genesis = run
                .first()
                .and_then(|(_, bytes)| match crate::codec::decode(bytes) {
                    Ok(crate::event::Event {
                        payload: crate::event::Payload::Genesis(g),
                        ..
                    }) => Some((crate::codec::hash_stored(bytes), g)),
                    _ => None,
                });
        }
        push_run(&mut v, &run)?;
    }
    let verified = v.finish()?;
    if manifest["events"].as_u64() != Some(verified.events) {
        return Err(bad(format!(
            "manifest.json says {} events, events.bin holds {}",
            manifest["events"], verified.events
        )));
    }
    if manifest["head"].as_str() != Some(verified.head.to_hex().as_str()) {
        return Err(bad(
            "the head in manifest.json is not the last event's hash".into()
        ));
    }
    if manifest["root"].as_str() != Some(B64.encode(verified.root).as_str()) {
        return Err(bad(
            "the Merkle root in manifest.json does not match the events".into()
        ));
    }
    let (genesis_hash, g) = genesis.ok_or_else(|| Error::integrity(0, "event 0 is not genesis"))?;
    let origin = crate::checkpoint::origin(&g.agency_code, &genesis_hash);
    if manifest["origin"].as_str() != Some(origin.as_str()) {
        return Err(bad("the origin in manifest.json is not this ledger's".into()));
    }
    let checkpoint_note = checkpoint.clone();
    let checkpoint = match checkpoint {
        // A trusted key vouches for nothing without its signature: a bundle
        // whose checkpoint was dropped (with the events after it) must not
        // pass as checked against that key.
        None if !trusted.is_empty() => {
            return Err(bad(
                "the bundle holds no checkpoint, so nothing in it is signed by a trusted key (--trusted-key needs the checkpoint that key signed)".into(),
            ))
        }
        None => None,
        Some(c) => {
            if c.origin != origin {
                return Err(bad("the checkpoint is for another ledger".into()));
            }
            let signers = c
                .require_signers(&verified.registry, trusted)
                .map_err(|e| match e {
                    Error::Integrity { reason, .. } => bad(format!("checkpoint: {reason}")),
                    other => other,
                })?
                .qualified;
            if c.size > verified.events || verified.roots.get(&c.size) != Some(&c.root) {
                return Err(bad(format!(
                    "the events do not extend the checkpoint of {} events",
                    c.size
                )));
            }
            Some((c.size, signers.iter().map(|k| k.key_id()).collect()))
        }
    };
    check_jsonl(dir, &verified.registry)?;
    let rebuilt = manifest_text(&origin, verified.events, &verified.head, &verified.root, digests);
    if rebuilt.as_bytes() != manifest_bytes.as_slice() {
        return Err(bad(
            "manifest.json is not exactly what its events and files imply (fields added, changed or reordered)".into(),
        ));
    }
    let mut notes = Vec::new();
    if read_bundle_file(dir, "FORMAT.md", 1 << 20)? != FORMAT_MD.as_bytes() {
        notes.push(
            "FORMAT.md (the specification, not evidence) differs from the one this sakip ships: written by another version, or edited".into(),
        );
    }
    Ok(BundleVerified {
        verified,
        origin,
        checkpoint,
        checkpoint_note,
        notes,
    })
}

/// Verify the events of an `events.bin` alone (no manifest, no files): the
/// parsing and checking core of [`verify`], exposed for fuzzing.
pub fn verify_events_bin(bin: &[u8]) -> Result<Verified> {
    let mut v = Verifier::new();
    let mut events = EventReader::new(bin, Path::new("events.bin"));
    while let Some(run) = events.next_run(VERIFY_RUN)? {
        push_run(&mut v, &run)?;
    }
    v.finish()
}

/// Consecutive stored events with their seqs.
type Run = Vec<(u64, Vec<u8>)>;

/// Events checked together, their signatures in parallel.
const VERIFY_RUN: usize = 4096;

fn push_run(v: &mut Verifier, run: &[(u64, Vec<u8>)]) -> Result<()> {
    let run: Vec<(u64, &[u8])> = run.iter().map(|(s, b)| (*s, b.as_slice())).collect();
    v.push_many(&run)
}

/// Stored events read from an `events.bin` stream (each a 4-byte
/// little-endian length and the stored bytes), numbered from 0, so that a
/// bundle of any size is checked in bounded memory.
struct EventReader<'a, R: Read> {
    r: R,
    path: &'a Path,
    seq: u64,
}

impl<'a, R: Read> EventReader<'a, R> {
    fn new(r: R, path: &'a Path) -> Self {
        EventReader { r, path, seq: 0 }
    }

    /// The next event, or `None` at a clean end of the stream.
    fn next_event(&mut self) -> Result<Option<(u64, Vec<u8>)>> {
        let seq = self.seq;
        let mut len = [0u8; 4];
        let mut got = 0;
        while got < 4 {
            match self.r.read(&mut len[got..]) {
                Ok(0) if got == 0 => return Ok(None),
                Ok(0) => return Err(Error::integrity(seq, "events.bin ends inside a length prefix")),
                Ok(n) => got += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(Error::io(self.path, e)),
            }
        }
        let len = u32::from_le_bytes(len) as usize;
        if len > crate::codec::MAX_EVENT_BYTES {
            return Err(Error::integrity(
                seq,
                format!(
                    "events.bin gives event {seq} {len} bytes, more than the limit of {}",
                    crate::codec::MAX_EVENT_BYTES
                ),
            ));
        }
        let mut bytes = vec![0u8; len];
        self.r.read_exact(&mut bytes).map_err(|e| match e.kind() {
            std::io::ErrorKind::UnexpectedEof => Error::integrity(seq, "events.bin ends inside an event"),
            _ => Error::io(self.path, e),
        })?;
        self.seq += 1;
        Ok(Some((seq, bytes)))
    }

    /// Up to `n` next events; `None` at the end.
    fn next_run(&mut self, n: usize) -> Result<Option<Run>> {
        let mut run = Vec::with_capacity(n);
        while run.len() < n {
            match self.next_event()? {
                Some(e) => run.push(e),
                None => break,
            }
        }
        Ok(if run.is_empty() { None } else { Some(run) })
    }
}

/// Write a verified bundle's events into an empty `store` as they are,
/// then its key registry, derived trees and kept checkpoint, and verify the
/// result: the ledger the bundle holds.
fn load_into(store: crate::store::Store, bundle_dir: &Path, checked: &BundleVerified) -> Result<Ledger> {
    let bin_path = bundle_dir.join("events.bin");
    let bin = open_bundle_file(bundle_dir, "events.bin", None)?;
    let clock = std::sync::Arc::new(crate::clock::SystemClock);
    let mut events = EventReader::new(std::io::BufReader::with_capacity(1 << 20, bin), &bin_path);
    while let Some(chunk) = events.next_run(10_000)? {
        let mut staged = Vec::with_capacity(chunk.len());
        let mut last = None;
        for (seq, bytes) in &chunk {
            let (seq, bytes) = (*seq, bytes.as_slice());
            let frame = crate::codec::Frame::parse(bytes).map_err(|e| Error::integrity(seq, e))?;
            let kind = frame
                .decode()
                .map_err(|e| Error::integrity(seq, e))?
                .payload
                .kind();
            last = Some((seq, frame.hash(), frame.recorded_at()));
            staged.push(crate::store::Staged {
                seq,
                hash: frame.hash(),
                kind,
                bytes: bytes.to_vec(),
                key_updates: vec![],
                proj: vec![],
                merkle: vec![],
            });
        }
        if let Some((seq, hash, recorded_at)) = last {
            store.commit(
                &staged,
                crate::store::Head {
                    count: seq + 1,
                    hash,
                    recorded_at,
                },
            )?;
        }
    }
    let states: Vec<_> = checked
        .verified
        .registry
        .iter()
        .map(|(k, s)| (*k, s.clone()))
        .collect();
    store.replace_key_states(&states)?;
    if checked.checkpoint.is_some() {
        let text = read_bundle_file(bundle_dir, "checkpoint", 64 << 10)?;
        store.put_checkpoint(&String::from_utf8_lossy(&text))?;
    }
    let ledger = Ledger::from_store(store, clock, true)?;
    ledger.rebuild()?;
    ledger.rebuild_merkle()?;
    crate::verify::verify_store(ledger.store())?;
    Ok(ledger)
}

/// A verified bundle as a ledger in memory, to read and audit without
/// restoring it to disk (`--bundle DIR`): every check of
/// [`verify_trusting`], then the events loaded as they are. It takes about
/// the memory of the store the ledger had; restore a large one instead.
pub fn open(bundle_dir: &Path, trusted: &[crate::event::PublicKey]) -> Result<(Ledger, BundleVerified)> {
    let checked = verify_trusting(bundle_dir, trusted)?;
    let ledger = load_into(crate::store::Store::memory(), bundle_dir, &checked)?;
    Ok((ledger, checked))
}

/// Rebuild a ledger from a verified bundle into `ledger_dir` (which must not
/// exist): the stored bytes are written as they are, in batches, then the
/// indexes, the Merkle tree and the key registry are rebuilt from them and
/// the result verified. The ledger is built beside `ledger_dir` and renamed
/// into place only when complete, so an interrupted restore leaves nothing
/// that looks like a ledger.
pub fn restore(bundle_dir: &Path, ledger_dir: &Path) -> Result<Verified> {
    if ledger_dir.symlink_metadata().is_ok() {
        return Err(Error::Input(format!(
            "{} already exists; restore into a new directory",
            ledger_dir.display()
        )));
    }
    let checked = verify(bundle_dir)?;
    let mut building = ledger_dir.as_os_str().to_owned();
    building.push(".restoring");
    let building = std::path::PathBuf::from(building);
    if let Ok(meta) = building.symlink_metadata() {
        // Only a directory left by an interrupted restore is ours to remove.
        if !meta.is_dir() || !building.join("store").is_dir() {
            return Err(Error::Input(format!(
                "{} exists and is not an interrupted restore; move it away first",
                building.display()
            )));
        }
        std::fs::remove_dir_all(&building).map_err(|e| Error::io(&building, e))?;
    }
    {
        let store = crate::store::Store::open(&building, true)?;
        load_into(store, bundle_dir, &checked)?;
    }
    std::fs::rename(&building, ledger_dir).map_err(|e| Error::io(ledger_dir, e))?;
    Ok(checked.verified)
}
