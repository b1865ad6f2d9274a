//! Events signed away from the ledger (in a browser, on another machine):
//! the service prepares the exact bytes against the current head with a
//! description in plain Indonesian of what the signer commits to, anyone
//! holding the key signs them, and the service submits the signature. A
//! head that moved in between is [`Error::Conflict`](crate::Error::Conflict):
//! prepare again and show it again, never sign blind.

use crate::event::{Payload, PublicKey};
use crate::ledger::{Appended, Ledger, Prepared, PreparedBatch};
use crate::Result;

/// An event ready to be signed.
#[derive(Clone, Debug)]
pub struct ToSign {
    /// The prepared event: body bytes and the head it was prepared against.
    pub prepared: Prepared,
    /// The exact message the Ed25519 signature must cover (domain tag and
    /// body, `schema/event-v1.md`).
    pub message: Vec<u8>,
    /// What the event records, as the signer is shown it (a correction with
    /// its value before and after).
    pub what: String,
}

/// Prepare `payload` for `author` to sign: authorized and validated exactly
/// as an append would be; nothing is written.
pub fn prepare(ledger: &Ledger, author: PublicKey, payload: Payload) -> Result<ToSign> {
    let what = describe(ledger, &payload)?;
    let prepared = ledger.prepare(author, payload)?;
    let message = prepared.signing_message();
    Ok(ToSign {
        prepared,
        message,
        what,
    })
}

/// Append a prepared event with its signature: checked strictly over
/// exactly the prepared bytes, by the prepared author, against an unmoved
/// head.
pub fn submit(ledger: &mut Ledger, prepared: &Prepared, signature: [u8; 64]) -> Result<Appended> {
    ledger.submit(prepared, signature)
}

/// Rows of a file (a CSV of realisasi or anggaran, a plan) ready to be
/// signed one after another and appended as one atomic batch.
#[derive(Clone, Debug)]
pub struct BatchToSign {
    /// The prepared batch; [`PreparedBatch::next`] is the event to sign.
    pub batch: PreparedBatch,
    /// What each event records, in order, as the signer is shown it.
    pub what: Vec<String>,
}

/// Prepare `rows` (labelled with their file and line, as
/// [`super::imports::read`] gives them) for `author` to sign: the whole
/// batch authorized and validated exactly as an import would be (a refusal
/// names the row), nothing written. This is the import's dry run for a
/// signer who holds the key elsewhere.
pub fn prepare_batch(
    ledger: &Ledger,
    author: PublicKey,
    rows: crate::import::Labelled,
) -> Result<BatchToSign> {
    let batch = ledger.prepare_batch(author, rows)?;
    let what = batch
        .payloads()
        .map(|p| describe(ledger, p))
        .collect::<Result<Vec<_>>>()?;
    Ok(BatchToSign { batch, what })
}

/// Append a fully signed batch: one atomic, durable commit, or a
/// [`Error::Conflict`](crate::Error::Conflict) if the ledger moved.
pub fn submit_batch(ledger: &mut Ledger, batch: &PreparedBatch) -> Result<Vec<Appended>> {
    ledger.submit_batch(batch)
}

