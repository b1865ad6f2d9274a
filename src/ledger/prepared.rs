//! Events signed elsewhere (the browser): a body prepared with the seq
//! and head it expects, appended only with a signature over exactly it.

use super::*;

impl Ledger {
    /// Prepare an event for `author` to sign elsewhere: it is authorized and
    /// validated against the current head exactly as an append would be,
    /// and the bytes to sign are returned with the head they were prepared
    /// against. Nothing is written.
    pub fn prepare(&self, author: PublicKey, payload: Payload) -> Result<Prepared> {
        let unsigned = NotYetSigned(author);
        let (staged, _, _) = self.stage(&[(&unsigned, payload.clone(), String::new())], None)?;
        let s = &staged[0];
        let body = s.bytes[..s.bytes.len() - codec::SIGNATURE_LEN].to_vec();
        let frame = Frame::parse(&s.bytes).map_err(|e| Error::integrity(s.seq, e))?;
        Ok(Prepared {
            seq: s.seq,
            prev: frame.prev(),
            recorded_at: frame.recorded_at(),
            author,
            payload,
            body,
        })
    }

    /// Submit a prepared event with its author's signature over
    /// [`Prepared::signing_message`]. Refused when the signature does not
    /// verify (strictly) over exactly the prepared bytes; a typed
    /// [`Error::Conflict`] when the ledger moved since it was prepared.
    /// Otherwise checked again like any append and made durable.
    pub fn submit(&mut self, prepared: &Prepared, signature: [u8; 64]) -> Result<Appended> {
        let head = self.head();
        if head.count != prepared.seq || head.hash != prepared.prev {
            return Err(Error::Conflict {
                prepared: prepared.seq,
                head: head.count,
            });
        }
        let message = codec::signing_message(&prepared.body);
        crate::keys::verify_strict(&prepared.author, &message, &signature).map_err(|e| {
            Error::Refused(format!(
                "the signature over the prepared event does not verify ({e})"
            ))
        })?;
        let presigned = Presigned {
            author: prepared.author,
            message,
            signature,
        };
        let items = [(&presigned, prepared.payload.clone(), String::new())];
        let (staged, head, registry) = self.stage(&items, Some(prepared.recorded_at))?;
        self.commit(&staged, head, registry)?;
        Ok(appended(&staged)[0])
    }

    /// Prepare `items` (payloads with the labels refusals name, such as a
    /// file and line) to be signed elsewhere one after another by `author`
    /// and appended as one atomic batch. The whole batch is authorized and
    /// validated now, exactly as [`Ledger::append_labelled`] would; nothing
    /// is written. Each event's body names the hash of the one before it,
    /// signature included, so the signer signs them in order:
    /// [`PreparedBatch::next`] gives the next body to sign once the one
    /// before it is signed.
    pub fn prepare_batch(&self, author: PublicKey, items: Vec<(Payload, String)>) -> Result<PreparedBatch> {
        if items.is_empty() {
            return Err(Error::Input("nothing to prepare: the batch is empty".into()));
        }
        let unsigned = NotYetSigned(author);
        let staging: Vec<_> = items
            .iter()
            .map(|(p, l)| (&unsigned, p.clone(), l.clone()))
            .collect();
        let (staged, _, _) = self.stage(&staging, None)?;
        let frame = Frame::parse(&staged[0].bytes).map_err(|e| Error::integrity(staged[0].seq, e))?;
        Ok(PreparedBatch {
            first: staged[0].seq,
            head: frame.prev(),
            recorded_at: frame.recorded_at(),
            author,
            items,
            messages: Vec::new(),
            signatures: Vec::new(),
            next_prev: frame.prev(),
        })
    }

    /// Append a batch whose every event is signed, as one atomic, durable
    /// commit: all or nothing. A typed [`Error::Conflict`] when the ledger
    /// moved since the batch was prepared; otherwise checked again like any
    /// append.
    pub fn submit_batch(&mut self, batch: &PreparedBatch) -> Result<Vec<Appended>> {
        if !batch.is_complete() {
            return Err(Error::Input(format!(
                "the batch is not fully signed: {} of {} events",
                batch.signed(),
                batch.len()
            )));
        }
        let head = self.head();
        if head.count != batch.first || head.hash != batch.head {
            return Err(Error::Conflict {
                prepared: batch.first,
                head: head.count,
            });
        }
        let presigned: Vec<Presigned> = batch
            .messages
            .iter()
            .zip(&batch.signatures)
            .map(|(message, signature)| Presigned {
                author: batch.author,
                message: message.clone(),
                signature: *signature,
            })
            .collect();
        let items: Vec<_> = presigned
            .iter()
            .zip(&batch.items)
            .map(|(s, (p, l))| (s, p.clone(), l.clone()))
            .collect();
        let (staged, head, registry) = self.stage(&items, Some(batch.recorded_at))?;
        self.commit(&staged, head, registry)?;
        Ok(appended(&staged))
    }
}

