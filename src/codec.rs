//! The byte encoding of stored events, their signing message and their hash.
//!
//! Layout (format version 1, specified in `schema/event-v1.md`):
//!
//! ```text
//! offset  size  field
//! 0       1     format version (0x01)
//! 1       8     seq, u64 little-endian
//! 9       32    prev: SHA-256 of the previous stored event (zeros for genesis)
//! 41      8     recorded_at: i64 little-endian, microseconds since the Unix epoch, UTC
//! 49      32    author: Ed25519 public key
//! 81      n     payload: bincode 2, little-endian, fixed-width integers
//! 81+n    64    Ed25519 signature over SIGNATURE_DOMAIN || bytes[0 .. 81+n]
//! ```
//!
//! `hash = SHA-256(HASH_DOMAIN || all stored bytes)`, so an auditor can check
//! hashes and links without decoding payloads. This module must never depend
//! on ledger state: it only turns values into bytes and back.

use crate::event::{Event, EventHash, Payload, PublicKey};
use bincode::config::{Configuration, Fixint, Limit, LittleEndian};
use sha2::{Digest, Sha256};

/// The envelope format version written by this build.
pub const FORMAT_VERSION: u8 = 1;
/// Domain tag prefixed to the signed bytes.
pub const SIGNATURE_DOMAIN: &[u8] = b"sakip/event-signature/v1\0";
/// Domain tag prefixed to the stored bytes before hashing.
pub const HASH_DOMAIN: &[u8] = b"sakip/event-hash/v1\0";
/// Largest stored event accepted, in bytes.
pub const MAX_EVENT_BYTES: usize = 1 << 20;
/// Length of the fixed envelope header before the payload.
pub const HEADER_LEN: usize = 81;
/// Length of the trailing signature.
pub const SIGNATURE_LEN: usize = 64;

/// Why bytes could not be encoded or decoded.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CodecError {
    /// bincode could not encode a value.
    #[error("cannot encode: {0}")]
    Encode(String),
    /// bincode could not decode the bytes.
    #[error("cannot decode: {0}")]
    Decode(String),
    /// The value decoded, but bytes were left over.
    #[error("{0} trailing bytes after the encoded value")]
    Trailing(usize),
    /// An event to be appended is larger than the limit.
    #[error("event is {0} bytes, more than the limit of {MAX_EVENT_BYTES}")]
    TooLarge(usize),
    /// A stored event is larger than the limit.
    #[error("stored event is {0} bytes, over the limit")]
    StoredTooLarge(usize),
    /// A stored event is shorter than its header and signature.
    #[error("stored event is truncated ({0} bytes)")]
    Truncated(usize),
    /// A stored event has an envelope version this build does not read.
    #[error("unknown format version {0}")]
    Version(u8),
}

impl From<CodecError> for crate::Error {
    fn from(e: CodecError) -> Self {
        match e {
            CodecError::TooLarge(_) => crate::Error::Input(e.to_string()),
            CodecError::Encode(_) => crate::Error::Internal(e.to_string()),
            other => crate::Error::Integrity {
                seq: None,
                reason: other.to_string(),
            },
        }
    }
}

type Config = Configuration<LittleEndian, Fixint, Limit<MAX_EVENT_BYTES>>;

fn config() -> Config {
    bincode::config::standard()
        .with_little_endian()
        .with_fixed_int_encoding()
        .with_limit::<MAX_EVENT_BYTES>()
}

/// Encode a value with the ledger's bincode configuration.
pub fn to_bytes<T: bincode::Encode>(value: &T) -> Result<Vec<u8>, CodecError> {
    bincode::encode_to_vec(value, config()).map_err(|e| CodecError::Encode(e.to_string()))
}

/// Decode a value with the ledger's bincode configuration; every byte must
/// be consumed.
pub fn from_bytes<T: bincode::Decode<()>>(bytes: &[u8]) -> Result<T, CodecError> {
    let (value, used) =
        bincode::decode_from_slice(bytes, config()).map_err(|e| CodecError::Decode(e.to_string()))?;
    if used != bytes.len() {
        return Err(CodecError::Trailing(bytes.len() - used));
    }
    Ok(value)
}

/// The envelope of an event before it is signed.
#[derive(Clone, Debug)]
pub struct Unsigned<'a> {
    /// Its seq.
    pub seq: u64,
    /// Hash of the previous event.
    pub prev: EventHash,
    /// Transaction time, µs since the Unix epoch (UTC).
    pub recorded_at: i64,
    /// The signer's public key.
    pub author: PublicKey,
    /// The payload.
    pub payload: &'a Payload,
}

