//! The server's state: the ledger it holds open, sign-in challenges,
//! sessions, and events prepared for a browser to sign.

pub use crate::error::WebError;
pub(crate) use crate::sync::lock;
use axum::http::StatusCode;
use sakip::checkpoint::Checkpoint;
use sakip::event::Role;
use sakip::{Clock, Ledger, Prepared, PreparedBatch, PublicKey};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

/// How the server is set up.
#[derive(Clone, Debug)]
pub struct Config {
    /// Mark cookies `Secure` (the server is reached over HTTPS, directly or
    /// through a reverse proxy).
    pub secure_cookies: bool,
    /// The path the ledger's pages live under: `""` for a server of one
    /// ledger, `/opd/NAME` under a pemda root. Links, the script's
    /// requests and the session cookie's `Path` use it.
    pub base: String,
}

/// A signed-in user.
#[derive(Clone, Debug)]
pub struct Session {
    /// The key that signed in.
    pub key: PublicKey,
    /// The token every state-changing request must carry (`X-CSRF-Token`).
    pub csrf: String,
    /// When it ends (µs since the epoch).
    pub expires: i64,
}

/// Something prepared for a browser to sign.
#[derive(Clone, Debug)]
pub enum ToSign {
    /// An event.
    Event(Box<Prepared>),
    /// A checkpoint of the ledger.
    Checkpoint(Checkpoint),
    /// The rows of a file, signed one after another.
    Batch(Box<PreparedBatch>),
}

impl ToSign {
    /// About how many bytes it holds in the server's memory.
    pub fn held_bytes(&self) -> usize {
        match self {
            ToSign::Event(p) => 512 + 2 * p.body.len(),
            ToSign::Checkpoint(_) => 1_024,
            ToSign::Batch(b) => b.held_bytes(),
        }
    }
}

/// One prepared item, bound to the session that asked for it.
#[derive(Clone, Debug)]
pub struct Pending {
    /// What is to be signed.
    pub item: ToSign,
    /// The key that must sign it (the session's).
    pub key: PublicKey,
    /// The session that prepared it.
    pub session: String,
    /// Until when it may be submitted.
    pub expires: i64,
    /// [`ToSign::held_bytes`], counted once.
    pub bytes: usize,
}

/// Most items one session may hold prepared; preparing one more drops its
/// oldest (a tab left open cannot make the server hold more).
pub const MAX_PENDING_PER_SESSION: usize = 8;
/// Most bytes one session's prepared items may hold (four uploads of the
/// largest size); preparing past it drops the session's oldest.
pub const MAX_PENDING_BYTES_PER_SESSION: usize = 16 << 20;
/// Most bytes all prepared items may hold together; past it a prepare is
/// refused (503) until some are submitted or expire.
pub const MAX_PENDING_BYTES: usize = 512 << 20;

/// The application.
pub struct App {
    pub(crate) ledger: Mutex<Ledger>,
    /// The ledger's key registry as of its last change, read without the
    /// ledger's lock: sign-in and the session check go on while a request
    /// or another command's turn holds the ledger.
    keys: std::sync::RwLock<Arc<sakip::authz::Registry>>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) config: Config,
    pub(crate) origin: String,
    pub(crate) agency: String,
    pub(crate) gate: crate::gate::Gate,
    pub(crate) sessions: Mutex<HashMap<String, Session>>,
    pub(crate) pending: Mutex<HashMap<String, Pending>>,
    pub(crate) verification: tokio::sync::watch::Sender<crate::run::Run>,
}

impl App {
    /// An application over an open ledger.
    pub fn new(ledger: Ledger, clock: Arc<dyn Clock>, config: Config) -> sakip::Result<Arc<App>> {
        let origin = ledger.origin()?;
        let agency = ledger.genesis()?.agency_name;
        Ok(Arc::new(App {
            keys: std::sync::RwLock::new(Arc::new(ledger.registry().clone())),
            ledger: Mutex::new(ledger),
            clock,
            config,
            gate: crate::gate::Gate::new(origin.clone()),
            origin,
            agency,
            sessions: Mutex::new(HashMap::new()),
            pending: Mutex::new(HashMap::new()),
            verification: tokio::sync::watch::Sender::new(Default::default()),
        }))
    }

    /// Let `sakip` commands on the same ledger take turns with this
    /// server (`sakip::store::turn`): on request the server closes the
    /// ledger, waits while the command runs (its own requests wait for the
    /// ledger meanwhile), then opens it again and reads the head and
    /// registry afresh. Returns the socket's path.
    pub fn lend_turns(app: &Arc<App>) -> std::io::Result<std::path::PathBuf> {
        let dir = app.ledger().store().dir().to_path_buf();
        let weak = Arc::downgrade(app);
        sakip::store::turn::lend_on_request(&dir, move |borrower| {
            let Some(app) = weak.upgrade() else {
                return;
            };
            let mut ledger = app.ledger();
            let dir = ledger.release();
            borrower.hand_over();
            while let Err(e) = ledger.reopen(&dir, std::time::Duration::from_secs(60)) {
                eprintln!(
                    "sakip serve: cannot open {} again after another command's turn: {e}; trying again",
                    dir.display()
                );
            }
        })
    }