/// An event prepared for signing elsewhere (`Ledger::prepare`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prepared {
    /// The seq it will get, and the hash of the event before it: the head it
    /// was prepared against.
    pub seq: u64,
    /// Hash of the head it was prepared against.
    pub prev: EventHash,
    /// Its transaction time.
    pub recorded_at: i64,
    /// Who is to sign it.
    pub author: PublicKey,
    /// What it records.
    pub payload: Payload,
    /// The stored bytes before the signature (`schema/event-v1.md`).
    pub body: Vec<u8>,
}

impl Prepared {
    /// The exact bytes the author signs: the domain tag and the body.
    pub fn signing_message(&self) -> Vec<u8> {
        codec::signing_message(&self.body)
    }
}

/// Events prepared together (`Ledger::prepare_batch`), signed in order and
/// appended as one atomic batch (`Ledger::submit_batch`).
#[derive(Clone, Debug)]
pub struct PreparedBatch {
    first: u64,
    head: EventHash,
    recorded_at: i64,
    author: PublicKey,
    items: Vec<(Payload, String)>,
    messages: Vec<Vec<u8>>,
    signatures: Vec<[u8; 64]>,
    next_prev: EventHash,
}

impl PreparedBatch {
    /// How many events the batch holds.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether it holds none (never, once prepared).
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// About how many bytes the batch holds in memory (its messages,
    /// payloads and labels): what a server counts against its limits.
    pub fn held_bytes(&self) -> usize {
        let messages: usize = self.messages.iter().map(Vec::len).sum();
        let labels: usize = self.items.iter().map(|(_, l)| l.len()).sum();
        // A decoded payload takes about what its bytes do, again.
        2 * messages + labels + self.items.len() * (64 + 128) + 256
    }

    /// How many are signed so far.
    pub fn signed(&self) -> usize {
        self.signatures.len()
    }

    /// Whether every event is signed.
    pub fn is_complete(&self) -> bool {
        self.signatures.len() == self.items.len()
    }

    /// The seq the first event will get.
    pub fn first_seq(&self) -> u64 {
        self.first
    }

    /// The payloads, in order.
    pub fn payloads(&self) -> impl Iterator<Item = &Payload> {
        self.items.iter().map(|(p, _)| p)
    }

    /// The next event to sign, chained to the signed one before it; `None`
    /// once all are signed.
    pub fn next(&self) -> Result<Option<Prepared>> {
        let k = self.signatures.len();
        let Some((payload, _)) = self.items.get(k) else {
            return Ok(None);
        };
        let seq = self.first + k as u64;
        let body = codec::encode_body(&Unsigned {
            seq,
            prev: self.next_prev,
            recorded_at: self.recorded_at,
            author: self.author,
            payload,
        })?;
        Ok(Some(Prepared {
            seq,
            prev: self.next_prev,
            recorded_at: self.recorded_at,
            author: self.author,
            payload: payload.clone(),
            body,
        }))
    }

    /// Take the signature of [`PreparedBatch::next`]: checked strictly over
    /// exactly its message by the batch's author, then the following event
    /// is chained to it.
    pub fn sign_next(&mut self, signature: [u8; 64]) -> Result<()> {
        let Some(prepared) = self.next()? else {
            return Err(Error::Input("every event of the batch is already signed".into()));
        };
        let message = prepared.signing_message();
        crate::keys::verify_strict(&self.author, &message, &signature).map_err(|e| {
            Error::Refused(format!(
                "the signature over event {} of {} of the batch does not verify ({e})",
                self.signatures.len() + 1,
                self.items.len()
            ))
        })?;
        let mut bytes = prepared.body;
        bytes.extend_from_slice(&signature);
        self.next_prev = codec::hash_stored(&bytes);
        self.messages.push(message);
        self.signatures.push(signature);
        Ok(())
    }
}

/// The author of an event being prepared: no signature yet.
pub(super) struct NotYetSigned(PublicKey);

impl Signer for NotYetSigned {
    fn public(&self) -> PublicKey {
        self.0
    }

    fn sign_message(&self, _message: &[u8]) -> Result<[u8; 64]> {
        Ok([0; 64])
    }
}

/// A signature made elsewhere over a prepared body: it signs that body only.
pub(super) struct Presigned {
    pub(super) author: PublicKey,
    pub(super) message: Vec<u8>,
    pub(super) signature: [u8; 64],
}

impl Signer for Presigned {
    fn public(&self) -> PublicKey {
        self.author
    }

    fn sign_message(&self, message: &[u8]) -> Result<[u8; 64]> {
        if message == self.message.as_slice() {
            Ok(self.signature)
        } else {
            Err(Error::Refused(
                "the event to append differs from the one prepared and signed; prepare it again".into(),
            ))
        }
    }
}
