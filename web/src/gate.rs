//! The sign-in gate: challenges outstanding and failed sign-ins, with the
//! limits on what unauthenticated clients can make the server hold or do,
//! every one counted per client address (`docs/security.md`, "Limits").

use crate::error::WebError;
use crate::sync::lock;
use crate::tls::ClientAddr;
use axum::extract::connect_info::ConnectInfo;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::Json;
use base64::Engine;
use sakip::PublicKey;
use serde::Deserialize;
use serde_json::json;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

/// The domain tag of sign-in messages.
pub const SIGN_IN_DOMAIN: &[u8] = b"sakip/sign-in/v1\0";

pub(crate) fn b64() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::STANDARD
}

/// The message a browser signs to sign in with `nonce` at `origin`.
pub fn sign_in_message(origin: &str, nonce: &str) -> Vec<u8> {
    let mut m = SIGN_IN_DOMAIN.to_vec();
    m.extend_from_slice(origin.as_bytes());
    m.push(b'\n');
    m.extend_from_slice(nonce.as_bytes());
    m
}

/// A public key from 64 hex digits.
pub fn parse_key(text: &str) -> Option<PublicKey> {
    let bytes: [u8; 32] = hex::decode(text.trim()).ok()?.try_into().ok()?;
    Some(PublicKey(bytes))
}

/// How long a session lasts, in seconds (a working day).
pub const SESSION_SECS: i64 = 8 * 3600;
/// How long a sign-in challenge or a prepared event waits, in seconds.
pub const PENDING_SECS: i64 = 10 * 60;
/// Most challenges outstanding at once: a bound on what unauthenticated
/// clients can make the server hold (about 10 MiB). At the bound the
/// oldest is dropped, so a flood from many addresses costs a user at
/// most a second try, never a refusal.
pub const MAX_CHALLENGES: usize = 50_000;
/// Most challenges outstanding for one client address.
pub const MAX_CHALLENGES_PER_CLIENT: usize = 20;
/// Failed sign-ins accepted per minute from one client address before the
/// server answers it 429 for the rest of that minute.
pub const MAX_FAILED_PER_CLIENT: u32 = 10;

/// 32 random bytes as hex: session tokens, CSRF tokens, ids.
pub(crate) fn token() -> String {
    let mut b = [0u8; 32];
    rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut b);
    hex::encode(b)
}

/// The client a request came from, when the server knows it (a request
/// made in process has none; all such count as one client).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Client(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for Client {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Client, Self::Rejection> {
        Ok(Client(
            parts
                .extensions
                .get::<ConnectInfo<ClientAddr>>()
                .map(|c| crate::conn::bucket(c.0 .0)),
        ))
    }
}

/// What the browser sends to sign in.
#[derive(Deserialize)]
pub struct SignIn {
    /// The public key, 64 hex digits.
    pub kunci: String,
    /// The nonce of the challenge.
    pub nonce: String,
    /// The signature of the challenge's message, base64.
    pub tanda_tangan: String,
}

/// Failed sign-ins in the current minute, per client.
#[derive(Default)]
struct Failed {
    minute: i64,
    by_client: HashMap<Client, u32>,
}

/// Outstanding challenges, oldest first, with a count per client.
#[derive(Default)]
struct Challenges {
    by_nonce: HashMap<String, (i64, Client)>,
    order: std::collections::VecDeque<String>,
    by_client: HashMap<Client, usize>,
}

impl Challenges {
    fn forget(&mut self, nonce: &str) -> Option<(i64, Client)> {
        let gone = self.by_nonce.remove(nonce)?;
        if let Some(n) = self.by_client.get_mut(&gone.1) {
            *n -= 1;
            if *n == 0 {
                self.by_client.remove(&gone.1);
            }
        }
        Some(gone)
    }

    /// Drop the expired from the front, and the oldest while there are
    /// `max` or more.
    fn trim(&mut self, now: i64, max: usize) {
        // Nonces used up by a sign-in stay in the order until they reach
        // its front; keep the order itself bounded too.
        if self.order.len() > 2 * max {
            let live = &self.by_nonce;
            self.order.retain(|n| live.contains_key(n));
        }
        while let Some(front) = self.order.front() {
            match self.by_nonce.get(front) {
                Some((expires, _)) if *expires > now && self.by_nonce.len() < max => break,
                _ => {
                    let nonce = self.order.pop_front().unwrap_or_default();
                    self.forget(&nonce);
                }
            }
        }
    }
}

