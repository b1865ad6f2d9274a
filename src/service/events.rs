//! The events themselves: listing with filters, and the JSON shape of one
//! event, which `log --format json`, `show` and a bundle's `events.jsonl`
//! share (schema/bundle.md).

use crate::event::Kind;
use crate::ledger::{Ledger, StoredEvent};
use crate::{Error, Result};

/// Which events to list.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// First seq.
    pub from: u64,
    /// Only this kind.
    pub kind: Option<Kind>,
    /// At most this many.
    pub limit: Option<usize>,
}

/// A kind by its name, or an input error that lists the names.
pub fn kind_named(name: &str) -> Result<Kind> {
    Kind::from_name(name).ok_or_else(|| {
        let names: Vec<_> = Kind::ALL.iter().map(|k| k.name()).collect();
        Error::Input(format!(
            "unknown event kind '{name}' (one of: {})",
            names.join(", ")
        ))
    })
}

/// The events `filter` selects, in seq order.
pub fn list<'a>(ledger: &'a Ledger, filter: &Filter) -> Box<dyn Iterator<Item = Result<StoredEvent>> + 'a> {
    let limit = filter.limit.unwrap_or(usize::MAX);
    match filter.kind {
        Some(k) => Box::new(ledger.events_of_kind(k, filter.from).take(limit)),
        None => Box::new(ledger.events_from(filter.from).take(limit)),
    }
}

/// One event by its seq or its 64-hex-digit hash.
pub fn find(ledger: &Ledger, id: &str) -> Result<StoredEvent> {
    let found = match id.parse::<u64>() {
        Ok(seq) => ledger.event(seq)?,
        Err(_) => {
            let bytes = hex::decode(id)
                .ok()
                .and_then(|b| <[u8; 32]>::try_from(b).ok())
                .ok_or_else(|| Error::Input(format!("'{id}' is neither a seq nor a 64-digit event hash")))?;
            ledger.event_by_hash(&crate::event::EventHash(bytes))?
        }
    };
    found.ok_or_else(|| Error::NotFound(format!("no event {id} in this ledger")))
}

pub use crate::bundle::event_json;
