//! Synthetic agencies for benchmarks: realistic ledgers produced through the
//! real append path (the same signing, validation, authorization and
//! indexing as `sakip import`), reproducible from a seed.
//!
//! Each agency gets its own ledger, four keys (admin, operator, approver,
//! inspector) and a plan of tujuan, sasaran, programs and kegiatan with
//! `indicators` indicators of every aggregation. Each year: murni targets
//! and pagu; four quarters of realisations and spending, each quarter
//! approved by the head; corrections of about one entry in twelve, approved;
//! the budget amendment after TW II (revised targets for about one indicator
//! in ten, one revised pagu); narratives for the IKU at year end.

use chrono::{TimeDelta, TimeZone, Utc};
use rust_decimal::Decimal;
use sakip::clock::SteppingClock;
use sakip::event::*;
use sakip::keys::KeyPair;
use sakip::ledger::Ledger;
use sakip::{Error, Result};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// What to generate.
#[derive(Clone, Debug)]
pub struct Spec {
    pub agencies: usize,
    pub years: u16,
    pub first_year: u16,
    pub indicators: usize,
    pub seed: u64,
}

impl Default for Spec {
    fn default() -> Spec {
        Spec {
            agencies: 1,
            years: 1,
            first_year: 2021,
            indicators: 50,
            seed: 1,
        }
    }
}

/// One generated agency ledger.
#[derive(Clone, Debug)]
pub struct Agency {
    pub code: String,
    pub dir: PathBuf,
    pub events: u64,
}

/// splitmix64: small, fast and fully determined by its seed.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `lo..=hi`.
    pub fn between(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next_u64() % (hi - lo + 1) as u64) as i64
    }

    /// True with probability `1 / n`.
    pub fn one_in(&mut self, n: u64) -> bool {
        self.next_u64().is_multiple_of(n)
    }
}

/// The four keys of an agency, derived from the seed and the agency code.
pub struct Keys {
    pub admin: KeyPair,
    pub operator: KeyPair,
    pub approver: KeyPair,
    pub inspector: KeyPair,
}

impl Keys {
    pub fn derive(seed: u64, agency: &str) -> Keys {
        let key = |role: &str| {
            let digest = Sha256::new()
                .chain_update(b"sakip/synthetic-key\0")
                .chain_update(seed.to_be_bytes())
                .chain_update(agency.as_bytes())
                .chain_update(role.as_bytes())
                .finalize();
            KeyPair::from_seed(digest.into())
        };
        Keys {
            admin: key("admin"),
            operator: key("operator"),
            approver: key("approver"),
            inspector: key("inspector"),
        }
    }
}

fn holder(name: &str) -> Holder {
    Holder {
        name: name.into(),
        nip: None,
        jabatan: None,
    }
}

fn dec(units: i64, scale: u32) -> Dec {
    Dec(Decimal::new(units, scale))
}

/// The shape of one synthetic indicator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Shape {
    /// A percentage, higher is better, the last quarter counts.
    Percent,
    /// A count summed over the quarters.
    Count,
    /// Numerator and denominator summed over the quarters.
    Ratio,
    /// A rate where lower is better.
    Lower,
}

fn shape(i: usize) -> Shape {
    match i % 5 {
        0 => Shape::Ratio,
        1 | 3 => Shape::Count,
        _ if i % 7 == 4 => Shape::Lower,
        _ => Shape::Percent,
    }
}

fn indicator_code(i: usize) -> String {
    if i < 8 {
        format!("IKU-{i:02}")
    } else {
        format!("IK-{i:03}")
    }
}

const SASARAN: usize = 4;
const PROGRAMS: usize = 3;
const KEGIATAN: usize = 6;

/// A generated agency's ledger, its keys and what it has appended so far.
pub struct Generator {
    pub ledger: Ledger,
    pub keys: Keys,
    clock: Arc<SteppingClock>,
    rng: Rng,
    indicators: usize,
    /// Latest seq per target (indicator, year) and per realisation
    /// (indicator, year, quarter) and per pagu (account, year).
    targets: HashMap<(usize, u16), u64>,
    entries: HashMap<(usize, u16, u8), u64>,
    pagu: HashMap<(usize, u16), u64>,
}

