//! Setting a ledger up and keeping it: init, keys, settings, rebuild.

pub mod init;
pub mod key;
pub mod rebuild;
pub mod settings;
