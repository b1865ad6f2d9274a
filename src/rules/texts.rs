//! The rules of texts: narratives, the LKjIP's parts and signatory, and
//! sealed reports.

use super::*;

/// An indicator's narrative for a year.
pub(super) fn narrative(r: &dyn IndexRead, n: &NarrativeRecorded) -> Result<(), Invalid> {
    check_year(n.year)?;
    need_indicator(r, &n.indicator)?;
    for (what, text) in [
        ("faktor pendorong", &n.faktor_pendorong),
        ("hambatan", &n.hambatan),
        ("strategi pemecahan", &n.strategi_pemecahan),
    ] {
        check_len(what, Some(text))?;
    }
    if [&n.faktor_pendorong, &n.hambatan, &n.strategi_pemecahan]
        .iter()
        .all(|t| t.trim().is_empty())
    {
        return Err("the narrative is empty".into());
    }
    Ok(())
}

/// A part of the year's LKjIP text.
pub(super) fn document_text(t: &DocumentText) -> Result<(), Invalid> {
    check_year(t.year)?;
    if DocumentSection::from_name(&t.section).is_none() {
        let names: Vec<&str> = DocumentSection::ALL.iter().map(|s| s.name()).collect();
        return Err(format!(
            "'{}' is not a part of the LKjIP text (one of: {})",
            t.section,
            names.join(", ")
        )
        .into());
    }
    if t.text.len() > MAX_DOCUMENT_TEXT {
        return Err(format!(
            "the text is {} bytes, more than the limit of {MAX_DOCUMENT_TEXT}",
            t.text.len()
        )
        .into());
    }
    if t.text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\t'))
    {
        return Err("the text holds control characters (only line breaks and tabs are kept)".into());
    }
    Ok(())
}

/// Who signs the year's LKjIP.
pub(super) fn signatory(s: &Signatory) -> Result<(), Invalid> {
    check_year(s.year)?;
    check_text("the name", &s.name)?;
    check_text("the NIP", &s.nip)?;
    check_text("the position", &s.position)?;
    check_len("the rank", Some(&s.rank))?;
    check_text("the place", &s.place)?;
    for (what, text) in [
        ("the name", &s.name),
        ("the NIP", &s.nip),
        ("the position", &s.position),
        ("the rank", &s.rank),
        ("the place", &s.place),
    ] {
        if text.contains(['\n', '\r']) {
            return Err(format!("{what} is one line").into());
        }
    }
    if chrono::NaiveDate::parse_from_str(&s.date, "%Y-%m-%d").is_err() || s.date.len() != 10 {
        return Err(format!("the date '{}' is not a date YYYY-MM-DD", s.date).into());
    }
    Ok(())
}

/// A sealed report: a kind and format a build writes.
pub(super) fn report_issued(rep: &ReportIssued) -> Result<(), Invalid> {
    check_year(rep.year)?;
    if !(1..=4).contains(&rep.as_of) {
        return Err(format!("quarter {} does not exist", rep.as_of).into());
    }
    if rep.report_kind().is_none() {
        let names: Vec<&str> = ReportKind::ALL.iter().map(|k| k.name()).collect();
        return Err(format!(
            "'{}' is not a report kind (one of: {})",
            rep.kind,
            names.join(", ")
        )
        .into());
    }
    if rep.report_format().is_none() && rep.format != EXTERNAL_FORMAT {
        return Err(format!(
            "'{}' is not a report format (md, csv, json, html, xlsx, or {EXTERNAL_FORMAT} for a document issued outside sakip)",
            rep.format
        )
        .into());
    }
    Ok(())
}
