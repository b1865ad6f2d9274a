//! A second agency's year, built from plain files through the CLI only: a
//! made-up Dinas Perpustakaan 2022 with spending per sub kegiatan, a PK
//! target revised at the perubahan beside a TW IV phasing, a cumulative
//! lower-is-better count, a ratio measured against its annual target
//! mid-year, a wrongly defined IKU retired, and a correction by indicator
//! and period. Every figure is checked at TW I, II and IV against values
//! computed by hand in the comments.

use crate::support::{s, Env};

const PLAN: &str = r#"
[[item]]
code = "T1"
level = "tujuan"
name = "Meningkatnya minat baca masyarakat"

[[item]]
code = "S1"
level = "sasaran"
parent = "T1"
name = "Meningkatnya pemanfaatan perpustakaan"

[[item]]
code = "S2"
level = "sasaran"
parent = "T1"
name = "Meningkatnya kualitas layanan perpustakaan"

[[item]]
code = "P1"
level = "program"
parent = "S1"
name = "Program Pembinaan Perpustakaan"

[[item]]
code = "K1"
level = "kegiatan"
parent = "P1"
name = "Pembudayaan Gemar Membaca"

[[item]]
code = "SK1"
level = "sub_kegiatan"
parent = "K1"
name = "Peningkatan Gemar Membaca"

[[item]]
code = "SK2"
level = "sub_kegiatan"
parent = "K1"
name = "Literasi Berbasis Inklusi Sosial"

[[item]]
code = "K2"
level = "kegiatan"
parent = "P1"
name = "Pengelolaan Perpustakaan"

[[item]]
code = "SK3"
level = "sub_kegiatan"
parent = "K2"
name = "Pengelolaan Koleksi Bahan Pustaka"

[[item]]
code = "P2"
level = "program"
parent = "S2"
name = "Program Penunjang Urusan Pemerintahan Daerah"

[[item]]
code = "K3"
level = "kegiatan"
parent = "P2"
name = "Administrasi Umum Perangkat Daerah"

[[item]]
code = "SK4"
level = "sub_kegiatan"
parent = "K3"
name = "Penyediaan Jasa Pelayanan Umum Kantor"

[[indicator]]
code = "IKU-1"
item = "S1"
name = "Persentase peningkatan kunjungan perpustakaan"
unit = "%"
iku = true

[[indicator]]
code = "IKU-3"
item = "S1"
name = "Persentase anggota aktif"
unit = "%"
kind = "ratio"
aggregation = "ratio_of_sums"
iku = true

[[indicator]]
code = "IKU-2"
item = "S2"
name = "Jumlah pengaduan layanan"
unit = "pengaduan"
polarity = "lower"
aggregation = "sum"
iku = true

[[indicator]]
code = "IKU-9"
item = "S2"
name = "Indikator salah input"
unit = "dokumen"
iku = true

[[target]]
indicator = "IKU-1"
year = 2022
value = "60"
[[target]]
indicator = "IKU-1"
year = 2022
scope = "TW1"
value = "15"
[[target]]
indicator = "IKU-1"
year = 2022
scope = "TW2"
value = "30"
[[target]]
indicator = "IKU-1"
year = 2022
scope = "TW3"
value = "45"
[[target]]
indicator = "IKU-1"
year = 2022
scope = "TW4"
value = "60"

[[target]]
indicator = "IKU-2"
year = 2022
value = "20"
[[target]]
indicator = "IKU-2"
year = 2022
scope = "TW1"
value = "5"
[[target]]
indicator = "IKU-2"
year = 2022
scope = "TW2"
value = "10"
[[target]]
indicator = "IKU-2"
year = 2022
scope = "TW3"
value = "15"
[[target]]
indicator = "IKU-2"
year = 2022
scope = "TW4"
value = "20"

[[target]]
indicator = "IKU-3"
year = 2022
value = "50"

[[target]]
indicator = "IKU-9"
year = 2022
value = "1"
"#;

const PERUBAHAN: &str = r#"
[[target]]
indicator = "IKU-1"
year = 2022
value = "62"
revise = true
reason = "Penyesuaian target pada Perubahan APBD 2022"
basis = "DPPA Dinas Perpustakaan TA 2022"
"#;

