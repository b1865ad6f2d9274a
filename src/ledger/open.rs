//! Creating and opening a ledger: the lock, the head, the key registry
//! replayed and checked against the stored one.

use super::*;

impl Ledger {
    /// Create a ledger in `dir` with its genesis event, signed by `admin`.
    /// The published example keys are refused: anyone can sign as them.
    pub fn init(dir: &Path, clock: Arc<dyn Clock>, admin: &KeyPair, genesis: Genesis) -> Result<Ledger> {
        refuse_example_admin(admin)?;
        Ledger::init_demo(dir, clock, admin, genesis)
    }

    /// Create a ledger that may be signed by the published example keys:
    /// the demo, and nothing else.
    pub fn init_demo(dir: &Path, clock: Arc<dyn Clock>, admin: &KeyPair, genesis: Genesis) -> Result<Ledger> {
        Ledger::init_demo_in(Store::open(dir, true)?, clock, admin, genesis)
    }

    /// Create a ledger in memory (nothing on disk; gone when dropped), with
    /// the same rules as [`Ledger::init`]: for tests and throw-away work.
    pub fn init_in_memory(clock: Arc<dyn Clock>, admin: &KeyPair, genesis: Genesis) -> Result<Ledger> {
        refuse_example_admin(admin)?;
        Ledger::init_demo_in(Store::memory(), clock, admin, genesis)
    }

    /// Create a demo ledger (one that accepts the published example keys)
    /// in memory.
    pub fn init_demo_in_memory(clock: Arc<dyn Clock>, admin: &KeyPair, genesis: Genesis) -> Result<Ledger> {
        Ledger::init_demo_in(Store::memory(), clock, admin, genesis)
    }

    pub(crate) fn init_demo_in(
        store: Store,
        clock: Arc<dyn Clock>,
        admin: &KeyPair,
        genesis: Genesis,
    ) -> Result<Ledger> {
        let dir = store.dir().to_path_buf();
        if genesis.nonce.is_none() {
            return Err(Error::Input(
                "a new ledger's genesis carries a nonce (32 random bytes), so that it is no other ledger"
                    .into(),
            ));
        }
        if store.head()?.is_some() {
            return Err(Error::Input(format!(
                "a ledger already exists at {}",
                dir.display()
            )));
        }
        let mut ledger = Ledger {
            store,
            registry: Registry::default(),
            head: None,
            clock,
            verified: Default::default(),
            years: Default::default(),
            frontier: Default::default(),
        };
        ledger.append(admin, Payload::Genesis(genesis))?;
        Ok(ledger)
    }

    /// Open an existing ledger.
    pub fn open(dir: &Path, clock: Arc<dyn Clock>) -> Result<Ledger> {
        Ledger::open_inner(dir, clock, false)
    }

    /// Open an existing ledger whose projection rebuild was interrupted, to
    /// rebuild it.
    pub fn open_for_rebuild(dir: &Path, clock: Arc<dyn Clock>) -> Result<Ledger> {
        Ledger::open_inner(dir, clock, true)
    }

    pub(super) fn open_inner(dir: &Path, clock: Arc<dyn Clock>, rebuilding: bool) -> Result<Ledger> {
        Ledger::from_store(Store::open(dir, false)?, clock, rebuilding)
    }

    /// Close the store, releasing the ledger directory to another process
    /// (a turn, `store/turn.rs`); until [`Ledger::reopen`] this value is an
    /// empty ledger in memory that answers nothing about the real one.
    pub fn release(&mut self) -> std::path::PathBuf {
        let dir = self.store.dir().to_path_buf();
        self.store = Store::memory();
        self.head = None;
        self.registry = Registry::default();
        // What this process kept of the ledger is no longer known to hold.
        self.verified = Default::default();
        self.years = Default::default();
        dir
    }

    /// Open the ledger in `dir` again after [`Ledger::release`], reading
    /// its head and registry afresh (another process may have appended),
    /// waiting up to `timeout` for its lock.
    pub fn reopen(&mut self, dir: &Path, timeout: std::time::Duration) -> Result<()> {
        let notify = |_: &Path| {};
        let wait = crate::store::Wait {
            timeout,
            notify: &notify,
            ask_holder: false,
        };
        *self = Ledger::open_waiting(dir, self.clock.clone(), wait, false)?;
        Ok(())
    }

