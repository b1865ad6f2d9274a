//! sakip: a signed, hash-chained, bitemporal ledger for Indonesian government
//! performance accountability (SAKIP).
//!
//! The library owns the ledger format, its storage and its verification. It
//! never prints, never exits and never reads environment variables: the
//! `sakip` binary (crate `sakip-cli`) does that and maps [`Error`] to exit
//! codes through [`ErrorClass`].
//!
//! A front end works through [`service`] (every workflow: time points,
//! status, entries, imports, approvals, history, audit) over a
//! [`Ledger`]; events it wants signed elsewhere (in a browser) go through
//! [`Ledger::prepare`] and [`Ledger::submit`]. The layers, lowest first,
//! are listed in `docs/ARCHITECTURE.md` and checked by
//! `tests/layering.rs`. Documents (reports in every office format, the
//! Excel forms and the workbook reader, the Parquet export) are the crate
//! `sakip-report`, built on this one.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

// Foundation: no ledger state.
pub mod clock;
pub mod error;
pub mod fsutil;
pub mod limits;
pub mod numfmt;
pub mod period;
pub mod textsafe;

// The model and its bytes.
pub mod codec;
pub mod event;
pub mod keys;
pub mod scoring;
pub mod show;

// Storage and what is derived from the events.
pub(crate) mod derived;
pub mod merkle;
pub mod store;

// Rules, reads and the ledger.
pub mod authz;
pub mod budget;
pub(crate) mod checked;
pub mod checkpoint;
/// The exact decimal of every figure (re-exported for front ends).
pub use rust_decimal::Decimal;
pub mod ledger;
pub mod projection;
pub mod rules;
pub mod tiles;
pub mod verify;
pub mod witness;

// What is built on a ledger.
pub mod audit;
pub mod bundle;
pub mod document;
pub mod import;

// The workflows every front end calls, and the demo built through them.
pub mod example;
pub mod service;

pub use clock::{Clock, SteppingClock, SystemClock};
pub use error::{Error, ErrorClass, Result};
pub use event::{Event, EventHash, Kind, Payload, PublicKey};
pub use keys::{KeyPair, Signer};
pub use ledger::{Appended, Ledger, Prepared, PreparedBatch, StoredEvent};
pub use store::Store;