const PAGU: &str = "account;period;jenis;amount;reason;basis;note
P1;2022;pagu;950.000.000;;;
SK1;2022;pagu;400.000.000;;;
SK2;2022;pagu;300.000.000;;;
SK3;2022;pagu;250.000.000;;;
SK4;2022;pagu;200.000.000;;;
";

const HEADER: &str = "indicator;period;value;numerator;denominator;note\n";

struct Perpustakaan {
    env: Env,
}

impl Perpustakaan {
    fn at(&mut self, now: &'static str) -> &Env {
        self.env.now = now;
        &self.env
    }
}

fn build() -> Perpustakaan {
    let mut p = Perpustakaan { env: Env::new() };
    let admin = p.env.key("admin.key", 21, "Admin Perpustakaan");
    let kepala = p.env.key("kepala.key", 22, "Kepala Dinas Perpustakaan");
    let op = p.env.key("operator.key", 23, "Kasubag Perencanaan");
    let (admin, kepala, op) = (s(&admin).to_string(), s(&kepala).to_string(), s(&op).to_string());
    let plan = p.env.write("plan.toml", PLAN);
    let perubahan = p.env.write("perubahan.toml", PERUBAHAN);
    let pagu = p.env.write("pagu.csv", PAGU);
    let tw = |env: &Env, name: &str, rows: &str| env.write(name, &format!("{HEADER}{rows}"));

    let env = p.at("2022-01-05T09:00:00+07:00");
    env.ok(&[
        "init",
        "--agency-code",
        "2.23.01",
        "--agency-name",
        "Dinas Perpustakaan Kota Contoh",
        "--key",
        &admin,
    ]);
    env.ok(&[
        "--key",
        &admin,
        "key",
        "add",
        "--public",
        &format!("{kepala}.pub"),
        "--role",
        "approver",
    ]);
    env.ok(&[
        "--key",
        &admin,
        "key",
        "add",
        "--public",
        &format!("{op}.pub"),
        "--role",
        "operator",
    ]);
    let env = p.at("2022-01-10T09:00:00+07:00");
    env.ok(&["--key", &admin, "import", "plan", &plan]);
    env.ok(&["--key", &admin, "import", "anggaran", &pagu]);
    let env = p.at("2022-02-01T09:00:00+07:00");
    env.ok(&[
        "--key",
        &admin,
        "retire",
        "indicator",
        "IKU-9",
        "--year",
        "2022",
        "--reason",
        "bukan IKU PK 2022",
    ]);

    // TW I: IKU-1 14; IKU-3 120/300; 7 complaints. Spending per sub kegiatan.
    let env = p.at("2022-04-05T09:00:00+07:00");
    let f = tw(
        env,
        "tw1.csv",
        "IKU-1;2022-Q1;14;;;\nIKU-3;2022-Q1;;120;300;\nIKU-2;2022-Q1;7;;;\n",
    );
    env.ok(&["--key", &op, "import", "realisasi", &f]);
    let f = env.write(
        "belanja-tw1.csv",
        "account;period;jenis;amount\nSK1;2022-Q1;realisasi;50.000.000\nSK2;2022-Q1;realisasi;30.000.000\nSK4;2022-Q1;realisasi;40.000.000\n",
    );
    env.ok(&["--key", &op, "import", "anggaran", &f]);
    env.ok(&[
        "--key",
        &kepala,
        "approve",
        "--pending",
        "--yes",
        "--comment",
        "Monev TW I",
    ]);

    // TW II: IKU-1 29, corrected to 31; IKU-3 150/300; 4 complaints.
    let env = p.at("2022-07-05T09:00:00+07:00");
    let f = tw(
        env,
        "tw2.csv",
        "IKU-1;2022-Q2;29;;;\nIKU-3;2022-Q2;;150;300;\nIKU-2;2022-Q2;4;;;\n",
    );
    env.ok(&["--key", &op, "import", "realisasi", &f]);
    let f = env.write(
        "belanja-tw2.csv",
        "account;period;jenis;amount\nSK1;2022-Q2;realisasi;100.000.000\nSK3;2022-Q2;realisasi;60.000.000\nSK4;2022-Q2;realisasi;50.000.000\n",
    );
    env.ok(&["--key", &op, "import", "anggaran", &f]);
    let env = p.at("2022-07-20T09:00:00+07:00");
    env.ok(&[
        "--key",
        &op,
        "correct",
        "--indicator",
        "IKU-1",
        "--period",
        "2022-Q2",
        "--value",
        "31",
        "--reason",
        "Rekap kunjungan final",
    ]);

    // The perubahan: the PK target of IKU-1 becomes 62; its TW IV phasing stays 60.
    let env = p.at("2022-09-15T09:00:00+07:00");
    env.ok(&[
        "--key",
        &admin,
        "import",
        "plan",
        &perubahan,
        "--stage",
        "perubahan",
    ]);

    // TW III and TW IV.
    let env = p.at("2022-10-05T09:00:00+07:00");
    let f = tw(
        env,
        "tw3.csv",
        "IKU-1;2022-Q3;44;;;\nIKU-3;2022-Q3;;160;300;\nIKU-2;2022-Q3;3;;;\n",
    );
    env.ok(&["--key", &op, "import", "realisasi", &f]);
    let env = p.at("2023-01-10T09:00:00+07:00");
    let f = tw(
        env,
        "tw4.csv",
        "IKU-1;2022-Q4;61;;;\nIKU-3;2022-Q4;;170;300;\nIKU-2;2022-Q4;2;;;\n",
    );
    env.ok(&["--key", &op, "import", "realisasi", &f]);
    let f = env.write(
        "belanja-tw4.csv",
        "account;period;jenis;amount\nSK2;2022-Q4;realisasi;200.000.000\nSK4;2022-Q4;realisasi;90.000.000\n",
    );
    env.ok(&["--key", &op, "import", "anggaran", &f]);
    env.ok(&[
        "--key",
        &kepala,
        "approve",
        "--pending",
        "--yes",
        "--comment",
        "Monev TW IV",
    ]);
    p.at("2023-01-11T09:00:00+07:00");
    p
}