    /// Open an existing ledger, waiting while another process has it open
    /// (see [`Store::open_waiting`]); `rebuilding` as in
    /// [`Ledger::open_for_rebuild`].
    pub fn open_waiting(
        dir: &Path,
        clock: Arc<dyn Clock>,
        wait: crate::store::Wait<'_>,
        rebuilding: bool,
    ) -> Result<Ledger> {
        Ledger::from_store(Store::open_waiting(dir, false, Some(wait))?, clock, rebuilding)
    }

    /// A ledger over an open store. sled 0.34 may still hold a closed
    /// database's file lock for a moment, so code that writes a store and
    /// then works on it as a ledger keeps the one open store.
    pub fn from_store(store: Store, clock: Arc<dyn Clock>, rebuilding: bool) -> Result<Ledger> {
        let dir = store.dir().to_path_buf();
        let dir = dir.as_path();
        let head = store.head()?;
        if head.is_none() {
            return Err(Error::Input(format!(
                "{} holds no ledger yet (create one with `sakip init`)",
                dir.display()
            )));
        }
        if !rebuilding && store.rebuild_unfinished()? {
            return Err(Error::Input(format!(
                "the derived indexes of {} were being rebuilt when the process stopped; run `sakip rebuild`",
                dir.display()
            )));
        }
        if !rebuilding && !store.projection_current()? {
            return Err(Error::Input(format!(
                "the projections of {} were built by another version of sakip; run `sakip rebuild`",
                dir.display()
            )));
        }
        let head_now = head.ok_or_else(|| Error::Input("no head".into()))?;
        let registry = if rebuilding {
            // `rebuild_all` replays the registry from all events; the
            // look-ups it would be found through may be what is damaged.
            replay_registry(&store, head_now).unwrap_or_default()
        } else {
            let registry = replay_registry(&store, head_now)?;
            crate::derived::check_key_tree(&store, &registry)?;
            registry
        };
        Ok(Ledger {
            store,
            registry,
            head,
            clock,
            verified: Default::default(),
            years: Default::default(),
            frontier: Default::default(),
        })
    }

    /// The same ledger with another clock (the demo is built with a
    /// stepping clock; a server appends with the machine's).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Ledger {
        self.clock = clock;
        self
    }
}

/// The key registry replayed from the key events (genesis, key added, key
/// revoked), each checked as a verified read is: signed by its author, chained
/// to its successor, authorized. The `keys` tree is only compared with it.
pub(super) fn replay_registry(store: &Store, head: Head) -> Result<Registry> {
    let mut seqs = Vec::new();
    for kind in [Kind::Genesis, Kind::KeyAdded, Kind::KeyRevoked] {
        for seq in store.seqs_of_kind(kind, 0) {
            seqs.push(seq?);
        }
    }
    seqs.sort_unstable();
    if seqs.first() != Some(&0) {
        return Err(Error::integrity(
            0,
            "the kind index names no genesis event; run `sakip verify`",
        ));
    }
    let mut registry = Registry::default();
    for seq in seqs {
        let crate::checked::SoundEvent { author, payload, .. } =
            crate::checked::read_sound(store, head, seq)?;
        if !matches!(payload.kind(), Kind::Genesis | Kind::KeyAdded | Kind::KeyRevoked) {
            return Err(Error::integrity(
                seq,
                "the kind index names this event as a key event; it is not",
            ));
        }
        registry
            .check(seq, &author, &payload, |_| None)
            .map_err(|e| Error::integrity(seq, format!("unauthorized key event: {e}")))?;
        registry.apply(seq, &author, &payload);
    }
    Ok(registry)
}

/// The published example keys may not create a ledger: anyone can sign as
/// them.
pub(super) fn refuse_example_admin(admin: &KeyPair) -> Result<()> {
    if crate::keys::is_example_key(&admin.public()) {
        return Err(Error::Refused(format!(
            "key {} is a published example key (its seed is public, so anyone can sign as it); create a key of your own with `sakip key new`",
            admin.public().key_id()
        )));
    }
    Ok(())
}
