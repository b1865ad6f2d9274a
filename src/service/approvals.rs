//! The head's queue: entries no one has decided on yet, shown with what
//! they change, and the decision that covers them.

use crate::event::{Approval, Decision, Payload, PublicKey};
use crate::ledger::{Ledger, StoredEvent};
use crate::Result;

/// An entry waiting for a decision.
#[derive(Clone, Debug)]
pub struct Pending {
    /// The entry.
    pub event: StoredEvent,
    /// What it records; a correction as "koreksi CODE PERIOD: before -> after (reason)".
    pub what: String,
}

/// The queue as one approver sees it.
#[derive(Clone, Debug, Default)]
pub struct Queue {
    /// Entries this approver may decide on, in seq order.
    pub entries: Vec<Pending>,
    /// Pending entries signed by this approver's own key, or registering
    /// it, left for another approver (no key decides on its own entry or
    /// its own registration).
    pub own: usize,
}

/// The pending entries `approver` may decide on.
pub fn queue(ledger: &Ledger, approver: &PublicKey) -> Result<Queue> {
    let mut q = Queue::default();
    let registration = ledger.registry().get(approver).map(|k| k.added_seq);
    for seq in ledger.pending_approvals()? {
        let Some(e) = ledger.event(seq)? else { continue };
        if e.event.author == *approver || Some(seq) == registration {
            q.own += 1;
            continue;
        }
        let what = describe(ledger, &e.event.payload)?;
        q.entries.push(Pending { event: e, what });
    }
    Ok(q)
}

/// An entry in words, a correction with its value before and after.
pub fn describe(ledger: &Ledger, payload: &Payload) -> Result<String> {
    Ok(match payload {
        Payload::RealisationCorrected(c) => {
            let before = superseded_value(ledger, c.supersedes)?
                .map(|v| v.to_string())
                .unwrap_or_else(|| "?".into());
            format!(
                "koreksi {} {}: {before} -> {} ({})",
                c.indicator, c.period, c.value, c.reason
            )
        }
        other => other.summary(),
    })
}

/// The value of the realisation (or correction) at `seq`: what a
/// correction of it replaces.
pub(crate) fn superseded_value(ledger: &Ledger, seq: u64) -> Result<Option<crate::event::Value>> {
    Ok(ledger.event(seq)?.and_then(|b| match b.event.payload {
        Payload::RealisationRecorded(r) => Some(r.value),
        Payload::RealisationCorrected(r) => Some(r.value),
        _ => None,
    }))
}

/// The decision on `covers`, with an optional comment (blank is none).
pub fn decision(decision: Decision, covers: Vec<u64>, comment: Option<String>) -> Payload {
    Payload::Approval(Approval {
        decision,
        covers,
        comment: comment.filter(|c| !c.trim().is_empty()),
    })
}