fn status(env: &Env, as_of: &str) -> std::collections::HashMap<String, serde_json::Value> {
    env.ok(&["status", "--year", "2022", "--as-of", as_of, "--format", "jsonl"])
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            (v["code"].as_str().unwrap().to_string(), v)
        })
        .collect()
}

fn report(env: &Env, kind: &str, as_of: &str) -> String {
    env.ok(&[
        "report", kind, "--year", "2022", "--as-of", as_of, "--format", "md",
    ])
}

fn has(text: &str, row: &str) {
    assert!(text.contains(row), "expected the row\n{row}\nin\n{text}");
}

#[test]
fn a_second_agency_year_gives_the_hand_computed_figures() {
    let p = build();
    let env = &p.env;
    env.ok(&["verify"]);

    // ---- TW I
    let s = status(env, "2022-Q1");
    assert!(!s.contains_key("IKU-9"), "a retired IKU is not shown");
    // 14 / 15 (TW I phasing) = 93,33%
    assert_eq!(s["IKU-1"]["target"], "15");
    assert_eq!(s["IKU-1"]["capaian"], "93.33");
    // cumulative complaints 7 against the TW I phasing 5: 5 / 7 = 71,43%
    assert_eq!(s["IKU-2"]["realisasi"], "7");
    assert_eq!(s["IKU-2"]["capaian"], "71.43");
    // 120 / 300 = 40% against the annual 50%: 80,00%, marked as annual
    assert_eq!(s["IKU-3"]["realisasi"], "40.00");
    assert_eq!(s["IKU-3"]["capaian"], "80.00");
    assert_eq!(s["IKU-3"]["target_scope"], "PK");
    let table = env.ok(&["status", "--year", "2022", "--as-of", "2022-Q1"]);
    assert!(
        table.contains("80,00%*") && table.contains("diukur terhadap target tahunan"),
        "{table}"
    );
    // mean (93,333 + 71,429 + 80) / 3 = 81,59% Tinggi
    assert!(
        table.contains("Rata-rata capaian IKU: 81,59% (Tinggi)"),
        "{table}"
    );

    // Spending entered per sub kegiatan rolls up: P1 50 + 30 = 80 of 950 = 8,42%;
    // P2 40 of 200 = 20,00%; total 120 of 1.150 = 10,43%.
    let a = report(env, "anggaran", "2022-Q1");
    has(
        &a,
        "| 1 | Program Pembinaan Perpustakaan | 950.000.000 | 80.000.000 | 8,42% |",
    );
    has(
        &a,
        "| 2 | Program Penunjang Urusan Pemerintahan Daerah | 200.000.000 | 40.000.000 | 20,00% |",
    );
    has(&a, "| Jumlah |  | 1.150.000.000 | 120.000.000 | 10,43% |");
    has(&a, "| P1 | Program Pembinaan Perpustakaan | Program | 950.000.000 | 80.000.000 | 8,42% | dicatat pada program | jumlah kegiatan/ sub kegiatan |");
    has(&a, "| P2 | Program Penunjang Urusan Pemerintahan Daerah | Program | 200.000.000 | 40.000.000 | 20,00% | jumlah kegiatan/ sub kegiatan | jumlah kegiatan/ sub kegiatan |");
    // The sub kegiatan without an indicator is in the rencana aksi.
    let ra = report(env, "rencana-aksi", "2022-Q1");
    has(&ra, "| Pengelolaan Koleksi Bahan Pustaka | (tanpa indikator) |");
    // The capaian report's comparison column is TW I, not the year.
    let c = report(env, "capaian", "2022-Q1");
    assert!(c.contains("Realisasi 2022 s.d. TW I"), "{c}");
    assert!(!c.contains("Indikator salah input"), "{c}");

    // The comparison row of each IKU: realisasi and capaian as of TW I.
    has(
        &c,
        "| Persentase peningkatan kunjungan perpustakaan | - | - | - | 14% | - | - | - | 93,33% |",
    );
    has(
        &c,
        "| Jumlah pengaduan layanan | - | - | - | 7 | - | - | - | 71,43% |",
    );
    has(
        &c,
        "| Persentase anggota aktif | - | - | - | 40,00% (120/300) | - | - | - | 80,00% |",
    );
    let l = report(env, "lkjip", "2022-Q1");
    // efisiensi of IKU-2: 71,43 - 20,00 = 51,43
    has(&l, "| Jumlah pengaduan layanan | 5 | 7 | 71,43% | 200.000.000 | 40.000.000 | 20,00% | 51,43 | diturunkan dari program sasaran |");
    has(&l, "| Persentase peningkatan kunjungan perpustakaan | 15% | 14% | 93,33% | - | - | - | - | belum ada anggaran |");
    has(&ra, "| Pengelolaan Koleksi Bahan Pustaka | (tanpa indikator) | - | - | - | - | - | - | - | - | - | - | 250.000.000 | 0 | 0,00% |");

    // ---- TW II
    let s = status(env, "2022-Q2");
    // the corrected 31 / 30 = 103,33%
    assert_eq!(s["IKU-1"]["realisasi"], "31");
    assert_eq!(s["IKU-1"]["capaian"], "103.33");
    // 7 + 4 = 11 against 10: 90,91%
    assert_eq!(s["IKU-2"]["realisasi"], "11");
    assert_eq!(s["IKU-2"]["capaian"], "90.91");
    // (120 + 150) / 600 = 45% of 50%: 90,00%
    assert_eq!(s["IKU-3"]["capaian"], "90.00");
    // P1 50 + 30 + 100 + 60 = 240 of 950 = 25,26%; P2 90 of 200 = 45,00%; 330 of 1.150 = 28,70%
    let a = report(env, "anggaran", "2022-Q2");
    has(
        &a,
        "| 1 | Program Pembinaan Perpustakaan | 950.000.000 | 240.000.000 | 25,26% |",
    );
    has(
        &a,
        "| 2 | Program Penunjang Urusan Pemerintahan Daerah | 200.000.000 | 90.000.000 | 45,00% |",
    );
    has(&a, "| Jumlah |  | 1.150.000.000 | 330.000.000 | 28,70% |");
    let c = report(env, "capaian", "2022-Q2");
    has(
        &c,
        "| Persentase peningkatan kunjungan perpustakaan | - | - | - | 31% | - | - | - | 103,33% |",
    );
    has(
        &c,
        "| Persentase anggota aktif | - | - | - | 45,00% (270/600) | - | - | - | 90,00% |",
    );
    let l = report(env, "lkjip", "2022-Q2");
    // efisiensi of IKU-2: 90,91 - 45,00 = 45,91
    has(&l, "| Jumlah pengaduan layanan | 10 | 11 | 90,91% | 200.000.000 | 90.000.000 | 45,00% | 45,91 | diturunkan dari program sasaran |");
    has(&l, "| Jumlah |  | 1.150.000.000 | 330.000.000 | 28,70% |");
    let ra = report(env, "rencana-aksi", "2022-Q2");
    // SK3: 60 of 250 = 24,00%
    has(&ra, "| Pengelolaan Koleksi Bahan Pustaka | (tanpa indikator) | - | - | - | - | - | - | - | - | - | - | 250.000.000 | 60.000.000 | 24,00% |");

    // ---- TW IV
    let s = status(env, "2022-Q4");
    // 61 against the revised PK target 62 (not the TW IV phasing 60): 98,39%
    assert_eq!(s["IKU-1"]["target"], "62");
    assert_eq!(s["IKU-1"]["capaian"], "98.39");
    // 7 + 4 + 3 + 2 = 16 complaints against 20: 125,00%
    assert_eq!(s["IKU-2"]["realisasi"], "16");
    assert_eq!(s["IKU-2"]["capaian"], "125.00");
    // 600 / 1.200 = 50% of 50%: 100,00%
    assert_eq!(s["IKU-3"]["capaian"], "100.00");
    assert!(s.values().all(|v| v["approved"] == true), "everything approved");
    let table = env.ok(&["status", "--year", "2022"]);
    // (98,387 + 125 + 100) / 3 = 107,80%
    assert!(
        table.contains("Rata-rata capaian IKU: 107,80% (Sangat Tinggi)"),
        "{table}"
    );
    // P1 240 + 200 = 440 of 950 = 46,32%; P2 180 of 200 = 90,00%; 620 of 1.150 = 53,91%
    let a = report(env, "anggaran", "2022-Q4");
    has(
        &a,
        "| 1 | Program Pembinaan Perpustakaan | 950.000.000 | 440.000.000 | 46,32% |",
    );
    has(
        &a,
        "| 2 | Program Penunjang Urusan Pemerintahan Daerah | 200.000.000 | 180.000.000 | 90,00% |",
    );
    has(&a, "| Jumlah |  | 1.150.000.000 | 620.000.000 | 53,91% |");
    // IKU-2 is the only IKU of S2 once IKU-9 is retired: its allocation is
    // P2's budget, derived and said so; efisiensi 125,00 - 90,00 = 35,00.
    let e = report(env, "efisiensi", "2022-Q4");
    has(&e, "| Jumlah pengaduan layanan | 20 | 16 | 125,00% | 200.000.000 | 180.000.000 | 90,00% | 35,00 | diturunkan dari program sasaran |");
    // The two IKU of S1 share their programs: no allocation is invented.
    has(&e, "| Persentase anggota aktif | 50% | 50,00% (600/1.200) | 100,00% | - | - | - | - | belum ada anggaran |");
    let c = report(env, "capaian", "2022-Q4");
    has(
        &c,
        "| Persentase peningkatan kunjungan perpustakaan | - | - | - | 61% | - | - | - | 98,39% |",
    );
    has(
        &c,
        "| Jumlah pengaduan layanan | - | - | - | 16 | - | - | - | 125,00% |",
    );
    has(
        &c,
        "| Persentase anggota aktif | - | - | - | 50,00% (600/1.200) | - | - | - | 100,00% |",
    );
    let l = report(env, "lkjip", "2022-Q4");
    has(&l, "| Jumlah |  | 1.150.000.000 | 620.000.000 | 53,91% |");
    has(&l, "| Persentase peningkatan kunjungan perpustakaan | 62% | 61% | 98,39% | - | - | - | - | belum ada anggaran |");
    has(&l, "| Jumlah pengaduan layanan | 20 | 16 | 125,00% | 200.000.000 | 180.000.000 | 90,00% | 35,00 | diturunkan dari program sasaran |");
    let ra = report(env, "rencana-aksi", "2022-Q4");
    has(&ra, "| Pengelolaan Koleksi Bahan Pustaka | (tanpa indikator) | - | - | - | - | - | - | - | - | - | - | 250.000.000 | 60.000.000 | 24,00% |");

    // The TW IV phasing that no longer agrees with the revised PK target is reported.
    let findings = env.ok(&["audit", "check", "--year", "2022"]);
    assert!(
        findings.contains("phasing-disagrees") && findings.contains("IKU-1 2022"),
        "{findings}"
    );
    // The retired IKU stays in the ledger's history.
    let h = env.ok(&["history", "IKU-9"]);
    assert!(h.contains("bukan IKU PK 2022"), "{h}");
}

