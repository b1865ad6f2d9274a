//! Opening a store: the directory's advisory lock (waited for when asked),
//! the engine opened, the recorded formats checked; stores in memory for
//! tests.

use super::*;

/// How long to wait for a ledger another process has open, and whom to
/// tell that we are waiting (once).
#[derive(Clone, Copy)]
pub struct Wait<'a> {
    /// The longest wait.
    pub timeout: std::time::Duration,
    /// Called once, when the wait begins.
    pub notify: &'a dyn Fn(&Path),
    /// First ask a server holding the ledger to lend it for a turn
    /// (`turn.rs`); a server reopening its own ledger does not.
    pub ask_holder: bool,
}

impl std::fmt::Debug for Wait<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Wait({:?})", self.timeout)
    }
}

pub(super) fn sync_dir(dir: &Path) -> Result<()> {
    #[cfg(unix)]
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| Error::io(dir, e))?;
    Ok(())
}
impl Store {
    /// Open the store in `dir`, creating it when `create` is set. Fails with
    /// [`Error::InUse`] at once when another process holds it.
    pub fn open(dir: &Path, create: bool) -> Result<Store> {
        Store::open_waiting(dir, create, None)
    }

    /// A new, empty store in memory (no lock, no disk): for tests and
    /// throw-away ledgers. Same layout and checks as a store on disk.
    pub fn memory() -> Store {
        Store {
            dir: PathBuf::from("(in memory)"),
            engine: Box::new(MemoryEngine::default()),
            _lock: None,
            layout: std::sync::atomic::AtomicU8::new(Layout::CURRENT as u8),
            event_keys: EventKeys::CURRENT,
            _turn: None,
        }
    }

    /// A store in memory whose `n`-th commit from the moment `n` is stored
    /// in the handle fails, writing nothing (tests of a failed commit).
    #[cfg(test)]
    pub(crate) fn memory_failing() -> (Store, std::sync::Arc<std::sync::atomic::AtomicU64>) {
        let engine = MemoryEngine::default();
        let handle = engine.fail_in.clone();
        let store = Store {
            engine: Box::new(engine),
            ..Store::memory()
        };
        (store, handle)
    }

    /// A store in memory that keys its events as `keys` (tests of the
    /// older keying).
    #[cfg(test)]
    pub(crate) fn memory_keyed(keys: EventKeys) -> Store {
        Store {
            event_keys: keys,
            ..Store::memory()
        }
    }

    /// A store in memory whose look-ups have `layout` (tests of the older
    /// layouts).
    #[cfg(test)]
    pub(crate) fn memory_in(layout: Layout) -> Store {
        let store = Store::memory();
        store.set_layout(layout);
        store
    }

    /// Like [`Store::open`], but while another process holds the ledger,
    /// wait for it up to `wait.timeout` (polling, with a growing pause),
    /// then fail with [`Error::InUse`]. Only one process has a ledger open at
    /// a time, and commands hold it for as long as they run, so readers
    /// beside a writer take turns rather than fail.
    pub fn open_waiting(dir: &Path, create: bool, wait: Option<Wait<'_>>) -> Result<Store> {
        let start = std::time::Instant::now();
        let mut pause = std::time::Duration::from_millis(2);
        let mut told = false;
        let mut turn = None;
        let mut asked = false;
        loop {
            match Store::open_once(dir, create) {
                Err(Error::InUse { path }) => {
                    if !asked && wait.is_some_and(|w| w.ask_holder) {
                        asked = true;
                        turn = turn::ask(dir);
                        if turn.is_some() {
                            continue;
                        }
                    }
                    let Some(w) = wait.filter(|w| start.elapsed() < w.timeout) else {
                        return Err(Error::InUse { path });
                    };
                    if !told {
                        (w.notify)(dir);
                        told = true;
                    }
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(std::time::Duration::from_millis(50));
                }
                Ok(mut store) => {
                    store._turn = turn;
                    return Ok(store);
                }
                other => return other,
            }
        }
    }

    pub(super) fn open_once(dir: &Path, create: bool) -> Result<Store> {
        let store_dir = dir.join("store");
        if !create && !store_dir.is_dir() {
            return Err(Error::Input(format!(
                "no ledger at {} (create one with `sakip init`, or pass --ledger DIR)",
                dir.display()
            )));
        }
        fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        let lock_path = dir.join("LOCK");
        let lock = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| Error::io(&lock_path, e))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => return Err(Error::InUse { path: dir.into() }),
            Err(TryLockError::Error(e)) => return Err(Error::io(&lock_path, e)),
        }
        let engine = sled_engine::SledEngine::open(&store_dir, dir)?;
        if create {
            sync_dir(&store_dir)?;
            sync_dir(dir)?;
        }
        let mut store = Store {
            dir: dir.into(),
            engine: Box::new(engine),
            _lock: Some(lock),
            layout: std::sync::atomic::AtomicU8::new(Layout::CURRENT as u8),
            event_keys: EventKeys::CURRENT,
            _turn: None,
        };
        if let Some(format) = store.meta(FORMAT_KEY)? {
            if format != [codec::FORMAT_VERSION] {
                return Err(Error::Integrity {
                    seq: None,
                    reason: format!(
                        "the store has format {:?}, this build reads {}",
                        format,
                        codec::FORMAT_VERSION
                    ),
                });
            }
        }
        let has_head = store.head()?.is_some();
        let layout = Layout::from_marker(store.meta(LOOKUPS_KEY)?.as_deref(), has_head)?;
        store.set_layout(layout);
        store.event_keys = EventKeys::from_marker(store.meta(EVENTS_KEY)?.as_deref(), has_head)?;
        mark::check(&store)?;
        Ok(store)
    }
}
