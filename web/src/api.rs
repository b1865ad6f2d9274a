//! Prepare -> sign in the browser -> submit.

use crate::app::{lock, App, Pending, ToSign, WebError};
use crate::auth::{b64, parse_key, require};
use crate::gate::{token, PENDING_SECS};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use base64::Engine;
use sakip::event::Stage;
use sakip::event::{Decision, Holder, KeyAdded, Payload, Role};
use sakip::service::imports::ImportKind;
use sakip::service::{approvals, audit, entries, signing};
use serde::Deserialize;
use serde_json::json;
use std::sync::Arc;

/// What a page asks the server to prepare.
#[derive(Deserialize)]
#[serde(tag = "jenis", rename_all = "snake_case")]
pub enum Request {
    /// A quarter's realisation of an indicator.
    Realisasi {
        /// Indicator code.
        indikator: String,
        /// The period as typed (`2022-Q1`, `TW I 2022`, `2022`).
        periode: String,
        /// The value (Indonesian format).
        #[serde(default)]
        nilai: Option<String>,
        /// Numerator of a ratio.
        #[serde(default)]
        pembilang: Option<String>,
        /// Denominator of a ratio.
        #[serde(default)]
        penyebut: Option<String>,
        /// A note.
        #[serde(default)]
        catatan: Option<String>,
    },
    /// A correction of the latest realisation of an indicator for a period.
    Koreksi {
        /// Indicator code.
        indikator: String,
        /// The period.
        periode: String,
        /// The new value.
        #[serde(default)]
        nilai: Option<String>,
        /// Numerator of a ratio.
        #[serde(default)]
        pembilang: Option<String>,
        /// Denominator of a ratio.
        #[serde(default)]
        penyebut: Option<String>,
        /// Why (required).
        alasan: String,
    },
    /// Spending (realisasi anggaran) of an account in a quarter.
    Belanja {
        /// Plan item (sub kegiatan, kegiatan, program) or indicator code.
        akun: String,
        /// The quarter.
        periode: String,
        /// Amount in Rupiah (`1.024.833.162`).
        jumlah: String,
        /// A note.
        #[serde(default)]
        catatan: Option<String>,
    },
    /// An indicator's narrative for a year.
    Narasi {
        /// Indicator code.
        indikator: String,
        /// Fiscal year.
        tahun: u16,
        /// Faktor pendorong.
        #[serde(default)]
        pendorong: String,
        /// Hambatan.
        #[serde(default)]
        hambatan: String,
        /// Strategi pemecahan.
        #[serde(default)]
        strategi: String,
    },
    /// The head's decision on pending entries.
    Persetujuan {
        /// `setujui`, `tolak` or `kembalikan`.
        keputusan: String,
        /// The entries decided on.
        seq: Vec<u64>,
        /// A comment.
        #[serde(default)]
        catatan: Option<String>,
    },
    /// Register a key (admin).
    Kunci {
        /// The public key, 64 hex digits.
        kunci: String,
        /// The holder's name.
        nama: String,
        /// Roles: admin, operator, approver, inspector.
        peran: Vec<String>,
    },
    /// Revoke a key (admin), with a reason.
    Cabut {
        /// The key id (at least 8 hex digits) or the public key.
        kunci: String,
        /// Why (required).
        alasan: String,
    },
    /// Retire a plan item or indicator from a year on (admin).
    Hentikan {
        /// Its code.
        kode: String,
        /// The first fiscal year it no longer counts in.
        tahun: u16,
        /// `indikator` or `item`.
        apa: String,
        /// Why (required).
        alasan: String,
    },
    /// A checkpoint of the whole ledger.
    Checkpoint {},
    /// Issue a report: its bytes sealed by a `report_issued` event the
    /// Kepala signs.
    Terbitkan {
        /// Report kind.
        laporan: String,
        /// Fiscal year.
        tahun: u16,
        /// As of this triwulan.
        tw: u8,
        /// Known at this date (empty: now).
        #[serde(default)]
        diketahui: Option<String>,
        /// md, csv, json or html.
        format: String,
    },
    /// The rows of an uploaded file, signed one after another and appended
    /// as one atomic batch: realisasi or anggaran (CSV, operator), the plan
    /// (TOML, admin).
    Impor {
        /// `realisasi`, `anggaran` or `rencana`.
        apa: String,
        /// `murni` or `perubahan` (plan and pagu revisions); the CLI's
        /// defaults when empty.
        #[serde(default)]
        tahap: Option<String>,
        /// The file's name, as refusals name it (`realisasi.csv:12`).
        berkas: String,
        /// The file's text (CSV, TOML).
        #[serde(default)]
        isi: String,
        /// Or the file's bytes in base64 (an xlsx workbook).
        #[serde(default)]
        isi_base64: Option<String>,
    },
}

