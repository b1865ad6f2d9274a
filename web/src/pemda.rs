//! A pemda root: every OPD ledger of a directory served under
//! `/opd/NAME/`, each with its own keys, sessions and chain, and one page
//! at `/` where the pemda's readers (Bappeda, Inspektorat, Bagian
//! Organisasi; their public keys listed in `ROOT/pembaca-pemda.txt`) see
//! every OPD side by side at the same point on both time axes.

use crate::app::{lock, App, WebError};
use crate::auth::{cookie_value, parse_key, Client, SignIn};
use crate::gate::{token, SESSION_SECS};
use crate::pages::{render, Layout};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use sakip::period::Quarter;
use sakip::{numfmt, Clock, PublicKey};
use serde::Deserialize;
use serde_json::json;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// The pemda session cookie (OPD sessions use their own, scoped to their
/// path).
pub const PEMDA_COOKIE: &str = "sakip_pemda";
/// The file that lists the pemda readers' public keys, one per line in
/// hex (`#` starts a comment).
pub const READERS_FILE: &str = "pembaca-pemda.txt";

/// One OPD of the root.
pub struct Opd {
    /// Its directory name, the path segment of its pages.
    pub slug: String,
    /// Its application.
    pub app: Arc<App>,
}

/// The pemda root.
pub struct Pemda {
    name: String,
    opds: Vec<Opd>,
    readers: Vec<PublicKey>,
    clock: Arc<dyn Clock>,
    secure_cookies: bool,
    gate: crate::gate::Gate,
    sessions: Mutex<HashMap<String, (PublicKey, i64)>>,
}

impl Pemda {
    /// A root named `name` over `opds`, readable by `readers`.
    pub fn new(
        name: String,
        opds: Vec<Opd>,
        readers: Vec<PublicKey>,
        clock: Arc<dyn Clock>,
        secure_cookies: bool,
    ) -> Arc<Pemda> {
        Arc::new(Pemda {
            gate: crate::gate::Gate::new(format!("pemda:{name}")),
            name,
            opds,
            readers,
            clock,
            secure_cookies,
            sessions: Mutex::new(HashMap::new()),
        })
    }

    fn now(&self) -> i64 {
        self.clock.wall().timestamp_micros()
    }

    fn reader(&self, headers: &HeaderMap) -> Option<PublicKey> {
        let token = cookie_value(headers, PEMDA_COOKIE)?;
        let now = self.now();
        let mut sessions = lock(&self.sessions);
        match sessions.get(&token) {
            Some((key, expires)) if *expires > now && self.readers.contains(key) => Some(*key),
            Some(_) => {
                sessions.remove(&token);
                None
            }
            None => None,
        }
    }
}

/// Parse a readers file: one hex public key per line, `#` comments.
pub fn parse_readers(text: &str) -> sakip::Result<Vec<PublicKey>> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        out.push(parse_key(line).ok_or_else(|| {
            sakip::Error::Input(format!("{READERS_FILE}:{}: not a 64-hex-digit public key", n + 1))
        })?);
    }
    Ok(out)
}

