//! Writing files a user asked for (reports, checkpoints, proofs, keys,
//! bundle files) so that no one else's file is harmed.
//!
//! Every file is first written to a temporary file created exclusively
//! (`O_CREAT | O_EXCL`, a random name) in the target's own directory, so a
//! symlink placed there in advance is never followed; it is synced, then
//! moved into place. Without `replace` the move refuses an existing target
//! (a no-clobber rename: a symlink at the target counts as existing); with
//! it, the target name is replaced by a rename, which replaces a symlink
//! itself rather than writing through it. A write that fails or is
//! abandoned removes its temporary file and leaves the target as it was.

use crate::{Error, Result};
use std::io::Write;
use std::path::{Path, PathBuf};

/// A file written but not yet in place.
pub struct Staged {
    tmp: tempfile::NamedTempFile,
    target: PathBuf,
    replace: bool,
}

/// Whether an existing target may be replaced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Existing {
    /// Refuse when the target exists (the default of every command).
    Refuse,
    /// Replace it (`--force`).
    Replace,
}

fn parent_of(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

fn refuse_existing(path: &Path) -> Error {
    Error::Input(format!(
        "{} already exists; choose another name, or pass --force to replace it",
        path.display()
    ))
}

/// Write `bytes` to a temporary file beside `path` with permissions `mode`
/// (Unix), ready to be put in place by [`Staged::commit`]. Refuses at once
/// when `path` exists and may not be replaced, so nothing is written.
pub fn stage(path: &Path, bytes: &[u8], existing: Existing, mode: u32) -> Result<Staged> {
    if existing == Existing::Refuse && path.symlink_metadata().is_ok() {
        return Err(refuse_existing(path));
    }
    let dir = parent_of(path);
    let mut tmp = tempfile::Builder::new()
        .prefix(".sakip-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(|e| Error::io(dir, e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(mode))
            .map_err(|e| Error::io(tmp.path(), e))?;
    }
    #[cfg(not(unix))]
    let _ = mode;
    tmp.write_all(bytes)
        .and_then(|_| tmp.as_file().sync_all())
        .map_err(|e| Error::io(tmp.path(), e))?;
    Ok(Staged {
        tmp,
        target: path.to_path_buf(),
        replace: existing == Existing::Replace,
    })
}

impl Staged {
    /// Move the file into place and sync its directory.
    pub fn commit(self) -> Result<()> {
        let target = self.target;
        let result = if self.replace {
            self.tmp.persist(&target).map(|_| ())
        } else {
            self.tmp.persist_noclobber(&target).map(|_| ())
        };
        if let Err(e) = result {
            // The temporary file is removed when `e.file` drops.
            return Err(if e.error.kind() == std::io::ErrorKind::AlreadyExists {
                refuse_existing(&target)
            } else {
                Error::io(&target, e.error)
            });
        }
        #[cfg(unix)]
        if let Ok(d) = std::fs::File::open(parent_of(&target)) {
            let _ = d.sync_all();
        }
        Ok(())
    }

    /// Where the file will go.
    pub fn target(&self) -> &Path {
        &self.target
    }
}

/// Write a file in one step (see the module doc).
pub fn write(path: &Path, bytes: &[u8], existing: Existing, mode: u32) -> Result<()> {
    stage(path, bytes, existing, mode)?.commit()
}

/// Create a new directory for a bundle or a restore; an existing path of
/// any kind (a symlink included) is refused.
pub fn create_new_dir(path: &Path) -> Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
    }
    std::fs::create_dir(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            Error::Input(format!(
                "{} already exists; choose a new directory",
                path.display()
            ))
        } else {
            Error::io(path, e)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_existing_file_or_symlink_is_never_written_through() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        std::fs::write(&victim, "asli").unwrap();
        let target = dir.path().join("out.md");
        #[cfg(unix)]
        std::os::unix::fs::symlink(&victim, &target).unwrap();
        #[cfg(unix)]
        {
            let err = write(&target, b"baru", Existing::Refuse, 0o644).unwrap_err();
            assert!(err.to_string().contains("already exists"), "{err}");
            write(&target, b"baru", Existing::Replace, 0o644).unwrap();
            assert_eq!(std::fs::read_to_string(&victim).unwrap(), "asli");
            assert_eq!(std::fs::read_to_string(&target).unwrap(), "baru");
            assert!(!target.symlink_metadata().unwrap().file_type().is_symlink());
        }
        // An abandoned stage leaves nothing behind.
        let staged = stage(&dir.path().join("x"), b"1", Existing::Refuse, 0o600).unwrap();
        drop(staged);
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 2, "{names:?}");
    }
}