fn blank(v: Option<String>) -> Option<String> {
    v.filter(|s| !s.trim().is_empty())
}

fn bad(message: impl Into<String>) -> WebError {
    WebError::new(StatusCode::BAD_REQUEST, message)
}

/// The payload of an event request.
fn payload_of(ledger: &sakip::Ledger, req: Request) -> Result<Payload, WebError> {
    Ok(match req {
        Request::Realisasi {
            indikator,
            periode,
            nilai,
            pembilang,
            penyebut,
            catatan,
        } => entries::realisasi(
            ledger,
            entries::RealisasiEntry {
                indicator: indikator,
                period: periode,
                value: blank(nilai),
                numerator: blank(pembilang),
                denominator: blank(penyebut),
                note: blank(catatan),
            },
        )?,
        Request::Koreksi {
            indikator,
            periode,
            nilai,
            pembilang,
            penyebut,
            alasan,
        } => {
            if alasan.trim().is_empty() {
                return Err(bad("koreksi memerlukan alasan"));
            }
            entries::correction(
                ledger,
                entries::CorrectionEntry {
                    corrects: entries::Corrected::Figure {
                        indicator: indikator,
                        period: periode,
                    },
                    value: blank(nilai),
                    numerator: blank(pembilang),
                    denominator: blank(penyebut),
                    reason: alasan,
                },
            )?
        }
        Request::Belanja {
            akun,
            periode,
            jumlah,
            catatan,
        } => entries::spending(entries::SpendingEntry {
            account: akun,
            period: periode,
            amount: jumlah,
            note: blank(catatan),
        })?,
        Request::Narasi {
            indikator,
            tahun,
            pendorong,
            hambatan,
            strategi,
        } => entries::narrative(
            indikator,
            tahun,
            entries::Narrative {
                pendorong,
                hambatan,
                strategi,
            },
        ),
        Request::Persetujuan {
            keputusan,
            seq,
            catatan,
        } => {
            let decision = match keputusan.as_str() {
                "setujui" => Decision::Approve,
                "tolak" => Decision::Reject,
                "kembalikan" => Decision::Return,
                other => return Err(bad(format!("keputusan '{other}' tidak dikenal"))),
            };
            if seq.is_empty() {
                return Err(bad("pilih paling sedikit satu entri"));
            }
            approvals::decision(decision, seq, blank(catatan))
        }
        Request::Kunci { kunci, nama, peran } => {
            let key = parse_key(&kunci).ok_or_else(|| bad("kunci publik harus 64 digit heksadesimal"))?;
            let roles = peran
                .iter()
                .map(|p| {
                    Role::ALL
                        .into_iter()
                        .find(|r| r.name() == p)
                        .ok_or_else(|| bad(format!("peran '{p}' tidak dikenal")))
                })
                .collect::<Result<Vec<_>, _>>()?;
            Payload::KeyAdded(KeyAdded {
                key,
                holder: Holder {
                    name: nama.trim().to_string(),
                    nip: None,
                    jabatan: None,
                },
                roles,
            })
        }
        Request::Cabut { kunci, alasan } => {
            if alasan.trim().is_empty() {
                return Err(bad("pencabutan kunci memerlukan alasan"));
            }
            let key = match parse_key(&kunci) {
                Some(k) => k,
                None => ledger.registry().find(&kunci)?,
            };
            Payload::KeyRevoked(sakip::event::KeyRevoked {
                key,
                reason: alasan.trim().to_string(),
            })
        }
        Request::Hentikan {
            kode,
            tahun,
            apa,
            alasan,
        } => {
            if alasan.trim().is_empty() {
                return Err(bad("penghentian memerlukan alasan"));
            }
            let retired = sakip::event::Retired {
                code: kode.trim().to_string(),
                year: tahun,
                reason: alasan.trim().to_string(),
            };
            match apa.as_str() {
                "indikator" => Payload::IndicatorRetired(retired),
                "item" => Payload::PlanItemRetired(retired),
                other => return Err(bad(format!("'{other}' bukan indikator atau item"))),
            }
        }
        Request::Terbitkan {
            laporan,
            tahun,
            tw,
            diketahui,
            format,
        } => {
            let format = sakip_report::ReportFormat::from_name(&format)
                .ok_or_else(|| bad(format!("format '{format}' tidak dikenal")))?;
            let q = crate::pages::ReportQuery {
                jenis: Some(laporan),
                tahun: Some(tahun),
                tw: Some(tw),
                diketahui,
                seq: None,
                format: None,
            };
            let params = crate::pages::report_params(ledger, &q, format)?;
            sakip_report::service::seal(ledger, params)?.payload
        }
        Request::Checkpoint {} | Request::Impor { .. } => {
            return Err(bad("a checkpoint or a file is not one event"))
        }
    })
}

