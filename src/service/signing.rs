//! Events signed away from the ledger (in a browser, on another machine):
//! the service prepares the exact bytes against the current head with a
//! description in plain Indonesian of what the signer commits to, anyone
//! holding the key signs them, and the service submits the signature. A
//! head that moved in between is [`Error::Conflict`](crate::Error::Conflict):
//! prepare again and show it again, never sign blind.

use crate::event::{Payload, PublicKey};
use crate::ledger::{Appended, Ledger, Prepared};
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
    let what = super::approvals::describe(ledger, &payload)?;
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
