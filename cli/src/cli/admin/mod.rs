//! Setting a ledger up and keeping it: init, keys, settings, rebuild.

pub mod init;
pub mod key;
pub mod rebuild;
pub mod settings;

use sakip::event::Holder;

/// Who holds a key (`init`, `key new`, `key add`): written into a new
/// key's .pub file, or recorded with a registration, where each field not
/// given is the one the .pub file names.
#[derive(clap::Args, Debug, Default)]
pub struct HolderArgs {
    /// The holder's name (with `init` and `key add`, default: the .pub file's).
    #[arg(long)]
    pub name: Option<String>,
    /// The holder's NIP (Nomor Induk Pegawai).
    #[arg(long)]
    pub nip: Option<String>,
    /// The holder's jabatan (position).
    #[arg(long)]
    pub jabatan: Option<String>,
}

impl HolderArgs {
    /// The fields given, each one not given taken from `file` (a .pub
    /// file's holder).
    pub fn or_from(self, file: Option<&Holder>) -> HolderArgs {
        HolderArgs {
            name: self.name.or_else(|| file.map(|h| h.name.clone())),
            nip: self.nip.or_else(|| file.and_then(|h| h.nip.clone())),
            jabatan: self.jabatan.or_else(|| file.and_then(|h| h.jabatan.clone())),
        }
    }

    /// The holder, named `name` when no name was given or found.
    pub fn holder_or(
        self,
        name: impl FnOnce() -> Result<String, crate::cli::CliError>,
    ) -> Result<Holder, crate::cli::CliError> {
        Ok(Holder {
            name: match self.name {
                Some(n) => n,
                None => name()?,
            },
            nip: self.nip,
            jabatan: self.jabatan,
        })
    }
}