/// `POST /api/siapkan`: prepare an event (or checkpoint) for the signed-in
/// key: authorized and validated as an append would be, nothing written.
/// Returns the id to submit with, the exact message to sign (base64) and
/// what it commits to, in Indonesian.
pub async fn prepare(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Json(req): Json<Request>,
) -> Result<Json<serde_json::Value>, WebError> {
    let (session_token, session) = require(&app, &headers, true)?;
    let key = session.key;
    let (item, message, what) = {
        let ledger = app.ledger();
        if let Request::Impor {
            apa,
            tahap,
            berkas,
            isi,
            isi_base64,
        } = req
        {
            let kind = import_kind(&apa, tahap.as_deref())?;
            let name = file_name(&berkas);
            let bytes = match isi_base64 {
                Some(b) => b64()
                    .decode(b.trim())
                    .map_err(|_| bad("isi berkas bukan base64"))?,
                None => isi.into_bytes(),
            };
            let (rows, notes) = sakip_report::workbook::read_bytes(&ledger, kind, &name, &bytes)?;
            if rows.len() > MAX_BATCH {
                return Err(bad(format!(
                    "{name} berisi {} baris; paling banyak {MAX_BATCH} per unggahan — bagi berkasnya",
                    rows.len()
                )));
            }
            let to_sign = signing::prepare_batch(&ledger, key, rows)?;
            let batch = to_sign.batch;
            let first = batch.first_seq();
            let mut what = vec![format!(
                "{name}: {} peristiwa (seq {first}–{}), ditandatangani satu per satu dan disimpan sekaligus — semua atau tidak sama sekali:",
                batch.len(),
                first + batch.len() as u64 - 1
            )];
            what.extend(
                to_sign
                    .what
                    .iter()
                    .enumerate()
                    .map(|(i, w)| format!("{}. {w}", i + 1)),
            );
            what.extend(notes.iter().map(|n| format!("Catatan: {n}")));
            let message = batch
                .next()?
                .ok_or_else(|| bad("berkas tidak berisi baris"))?
                .signing_message();
            (ToSign::Batch(Box::new(batch)), message, what.join("\n"))
        } else if let Request::Checkpoint {} = req {
            let c = audit::prepare_checkpoint(&ledger, &key)?;
            let what = format!(
                "Checkpoint ledger {}: {} peristiwa, akar Merkle {}",
                c.origin,
                c.size,
                hex::encode(c.root)
            );
            let message = c.body().into_bytes();
            (ToSign::Checkpoint(c), message, what)
        } else {
            let payload = payload_of(&ledger, req)?;
            let to_sign = signing::prepare(&ledger, key, payload)?;
            (
                ToSign::Event(Box::new(to_sign.prepared)),
                to_sign.message,
                to_sign.what,
            )
        }
    };
    let id = token();
    let bytes = item.held_bytes();
    app.hold(
        id.clone(),
        Pending {
            item,
            key,
            session: session_token,
            expires: app.now() + PENDING_SECS * 1_000_000,
            bytes,
        },
    )?;
    Ok(Json(
        json!({ "id": id, "pesan": b64().encode(message), "uraian": what }),
    ))
}

/// What the browser sends back.
#[derive(Deserialize)]
pub struct Submit {
    /// The id `prepare` returned.
    pub id: String,
    /// The Ed25519 signature of the message, base64.
    pub tanda_tangan: String,
}

