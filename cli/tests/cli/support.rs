//! A scratch ledger directory, deterministic keys and a binary runner.

use assert_cmd::Command;
use sakip::event::{EventHash, Holder};
use sakip::keys::{self, KeyPair};
use sakip::store::{runs, EventKeys};
use std::path::{Path, PathBuf};

pub const NOW: &str = "2022-01-10T09:00:00+07:00";

pub struct Env {
    pub dir: tempfile::TempDir,
    /// The fixed clock (SAKIP_NOW) of every command run here.
    pub now: &'static str,
}

impl Env {
    pub fn new() -> Env {
        Env {
            dir: tempfile::tempdir().unwrap(),
            now: NOW,
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn ledger(&self) -> PathBuf {
        self.path("ledger")
    }

    /// Write a key file pair from a fixed seed; returns the private key path.
    pub fn key(&self, file: &str, seed: u8, name: &str) -> PathBuf {
        let path = self.path(file);
        let holder = Holder {
            name: name.into(),
            nip: None,
            jabatan: None,
        };
        keys::write_key_files(&path, &KeyPair::from_seed([seed; 32]), Some(&holder)).unwrap();
        path
    }

    /// The binary, run in the scratch directory against its ledger.
    pub fn sakip(&self) -> Command {
        let mut cmd = Command::cargo_bin("sakip").unwrap();
        cmd.current_dir(self.dir.path())
            .env("SAKIP_LEDGER", self.ledger())
            .env("SAKIP_STATE_DIR", self.dir.path().join("state"))
            .env("SAKIP_NOW", self.now)
            .env("NO_COLOR", "1")
            .env_remove("SAKIP_KEY");
        cmd
    }

    /// The binary as a plain process (for running several at once).
    pub fn process(&self) -> std::process::Command {
        use assert_cmd::cargo::CommandCargoExt;
        let mut cmd = std::process::Command::cargo_bin("sakip").unwrap();
        cmd.current_dir(self.dir.path())
            .env("SAKIP_LEDGER", self.ledger())
            .env("SAKIP_STATE_DIR", self.dir.path().join("state"))
            .env("SAKIP_NOW", self.now)
            .env("NO_COLOR", "1")
            .env_remove("SAKIP_KEY");
        cmd
    }

    /// Run and return (exit code, stdout, stderr).
    pub fn run(&self, args: &[&str]) -> (i32, String, String) {
        self.wait_for_sled_release();
        let out = self.sakip().args(args).output().unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// Run, expecting success; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let (code, out, err) = self.run(args);
        assert_eq!(code, 0, "sakip {args:?} failed: {err}");
        out
    }

    /// sled 0.34 releases the lock on its data file from a background
    /// thread after a database in this process (`head`, `raw_events`, a
    /// `Ledger` a test held) is dropped: a command run at once could find
    /// the store still locked and wait, saying so on stderr. Wait here
    /// instead until the lock is free (at most 10 s).
    fn wait_for_sled_release(&self) {
        let Ok(file) = std::fs::File::open(self.ledger().join("store").join("db")) else {
            return;
        };
        let start = std::time::Instant::now();
        while start.elapsed() < std::time::Duration::from_secs(10) {
            if file.try_lock().is_ok() {
                let _ = file.unlock();
                return;
            }
            std::thread::yield_now();
        }
    }

    /// The head (event count, hash) read straight from the store.
    pub fn head(&self) -> (u64, EventHash) {
        let db = open_sled(&self.ledger().join("store"));
        let meta = db.open_tree("meta").unwrap();
        let b = meta.get("head").unwrap().unwrap();
        let count = u64::from_be_bytes(b[..8].try_into().unwrap());
        (count, EventHash(b[8..40].try_into().unwrap()))
    }

    /// Open the raw sled store (no ledger process may be running), with
    /// its events reached by seq as a forger would, whichever way the
    /// store keys them.
    ///
    /// The forger removes the head mark beside the store too
    /// (`HEAD-MARK`, which any open checks first): these tests are of what
    /// catches someone who edits everything in the directory.
    /// `cli/tests/damage.rs` tests the mark itself.
    pub fn raw_events(&self) -> (sled::Db, RawEvents) {
        let _ = std::fs::remove_file(self.ledger().join(sakip::store::mark::FILE));
        let db = open_sled(&self.ledger().join("store"));
        let tree = db.open_tree("events").unwrap();
        let meta = db.open_tree("meta").unwrap();
        let runs = match meta.get("events").unwrap() {
            Some(marker) => marker.as_ref() == [EventKeys::Runs as u8],
            None => false,
        };
        (db, RawEvents { tree, runs })
    }

    /// Standard ledger: admin (seed 1), kepala approver (seed 2), operator (seed 3).
    pub fn standard(&self) -> Keys {
        let admin = self.key("admin.key", 1, "Admin Kepegawaian");
        let kepala = self.key("kepala-approver.key", 2, "Kepala BKPSDM");
        let operator = self.key("operator.key", 3, "Kabid Mutasi");
        self.ok(&[
            "init",
            "--agency-code",
            "4.01.03",
            "--agency-name",
            "BKPSDM Kota Kediri",
            "--key",
            s(&admin),
        ]);
        self.ok(&[
            "--key",
            s(&admin),
            "key",
            "add",
            "--public",
            &format!("{}.pub", s(&kepala)),
            "--role",
            "approver",
        ]);
        self.ok(&[
            "--key",
            s(&admin),
            "key",
            "add",
            "--public",
            &format!("{}.pub", s(&operator)),
            "--role",
            "operator",
        ]);
        Keys {
            admin,
            kepala,
            operator,
        }
    }
}

pub struct Keys {
    pub admin: PathBuf,
    pub kepala: PathBuf,
    pub operator: PathBuf,
}

pub fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A copy of the reference ledger (built once per test run by `sakip demo`)
/// in a fresh directory, so tests can change it independently.
pub fn demo() -> Env {
    use std::sync::OnceLock;
    static MASTER: OnceLock<tempfile::TempDir> = OnceLock::new();
    let master = MASTER.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let out = Command::cargo_bin("sakip")
            .unwrap()
            .args(["demo", "--dir"])
            .arg(dir.path())
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "demo failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        dir
    });
    let mut env = Env::new();
    env.now = "2022-03-01T09:00:00+07:00";
    copy_dir(&master.path().join("ledger"), &env.ledger());
    copy_dir(&master.path().join("keys"), &env.path("keys"));
    env
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

impl Env {
    /// An example key file of the demo ledger.
    pub fn demo_key(&self, name: &str) -> String {
        self.path("keys")
            .join(format!("{name}.key"))
            .to_str()
            .unwrap()
            .to_string()
    }

