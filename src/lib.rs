#![forbid(unsafe_code)]
#![warn(missing_docs)]
//! sakip: a signed, hash-chained, bitemporal ledger for Indonesian government
//! performance accountability (SAKIP).
//!
//! The library owns the ledger format, its storage and its verification. It
//! never prints, never exits and never reads environment variables: the
//! `sakip` binary does that and maps [`Error`] to exit codes.

pub mod audit;
pub mod authz;
pub mod budget;
pub mod bundle;
pub mod checked;
pub mod checkpoint;
pub mod clock;
pub mod codec;
pub mod derived;
pub mod error;
pub mod event;
pub mod example;
pub mod fsutil;
pub mod import;
pub mod keys;
pub mod ledger;
pub mod merkle;
pub mod numfmt;
pub mod period;
pub mod projection;
pub mod report;
pub mod rules;
pub mod scoring;
pub mod service;
pub mod store;
pub mod textsafe;
pub mod verify;

pub use error::{Error, ErrorClass, Result};
