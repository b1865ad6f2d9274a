//! Whole-ledger verification run in the background, with progress: the
//! Inspektorat starts it from the audit page and watches it advance while
//! others keep working. Events are read a run at a time under the ledger's
//! lock and checked outside it (signatures and the hash chain, the bulk of
//! the time); the last step, under the lock, checks the events appended
//! meanwhile, the head record, every derived tree and the kept checkpoint
//! against one state of the ledger (`sakip::verify::Stepwise`).

use crate::app::App;
use crate::auth::require;
use crate::error::WebError;
pub use crate::run::Run;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use sakip::service::audit;
use serde::Serialize;
use std::sync::Arc;

/// Events read per run under the lock.
pub const RUN: usize = 4096;

/// `GET /api/kepala?dari=N`: the ledger's head, and the consistency proof
/// from the first N events to it, for a browser that remembers a head of
/// N events (`aset/app.js`, `checkHead`): it shows an alarm instead of the
/// page when the ledger shrank or forked since it last looked.
#[derive(Serialize)]
pub struct HeadView {
    asal: String,
    ukuran: u64,
    /// Base64 of the Merkle root.
    akar: String,
    dari: u64,
    /// Base64 hashes; absent when the ledger holds fewer than `dari`.
    bukti: Option<Vec<String>>,
}

#[derive(serde::Deserialize)]
pub struct Since {
    #[serde(default)]
    dari: u64,
}

pub async fn head(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    axum::extract::Query(since): axum::extract::Query<Since>,
) -> Result<Json<HeadView>, WebError> {
    use base64::Engine;
    require(&app, &headers, false)?;
    let h = audit::head_since(&app.ledger(), since.dari)?;
    let b64 = |h: &[u8; 32]| base64::engine::general_purpose::STANDARD.encode(h);
    Ok(Json(HeadView {
        asal: h.origin,
        ukuran: h.size,
        akar: b64(&h.root),
        dari: since.dari,
        bukti: h.proof.map(|p| p.iter().map(b64).collect()),
    }))
}

/// `POST /api/verifikasi`: start a verification (409 while one runs).
pub async fn start(State(app): State<Arc<App>>, headers: HeaderMap) -> Result<Json<Run>, WebError> {
    let (_, session) = require(&app, &headers, true)?;
    let who = app.holder(&session.key);
    let now = sakip::clock::format_micros(app.now());
    let fresh = Run {
        berjalan: true,
        oleh: who,
        mulai: now,
        ..Run::default()
    };
    let mut started = false;
    app.verification.send_if_modified(|r| {
        if r.berjalan {
            return false;
        }
        *r = fresh.clone();
        started = true;
        true
    });
    if !started {
        return Err(WebError::new(
            StatusCode::CONFLICT,
            "verifikasi sedang berjalan; tunggu sampai selesai",
        ));
    }
    let worker = app.clone();
    tokio::task::spawn_blocking(move || run(&worker));
    // As started (a small ledger may be done already: the page polls).
    Ok(Json(fresh))
}

/// `GET /api/verifikasi`: the progress or the outcome of the last run.
pub async fn status(State(app): State<Arc<App>>, headers: HeaderMap) -> Result<Json<Run>, WebError> {
    require(&app, &headers, false)?;
    Ok(Json(app.verification.borrow().clone()))
}

fn run(app: &App) {
    let outcome = check(app);
    let now = sakip::clock::format_micros(app.now());
    app.verification.send_modify(|r| {
        r.berjalan = false;
        r.selesai = now;
        match outcome {
            Ok(text) => r.hasil = Some(text),
            Err(e) => r.galat = Some(e.to_string()),
        }
    });
}

fn check(app: &App) -> sakip::Result<String> {
    let layout = app.ledger().store().layout();
    let mut stepwise = audit::Stepwise::new(layout);
    loop {
        let (events, total) = {
            let ledger = app.ledger();
            (
                audit::read_events(&ledger, stepwise.checked(), RUN)?,
                ledger.head().count,
            )
        };
        let last = events.len() < RUN;
        stepwise.check(&events)?;
        let checked = stepwise.checked();
        app.verification.send_modify(|r| {
            r.diperiksa = checked;
            r.jumlah = total.max(checked);
        });
        if last {
            break;
        }
    }
    let ledger = app.ledger();
    let v = audit::finish_stepwise(&ledger, stepwise)?;
    let mut text = format!(
        "Utuh: {} peristiwa. Rantai hash, setiap tanda tangan (Ed25519 ketat), hak penanda tangan, aturan domain, head dan semua pohon turunan diperiksa.\nhead {}\nakar Merkle {}",
        count(v.verified.events),
        v.verified.head,
        hex::encode(v.verified.root)
    );
    if let Some((c, signers, proof)) = &v.extends {
        let names: Vec<String> = signers.iter().map(|k| ledger.author_name(k)).collect();
        text.push_str(&format!(
            "\nMemperpanjang checkpoint terakhir ({} peristiwa, ditandatangani {}; bukti konsistensi {} hash).",
            count(c.size),
            names.join(", "),
            proof
        ));
    }
    Ok(text)
}

fn count(n: u64) -> String {
    sakip::numfmt::format(rust_decimal::Decimal::from(n), 0)
}