/// Sign-in challenges for one origin (a ledger, or a pemda), with the
/// limits on what unauthenticated clients can make the server do. Every
/// limit is per client address (IPv6 by its /64), so that no number of
/// addresses can lock out a user at another: the challenges held in all
/// are bounded by dropping the oldest, not by refusing new ones.
pub(crate) struct Gate {
    origin: String,
    challenges: Mutex<Challenges>,
    failed: Mutex<Failed>,
}

fn too_many(message: &str) -> WebError {
    WebError::new(StatusCode::TOO_MANY_REQUESTS, message)
}

impl Gate {
    pub(crate) fn new(origin: String) -> Gate {
        Gate {
            origin,
            challenges: Mutex::new(Challenges::default()),
            failed: Mutex::new(Failed::default()),
        }
    }

    pub(crate) fn origin(&self) -> &str {
        &self.origin
    }

    /// A fresh nonce and the message to sign, or 429 when this client has
    /// too many outstanding or failed too often this minute.
    pub(crate) fn challenge(&self, now: i64, client: Client) -> Result<Json<serde_json::Value>, WebError> {
        self.refuse_if_blocked(now, client)?;
        let nonce = token();
        {
            let mut c = lock(&self.challenges);
            c.trim(now, MAX_CHALLENGES);
            let mine = c.by_client.get(&client).copied().unwrap_or(0);
            if mine >= MAX_CHALLENGES_PER_CLIENT {
                return Err(too_many(
                    "terlalu banyak permintaan masuk; coba lagi sebentar lagi",
                ));
            }
            c.by_nonce
                .insert(nonce.clone(), (now + PENDING_SECS * 1_000_000, client));
            c.order.push_back(nonce.clone());
            *c.by_client.entry(client).or_insert(0) += 1;
        }
        Ok(Json(json!({
            "nonce": nonce,
            "pesan": b64().encode(sign_in_message(&self.origin, &nonce)),
        })))
    }

    /// 429 while this client is over the limit of failed sign-ins this
    /// minute.
    fn refuse_if_blocked(&self, now: i64, client: Client) -> Result<(), WebError> {
        let mut f = lock(&self.failed);
        let minute = now / 60_000_000;
        if f.minute != minute {
            *f = Failed {
                minute,
                ..Failed::default()
            };
        }
        let mine = f.by_client.get(&client).copied().unwrap_or(0);
        if mine >= MAX_FAILED_PER_CLIENT {
            return Err(too_many(
                "terlalu banyak percobaan masuk yang gagal; coba lagi dalam satu menit",
            ));
        }
        Ok(())
    }

    /// Count a failed sign-in of `client`.
    pub(crate) fn failed(&self, now: i64, client: Client) {
        let mut f = lock(&self.failed);
        let minute = now / 60_000_000;
        if f.minute != minute {
            *f = Failed {
                minute,
                ..Failed::default()
            };
        }
        *f.by_client.entry(client).or_insert(0) += 1;
    }

    /// The key that signed a fresh challenge; the nonce is used up either
    /// way. Whether that key may sign in is the caller's to decide (and to
    /// count with [`Gate::failed`] when not).
    pub(crate) fn signed_by(&self, now: i64, client: Client, req: &SignIn) -> Result<PublicKey, WebError> {
        self.refuse_if_blocked(now, client)?;
        let fresh = lock(&self.challenges)
            .forget(&req.nonce)
            .is_some_and(|(expires, _)| expires > now);
        let key = parse_key(&req.kunci);
        let signature = b64()
            .decode(req.tanda_tangan.trim())
            .ok()
            .and_then(|b| <[u8; 64]>::try_from(b).ok());
        let (Some(key), Some(signature), true) = (key, signature, fresh) else {
            self.failed(now, client);
            return Err(WebError::new(
                StatusCode::UNAUTHORIZED,
                "tantangan masuk tidak dikenal, kedaluwarsa atau sudah dipakai; muat ulang halaman",
            ));
        };
        let message = sign_in_message(&self.origin, &req.nonce);
        if sakip::keys::verify_strict(&key, &message, &signature).is_err() {
            self.failed(now, client);
            return Err(WebError::new(
                StatusCode::UNAUTHORIZED,
                "tanda tangan masuk tidak sah",
            ));
        }
        Ok(key)
    }
}
