//! `sakip witness serve`: a witness's HTTP endpoint, the add-checkpoint
//! call of C2SP tlog-witness. A log (a ledger's `sakip checkpoint
//! --witness-url`) posts the old size, a consistency proof and its new
//! checkpoint; the witness checks them against the latest checkpoint it
//! cosigned for that ledger and answers with its timestamped cosignature,
//! or with the protocol's status: 404 unknown ledger, 403 not signed by a
//! key it trusts, 400 bad request, 409 another old size (the body says
//! which), 422 inconsistent (a fork).

use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use sakip::service::audit::{AddCheckpoint, Refusal, Witness};
use sakip::Clock;
use std::sync::{Arc, Mutex};

/// The largest request: 63 proof lines and a checkpoint with signatures.
pub const MAX_REQUEST: usize = 64 * 1024;

struct Shared {
    witness: Mutex<Witness>,
    clock: Arc<dyn Clock>,
}

/// The witness's routes: `POST /add-checkpoint`.
pub fn router(witness: Witness, clock: Arc<dyn Clock>) -> Router {
    let state = Arc::new(Shared {
        witness: Mutex::new(witness),
        clock,
    });
    Router::new()
        .route("/add-checkpoint", post(add_checkpoint))
        .layer(DefaultBodyLimit::max(MAX_REQUEST))
        .with_state(state)
}

fn text(status: StatusCode, body: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        body,
    )
        .into_response()
}

async fn add_checkpoint(State(s): State<Arc<Shared>>, body: String) -> Response {
    let req = match AddCheckpoint::parse(&body) {
        Ok(r) => r,
        Err(refusal) => return refused(refusal),
    };
    let now = s.clock.wall().timestamp().max(0) as u64;
    // The check against the stored size and the update are one step.
    let witness = crate::app::lock(&s.witness);
    match witness.add_checkpoint(&req, now) {
        Ok(Ok(lines)) => text(StatusCode::OK, lines),
        Ok(Err(refusal)) => refused(refusal),
        Err(e) => text(StatusCode::INTERNAL_SERVER_ERROR, format!("{e}\n")),
    }
}

fn refused(refusal: Refusal) -> Response {
    let status = StatusCode::from_u16(refusal.status()).unwrap_or(StatusCode::BAD_REQUEST);
    match refusal {
        Refusal::Conflict(size) => (
            status,
            [(header::CONTENT_TYPE, "text/x.tlog.size")],
            format!("{size}\n"),
        )
            .into_response(),
        other => text(status, format!("{other}\n")),
    }
}
