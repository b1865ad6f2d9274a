//! The reference data set: the 2021 year of BKPSDM Kota Kediri, replayed
//! from `examples/kediri-bkpsdm-2021/timeline.toml` through the same import,
//! correct and approve functions the command line uses. The files are
//! embedded so `sakip demo` works from any directory.
//!
//! The keys are example keys derived from public seeds
//! (SHA-256 of "sakip example key v1:" and the key name): anyone can
//! recompute them, so they must never sign a real ledger.

use crate::clock::{parse_time, SteppingClock};
use crate::event::*;
use crate::keys::{self, KeyPair};
use crate::ledger::Ledger;
use crate::{import, Error, Result};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

macro_rules! embedded {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../examples/kediri-bkpsdm-2021/", $name)))),*]
    };
}

/// The example's files, by name.
pub const FILES: &[(&str, &str)] = embedded!(
    "timeline.toml",
    "plan.toml",
    "perubahan.toml",
    "realisasi-riwayat.csv",
    "realisasi-2021-tw1-mutasi.csv",
    "realisasi-2021-tw1-pengembangan.csv",
    "realisasi-2021-tw1-sekretariat.csv",
    "realisasi-2021-tw2-mutasi.csv",
    "realisasi-2021-tw2-pengembangan.csv",
    "realisasi-2021-tw2-sekretariat.csv",
    "realisasi-2021-tw3-mutasi.csv",
    "realisasi-2021-tw3-pengembangan.csv",
    "realisasi-2021-tw3-sekretariat.csv",
    "realisasi-2021-tw4-mutasi.csv",
    "realisasi-2021-tw4-pengembangan.csv",
    "realisasi-2021-tw4-sekretariat.csv",
    "realisasi-2021-keluaran.csv",
    "anggaran-2021-realisasi.csv",
    "dokumen-pk-2021.toml",
    "dokumen-berita-acara-2022-01-10.toml",
    "dokumen-lkjip-2022-02-25.toml",
    "naskah-lkjip-2021.md",
);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Timeline {
    agency: Agency,
    person: Vec<Person>,
    step: Vec<Step>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Agency {
    code: String,
    name: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Person {
    key: String,
    name: String,
    nip: Option<String>,
    jabatan: Option<String>,
    roles: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Step {
    at: String,
    by: String,
    #[serde(rename = "do")]
    action: String,
    file: Option<String>,
    comment: Option<String>,
    indicator: Option<String>,
    period: Option<String>,
    value: Option<String>,
    reason: Option<String>,
    pendorong: Option<String>,
    hambatan: Option<String>,
    strategi: Option<String>,
    year: Option<u16>,
    stage: Option<String>,
    section: Option<String>,
    name: Option<String>,
    nip: Option<String>,
    position: Option<String>,
    rank: Option<String>,
    place: Option<String>,
    date: Option<String>,
}

pub use crate::keys::{example_key, is_example_key, EXAMPLE_KEY_NAMES};

fn file(name: &str) -> Result<&'static str> {
    FILES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, text)| *text)
        .ok_or_else(|| Error::Input(format!("the example has no file {name}")))
}

fn holder(p: &Person) -> Holder {
    Holder {
        name: p.name.clone(),
        nip: p.nip.clone(),
        jabatan: p.jabatan.clone(),
    }
}

fn role(name: &str) -> Result<Role> {
    Role::ALL
        .into_iter()
        .find(|r| r.name() == name)
        .ok_or_else(|| Error::Input(format!("timeline.toml: unknown role {name}")))
}

/// What was built.
#[derive(Debug)]
pub struct Built {
    /// The open ledger (kept open: see [`Ledger::from_store`]).
    pub ledger: Ledger,
    /// Where the ledger is.
    pub ledger_dir: PathBuf,
    /// Where the example keys are.
    pub keys_dir: PathBuf,
    /// Events appended.
    pub events: u64,
}