impl Generator {
    /// A new agency ledger in `dir` with its keys and plan.
    pub fn create(dir: &Path, code: &str, spec: &Spec, agency_seed: u64) -> Result<Generator> {
        let start = Utc
            .with_ymd_and_hms(i32::from(spec.first_year), 1, 4, 1, 0, 0)
            .single()
            .ok_or_else(|| Error::Input(format!("year {} is out of range", spec.first_year)))?;
        // The simulated timeline may run past today: its own end bounds it
        // (`verify` on this machine then flags the events still in the future).
        let end = Utc
            .with_ymd_and_hms(
                i32::from(spec.first_year) + i32::from(spec.years) + 1,
                12,
                31,
                0,
                0,
                0,
            )
            .single()
            .ok_or_else(|| Error::Input(format!("year {} is out of range", spec.first_year)))?;
        let clock = Arc::new(SteppingClock::new(start, TimeDelta::seconds(1)).with_wall(end.max(Utc::now())));
        let keys = Keys::derive(spec.seed, code);
        let genesis = Genesis {
            agency_code: code.into(),
            agency_name: format!("Badan Sintetis {code}"),
            admin: holder("Admin Sintetis"),
            nonce: Some(Sha256::digest(format!("sakip synthetic ledger v1:{}:{code}", spec.seed)).into()),
        };
        let ledger = Ledger::init(dir, clock.clone(), &keys.admin, genesis)?;
        let mut g = Generator {
            ledger,
            keys,
            clock,
            rng: Rng::new(agency_seed),
            indicators: spec.indicators.max(1),
            targets: HashMap::new(),
            entries: HashMap::new(),
            pagu: HashMap::new(),
        };
        g.plan()?;
        Ok(g)
    }

    fn plan(&mut self) -> Result<()> {
        let k = &self.keys;
        let mut items = Vec::new();
        for (pk, name, role) in [
            (&k.operator, "Operator Sintetis", Role::Operator),
            (&k.approver, "Kepala Sintetis", Role::Approver),
            (&k.inspector, "Inspektur Sintetis", Role::Inspector),
        ] {
            items.push((
                &k.admin,
                Payload::KeyAdded(KeyAdded {
                    key: pk.public(),
                    holder: holder(name),
                    roles: vec![role],
                }),
            ));
        }
        let item = |code: String, level: Level, parent: Option<String>| {
            Payload::PlanItemDefined(PlanItemDefined {
                name: format!("{} {code}", level.name()),
                code,
                level,
                parent,
            })
        };
        items.push((&k.admin, item("T1".into(), Level::Tujuan, None)));
        for s in 0..SASARAN {
            items.push((&k.admin, item(format!("S{s}"), Level::Sasaran, Some("T1".into()))));
        }
        for p in 0..PROGRAMS {
            items.push((
                &k.admin,
                item(format!("P{p}"), Level::Program, Some(format!("S{p}"))),
            ));
        }
        for g in 0..KEGIATAN {
            let parent = format!("P{}", g % PROGRAMS);
            items.push((&k.admin, item(format!("K{g}"), Level::Kegiatan, Some(parent))));
        }
        for i in 0..self.indicators {
            let shape = shape(i);
            let item = if i < 8 {
                format!("S{}", i % SASARAN)
            } else {
                format!("K{}", i % KEGIATAN)
            };
            let (unit, value_kind, aggregation, polarity) = match shape {
                Shape::Percent => (
                    "%",
                    ValueKind::Number,
                    Aggregation::LastQuarter,
                    Polarity::HigherIsBetter,
                ),
                Shape::Count => (
                    "dokumen",
                    ValueKind::Number,
                    Aggregation::Sum,
                    Polarity::HigherIsBetter,
                ),
                Shape::Ratio => (
                    "%",
                    ValueKind::Ratio,
                    Aggregation::RatioOfSums,
                    Polarity::HigherIsBetter,
                ),
                Shape::Lower => (
                    "%",
                    ValueKind::Number,
                    Aggregation::LastQuarter,
                    Polarity::LowerIsBetter,
                ),
            };
            items.push((
                &k.admin,
                Payload::IndicatorDefined(IndicatorDefined {
                    code: indicator_code(i),
                    name: format!("Indikator sintetis {i}"),
                    item,
                    unit: unit.into(),
                    polarity,
                    value_kind,
                    aggregation,
                    lower_rule: LowerRule::Inverse,
                    cap: None,
                    iku: i < 8,
                    formula: None,
                    source: None,
                }),
            ));
        }
        self.ledger.append_all(items)?;
        Ok(())
    }

    fn target_value(&mut self, i: usize) -> Value {
        match shape(i) {
            Shape::Percent | Shape::Ratio => Value::Number(dec(self.rng.between(7500, 10000), 2)),
            Shape::Count => Value::Number(dec(self.rng.between(4, 400), 0)),
            Shape::Lower => Value::Number(dec(self.rng.between(200, 900), 2)),
        }
    }

