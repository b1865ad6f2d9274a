//! The files the audit commands take besides the ledger: checkpoints and
//! the public keys of inspectors and witnesses (`--checkpoint FILE`,
//! `--trusted-key FILE.pub`, `--witness NAME=FILE.pub`, `--log`).

use crate::cli::CliError;
use sakip::checkpoint::Checkpoint;
use sakip::service::audit::{self, WitnessKey};
use std::path::PathBuf;

/// The public keys of `.pub` files given with `--trusted-key`.
pub fn trusted_keys(files: &[PathBuf]) -> Result<Vec<sakip::PublicKey>, crate::cli::CliError> {
    files.iter().map(|f| Ok(sakip::keys::read_public(f)?.0)).collect()
}

/// A checkpoint file (`--checkpoint FILE`), bounded and parsed.
pub fn read_checkpoint(path: &std::path::Path) -> Result<Checkpoint, crate::cli::CliError> {
    let text = sakip::limits::read_text(path, sakip::limits::MAX_KEY_FILE_BYTES, "a checkpoint")?;
    Ok(audit::parse_checkpoint(&path.display().to_string(), &text)?)
}

/// `NAME=FILE.pub` pairs: a name and the key in a `.pub` file.
pub fn named_keys(pairs: &[String], what: &str) -> Result<Vec<(String, sakip::PublicKey)>, CliError> {
    pairs
        .iter()
        .map(|p| {
            let (name, file) = p
                .split_once('=')
                .ok_or_else(|| CliError::Usage(format!("{what} '{p}': expected NAME=FILE.pub")))?;
            Ok((
                name.to_string(),
                sakip::keys::read_public(std::path::Path::new(file))?.0,
            ))
        })
        .collect()
}

/// The witnesses an auditor trusts (`--witness NAME=FILE.pub`).
pub fn witness_keys(pairs: &[String]) -> Result<Vec<WitnessKey>, CliError> {
    Ok(named_keys(pairs, "--witness")?
        .into_iter()
        .map(|(name, key)| WitnessKey { name, key })
        .collect())
}
