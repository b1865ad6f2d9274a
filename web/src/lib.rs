//! `sakip serve`: the web application in which an agency's staff enter,
//! approve and audit, every event signed in the user's own browser
//! (WebCrypto Ed25519; the server never sees a private key).
//!
//! The server holds one ledger open and works through `sakip::service`
//! exactly as the command line does: a page prepares an event
//! (`service::signing::prepare`, the exact bytes against the current head
//! and what they commit to in plain Indonesian), the browser signs, and the
//! server submits (`service::signing::submit`); a moved head is a 409 and
//! the page prepares again and shows it again. Sign-in is a challenge the
//! browser signs with a domain-separated message; sessions are HttpOnly,
//! SameSite=Strict cookies with a CSRF token that every state-changing
//! request carries in a header. Pages are compiled askama templates
//! (auto-escaped), assets are embedded, and every response carries a strict
//! Content-Security-Policy (no inline script). `docs/security.md`, "The
//! web application", has the threat model.

mod api;
mod app;
mod assets;
mod auth;
mod pages;
pub mod pemda;
pub mod tls;
pub mod verifikasi;
pub mod witness;

pub use app::{App, Config, MAX_FAILED_PER_CLIENT};
pub use axum::Router;

use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderValue};
use axum::routing::{get, post};
use std::sync::Arc;
use tower_http::set_header::SetResponseHeaderLayer;

/// Largest request body accepted: forms and signatures are small.
pub const MAX_BODY: usize = 64 * 1024;

/// Largest request to prepare: an uploaded CSV or plan travels in it.
pub const MAX_UPLOAD: usize = 512 * 1024;

/// The Content-Security-Policy of every response: scripts, styles and
/// connections to this origin only, no inline script, no framing.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The application's routes over `app`, with the security headers.
pub fn router(app: Arc<App>) -> Router {
    secured(routes(app))
}

/// The routes of one ledger, without the headers (a pemda root nests them).
pub(crate) fn routes(app: Arc<App>) -> Router {
    Router::new()
        .route("/", get(pages::dashboard))
        .route("/masuk", get(pages::sign_in))
        .route("/entri", get(pages::entry))
        .route("/persetujuan", get(pages::queue))
        .route("/riwayat", get(pages::history))
        .route("/kunci", get(pages::keys))
        .route("/audit", get(pages::audit))
        .route("/laporan", get(pages::reports))
        .route("/beda", get(pages::diff))
        .route("/laporan/unduh", get(pages::report_download))
        .route("/audit/bundel", get(pages::bundle_download))
        .route("/aset/{name}", get(assets::asset))
        .route("/api/tantangan", post(auth::challenge))
        .route("/api/masuk", post(auth::sign_in))
        .route("/api/keluar", post(auth::sign_out))
        .route(
            "/api/siapkan",
            post(api::prepare).layer(DefaultBodyLimit::max(MAX_UPLOAD)),
        )
        .route("/api/kirim", post(api::submit))
        .route("/api/verifikasi", get(verifikasi::status).post(verifikasi::start))
        .with_state(app)
}

/// `r` with the body limit and the security headers of every response.
pub(crate) fn secured(r: Router) -> Router {
    r.layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(SetResponseHeaderLayer::overriding(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
}

/// Serve `app` on `listener` until `shutdown` completes, then finish the
/// requests in flight (an append in progress completes or never started:
/// each is one durable commit).
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Arc<App>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_router(listener, router(app), shutdown).await
}

/// Serve any of this crate's routers (one ledger, or a pemda root) over
/// plain HTTP (on 127.0.0.1, or behind a TLS-terminating proxy).
pub async fn serve_router(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<tls::ClientAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

/// Serve a router over HTTPS, terminating TLS with `config`
/// ([`tls::config`]).
pub async fn serve_tls(
    listener: tokio::net::TcpListener,
    config: std::sync::Arc<tokio_rustls::rustls::ServerConfig>,
    router: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let listener = tls::TlsListener::new(listener, config)?;
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<tls::ClientAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