    fn realisation(&mut self, i: usize) -> Value {
        match shape(i) {
            Shape::Percent => Value::Number(dec(self.rng.between(6500, 10000), 2)),
            Shape::Count => Value::Number(dec(self.rng.between(0, 120), 0)),
            Shape::Ratio => {
                let denominator = self.rng.between(50, 5000);
                let numerator = denominator * self.rng.between(60, 100) / 100;
                Value::Ratio {
                    numerator: dec(numerator, 0),
                    denominator: dec(denominator, 0),
                }
            }
            Shape::Lower => Value::Number(dec(self.rng.between(100, 1200), 2)),
        }
    }

    fn at(&self, year: u16, month: u32, day: u32) -> Result<()> {
        let t = Utc
            .with_ymd_and_hms(i32::from(year), month, day, 2, 0, 0)
            .single()
            .ok_or_else(|| Error::Input(format!("year {year} is out of range")))?;
        let last = self.ledger.head().recorded_at;
        if t.timestamp_micros() > last {
            self.clock.set(t);
        }
        Ok(())
    }

    /// Append `items` as one batch, signed by the agency's key of `role`.
    fn append_as(&mut self, role: Role, items: Vec<Payload>) -> Result<Vec<sakip::ledger::Appended>> {
        let key = match role {
            Role::Admin => &self.keys.admin,
            Role::Operator => &self.keys.operator,
            Role::Approver => &self.keys.approver,
            Role::Inspector => &self.keys.inspector,
        };
        self.ledger
            .append_all(items.into_iter().map(|p| (key, p)).collect())
    }

    fn approve(&mut self, covers: Vec<u64>, comment: &str) -> Result<()> {
        if covers.is_empty() {
            return Ok(());
        }
        let payload = Payload::Approval(Approval {
            decision: Decision::Approve,
            covers,
            comment: Some(comment.into()),
        });
        self.append_as(Role::Approver, vec![payload])?;
        Ok(())
    }

    /// A year of quarterly realisations of every indicator, not appended:
    /// the rows of a bulk import.
    pub fn realisations(&mut self, year: u16) -> Vec<Payload> {
        let mut out = Vec::with_capacity(4 * self.indicators);
        for quarter in 1..=4u8 {
            for i in 0..self.indicators {
                let value = self.realisation(i);
                out.push(Payload::RealisationRecorded(RealisationRecorded {
                    indicator: indicator_code(i),
                    period: PeriodRef { year, quarter },
                    value,
                    note: None,
                }));
            }
        }
        out
    }

    /// Append one year of the agency's performance cycle. Returns the
    /// number of events appended.
    pub fn year(&mut self, year: u16) -> Result<u64> {
        let before = self.ledger.head().count;
        self.at(year, 1, 10)?;
        let mut items = Vec::new();
        for i in 0..self.indicators {
            let value = self.target_value(i);
            items.push(Payload::TargetSet(TargetSet {
                indicator: indicator_code(i),
                year,
                scope: TargetScope::Year,
                value,
                stage: Stage::Murni,
            }));
        }
        let accounts: Vec<String> = (0..PROGRAMS)
            .map(|p| format!("P{p}"))
            .chain((0..KEGIATAN).map(|g| format!("K{g}")))
            .collect();
        for account in &accounts {
            let pagu = dec(self.rng.between(50_000, 2_000_000) * 1000, 0);
            items.push(Payload::BudgetSet(BudgetSet {
                account: account.clone(),
                year,
                pagu,
            }));
        }
        let done = self.append_as(Role::Admin, items)?;
        for (i, a) in done.iter().take(self.indicators).enumerate() {
            self.targets.insert((i, year), a.seq);
        }
        for (j, a) in done.iter().skip(self.indicators).enumerate() {
            self.pagu.insert((j, year), a.seq);
        }

        for quarter in 1..=4u8 {
            let month = u32::from(quarter) * 3 + 1;
            let (y, m) = if month > 12 { (year + 1, 1) } else { (year, month) };
            self.at(y, m, 8)?;
            let period = PeriodRef { year, quarter };
            let mut items = Vec::new();
            for i in 0..self.indicators {
                let value = self.realisation(i);
                items.push(Payload::RealisationRecorded(RealisationRecorded {
                    indicator: indicator_code(i),
                    period,
                    value,
                    note: None,
                }));
            }
            for g in 0..KEGIATAN {
                items.push(Payload::SpendingRecorded(SpendingRecorded {
                    account: format!("K{g}"),
                    period,
                    amount: dec(self.rng.between(1_000, 400_000) * 1000, 0),
                    note: None,
                }));
            }
            let done = self.append_as(Role::Operator, items)?;
            for (i, a) in done.iter().take(self.indicators).enumerate() {
                self.entries.insert((i, year, quarter), a.seq);
            }
            self.approve(done.iter().map(|a| a.seq).collect(), "sesuai bukti dukung")?;

            // Corrections of about one entry in twelve, then their approval.
            let mut corrections = Vec::new();
            for i in 0..self.indicators {
                if self.rng.one_in(12) {
                    let value = self.realisation(i);
                    corrections.push(Payload::RealisationCorrected(RealisationCorrected {
                        indicator: indicator_code(i),
                        period,
                        value,
                        supersedes: self.entries[&(i, year, quarter)],
                        reason: "koreksi setelah verifikasi bukti dukung".into(),
                    }));
                }
            }
            if !corrections.is_empty() {
                let done = self.append_as(Role::Operator, corrections.clone())?;
                for (p, a) in corrections.iter().zip(&done) {
                    if let Payload::RealisationCorrected(c) = p {
                        let i = indicator_index(&c.indicator);
                        self.entries.insert((i, year, quarter), a.seq);
                    }
                }
                self.approve(done.iter().map(|a| a.seq).collect(), "koreksi disetujui")?;
            }

            if quarter == 2 {
                self.amendment(year)?;
            }
        }

        self.at(year + 1, 1, 20)?;
        let mut narratives = Vec::new();
        for i in 0..self.indicators.min(8) {
            narratives.push(Payload::NarrativeRecorded(NarrativeRecorded {
                indicator: indicator_code(i),
                year,
                faktor_pendorong: "dukungan pimpinan dan ketersediaan data".into(),
                hambatan: "keterbatasan anggaran pada triwulan awal".into(),
                strategi_pemecahan: "percepatan pelaksanaan kegiatan dan monitoring bulanan".into(),
            }));
        }
        let done = self.append_as(Role::Operator, narratives)?;
        self.approve(done.iter().map(|a| a.seq).collect(), "LKjIP disetujui")?;
        Ok(self.ledger.head().count - before)
    }