/// Whether `name` may name an OPD under a root: it becomes a path segment
/// (`/opd/NAME/`), a route and a cookie's `Path`, so only 1 to 64 of
/// `A-Z a-z 0-9 - _ .`, not starting with `.` (no `{`, `;`, `%` or `/`).
pub fn is_safe_slug(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// The routes of a root: the pemda page and sign-in at `/`, each OPD under
/// `/opd/NAME/`.
pub fn router(pemda: Arc<Pemda>) -> Router {
    let mut r = Router::new()
        .route("/", get(page))
        .route_layer(axum::middleware::from_fn(crate::off_workers))
        .route("/masuk", get(sign_in_page))
        .route("/aset/{name}", get(crate::assets::asset))
        .route("/api/tantangan", post(challenge))
        .route("/api/masuk", post(sign_in))
        .with_state(pemda.clone());
    for opd in &pemda.opds {
        assert!(is_safe_slug(&opd.slug), "an OPD name checked at start-up");
        // The OPD's dashboard answers with and without the trailing slash.
        r = r
            .route(
                &format!("/opd/{}/", opd.slug),
                get(crate::pages::dashboard)
                    .with_state(opd.app.clone())
                    .route_layer(axum::middleware::from_fn(crate::off_workers)),
            )
            .nest(&format!("/opd/{}", opd.slug), crate::routes(opd.app.clone()));
    }
    crate::secured(r)
}

fn layout(p: &Pemda, signed_in: bool) -> Layout {
    Layout {
        base: String::new(),
        pemda: signed_in,
        agency: format!("Pemda: {}", p.name),
        signed_in,
        user: String::new(),
        csrf: String::new(),
        admin: false,
        operator: false,
        approver: false,
    }
}

#[derive(Template)]
#[template(path = "masuk.html")]
struct SignInPage {
    layout: Layout,
    origin: String,
}

async fn sign_in_page(State(p): State<Arc<Pemda>>) -> Response {
    render(SignInPage {
        layout: layout(&p, false),
        origin: p.gate.origin().to_string(),
    })
}

async fn challenge(State(p): State<Arc<Pemda>>, client: Client) -> Result<Json<serde_json::Value>, WebError> {
    p.gate.challenge(p.now(), client)
}

async fn sign_in(
    State(p): State<Arc<Pemda>>,
    client: Client,
    Json(req): Json<SignIn>,
) -> Result<Response, WebError> {
    let now = p.now();
    let key = p.gate.signed_by(now, client, &req)?;
    if !p.readers.contains(&key) {
        p.gate.failed(now, client);
        return Err(WebError::new(
            StatusCode::FORBIDDEN,
            format!("kunci {} bukan pembaca pemda ({READERS_FILE})", key.key_id()),
        ));
    }
    let t = token();
    lock(&p.sessions).insert(t.clone(), (key, now + SESSION_SECS * 1_000_000));
    let cookie = format!(
        "{PEMDA_COOKIE}={t}; HttpOnly; SameSite=Strict; Path=/; Max-Age={SESSION_SECS}{}",
        if p.secure_cookies { "; Secure" } else { "" }
    );
    Ok(([(header::SET_COOKIE, cookie)], Json(json!({"ok": true}))).into_response())
}

/// One OPD on the pemda page.
pub struct OpdRow {
    slug: String,
    name: String,
    iku: String,
    predikat: String,
    class: &'static str,
    serapan: String,
    pending: usize,
    events: u64,
    checkpoint: String,
    error: String,
}

#[derive(Template)]
#[template(path = "pemda.html")]
struct PemdaPage {
    layout: Layout,
    year: u16,
    as_of: u8,
    as_of_roman: &'static str,
    quarters: Vec<(u8, &'static str)>,
    known_at: String,
    rows: Vec<OpdRow>,
}

/// The page's query.
#[derive(Deserialize, Default)]
pub struct PemdaQuery {
    tahun: Option<u16>,
    tw: Option<u8>,
    diketahui: Option<String>,
}

async fn page(State(p): State<Arc<Pemda>>, headers: HeaderMap, Query(q): Query<PemdaQuery>) -> Response {
    if p.reader(&headers).is_none() {
        return Redirect::to("/masuk").into_response();
    }
    let as_of = q.tw.and_then(Quarter::new).unwrap_or(Quarter::LAST);
    let mut year = q.tahun;
    let mut rows = Vec::new();
    for opd in &p.opds {
        let ledger = opd.app.ledger();
        let y = match year {
            Some(y) => y,
            None => {
                let y = sakip::service::entries::default_year(&ledger).unwrap_or_default();
                year = Some(y);
                y
            }
        };
        let point = crate::pages::time_point(y, as_of, q.diketahui.as_deref(), false);
        let mut row = OpdRow {
            slug: opd.slug.clone(),
            name: opd.app.agency.clone(),
            iku: "-".into(),
            predikat: String::new(),
            class: "",
            serapan: "-".into(),
            pending: ledger.pending_approvals().map(|p| p.len()).unwrap_or(0),
            events: ledger.head().count,
            // The kept text is a cache: shown only once the ledger is
            // checked to extend it (signers, root, consistency proof).
            checkpoint: match ledger.kept_checkpoint() {
                Ok(Some(text)) => match sakip::checkpoint::Checkpoint::parse(&text) {
                    Ok(c) => match ledger.check_extends(&c) {
                        Ok(_) => format!("{} peristiwa", c.size),
                        Err(e) => format!("tidak cocok dengan ledger: {e}"),
                    },
                    Err(_) => "tidak terbaca".into(),
                },
                Ok(None) => "belum ada".into(),
                Err(e) => e.to_string(),
            },
            error: String::new(),
        };
        match sakip::service::status::status(&ledger, &point, true) {
            Ok(view) => {
                if let Some(m) = &view.iku_mean {
                    row.iku = numfmt::percent(m.mean);
                    row.predikat = m.predikat.label().into();
                    row.class = crate::pages::predikat_class(Some(m.predikat));
                }
                if let Some(b) = &view.budget {
                    row.serapan = sakip::scoring::serapan(b.spent, b.pagu)
                        .map(numfmt::percent)
                        .unwrap_or_else(|| "-".into());
                }
            }
            Err(e) => row.error = e.to_string(),
        }
        rows.push(row);
    }
    render(PemdaPage {
        layout: layout(&p, true),
        // No OPD to ask: the year it is now.
        year: year
            .unwrap_or_else(|| u16::try_from(chrono::Datelike::year(&p.clock.wall())).unwrap_or_default()),
        as_of: as_of.number(),
        as_of_roman: as_of.roman(),
        quarters: Quarter::ALL.iter().map(|q| (q.number(), q.roman())).collect(),
        known_at: q.diketahui.unwrap_or_default(),
        rows,
    })
}