    /// Run `f` with the ledger held, as a request does (for tasks beside
    /// the requests, such as scheduled checkpoints, and for tests).
    pub fn with_ledger<R>(&self, f: impl FnOnce(&mut Ledger) -> R) -> R {
        f(&mut self.ledger())
    }

    /// The ledger back, once the server is done with the application.
    pub fn into_ledger(self) -> Ledger {
        self.ledger.into_inner().unwrap_or_else(|p| p.into_inner())
    }

    /// The ledger, for one request. When the guard goes, a registry that
    /// changed meanwhile (a key added or revoked, here or in another
    /// command's turn) is copied for [`App::roles`].
    pub(crate) fn ledger(&self) -> LedgerGuard<'_> {
        LedgerGuard {
            guard: lock(&self.ledger),
            keys: &self.keys,
        }
    }

    fn keys(&self) -> Arc<sakip::authz::Registry> {
        self.keys.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Now, µs since the epoch (the injected clock's wall time).
    pub(crate) fn now(&self) -> i64 {
        self.clock.wall().timestamp_micros()
    }

    /// The roles `key` holds now, if it is an active key of the ledger.
    pub(crate) fn roles(&self, key: &PublicKey) -> Option<Vec<Role>> {
        let keys = self.keys();
        let state = keys.get(key)?;
        state.revoked_seq.is_none().then(|| state.roles.clone())
    }

    /// The ledger's head now.
    pub fn head(&self) -> sakip::store::Head {
        self.ledger().head()
    }

    /// One event of the ledger (for tests and diagnostics).
    pub fn event(&self, seq: u64) -> sakip::Result<Option<sakip::StoredEvent>> {
        self.ledger().event(seq)
    }

    /// A report as `sakip report` renders it at head (for tests).
    pub fn render_report(
        &self,
        kind: &str,
        year: u16,
        quarter: u8,
        format: sakip_report::ReportFormat,
    ) -> sakip::Result<Vec<u8>> {
        let ledger = self.ledger();
        let point = sakip::service::time::TimePoint {
            year,
            as_of: Some(format!("{year}-Q{quarter}")),
            known_at: sakip::service::time::KnownAt::Head,
            approved_only: false,
        };
        let kind = sakip_report::service::kind_named(kind)?;
        let params = sakip_report::service::params(&ledger, kind, &point, format)?;
        Ok(sakip_report::service::render(&ledger, params)?.1)
    }

    /// Wait until no verification is running, and return the last one's
    /// state (for tests and a shutdown that lets one finish).
    pub async fn verification_done(&self) -> crate::run::Run {
        let mut rx = self.verification.subscribe();
        let done = rx.wait_for(|r| !r.berjalan).await.map(|r| r.clone());
        done.unwrap_or_default()
    }

    /// Keep `pending` under `id` for its session, within the limits: the
    /// expired go first, then the session's oldest while it holds too
    /// many; 503 when all sessions together hold too much.
    pub(crate) fn hold(&self, id: String, pending: Pending) -> Result<(), WebError> {
        let now = self.now();
        let mut all = lock(&self.pending);
        all.retain(|_, p| p.expires > now);
        loop {
            let mine: Vec<(&String, &Pending)> =
                all.iter().filter(|(_, p)| p.session == pending.session).collect();
            let bytes: usize = mine.iter().map(|(_, p)| p.bytes).sum();
            if mine.len() < MAX_PENDING_PER_SESSION && bytes + pending.bytes <= MAX_PENDING_BYTES_PER_SESSION
            {
                break;
            }
            let Some(oldest) = mine
                .iter()
                .min_by_key(|(_, p)| p.expires)
                .map(|(id, _)| (*id).clone())
            else {
                break;
            };
            all.remove(&oldest);
        }
        let total: usize = all.values().map(|p| p.bytes).sum();
        if total + pending.bytes > MAX_PENDING_BYTES {
            return Err(WebError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "server sedang menampung terlalu banyak yang belum ditandatangani; coba lagi sebentar lagi",
            ));
        }
        all.insert(id, pending);
        Ok(())
    }

    /// The holder's name of `key`.
    pub(crate) fn holder(&self, key: &PublicKey) -> String {
        match self.keys().get(key) {
            Some(state) => state.holder.name.clone(),
            None => format!("unknown key {}", key.key_id()),
        }
    }
}

/// The ledger held for one request ([`App::ledger`]).
pub(crate) struct LedgerGuard<'a> {
    guard: MutexGuard<'a, Ledger>,
    keys: &'a std::sync::RwLock<Arc<sakip::authz::Registry>>,
}

impl std::ops::Deref for LedgerGuard<'_> {
    type Target = Ledger;
    fn deref(&self) -> &Ledger {
        &self.guard
    }
}

impl std::ops::DerefMut for LedgerGuard<'_> {
    fn deref_mut(&mut self) -> &mut Ledger {
        &mut self.guard
    }
}

impl Drop for LedgerGuard<'_> {
    fn drop(&mut self) {
        let now = self.guard.registry();
        let stale = **self.keys.read().unwrap_or_else(|p| p.into_inner()) != *now;
        if stale {
            *self.keys.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(now.clone());
        }
    }
}