    /// The budget amendment (perubahan): about one target in ten and one
    /// program's pagu revised.
    fn amendment(&mut self, year: u16) -> Result<()> {
        self.at(year, 9, 30)?;
        let mut items = Vec::new();
        let mut revised = Vec::new();
        for i in 0..self.indicators {
            if self.rng.one_in(10) {
                let value = self.target_value(i);
                items.push(Payload::TargetRevised(TargetRevised {
                    indicator: indicator_code(i),
                    year,
                    scope: TargetScope::Year,
                    value,
                    stage: Stage::Perubahan,
                    reason: "penyesuaian target pada perubahan anggaran".into(),
                    basis: format!("Perjanjian Kinerja Perubahan {year}"),
                    revises: self.targets[&(i, year)],
                }));
                revised.push(i);
            }
        }
        let program = (self.rng.next_u64() % PROGRAMS as u64) as usize;
        items.push(Payload::BudgetRevised(BudgetRevised {
            account: format!("P{program}"),
            year,
            pagu: dec(self.rng.between(50_000, 2_000_000) * 1000, 0),
            stage: Stage::Perubahan,
            reason: "refocusing anggaran".into(),
            basis: format!("Perda APBD Perubahan {year}"),
            revises: self.pagu[&(program, year)],
        }));
        let done = self.append_as(Role::Admin, items)?;
        for (i, a) in revised.iter().zip(&done) {
            self.targets.insert((*i, year), a.seq);
        }
        if let Some(last) = done.last() {
            self.pagu.insert((program, year), last.seq);
        }
        Ok(())
    }
}

fn indicator_index(code: &str) -> usize {
    code.rsplit('-').next().and_then(|n| n.parse().ok()).unwrap_or(0)
}

/// The code of the `n`th synthetic agency.
pub fn agency_code(n: usize) -> String {
    format!("OPD-{n:05}")
}

/// Generate `spec.agencies` agency ledgers under `out` (one directory per
/// agency, named by its code). `out` must not hold them already.
pub fn generate(out: &Path, spec: &Spec, mut progress: impl FnMut(&Agency)) -> Result<Vec<Agency>> {
    let mut seeds = Rng::new(spec.seed);
    let mut done = Vec::new();
    for n in 0..spec.agencies {
        let code = agency_code(n);
        let dir = out.join(&code);
        if dir.exists() {
            return Err(Error::Input(format!(
                "{} already exists; generate into an empty directory",
                dir.display()
            )));
        }
        let mut g = Generator::create(&dir, &code, spec, seeds.next_u64())?;
        for y in 0..spec.years {
            g.year(spec.first_year + y)?;
        }
        let agency = Agency {
            code,
            dir,
            events: g.ledger.head().count,
        };
        progress(&agency);
        done.push(agency);
    }
    Ok(done)
}