/// Build the reference ledger in `dir` (which must not hold a ledger) and
/// write the example key files to `dir/keys`.
pub fn build(dir: &Path) -> Result<Built> {
    let timeline: Timeline = toml::from_str(file("timeline.toml")?)
        .map_err(|e| import::toml_error("timeline.toml", file("timeline.toml").unwrap_or(""), &e))?;
    let keys_dir = dir.join("keys");
    std::fs::create_dir_all(&keys_dir).map_err(|e| Error::io(&keys_dir, e))?;
    let mut people: HashMap<String, KeyPair> = HashMap::new();
    for p in &timeline.person {
        let key = example_key(&p.key);
        let path = keys_dir.join(format!("{}.key", p.key));
        if !path.exists() {
            keys::write_key_files(&path, &key, Some(&holder(p)))?;
        }
        people.insert(p.key.clone(), key);
    }
    let ledger_dir = dir.join("ledger");
    let clock = Arc::new(SteppingClock::new(
        chrono::DateTime::UNIX_EPOCH,
        chrono::TimeDelta::seconds(1),
    ));
    let mut ledger: Option<Ledger> = None;
    for (i, step) in timeline.step.iter().enumerate() {
        let fail = |msg: String| Error::Input(format!("timeline.toml step {}: {msg}", i + 1));
        let at = parse_time(&step.at).ok_or_else(|| fail(format!("bad time {}", step.at)))?;
        clock.set(at);
        let signer = people
            .get(&step.by)
            .ok_or_else(|| fail(format!("unknown person {}", step.by)))?;
        if step.action == "init" {
            let admin = timeline
                .person
                .iter()
                .find(|p| p.key == step.by)
                .expect("signer is a person");
            let mut l = Ledger::init_demo(
                &ledger_dir,
                clock.clone(),
                signer,
                Genesis {
                    agency_code: timeline.agency.code.clone(),
                    agency_name: timeline.agency.name.clone(),
                    admin: holder(admin),
                    // The demo is reproducible: its nonce comes from a public text.
                    nonce: Some(Sha256::digest(b"sakip example ledger v1").into()),
                },
            )?;
            for p in timeline.person.iter().filter(|p| p.key != step.by) {
                let roles = p.roles.iter().map(|r| role(r)).collect::<Result<Vec<_>>>()?;
                l.append(
                    signer,
                    Payload::KeyAdded(KeyAdded {
                        key: people[&p.key].public(),
                        holder: holder(p),
                        roles,
                    }),
                )?;
            }
            ledger = Some(l);
            continue;
        }
        let l = ledger
            .as_mut()
            .ok_or_else(|| fail("the first step must be init".into()))?;
        let need = |v: &Option<String>, what: &str| v.clone().ok_or_else(|| fail(format!("needs {what}")));
        match step.action.as_str() {
            "import-plan" | "import-realisasi" | "import-anggaran" => {
                let name = need(&step.file, "file")?;
                let stage = match step.stage.as_deref() {
                    None | Some("murni") => Stage::Murni,
                    Some("perubahan") => Stage::Perubahan,
                    Some(other) => return Err(fail(format!("unknown stage {other}"))),
                };
                let text = file(&name)?;
                use crate::service::imports::{read, ImportKind};
                let kind = match step.action.as_str() {
                    "import-plan" => ImportKind::Plan(stage),
                    "import-realisasi" => ImportKind::Realisasi,
                    _ => ImportKind::Anggaran(stage),
                };
                let rows = read(l, kind, &name, text)?;
                crate::service::imports::append(l, signer, rows)?;
            }
            "approve-pending" => {
                // Never the event that registered the approver's own key.
                let own = l.registry().get(&signer.public()).map(|k| k.added_seq);
                let mut covers = l.pending_approvals()?;
                covers.retain(|s| Some(*s) != own);
                if !covers.is_empty() {
                    l.append(
                        signer,
                        Payload::Approval(Approval {
                            decision: Decision::Approve,
                            covers,
                            comment: step.comment.clone(),
                        }),
                    )?;
                }
            }
            "record-document" => {
                let name = need(&step.file, "file")?;
                let known = l.head().count - 1;
                let payload = crate::document::document(&name, file(&name)?.as_bytes(), &l.index(), known)?;
                l.append(signer, payload)?;
            }
            "correct" => {
                let code = need(&step.indicator, "indicator")?;
                let payload = crate::service::entries::correction(
                    l,
                    crate::service::entries::CorrectionEntry {
                        corrects: crate::service::entries::Corrected::Figure {
                            indicator: code,
                            period: need(&step.period, "period")?,
                        },
                        value: Some(need(&step.value, "value")?),
                        numerator: None,
                        denominator: None,
                        reason: need(&step.reason, "reason")?,
                    },
                )?;
                l.append(signer, payload)?;
            }
            "narrative" => {
                let year = step.year.ok_or_else(|| fail("needs year".into()))?;
                l.append(
                    signer,
                    Payload::NarrativeRecorded(NarrativeRecorded {
                        indicator: need(&step.indicator, "indicator")?,
                        year,
                        faktor_pendorong: step.pendorong.clone().unwrap_or_default(),
                        hambatan: step.hambatan.clone().unwrap_or_default(),
                        strategi_pemecahan: step.strategi.clone().unwrap_or_default(),
                    }),
                )?;
            }
            "text" => {
                let year = step.year.ok_or_else(|| fail("needs year".into()))?;
                let name = need(&step.file, "file")?;
                let payloads = crate::service::entries::document_texts(
                    &name,
                    file(&name)?,
                    year,
                    step.section.as_deref(),
                )?;
                l.append_all(payloads.into_iter().map(|p| (signer, p)).collect())?;
            }
            "signatory" => {
                l.append(
                    signer,
                    Payload::SignatoryRecorded(Signatory {
                        year: step.year.ok_or_else(|| fail("needs year".into()))?,
                        name: need(&step.name, "name")?,
                        nip: need(&step.nip, "nip")?,
                        position: need(&step.position, "position")?,
                        rank: step.rank.clone().unwrap_or_default(),
                        place: need(&step.place, "place")?,
                        date: need(&step.date, "date")?,
                    }),
                )?;
            }
            other => return Err(fail(format!("unknown action {other}"))),
        }
    }
    let ledger = ledger.ok_or_else(|| Error::Input("timeline.toml has no steps".into()))?;
    let events = ledger.head().count;
    Ok(Built {
        ledger,
        ledger_dir,
        keys_dir,
        events,
    })
}

#[cfg(test)]
mod key_names {
    #[test]
    fn the_published_example_keys_are_the_people_of_the_timeline() {
        let timeline: super::Timeline = toml::from_str(super::file("timeline.toml").unwrap()).unwrap();
        let names: Vec<String> = timeline.person.into_iter().map(|p| p.key).collect();
        assert_eq!(names, super::EXAMPLE_KEY_NAMES);
    }
}