/// What an event commits its signer to, in plain Indonesian: the
/// indicator by code and name, the period as a triwulan, the value as it is
/// displayed, a correction's value before and after with its reason, the
/// entries an approval covers.
pub fn describe(ledger: &Ledger, payload: &Payload) -> Result<String> {
    use crate::event::Decision;
    use crate::projection::{self, Known};
    let index = ledger.index();
    let indicator = |code: &str| -> Result<Option<crate::event::IndicatorDefined>> {
        Ok(projection::indicator(&index, code, Known::Head)?.map(|(_, i)| i))
    };
    let period = |p: crate::event::PeriodRef| match p.quarter() {
        Some(q) => format!("TW {} {}", q.roman(), p.year),
        None => format!("tahun {}", p.year),
    };
    let shown = |ind: &Option<crate::event::IndicatorDefined>, v: &crate::event::Value| match ind {
        Some(i) => crate::show::show_value(i, v),
        None => v.to_string(),
    };
    let name = |code: &str, ind: &Option<crate::event::IndicatorDefined>| match ind {
        Some(i) => format!("{code} ({})", i.name),
        None => code.to_string(),
    };
    Ok(match payload {
        Payload::RealisationRecorded(r) => {
            let ind = indicator(&r.indicator)?;
            format!(
                "Realisasi {} {}: {}",
                name(&r.indicator, &ind),
                period(r.period),
                shown(&ind, &r.value)
            )
        }
        Payload::RealisationCorrected(c) => {
            let ind = indicator(&c.indicator)?;
            let before = super::approvals::superseded_value(ledger, c.supersedes)?
                .map(|v| shown(&ind, &v))
                .unwrap_or_else(|| "?".into());
            format!(
                "Koreksi realisasi {} {}: {before} menjadi {} (alasan: {}; menggantikan seq {})",
                name(&c.indicator, &ind),
                period(c.period),
                shown(&ind, &c.value),
                c.reason,
                c.supersedes
            )
        }
        Payload::Approval(a) => {
            let verb = match a.decision {
                Decision::Approve => "Setujui",
                Decision::Reject => "Tolak",
                Decision::Return => "Kembalikan untuk diperbaiki",
            };
            let mut lines = vec![format!("{verb} {} entri:", a.covers.len())];
            for seq in &a.covers {
                if let Some(e) = ledger.event(*seq)? {
                    lines.push(format!("seq {seq}: {}", describe(ledger, &e.event.payload)?));
                }
            }
            if let Some(c) = &a.comment {
                lines.push(format!("Catatan: {c}"));
            }
            lines.join("\n")
        }
        Payload::SpendingRecorded(sp) => format!(
            "Realisasi anggaran {} {}: {}{}",
            sp.account,
            period(sp.period),
            crate::numfmt::rupiah(sp.amount.0),
            sp.note.as_deref().map(|n| format!(" ({n})")).unwrap_or_default()
        ),
        Payload::NarrativeRecorded(n) => {
            let ind = indicator(&n.indicator)?;
            format!(
                "Narasi {} tahun {}\nFaktor pendorong: {}\nHambatan: {}\nStrategi pemecahan: {}",
                name(&n.indicator, &ind),
                n.year,
                n.faktor_pendorong,
                n.hambatan,
                n.strategi_pemecahan
            )
        }
        Payload::KeyAdded(k) => format!(
            "Daftarkan kunci {} atas nama {} dengan peran {}",
            k.key.key_id(),
            k.holder.name,
            crate::authz::roles_text(&k.roles)
        ),
        Payload::KeyRevoked(k) => format!(
            "Cabut kunci {} milik {} (alasan: {})",
            k.key.key_id(),
            ledger.author_name(&k.key),
            k.reason
        ),
        Payload::IndicatorRetired(x) | Payload::PlanItemRetired(x) => format!(
            "Hentikan {} {} mulai tahun {} (alasan: {})",
            if matches!(payload, Payload::IndicatorRetired(_)) {
                "indikator"
            } else {
                "item rencana"
            },
            x.code,
            x.year,
            x.reason
        ),
        Payload::ReportIssued(r) => format!(
            "Terbitkan laporan \"{}\" ({}, {} byte)\ntahun {}, s.d. TW {}, diketahui s.d. seq {}{}\nSHA-256 {}",
            r.title,
            r.format,
            crate::numfmt::format(rust_decimal::Decimal::from(r.size), 0),
            r.year,
            crate::period::Quarter::new(r.as_of).map_or("?", |q| q.roman()),
            r.known_seq,
            if r.approved_only { ", hanya yang disetujui" } else { "" },
            hex::encode(r.sha256)
        ),
        Payload::DocumentTextRecorded(t) => format!(
            "Naskah LKjIP tahun {}, bagian {}:\n{}",
            t.year,
            t.section,
            if t.text.trim().is_empty() {
                "(kosong: bagian ini ditarik)"
            } else {
                &t.text
            }
        ),
        Payload::SignatoryRecorded(sg) => format!(
            "Penandatangan LKjIP tahun {}: {} (NIP {}){}, {}; {}, {}",
            sg.year,
            sg.name,
            sg.nip,
            if sg.rank.is_empty() {
                String::new()
            } else {
                format!(", {}", sg.rank)
            },
            sg.position,
            sg.place,
            crate::show::long_date(&sg.date)
        ),
        other => other.summary(),
    })
}