/// Encode an unsigned envelope: the bytes that will be signed (after the
/// domain tag) and stored (before the signature).
pub fn encode_body(unsigned: &Unsigned<'_>) -> Result<Vec<u8>, CodecError> {
    let payload = to_bytes(unsigned.payload)?;
    let mut body = Vec::with_capacity(HEADER_LEN + payload.len() + SIGNATURE_LEN);
    body.push(FORMAT_VERSION);
    body.extend_from_slice(&unsigned.seq.to_le_bytes());
    body.extend_from_slice(&unsigned.prev.0);
    body.extend_from_slice(&unsigned.recorded_at.to_le_bytes());
    body.extend_from_slice(&unsigned.author.0);
    body.extend_from_slice(&payload);
    if body.len() + SIGNATURE_LEN > MAX_EVENT_BYTES {
        return Err(CodecError::TooLarge(body.len() + SIGNATURE_LEN));
    }
    Ok(body)
}

/// Where the previous event's hash sits in a body: after the version byte
/// and the seq.
const PREV_AT: usize = 9;

/// Set the previous event's hash in a body made by [`encode_body`] (which
/// a batch encodes before the event it follows is signed).
pub fn set_prev(body: &mut [u8], prev: &EventHash) {
    body[PREV_AT..PREV_AT + 32].copy_from_slice(&prev.0);
}

/// The exact message an Ed25519 signature covers.
pub fn signing_message(body: &[u8]) -> Vec<u8> {
    let mut msg = Vec::with_capacity(SIGNATURE_DOMAIN.len() + body.len());
    signing_message_into(body, &mut msg);
    msg
}

/// [`signing_message`] written into `out` (cleared first), for a caller
/// that checks many signatures with one buffer.
pub fn signing_message_into(body: &[u8], out: &mut Vec<u8>) {
    out.clear();
    out.extend_from_slice(SIGNATURE_DOMAIN);
    out.extend_from_slice(body);
}

/// The hash of stored event bytes.
pub fn hash_stored(stored: &[u8]) -> EventHash {
    let mut h = Sha256::new();
    h.update(HASH_DOMAIN);
    h.update(stored);
    EventHash(h.finalize().into())
}

/// A stored event split into its fields without decoding the payload.
#[derive(Clone, Copy, Debug)]
pub struct Frame<'a> {
    /// The stored bytes.
    pub bytes: &'a [u8],
}

impl<'a> Frame<'a> {
    /// Check the frame's length and version.
    pub fn parse(bytes: &'a [u8]) -> Result<Frame<'a>, CodecError> {
        if bytes.len() > MAX_EVENT_BYTES {
            return Err(CodecError::StoredTooLarge(bytes.len()));
        }
        if bytes.len() < HEADER_LEN + SIGNATURE_LEN {
            return Err(CodecError::Truncated(bytes.len()));
        }
        if bytes[0] != FORMAT_VERSION {
            return Err(CodecError::Version(bytes[0]));
        }
        Ok(Frame { bytes })
    }

    /// The seq in the header.
    pub fn seq(&self) -> u64 {
        u64::from_le_bytes(self.fixed(1))
    }

    /// Hash of the previous event.
    pub fn prev(&self) -> EventHash {
        EventHash(self.fixed(PREV_AT))
    }

    /// Transaction time, µs since the Unix epoch (UTC).
    pub fn recorded_at(&self) -> i64 {
        i64::from_le_bytes(self.fixed(41))
    }

    /// The signer's public key.
    pub fn author(&self) -> PublicKey {
        PublicKey(self.fixed(49))
    }

    /// Everything before the signature: what is signed, after the domain tag.
    pub fn body(&self) -> &'a [u8] {
        &self.bytes[..self.bytes.len() - SIGNATURE_LEN]
    }

    /// The bincode payload between header and signature.
    pub fn payload_bytes(&self) -> &'a [u8] {
        &self.bytes[HEADER_LEN..self.bytes.len() - SIGNATURE_LEN]
    }

    /// The payload's kind, read from its first four bytes (the bincode
    /// enum tag, little-endian) without decoding the rest; `None` for an
    /// unknown or missing tag.
    pub fn kind(&self) -> Option<crate::event::Kind> {
        let tag = self.payload_bytes().get(..4)?;
        crate::event::Kind::from_number(u32::from_le_bytes([tag[0], tag[1], tag[2], tag[3]]))
    }

    /// The trailing Ed25519 signature.
    pub fn signature(&self) -> [u8; 64] {
        self.fixed(self.bytes.len() - SIGNATURE_LEN)
    }

    /// The SHA-256 of the stored bytes (with the hash domain tag).
    pub fn hash(&self) -> EventHash {
        hash_stored(self.bytes)
    }

    /// Decode the payload and return the whole event.
    pub fn decode(&self) -> Result<Event, CodecError> {
        let payload: Payload = from_bytes(self.payload_bytes())?;
        Ok(Event {
            seq: self.seq(),
            prev: self.prev(),
            recorded_at: self.recorded_at(),
            author: self.author(),
            payload,
            signature: self.signature(),
        })
    }

    fn fixed<const N: usize>(&self, at: usize) -> [u8; N] {
        let mut out = [0u8; N];
        out.copy_from_slice(&self.bytes[at..at + N]);
        out
    }
}

/// Decode stored bytes into an event (no signature or link check).
pub fn decode(stored: &[u8]) -> Result<Event, CodecError> {
    Frame::parse(stored)?.decode()
}
