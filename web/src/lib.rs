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
pub mod conn;
mod error;
mod gate;
mod pages;
pub mod pemda;
mod run;
mod sync;
pub mod tls;
pub mod verifikasi;
pub mod witness;

pub use app::{App, Config, MAX_PENDING_BYTES, MAX_PENDING_BYTES_PER_SESSION, MAX_PENDING_PER_SESSION};
pub use axum::Router;
pub use conn::Limits;
pub use gate::{MAX_CHALLENGES, MAX_CHALLENGES_PER_CLIENT, MAX_FAILED_PER_CLIENT};

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
/// Sign-in and the assets never touch the ledger and answer on the async
/// workers; every other route runs on the blocking pool
/// ([`off_workers`]), so a request that waits for the ledger (another
/// command's turn, a long render) holds none of the workers that accept
/// connections and answer the rest.
pub(crate) fn routes(app: Arc<App>) -> Router {
    let ledger = Router::new()
        .route("/", get(pages::dashboard))
        .route("/entri", get(pages::entry))
        .route("/persetujuan", get(pages::queue))
        .route("/riwayat", get(pages::history))
        .route("/kunci", get(pages::keys))
        .route("/audit", get(pages::audit))
        .route("/laporan", get(pages::reports))
        .route("/beda", get(pages::diff))
        .route("/laporan/unduh", get(pages::report_download))
        .route("/audit/bundel", get(pages::bundle_download))
        .route(
            "/api/siapkan",
            post(api::prepare).layer(DefaultBodyLimit::max(MAX_UPLOAD)),
        )
        .route("/api/kirim", post(api::submit))
        .route("/api/verifikasi", get(verifikasi::status).post(verifikasi::start))
        .route("/api/kepala", get(verifikasi::head))
        .route_layer(axum::middleware::from_fn(off_workers));
    Router::new()
        .route("/masuk", get(pages::sign_in))
        .route("/aset/{name}", get(assets::asset))
        .route("/api/tantangan", post(auth::challenge))
        .route("/api/masuk", post(auth::sign_in))
        .route("/api/keluar", post(auth::sign_out))
        .merge(ledger)
        .with_state(app)
}

/// Run the rest of a request on tokio's blocking pool: its handler locks
/// the ledger (a `std` mutex) and does the ledger's disk and CPU work.
pub(crate) async fn off_workers(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let runtime = tokio::runtime::Handle::current();
    match tokio::task::spawn_blocking(move || runtime.block_on(next.run(req))).await {
        Ok(response) => response,
        Err(_) => axum::response::IntoResponse::into_response(app::WebError::new(
            axum::http::StatusCode::INTERNAL_SERVER_ERROR,
            "galat di server; coba lagi",
        )),
    }
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
/// plain HTTP (on 127.0.0.1, or behind a TLS-terminating proxy), within
/// the default [`Limits`].
pub async fn serve_router(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    conn::serve(listener, None, router, Limits::default(), shutdown).await
}

/// Serve a router over HTTPS, terminating TLS with `config`
/// ([`tls::config`]), within the default [`Limits`].
pub async fn serve_tls(
    listener: tokio::net::TcpListener,
    config: std::sync::Arc<tokio_rustls::rustls::ServerConfig>,
    router: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    conn::serve(listener, Some(config), router, Limits::default(), shutdown).await
}

/// Serve a router within `limits`, over TLS when `tls` is given.
pub async fn serve_limited(
    listener: tokio::net::TcpListener,
    tls: Option<std::sync::Arc<tokio_rustls::rustls::ServerConfig>>,
    router: Router,
    limits: Limits,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    conn::serve(listener, tls, router, limits, shutdown).await
}
