//! Sign-in by challenge and response, sessions, and the CSRF check.
//!
//! The browser asks for a challenge, signs the message the server returns
//! (`sakip/sign-in/v1`, NUL, the ledger's origin, a newline, a fresh
//! 32-byte nonce in hex) with its Ed25519 key, and sends the signature
//! back. The domain tag differs from an event's (`sakip/event-signature/v1`)
//! and from a checkpoint note's form, so a sign-in signature is never a
//! valid signature of anything else. A nonce is used once and expires.

use crate::app::{App, Session};
use crate::error::WebError;
pub(crate) use crate::gate::b64;
pub use crate::gate::{parse_key, Client, SignIn};
use crate::gate::{token, SESSION_SECS};
use crate::sync::lock;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;
use std::sync::Arc;

/// The cookie that carries the session token.
pub const COOKIE: &str = "sakip_sesi";
/// The header that carries the CSRF token.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// `POST /api/tantangan`: a fresh nonce and the message to sign.
pub async fn challenge(
    State(app): State<Arc<App>>,
    client: Client,
) -> Result<Json<serde_json::Value>, WebError> {
    app.gate.challenge(app.now(), client)
}

/// `POST /api/masuk`: check the signed challenge and start a session.
pub async fn sign_in(
    State(app): State<Arc<App>>,
    client: Client,
    Json(req): Json<SignIn>,
) -> Result<Response, WebError> {
    let now = app.now();
    let key = app.gate.signed_by(now, client, &req)?;
    let Some(roles) = app.roles(&key) else {
        app.gate.failed(now, client);
        return Err(WebError::new(
            StatusCode::FORBIDDEN,
            format!(
                "kunci {} tidak terdaftar (atau sudah dicabut) di ledger ini; minta admin mendaftarkannya",
                key.key_id()
            ),
        ));
    };
    let session_token = token();
    let csrf = token();
    lock(&app.sessions).insert(
        session_token.clone(),
        Session {
            key,
            csrf,
            expires: now + SESSION_SECS * 1_000_000,
        },
    );
    let cookie = format!(
        "{COOKIE}={session_token}; HttpOnly; SameSite=Strict; Path={}; Max-Age={SESSION_SECS}{}",
        cookie_path(&app.config.base),
        if app.config.secure_cookies { "; Secure" } else { "" }
    );
    let body = Json(json!({
        "nama": app.holder(&key),
        "peran": roles.iter().map(|r| r.name()).collect::<Vec<_>>(),
    }));
    Ok(([(header::SET_COOKIE, cookie)], body).into_response())
}

/// `POST /api/keluar`: end the session.
pub async fn sign_out(State(app): State<Arc<App>>, headers: HeaderMap) -> Result<Response, WebError> {
    let (token, _) = require(&app, &headers, true)?;
    lock(&app.sessions).remove(&token);
    let cookie = format!(
        "{COOKIE}=; HttpOnly; SameSite=Strict; Path={}; Max-Age=0",
        cookie_path(&app.config.base)
    );
    Ok(([(header::SET_COOKIE, cookie)], Json(json!({"ok": true}))).into_response())
}

/// The `Path` of a session cookie for pages under `base`: `/opd/x` is
/// sent to `/opd/x` and `/opd/x/...`, never to `/opd/xy` or `/`.
pub(crate) fn cookie_path(base: &str) -> String {
    if base.is_empty() {
        "/".into()
    } else {
        base.to_string()
    }
}

/// The value of cookie `name` in a request.
pub(crate) fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| c.trim().strip_prefix(&format!("{name}=")).map(str::to_string))
}

fn cookie_token(headers: &HeaderMap) -> Option<String> {
    cookie_value(headers, COOKIE)
}

/// The session of a request, if it has a live one whose key is still an
/// active key of the ledger.
pub fn session(app: &App, headers: &HeaderMap) -> Option<(String, Session)> {
    let token = cookie_token(headers)?;
    let now = app.now();
    let mut sessions = lock(&app.sessions);
    let s = sessions.get(&token)?.clone();
    if s.expires <= now || app.roles(&s.key).is_none() {
        sessions.remove(&token);
        return None;
    }
    Some((token, s))
}

/// The session of a request, or 401; with `csrf`, the request must carry
/// the session's CSRF token in `X-CSRF-Token`, or 403.
pub fn require(app: &App, headers: &HeaderMap, csrf: bool) -> Result<(String, Session), WebError> {
    let (token, s) = session(app, headers).ok_or_else(|| {
        WebError::new(
            StatusCode::UNAUTHORIZED,
            "belum masuk, atau sesi sudah berakhir; masuk lagi",
        )
    })?;
    if csrf {
        let given = headers
            .get(CSRF_HEADER)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if !constant_eq(given.as_bytes(), s.csrf.as_bytes()) {
            return Err(WebError::new(
                StatusCode::FORBIDDEN,
                "permintaan ditolak: token CSRF tidak ada atau salah; muat ulang halaman",
            ));
        }
    }
    Ok((token, s))
}

fn constant_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
