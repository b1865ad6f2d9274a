//! The agency's settings and the year's LKjIP texts: narratives, document
//! parts and the signatory.

use bincode::{Decode, Encode};
use serde::Serialize;

/// Indonesia's three time zones.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Encode, Decode, Serialize)]
pub enum TimeZone {
    /// Waktu Indonesia Barat, UTC+7.
    #[default]
    Wib,
    /// Waktu Indonesia Tengah, UTC+8.
    Wita,
    /// Waktu Indonesia Timur, UTC+9.
    Wit,
}

impl TimeZone {
    /// Every zone.
    pub const ALL: [TimeZone; 3] = [TimeZone::Wib, TimeZone::Wita, TimeZone::Wit];

    /// The abbreviation printed after a time: WIB, WITA, WIT.
    pub fn name(self) -> &'static str {
        match self {
            TimeZone::Wib => "WIB",
            TimeZone::Wita => "WITA",
            TimeZone::Wit => "WIT",
        }
    }

    /// The offset from UTC, in seconds.
    pub fn offset_secs(self) -> i32 {
        match self {
            TimeZone::Wib => 7 * 3600,
            TimeZone::Wita => 8 * 3600,
            TimeZone::Wit => 9 * 3600,
        }
    }

    /// Parse WIB, WITA or WIT (any case).
    pub fn from_name(name: &str) -> Option<TimeZone> {
        TimeZone::ALL
            .into_iter()
            .find(|z| z.name().eq_ignore_ascii_case(name.trim()))
    }
}

/// The agency's settings, set by an admin: the time zone its people read
/// and type times in (stored times stay UTC).
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, Serialize)]
pub struct AgencySettings {
    /// The agency's time zone.
    pub time_zone: TimeZone,
}

/// One part of the prose of a year's LKjIP (PermenPAN-RB 53/2014): the
/// Kata Pengantar, the Ikhtisar Eksekutif, the parts of Bab I, II and IV.
/// The latest version known counts; an empty text withdraws the part.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, Serialize)]
pub struct DocumentText {
    /// Fiscal year of the report.
    pub year: u16,
    /// Which part: one of [`DocumentSection::ALL`]'s names.
    pub section: String,
    /// The text: paragraphs separated by a blank line; a line starting with
    /// `1.`, `a.` or `-` is a list item.
    pub text: String,
}

/// The parts of the LKjIP text that are recorded as prose; the figures,
/// tables and charts come from the ledger.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum DocumentSection {
    /// Kata Pengantar.
    KataPengantar,
    /// Ikhtisar Eksekutif.
    IkhtisarEksekutif,
    /// Bab I A. Latar Belakang.
    LatarBelakang,
    /// Bab I B. Kedudukan, Tugas dan Fungsi.
    TugasFungsi,
    /// Bab I C. Struktur Organisasi.
    StrukturOrganisasi,
    /// Bab I D. Permasalahan Utama dan Isu Strategis.
    IsuStrategis,
    /// Bab II A. Rencana Strategis.
    RencanaStrategis,
    /// Bab II B. Perjanjian Kinerja (before its table).
    PerjanjianKinerja,
    /// Bab III, before the capaian tables: how performance is measured.
    PengukuranKinerja,
    /// Bab IV Penutup.
    Penutup,
}

impl DocumentSection {
    /// Every part, in the order of the document.
    pub const ALL: [DocumentSection; 10] = [
        DocumentSection::KataPengantar,
        DocumentSection::IkhtisarEksekutif,
        DocumentSection::LatarBelakang,
        DocumentSection::TugasFungsi,
        DocumentSection::StrukturOrganisasi,
        DocumentSection::IsuStrategis,
        DocumentSection::RencanaStrategis,
        DocumentSection::PerjanjianKinerja,
        DocumentSection::PengukuranKinerja,
        DocumentSection::Penutup,
    ];

    /// The name recorded in the event and typed on the command line.
    pub fn name(self) -> &'static str {
        match self {
            DocumentSection::KataPengantar => "kata-pengantar",
            DocumentSection::IkhtisarEksekutif => "ikhtisar-eksekutif",
            DocumentSection::LatarBelakang => "latar-belakang",
            DocumentSection::TugasFungsi => "tugas-fungsi",
            DocumentSection::StrukturOrganisasi => "struktur-organisasi",
            DocumentSection::IsuStrategis => "isu-strategis",
            DocumentSection::RencanaStrategis => "rencana-strategis",
            DocumentSection::PerjanjianKinerja => "perjanjian-kinerja",
            DocumentSection::PengukuranKinerja => "pengukuran-kinerja",
            DocumentSection::Penutup => "penutup",
        }
    }

    /// Its heading in the document.
    pub fn heading(self) -> &'static str {
        match self {
            DocumentSection::KataPengantar => "KATA PENGANTAR",
            DocumentSection::IkhtisarEksekutif => "IKHTISAR EKSEKUTIF",
            DocumentSection::LatarBelakang => "A. Latar Belakang",
            DocumentSection::TugasFungsi => "B. Kedudukan, Tugas dan Fungsi",
            DocumentSection::StrukturOrganisasi => "C. Struktur Organisasi",
            DocumentSection::IsuStrategis => "D. Permasalahan Utama dan Isu Strategis",
            DocumentSection::RencanaStrategis => "A. Rencana Strategis",
            DocumentSection::PerjanjianKinerja => "B. Perjanjian Kinerja",
            DocumentSection::PengukuranKinerja => "Pengukuran Kinerja",
            DocumentSection::Penutup => "BAB IV PENUTUP",
        }
    }

    /// A part by its name.
    pub fn from_name(name: &str) -> Option<DocumentSection> {
        DocumentSection::ALL.into_iter().find(|s| s.name() == name)
    }
}

/// Who signs a year's LKjIP: the head of the agency as printed under the
/// Kata Pengantar and at the end of the document.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, Serialize)]
pub struct Signatory {
    /// Fiscal year of the report.
    pub year: u16,
    /// Name with titles, as printed ("Ir. UN ACHMAD NURDIN, MM").
    pub name: String,
    /// NIP, as printed ("19670506 199202 1 003").
    pub nip: String,
    /// Position (jabatan), as printed.
    pub position: String,
    /// Rank (pangkat/golongan), may be empty.
    pub rank: String,
    /// Where it is signed ("Kediri").
    pub place: String,
    /// When it is signed: YYYY-MM-DD.
    pub date: String,
}

/// The narrative of an indicator's year.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, Serialize)]
pub struct NarrativeRecorded {
    /// Indicator code.
    pub indicator: String,
    /// Fiscal year.
    pub year: u16,
    /// Faktor pendorong (what helped).
    pub faktor_pendorong: String,
    /// Hambatan (what stood in the way).
    pub hambatan: String,
    /// Strategi pemecahan (what is done about it).
    pub strategi_pemecahan: String,
}