#[test]
fn a_printed_serapan_and_target_are_recorded_and_checked() {
    let p = build();
    let env = &p.env;
    let kepala = env.path("kepala.key");
    // A Berita Acara that misprints P1's serapan and IKU-1's target.
    let doc = env.write(
        "ba.toml",
        r#"kind = "evaluasi"
title = "Berita Acara Evaluasi Internal Tahun 2022"
year = 2022

[[figure]]
account = "P1"
realisasi = "440.000.000"
capaian = "64,32%"

[[figure]]
indicator = "IKU-1"
target = "60"
capaian = "98,39"
"#,
    );
    env.ok(&["--key", s(&kepala), "report", "record", &doc]);
    let findings = env.ok(&["audit", "check", "--year", "2022"]);
    assert!(
        findings.contains("P1 serapan = 64,32%, but the ledger when it was issued gives 46,32%"),
        "{findings}"
    );
    assert!(
        findings.contains("IKU-1 target = 60, but the ledger when it was issued gives 62"),
        "{findings}"
    );
    assert!(
        !findings.contains("IKU-1 capaian"),
        "the capaian is right: {findings}"
    );
    // An unknown field is refused, never dropped.
    let bad = env.write(
        "bad.toml",
        "kind = \"evaluasi\"\ntitle = \"x\"\nyear = 2022\n[[figure]]\naccount = \"P1\"\npersen = \"1\"\n",
    );
    let (code, _, err) = env.run(&["--key", s(&kepala), "report", "record", &bad]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("persen"), "{err}");
}