/// `POST /api/kirim`: submit a prepared item with its signature. The
/// signature is checked strictly over exactly the prepared bytes, by the
/// session's key; an event prepared against a head that has moved is a
/// 409 (prepare again and show it again).
pub async fn submit(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Json(req): Json<Submit>,
) -> Result<Json<serde_json::Value>, WebError> {
    let (_, session) = require(&app, &headers, true)?;
    let signature = b64()
        .decode(req.tanda_tangan.trim())
        .ok()
        .and_then(|b| <[u8; 64]>::try_from(b).ok())
        .ok_or_else(|| bad("tanda tangan harus 64 byte dalam base64"))?;
    let pending = {
        let mut pending = lock(&app.pending);
        match pending.get(&req.id) {
            Some(p) if p.key == session.key => pending.remove(&req.id),
            _ => None,
        }
    }
    .filter(|p| p.expires > app.now())
    .ok_or_else(|| {
        WebError::new(
            StatusCode::GONE,
            "yang disiapkan tidak ditemukan, sudah dikirim atau kedaluwarsa; siapkan lagi",
        )
    })?;
    let mut ledger = app.ledger();
    let key = pending.key;
    let expires = pending.expires;
    let session_of = pending.session.clone();
    match pending.item {
        ToSign::Batch(mut batch) => {
            batch.sign_next(signature)?;
            if let Some(next) = batch.next()? {
                let answer = json!({
                    "lanjut": b64().encode(next.signing_message()),
                    "ditandatangani": batch.signed(),
                    "jumlah": batch.len(),
                });
                let bytes = batch.held_bytes();
                lock(&app.pending).insert(
                    req.id,
                    Pending {
                        item: ToSign::Batch(batch),
                        key,
                        session: session_of,
                        expires,
                        bytes,
                    },
                );
                return Ok(Json(answer));
            }
            let done = signing::submit_batch(&mut ledger, &batch)?;
            let (first, last) = (done[0], done[done.len() - 1]);
            Ok(Json(
                json!({ "seq": first.seq, "sampai": last.seq, "jumlah": done.len(), "hash": last.hash }),
            ))
        }
        ToSign::Event(prepared) => {
            let done = signing::submit(&mut ledger, &prepared, signature)?;
            let mut answer = json!({ "seq": done.seq, "hash": done.hash });
            if let Payload::ReportIssued(r) = &prepared.payload {
                // The sealed bytes, rendered again at the sealed point.
                answer["unduh"] = json!(format!(
                    "{}/laporan/unduh?jenis={}&tahun={}&tw={}&seq={}&format={}",
                    app.config.base, r.kind, r.year, r.as_of, r.known_seq, r.format
                ));
            }
            Ok(Json(answer))
        }
        ToSign::Checkpoint(c) => {
            let c = audit::submit_checkpoint(&ledger, c, &session.key, signature)?;
            Ok(Json(json!({ "ukuran": c.size, "teks": c.to_text() })))
        }
    }
}

/// Most rows one upload may hold.
pub const MAX_BATCH: usize = 2_000;

/// What an upload holds, with its stage of the budget year.
fn import_kind(what: &str, stage: Option<&str>) -> Result<ImportKind, WebError> {
    let stage = match stage.map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some("murni") => Some(Stage::Murni),
        Some("perubahan") => Some(Stage::Perubahan),
        Some(other) => {
            return Err(bad(format!(
                "tahap '{other}' tidak dikenal (murni atau perubahan)"
            )))
        }
    };
    Ok(match what {
        "realisasi" => ImportKind::Realisasi,
        "anggaran" => ImportKind::Anggaran(stage.unwrap_or(Stage::Perubahan)),
        "rencana" => ImportKind::Plan(stage.unwrap_or(Stage::Murni)),
        other => {
            return Err(bad(format!(
                "jenis berkas '{other}' tidak dikenal (realisasi, anggaran atau rencana)"
            )))
        }
    })
}

/// The last part of an uploaded file's name, for refusals to name
/// (a browser may send a path).
fn file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("").trim();
    let clean: String = base.chars().filter(|c| !c.is_control()).take(100).collect();
    if clean.is_empty() {
        "berkas".into()
    } else {
        clean
    }
}