    /// `status --format json` as one object per indicator code.
    pub fn status(&self, extra: &[&str]) -> std::collections::HashMap<String, serde_json::Value> {
        let mut args = vec!["status", "--year", "2021", "--format", "jsonl"];
        args.extend_from_slice(extra);
        self.ok(&args)
            .lines()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).unwrap();
                (v["code"].as_str().unwrap().to_string(), v)
            })
            .collect()
    }

    /// Write a file in the scratch directory.
    pub fn write(&self, name: &str, text: &str) -> String {
        let p = self.path(name);
        std::fs::write(&p, text).unwrap();
        p.to_str().unwrap().to_string()
    }
}

/// The `events` tree of a store, event by event: where the store keeps
/// events in runs, an event is read, replaced or removed inside its run
/// (a removed event leaves a gap, as removing it from a store of one event
/// per key does).
pub struct RawEvents {
    tree: sled::Tree,
    runs: bool,
}

impl RawEvents {
    fn run_of(&self, seq: u64) -> Option<(u64, Vec<Vec<u8>>)> {
        if !self.runs {
            return None;
        }
        let (k, v) = self.tree.range(..=seq.to_be_bytes()).next_back()?.unwrap();
        let first = u64::from_be_bytes(k.as_ref().try_into().unwrap());
        let events: Vec<Vec<u8>> = runs::split(first, &v)
            .unwrap()
            .into_iter()
            .map(|(_, b)| b.to_vec())
            .collect();
        (seq < first + events.len() as u64).then_some((first, events))
    }

    fn seq(key: impl AsRef<[u8]>) -> u64 {
        u64::from_be_bytes(key.as_ref().try_into().unwrap())
    }

    fn put_run(&self, first: u64, events: &[Vec<u8>]) {
        self.tree
            .insert(first.to_be_bytes(), runs::join(events.iter().map(Vec::as_slice)))
            .unwrap();
    }

    pub fn get(&self, key: impl AsRef<[u8]>) -> sled::Result<Option<sled::IVec>> {
        let seq = Self::seq(key);
        if !self.runs {
            return self.tree.get(seq.to_be_bytes());
        }
        Ok(self
            .run_of(seq)
            .map(|(first, events)| events[(seq - first) as usize].as_slice().into()))
    }

    pub fn insert(&self, key: impl AsRef<[u8]>, value: impl AsRef<[u8]>) -> sled::Result<()> {
        let seq = Self::seq(key);
        match self.run_of(seq) {
            Some((first, mut events)) => {
                events[(seq - first) as usize] = value.as_ref().to_vec();
                self.put_run(first, &events);
            }
            None if self.runs => self.put_run(seq, &[value.as_ref().to_vec()]),
            None => {
                self.tree.insert(seq.to_be_bytes(), value.as_ref())?;
            }
        }
        Ok(())
    }

    pub fn remove(&self, key: impl AsRef<[u8]>) -> sled::Result<()> {
        let seq = Self::seq(key);
        match self.run_of(seq) {
            Some((first, mut events)) => {
                let at = (seq - first) as usize;
                let after = events.split_off(at + 1);
                events.pop();
                self.tree.remove(first.to_be_bytes())?;
                if !events.is_empty() {
                    self.put_run(first, &events);
                }
                if !after.is_empty() {
                    self.put_run(seq + 1, &after);
                }
            }
            None => {
                self.tree.remove(seq.to_be_bytes())?;
            }
        }
        Ok(())
    }
}

/// Open a sled store in this process. sled 0.34 releases a closed
/// database's file lock from a background thread, so an open right after a
/// close can briefly find it still held: retry until it is released.
pub fn open_sled(path: &Path) -> sled::Db {
    let start = std::time::Instant::now();
    loop {
        match sled::open(path) {
            Ok(db) => return db,
            Err(e) if start.elapsed() < std::time::Duration::from_secs(10) => {
                let _ = e;
                std::thread::yield_now();
            }
            Err(e) => panic!("cannot open {}: {e}", path.display()),
        }
    }
}