#[test]
fn the_agency_time_zone_is_used_for_every_shown_time_and_typed_date() {
    let mut env = Env::new();
    env.now = "2022-01-10T23:30:00+08:00"; // 15.30 UTC: still 10 January in WITA
    let admin = env.key("admin.key", 31, "Admin Makassar");
    let admin = s(&admin).to_string();
    env.ok(&[
        "init",
        "--agency-code",
        "7.01",
        "--agency-name",
        "Dinas Makassar",
        "--key",
        &admin,
        "--time-zone",
        "WITA",
    ]);
    assert_eq!(env.ok(&["settings"]).trim(), "time zone: WITA");
    let log = env.ok(&["log"]);
    assert!(log.contains("10/01/2022 23.30 WITA"), "{log}");
    // Stored times stay UTC for machines.
    let json = env.ok(&["log", "--format", "json"]);
    assert!(json.contains("2022-01-10T15:30:00Z"), "{json}");
    // "Known at 10 January" is the end of 10 January in WITA: both events.
    let out = env.ok(&["status", "--year", "2022", "--known-at", "2022-01-10"]);
    assert!(out.contains("diketahui: 10/01/2022 23.59 WITA (seq 1)"), "{out}");
    env.now = "2022-01-11T08:00:00+08:00";
    env.ok(&["--key", &admin, "settings", "--time-zone", "WIT"]);
    let log = env.ok(&["log"]);
    assert!(
        log.contains("11/01/2022 09.00 WIT") && log.contains("agency time zone WIT"),
        "{log}"
    );
    let (code, _, err) = env.run(&["--key", &admin, "settings", "--time-zone", "UTC"]);
    assert_eq!(code, 2, "{err}");
}
