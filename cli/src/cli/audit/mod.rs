//! The inspectorate's commands: history, diff, replay and audit findings;
//! verify; checkpoints and inclusion proofs; bundles.

pub mod bundle;
pub mod checkpoint;
pub mod files;
pub mod inspect;
pub mod seen;
pub mod tiles;
pub mod verify;
pub mod witness;
